package writeback

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	dpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/datatypes_go_proto"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/radflag/radflag/pipeline"
)

// Feedback outcomes (radflag_writeback_total{task,outcome}) beyond the
// result ones.
const (
	OutcomeConfirmed  = "confirmed"   // review recorded, resource kept
	OutcomeRejected   = "rejected"    // resource made entered-in-error
	OutcomeNoResource = "no_resource" // nothing was written for the case
)

// maxFeedbackWaits is how many deliveries a feedback event waits for its
// resource to be written before it is counted as having none.
const maxFeedbackWaits = 5

func (w *Writer) handleFeedback(ctx context.Context, msg jetstream.Msg) {
	delivered := uint64(1)
	if md, err := msg.Metadata(); err == nil {
		delivered = md.NumDelivered
	}
	var f pipeline.Feedback
	err := json.Unmarshal(msg.Data(), &f)
	if err == nil && f.Schema > pipeline.SchemaVersion {
		err = fmt.Errorf("schema %d is newer than this build's %d", f.Schema, pipeline.SchemaVersion)
	}
	if err == nil && (f.ReportID == "" || f.Task == "" || (f.Decision != pipeline.DecisionConfirmed && f.Decision != pipeline.DecisionRejected)) {
		err = fmt.Errorf("feedback %s: needs report_id, task and decision confirmed|rejected", f.CaseID)
	}
	if err != nil {
		w.deadLetter(ctx, msg, "", taskFromSubject(msg.Subject()), permanent("decode feedback: %v", err))
		return
	}
	outcome, err := w.applyFeedback(ctx, &f)
	if err == nil && outcome == OutcomeNoResource && delivered < maxFeedbackWaits {
		// The result may still be on its way to the FHIR server.
		_ = msg.NakWithDelay(backoff(w.cfg.BackoffMin, w.cfg.BackoffMax, delivered))
		return
	}
	w.settle(ctx, msg, f.MsgID(), f.Task, delivered, outcome, err, nil)
}

// applyFeedback records a navigator's decision on the resource written for
// the case: rejected → entered-in-error; confirmed → kept (active again if
// an earlier rejection had retired it). A decision older than the one
// recorded changes nothing.
func (w *Writer) applyFeedback(ctx context.Context, f *pipeline.Feedback) (string, error) {
	tc, ok := w.tasks[f.Task]
	if !ok {
		return "", permanent("feedback %s: task %q has no writeback configuration", f.CaseID, f.Task)
	}
	unlock := w.locks.lock(reportTaskKey(f.ReportID, f.Task))
	defer unlock()
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		var out string
		out, err = w.applyFeedbackOnce(ctx, tc, f)
		if !isConflict(err) {
			return out, err
		}
	}
	return "", err
}

func (w *Writer) applyFeedbackOnce(ctx context.Context, tc TaskConfig, f *pipeline.Feedback) (string, error) {
	existing, err := w.fhir.search(ctx, tc.Resource, url.Values{
		"identifier": {tokenParam(SystemReportTask, reportTaskKey(f.ReportID, f.Task))},
	})
	if err != nil {
		return "", err
	}
	if len(existing) == 0 {
		return OutcomeNoResource, nil
	}
	// The resource the navigator reviewed: the one written for the result,
	// else the current one.
	var cur *stored
	if f.Model.Version != "" {
		key := f.ReportID + ":" + f.Task + ":" + f.Model.Version
		for _, s := range existing {
			if s.hasIdentifier(SystemResult, key) {
				cur = s
			}
		}
	}
	if cur == nil {
		cur, _ = pickCurrent(existing, tc.Resource)
	}
	prev := reviewOf(cur)
	if prev.ID == f.MsgID() || (!prev.At.IsZero() && f.At.Before(prev.At)) {
		return OutcomeUnchanged, nil
	}
	p, err := newPatch(cur)
	if err != nil {
		return "", permanent("%v", err)
	}
	outcome := OutcomeConfirmed
	switch f.Decision {
	case pipeline.DecisionRejected:
		outcome = OutcomeRejected
		if err := p.set("status", statusEnteredInError); err != nil {
			return "", err
		}
		if cur.ResourceType == ResourceFlag && cur.Status == statusActive {
			if err := p.setPeriodEnd(f.At); err != nil {
				return "", err
			}
		}
	case pipeline.DecisionConfirmed:
		if prev.Decision == pipeline.DecisionRejected && cur.Status == statusEnteredInError {
			// The navigator changed their mind: restore what radflag wrote.
			restore := statusActive
			if cur.ResourceType == ResourceObservation {
				m, _ := markerFromStored(cur)
				restore = obsStatusString(m.ReportStatus)
			}
			if err := p.set("status", restore); err != nil {
				return "", err
			}
			if cur.ResourceType == ResourceFlag {
				p.clearPeriodEnd()
			}
		}
	}
	exts := []*dpb.Extension{
		extCode("decision", string(f.Decision)),
		extDateTime("at", f.At),
		extString("feedbackId", f.MsgID()),
	}
	if u := strings.TrimSpace(f.User); u != "" {
		exts = append(exts, extString("user", u))
	}
	if r := strings.TrimSpace(f.Reason); r != "" {
		exts = append(exts, extString("reason", r))
	}
	if err := p.setExtension(ExtReview, &dpb.Extension{Url: furi(ExtReview), Extension: exts}); err != nil {
		return "", permanent("%v", err)
	}
	body, err := p.bytes()
	if err != nil {
		return "", err
	}
	if _, err := w.fhir.update(ctx, cur.ResourceType, cur.ID, cur.VersionID, body); err != nil {
		return "", err
	}
	return outcome, nil
}
