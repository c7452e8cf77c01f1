// Package pipeline holds radflag's canonical types — the Report every ingest
// adapter produces and the Result every classification yields — and the
// small interfaces that connect the stages. It knows no protocol: adapters
// translate into these types, the bus carries them.
package pipeline

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// SchemaVersion is written into every encoded Report and Result. Readers
// accept any version up to their own; a newer one is refused so that an old
// worker never half-reads a message it does not understand.
const SchemaVersion = 1

// Source names where a report came from.
type Source string

const (
	SourceHL7  Source = "hl7"
	SourceFHIR Source = "fhir"
)

// Status is a report's result status. Versions of one report go
// preliminary → final → corrected; a later status supersedes an earlier one.
type Status string

const (
	StatusPreliminary Status = "preliminary"
	StatusFinal       Status = "final"
	StatusCorrected   Status = "corrected"
)

// Rank orders statuses so a consumer can tell which version supersedes which.
func (s Status) Rank() int {
	switch s {
	case StatusPreliminary:
		return 1
	case StatusFinal:
		return 2
	case StatusCorrected:
		return 3
	}
	return 0
}

// Identifier is a reference to a patient (or another entity) by system and
// value. It is carried so that writeback can point at the patient; it is
// never logged nor used as a metric label.
type Identifier struct {
	System string `json:"system,omitempty"`
	Value  string `json:"value"`
	// Type is the HL7 identifier type code (MR, PI, ...), when known.
	Type string `json:"type,omitempty"`
}

// Coding is a code from a code system with its display text.
type Coding struct {
	System  string `json:"system,omitempty"`
	Code    string `json:"code,omitempty"`
	Display string `json:"display,omitempty"`
}

// Sections are the parts of a report's text that the classifier reads.
type Sections struct {
	Indication string `json:"indication,omitempty"`
	Findings   string `json:"findings,omitempty"`
	Impression string `json:"impression,omitempty"`
}

// Report is one version of one radiology report, normalised from whatever
// protocol brought it.
type Report struct {
	Schema int `json:"schema"`
	// ID identifies the report across its versions (preliminary, final,
	// corrected): "<source>:<issuer>:<accession>" for HL7, "fhir:<id>" for FHIR.
	ID     string `json:"id"`
	Source Source `json:"source"`
	// MessageID identifies this version as received; it is the
	// de-duplication key on the bus (Nats-Msg-Id).
	MessageID string `json:"message_id"`
	// Version distinguishes versions of the same report (HL7 control id,
	// FHIR versionId), for ordering and audit.
	Version   string     `json:"version,omitempty"`
	Accession string     `json:"accession,omitempty"`
	Patient   Identifier `json:"patient"`
	// Modality is the DICOM modality code, "CT" for the reports radflag handles.
	Modality  string   `json:"modality,omitempty"`
	Procedure Coding   `json:"procedure"`
	Status    Status   `json:"status"`
	Sections  Sections `json:"sections"`
	Text      string   `json:"text"`
	// ObservedAt is when the study was done or the report issued, as the
	// sender says; ReceivedAt is when radflag received it.
	ObservedAt time.Time `json:"observed_at,omitzero"`
	ReceivedAt time.Time `json:"received_at"`
	// Raw is the message exactly as received, for audit and replay.
	Raw []byte `json:"raw,omitempty"`
	// RawType is the media type of Raw ("x-application/hl7-v2+er7", "application/fhir+json").
	RawType string `json:"raw_type,omitempty"`
}

// ClassifierInput is the text a classifier reads: indication, findings and
// impression joined in that order (the input of the source studies). When
// no section was recognised it is the whole text.
func (r *Report) ClassifierInput() string {
	s := r.Sections
	if s.Indication == "" && s.Findings == "" && s.Impression == "" {
		return strings.TrimSpace(r.Text)
	}
	var b strings.Builder
	for _, part := range []string{s.Indication, s.Findings, s.Impression} {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString(part)
	}
	return b.String()
}

// Validate reports what a Report is missing before it may be stored.
func (r *Report) Validate() error {
	var missing []string
	if r.ID == "" {
		missing = append(missing, "id")
	}
	if r.Source == "" {
		missing = append(missing, "source")
	}
	if r.MessageID == "" {
		missing = append(missing, "message_id")
	}
	if strings.TrimSpace(r.Text) == "" {
		missing = append(missing, "text")
	}
	if r.Status.Rank() == 0 {
		missing = append(missing, fmt.Sprintf("status (got %q)", r.Status))
	}
	if len(missing) > 0 {
		return fmt.Errorf("report %s: missing or invalid %s", r.ID, strings.Join(missing, ", "))
	}
	return nil
}

// MarshalReport encodes a report in the stable, versioned JSON form (the
// Schema field is always SchemaVersion). See AppendReport.
func MarshalReport(r *Report) ([]byte, error) {
	return AppendReport(nil, r)
}

// UnmarshalReport decodes a report, refusing a schema newer than this build's.
func UnmarshalReport(b []byte) (*Report, error) {
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("decode report: %w", err)
	}
	if r.Schema > SchemaVersion {
		return nil, fmt.Errorf("decode report %s: schema %d is newer than this build's %d", r.ID, r.Schema, SchemaVersion)
	}
	return &r, nil
}
