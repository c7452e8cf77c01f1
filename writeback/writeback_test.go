package writeback_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/radflag/radflag/adapters/fhir"
	"github.com/radflag/radflag/adapters/natsbus"
	"github.com/radflag/radflag/adapters/natsbus/natstest"
	"github.com/radflag/radflag/pipeline"
	"github.com/radflag/radflag/writeback"
	"github.com/radflag/radflag/writeback/fhirpeer"
)

func testLog(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// env is a writeback against a real FHIR server and a real JetStream.
type env struct {
	t    testing.TB
	bus  *natsbus.Bus
	fhir *fhirpeer.Server
	cfg  writeback.Config
}

func newEnv(t testing.TB, fhirURL string) *env {
	t.Helper()
	e := &env{t: t}
	srv := natstest.Start(t, "")
	var err error
	e.bus, err = natsbus.Open(context.Background(), natsbus.Config{URL: srv.URL(), Logger: testLog(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.bus.Close() })
	if fhirURL == "" {
		e.fhir = fhirpeer.Start(t)
		fhirURL = e.fhir.URL
	}
	client, err := fhir.NewClient(fhir.ClientConfig{BaseURL: fhirURL, Timeout: 2 * time.Second, MaxRetries: -1, Logger: testLog(t)})
	if err != nil {
		t.Fatal(err)
	}
	e.cfg = writeback.Config{
		Bus: e.bus, FHIR: client, Logger: testLog(t), Concurrency: 8,
		BackoffMin: 100 * time.Millisecond, BackoffMax: time.Second, AckWait: 10 * time.Second,
	}
	return e
}

// start runs a writeback until the test ends (or stop is called).
func (e *env) start() (stop func()) {
	e.t.Helper()
	w, err := writeback.New(e.cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil && !errors.Is(err, context.Canceled) {
					e.t.Errorf("writeback: %v", err)
				}
			case <-time.After(30 * time.Second):
				e.t.Error("writeback did not stop")
			}
		})
	}
	e.t.Cleanup(stop)
	return stop
}

// publish stores a result under its own id; resend stores it again under
// another id, as a replay would, so that writeback sees it twice.
func (e *env) publish(r *pipeline.Result) {
	e.t.Helper()
	if _, err := e.bus.PublishResult(context.Background(), r); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) resend(r *pipeline.Result, n int) {
	e.t.Helper()
	data, err := pipeline.MarshalResult(r)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.bus.Publish(context.Background(), natsbus.SubjectResults+"."+r.Task, fmt.Sprintf("resend-%d-%s", n, r.MsgID()), data, nil); err != nil {
		e.t.Fatal(err)
	}
}

// settle waits until the writeback consumer has acknowledged everything
// on the results stream.
func (e *env) settle(timeout time.Duration) {
	e.t.Helper()
	waitAcked(e.t, e.bus, natsbus.StreamResults, "radflag-writeback", timeout)
}

func waitAcked(t testing.TB, bus *natsbus.Bus, stream, durable string, timeout time.Duration) {
	t.Helper()
	ctx := context.Background()
	s, err := bus.JetStream().Stream(ctx, stream)
	if err != nil {
		t.Fatal(err)
	}
	si, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(timeout)
	for {
		c, err := bus.JetStream().Consumer(ctx, stream, durable)
		if err == nil {
			info, err := c.Info(ctx)
			if err == nil && info.AckFloor.Stream >= si.State.LastSeq && info.NumAckPending == 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s not settled: ack floor %d of %d, %d pending", durable, info.AckFloor.Stream, si.State.LastSeq, info.NumAckPending)
			}
		} else if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// resource is the part of a Flag or Observation the tests look at.
type resource struct {
	ResourceType string `json:"resourceType"`
	ID           string `json:"id"`
	Meta         struct {
		VersionID string `json:"versionId"`
	} `json:"meta"`
	Status     string `json:"status"`
	Identifier []struct {
		System, Value string
	} `json:"identifier"`
	Subject struct {
		Reference  string `json:"reference"`
		Identifier struct {
			System, Value string
		} `json:"identifier"`
	} `json:"subject"`
	Period struct {
		Start, End string
	} `json:"period"`
	Author struct {
		Display string `json:"display"`
	} `json:"author"`
	Category []struct {
		Coding []struct{ System, Code string } `json:"coding"`
	} `json:"category"`
	ValueCodeableConcept struct {
		Coding []struct{ System, Code, Display string } `json:"coding"`
	} `json:"valueCodeableConcept"`
	DerivedFrom []json.RawMessage `json:"derivedFrom"`
	Component   []struct {
		ValueQuantity struct {
			Value float64 `json:"value"`
		} `json:"valueQuantity"`
	} `json:"component"`
	Extension []struct {
		URL       string            `json:"url"`
		Extension []json.RawMessage `json:"extension"`
	} `json:"extension"`
	raw json.RawMessage
}

func (r *resource) hasExt(url string) bool {
	for _, e := range r.Extension {
		if e.URL == url {
			return true
		}
	}
	return false
}

// all returns every resource of typ on the FHIR server for a report and task.
func (e *env) all(typ, reportID, task string) []*resource {
	e.t.Helper()
	q := url.Values{}
	if reportID != "" {
		q.Set("identifier", writeback.SystemReportTask+"|"+reportID+":"+task)
	}
	raws, err := e.fhir.Search(context.Background(), typ, q)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []*resource
	for _, raw := range raws {
		var r resource
		if err := json.Unmarshal(raw, &r); err != nil {
			e.t.Fatal(err)
		}
		r.raw = raw
		out = append(out, &r)
	}
	return out
}

func (e *env) one(typ, reportID, task string) *resource {
	e.t.Helper()
	rs := e.all(typ, reportID, task)
	if len(rs) != 1 {
		e.t.Fatalf("%d %s resources for %s, want exactly 1", len(rs), typ, reportID)
	}
	return rs[0]
}

var t0 = time.Now().UTC().Truncate(time.Second)

func result(acc, version string, st pipeline.Status, at time.Duration, task, label, model string) *pipeline.Result {
	probs := map[string]float64{label: 0.87}
	return &pipeline.Result{
		ReportID: "hl7:RIS:" + acc, ReportMessageID: "hl7:RIS:" + version, ReportStatus: st,
		Task: task, LabelName: label, Flag: label == "pretreatment", Probabilities: probs,
		Evidence:  []pipeline.Evidence{{Text: "Hypoenhancing pancreatic head mass.", Start: 0, End: 35, Weight: 0.5}},
		Model:     pipeline.ModelRef{Name: task + "-model", Version: model, Digest: "digest-" + model},
		Patient:   pipeline.Identifier{System: "urn:oid:1.2.840.99999.1", Value: "MRN-" + acc, Type: "MR"},
		Accession: acc, Source: pipeline.SourceHL7,
		Procedure:  pipeline.Coding{Code: "CTAP", Display: "CT ABDOMEN PELVIS"},
		ReceivedAt: t0.Add(at), CreatedAt: t0.Add(at + time.Second),
	}
}

// alerts collects what is published on radflag.alerts.>.
func subscribeAlerts(t testing.TB, bus *natsbus.Bus) func() []writeback.Alert {
	t.Helper()
	var mu sync.Mutex
	var got []writeback.Alert
	sub, err := bus.Conn().Subscribe(natsbus.SubjectAlerts+".>", func(m *nats.Msg) {
		var a writeback.Alert
		if err := json.Unmarshal(m.Data, &a); err != nil {
			t.Errorf("alert: %v", err)
		}
		mu.Lock()
		got = append(got, a)
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sub.Unsubscribe() })
	return func() []writeback.Alert {
		_ = bus.Conn().Flush()
		mu.Lock()
		defer mu.Unlock()
		return append([]writeback.Alert(nil), got...)
	}
}

// TestFlagLifecycle follows one report through its versions.
func TestFlagLifecycle(t *testing.T) {
	e := newEnv(t, "")
	alerts := subscribeAlerts(t, e.bus)
	e.start()
	const acc = "ACC1"
	id := "hl7:RIS:" + acc

	final := result(acc, "M1", pipeline.StatusFinal, 0, "pancreas", "pretreatment", "1.0")
	e.publish(final)
	e.settle(20 * time.Second)
	f := e.one("Flag", id, "pancreas")
	if f.Status != "active" || f.Subject.Identifier.Value != "MRN-"+acc || f.Period.Start == "" ||
		!strings.Contains(f.Author.Display, "1.0") || !f.hasExt(writeback.ExtFlagDetail) || !f.hasExt(writeback.ExtEvidence) {
		t.Errorf("flag: %s", f.raw)
	}
	if a := alerts(); len(a) != 1 || a[0].Kind != writeback.AlertFlag || a[0].Resource != "Flag/"+f.ID || a[0].Patient == nil {
		t.Errorf("alerts after the first flag: %+v", a)
	}

	{ // resend changes nothing
		e.resend(final, 1)
		e.resend(final, 2)
		e.settle(20 * time.Second)
		g := e.one("Flag", id, "pancreas")
		if g.ID != f.ID || g.Meta.VersionID != f.Meta.VersionID {
			t.Errorf("flag changed: %s → %s", f.raw, g.raw)
		}
		if a := alerts(); len(a) != 1 {
			t.Errorf("%d alerts", len(a))
		}
	}

	corrected := result(acc, "M2", pipeline.StatusCorrected, time.Hour, "pancreas", "none", "1.0")
	{ // corrected report no longer cancer
		e.publish(corrected)
		e.settle(20 * time.Second)
		g := e.one("Flag", id, "pancreas")
		if g.ID != f.ID || g.Status != "inactive" || g.Period.End == "" {
			t.Errorf("flag after correction: %s", g.raw)
		}
	}

	{ // late copy of the older version is stale
		before := e.one("Flag", id, "pancreas")
		e.resend(final, 3)
		e.settle(20 * time.Second)
		g := e.one("Flag", id, "pancreas")
		if g.Status != "inactive" || g.Meta.VersionID != before.Meta.VersionID {
			t.Errorf("stale result changed the flag: %s", g.raw)
		}
	}

	corrected2 := result(acc, "M3", pipeline.StatusCorrected, 2*time.Hour, "pancreas", "pretreatment", "1.0")
	{ // second correction flags again, same Flag
		e.publish(corrected2)
		e.settle(20 * time.Second)
		g := e.one("Flag", id, "pancreas")
		if g.ID != f.ID || g.Status != "active" || g.Period.End != "" {
			t.Errorf("flag after second correction: %s", g.raw)
		}
		if a := alerts(); len(a) != 2 {
			t.Errorf("%d alerts, want 2 (re-activated flag)", len(a))
		}
	}

	{ // new model revises the same version
		revised := result(acc, "M3", pipeline.StatusCorrected, 2*time.Hour, "pancreas", "post_treatment", "2.0")
		e.publish(revised)
		e.settle(20 * time.Second)
		g := e.one("Flag", id, "pancreas")
		if g.ID != f.ID || g.Status != "entered-in-error" {
			t.Errorf("flag after model revision: %s", g.raw)
		}
		ids := 0
		for _, i := range g.Identifier {
			if i.System == writeback.SystemResult {
				ids++
			}
		}
		if ids != 2 {
			t.Errorf("want the result identifiers of both models, got %+v", g.Identifier)
		}
	}
}

func TestNoFlagForOtherLabels(t *testing.T) {
	e := newEnv(t, "")
	e.start()
	e.publish(result("N1", "N1", pipeline.StatusFinal, 0, "pancreas", "none", "1.0"))
	e.publish(result("N2", "N2", pipeline.StatusFinal, 0, "pancreas", "post_treatment", "1.0"))
	e.settle(20 * time.Second)
	if fs := e.all("Flag", "", ""); len(fs) != 0 {
		t.Errorf("%d flags written for non-flag results", len(fs))
	}
}

func TestObservationForIRCategory(t *testing.T) {
	e := newEnv(t, "")
	e.start()
	const acc = "IR1"
	id := "hl7:RIS:" + acc
	lung := result(acc, "I1", pipeline.StatusFinal, 0, "ir_procedure", "lung_biopsy", "1.0")
	e.publish(lung)
	e.settle(20 * time.Second)
	o := e.one("Observation", id, "ir_procedure")
	if o.Status != "final" || len(o.Category) != 1 || o.Category[0].Coding[0].Code != "procedure" ||
		len(o.ValueCodeableConcept.Coding) != 1 || o.ValueCodeableConcept.Coding[0].Code != "lung_biopsy" ||
		o.ValueCodeableConcept.Coding[0].Display != "Lung biopsy" || len(o.DerivedFrom) != 1 ||
		len(o.Component) != 1 || o.Component[0].ValueQuantity.Value != 0.87 {
		t.Errorf("observation: %s", o.raw)
	}
	e.resend(lung, 1)
	e.settle(20 * time.Second)
	if g := e.one("Observation", id, "ir_procedure"); g.Meta.VersionID != o.Meta.VersionID {
		t.Errorf("resend changed the observation")
	}
	bone := result(acc, "I2", pipeline.StatusCorrected, time.Hour, "ir_procedure", "bone_biopsy", "1.0")
	e.publish(bone)
	e.settle(20 * time.Second)
	g := e.one("Observation", id, "ir_procedure")
	if g.ID != o.ID || g.Status != "corrected" || g.ValueCodeableConcept.Coding[0].Code != "bone_biopsy" {
		t.Errorf("corrected observation: %s", g.raw)
	}
	if fs := e.all("Flag", "", ""); len(fs) != 0 {
		t.Errorf("IR result wrote %d flags", len(fs))
	}
}

func TestFeedbackUpdatesFlag(t *testing.T) {
	e := newEnv(t, "")
	e.start()
	const acc = "FB1"
	id := "hl7:RIS:" + acc
	r := result(acc, "F1", pipeline.StatusFinal, 0, "pancreas", "pretreatment", "1.0")
	e.publish(r)
	e.settle(20 * time.Second)
	fb := func(d pipeline.Decision, at time.Duration) {
		t.Helper()
		f := &pipeline.Feedback{CaseID: "case-1", ReportID: id, ReportMessageID: r.ReportMessageID, Task: "pancreas",
			Decision: d, ModelLabel: 2, Label: 2, User: "navigator1", ResultMsgID: r.MsgID(), Model: r.Model,
			At: t0.Add(at)}
		if d == pipeline.DecisionRejected {
			f.Label, f.Reason = 0, "benign cyst on review"
		}
		if _, err := e.bus.PublishFeedback(context.Background(), f); err != nil {
			t.Fatal(err)
		}
		waitAcked(t, e.bus, natsbus.StreamFeedback, "radflag-writeback-feedback", 20*time.Second)
	}
	fb(pipeline.DecisionRejected, time.Minute)
	g := e.one("Flag", id, "pancreas")
	if g.Status != "entered-in-error" || !g.hasExt(writeback.ExtReview) {
		t.Errorf("rejected flag: %s", g.raw)
	}
	// A resend of the result does not undo the navigator's rejection.
	e.resend(r, 1)
	e.settle(20 * time.Second)
	if g := e.one("Flag", id, "pancreas"); g.Status != "entered-in-error" {
		t.Errorf("resend undid the rejection: %s", g.raw)
	}
	fb(pipeline.DecisionConfirmed, 2*time.Minute)
	g = e.one("Flag", id, "pancreas")
	if g.Status != "active" || !strings.Contains(string(g.raw), `"confirmed"`) {
		t.Errorf("confirmed flag: %s", g.raw)
	}
	// An older decision arriving late changes nothing.
	fb(pipeline.DecisionRejected, 90*time.Second)
	if g := e.one("Flag", id, "pancreas"); g.Status != "active" {
		t.Errorf("late rejection applied: %s", g.raw)
	}
}

func TestPatientResolvedBySearch(t *testing.T) {
	e := newEnv(t, "")
	pid, err := e.fhir.Post(context.Background(), "Patient",
		[]byte(`{"resourceType":"Patient","identifier":[{"system":"urn:oid:1.2.840.99999.1","value":"MRN-P1"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	e.cfg.ResolvePatient = true
	e.start()
	e.publish(result("P1", "P1", pipeline.StatusFinal, 0, "pancreas", "pretreatment", "1.0"))
	e.publish(result("P2", "P2", pipeline.StatusFinal, 0, "pancreas", "pretreatment", "1.0")) // no such patient
	e.settle(20 * time.Second)
	if f := e.one("Flag", "hl7:RIS:P1", "pancreas"); f.Subject.Reference != "Patient/"+pid {
		t.Errorf("subject = %s", f.raw)
	}
	if f := e.one("Flag", "hl7:RIS:P2", "pancreas"); f.Subject.Reference != "" || f.Subject.Identifier.Value != "MRN-P2" {
		t.Errorf("unresolved subject = %s", f.raw)
	}
}

// TestRefusedResultGoesToDLQ: a FHIR server that refuses the resource
// (422 with an OperationOutcome) — retrying cannot help.
func TestRefusedResultGoesToDLQ(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	oo := `{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"invalid","diagnostics":"Flag.subject: unknown identifier system"}]}`
	var posts atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/fhir+json")
		if r.Method == http.MethodGet {
			io.WriteString(w, `{"resourceType":"Bundle","type":"searchset","total":0}`)
			return
		}
		posts.Add(1)
		w.WriteHeader(http.StatusUnprocessableEntity)
		io.WriteString(w, oo)
	}))
	defer ts.Close()
	e := newEnv(t, ts.URL)
	alerts := subscribeAlerts(t, e.bus)
	e.start()
	r := result("D1", "D1", pipeline.StatusFinal, 0, "pancreas", "pretreatment", "1.0")
	e.publish(r)
	e.settle(20 * time.Second)
	if n := posts.Load(); n != 1 {
		t.Errorf("%d POSTs, want 1 (a 422 is not retried)", n)
	}
	m, err := lastDLQ(t, e.bus)
	if err != nil {
		t.Fatal(err)
	}
	reason := m.Header.Get("Radflag-Reason")
	if !strings.Contains(reason, "422") || !strings.Contains(reason, "unknown identifier system") || !strings.Contains(reason, `"OperationOutcome"`) {
		t.Errorf("reason = %q", reason)
	}
	back, err := pipeline.UnmarshalResult(m.Data)
	if err != nil || back.MsgID() != r.MsgID() {
		t.Errorf("dead letter does not hold the result: %v", err)
	}
	if a := alerts(); len(a) != 1 || a[0].Kind != writeback.AlertDeadLetter {
		t.Errorf("alerts: %+v", a)
	}
}

func lastDLQ(t testing.TB, bus *natsbus.Bus) (*jetstream.RawStreamMsg, error) {
	t.Helper()
	s, err := bus.JetStream().Stream(context.Background(), natsbus.StreamDLQ)
	if err != nil {
		t.Fatal(err)
	}
	return s.GetLastMsgForSubject(context.Background(), natsbus.SubjectDLQ+".writeback")
}

// TestWebhookSignedAndRetried: the webhook gets every new flag, signed; it
// fails twice and is retried.
func TestWebhookSignedAndRetried(t *testing.T) {
	secret := []byte("webhook-secret")
	var calls atomic.Int32
	got := make(chan writeback.Alert, 10)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := writeback.VerifySignature(secret, body, r.Header.Get(writeback.SignatureHeader), time.Now(), time.Minute); err != nil {
			t.Errorf("signature: %v", err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if calls.Add(1) <= 2 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		var a writeback.Alert
		if err := json.Unmarshal(body, &a); err != nil {
			t.Error(err)
		}
		got <- a
	}))
	defer hook.Close()
	e := newEnv(t, "")
	e.cfg.Alerts = writeback.AlertConfig{WebhookURL: hook.URL, Secret: secret, BackoffMin: 100 * time.Millisecond, BackoffMax: 200 * time.Millisecond}
	e.start()
	time.Sleep(200 * time.Millisecond) // the webhook consumer delivers new alerts only
	e.publish(result("W1", "W1", pipeline.StatusFinal, 0, "pancreas", "pretreatment", "1.0"))
	select {
	case a := <-got:
		if a.Kind != writeback.AlertFlag || a.ReportID != "hl7:RIS:W1" || !strings.HasPrefix(a.Resource, "Flag/") {
			t.Errorf("alert = %+v", a)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("webhook never got the alert (%d calls)", calls.Load())
	}
	if n := calls.Load(); n != 3 {
		t.Errorf("%d calls, want 3", n)
	}
}

// TestFHIRDownWhileResultsFlow: the FHIR server refuses connections, then
// hangs, while 200 results flow; when it is back every result is written
// exactly once.
func TestFHIRDownWhileResultsFlow(t *testing.T) {
	e := newEnv(t, "")
	e.start()
	labels := []string{"none", "post_treatment", "pretreatment"}
	irLabels := []string{"drainage", "soft_tissue_biopsy", "lung_biopsy", "bone_biopsy"}
	wantFlags, wantObs := 0, 0
	var rs []*pipeline.Result
	for i := 0; i < 200; i++ {
		acc := fmt.Sprintf("OUT%04d", i)
		var r *pipeline.Result
		if i%2 == 0 {
			r = result(acc, "V"+acc, pipeline.StatusFinal, 0, "pancreas", labels[i%3], "1.0")
			if r.Flag {
				wantFlags++
			}
		} else {
			r = result(acc, "V"+acc, pipeline.StatusFinal, 0, "ir_procedure", irLabels[i%4], "1.0")
			wantObs++
		}
		rs = append(rs, r)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	published := make(chan struct{})
	go func() { // 200 results over ~4 s
		defer close(published)
		for _, r := range rs {
			if ctx.Err() != nil {
				return
			}
			e.publish(r)
			time.Sleep(20 * time.Millisecond)
		}
	}()
	time.Sleep(500 * time.Millisecond)
	e.fhir.Proxy().Down() // connection refused
	time.Sleep(1500 * time.Millisecond)
	if err := e.fhir.Pause(); err != nil { // accepts, never answers
		t.Fatal(err)
	}
	if err := e.fhir.Proxy().Up(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2500 * time.Millisecond)
	if err := e.fhir.Resume(); err != nil {
		t.Fatal(err)
	}
	<-published
	e.settle(60 * time.Second)

	flags, obs := e.all("Flag", "", ""), e.all("Observation", "", "")
	if len(flags) != wantFlags || len(obs) != wantObs {
		t.Errorf("%d flags and %d observations, want %d and %d", len(flags), len(obs), wantFlags, wantObs)
	}
	seen := map[string]bool{}
	for _, r := range append(flags, obs...) {
		for _, id := range r.Identifier {
			if id.System == writeback.SystemReportTask {
				if seen[id.Value] {
					t.Errorf("%s written twice", id.Value)
				}
				seen[id.Value] = true
			}
		}
		if r.Status != "active" && r.Status != "final" {
			t.Errorf("%s/%s status %s", r.ResourceType, r.ID, r.Status)
		}
	}
	ci, err := e.bus.JetStream().Consumer(context.Background(), natsbus.StreamResults, "radflag-writeback")
	if err == nil {
		info, _ := ci.Info(context.Background())
		t.Logf("deliveries: %d results, last delivered consumer seq %d (redeliveries %d)", len(rs), info.Delivered.Consumer, info.Delivered.Consumer-uint64(len(rs)))
	}
	if _, err := lastDLQ(t, e.bus); !errors.Is(err, jetstream.ErrMsgNotFound) {
		t.Errorf("something was dead-lettered: %v", err)
	}
}

// TestNothingToWriteNeedsNoFHIR: results that write nothing, for reports
// nothing was written for, are settled without the FHIR server (here: down).
func TestNothingToWriteNeedsNoFHIR(t *testing.T) {
	e := newEnv(t, "")
	e.fhir.Proxy().Down()
	e.start()
	for i := 0; i < 20; i++ {
		acc := fmt.Sprintf("NW%03d", i)
		e.publish(result(acc, acc, pipeline.StatusFinal, 0, "pancreas", "none", "1.0"))
	}
	e.settle(10 * time.Second)
	// A correction of a report radflag never saw is checked against FHIR,
	// so it waits for the server.
	corr := result("NWC", "NWC2", pipeline.StatusCorrected, 0, "pancreas", "none", "1.0")
	e.publish(corr)
	time.Sleep(time.Second)
	if err := e.fhir.Proxy().Up(); err != nil {
		t.Fatal(err)
	}
	e.settle(20 * time.Second)
}

// TestTwoWritersManyVersions: two writeback processes share the consumer
// while three versions of each report arrive at once, in any order; every
// report ends with one Flag saying what its newest version says.
func TestTwoWritersManyVersions(t *testing.T) {
	e := newEnv(t, "")
	e.start()
	e.start() // a second process on the same durable consumer
	const n = 30
	for i := 0; i < n; i++ {
		acc := fmt.Sprintf("TW%03d", i)
		// The newest version flags for even reports, not for odd ones.
		last := "pretreatment"
		if i%2 == 1 {
			last = "none"
		}
		e.publish(result(acc, "A"+acc, pipeline.StatusFinal, 0, "pancreas", "pretreatment", "1.0"))
		e.publish(result(acc, "B"+acc, pipeline.StatusCorrected, time.Hour, "pancreas", "none", "1.0"))
		e.publish(result(acc, "C"+acc, pipeline.StatusCorrected, 2*time.Hour, "pancreas", last, "1.0"))
	}
	e.settle(60 * time.Second)
	flags := e.all("Flag", "", "")
	byReport := map[string][]*resource{}
	for _, f := range flags {
		for _, id := range f.Identifier {
			if id.System == writeback.SystemReportTask {
				byReport[id.Value] = append(byReport[id.Value], f)
			}
		}
	}
	for i := 0; i < n; i++ {
		key := fmt.Sprintf("hl7:RIS:TW%03d:pancreas", i)
		fs := byReport[key]
		want := "active"
		if i%2 == 1 {
			want = "inactive"
		}
		switch {
		case len(fs) > 1:
			t.Errorf("%s: %d flags", key, len(fs))
		case len(fs) == 0 && i%2 == 0:
			t.Errorf("%s: no flag", key)
		case len(fs) == 1 && fs[0].Status != want:
			t.Errorf("%s: flag %s, want %s", key, fs[0].Status, want)
		}
	}
}
