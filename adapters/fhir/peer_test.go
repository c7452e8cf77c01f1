package fhir

// Tests against the real FHIR server of ../shared/peers/fhir (Medplum's
// FHIR router, in memory, in node). They skip when PEER_MODULES is unset.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/radflag/radflag/adapters/natsbus"
	"github.com/radflag/radflag/pipeline"
)

func busCursors(t testing.TB, bus *natsbus.Bus) CursorStore {
	t.Helper()
	kv, err := bus.KeyValue(context.Background(), natsbus.BucketCursors)
	if err != nil {
		t.Fatal(err)
	}
	return KVCursors(kv)
}

func newPoller(t testing.TB, cfg PollerConfig) *Poller {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = quietLog()
	}
	p, err := NewPoller(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func pollOnce(t testing.TB, p *Poller) PollStats {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	st, err := p.PollOnce(ctx)
	if err != nil {
		t.Fatalf("poll: %v", err)
	}
	return st
}

// messageIDs lists the stored reports' message ids, checking none repeats.
func messageIDs(t testing.TB, bus *natsbus.Bus) map[string]*pipeline.Report {
	t.Helper()
	out := map[string]*pipeline.Report{}
	for _, r := range storedReports(t, bus) {
		if out[r.MessageID] != nil {
			t.Fatalf("%s stored twice", r.MessageID)
		}
		out[r.MessageID] = r
	}
	return out
}

// TestPeerPollExactlyOnceAcrossRestart: reports created on the server are
// stored by polling exactly once — across pages, across a radflag restart
// (a new bus on the same data directory and a new poller), and when polled
// again; a new version of a report is stored as a new message; non-CT
// reports are not stored.
func TestPeerPollExactlyOnceAcrossRestart(t *testing.T) {
	srv := startPeer(t)
	dir := t.TempDir()
	client := newTestClient(t, srv.URL, nil)
	want := map[string]string{} // id → versionId
	createCT := func(n int, tag string) {
		for i := range n {
			r := srv.create(t, ctReport(fmt.Sprintf("%s-%d", tag, i)))
			want[r["id"].(string)] = r["meta"].(map[string]any)["versionId"].(string)
		}
	}
	createCT(5, "first")
	srv.create(t, mrReport())

	// First run: page size 2, so the 6 reports take several pages (the
	// peer gives no next links: the poller searches again from its cursor).
	bus := openBus(t, dir)
	p := newPoller(t, PollerConfig{Client: client, Store: bus, Cursors: busCursors(t, bus), PageSize: 2})
	st := pollOnce(t, p)
	if st.Stored != 5 || st.Skipped != 1 || st.Duplicates != 0 {
		t.Fatalf("first poll: %+v, want 5 stored, 1 skipped", st)
	}
	if n := streamCount(t, bus); n != 5 {
		t.Fatalf("stream holds %d, want 5", n)
	}
	if st := pollOnce(t, p); st.Stored+st.Duplicates+st.Skipped != 0 {
		t.Fatalf("second poll handled again: %+v", st)
	}
	createCT(3, "second")
	bus.Close()

	// Restart: new bus on the same directory, new poller; run it as serve
	// would, until it has caught up, then stop it.
	bus = openBus(t, dir)
	cursors := busCursors(t, bus)
	p = newPoller(t, PollerConfig{Client: client, Store: bus, Cursors: cursors, PageSize: 2, Interval: 50 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	deadline := time.Now().Add(30 * time.Second)
	for streamCount(t, bus) < 8 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // a few more polls, which must add nothing
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop on cancel")
	}
	got := messageIDs(t, bus)
	if len(got) != 8 {
		t.Fatalf("after restart: %d reports stored, want 8", len(got))
	}
	for id, vid := range want {
		r := got["fhir:"+id+":"+vid]
		if r == nil {
			t.Fatalf("report %s/%s not stored", id, vid)
		}
		if r.Status != pipeline.StatusFinal || r.Modality != "CT" || !strings.Contains(r.Text, "no acute findings") {
			t.Errorf("%s: %+v", r.MessageID, r)
		}
	}

	// A corrected version is a new message; polling again adds nothing.
	var anyID string
	for id := range want {
		anyID = id
		break
	}
	amended := strings.Replace(string(ctReport("amended")), `"status":"final"`, `"status":"amended","id":"`+anyID+`"`, 1)
	upd := srv.send(t, http.MethodPut, "DiagnosticReport/"+anyID, []byte(amended))
	p = newPoller(t, PollerConfig{Client: client, Store: bus, Cursors: cursors, PageSize: 2})
	if st := pollOnce(t, p); st.Stored != 1 {
		t.Fatalf("poll after an update: %+v, want 1 stored", st)
	}
	if st := pollOnce(t, p); st.Stored+st.Duplicates != 0 {
		t.Fatalf("poll again: %+v", st)
	}
	got = messageIDs(t, bus)
	r := got["fhir:"+anyID+":"+upd["meta"].(map[string]any)["versionId"].(string)]
	if len(got) != 9 || r == nil || r.Status != pipeline.StatusCorrected || r.ID != "fhir:"+anyID {
		t.Fatalf("after update: %d stored, corrected version %+v", len(got), r)
	}
}

// failingStore fails one StoreReport call, as a bus that went away would.
type failingStore struct {
	pipeline.ReportStore
	calls, failAt atomic.Int64
}

func (f *failingStore) StoreReport(ctx context.Context, r *pipeline.Report) (pipeline.StoreOutcome, error) {
	if f.calls.Add(1) == f.failAt.Load() {
		return pipeline.StoreOutcome{}, fmt.Errorf("store report %s: %w", r.ID, pipeline.ErrUnavailable)
	}
	return f.ReportStore.StoreReport(ctx, r)
}

// TestPeerPollStoreFailure: a poll that fails part-way (the bus went away
// on the fourth report) loses nothing and stores nothing twice: the next
// poll picks up where the stored ones end.
func TestPeerPollStoreFailure(t *testing.T) {
	srv := startPeer(t)
	for i := range 7 {
		srv.create(t, ctReport(fmt.Sprint("r", i)))
	}
	bus := openBus(t, t.TempDir())
	fs := &failingStore{ReportStore: bus}
	fs.failAt.Store(4)
	p := newPoller(t, PollerConfig{Client: newTestClient(t, srv.URL, nil), Store: fs, Cursors: busCursors(t, bus), PageSize: 3})
	_, err := p.PollOnce(context.Background())
	if !errors.Is(err, pipeline.ErrUnavailable) {
		t.Fatalf("poll with a failing store: %v, want ErrUnavailable", err)
	}
	if n := streamCount(t, bus); n != 3 {
		t.Fatalf("stored %d before the failure, want 3", n)
	}
	st := pollOnce(t, p)
	if st.Stored != 4 || st.Duplicates != 0 {
		t.Fatalf("poll after the failure: %+v, want 4 stored, no duplicates", st)
	}
	if got := messageIDs(t, bus); len(got) != 7 {
		t.Fatalf("%d stored, want 7", len(got))
	}
}

// TestPeerIDOnlyNotification: an id-only notification (R4B, and R4
// backport naming a version) is resolved by reading the report from the
// server; its result Observations and a presentedForm on a Binary are read
// too. A report the server does not have is skipped, not an error.
func TestPeerIDOnlyNotification(t *testing.T) {
	srv := startPeer(t)
	bus := openBus(t, t.TempDir())
	ct := &countingTransport{rt: http.DefaultTransport}
	h := newHandler(t, IngestConfig{Store: bus, Client: newTestClient(t, srv.URL, ct)})

	dr := srv.create(t, ctReport("id-only"))
	id, vid := dr["id"].(string), dr["meta"].(map[string]any)["versionId"].(string)
	body := strings.ReplaceAll(string(fixture(t, "notify_r4b_id_only.json")), "http://fhir.example.org/r4b/DiagnosticReport/1901/_history/2", srv.URL+"/DiagnosticReport/"+id)
	body = strings.ReplaceAll(body, "http://fhir.example.org/r4b/DiagnosticReport/1901", srv.URL+"/DiagnosticReport/"+id)
	a := post(t, h, PathNotify, testToken, []byte(body))
	if a.status != http.StatusOK || !strings.Contains(a.diagnostics(), "stored 1") {
		t.Fatalf("R4B id-only: %d %s", a.status, a.diagnostics())
	}
	if ct.n.Load() != 1 {
		t.Errorf("%d reads, want 1", ct.n.Load())
	}
	got := messageIDs(t, bus)
	r := got["fhir:"+id+":"+vid]
	if len(got) != 1 || r == nil || !strings.Contains(r.Text, "id-only") {
		t.Fatalf("stored %v", got)
	}

	// R4 backport, naming the version; Observations and a Binary on the
	// server hold the text.
	obsF := srv.create(t, []byte(`{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"18782-3"}]},"valueString":"Pancreatic head mass 2.9 cm."}`))
	obsI := srv.create(t, []byte(`{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"19005-8"}]},"valueString":"Suspicious for adenocarcinoma."}`))
	dr2 := srv.create(t, []byte(fmt.Sprintf(`{"resourceType":"DiagnosticReport","status":"preliminary","code":{"text":"CT PANCREAS PROTOCOL"},
		"result":[{"reference":"Observation/%s"},{"reference":"Observation/%s"}]}`, obsF["id"], obsI["id"])))
	bin := srv.create(t, []byte(`{"resourceType":"Binary","contentType":"text/plain","data":"`+
		base64.StdEncoding.EncodeToString([]byte("FINDINGS: liver cyst.\nIMPRESSION: benign cyst."))+`"}`))
	dr3 := srv.create(t, []byte(fmt.Sprintf(`{"resourceType":"DiagnosticReport","status":"final","code":{"text":"CT ABDOMEN"},
		"presentedForm":[{"contentType":"text/plain","url":"%s/Binary/%s"},{"contentType":"application/pdf","url":"Binary/nope"}]}`, srv.URL, bin["id"])))
	id2, vid2 := dr2["id"].(string), dr2["meta"].(map[string]any)["versionId"].(string)
	id3 := dr3["id"].(string)
	bp := strings.ReplaceAll(string(fixture(t, "notify_r4_backport_id_only.json")), "https://fhir.example.org/r4/DiagnosticReport/ct-chest-9001",
		srv.URL+"/DiagnosticReport/"+id2+"/_history/"+vid2)
	var m map[string]any
	json.Unmarshal([]byte(bp), &m)
	entries := m["entry"].([]any)
	m["entry"] = append(entries,
		map[string]any{"fullUrl": srv.URL + "/DiagnosticReport/" + id3},
		map[string]any{"fullUrl": srv.URL + "/DiagnosticReport/no-such-report"})
	b, _ := json.Marshal(m)
	a = post(t, h, PathNotify, testToken, b)
	if a.status != http.StatusOK || !strings.Contains(a.diagnostics(), "stored 2") || !strings.Contains(a.diagnostics(), "not_found") {
		t.Fatalf("backport id-only: %d %s", a.status, a.diagnostics())
	}
	got = messageIDs(t, bus)
	r2 := got["fhir:"+id2+":"+vid2]
	if r2 == nil || r2.Sections.Findings != "Pancreatic head mass 2.9 cm." || r2.Sections.Impression != "Suspicious for adenocarcinoma." || r2.Status != pipeline.StatusPreliminary {
		t.Fatalf("report from Observations: %+v", r2)
	}
	var r3 *pipeline.Report
	for _, r := range got {
		if r.ID == "fhir:"+id3 {
			r3 = r
		}
	}
	if r3 == nil || r3.Sections.Impression != "benign cyst." {
		t.Fatalf("report from a Binary: %+v", r3)
	}
	if len(got) != 3 {
		t.Fatalf("%d stored, want 3", len(got))
	}
}

// TestPeerFullResourceNotificationServerStopped: with the FHIR server
// stopped, a notification carrying the resource is still stored: no read
// is needed (and none is made).
func TestPeerFullResourceNotificationServerStopped(t *testing.T) {
	srv := startPeer(t)
	bus := openBus(t, t.TempDir())
	ct := &countingTransport{rt: http.DefaultTransport}
	h := newHandler(t, IngestConfig{Store: bus, Client: newTestClient(t, srv.URL, ct)})
	srv.Stop()
	a := post(t, h, PathNotify, testToken, fixture(t, "notify_r4b_full_resource.json"))
	if a.status != http.StatusOK || streamCount(t, bus) != 1 {
		t.Fatalf("%d %s, %d stored", a.status, a.diagnostics(), streamCount(t, bus))
	}
	if ct.n.Load() != 0 {
		t.Fatalf("%d requests to the stopped server", ct.n.Load())
	}
}

// TestPeerSubscriptionAtStart: the poller creates its rest-hook
// Subscription on the server once, however often it starts.
func TestPeerSubscriptionAtStart(t *testing.T) {
	srv := startPeer(t)
	bus := openBus(t, t.TempDir())
	client := newTestClient(t, srv.URL, nil)
	endpoint := "https://radflag.example.org/fhir/notify"
	for range 2 {
		p := newPoller(t, PollerConfig{Client: client, Store: bus, Cursors: busCursors(t, bus), Interval: time.Hour,
			Subscription: &SubscriptionConfig{Endpoint: endpoint, Criteria: "DiagnosticReport?category=RAD", Header: []string{"Authorization: Bearer " + testToken}}})
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		if err := p.Run(ctx); err != nil {
			t.Fatal(err)
		}
		cancel()
	}
	body, err := client.Search(context.Background(), "Subscription", url.Values{"url": {endpoint}})
	if err != nil {
		t.Fatal(err)
	}
	var b struct {
		Entry []struct {
			Resource struct {
				Criteria string `json:"criteria"`
				Status   string `json:"status"`
				Channel  struct {
					Type, Endpoint, Payload string
					Header                  []string
				} `json:"channel"`
			} `json:"resource"`
		} `json:"entry"`
	}
	json.Unmarshal(body, &b)
	if len(b.Entry) != 1 {
		t.Fatalf("%d subscriptions, want 1: %s", len(b.Entry), body)
	}
	s := b.Entry[0].Resource
	if s.Criteria != "DiagnosticReport?category=RAD" || s.Channel.Type != "rest-hook" || s.Channel.Endpoint != endpoint ||
		s.Channel.Payload != ContentType || len(s.Channel.Header) != 1 || s.Status != "requested" {
		t.Fatalf("subscription: %+v", s)
	}
}

// TestPeerClientWrites: the client's conditional create (used by
// writeback) creates once; update and read round-trip.
func TestPeerClientWrites(t *testing.T) {
	srv := startPeer(t)
	c := newTestClient(t, srv.URL, nil)
	ctx := context.Background()
	flag := []byte(`{"resourceType":"Flag","status":"active","identifier":[{"system":"urn:radflag","value":"r1:pancreas:m1"}],
		"code":{"text":"Suspected pancreatic cancer"},"subject":{"reference":"Patient/p1"}}`)
	var statuses []int
	var ids []string
	for range 2 {
		resp, err := c.Create(ctx, "Flag", flag, "identifier=urn:radflag|r1:pancreas:m1")
		if err != nil {
			t.Fatal(err)
		}
		statuses = append(statuses, resp.StatusCode)
		ids = append(ids, jsonID(resp.Body))
	}
	if statuses[0] != 201 || statuses[1] != 200 || ids[0] == "" || ids[0] != ids[1] {
		t.Fatalf("conditional create: %v %v", statuses, ids)
	}
	upd := strings.Replace(string(flag), `"status":"active"`, `"status":"inactive","id":"`+ids[0]+`"`, 1)
	if _, err := c.Update(ctx, "Flag", ids[0], []byte(upd), ""); err != nil {
		t.Fatal(err)
	}
	b, err := c.Read(ctx, "Flag", ids[0])
	if err != nil || !strings.Contains(string(b), `"inactive"`) {
		t.Fatalf("read back: %v %s", err, b)
	}
	_, err = c.Read(ctx, "Flag", "nope")
	if !IsNotFound(err) {
		t.Fatalf("read missing: %v", err)
	}
}
