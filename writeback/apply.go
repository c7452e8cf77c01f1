package writeback

import (
	"context"
	"errors"
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
//
// The state bucket orders the versions of a report across processes and
// lets the common case — a result that writes nothing, for a report nothing
// was ever written for — finish without a FHIR request. Everything else
// holds a short lease on the report (one writer at a time), then reads the
// earlier resource (by id when known, else by a search on the report's
// identifier) or creates the first one, and decides.
func (w *Writer) applyResult(ctx context.Context, r *pipeline.Result, delivered uint64) (string, error) {
	tc, ok := w.tasks[r.Task]
	if !ok {
		return "", permanent("result %s: task %q has no writeback configuration", r.MsgID(), r.Task)
	}
	unlock := w.locks.lock(reportTaskKey(r.ReportID, r.Task))
	defer unlock()
	key := stateKey(r.ReportID, r.Task)
	mr := markerOf(r, "")
	writes := tc.writes(r)
	for attempt := 0; attempt < 5; attempt++ {
		st, rev, err := w.state.get(ctx, key)
		if err != nil {
			return "", err
		}
		now := w.cfg.now()
		if st != nil && mr.compare(st.marker()) < 0 {
			return OutcomeStale, nil
		}
		if st != nil && st.Owner != "" && st.Owner != w.id && now.Before(st.BusyUntil) {
			return "", errBusy
		}
		// A correction whose report has no state (older than the bucket's
		// TTL, or from before it) is checked against FHIR all the same.
		unknownCorrection := st == nil && r.ReportStatus == pipeline.StatusCorrected
		if !writes && (st == nil || !st.Wrote) && !unknownCorrection {
			// Nothing was ever written for this report: nothing to retract.
			next := &state{}
			if st != nil {
				*next = *st
			}
			next.setMarker(mr)
			next.Owner, next.BusyUntil = "", time.Time{}
			if _, err := w.state.put(ctx, key, rev, next); errors.Is(err, errConflict) {
				continue
			} else if err != nil {
				return "", err
			}
			return OutcomeSkipped, nil
		}
		claim := &state{Wrote: true, Owner: w.id, BusyUntil: now.Add(w.cfg.lease)}
		if st != nil {
			claim.Resource = st.Resource
		}
		claim.setMarker(mr)
		rev2, err := w.state.put(ctx, key, rev, claim)
		if errors.Is(err, errConflict) {
			continue
		}
		if err != nil {
			return "", err
		}
		// The FHIR work ends well before the lease does.
		fctx, cancel := context.WithTimeout(ctx, w.cfg.lease*3/4)
		var out, ref string
		for try := 0; try < 3; try++ {
			out, ref, err = w.applyFHIR(fctx, tc, r, delivered, st, unknownCorrection)
			if !isConflict(err) {
				break
			}
			// Another writer (a navigator's feedback) changed the resource
			// between our read and write: read again and decide again.
		}
		cancel()
		claim.Owner, claim.BusyUntil = "", time.Time{}
		if ref != "" {
			claim.Resource = ref
		}
		if _, perr := w.state.put(ctx, key, rev2, claim); perr != nil {
			// The lease runs out by itself.
			w.log.Warn("release writeback state", "task", r.Task, "err", perr)
		}
		return out, err
	}
	return "", errConflict
}

// applyFHIR finds what was written for the report and makes it say what r
// says. ref is the resource that stands for the report ("Flag/123").
func (w *Writer) applyFHIR(ctx context.Context, tc TaskConfig, r *pipeline.Result, delivered uint64, st *state, unknownCorrection bool) (out, ref string, err error) {
	var existing []*stored
	switch {
	case st != nil && st.Resource != "":
		res, err := w.fhir.read(ctx, st.Resource)
		if err == nil && res.ResourceType == tc.Resource {
			existing = []*stored{res}
			break
		}
		if err != nil && !isNotFound(err) {
			return "", "", err
		}
		// Gone, or not ours: look for it by identifier.
		if existing, err = w.searchReport(ctx, tc, r); err != nil {
			return "", "", err
		}
	case (st == nil || !st.Wrote) && !unknownCorrection:
		// Nothing was written for this report before.
		return w.create(ctx, tc, r, delivered)
	default:
		if existing, err = w.searchReport(ctx, tc, r); err != nil {
			return "", "", err
		}
	}
	return w.decide(ctx, tc, r, delivered, existing)
}

func (w *Writer) searchReport(ctx context.Context, tc TaskConfig, r *pipeline.Result) ([]*stored, error) {
	return w.fhir.search(ctx, tc.Resource, url.Values{
		"identifier": {tokenParam(SystemReportTask, reportTaskKey(r.ReportID, r.Task))},
	})
}

// decide compares r with what the FHIR server holds for the report and
// writes the difference.
func (w *Writer) decide(ctx context.Context, tc TaskConfig, r *pipeline.Result, delivered uint64, existing []*stored) (string, string, error) {
	writes := tc.writes(r)
	if len(existing) == 0 {
		if !writes {
			return OutcomeSkipped, "", nil
		}
		return w.create(ctx, tc, r, delivered)
	}
	cur, extra := pickCurrent(existing, tc.Resource)
	ref := cur.ResourceType + "/" + cur.ID
	if tc.Resource == ResourceFlag {
		// Never two active Flags for one report: a second one can only come
		// from two processes creating at once; retire it.
		for _, s := range extra {
			if err := w.retire(ctx, s, statusEnteredInError, "duplicate of Flag/"+cur.ID, nil); err != nil {
				return "", "", err
			}
		}
	}
	mr := markerOf(r, "")
	mc, _ := markerFromStored(cur)
	cmp := mr.compare(mc)
	if cmp < 0 {
		return OutcomeStale, ref, nil
	}
	if cmp == 0 && cur.hasIdentifier(SystemResult, resultKey(r)) {
		// This very result (same report version and model) was applied: a
		// resend or a redelivery. A redelivery may follow a crash between the
		// write and the alert, so the alert is sent again (de-duplicated).
		if delivered > 1 && tc.Resource == ResourceFlag && cur.Status == statusActive {
			if err := w.alertFlag(ctx, tc, r, cur); err != nil {
				return "", "", err
			}
		}
		return OutcomeUnchanged, ref, nil
	}
	if rev := reviewOf(cur); rev.Decision == pipeline.DecisionRejected {
		// A navigator's rejection stands until a person says otherwise.
		return OutcomeUnchanged, ref, nil
	}
	switch tc.Resource {
	case ResourceFlag:
		active := cur.Status == statusActive
		switch {
		case writes && active, !writes && !active:
			return OutcomeUnchanged, ref, nil
		case writes:
			// An earlier version no longer flagged; this one does again.
			if err := w.replace(ctx, tc, r, cur); err != nil {
				return "", "", err
			}
			if err := w.alertFlag(ctx, tc, r, cur); err != nil {
				return "", "", err
			}
			return OutcomeUpdated, ref, nil
		default:
			status, why := statusInactive, fmt.Sprintf("report version %s (%s) reads %s", r.ReportMessageID, r.ReportStatus, r.LabelName)
			if cmp == 0 {
				// Same report, a different model's answer: the flag was wrong.
				status, why = statusEnteredInError, fmt.Sprintf("model %s revised the answer to %s", r.Model.Version, r.LabelName)
			}
			if err := w.retire(ctx, cur, status, why, r); err != nil {
				return "", "", err
			}
			return OutcomeRetracted, ref, nil
		}
	default: // Observation
		if !writes {
			if cur.Status == statusEnteredInError {
				return OutcomeUnchanged, ref, nil
			}
			why := fmt.Sprintf("report version %s (%s) reads %s", r.ReportMessageID, r.ReportStatus, r.LabelName)
			if err := w.retire(ctx, cur, statusEnteredInError, why, r); err != nil {
				return "", "", err
			}
			return OutcomeRetracted, ref, nil
		}
		if mc.Label == r.LabelName && cur.Status == obsStatusString(r.ReportStatus) {
			return OutcomeUnchanged, ref, nil
		}
		if err := w.replace(ctx, tc, r, cur); err != nil {
			return "", "", err
		}
		return OutcomeUpdated, ref, nil
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
func (w *Writer) create(ctx context.Context, tc TaskConfig, r *pipeline.Result, delivered uint64) (string, string, error) {
	body, err := w.build(ctx, tc, r)
	if err != nil {
		return "", "", err
	}
	created, res, err := w.fhir.createIfNoneExist(ctx, tc.Resource, body, url.Values{
		"identifier": {tokenParam(SystemResult, resultKey(r))},
	})
	if err != nil {
		return "", "", err
	}
	if !created {
		// It exists already (this result was written before a crash, or the
		// state was lost): decide against it.
		existing := []*stored{res}
		if res == nil {
			if existing, err = w.searchReport(ctx, tc, r); err != nil {
				return "", "", err
			}
			if len(existing) == 0 {
				return "", "", fmt.Errorf("fhir create %s: server found a match but search finds none", tc.Resource)
			}
		}
		return w.decide(ctx, tc, r, delivered, existing)
	}
	if res == nil {
		// Prefer: return=representation was not honoured.
		return "", "", fmt.Errorf("fhir create %s: server returned no resource", tc.Resource)
	}
	if tc.Resource == ResourceFlag {
		if err := w.alertFlag(ctx, tc, r, res); err != nil {
			// The Flag is written; the redelivery will find it and alert.
			return "", "", err
		}
	}
	return OutcomeCreated, res.ResourceType + "/" + res.ID, nil
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
