// Package worklist keeps the state of every flagged case (one per report and
// task) in a NATS key-value bucket and serves it to oncology navigators: a
// JSON API, live updates over server-sent events, web pages embedded in the
// binary, and the tumour-board list. Navigators' confirmations and rejections
// are published as pipeline.Feedback, which writeback turns into FHIR Flag
// updates and `radflag feedback export` into training data.
package worklist

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/radflag/radflag/pipeline"
)

// Status is where a case stands.
type Status string

const (
	StatusNew       Status = "new"
	StatusConfirmed Status = "confirmed"
	StatusRejected  Status = "rejected"
	StatusClosed    Status = "closed"
)

// Statuses in display order.
var Statuses = []Status{StatusNew, StatusConfirmed, StatusRejected, StatusClosed}

func (s Status) valid() bool {
	for _, v := range Statuses {
		if v == s {
			return true
		}
	}
	return false
}

// Action names one entry of a case's history.
type Action string

const (
	ActionCreated       Action = "created"
	ActionResultUpdated Action = "result_updated"
	ActionConfirm       Action = "confirm"
	ActionReject        Action = "reject"
	ActionAssign        Action = "assign"
	ActionClose         Action = "close"
	ActionReopen        Action = "reopen"
)

// SystemUser is the user of the events radflag itself records.
const SystemUser = "radflag"

// MaxHistory bounds a case's history so that its KV value stays well under
// the server's payload limit; an action beyond it is refused, never dropped.
const MaxHistory = 1000

// Event is one entry of a case's history: who did what, when and why.
type Event struct {
	At     time.Time `json:"at"`
	User   string    `json:"user"`
	Action Action    `json:"action"`
	From   Status    `json:"from,omitempty"`
	To     Status    `json:"to,omitempty"`
	Reason string    `json:"reason,omitempty"`
	// Label is the label a decision implies (confirm: the model's; reject:
	// the one the navigator chose), -1 when unknown. Only on decisions.
	Label     *int   `json:"label,omitempty"`
	LabelName string `json:"label_name,omitempty"`
	Assignee  string `json:"assignee,omitempty"`
	// ResultMsgID names the result the event concerns.
	ResultMsgID string `json:"result_msg_id,omitempty"`
	// FeedbackPending is set on a decision until its Feedback is stored on
	// the bus; a sweeper republishes what a crash or outage left pending.
	FeedbackPending bool `json:"feedback_pending,omitempty"`
}

// Case is the worklist state of one report and task.
type Case struct {
	ID       string `json:"id"`
	Task     string `json:"task"`
	ReportID string `json:"report_id"`
	Status   Status `json:"status"`
	Assignee string `json:"assignee,omitempty"`
	// Result is the latest result for the report (a corrected report's
	// result replaces the earlier one).
	Result    pipeline.Result `json:"result"`
	CreatedAt time.Time       `json:"created_at"`
	UpdatedAt time.Time       `json:"updated_at"`
	// DecidedAt and DecidedBy are the last confirmation or rejection.
	DecidedAt time.Time `json:"decided_at,omitzero"`
	DecidedBy string    `json:"decided_by,omitempty"`
	// AutoClosed marks a case radflag closed because a new report version
	// was no longer flagged; a flagged version reopens it.
	AutoClosed bool    `json:"auto_closed,omitempty"`
	History    []Event `json:"history"`
	// Revision is the KV revision the case was read at (not stored).
	Revision uint64 `json:"revision"`
}

// CaseID is the case of a report and task: a readable task prefix and a hash
// of both, so that it is a valid KV key and URL segment whatever the report
// id holds (report ids carry accession numbers, which stay out of URLs).
func CaseID(task, reportID string) string {
	sum := sha256.Sum256([]byte(task + "\x00" + reportID))
	var b strings.Builder
	for _, r := range task {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= 'A' && r <= 'Z':
			b.WriteRune(r + ('a' - 'A'))
		default:
			b.WriteByte('_')
		}
		if b.Len() >= 24 {
			break
		}
	}
	if b.Len() == 0 {
		b.WriteByte('_')
	}
	return b.String() + "-" + hex.EncodeToString(sum[:12])
}

// validID reports whether id has the shape CaseID makes (KV key and URL safe).
func validID(id string) bool {
	if len(id) < 3 || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// resultOrder orders the results of one report: a later report version, then
// a later classification (a replay with a newer model), supersedes.
func newerResult(a, b *pipeline.Result) bool {
	if !a.ReceivedAt.Equal(b.ReceivedAt) {
		return a.ReceivedAt.After(b.ReceivedAt)
	}
	if a.ReportStatus.Rank() != b.ReportStatus.Rank() {
		return a.ReportStatus.Rank() > b.ReportStatus.Rank()
	}
	return a.CreatedAt.After(b.CreatedAt)
}

// applyResult folds a classification result into the case c (nil when the
// report has none). It returns the new case and whether anything changed;
// a result that neither flags nor updates a case changes nothing.
func applyResult(c *Case, r *pipeline.Result, now time.Time) (*Case, bool) {
	if c == nil {
		if !r.Flag {
			return nil, false
		}
		return &Case{
			ID:        CaseID(r.Task, r.ReportID),
			Task:      r.Task,
			ReportID:  r.ReportID,
			Status:    StatusNew,
			Result:    *r,
			CreatedAt: now,
			UpdatedAt: now,
			History: []Event{{
				At: now, User: SystemUser, Action: ActionCreated, To: StatusNew,
				ResultMsgID: r.MsgID(), Reason: "flagged " + r.LabelName,
			}},
		}, true
	}
	cur := &c.Result
	if cur.MsgID() == r.MsgID() || !newerResult(r, cur) {
		return c, false // redelivered or superseded
	}
	n := c.clone()
	n.Result = *r
	n.UpdatedAt = now
	ev := Event{At: now, User: SystemUser, Action: ActionResultUpdated, ResultMsgID: r.MsgID()}
	switch {
	case !r.Flag && n.Status == StatusNew:
		ev.From, ev.To = n.Status, StatusClosed
		n.Status, n.AutoClosed = StatusClosed, true
		ev.Reason = "new report version is no longer flagged (" + r.LabelName + ")"
	case r.Flag && n.Status == StatusClosed && n.AutoClosed:
		ev.From, ev.To = n.Status, StatusNew
		n.Status, n.AutoClosed = StatusNew, false
		ev.Reason = "new report version is flagged again (" + r.LabelName + ")"
	case r.Flag:
		ev.Reason = "new report version, still flagged (" + r.LabelName + ")"
	default:
		ev.Reason = "new report version is no longer flagged (" + r.LabelName + "); status kept"
	}
	n.History = append(n.History, ev)
	return n, true
}

// Request is a navigator's action on a case.
type Request struct {
	Action Action
	User   string
	Reason string
	// Label is the correct label a rejection names (nil: not given).
	Label *LabelDef
	// Assignee for ActionAssign ("" unassigns).
	Assignee string
}

// RequestError is an action that cannot apply to a case (HTTP 4xx).
type RequestError struct {
	Code int
	Msg  string
}

func (e *RequestError) Error() string { return e.Msg }

// applyRequest applies a navigator's action to c and returns the new case.
// Decisions are recorded even when they repeat the status: two navigators
// confirming at once both appear in the history.
func applyRequest(c *Case, req Request, now time.Time) (*Case, error) {
	if len(c.History) >= MaxHistory {
		return nil, &RequestError{Code: 409, Msg: fmt.Sprintf("case history is full (%d events)", MaxHistory)}
	}
	n := c.clone()
	n.UpdatedAt = now
	ev := Event{At: now, User: req.User, Action: req.Action, Reason: req.Reason, From: c.Status}
	switch req.Action {
	case ActionConfirm:
		n.Status = StatusConfirmed
		l := c.Result.Label
		ev.Label, ev.LabelName = &l, c.Result.LabelName
		ev.ResultMsgID, ev.FeedbackPending = c.Result.MsgID(), true
		n.DecidedAt, n.DecidedBy = now, req.User
	case ActionReject:
		if strings.TrimSpace(req.Reason) == "" {
			return nil, &RequestError{Code: 400, Msg: "a rejection needs a reason"}
		}
		n.Status = StatusRejected
		l := -1
		if req.Label != nil {
			if req.Label.Label == c.Result.Label {
				return nil, &RequestError{Code: 400, Msg: "a rejection's label must differ from the model's (" + c.Result.LabelName + ")"}
			}
			l, ev.LabelName = req.Label.Label, req.Label.Name
		}
		ev.Label = &l
		ev.ResultMsgID, ev.FeedbackPending = c.Result.MsgID(), true
		n.DecidedAt, n.DecidedBy = now, req.User
	case ActionAssign:
		n.Assignee, ev.Assignee = req.Assignee, req.Assignee
	case ActionClose:
		n.Status = StatusClosed
	case ActionReopen:
		if c.Status == StatusNew {
			return nil, &RequestError{Code: 409, Msg: "case is already new"}
		}
		n.Status = StatusNew
	default:
		return nil, &RequestError{Code: 404, Msg: fmt.Sprintf("unknown action %q", req.Action)}
	}
	n.AutoClosed = false
	ev.To = n.Status
	if ev.To == ev.From && req.Action == ActionAssign {
		ev.From, ev.To = "", ""
	}
	n.History = append(n.History, ev)
	return n, nil
}

func (c *Case) clone() *Case {
	n := *c
	n.History = append([]Event(nil), c.History...)
	return &n
}

// pendingFeedback lists the indices of decisions whose Feedback is not yet
// known to be stored.
func (c *Case) pendingFeedback() []int {
	var out []int
	for i, e := range c.History {
		if e.FeedbackPending {
			out = append(out, i)
		}
	}
	return out
}

// feedbackFor builds the Feedback of the decision at history index i.
func (c *Case) feedbackFor(i int) *pipeline.Feedback {
	e := c.History[i]
	dec := pipeline.DecisionConfirmed
	if e.Action == ActionReject {
		dec = pipeline.DecisionRejected
	}
	label := -1
	if e.Label != nil {
		label = *e.Label
	}
	r := &c.Result
	return &pipeline.Feedback{
		CaseID: c.ID, ReportID: c.ReportID, ReportMessageID: r.ReportMessageID, Task: c.Task,
		Decision: dec, ModelLabel: r.Label, Label: label, Reason: e.Reason, User: e.User,
		ResultMsgID: e.ResultMsgID, Model: r.Model, Patient: r.Patient, Text: r.Text, At: e.At,
	}
}

// Summary is what the list shows of a case (no report text, no history).
type Summary struct {
	ID           string              `json:"id"`
	Task         string              `json:"task"`
	ReportID     string              `json:"report_id"`
	Status       Status              `json:"status"`
	Assignee     string              `json:"assignee,omitempty"`
	Flagged      bool                `json:"flagged"`
	Label        int                 `json:"label"`
	LabelName    string              `json:"label_name"`
	Probability  float64             `json:"probability"`
	Accession    string              `json:"accession,omitempty"`
	Procedure    string              `json:"procedure,omitempty"`
	Patient      pipeline.Identifier `json:"patient"`
	ReportStatus pipeline.Status     `json:"report_status,omitempty"`
	ModelVersion string              `json:"model_version,omitempty"`
	ReceivedAt   time.Time           `json:"received_at"`
	CreatedAt    time.Time           `json:"created_at"`
	UpdatedAt    time.Time           `json:"updated_at"`
	DecidedAt    time.Time           `json:"decided_at,omitzero"`
	DecidedBy    string              `json:"decided_by,omitempty"`
	// Reason is the reason of the last decision.
	Reason string `json:"reason,omitempty"`
	// LastUser and LastAction are the latest history entry's, so a page
	// can tell its own changes from another user's.
	LastUser        string `json:"last_user,omitempty"`
	LastAction      Action `json:"last_action,omitempty"`
	Revision        uint64 `json:"revision"`
	PendingFeedback bool   `json:"pending_feedback,omitempty"`
}

func (c *Case) summary() Summary {
	r := &c.Result
	proc := r.Procedure.Display
	if proc == "" {
		proc = r.Procedure.Code
	}
	s := Summary{
		ID: c.ID, Task: c.Task, ReportID: c.ReportID, Status: c.Status, Assignee: c.Assignee,
		Flagged: r.Flag, Label: r.Label, LabelName: r.LabelName, Probability: r.Probabilities[r.LabelName],
		Accession: r.Accession, Procedure: proc, Patient: r.Patient, ReportStatus: r.ReportStatus,
		ModelVersion: r.Model.Version, ReceivedAt: r.ReceivedAt, CreatedAt: c.CreatedAt,
		UpdatedAt: c.UpdatedAt, DecidedAt: c.DecidedAt, DecidedBy: c.DecidedBy, Revision: c.Revision,
	}
	if n := len(c.History); n > 0 {
		s.LastUser, s.LastAction = c.History[n-1].User, c.History[n-1].Action
	}
	for i := len(c.History) - 1; i >= 0; i-- {
		e := c.History[i]
		if e.FeedbackPending {
			s.PendingFeedback = true
		}
		if s.Reason == "" && (e.Action == ActionConfirm || e.Action == ActionReject) {
			s.Reason = e.Reason
		}
	}
	return s
}

// Segment is a run of the report text, marked when it is evidence.
type Segment struct {
	Text string `json:"text"`
	// Evidence is the index into Result.Evidence, or -1 for plain text.
	Evidence int `json:"evidence"`
}

// Segments splits text at the evidence ranges so a page can highlight them
// without converting byte offsets to its own string indices. Offsets that are
// out of range or split a UTF-8 character fall back to finding the evidence
// text; overlapping ranges are clipped so every byte appears once.
func Segments(text string, ev []pipeline.Evidence) []Segment {
	type span struct{ start, end, idx int }
	var spans []span
	for i, e := range ev {
		s, en := e.Start, e.End
		if !(s >= 0 && s < en && en <= len(text) && utf8.RuneStart(text[s]) && (en == len(text) || utf8.RuneStart(text[en]))) {
			s, en = -1, -1
			if e.Text != "" {
				if k := strings.Index(text, e.Text); k >= 0 {
					s, en = k, k+len(e.Text)
				}
			}
		}
		if s >= 0 {
			spans = append(spans, span{s, en, i})
		}
	}
	sort.SliceStable(spans, func(a, b int) bool { return spans[a].start < spans[b].start })
	var out []Segment
	pos := 0
	for _, sp := range spans {
		if sp.start < pos {
			sp.start = pos
		}
		if sp.start >= sp.end {
			continue
		}
		if sp.start > pos {
			out = append(out, Segment{Text: text[pos:sp.start], Evidence: -1})
		}
		out = append(out, Segment{Text: text[sp.start:sp.end], Evidence: sp.idx})
		pos = sp.end
	}
	if pos < len(text) {
		out = append(out, Segment{Text: text[pos:], Evidence: -1})
	}
	return out
}
