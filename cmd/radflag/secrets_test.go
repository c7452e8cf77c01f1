package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// authRecorder is a FHIR server stand-in for the poller: it answers every
// DiagnosticReport search with an empty searchset and records the
// Authorization header radflag sent.
type authRecorder struct {
	mu   sync.Mutex
	auth []string
}

func (a *authRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.auth = append(a.auth, r.Header.Get("Authorization"))
	a.mu.Unlock()
	w.Header().Set("Content-Type", "application/fhir+json")
	io.WriteString(w, `{"resourceType":"Bundle","type":"searchset","total":0,"entry":[]}`)
}

func (a *authRecorder) saw(v string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, h := range a.auth {
		if h == v {
			return true
		}
	}
	return false
}

// TestSecretsFromFilesAndEnv: every secret radflag serve reads from a file
// is read from it — the FHIR bearer token (sent to the FHIR server), the
// ingest tokens (accepted from senders, together with those from the
// environment), the users file (a sign-in works), the session secret (a
// session survives a restart only because both processes read the same
// key) — and the bearer token also comes from RADFLAG_FHIR_BEARER_TOKEN.
// No secret appears in any log line. (The alert webhook secret is checked
// by TestNoPHIEndToEnd, which verifies the signatures.)
func TestSecretsFromFilesAndEnv(t *testing.T) {
	fhirSrv := &authRecorder{}
	ts := httptest.NewServer(fhirSrv)
	defer ts.Close()
	dir := t.TempDir()
	const (
		bearerFile    = "bearer-from-FILE-3b1f"
		bearerEnv     = "bearer-from-ENV-77aa"
		ingestFile    = "ingest-from-FILE-c4d2"
		ingestEnv     = "ingest-from-ENV-e9f0"
		sessionSecret = "session-secret-FILE-aaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		password      = "alice's secret password"
	)
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	secrets := []string{bearerFile, bearerEnv, ingestFile, ingestEnv, sessionSecret, password, string(hash)}
	common := "data_dir: " + filepath.Join(dir, "data") + "\nroles: [fhir, worklist]\nlog: {level: debug, format: json}\n" +
		"worklist:\n  users_file: " + writeSecret(t, dir, "users", "# name:bcrypt\nalice:"+string(hash)+"\n") +
		"\n  session_secret_file: " + writeSecret(t, dir, "session", sessionSecret+"\n") + "\n"
	fileCfg := writeSecret(t, dir, "a.yaml", common+"fhir:\n  url: "+ts.URL+"\n  poll: true\n  poll_interval: 100ms\n"+
		"  bearer_token_file: "+writeSecret(t, dir, "bearer", "\n"+bearerFile+"\n")+
		"\n  ingest_tokens_file: "+writeSecret(t, dir, "ingest", ingestFile+"\n\n# old: retired-token\n")+"\n")
	envCfg := writeSecret(t, dir, "b.yaml", common+"fhir:\n  url: "+ts.URL+"\n  poll: true\n  poll_interval: 100ms\n")
	t.Setenv("RADFLAG_FHIR_INGEST_TOKENS", ingestEnv)

	var allLogs strings.Builder
	// First process: secrets from files (and one ingest token from env).
	base, logs, stop := startServe(t, "--config", fileCfg)
	waitFor(t, 15*time.Second, func() bool { return fhirSrv.saw("Bearer " + bearerFile) }, "the bearer token from bearer_token_file at the FHIR server")
	report, err := os.ReadFile("../../testdata/fhir/dr_hapi_ct_abdomen.json")
	if err != nil {
		t.Fatal(err)
	}
	for token, want := range map[string]int{ingestFile: 200, ingestEnv: 200, "retired-token": 401, bearerFile: 401, "": 401} {
		req, _ := http.NewRequest(http.MethodPost, base+"/fhir/DiagnosticReport", bytes.NewReader(report))
		req.Header.Set("Content-Type", "application/fhir+json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("ingest token %q: %d, want %d", token, resp.StatusCode, want)
		}
	}
	c := wlLoginWithPassword(t, base, "alice", password)
	if code := c.call(t, http.MethodGet, "/api/session", "", nil); code != 200 {
		t.Fatalf("session: %d", code)
	}
	if code := stop(); code != 0 {
		t.Fatalf("exit %d:\n%s", code, logs)
	}
	allLogs.WriteString(logs.String())

	// Second process: the bearer token from the environment, the same
	// session secret file: the first process's session is still good.
	t.Setenv("RADFLAG_FHIR_BEARER_TOKEN", bearerEnv)
	base2, logs2, stop2 := startServe(t, "--config", envCfg)
	waitFor(t, 15*time.Second, func() bool { return fhirSrv.saw("Bearer " + bearerEnv) }, "the bearer token from RADFLAG_FHIR_BEARER_TOKEN at the FHIR server")
	c.base = base2
	if code := c.call(t, http.MethodGet, "/api/session", "", nil); code != 200 {
		t.Errorf("the session of the first process: %d in the second, want 200 (both read session_secret_file)", code)
	}
	if code := stop2(); code != 0 {
		t.Fatalf("exit %d:\n%s", code, logs2)
	}
	allLogs.WriteString(logs2.String())

	for _, line := range strings.Split(allLogs.String(), "\n") {
		for _, s := range secrets {
			if strings.Contains(line, s) {
				t.Errorf("log line holds a secret:\n%s", line)
			}
		}
	}
}

// wlLoginWithPassword signs in over plain HTTP (the cookie jar is keyed by
// host, so the client also works against another port of 127.0.0.1).
func wlLoginWithPassword(t *testing.T, base, user, password string) *wlClient {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	resp, err := hc.Get(base + "/login")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp, err = hc.PostForm(base+"/login", url.Values{"user": {user}, "password": {password}, "csrf": {wlBetween(string(page), `name="csrf" value="`, `"`)}})
	if err != nil {
		t.Fatal(err)
	}
	page, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	c := &wlClient{hc: hc, base: base, csrf: wlBetween(string(page), `name="csrf-token" content="`, `"`)}
	if resp.StatusCode != 200 || c.csrf == "" {
		t.Fatalf("login as %s: %d", user, resp.StatusCode)
	}
	return c
}

// TestServeSecretErrors: a secret that is wrong — too short, too long, not
// a hash, not a key, in a URL radflag cannot reach — stops `radflag serve`
// with an error that names the field or file, never the secret, and no
// log line holds it either.
func TestServeSecretErrors(t *testing.T) {
	const secret = "SeCrEt-0d1e2a3d"
	dir := t.TempDir()
	closed := freeAddr(t) // nothing listens there
	longSecret := strings.Repeat(secret, 300)
	cases := []struct {
		name, yaml string
		env        []string
		want       string
	}{
		{name: "session secret too short", yaml: "roles: [worklist]\nworklist:\n  session_secret_file: " + writeSecret(t, dir, "short", secret+"\n"), want: "session secret"},
		{name: "session secret file too large", yaml: "roles: [worklist]\nworklist:\n  session_secret_file: " + writeSecret(t, dir, "long", longSecret), want: "worklist.session_secret_file"},
		{name: "users file with a plain password", yaml: "roles: [worklist]\nworklist:\n  users_file: " + writeSecret(t, dir, "users", "alice:"+secret+"\n"), want: "users file"},
		{name: "users file in the wrong form", yaml: "roles: [worklist]\nworklist:\n  users_file: " + writeSecret(t, dir, "users2", "alice="+secret+"\n"), want: "users file"},
		{name: "SMART key not a key", yaml: "roles: [fhir]\nfhir:\n  url: http://" + closed + "/fhir\n  smart_client_id: radflag\n  smart_token_url: http://" + closed + "/token\n  smart_key_file: " +
			writeSecret(t, dir, "key.pem", "-----BEGIN PRIVATE KEY-----\n"+secret+"\n-----END PRIVATE KEY-----\n"), want: "smart"},
		{name: "bearer token file too large", yaml: "roles: [fhir]\nfhir:\n  url: http://" + closed + "/fhir\n  bearer_token_file: " + writeSecret(t, dir, "bearer", strings.Repeat(secret, 5000)), want: "fhir.bearer_token_file"},
		{name: "NATS password, wrong scheme", env: []string{"RADFLAG_NATS_URL=natz://radflag:" + secret + "@" + closed}, yaml: "roles: [fhir]\n", want: "nats.url"},
		{name: "NATS password, server down", env: []string{"RADFLAG_NATS_URL=nats://radflag:" + secret + "@" + closed}, yaml: "roles: [fhir]\n", want: "nats"},
		{name: "NATS token, server down", env: []string{"RADFLAG_NATS_URL=nats://" + secret + "@" + closed}, yaml: "roles: [fhir]\n", want: "nats"},
		{name: "webhook URL holding its credential", yaml: "roles: [writeback]\nfhir:\n  url: http://" + closed + "/fhir\nwriteback:\n  alert_webhook_url: hooks.example.org/services/" + secret, want: "writeback.alert_webhook_url"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, kv := range c.env {
				k, v, _ := strings.Cut(kv, "=")
				t.Setenv(k, v)
			}
			cfg := writeSecret(t, t.TempDir(), "c.yaml", "data_dir: "+t.TempDir()+"\nlog: {level: debug}\n"+c.yaml+"\n")
			var stderr bytes.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			code := runMain(ctx, []string{"serve", "--config", cfg, "--http-addr", freeAddr(t), "--mllp-addr", freeAddr(t)}, io.Discard, &stderr)
			if code == 0 {
				t.Fatalf("serve exit 0; stderr:\n%s", stderr.String())
			}
			out := stderr.String()
			if !strings.Contains(out, c.want) {
				t.Errorf("stderr does not name %q:\n%s", c.want, out)
			}
			for _, part := range []string{secret, secret[:7], "0d1e2a3d"} {
				if strings.Contains(out, part) {
					t.Errorf("stderr holds the secret (%q):\n%s", part, out)
				}
			}
		})
	}
}
