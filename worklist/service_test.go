package worklist

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/crypto/bcrypt"

	"github.com/radflag/radflag/adapters/natsbus"
	"github.com/radflag/radflag/adapters/natsbus/natstest"
	"github.com/radflag/radflag/pipeline"
)

// env is a worklist on a real embedded JetStream, served over HTTP.
type env struct {
	bus *natsbus.Bus
	svc *Service
	srv *httptest.Server
}

var hashOnce = sync.OnceValue(func() string {
	h, err := bcrypt.GenerateFromPassword([]byte("secret-pw"), bcrypt.MinCost)
	if err != nil {
		panic(err)
	}
	return string(h)
})

func newEnv(t *testing.T, mod func(*Config)) *env {
	t.Helper()
	e, _ := newEnvDir(t, t.TempDir(), mod)
	return e
}

// newEnvDir runs a worklist on an embedded server storing in dir (or on
// the external server when dir is a nats:// URL); stop ends it (the test's
// cleanup also does).
func newEnvDir(t *testing.T, dir string, mod func(*Config)) (*env, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	bcfg := natsbus.Config{DataDir: dir}
	if strings.HasPrefix(dir, "nats://") {
		bcfg = natsbus.Config{URL: dir}
	}
	bus, err := natsbus.Open(ctx, bcfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{
		Bus: bus,
		Auth: AuthConfig{
			Users:         map[string]string{"alice": hashOnce(), "bob": hashOnce()},
			SessionSecret: []byte("0123456789abcdef0123456789abcdef"),
		},
		Logger:        slog.New(slog.NewTextHandler(io.Discard, nil)),
		SweepInterval: 200 * time.Millisecond,
	}
	if mod != nil {
		mod(&cfg)
	}
	svc, err := New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
	defer wcancel()
	if err := svc.WaitReady(wctx); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(svc.Handler())
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			srv.Close()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
			bus.Close()
		})
	}
	t.Cleanup(stop)
	return &env{bus: bus, svc: svc, srv: srv}, stop
}

// TestSurvivesRestart: cases and their history are stored, not held in
// memory; a new process on the same store serves them, and a redelivered
// result does not duplicate its case's history.
func TestSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	e, stop := newEnvDir(t, dir, nil)
	r := result("hl7:RIS:ACC1", "hl7:RIS:M1", true, t0)
	id := e.publish(t, r)
	e.waitCase(t, id, nil)
	if _, err := e.svc.Act(context.Background(), id, Request{Action: ActionConfirm, User: "alice", Reason: "staging booked"}); err != nil {
		t.Fatal(err)
	}
	stop()
	e2, _ := newEnvDir(t, dir, nil)
	e2.publish(t, r) // a resend, as after a classifier crash
	s := e2.waitCase(t, id, nil)
	if s.Status != StatusConfirmed || s.DecidedBy != "alice" {
		t.Errorf("after restart: %+v", s)
	}
	c, err := e2.svc.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.History) != 2 {
		t.Errorf("history after restart and resend: %+v", c.History)
	}
}

// publish puts a result on the bus as the classifier does and waits for
// its case to show in the index at the wanted revision or later.
func (e *env) publish(t *testing.T, r *pipeline.Result) string {
	t.Helper()
	if _, err := e.bus.PublishResult(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	return CaseID(r.Task, r.ReportID)
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (e *env) waitCase(t *testing.T, id string, cond func(Summary) bool) Summary {
	t.Helper()
	var got Summary
	waitFor(t, "case "+id, func() bool {
		e.svc.store.mu.RLock()
		defer e.svc.store.mu.RUnlock()
		s, ok := e.svc.store.index[id]
		got = s
		return ok && (cond == nil || cond(s))
	})
	return got
}

// client is a signed-in browser-like HTTP client.
type client struct {
	*http.Client
	base string
	csrf string
}

func (e *env) login(t *testing.T, user string) *client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &client{Client: &http.Client{Jar: jar}, base: e.srv.URL}
	resp, err := c.Get(c.base + "/login")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	tok := between(string(body), `name="csrf" value="`, `"`)
	resp, err = c.PostForm(c.base+"/login", url.Values{"user": {user}, "password": {"secret-pw"}, "csrf": {tok}, "next": {"/worklist"}})
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/worklist" {
		t.Fatalf("login: %d at %s", resp.StatusCode, resp.Request.URL)
	}
	c.csrf = between(string(page), `name="csrf-token" content="`, `"`)
	if c.csrf == "" {
		t.Fatal("no csrf token on the page")
	}
	return c
}

func between(s, a, b string) string {
	i := strings.Index(s, a)
	if i < 0 {
		return ""
	}
	s = s[i+len(a):]
	j := strings.Index(s, b)
	if j < 0 {
		return ""
	}
	return s[:j]
}

func (c *client) do(t *testing.T, method, path, body string, hdr map[string]string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(csrfHeader, c.csrf)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func feedbackCount(t *testing.T, bus *natsbus.Bus) uint64 {
	t.Helper()
	m, err := bus.StreamMessages(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return m[natsbus.StreamFeedback]
}

func TestResultsBecomeCases(t *testing.T) {
	e := newEnv(t, nil)
	id := e.publish(t, result("hl7:RIS:ACC1", "hl7:RIS:M1", true, t0))
	e.publish(t, result("hl7:RIS:ACC2", "hl7:RIS:M2", false, t0))
	s := e.waitCase(t, id, nil)
	if s.Status != StatusNew || s.LabelName != "pretreatment" || s.Probability != 0.92 {
		t.Errorf("summary %+v", s)
	}
	// A corrected report that no longer flags closes the new case.
	e.publish(t, result("hl7:RIS:ACC1", "hl7:RIS:M3", false, t0.Add(time.Hour)))
	e.waitCase(t, id, func(s Summary) bool { return s.Status == StatusClosed })
	// Let the unflagged result of ACC2 be consumed, then check it made no case.
	e.publish(t, result("hl7:RIS:ACC3", "hl7:RIS:M4", true, t0))
	e.waitCase(t, CaseID("pancreas", "hl7:RIS:ACC3"), nil)
	if _, err := e.svc.Get(context.Background(), CaseID("pancreas", "hl7:RIS:ACC2")); err != ErrNotFound {
		t.Errorf("unflagged result made a case: %v", err)
	}
	c, err := e.svc.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.History) != 2 || c.History[1].Action != ActionResultUpdated {
		t.Errorf("history %+v", c.History)
	}
}

// TestConcurrentConfirmations: navigators confirming one case at the same
// moment all land in its history; none is lost to another's write.
func TestConcurrentConfirmations(t *testing.T) {
	e := newEnv(t, nil)
	id := e.publish(t, result("hl7:RIS:ACC1", "hl7:RIS:M1", true, t0))
	e.waitCase(t, id, nil)
	a, b := e.login(t, "alice"), e.login(t, "bob")
	const rounds = 4
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan string, 2*rounds)
	for _, c := range []*client{a, b} {
		for i := 0; i < rounds; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				code, body := c.do(t, "POST", "/api/worklist/"+id+"/confirm", fmt.Sprintf(`{"reason":"round %d"}`, i), nil)
				if code != 200 {
					errs <- fmt.Sprintf("%d %s", code, body)
				}
			}()
		}
	}
	close(start)
	wg.Wait()
	t.Logf("%d update conflicts retried", e.svc.store.conflicts.Load())
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	c, err := e.svc.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	for _, ev := range c.History {
		if ev.Action == ActionConfirm {
			n[ev.User]++
		}
	}
	if n["alice"] != rounds || n["bob"] != rounds {
		t.Errorf("confirmations in history: %v, want %d each", n, rounds)
	}
	if c.Status != StatusConfirmed {
		t.Errorf("status %s", c.Status)
	}
	waitFor(t, "feedback published", func() bool { return feedbackCount(t, e.bus) == 2*rounds })
	waitFor(t, "pending marks cleared", func() bool {
		c, _ := e.svc.Get(context.Background(), id)
		return len(c.pendingFeedback()) == 0
	})
}

func TestAuthRequired(t *testing.T) {
	e := newEnv(t, nil)
	id := e.publish(t, result("hl7:RIS:ACC1", "hl7:RIS:M1", true, t0))
	e.waitCase(t, id, nil)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, c := range []struct {
		method, path string
		want         int
	}{
		{"GET", "/worklist", 303},
		{"GET", "/worklist/" + id, 303},
		{"GET", "/tumor-board", 303},
		{"GET", "/api/worklist", 401},
		{"GET", "/api/worklist/" + id, 401},
		{"GET", "/api/worklist/events", 401},
		{"GET", "/api/tumor-board", 401},
		{"POST", "/api/worklist/" + id + "/confirm", 401},
		{"GET", "/login", 200},
		{"GET", "/worklist/assets/app.css", 200},
	} {
		req, _ := http.NewRequest(c.method, e.srv.URL+c.path, nil)
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s %s = %d, want %d", c.method, c.path, resp.StatusCode, c.want)
		}
		if c.want == 303 && !strings.HasPrefix(resp.Header.Get("Location"), "/login?next=") {
			t.Errorf("%s redirects to %q", c.path, resp.Header.Get("Location"))
		}
	}

	a := e.login(t, "alice")
	// A POST without the CSRF token, or with another user's, is refused.
	b := e.login(t, "bob")
	for name, hdr := range map[string]map[string]string{
		"no token":        {csrfHeader: ""},
		"other's token":   {csrfHeader: b.csrf},
		"cross-site post": {"Sec-Fetch-Site": "cross-site"},
	} {
		code, body := a.do(t, "POST", "/api/worklist/"+id+"/confirm", `{}`, hdr)
		if code != 403 {
			t.Errorf("%s: %d %s, want 403", name, code, body)
		}
	}
	if feedbackCount(t, e.bus) != 0 {
		t.Error("a refused POST published feedback")
	}
	code, body := a.do(t, "POST", "/api/worklist/"+id+"/confirm", `{}`, nil)
	if code != 200 {
		t.Fatalf("confirm with token: %d %s", code, body)
	}

	// Wrong password: 401 page, no session.
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar}
	resp, _ := hc.Get(e.srv.URL + "/login")
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	tok := between(string(page), `name="csrf" value="`, `"`)
	resp, _ = hc.PostForm(e.srv.URL+"/login", url.Values{"user": {"alice"}, "password": {"wrong"}, "csrf": {tok}})
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("wrong password: %d", resp.StatusCode)
	}
	// A login post without the form's token (login CSRF) is refused.
	resp, _ = (&http.Client{}).PostForm(e.srv.URL+"/login", url.Values{"user": {"alice"}, "password": {"secret-pw"}})
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("login without token: %d", resp.StatusCode)
	}
	// Logging out ends the session.
	req, _ := http.NewRequest("POST", e.srv.URL+"/logout", strings.NewReader(url.Values{"csrf": {a.csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := a.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if code, _ := a.do(t, "GET", "/api/worklist", "", nil); code != 401 {
		t.Errorf("after logout: %d", code)
	}
}

func TestTrustedProxyHeader(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		c.Auth.Users = nil
		c.Auth.TrustedHeader = "X-Remote-User"
		c.Auth.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	})
	get := func(hdr string) int {
		req, _ := http.NewRequest("GET", e.srv.URL+"/api/session", nil)
		if hdr != "" {
			req.Header.Set("X-Remote-User", hdr)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if get("carol") != 200 || get("") != 401 || get("bad name!") != 401 {
		t.Error("trusted header not honoured as configured")
	}

	// From an address that is not a trusted proxy, the header is ignored.
	e2 := newEnv(t, func(c *Config) {
		c.Auth.Users = nil
		c.Auth.TrustedHeader = "X-Remote-User"
		c.Auth.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.9.9.9/32")}
	})
	req, _ := http.NewRequest("GET", e2.srv.URL+"/api/session", nil)
	req.Header.Set("X-Remote-User", "mallory")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("header from an untrusted address: %d", resp.StatusCode)
	}
}

func TestAPIListFilterAndActions(t *testing.T) {
	e := newEnv(t, nil)
	id1 := e.publish(t, result("hl7:RIS:ACC1", "hl7:RIS:M1", true, t0))
	id2 := e.publish(t, result("hl7:RIS:ACC2", "hl7:RIS:M2", true, t0.Add(48*time.Hour)))
	e.waitCase(t, id1, nil)
	e.waitCase(t, id2, nil)
	a := e.login(t, "alice")

	list := func(q string) ListResponse {
		t.Helper()
		code, body := a.do(t, "GET", "/api/worklist?"+q, "", nil)
		if code != 200 {
			t.Fatalf("list %s: %d %s", q, code, body)
		}
		var lr ListResponse
		if err := json.Unmarshal(body, &lr); err != nil {
			t.Fatal(err)
		}
		return lr
	}
	if lr := list(""); lr.Total != 2 || lr.Cases[0].ID != id2 {
		t.Errorf("all: %+v", lr)
	}
	if lr := list("from=" + t0.Add(24*time.Hour).Format(time.RFC3339)); lr.Total != 1 || lr.Cases[0].ID != id2 {
		t.Errorf("from: %+v", lr)
	}
	if code, _ := a.do(t, "GET", "/api/worklist?status=bogus", "", nil); code != 400 {
		t.Errorf("bad status filter: %d", code)
	}

	post := func(id, action, body string) (int, CaseView) {
		t.Helper()
		code, b := a.do(t, "POST", "/api/worklist/"+id+"/"+action, body, nil)
		var v CaseView
		json.Unmarshal(b, &v)
		return code, v
	}
	if code, v := post(id1, "assign", `{"assignee":"me"}`); code != 200 || v.Case.Assignee != "alice" {
		t.Errorf("assign: %d %+v", code, v.Case)
	}
	e.waitCase(t, id1, func(s Summary) bool { return s.Assignee == "alice" })
	if lr := list("assignee=me&status="); lr.Total != 1 || lr.Cases[0].ID != id1 {
		t.Errorf("assignee=me: %+v", lr)
	}
	if code, _ := post(id1, "assign", `{"assignee":"zed"}`); code != 400 {
		t.Errorf("assign to an unknown user: %d", code)
	}
	if code, v := post(id2, "close", `{"reason":"discussed at MDT"}`); code != 200 || v.Case.Status != StatusClosed {
		t.Errorf("close: %d %+v", code, v.Case)
	}
	if code, v := post(id2, "reopen", `{}`); code != 200 || v.Case.Status != StatusNew {
		t.Errorf("reopen: %d %+v", code, v.Case)
	}
	if code, _ := post(id2, "reopen", `{}`); code != 409 {
		t.Errorf("reopen a new case: %d", code)
	}
	if code, _ := post(id1, "reject", `{"reason":""}`); code != 400 {
		t.Errorf("reject without reason: %d", code)
	}
	if code, _ := post(id1, "reject", `{"reason":"benign cyst","label":"nonsense"}`); code != 400 {
		t.Errorf("reject with unknown label: %d", code)
	}
	code, v := post(id1, "reject", `{"reason":"benign cyst","label":"none"}`)
	if code != 200 || v.Case.Status != StatusRejected {
		t.Fatalf("reject: %d %+v", code, v.Case)
	}
	last := v.Case.History[len(v.Case.History)-1]
	if last.Reason != "benign cyst" || last.Label == nil || *last.Label != 0 || last.User != "alice" {
		t.Errorf("reject event %+v", last)
	}
	if code, _ := post(id1, "explode", `{}`); code != 404 {
		t.Errorf("unknown action: %d", code)
	}
	if code, _ := post("pancreas-000000000000000000000000", "confirm", `{}`); code != 404 {
		t.Errorf("unknown case: %d", code)
	}
	if code, _ := post(id1, "confirm", `not json`); code != 400 {
		t.Errorf("bad body: %d", code)
	}
	if code, _ := post(id1, "confirm", `{"reason":"`+strings.Repeat("x", 20<<10)+`"}`); code != 413 {
		t.Errorf("huge body: %d", code)
	}

	// The case view splits the text for highlighting and lists labels.
	code, body := a.do(t, "GET", "/api/worklist/"+id1, "", nil)
	if code != 200 {
		t.Fatal(code)
	}
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Labels) != 3 || len(v.Probabilities) != 3 || v.Probabilities[0].Label != "pretreatment" || len(v.Segments) == 0 {
		t.Errorf("view %+v", v)
	}
	// The published feedback names the label the navigator chose.
	waitFor(t, "feedback", func() bool { return feedbackCount(t, e.bus) == 1 })
	fb := readFeedback(t, e.bus)
	if len(fb) != 1 || fb[0].Decision != pipeline.DecisionRejected || fb[0].Label != 0 || fb[0].ModelLabel != 2 || fb[0].Reason != "benign cyst" {
		t.Errorf("feedback %+v", fb)
	}
}

func readFeedback(t *testing.T, bus *natsbus.Bus) []pipeline.Feedback {
	t.Helper()
	ctx := context.Background()
	cons, err := bus.JetStream().OrderedConsumer(ctx, natsbus.StreamFeedback, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	n := feedbackCount(t, bus)
	var out []pipeline.Feedback
	for uint64(len(out)) < n {
		m, err := cons.Next(jetstream.FetchMaxWait(5 * time.Second))
		if err != nil {
			t.Fatal(err)
		}
		var f pipeline.Feedback
		if err := json.Unmarshal(m.Data(), &f); err != nil {
			t.Fatal(err)
		}
		out = append(out, f)
	}
	return out
}

// TestPendingFeedbackSwept: a decision stored without its Feedback (a crash
// between the two) is published by the sweeper, once.
func TestPendingFeedbackSwept(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		c.Now = func() time.Time { return time.Now().Add(time.Minute) } // past the sweeper's grace
	})
	id := e.publish(t, result("hl7:RIS:ACC1", "hl7:RIS:M1", true, t0))
	e.waitCase(t, id, nil)
	_, err := e.svc.store.update(context.Background(), id, func(c *Case) (*Case, error) {
		return applyRequest(c, Request{Action: ActionConfirm, User: "alice"}, time.Now())
	})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "sweeper", func() bool {
		c, _ := e.svc.Get(context.Background(), id)
		return len(c.pendingFeedback()) == 0
	})
	time.Sleep(500 * time.Millisecond) // more sweeps: still one message
	if n := feedbackCount(t, e.bus); n != 1 {
		t.Errorf("feedback messages %d, want 1", n)
	}
}

// TestLiveUpdatesOutliveServerTimeouts: the event stream stays open past
// the server's read and write timeouts and carries a new case.
func TestLiveUpdatesOutliveServerTimeouts(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.KeepAlive = 300 * time.Millisecond })
	srv := httptest.NewUnstartedServer(e.svc.Handler())
	srv.Config.ReadTimeout = time.Second
	srv.Config.WriteTimeout = time.Second
	srv.Start()
	defer srv.Close()
	a := e.login(t, "alice")
	req, _ := http.NewRequest("GET", srv.URL+"/api/worklist/events", nil)
	for _, ck := range a.Jar.Cookies(mustURL(e.srv.URL)) {
		req.AddCookie(ck)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	time.Sleep(2500 * time.Millisecond)
	id := e.publish(t, result("hl7:RIS:ACC9", "hl7:RIS:M9", true, t0))
	deadline := time.After(10 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("stream closed")
			}
			if strings.HasPrefix(l, "data: ") && strings.Contains(l, id) {
				return
			}
		case <-deadline:
			t.Fatal("no event for the new case")
		}
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

func TestExportFeedback(t *testing.T) {
	e := newEnv(t, nil)
	ids := make([]string, 4)
	for i := range ids {
		ids[i] = e.publish(t, result(fmt.Sprintf("hl7:RIS:ACC%d", i), fmt.Sprintf("hl7:RIS:M%d", i), true, t0))
		e.waitCase(t, ids[i], nil)
	}
	a := e.login(t, "alice")
	steps := []struct{ id, action, body string }{
		{ids[0], "confirm", `{}`},
		{ids[1], "reject", `{"reason":"cyst","label":"none"}`},
		{ids[2], "reject", `{"reason":"unsure"}`},
		{ids[3], "reject", `{"reason":"treated","label":"post_treatment"}`},
		{ids[3], "confirm", `{"reason":"on second look, untreated"}`}, // last decision wins
	}
	for _, s := range steps {
		if code, body := a.do(t, "POST", "/api/worklist/"+s.id+"/"+s.action, s.body, nil); code != 200 {
			t.Fatalf("%s %s: %d %s", s.action, s.id, code, body)
		}
	}
	waitFor(t, "feedback", func() bool { return feedbackCount(t, e.bus) == uint64(len(steps)) })
	ex, st, err := ExportFeedback(context.Background(), e.bus.JetStream(), "pancreas")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, x := range ex {
		got[x.ID] = x.Label
		if x.Text == "" {
			t.Errorf("example %s without text", x.ID)
		}
	}
	want := map[string]int{ids[0]: 2, ids[1]: 0, ids[3]: 2}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("examples %v, want %v", got, want)
	}
	if st.Messages != 5 || st.Cases != 4 || st.Confirmed != 2 || st.Relabeled != 1 || st.Skipped != 1 {
		t.Errorf("stats %+v", st)
	}
	if ex, _, err := ExportFeedback(context.Background(), e.bus.JetStream(), "ir_procedure"); err != nil || len(ex) != 0 {
		t.Errorf("other task: %v %v", ex, err)
	}
}

// TestUpdateRetriesOnConflict forces the race: the first writer reads the
// case, a second writer stores a change, and the first writer's store must
// fail on the revision and retry on the new state, keeping both changes.
func TestUpdateRetriesOnConflict(t *testing.T) {
	e := newEnv(t, nil)
	id := e.publish(t, result("hl7:RIS:ACC1", "hl7:RIS:M1", true, t0))
	e.waitCase(t, id, nil)
	ctx := context.Background()
	read := make(chan struct{})
	proceed := make(chan struct{})
	attempts := 0
	errc := make(chan error, 1)
	go func() {
		_, err := e.svc.store.update(ctx, id, func(c *Case) (*Case, error) {
			attempts++
			if attempts == 1 {
				close(read)
				<-proceed
			}
			return applyRequest(c, Request{Action: ActionConfirm, User: "alice"}, time.Now())
		})
		errc <- err
	}()
	<-read
	if _, err := e.svc.Act(ctx, id, Request{Action: ActionConfirm, User: "bob"}); err != nil {
		t.Fatal(err)
	}
	close(proceed)
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if attempts < 2 {
		t.Errorf("update did not retry after the conflicting write (%d attempts)", attempts)
	}
	c, _ := e.svc.Get(ctx, id)
	var users []string
	for _, ev := range c.History {
		if ev.Action == ActionConfirm {
			users = append(users, ev.User)
		}
	}
	if strings.Join(users, ",") != "bob,alice" {
		t.Errorf("confirmations %v, want bob then alice", users)
	}
}

// TestTwoProcessesShareOneCluster: two worklists on one NATS server share
// the results (each makes cases for some; all cases show in both), and a
// decision taken in one reaches the other's index and live stream.
func TestTwoProcessesShareOneCluster(t *testing.T) {
	ns := natstest.Start(t, "")
	a, _ := newEnvDir(t, ns.URL(), nil)
	b, _ := newEnvDir(t, ns.URL(), nil)
	sub, err := b.svc.store.subscribe()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := 0; i < 20; i++ {
		ids = append(ids, a.publish(t, result(fmt.Sprintf("hl7:RIS:ACC%d", i), fmt.Sprintf("hl7:RIS:M%d", i), true, t0)))
	}
	for _, id := range ids {
		a.waitCase(t, id, nil)
		b.waitCase(t, id, nil)
	}
	if _, err := a.svc.Act(context.Background(), ids[3], Request{Action: ActionConfirm, User: "alice"}); err != nil {
		t.Fatal(err)
	}
	b.waitCase(t, ids[3], func(s Summary) bool { return s.Status == StatusConfirmed })
	deadline := time.After(10 * time.Second)
	for {
		select {
		case s := <-sub:
			if s.ID == ids[3] && s.Status == StatusConfirmed {
				return
			}
		case <-deadline:
			t.Fatal("the other process's live stream did not carry the decision")
		}
	}
}

func TestTumorBoardAPI(t *testing.T) {
	e := newEnv(t, nil)
	idA := e.publish(t, result("hl7:RIS:ACC1", "hl7:RIS:M1", true, t0))
	idB := e.publish(t, result("hl7:RIS:ACC2", "hl7:RIS:M2", true, t0))
	e.waitCase(t, idA, nil)
	e.waitCase(t, idB, nil)
	a := e.login(t, "alice")
	a.do(t, "POST", "/api/worklist/"+idA+"/confirm", `{"reason":"=cmd|calc"}`, nil)
	a.do(t, "POST", "/api/worklist/"+idB+"/reject", `{"reason":"cyst"}`, nil)
	e.waitCase(t, idA, func(s Summary) bool { return s.Status == StatusConfirmed })
	today := time.Now().Format("2006-01-02")

	code, body := a.do(t, "GET", "/api/tumor-board?from="+today+"&to="+today, "", nil)
	var b Board
	if code != 200 || json.Unmarshal(body, &b) != nil || len(b.Cases) != 1 || b.Cases[0].ID != idA {
		t.Fatalf("board: %d %s", code, body)
	}
	code, body = a.do(t, "GET", "/api/tumor-board?from=2000-01-01&to=2000-01-02", "", nil)
	if json.Unmarshal(body, &b); code != 200 || len(b.Cases) != 0 {
		t.Errorf("board of another period: %d %s", code, body)
	}
	if code, _ := a.do(t, "GET", "/api/tumor-board?from="+today+"&to=2000-01-01", "", nil); code != 400 {
		t.Errorf("from after to: %d", code)
	}
	req, _ := http.NewRequest("GET", e.srv.URL+"/api/tumor-board?format=csv&task=pancreas", nil)
	resp, err := a.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	csvBody, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	lines := strings.Split(strings.TrimSpace(string(csvBody)), "\n")
	if resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" || !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("csv headers %v", resp.Header)
	}
	if len(lines) != 2 || !strings.Contains(lines[1], idA) || !strings.Contains(lines[1], "'=cmd|calc") {
		t.Errorf("csv:\n%s", csvBody)
	}
	if code, body := a.do(t, "POST", "/api/tumor-board/fhir-list", "", nil); code != 501 {
		t.Errorf("fhir list without a FHIR server: %d %s", code, body)
	}
}
