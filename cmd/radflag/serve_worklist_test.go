package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"github.com/radflag/radflag/writeback/fhirpeer"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/crypto/bcrypt"

	"github.com/radflag/radflag/adapters/natsbus"
	"github.com/radflag/radflag/pipeline"
	"github.com/radflag/radflag/worklist"
)

const wlPassword = "correct horse battery"

// wlSystemReportTask is writeback's identifier system for the resources of
// one report and task (writeback.SystemReportTask).
const wlSystemReportTask = "https://radflag.org/fhir/sid/report-task"

// wlServe starts `radflag serve` with the worklist role (plus extra roles)
// on embedded JetStream reachable at a loopback port, and a bus client on it.
func wlServe(t *testing.T, roles, fhirURL string) (base string, bus *natsbus.Bus, logs *syncBuffer, stop func() int, dataDir string) {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte(wlPassword), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	dataDir = t.TempDir()
	natsAddr := freeAddr(t)
	cfg := fmt.Sprintf("data_dir: %s\nroles: [%s]\nnats:\n  embedded_listen: %s\nfhir:\n  url: %q\nworklist:\n  users:\n    alice: %q\n    bob: %q\n",
		dataDir, roles, natsAddr, fhirURL, hash, hash)
	cfgFile := filepath.Join(t.TempDir(), "radflag.yaml")
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	base, logs, stop = startServe(t, "--config", cfgFile)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	bus, err = natsbus.Open(ctx, natsbus.Config{URL: "nats://" + natsAddr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bus.Close() })
	return base, bus, logs, stop, dataDir
}

// wlResult is a flagged pancreas result as the classifier publishes it. The
// text has multi-byte characters before the evidence, so byte offsets and
// the browser's string indices differ.
func wlResult(accession string, received time.Time) (*pipeline.Result, string) {
	text := "Indication: painless jaundice — weight loss 6 kg.\n" +
		"Findings: a 3.2 cm hypoenhancing mass in the pancreatic head (Ø 32 mm) with upstream ductal dilatation.\n" +
		"Impression: suspicious for pancreatic adenocarcinoma; no prior treatment."
	ev := "Findings: a 3.2 cm hypoenhancing mass in the pancreatic head (Ø 32 mm) with upstream ductal dilatation."
	ev2 := "Impression: suspicious for pancreatic adenocarcinoma; no prior treatment."
	s, s2 := strings.Index(text, ev), strings.Index(text, ev2)
	return &pipeline.Result{
		ReportID: "hl7:RIS:" + accession, ReportMessageID: "hl7:RIS:MSG-" + accession, ReportStatus: pipeline.StatusFinal,
		Task: "pancreas", Label: 2, LabelName: "pretreatment", Flag: true,
		Probabilities: map[string]float64{"none": 0.04, "post_treatment": 0.03, "pretreatment": 0.93},
		Evidence:      []pipeline.Evidence{{Text: ev, Start: s, End: s + len(ev), Weight: 0.61}, {Text: ev2, Start: s2, End: s2 + len(ev2), Weight: 0.22}},
		Model:         pipeline.ModelRef{Name: "radflag-pancreas", Version: "20250301-abcdef12", Digest: "abcdef1234567890"},
		Patient:       pipeline.Identifier{System: "urn:oid:1.2.36.146.595.217.0.1", Value: "MRN-" + accession, Type: "MR"},
		Accession:     accession, Procedure: pipeline.Coding{Code: "CTABDC", Display: "CT abdomen with contrast"},
		Source: pipeline.SourceHL7, Text: text, ReceivedAt: received, CreatedAt: received.Add(2 * time.Second),
	}, ev
}

// wlClient is a signed-in API client.
type wlClient struct {
	hc   *http.Client
	base string
	csrf string
}

func wlLogin(t *testing.T, base, user string) *wlClient {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	resp, err := hc.Get(base + "/login")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	tok := wlBetween(string(page), `name="csrf" value="`, `"`)
	resp, err = hc.PostForm(base+"/login", url.Values{"user": {user}, "password": {wlPassword}, "csrf": {tok}})
	if err != nil {
		t.Fatal(err)
	}
	page, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	c := &wlClient{hc: hc, base: base, csrf: wlBetween(string(page), `name="csrf-token" content="`, `"`)}
	if resp.StatusCode != 200 || c.csrf == "" {
		t.Fatalf("login as %s: %d at %s", user, resp.StatusCode, resp.Request.URL)
	}
	return c
}

func wlBetween(s, a, b string) string {
	_, rest, ok := strings.Cut(s, a)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, b)
	return v
}

func (c *wlClient) call(t *testing.T, method, path, body string, out any) int {
	t.Helper()
	req, _ := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode == 200 {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, data)
		}
	}
	return resp.StatusCode
}

func wlWait(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func wlFeedback(t *testing.T, bus *natsbus.Bus, n int) []pipeline.Feedback {
	t.Helper()
	ctx := context.Background()
	wlWait(t, fmt.Sprintf("%d feedback messages", n), 15*time.Second, func() bool {
		m, err := bus.StreamMessages(ctx)
		return err == nil && m[natsbus.StreamFeedback] >= uint64(n)
	})
	cons, err := bus.JetStream().OrderedConsumer(ctx, natsbus.StreamFeedback, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var out []pipeline.Feedback
	for len(out) < n {
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

// wlFHIRPeer starts the FHIR server of ../shared/peers/fhir when its npm
// packages are installed under PEER_MODULES, and returns its base URL.
func wlFHIRPeer(t *testing.T, mods string) string {
	t.Helper()
	if _, err := os.Stat(filepath.Join(mods, "node_modules", "@medplum", "fhir-router")); err != nil {
		t.Log("FHIR peer not installed under PEER_MODULES: the FHIR List and Flag checks are skipped")
		return ""
	}
	// The same Medplum peer the writeback tests run, reached directly.
	return fhirpeer.Start(t).DirectURL
}

func wlSearch(t *testing.T, fhirURL, query string) []map[string]any {
	t.Helper()
	resp, err := http.Get(fhirURL + "/" + query)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b struct {
		Entry []struct {
			Resource map[string]any `json:"resource"`
		} `json:"entry"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&b); err != nil {
		t.Fatalf("search %s: %v", query, err)
	}
	var out []map[string]any
	for _, e := range b.Entry {
		out = append(out, e.Resource)
	}
	return out
}

// TestWorklistInBrowser drives the worklist pages in headless Chromium:
// sign in, see a flag arrive live, open a case with the keyboard, see its
// evidence highlighted, confirm it, reject another with a reason, and
// write the tumour board to the FHIR server. Screenshots are saved under
// the test's temp dir (their paths are logged).
func TestWorklistInBrowser(t *testing.T) {
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Skip("chromium not installed (apt-get install -y chromium, or set CHROMIUM): browser test skipped")
	}
	mods := os.Getenv("PEER_MODULES")
	if mods == "" {
		t.Skip("PEER_MODULES not set (scripts/test.sh installs playwright-core@1.65.1 there): browser test skipped")
	}
	if _, err := os.Stat(filepath.Join(mods, "node_modules", "playwright-core")); err != nil {
		t.Skip("playwright-core not installed under PEER_MODULES (npm install --prefix $PEER_MODULES playwright-core@1.65.1): browser test skipped")
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node not installed: browser test skipped")
	}
	fhirURL := wlFHIRPeer(t, mods)
	roles := "worklist"
	_, haveWriteback := roleStarters["writeback"]
	if fhirURL != "" && haveWriteback {
		roles = "writeback,worklist"
	}
	base, bus, logs, stop, _ := wlServe(t, roles, fhirURL)

	now := time.Now().UTC().Truncate(time.Second)
	resA, evidence := wlResult("ACC-7001", now.Add(-2*time.Hour))
	resB, _ := wlResult("ACC-7002", now.Add(-time.Hour))
	idA, idB := worklist.CaseID("pancreas", resA.ReportID), worklist.CaseID("pancreas", resB.ReportID)
	ctx := context.Background()
	if _, err := bus.PublishResult(ctx, resA); err != nil {
		t.Fatal(err)
	}

	// Unauthenticated: the page redirects to the login, the API answers 401,
	// and a POST without a session is refused.
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for path, want := range map[string]int{"/worklist": 303, "/api/worklist": 401, "/tumor-board": 303, "/api/tumor-board": 401} {
		resp, err := noRedirect.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("unauthenticated GET %s = %d, want %d", path, resp.StatusCode, want)
		}
	}

	// Screenshots go under the test's temp dir, or where
	// RADFLAG_TEST_SCREENSHOTS says, to keep them after the test.
	shots := filepath.Join(t.TempDir(), "screenshots")
	if d := os.Getenv("RADFLAG_TEST_SCREENSHOTS"); d != "" {
		shots = d
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	script, _ := filepath.Abs("testdata/worklist_browser.js")
	nctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(nctx, "node", script)
	fhirFlag := "0"
	if fhirURL != "" {
		fhirFlag = "1"
	}
	cmd.Env = append(os.Environ(), "PEER_MODULES="+mods, "CHROMIUM="+chromium, "WL_BASE="+base, "WL_SHOTS="+shots,
		"WL_USER=alice", "WL_PASS="+wlPassword, "WL_CONFIRM_ACCESSION=ACC-7001", "WL_REJECT_ACCESSION=ACC-7002",
		"WL_EVIDENCE="+evidence, "WL_MODEL_VERSION="+resA.Model.Version, "WL_FHIR="+fhirFlag)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var output []string
	done := false
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := sc.Text()
		output = append(output, line)
		switch {
		case line == "STEP publish-live":
			if _, err := bus.PublishResult(ctx, resB); err != nil {
				t.Error(err)
			}
			io.WriteString(stdin, "ok\n")
		case strings.HasPrefix(line, "SHOT "):
			t.Logf("screenshot: %s", strings.TrimPrefix(line, "SHOT "))
		case strings.HasPrefix(line, "LIST "):
			t.Logf("tumour board: %s", strings.TrimPrefix(line, "LIST "))
		case line == "DONE":
			done = true
		}
	}
	err := cmd.Wait()
	if err != nil || !done {
		t.Fatalf("browser script failed: %v\nstdout:\n%s\nstderr:\n%s\nserve logs:\n%s", err, strings.Join(output, "\n"), stderr.String(), logs)
	}

	// The decisions are stored, with who and why.
	api := wlLogin(t, base, "bob")
	var va, vb worklist.CaseView
	if api.call(t, "GET", "/api/worklist/"+idA, "", &va) != 200 || api.call(t, "GET", "/api/worklist/"+idB, "", &vb) != 200 {
		t.Fatal("cases not readable")
	}
	lastA, lastB := va.Case.History[len(va.Case.History)-1], vb.Case.History[len(vb.Case.History)-1]
	if va.Case.Status != worklist.StatusConfirmed || lastA.Action != worklist.ActionConfirm || lastA.User != "alice" {
		t.Errorf("case A: status %s, last event %+v", va.Case.Status, lastA)
	}
	if vb.Case.Status != worklist.StatusRejected || lastB.User != "alice" || !strings.Contains(lastB.Reason, "cystadenoma") || lastB.LabelName != "none" {
		t.Errorf("case B: status %s, last event %+v", vb.Case.Status, lastB)
	}
	// Both decisions went out as feedback for writeback and training.
	fbs := wlFeedback(t, bus, 2)
	got := map[string]pipeline.Feedback{}
	for _, f := range fbs {
		got[f.CaseID] = f
	}
	if f := got[idA]; f.Decision != pipeline.DecisionConfirmed || f.Label != 2 || f.User != "alice" || f.ResultMsgID != resA.MsgID() {
		t.Errorf("feedback A %+v", f)
	}
	if f := got[idB]; f.Decision != pipeline.DecisionRejected || f.Label != 0 || f.ModelLabel != 2 {
		t.Errorf("feedback B %+v", f)
	}

	if fhirURL != "" {
		lists := wlSearch(t, fhirURL, "List?identifier="+url.QueryEscape(worklist.BoardListSystem+"|"))
		if len(lists) == 0 {
			lists = wlSearch(t, fhirURL, "List")
		}
		if len(lists) != 1 {
			t.Fatalf("FHIR server holds %d tumour-board Lists, want 1", len(lists))
		}
		entries, _ := lists[0]["entry"].([]any)
		if len(entries) != 1 || !strings.Contains(fmt.Sprint(entries[0]), "ACC-7001") {
			t.Errorf("List entries %v, want case A only", entries)
		}
		if haveWriteback {
			// Writeback made a Flag per flagged result; the rejection
			// retired B's as entered-in-error, A's stays active with the
			// confirmation recorded on it.
			flag := func(reportID string) (string, string) {
				fl := wlSearch(t, fhirURL, "Flag?identifier="+url.QueryEscape(wlSystemReportTask+"|"+reportID+":pancreas"))
				if len(fl) != 1 {
					return fmt.Sprintf("%d flags", len(fl)), ""
				}
				js, _ := json.Marshal(fl[0])
				return fmt.Sprint(fl[0]["status"]), string(js)
			}
			var stA, stB, jsA string
			wlWait(t, "Flag statuses on the FHIR server", 30*time.Second, func() bool {
				stA, jsA = flag(resA.ReportID)
				stB, _ = flag(resB.ReportID)
				return stA == "active" && stB == "entered-in-error" && strings.Contains(jsA, `"confirmed"`)
			})
			t.Logf("FHIR Flags: case A %s (review recorded), case B %s", stA, stB)
		} else {
			t.Log("the writeback role is not in this build: the FHIR Flag check is skipped")
		}
	}

	// Audit lines name ids and users, never report text or patient data.
	for _, line := range strings.Split(logs.String(), "\n") {
		if !strings.Contains(line, "component=worklist") {
			continue
		}
		for _, phi := range []string{"MRN-ACC-70", "hypoenhancing", "jaundice", "cystadenoma"} {
			if strings.Contains(line, phi) {
				t.Errorf("worklist log line carries patient data (%s): %s", phi, line)
			}
		}
	}
	if !strings.Contains(logs.String(), "worklist action") {
		t.Error("no audit log line for the actions")
	}
	if code := stop(); code != 0 {
		t.Errorf("serve exit code %d\n%s", code, logs)
	}
}
