package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/radflag/radflag/internal/testcerts"
	"github.com/radflag/radflag/writeback"
	"github.com/radflag/radflag/writeback/fhirpeer"
)

// A patient of the end-to-end no-PHI test: every field is distinctive, so
// that finding it in a log line can only mean it leaked.
type phiPatient struct {
	mrn, ssn, account, family, given, middle, dob, street, postcode, phone, kin string
}

// strings that must never be logged.
func (p phiPatient) phi() []string {
	dobISO := p.dob[:4] + "-" + p.dob[4:6] + "-" + p.dob[6:]
	out := []string{p.mrn, p.family, p.given, p.dob, dobISO}
	for _, s := range []string{p.ssn, p.account, p.middle, p.street, p.postcode, p.phone, p.kin} {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// phiORU is a CT ORU^R01 with a full PID (MRN and SSN in PID-3, name,
// birth date, address, phone, account number, SSN in PID-19) and NK1.
func phiORU(p phiPatient, controlID, accession, status, procedure, text string) []byte {
	segs := []string{
		"MSH|^~\\&|RIS|CITYHOSP|RADFLAG|CITYHOSP|20260115103000||ORU^R01^ORU_R01|" + controlID + "|P|2.5.1|||AL|NE||UNICODE UTF-8",
		"PID|1||" + p.mrn + "^^^CITYHOSP^MR~" + p.ssn + "^^^USSSA^SS||" + p.family + "^" + p.given + "^" + p.middle + "||" + p.dob + "|M|||" +
			p.street + "^^Aberdeen^^" + p.postcode + "^GB||^PRN^PH^^44^" + p.phone + "|||||" + p.account + "|" + p.ssn,
		"NK1|1|" + p.family + "^" + p.kin + "|SPO",
		"PV1|1|O|RAD^CT1^01^CITYHOSP||||1234^Smith^Anna^^^Dr.",
		"ORC|RE|ORD-" + accession + "^EPIC|" + accession + "^RIS||CM",
		"OBR|1|ORD-" + accession + "^EPIC|" + accession + "^RIS|" + procedure + "|||20260115093000|||||||||||||||20260115102500||CT|" + status,
	}
	for i, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) != "" {
			segs = append(segs, fmt.Sprintf("OBX|%d|TX|18782-3^Radiology Study observation^LN||%s||||||%s", i+1, hl7Escape(line), status))
		}
	}
	return []byte(strings.Join(segs, "\r") + "\r")
}

// sentences returns the report's sentences long enough to be its own.
func sentences(text string) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		for _, s := range strings.Split(line, ". ") {
			if s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), ".")); len(s) >= 24 {
				out = append(out, s)
			}
		}
	}
	return out
}

// writeSecret writes a secret file readable only by its owner.
func writeSecret(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// tlsServe is a running `radflag serve` with TLS on both listeners.
type tlsServe struct {
	base, mllpAddr string
	hc             *http.Client // presents the client certificate
	logs           *syncBuffer
	stop           func() int
}

// startServeConfig runs `radflag serve --config file` and waits until its
// /healthz answers over TLS with the client certificate.
func startServeConfig(t *testing.T, cfgFile, httpAddr, mllpAddr string, certs *testcerts.Set) *tlsServe {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncBuffer{}
	done := make(chan int, 1)
	go func() { done <- runMain(ctx, []string{"serve", "--config", cfgFile}, io.Discard, logs) }()
	tr := &http.Transport{TLSClientConfig: certs.ClientTLS(true)}
	s := &tlsServe{base: "https://" + httpAddr, mllpAddr: mllpAddr, logs: logs,
		hc: &http.Client{Timeout: 10 * time.Second, Transport: tr}}
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := s.hc.Get(s.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		select {
		case code := <-done:
			cancel()
			t.Fatalf("serve exited with %d before it was healthy:\n%s", code, logs)
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve not healthy after 60s:\n%s", logs)
		}
		time.Sleep(100 * time.Millisecond)
	}
	var once sync.Once
	code := -1
	s.stop = func() int {
		once.Do(func() {
			cancel()
			select {
			case code = <-done:
			case <-time.After(60 * time.Second):
				t.Error("serve did not stop within 60s of cancel")
			}
			tr.CloseIdleConnections()
		})
		return code
	}
	t.Cleanup(func() { s.stop() })
	return s
}

// tlsLogin signs in to the worklist over TLS and returns a client whose
// calls carry the session cookie and CSRF token.
func tlsLogin(t *testing.T, s *tlsServe, certs *testcerts.Set, user, password string) *wlClient {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: certs.ClientTLS(true)}}
	resp, err := hc.Get(s.base + "/login")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	tok := wlBetween(string(page), `name="csrf" value="`, `"`)
	resp, err = hc.PostForm(s.base+"/login", url.Values{"user": {user}, "password": {password}, "csrf": {tok}})
	if err != nil {
		t.Fatal(err)
	}
	page, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	c := &wlClient{hc: hc, base: s.base, csrf: wlBetween(string(page), `name="csrf-token" content="`, `"`)}
	if resp.StatusCode != 200 || c.csrf == "" {
		t.Fatalf("login as %s: %d at %s", user, resp.StatusCode, resp.Request.URL)
	}
	return c
}

// alertSink receives the writeback's alert webhook and checks signatures.
type alertSink struct {
	secret         []byte
	good, badSigns atomic.Int64
}

func (a *alertSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err := writeback.VerifySignature(a.secret, body, r.Header.Get(writeback.SignatureHeader), time.Now(), time.Minute); err != nil {
		a.badSigns.Add(1)
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	a.good.Add(1)
}

// TestNoPHIEndToEnd runs the whole of `radflag serve` — every role, TLS
// and mutual TLS on the MLLP listener and the HTTP server, secrets from
// files, logs at debug level — and sends it patients' reports over MLLP
// (with `radflag send`) and FHIR (DiagnosticReport and notification),
// good and bad; waits for classification, the worklist, and (with the
// Medplum peer) the FHIR Flag, Observation, tumour-board List and the
// signed alert webhook; then searches every log line and every /metrics
// line for the patients' names, identifiers (MRN, SSN, account number),
// birth dates, address, phone, next of kin, the report sentences, a
// navigator's free-text reason, and every secret. None may appear.
//
// Accession numbers, MSH-10 and FHIR resource ids are not searched for:
// they identify the order, message and report, not the patient, and are
// logged on purpose (report ids are built from them) so that an analyst
// can trace a message through radflag.
func TestNoPHIEndToEnd(t *testing.T) {
	var peer *fhirpeer.Server
	if os.Getenv("PEER_MODULES") != "" {
		peer = fhirpeer.Start(t)
	} else {
		t.Log("PEER_MODULES is not set: running without the writeback role (no FHIR Flag, Observation, List or alert); scripts/test.sh sets it")
	}
	useBaselineModels(t)
	pretreatment, noCancer, lungBiopsy := pick(t, "pancreas", 2), pick(t, "pancreas", 0), pick(t, "ir_procedure", 3)
	fhirPretreatment := pick(t, "pancreas", 2)

	zebedee := phiPatient{mrn: "MRN-PHI-424242", ssn: "987-65-4321", account: "ACCT-55501", family: "Quartermain", given: "Zebedee",
		middle: "Algernon", dob: "19470203", street: "17 Gallowgate Lane", postcode: "AB10 1XY", phone: "5550134", kin: "Henrietta"}
	philippa := phiPatient{mrn: "MRN-PHI-737373", ssn: "123-45-6789", account: "ACCT-66602", family: "Featherstonehaugh", given: "Philippa",
		middle: "Wilhelmina", dob: "19610918", street: "4 Tolbooth Wynd", postcode: "KY16 9AL", phone: "5550199", kin: "Bartholomew"}
	ottoline := phiPatient{mrn: "MRN-PHI-858585", family: "Brackenbury", given: "Ottoline", dob: "19520714"}
	const reason = "Ottoline Brackenbury had a Whipple in 2019, see MRN-PHI-858585"

	certs := testcerts.New(t)
	dir := t.TempDir()
	const (
		ingestToken   = "ingest-token-NOPHI-7f3a9c21"
		bearerToken   = "bearer-token-NOPHI-c0ffee99"
		sessionSecret = "session-secret-NOPHI-0123456789abcdef0123456789"
		webhookSecret = "webhook-secret-NOPHI-5e5e5e5e"
		password      = "navigator password NOPHI"
	)
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	secrets := []string{ingestToken, bearerToken, sessionSecret, webhookSecret, password, string(hash)}
	alerts := &alertSink{secret: []byte(webhookSecret)}
	alertSrv := httptest.NewServer(alerts)
	defer alertSrv.Close()

	roles, fhirURL, writebackCfg := "mllp,fhir,classify,worklist", `""`, ""
	if peer != nil {
		roles, fhirURL = "mllp,fhir,classify,writeback,worklist", peer.URL
		writebackCfg = fmt.Sprintf("writeback:\n  backoff_min: 100ms\n  backoff_max: 1s\n  alert_webhook_url: %s\n  alert_webhook_secret_file: %s\n",
			alertSrv.URL, writeSecret(t, dir, "webhook.secret", webhookSecret+"\n"))
	}
	httpAddr, mllpAddr := freeAddr(t), freeAddr(t)
	cfg := fmt.Sprintf(`data_dir: %s
roles: [%s]
log: {level: debug, format: json}
http:
  addr: %s
  tls: {cert_file: %s, key_file: %s, client_ca_file: %s}
mllp:
  addr: %s
  max_frame_bytes: 65536
  read_timeout: 2s
  tls: {cert_file: %s, key_file: %s, client_ca_file: %s}
fhir:
  url: %s
  bearer_token_file: %s
  ingest_tokens_file: %s
worklist:
  users_file: %s
  session_secret_file: %s
%s`, filepath.Join(dir, "data"), roles, httpAddr, certs.ServerCert, certs.ServerKey, certs.CAFile,
		mllpAddr, certs.ServerCert, certs.ServerKey, certs.CAFile, fhirURL,
		writeSecret(t, dir, "bearer.token", bearerToken+"\n"),
		writeSecret(t, dir, "ingest.tokens", "# senders\n"+ingestToken+"\n"),
		writeSecret(t, dir, "users", "alice:"+string(hash)+"\n"),
		writeSecret(t, dir, "session.secret", sessionSecret+"\n"), writebackCfg)
	cfgFile := writeSecret(t, dir, "radflag.yaml", cfg)
	s := startServeConfig(t, cfgFile, httpAddr, mllpAddr, certs)

	// HL7 over MLLP with mutual TLS, through `radflag send`.
	const ctAbd, lungProc = "74177^CT ABD/PELVIS W CONTRAST^C4", "32555^CT GUIDED LUNG BIOPSY^C4"
	big := phiORU(zebedee, "BAD-BIG", "ACC-NOPHI-9", "F", ctAbd, strings.Repeat(pretreatment+"\n", 1+70000/len(pretreatment)))
	msgs := []struct {
		msg  []byte
		want string
	}{
		{phiORU(zebedee, "NOPHI-1", "ACC-NOPHI-1", "F", ctAbd, pretreatment), "AA"},
		{phiORU(zebedee, "NOPHI-1", "ACC-NOPHI-1", "F", ctAbd, pretreatment), "AA"}, // resent
		{phiORU(philippa, "NOPHI-2", "ACC-NOPHI-2", "F", lungProc, lungBiopsy), "AA"},
		{phiORU(philippa, "NOPHI-3", "ACC-NOPHI-3", "F", ctAbd, noCancer), "AA"},
		{phiORU(zebedee, "NOPHI-4", "ACC-NOPHI-4", "F", ctAbd, "Quartermain \xff\xfe "+noCancer), "AA"}, // not UTF-8
		{bytes.Replace(phiORU(philippa, "NOPHI-5", "ACC-NOPHI-5", "F", ctAbd, noCancer), []byte("|CT|F"), []byte("|MR|F"), 1), "AA"},
		{bytes.Replace(phiORU(zebedee, "NOPHI-6", "ACC-NOPHI-6", "F", ctAbd, noCancer), []byte("ORU^R01^ORU_R01"), []byte("ADT^A08^ADT_A01"), 1), "AA"},
		{phiORU(philippa, "BAD-NOTEXT", "ACC-NOPHI-10", "F", ctAbd, ""), "AR"},
		{bytes.Replace(phiORU(zebedee, "BAD-CHARSET", "ACC-NOPHI-7", "F", ctAbd, noCancer), []byte("UNICODE UTF-8"), []byte("ISO IR87"), 1), "AR"},
		{bytes.Replace(phiORU(zebedee, "BAD-VERSION", "ACC-NOPHI-8", "F", ctAbd, noCancer), []byte("|P|2.5.1|"), []byte("|P|2.1|"), 1), "AR"},
		{big, "AR"},
	}
	var hl7 []byte
	var phi []string
	for _, m := range msgs {
		hl7 = append(hl7, m.msg...)
		hl7 = append(hl7, '\n')
	}
	hl7File := writeSecret(t, dir, "reports.hl7", string(hl7))
	var sendOut, sendErr bytes.Buffer
	code := runMain(context.Background(), []string{"send", "--addr", mllpAddr, "--ca", certs.CAFile, "--cert", certs.ClientCert,
		"--key", certs.ClientKey, "--timeout", "20s", hl7File}, &sendOut, &sendErr)
	if code != 1 {
		t.Errorf("send exit %d, want 1 (some messages are refused): %s %s", code, sendOut.String(), sendErr.String())
	}
	lines := strings.Split(strings.TrimSpace(sendOut.String()), "\n")
	if len(lines) != len(msgs) {
		t.Fatalf("send printed %d lines for %d messages:\n%s\n%s", len(lines), len(msgs), sendOut.String(), sendErr.String())
	}
	for i, m := range msgs {
		if !strings.Contains(lines[i], "): "+m.want) {
			t.Errorf("message %d: %s, want %s", i+1, lines[i], m.want)
		}
	}
	for _, p := range []phiPatient{zebedee, philippa, ottoline} {
		phi = append(phi, p.phi()...)
	}
	for _, text := range []string{pretreatment, noCancer, lungBiopsy, fhirPretreatment} {
		phi = append(phi, sentences(text)...)
	}
	phi = append(phi, reason)

	// FHIR over HTTPS with mutual TLS and the ingest token from its file.
	fhirPost := func(path, token string, body []byte) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, s.base+path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/fhir+json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := s.hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	dr := func(id, status, text, extra string) []byte {
		conclusion, _ := json.Marshal(ottoline.given + " " + ottoline.family + ": " + text)
		return []byte(fmt.Sprintf(`{"resourceType":"DiagnosticReport","id":%q,"meta":{"versionId":"1"},"status":%q,
			"category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0074","code":"RAD"}]}],
			"code":{"coding":[{"system":"http://www.ama-assn.org/go/cpt","code":"74177","display":"CT ABD/PELVIS W CONTRAST"}],"text":"CT ABDOMEN"},
			"subject":{"reference":"#pt","identifier":{"system":"urn:mrn","value":%q},"display":"%s %s"},
			"contained":[{"resourceType":"Patient","id":"pt","identifier":[{"system":"urn:mrn","value":%q}],
				"name":[{"family":%q,"given":[%q]}],"birthDate":"1952-07-14"}],
			"identifier":[{"system":"urn:accession","value":"ACC-NOPHI-F%s"}],
			"conclusion":%s%s}`, id, status, ottoline.mrn, ottoline.given, ottoline.family, ottoline.mrn, ottoline.family, ottoline.given, id, conclusion, extra))
	}
	good := dr("nophi-f1", "final", fhirPretreatment, "")
	for _, c := range []struct {
		name, path, token string
		body              []byte
		want              int
	}{
		{"report", PathDR, ingestToken, good, 200},
		{"resent", PathDR, ingestToken, good, 200},
		{"in a notification", PathNotify, ingestToken, []byte(`{"resourceType":"Bundle","type":"history","entry":[{"resource":` + string(dr("nophi-f2", "final", noCancer, "")) + `}]}`), 200},
		{"patient name as status", PathDR, ingestToken, dr("nophi-f3", ottoline.given+" "+ottoline.family, noCancer, ""), 400},
		{"unknown field named like PHI", PathDR, ingestToken, dr("nophi-f4", "final", noCancer, `,"`+ottoline.family+`":"`+ottoline.mrn+`"`), 400},
		{"a Patient", PathDR, ingestToken, []byte(`{"resourceType":"Patient","name":[{"family":"` + ottoline.family + `"}]}`), 400},
		{"truncated", PathDR, ingestToken, good[:len(good)/2], 400},
		{"not UTF-8", PathDR, ingestToken, bytes.Replace(dr("nophi-f5", "final", noCancer, ""), []byte(ottoline.family), []byte(ottoline.family+"\xff"), 1), 400},
		{"wrong token", PathDR, "guess-" + ottoline.mrn, good, 401},
	} {
		if got := fhirPost(c.path, c.token, c.body); got != c.want {
			t.Errorf("FHIR %s: %d, want %d", c.name, got, c.want)
		}
	}

	// The worklist, signed in with the password whose hash is in users_file.
	nav := tlsLogin(t, s, certs, "alice", password)
	var hl7Case, fhirCase string
	wlWait(t, "the flagged HL7 and FHIR cases", 60*time.Second, func() bool {
		var list struct {
			Cases []struct {
				ID       string `json:"id"`
				ReportID string `json:"report_id"`
			} `json:"cases"`
		}
		if nav.call(t, http.MethodGet, "/api/worklist?task=pancreas", "", &list) != 200 {
			return false
		}
		for _, c := range list.Cases {
			switch {
			case strings.HasSuffix(c.ReportID, ":ACC-NOPHI-1"):
				hl7Case = c.ID
			case c.ReportID == "fhir:nophi-f1":
				fhirCase = c.ID
			}
		}
		return hl7Case != "" && fhirCase != ""
	})
	if code := nav.call(t, http.MethodGet, "/api/worklist/"+url.PathEscape(hl7Case), "", nil); code != 200 {
		t.Errorf("case view: %d", code)
	}
	if code := nav.call(t, http.MethodPost, "/api/worklist/"+url.PathEscape(hl7Case)+"/confirm", "{}", nil); code != 200 {
		t.Errorf("confirm: %d", code)
	}
	body, _ := json.Marshal(map[string]string{"reason": reason})
	if code := nav.call(t, http.MethodPost, "/api/worklist/"+url.PathEscape(fhirCase)+"/reject", string(body), nil); code != 200 {
		t.Errorf("reject: %d", code)
	}
	if code := nav.call(t, http.MethodGet, "/api/worklist/"+url.PathEscape(zebedee.mrn), "", nil); code != 404 {
		t.Errorf("a case named by an MRN: %d, want 404", code)
	}
	if code := nav.call(t, http.MethodGet, "/api/worklist?from="+url.QueryEscape(zebedee.family), "", nil); code != 400 {
		t.Errorf("a bad filter: %d, want 400", code)
	}
	if code := nav.call(t, http.MethodGet, "/api/tumor-board?format=csv", "", nil); code != 200 {
		t.Errorf("tumour board: %d", code)
	}
	// A failed login must not log the name typed.
	if code := postForm(t, s, certs, "/login", url.Values{"user": {zebedee.family}, "password": {zebedee.mrn}}); code == 200 {
		t.Error("login with a patient's name succeeded")
	}

	if peer != nil {
		waitFor(t, 60*time.Second, func() bool { return len(fhirAll(t, peer, "Flag")) >= 2 }, "two Flags in the FHIR server")
		waitFor(t, 60*time.Second, func() bool { return len(fhirAll(t, peer, "Observation")) >= 1 }, "an Observation in the FHIR server")
		if code := nav.call(t, http.MethodPost, "/api/tumor-board/fhir-list", "", nil); code != 200 {
			t.Errorf("tumour board to FHIR: %d", code)
		}
		waitFor(t, 30*time.Second, func() bool { return alerts.good.Load() >= 1 }, "a signed alert")
		if n := alerts.badSigns.Load(); n > 0 {
			t.Errorf("%d alerts not signed with the secret from alert_webhook_secret_file", n)
		}
	}

	resp, err := s.hc.Get(s.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metricsText, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`radflag_reports_stored_total{source="hl7"}`, `radflag_reports_stored_total{source="fhir"}`,
		`radflag_reports_rejected_total{`, `radflag_results_total{`, `radflag_mllp_messages_total{ack="AR"}`,
		`radflag_fhir_request_seconds_count{op="create"}`} {
		if !bytes.Contains(metricsText, []byte(want)) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if code := s.stop(); code != 0 {
		t.Errorf("serve exit %d", code)
	}

	logText := s.logs.String()
	wantLogs := []string{"report stored", "message rejected", "not processed", "mllp frame too large", "fhir", "worklist action",
		"login", "classify task ready", "stopped cleanly"}
	if peer != nil {
		wantLogs = append(wantLogs, "result written", "tumour board written to FHIR")
	}
	for _, w := range wantLogs {
		if !strings.Contains(logText, w) {
			t.Errorf("the log lacks %q: the test did not exercise every path", w)
		}
	}
	n := 0
	sc := bufio.NewScanner(strings.NewReader(logText))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Text()
		n++
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Errorf("log line is not JSON: %s", line)
		}
		for _, p := range phi {
			if strings.Contains(line, p) {
				t.Errorf("log line holds patient data %q:\n%s", p, line)
			}
		}
		for _, sec := range secrets {
			if strings.Contains(line, sec) {
				t.Errorf("log line holds a secret:\n%s", line)
			}
		}
	}
	if n < 30 || !strings.Contains(logText, `"level":"DEBUG"`) {
		t.Errorf("only %d log lines (debug included: %v); the search would prove little", n, strings.Contains(logText, `"level":"DEBUG"`))
	}
	for _, line := range strings.Split(string(metricsText), "\n") {
		for _, p := range append(phi, secrets...) {
			if strings.Contains(line, p) {
				t.Errorf("/metrics line holds %q:\n%s", p, line)
			}
		}
	}
	if len(phi) < 30 {
		t.Errorf("only %d patient data strings searched for", len(phi))
	}
	if os.Getenv("RADFLAG_TEST_SHOW_LOG") != "" {
		t.Log(logText)
	}
	t.Logf("searched %d log lines and %d metrics lines for %d patient data strings and %d secrets", n,
		strings.Count(string(metricsText), "\n"), len(phi), len(secrets))
}

const (
	PathDR     = "/fhir/DiagnosticReport"
	PathNotify = "/fhir/notify"
)

// postForm posts a form without a session and returns the status.
func postForm(t *testing.T, s *tlsServe, certs *testcerts.Set, path string, v url.Values) int {
	t.Helper()
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: certs.ClientTLS(true)},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.PostForm(s.base+path, v)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
