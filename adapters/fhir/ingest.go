package fhir

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/radflag/radflag/pipeline"
)

// ingester turns DiagnosticReports into stored reports; the HTTP handler
// and the poller share it.
type ingester struct {
	reports      pipeline.ReportStore
	conv         *converter
	client       *Client
	log          *slog.Logger
	storeTimeout time.Duration
	maxResolve   int
}

// prepared is one DiagnosticReport after parsing and conversion: a report
// to store, a skip reason, or a rejection.
type prepared struct {
	id     string // DiagnosticReport.id, "" when it could not be read
	report *pipeline.Report
	skip   string
	rej    *Rejection
}

// errNoServer: an id-only notification came but no FHIR server is
// configured to read the reports from.
var errNoServer = errors.New("id-only notification, but no FHIR server is configured to read DiagnosticReports from (--fhir-url)")

// prepare parses and converts one DiagnosticReport. A panic in parsing or
// conversion is a radflag bug; it becomes a rejection rather than a crash
// so that one odd report cannot stop the service or stall the poller.
func (in *ingester) prepare(ctx context.Context, it rawItem, included map[string][]byte) (p prepared, err error) {
	defer func() {
		if v := recover(); v != nil {
			in.log.Error("fhir report conversion panicked", "report", "fhir:"+p.id, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			p, err = prepared{id: p.id, rej: reject(http.StatusInternalServerError, "internal_error",
				errorIssue("exception", "radflag failed to read this DiagnosticReport; the operator has the details"))}, nil
		}
	}()
	return in.prepareUnsafe(ctx, it, included)
}

func (in *ingester) prepareUnsafe(ctx context.Context, it rawItem, included map[string][]byte) (prepared, error) {
	dr, err := parseDiagnosticReport(it.raw)
	if err != nil {
		return prepared{id: jsonID(it.raw), rej: located(err, it.path)}, nil
	}
	p := prepared{id: dr.GetId().GetValue()}
	r, skip, err := in.conv.convert(ctx, it.raw, dr, included)
	var rej *Rejection
	if errors.As(err, &rej) {
		p.rej = located(rej, it.path)
		return p, nil
	}
	if err != nil {
		return p, err
	}
	p.report, p.skip = r, skip
	return p, nil
}

// located moves a rejection's expressions under the item's place in the
// body (Bundle.entry[2].resource.status).
func located(err error, path string) *Rejection {
	var rej *Rejection
	if !errors.As(err, &rej) {
		return reject(http.StatusBadRequest, "invalid_r4", errorIssue("invalid", "%s is not valid", path))
	}
	if path == "DiagnosticReport" || path == "" {
		return rej
	}
	out := *rej
	out.Issues = append([]Issue(nil), rej.Issues...)
	for i := range out.Issues {
		e := out.Issues[i].Expression
		switch {
		case e == "" || e == "resourceType":
			out.Issues[i].Expression = path
		case strings.HasPrefix(e, "DiagnosticReport"):
			out.Issues[i].Expression = path + strings.TrimPrefix(e, "DiagnosticReport")
		}
	}
	return &out
}

// resolve reads the DiagnosticReports an id-only notification names. A
// report the server no longer has is skipped (not_found); an unreachable
// server is an error to retry.
func (in *ingester) resolve(ctx context.Context, refs []string) ([]rawItem, int, error) {
	if len(refs) == 0 {
		return nil, 0, nil
	}
	if in.client == nil {
		return nil, 0, errNoServer
	}
	if len(refs) > in.maxResolve {
		return nil, 0, reject(http.StatusUnprocessableEntity, "too_many_entries",
			errorIssue("too-costly", "the notification names %d DiagnosticReports to read, more than the %d radflag reads at once", len(refs), in.maxResolve))
	}
	var items []rawItem
	notFound := 0
	for _, ref := range refs {
		raw, err := in.client.ReadReference(ctx, ref)
		if IsNotFound(err) {
			in.log.Warn("fhir notification names a DiagnosticReport the server does not have", "ref", ref)
			notFound++
			continue
		}
		if err != nil {
			return nil, 0, fmt.Errorf("read %s: %w", ref, err)
		}
		items = append(items, rawItem{raw: raw, path: ref})
	}
	return items, notFound, nil
}

// store stores one report, bounded by the store timeout.
func (in *ingester) store(ctx context.Context, r *pipeline.Report) (pipeline.StoreOutcome, error) {
	ctx, cancel := context.WithTimeout(ctx, in.storeTimeout)
	defer cancel()
	out, err := in.reports.StoreReport(ctx, r)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, pipeline.ErrUnavailable) {
			err = fmt.Errorf("%w: %w", pipeline.ErrUnavailable, err)
		}
		return out, err
	}
	return out, nil
}

// logStored, logSkipped and logRejected write what the operator needs:
// report ids, reasons, counts, element paths; never report text, patient
// data, nor diagnostics (which may quote values).
func (in *ingester) logStored(via string, r *pipeline.Report, out pipeline.StoreOutcome) {
	in.log.Info("fhir report stored", "via", via, "report", r.ID, "message_id", r.MessageID,
		"status", string(r.Status), "duplicate", out.Duplicate, "sequence", out.Sequence)
}

func (in *ingester) logSkipped(via, id, reason string) {
	in.log.Info("fhir report skipped", "via", via, "report", reportRef(id), "reason", reason)
}

func (in *ingester) logRejected(via, id string, rej *Rejection) {
	var paths []string
	for _, is := range rej.Issues {
		if is.Expression != "" && len(paths) < 5 {
			paths = append(paths, is.Expression)
		}
	}
	in.log.Warn("fhir report rejected", "via", via, "report", reportRef(id), "reason", rej.Reason,
		"status", rej.Status, "issues", len(rej.Issues), "paths", strings.Join(paths, ","))
}

func reportRef(id string) string {
	if id == "" || !validID(id) {
		return "(no id)"
	}
	return "fhir:" + id
}

func sortedKeys(m map[string]int) []string {
	return slices.Sorted(maps.Keys(m))
}
