package writeback

import (
	"context"
	"fmt"
	"net/url"
	"sync"
	"time"

	"github.com/radflag/radflag/pipeline"
)

// FHIR status codes writeback reads and writes.
const (
	statusActive         = "active"
	statusInactive       = "inactive"
	statusEnteredInError = "entered-in-error"
)

// applyResult makes the FHIR server say what r says, idempotently. It
// returns the outcome, or an error (transient unless isPermanent).
func (w *Writer) applyResult(ctx context.Context, r *pipeline.Result, delivered uint64) (string, error) {
	tc, ok := w.tasks[r.Task]
	if !ok {
		return "", permanent("result %s: task %q has no writeback configuration", r.MsgID(), r.Task)
	}
	unlock := w.locks.lock(reportTaskKey(r.ReportID, r.Task))
	defer unlock()
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		var out string
		out, err = w.applyOnce(ctx, tc, r, delivered)
		if !isConflict(err) {
			return out, err
		}
		// Another writer changed the resource between our read and write:
		// read again and decide again.
	}
	return "", err
}

func (w *Writer) applyOnce(ctx context.Context, tc TaskConfig, r *pipeline.Result, delivered uint64) (string, error) {
	existing, err := w.fhir.search(ctx, tc.Resource, url.Values{
		"identifier": {tokenParam(SystemReportTask, reportTaskKey(r.ReportID, r.Task))},
	})
	if err != nil {
		return "", err
	}
	writes := tc.writes(r)
	if len(existing) == 0 {
		if !writes {
			return OutcomeSkipped, nil
		}
		return w.create(ctx, tc, r, delivered)
	}
	cur, extra := pickCurrent(existing, tc.Resource)
	if tc.Resource == ResourceFlag {
		// Never two active Flags for one report: a second one can only come
		// from two processes creating at once; retire it.
		for _, s := range extra {
			if err := w.retire(ctx, s, statusEnteredInError, "duplicate of Flag/"+cur.ID, nil); err != nil {
				return "", err
			}
		}
	}
	mr := markerOf(r, "")
	mc, _ := markerFromStored(cur)
	cmp := mr.compare(mc)
	if cmp < 0 {
		return OutcomeStale, nil
	}
	if cmp == 0 && cur.hasIdentifier(SystemResult, resultKey(r)) {
		// This very result (same report version and model) was applied: a
		// resend or a redelivery. A redelivery may follow a crash between the
		// write and the alert, so the alert is sent again (de-duplicated).
		if delivered > 1 && tc.Resource == ResourceFlag && cur.Status == statusActive {
			if err := w.alertFlag(ctx, tc, r, cur); err != nil {
				return "", err
			}
		}
		return OutcomeUnchanged, nil
	}
	if rev := reviewOf(cur); rev.Decision == pipeline.DecisionRejected {
		// A navigator's rejection stands until a person says otherwise.
		return OutcomeUnchanged, nil
	}
	switch tc.Resource {
	case ResourceFlag:
		active := cur.Status == statusActive
		switch {
		case writes && active, !writes && !active:
			return OutcomeUnchanged, nil
		case writes:
			// An earlier version no longer flagged; this one does again.
			if err := w.replace(ctx, tc, r, cur); err != nil {
				return "", err
			}
			if err := w.alertFlag(ctx, tc, r, cur); err != nil {
				return "", err
			}
			return OutcomeUpdated, nil
		default:
			status, why := statusInactive, fmt.Sprintf("report version %s (%s) reads %s", r.ReportMessageID, r.ReportStatus, r.LabelName)
			if cmp == 0 {
				// Same report, a different model's answer: the flag was wrong.
				status, why = statusEnteredInError, fmt.Sprintf("model %s revised the answer to %s", r.Model.Version, r.LabelName)
			}
			if err := w.retire(ctx, cur, status, why, r); err != nil {
				return "", err
			}
			return OutcomeRetracted, nil
		}
	default: // Observation
		if !writes {
			if cur.Status == statusEnteredInError {
				return OutcomeUnchanged, nil
			}
			why := fmt.Sprintf("report version %s (%s) reads %s", r.ReportMessageID, r.ReportStatus, r.LabelName)
			if err := w.retire(ctx, cur, statusEnteredInError, why, r); err != nil {
				return "", err
			}
			return OutcomeRetracted, nil
		}
		if mc.Label == r.LabelName && cur.Status == obsStatusString(r.ReportStatus) {
			return OutcomeUnchanged, nil
		}
		if err := w.replace(ctx, tc, r, cur); err != nil {
			return "", err
		}
		return OutcomeUpdated, nil
	}
}

func obsStatusString(s pipeline.Status) string {
	switch s {
	case pipeline.StatusPreliminary:
		return "preliminary"
	case pipeline.StatusCorrected:
		return "corrected"
	}
	return "final"
}

// pickCurrent chooses the resource that stands for the report: the active
// one reflecting the newest report version, else the newest. For Flags it
// also returns the other active ones (which must not exist).
func pickCurrent(all []*stored, resource string) (cur *stored, extraActive []*stored) {
	isLive := func(s *stored) bool {
		if resource == ResourceFlag {
			return s.Status == statusActive
		}
		return s.Status != statusEnteredInError && s.Status != "cancelled"
	}
	better := func(a, b *stored) bool { // a newer than b
		ma, _ := markerFromStored(a)
		mb, _ := markerFromStored(b)
		if c := ma.compare(mb); c != 0 {
			return c > 0
		}
		return a.ID > b.ID
	}
	for _, s := range all {
		switch {
		case cur == nil:
			cur = s
		case isLive(s) && !isLive(cur):
			cur = s
		case isLive(s) == isLive(cur) && better(s, cur):
			cur = s
		}
	}
	if resource == ResourceFlag {
		for _, s := range all {
			if s != cur && s.Status == statusActive {
				extraActive = append(extraActive, s)
			}
		}
	}
	return cur, extraActive
}

// create writes the first resource for a report and task.
func (w *Writer) create(ctx context.Context, tc TaskConfig, r *pipeline.Result, delivered uint64) (string, error) {
	body, err := w.build(ctx, tc, r)
	if err != nil {
		return "", err
	}
	created, res, err := w.fhir.createIfNoneExist(ctx, tc.Resource, body, url.Values{
		"identifier": {tokenParam(SystemResult, resultKey(r))},
	})
	if err != nil {
		return "", err
	}
	if !created {
		// Someone (another writer, or this one before a crash) created it
		// between our search and our create.
		if res != nil && delivered > 1 && tc.Resource == ResourceFlag && res.Status == statusActive {
			if err := w.alertFlag(ctx, tc, r, res); err != nil {
				return "", err
			}
		}
		return OutcomeUnchanged, nil
	}
	if tc.Resource == ResourceFlag {
		if res == nil {
			return "", fmt.Errorf("fhir create Flag: server returned no resource")
		}
		if err := w.alertFlag(ctx, tc, r, res); err != nil {
			// The Flag is written; the redelivery will find it and alert.
			return "", err
		}
	}
	return OutcomeCreated, nil
}

// build is the new resource's JSON for r.
func (w *Writer) build(ctx context.Context, tc TaskConfig, r *pipeline.Result) ([]byte, error) {
	patientID, err := w.resolvePatient(ctx, r.Patient)
	if err != nil {
		return nil, err
	}
	now := w.cfg.now()
	if tc.Resource == ResourceFlag {
		f, err := buildFlag(tc, r, patientID, now)
		if err != nil {
			return nil, err
		}
		return marshalResource(f)
	}
	o, err := buildObservation(tc, r, patientID, now)
	if err != nil {
		return nil, err
	}
	return marshalResource(o)
}

// replace rewrites cur with what r says (a Flag flagged again, an
// Observation whose category or status changed), keeping cur's id,
// identifiers and reviews.
func (w *Writer) replace(ctx context.Context, tc TaskConfig, r *pipeline.Result, cur *stored) error {
	fresh, err := w.build(ctx, tc, r)
	if err != nil {
		return err
	}
	body, err := rebuild(cur, fresh)
	if err != nil {
		return permanent("rebuild %s/%s: %v", cur.ResourceType, cur.ID, err)
	}
	if _, err := w.fhir.update(ctx, cur.ResourceType, cur.ID, cur.VersionID, body); err != nil {
		return err
	}
	return nil
}

// retire sets cur's status (inactive or entered-in-error) with the reason,
// recording r (when given) as the result it now reflects.
func (w *Writer) retire(ctx context.Context, cur *stored, status, why string, r *pipeline.Result) error {
	p, err := newPatch(cur)
	if err != nil {
		return permanent("%v", err)
	}
	if err := p.set("status", status); err != nil {
		return err
	}
	if cur.ResourceType == ResourceFlag {
		if err := p.setPeriodEnd(w.cfg.now()); err != nil {
			return err
		}
	}
	if r != nil {
		if err := p.setExtension(ExtResult, resultExtension(r, why)); err != nil {
			return permanent("%v", err)
		}
		if err := p.addIdentifier(SystemResult, resultKey(r)); err != nil {
			return permanent("%v", err)
		}
	} else if err := p.setStatusReason(why); err != nil {
		return permanent("%v", err)
	}
	body, err := p.bytes()
	if err != nil {
		return err
	}
	_, err = w.fhir.update(ctx, cur.ResourceType, cur.ID, cur.VersionID, body)
	return err
}

// resolvePatient finds Patient/<id> by identifier when configured. Not
// found (or not configured) returns "" and the reference carries the
// identifier instead.
func (w *Writer) resolvePatient(ctx context.Context, p pipeline.Identifier) (string, error) {
	if !w.cfg.ResolvePatient || p.Value == "" {
		return "", nil
	}
	key := p.System + "|" + p.Value
	if id, ok := w.patient.get(key); ok {
		return id, nil
	}
	found, err := w.fhir.search(ctx, "Patient", url.Values{"identifier": {tokenParam(p.System, p.Value)}})
	if err != nil {
		return "", fmt.Errorf("resolve patient: %w", err)
	}
	if len(found) != 1 {
		// None, or ambiguous: an identifier reference is the safe answer.
		w.log.Debug("patient not resolved; referencing by identifier", "matches", len(found))
		return "", nil
	}
	w.patient.put(key, found[0].ID)
	return found[0].ID, nil
}

// patientCache remembers resolved patients, bounded.
type patientCache struct {
	mu  sync.Mutex
	max int
	m   map[string]string
}

func newPatientCache(n int) *patientCache { return &patientCache{max: n, m: map[string]string{}} }

func (c *patientCache) get(k string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[k]
	return v, ok
}

func (c *patientCache) put(k, v string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		clear(c.m) // crude but bounded; lookups are cheap
	}
	c.m[k] = v
}

// review is the navigator decision recorded on a resource.
type review struct {
	Decision pipeline.Decision
	At       time.Time
	ID       string
}

func reviewOf(s *stored) review {
	e := s.ext(ExtReview)
	if e == nil {
		return review{}
	}
	rv := review{Decision: pipeline.Decision(e.sub("decision").str()), ID: e.sub("feedbackId").str()}
	if t, err := time.Parse(time.RFC3339Nano, e.sub("at").str()); err == nil {
		rv.At = t
	}
	return rv
}
