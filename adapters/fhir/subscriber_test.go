package fhir

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/radflag/radflag/adapters/natsbus"
	"github.com/radflag/radflag/adapters/natsbus/natstest"
	"github.com/radflag/radflag/internal/metrics"
	"github.com/radflag/radflag/pipeline"
)

const testToken = "s3cret-ingest-token"

type answer struct {
	status  int
	header  http.Header
	body    []byte
	issues  []Issue
	outcome bool // the body is a valid R4 OperationOutcome
}

// post sends body to the handler over a real HTTP server.
func post(t testing.TB, srv *httptest.Server, path, token string, body []byte) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ContentType)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return send(t, req)
}

func send(t testing.TB, req *http.Request) answer {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, body: b, issues: outcomeIssues(b)}
	if cr, err := parseR4(b, "OperationOutcome"); err == nil && cr.GetOperationOutcome() != nil {
		a.outcome = true
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, ContentType) {
		t.Errorf("answer Content-Type %q, want %s", ct, ContentType)
	}
	return a
}

func (a answer) diagnostics() string {
	var parts []string
	for _, is := range a.issues {
		parts = append(parts, is.Code+": "+is.Diagnostics+" @"+is.Expression)
	}
	return strings.Join(parts, " | ")
}

func newHandler(t testing.TB, cfg IngestConfig) *httptest.Server {
	t.Helper()
	if cfg.Tokens == nil && !cfg.AllowAnonymous {
		cfg.Tokens = []string{testToken}
	}
	if cfg.Logger == nil {
		cfg.Logger = quietLog()
	}
	h, err := NewIngestHandler(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/fhir/", h) // as the lead mounts it
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func metric(name string, labels ...string) float64 {
	var c prometheus.Counter
	switch name {
	case "stored":
		c = metrics.ReportsStored.WithLabelValues(labels...)
	case "duplicate":
		c = metrics.ReportsDuplicate.WithLabelValues(labels...)
	case "skipped":
		c = metrics.ReportsSkipped.WithLabelValues(labels...)
	case "rejected":
		c = metrics.ReportsRejected.WithLabelValues(labels...)
	default:
		panic(name)
	}
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		panic(err)
	}
	return m.GetCounter().GetValue()
}

// TestIngestStoredOnce: a DiagnosticReport is answered 200 after it is on
// the stream; the same report sent again is answered 200 and stored once.
func TestIngestStoredOnce(t *testing.T) {
	bus := openBus(t, t.TempDir())
	srv := newHandler(t, IngestConfig{Store: bus})
	body := fixture(t, "dr_hapi_ct_abdomen.json")
	stored0, dup0 := metric("stored", "fhir"), metric("duplicate", "fhir")

	a := post(t, srv, PathDiagnosticReport, testToken, body)
	if a.status != http.StatusOK || !a.outcome {
		t.Fatalf("first send: %d %s", a.status, a.body)
	}
	if n := streamCount(t, bus); n != 1 {
		t.Fatalf("after the 200: %d reports on the stream, want 1", n)
	}
	a = post(t, srv, PathDiagnosticReport, testToken, body)
	if a.status != http.StatusOK || !strings.Contains(a.diagnostics(), "already stored 1") {
		t.Fatalf("second send: %d %s", a.status, a.diagnostics())
	}
	// The same version as a notification is the same message too.
	a = post(t, srv, PathNotify, testToken, body)
	if a.status != http.StatusOK {
		t.Fatalf("as notification: %d %s", a.status, a.diagnostics())
	}
	if n := streamCount(t, bus); n != 1 {
		t.Fatalf("radflag_stream_messages{stream=RADFLAG_REPORTS} = %d, want 1", n)
	}
	if d := metric("stored", "fhir") - stored0; d != 1 {
		t.Errorf("reports stored counter +%v, want +1", d)
	}
	if d := metric("duplicate", "fhir") - dup0; d != 2 {
		t.Errorf("duplicate counter +%v, want +2", d)
	}
	got := storedReports(t, bus)[0]
	if got.MessageID != "fhir:1842:2" || got.ID != "fhir:1842" || got.Source != pipeline.SourceFHIR ||
		got.RawType != ContentType || !bytes.Equal(got.Raw, body) {
		t.Errorf("stored %s/%s from %s, raw %d bytes", got.ID, got.MessageID, got.Source, len(got.Raw))
	}
}

// TestIngestNotCT: a report that is not CT is answered 200, counted by
// reason, and not stored.
func TestIngestNotCT(t *testing.T) {
	bus := openBus(t, t.TempDir())
	srv := newHandler(t, IngestConfig{Store: bus})
	before := metric("skipped", SkipNotCT)
	a := post(t, srv, PathDiagnosticReport, testToken, fixture(t, "dr_mr_brain_not_ct.json"))
	if a.status != http.StatusOK || !strings.Contains(a.diagnostics(), "not processed (not_ct) 1") {
		t.Fatalf("%d %s", a.status, a.diagnostics())
	}
	if n := streamCount(t, bus); n != 0 {
		t.Fatalf("stored %d, want 0", n)
	}
	if d := metric("skipped", SkipNotCT) - before; d != 1 {
		t.Errorf("skipped{not_ct} +%v, want +1", d)
	}
	// A required category filters before the CT test.
	srv2 := newHandler(t, IngestConfig{Store: bus, CTFilter: CTFilter{Categories: []string{"http://loinc.org|LP29684-5"}}})
	a = post(t, srv2, PathDiagnosticReport, testToken, fixture(t, "dr_conclusion_only.json"))
	if a.status != http.StatusOK || !strings.Contains(a.diagnostics(), "not_radiology") {
		t.Fatalf("category filter: %d %s", a.status, a.diagnostics())
	}
	if n := streamCount(t, bus); n != 0 {
		t.Fatalf("stored %d, want 0", n)
	}
}

// TestIngestBadInput: what can never be processed gets a 4xx with an
// OperationOutcome saying what is wrong, and nothing is stored.
func TestIngestBadInput(t *testing.T) {
	bus := openBus(t, t.TempDir())
	srv := newHandler(t, IngestConfig{Store: bus, MaxBodyBytes: 64 << 10})
	good := fixture(t, "dr_hapi_ct_abdomen.json")
	noText := []byte(`{"resourceType":"DiagnosticReport","id":"nt1","status":"final","code":{"text":"CT CHEST"},
		"presentedForm":[{"contentType":"application/pdf","data":"JVBERi0xLjQK"}]}`)
	mixed := []byte(fmt.Sprintf(`{"resourceType":"Bundle","type":"history","entry":[{"resource":%s},{"resource":%s}]}`, good, noText))
	tests := []struct {
		name, path, token string
		body              []byte
		status            int
		wantIssue         string // a code or words the outcome must hold
	}{
		{"truncated JSON", PathDiagnosticReport, testToken, good[:len(good)/2], 400, "truncated"},
		{"truncated JSON notify", PathNotify, testToken, good[:len(good)/2], 400, "truncated"},
		{"JSON array", PathDiagnosticReport, testToken, []byte(`[{"resourceType":"DiagnosticReport"}]`), 400, "not a FHIR resource"},
		{"no resourceType", PathDiagnosticReport, testToken, []byte(`{"id":"x"}`), 400, "no resourceType"},
		{"Patient", PathDiagnosticReport, testToken, []byte(`{"resourceType":"Patient","id":"p1","name":[{"family":"Quixote"}]}`), 400, "expected a DiagnosticReport, got Patient"},
		{"Patient to notify", PathNotify, testToken, []byte(`{"resourceType":"Patient","id":"p1"}`), 400, "got Patient"},
		{"no text", PathDiagnosticReport, testToken, noText, 422, "no report text"},
		{"no id", PathDiagnosticReport, testToken, []byte(`{"resourceType":"DiagnosticReport","status":"final","code":{"text":"CT"},"conclusion":"x"}`), 422, "DiagnosticReport.id is required"},
		{"invalid R4: status code", PathDiagnosticReport, testToken, []byte(`{"resourceType":"DiagnosticReport","id":"a","status":"done","code":{"text":"CT"},"conclusion":"x"}`), 400, "not valid FHIR R4"},
		{"invalid R4: unknown field", PathDiagnosticReport, testToken, []byte(`{"resourceType":"DiagnosticReport","id":"a","status":"final","code":{"text":"CT"},"conclusion":"x","impression":"y"}`), 400, "unknown field"},
		{"invalid R4: missing code", PathDiagnosticReport, testToken, []byte(`{"resourceType":"DiagnosticReport","id":"a","status":"final","conclusion":"x"}`), 400, "required"},
		{"one bad entry spoils the bundle", PathNotify, testToken, mixed, 422, "Bundle.entry[1].resource"},
		{"notification without status", PathNotify, testToken, []byte(`{"resourceType":"Bundle","type":"subscription-notification","entry":[{"resource":` + string(good) + `}]}`), 400, "must start with a SubscriptionStatus"},
		{"oversize", PathDiagnosticReport, testToken, bytes.Repeat([]byte(" "), 65<<10), 413, "larger than"},
		{"wrong token", PathDiagnosticReport, "guess", good, 401, "login"},
		{"no token", PathDiagnosticReport, "", good, 401, "login"},
		{"wrong token notify", PathNotify, "guess", good, 401, "login"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := post(t, srv, tc.path, tc.token, tc.body)
			if a.status != tc.status {
				t.Errorf("status %d, want %d: %s", a.status, tc.status, a.diagnostics())
			}
			if !a.outcome {
				t.Errorf("answer is not a valid R4 OperationOutcome: %s", a.body)
			}
			if !strings.Contains(a.diagnostics(), tc.wantIssue) {
				t.Errorf("outcome %q does not say %q", a.diagnostics(), tc.wantIssue)
			}
			if tc.status == 401 && a.header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
		})
	}
	// Other methods, paths and media types.
	req, _ := http.NewRequest(http.MethodGet, srv.URL+PathDiagnosticReport, nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	if a := send(t, req); a.status != 405 || !a.outcome {
		t.Errorf("GET: %d %s", a.status, a.body)
	}
	req, _ = http.NewRequest(http.MethodPost, srv.URL+PathDiagnosticReport, bytes.NewReader([]byte("<DiagnosticReport/>")))
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("Content-Type", "application/fhir+xml")
	if a := send(t, req); a.status != 415 || !a.outcome {
		t.Errorf("XML: %d %s", a.status, a.body)
	}
	if a := post(t, srv, "/fhir/Observation", testToken, good); a.status != 404 || !a.outcome {
		t.Errorf("other path: %d %s", a.status, a.body)
	}
	if n := streamCount(t, bus); n != 0 {
		t.Fatalf("bad input stored %d reports, want 0", n)
	}
}

// TestIngestAuthConfig: no tokens and no anonymous access is refused at
// construction; anonymous access must be asked for.
func TestIngestAuthConfig(t *testing.T) {
	bus := openBus(t, t.TempDir())
	if _, err := NewIngestHandler(IngestConfig{Store: bus}); err == nil {
		t.Fatal("handler without tokens built")
	}
	srv := newHandler(t, IngestConfig{Store: bus, AllowAnonymous: true})
	if a := post(t, srv, PathDiagnosticReport, "", fixture(t, "dr_conclusion_only.json")); a.status != 200 {
		t.Fatalf("anonymous: %d %s", a.status, a.diagnostics())
	}
	// Tokens and anonymous: a wrong token is still refused.
	srv = newHandler(t, IngestConfig{Store: bus, AllowAnonymous: true, Tokens: []string{"a", "b"}})
	if a := post(t, srv, PathDiagnosticReport, "c", fixture(t, "dr_conclusion_only.json")); a.status != 401 {
		t.Fatalf("wrong token with anonymous allowed: %d", a.status)
	}
	if a := post(t, srv, PathDiagnosticReport, "b", fixture(t, "dr_conclusion_only.json")); a.status != 200 {
		t.Fatalf("second token: %d", a.status)
	}
}

// TestIngestBusUnavailable: with NATS gone, the sender gets 503 with
// Retry-After, never a 200.
func TestIngestBusUnavailable(t *testing.T) {
	ns := natstest.Start(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	bus, err := natsbus.Open(ctx, natsbus.Config{URL: ns.URL(), PublishTimeout: 300 * time.Millisecond, Logger: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	defer bus.Close()
	srv := newHandler(t, IngestConfig{Store: bus, RetryAfter: 7 * time.Second})
	ns.Stop()
	for _, path := range []string{PathDiagnosticReport, PathNotify} {
		a := post(t, srv, path, testToken, fixture(t, "dr_hapi_ct_abdomen.json"))
		if a.status != http.StatusServiceUnavailable || a.header.Get("Retry-After") != "7" || !a.outcome {
			t.Fatalf("%s: %d Retry-After=%q %s", path, a.status, a.header.Get("Retry-After"), a.body)
		}
		if !strings.Contains(a.diagnostics(), "transient") {
			t.Errorf("outcome: %s", a.diagnostics())
		}
	}
}

// TestNotifyFullResourceWithoutRead: notifications carrying the resource
// (R4B, R4 backport, R4 rest-hook) are stored without a single request to
// the FHIR server, which here is not even running.
func TestNotifyFullResourceWithoutRead(t *testing.T) {
	bus := openBus(t, t.TempDir())
	ct := &countingTransport{rt: http.DefaultTransport}
	client := newTestClient(t, "http://127.0.0.1:1/fhir", ct) // nothing listens there
	srv := newHandler(t, IngestConfig{Store: bus, Client: client})
	for i, name := range []string{"notify_r4b_full_resource.json", "notify_r4_backport_full_resource.json", "notify_r4_resthook_bundle.json"} {
		a := post(t, srv, PathNotify, testToken, fixture(t, name))
		if a.status != http.StatusOK || !strings.Contains(a.diagnostics(), "stored 1") {
			t.Fatalf("%s: %d %s", name, a.status, a.diagnostics())
		}
		if n := streamCount(t, bus); n != uint64(i+1) {
			t.Fatalf("%s: %d on the stream, want %d", name, n, i+1)
		}
	}
	if n := ct.n.Load(); n != 0 {
		t.Fatalf("the handler sent %d requests to the FHIR server, want 0", n)
	}
}

// TestNotifyWithoutEvents: a heartbeat, a handshake and an empty rest-hook
// ping are answered 200; the heartbeat and ping trigger a poll.
func TestNotifyWithoutEvents(t *testing.T) {
	bus := openBus(t, t.TempDir())
	pings := 0
	srv := newHandler(t, IngestConfig{Store: bus, OnPing: func() { pings++ }})
	for _, body := range [][]byte{fixture(t, "notify_r4b_heartbeat.json"), nil,
		bytes.Replace(fixture(t, "notify_r4b_heartbeat.json"), []byte(`"heartbeat"`), []byte(`"handshake"`), 1)} {
		if a := post(t, srv, PathNotify, testToken, body); a.status != 200 {
			t.Fatalf("%d %s", a.status, a.diagnostics())
		}
	}
	if pings != 2 {
		t.Errorf("OnPing called %d times, want 2", pings)
	}
	if n := streamCount(t, bus); n != 0 {
		t.Fatalf("stored %d", n)
	}
}

// TestNotifyIDOnlyWithoutServer: an id-only notification with no FHIR
// server configured is refused plainly (501), nothing stored.
func TestNotifyIDOnlyWithoutServer(t *testing.T) {
	bus := openBus(t, t.TempDir())
	srv := newHandler(t, IngestConfig{Store: bus})
	a := post(t, srv, PathNotify, testToken, fixture(t, "notify_r4b_id_only.json"))
	if a.status != http.StatusNotImplemented || !a.outcome || !strings.Contains(a.diagnostics(), "--fhir-url") {
		t.Fatalf("%d %s", a.status, a.diagnostics())
	}
	// An unreachable server is a 503: the sender retries.
	srv = newHandler(t, IngestConfig{Store: bus, Client: newTestClient(t, "http://127.0.0.1:1", nil)})
	a = post(t, srv, PathNotify, testToken, fixture(t, "notify_r4b_id_only.json"))
	if a.status != http.StatusServiceUnavailable || a.header.Get("Retry-After") == "" {
		t.Fatalf("server down: %d %s", a.status, a.diagnostics())
	}
	if n := streamCount(t, bus); n != 0 {
		t.Fatalf("stored %d", n)
	}
}

// TestNoPHIInLogs: whatever happens to a report, the log holds ids and
// counts, never its text, patient name or identifiers.
func TestNoPHIInLogs(t *testing.T) {
	var logs logBuffer
	bus := openBus(t, t.TempDir())
	srv := newHandler(t, IngestConfig{Store: bus, Logger: logs.logger()})
	phi := []string{"Zebulon", "Quixote", "MRN-778899", "1961-02-03", "hypoattenuating", "Testpatient", "painless jaundice"}
	dr := func(id, status, extra string) []byte {
		return []byte(fmt.Sprintf(`{"resourceType":"DiagnosticReport","id":%q,"meta":{"versionId":"1"},"status":%q,
			"code":{"text":"CT ABDOMEN"},
			"subject":{"identifier":{"system":"urn:mrn","value":"MRN-778899"},"display":"Zebulon Quixote"},
			"contained":[{"resourceType":"Patient","id":"pt","name":[{"family":"Quixote","given":["Zebulon"]}],"birthDate":"1961-02-03"}],
			"conclusion":"Zebulon Quixote: hypoattenuating mass, painless jaundice"%s}`, id, status, extra))
	}
	sends := []struct {
		path string
		body []byte
	}{
		{PathDiagnosticReport, dr("phi-1", "final", "")},                                   // stored
		{PathDiagnosticReport, dr("phi-1", "final", "")},                                   // duplicate
		{PathDiagnosticReport, dr("phi-2", "Zebulon Quixote", "")},                         // invalid R4, value in the error
		{PathDiagnosticReport, dr("phi-3", "final", `,"Quixote":"MRN-778899"`)},            // unknown field named like PHI
		{PathNotify, fixture(t, "dr_hapi_ct_abdomen.json")},                                // stored via notify
		{PathDiagnosticReport, dr("phi-4", "cancelled", "")},                               // skipped
		{PathDiagnosticReport, []byte(`{"resourceType":"DiagnosticReport","id":"phi-5",`)}, // truncated
		{PathNotify, []byte(`{"resourceType":"Patient","name":[{"family":"Quixote"}]}`)},
	}
	for _, s := range sends {
		post(t, srv, s.path, testToken, s.body)
	}
	out := logs.String()
	if leak := containsAny(out, phi...); leak != "" {
		t.Fatalf("log holds PHI %q:\n%s", leak, out)
	}
	for _, want := range []string{"fhir:phi-1", "fhir:phi-2", "fhir:phi-3", "fhir:1842", "fhir:phi-4", `"reason":"invalid_r4"`} {
		if !strings.Contains(out, want) {
			t.Errorf("log does not name %s:\n%s", want, out)
		}
	}
	var n int
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not JSON: %s", line)
		}
		n++
	}
	if n < len(sends) {
		t.Errorf("%d log lines for %d requests", n, len(sends))
	}
}
