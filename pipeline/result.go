package pipeline

import (
	"encoding/json"
	"fmt"
	"time"
)

// Evidence is a sentence of the report that drove a prediction.
type Evidence struct {
	Text string `json:"text"`
	// Start and End are byte offsets into the classifier input.
	Start int `json:"start"`
	End   int `json:"end"`
	// Weight is how much the predicted class's probability drops without it.
	Weight float64 `json:"weight"`
}

// ModelRef names the model that produced a result.
type ModelRef struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	// Digest is the hex SHA-256 of the model's ONNX file.
	Digest string `json:"digest"`
}

// Result is one task's answer for one report version.
type Result struct {
	Schema   int    `json:"schema"`
	ReportID string `json:"report_id"`
	// ReportMessageID is the version of the report this result answers.
	ReportMessageID string `json:"report_message_id"`
	ReportStatus    Status `json:"report_status"`
	Task            string `json:"task"`
	Label           int    `json:"label"`
	LabelName       string `json:"label_name"`
	// Flag is true when the task raises a flag for this label.
	Flag          bool               `json:"flag"`
	Probabilities map[string]float64 `json:"probabilities"`
	Evidence      []Evidence         `json:"evidence,omitempty"`
	Model         ModelRef           `json:"model"`
	// Patient, Accession and Procedure are copied from the report so that
	// writeback and the worklist need not read the report again.
	Patient   Identifier `json:"patient"`
	Accession string     `json:"accession,omitempty"`
	Procedure Coding     `json:"procedure"`
	Source    Source     `json:"source"`
	// Text is the classifier input the evidence offsets point into, so the
	// worklist can show the report and training can learn from feedback.
	Text       string    `json:"text,omitempty"`
	ReceivedAt time.Time `json:"received_at"`
	CreatedAt  time.Time `json:"created_at"`
}

// MsgID is the bus de-duplication key of a result: one per report version,
// task and model.
func (r *Result) MsgID() string {
	return r.ReportMessageID + ":" + r.Task + ":" + r.Model.Digest
}

// MarshalResult encodes a result in the stable, versioned JSON form. Maps are
// encoded with sorted keys by encoding/json, so equal results encode equally.
func MarshalResult(r *Result) ([]byte, error) {
	c := *r
	c.Schema = SchemaVersion
	b, err := json.Marshal(&c)
	if err != nil {
		return nil, fmt.Errorf("encode result %s/%s: %w", r.ReportID, r.Task, err)
	}
	return b, nil
}

// UnmarshalResult decodes a result, refusing a schema newer than this build's.
func UnmarshalResult(b []byte) (*Result, error) {
	var r Result
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("decode result: %w", err)
	}
	if r.Schema > SchemaVersion {
		return nil, fmt.Errorf("decode result %s: schema %d is newer than this build's %d", r.ReportID, r.Schema, SchemaVersion)
	}
	return &r, nil
}

// Decision is a navigator's answer on a flagged case.
type Decision string

const (
	DecisionConfirmed Decision = "confirmed"
	DecisionRejected  Decision = "rejected"
)

// Feedback is a navigator's confirmation or rejection of a result, published
// on radflag.feedback.<task>. Writeback turns it into a Flag update;
// `radflag feedback export` turns it into labelled training data.
type Feedback struct {
	Schema          int      `json:"schema"`
	CaseID          string   `json:"case_id"`
	ReportID        string   `json:"report_id"`
	ReportMessageID string   `json:"report_message_id"`
	Task            string   `json:"task"`
	Decision        Decision `json:"decision"`
	// ModelLabel is what the model said; Label is the label the navigator's
	// decision implies (the model's on confirm; on reject, the label the
	// navigator chose, or -1 when not given).
	ModelLabel int    `json:"model_label"`
	Label      int    `json:"label"`
	Reason     string `json:"reason,omitempty"`
	User       string `json:"user"`
	// ResultMsgID names the result (and so the FHIR resource) reviewed.
	ResultMsgID string     `json:"result_msg_id"`
	Model       ModelRef   `json:"model"`
	Patient     Identifier `json:"patient"`
	Text        string     `json:"text,omitempty"`
	At          time.Time  `json:"at"`
}

// MsgID is the bus de-duplication key of a feedback event.
func (f *Feedback) MsgID() string {
	return "feedback:" + f.CaseID + ":" + string(f.Decision) + ":" + f.At.UTC().Format(time.RFC3339Nano)
}
