package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/radflag/radflag/adapters/mllp"
	"github.com/radflag/radflag/adapters/natsbus/natstest"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a logger.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startServe runs `radflag serve args...` in-process and returns its HTTP
// base URL and a stop function that cancels it (as SIGTERM does) and
// returns its exit code.
func startServe(t *testing.T, args ...string) (base string, logs *syncBuffer, stop func() int) {
	t.Helper()
	httpAddr := freeAddr(t)
	args = append([]string{"serve", "--http-addr", httpAddr, "--mllp-addr", freeAddr(t)}, args...)
	ctx, cancel := context.WithCancel(context.Background())
	logs = &syncBuffer{}
	done := make(chan int, 1)
	go func() { done <- runMain(ctx, args, io.Discard, logs) }()
	base = "http://" + httpAddr
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			break
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited with %d before listening:\n%s", code, logs)
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve not listening after 30s:\n%s", logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
	var once sync.Once
	code := -1
	stop = func() int {
		once.Do(func() {
			cancel()
			select {
			case code = <-done:
			case <-time.After(30 * time.Second):
				t.Fatal("serve did not stop within 30s of cancel")
			}
		})
		return code
	}
	t.Cleanup(func() { stop() })
	return base, logs, stop
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServeEmbeddedHealthAndMetrics(t *testing.T) {
	base, logs, stop := startServe(t, "--data-dir", t.TempDir(), "--roles", "worklist")
	if code, body := get(t, base+"/healthz"); code != 200 {
		t.Fatalf("/healthz = %d %s", code, body)
	}
	_, body := get(t, base+"/metrics")
	for _, want := range []string{
		`radflag_stream_messages{stream="RADFLAG_REPORTS"} 0`,
		`radflag_stream_messages{stream="RADFLAG_RESULTS"} 0`,
		`radflag_stream_messages{stream="RADFLAG_DLQ"} 0`,
		`radflag_build_info{`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if code := stop(); code != 0 {
		t.Errorf("exit code %d after cancel, want 0; logs:\n%s", code, logs)
	}
	if !strings.Contains(logs.String(), "stopped cleanly") {
		t.Errorf("no clean stop in logs:\n%s", logs)
	}
}

// TestHealthzFollowsBus: /healthz is 503 with a reason while the external
// NATS server is gone, and 200 again when it is back.
func TestHealthzFollowsBus(t *testing.T) {
	srv := natstest.Start(t, "")
	base, _, _ := startServe(t, "--data-dir", t.TempDir(), "--nats-url", srv.URL(), "--roles", "worklist")
	if code, body := get(t, base+"/healthz"); code != 200 {
		t.Fatalf("/healthz = %d %s", code, body)
	}
	srv.Stop()
	waitFor(t, 10*time.Second, func() bool {
		code, body := get(t, base+"/healthz")
		return code == 503 && strings.Contains(body, "reason")
	}, "/healthz 503 after the bus stopped")
	srv.Restart(t)
	waitFor(t, 15*time.Second, func() bool {
		code, _ := get(t, base+"/healthz")
		return code == 200
	}, "/healthz 200 after the bus came back")
}

func waitFor(t *testing.T, d time.Duration, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestServeBadConfigFailsFast(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"bad address", []string{"--mllp-addr", "nohost"}, "mllp.addr"},
		{"unknown role", []string{"--roles", "mllp,dance"}, "roles"},
		{"missing config file", []string{"--config", "/nonexistent/radflag.yaml"}, "config file"},
		{"extra argument", []string{"now"}, "unexpected argument"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stderr bytes.Buffer
			args := append([]string{"serve", "--data-dir", t.TempDir()}, c.args...)
			start := time.Now()
			code := runMain(context.Background(), args, io.Discard, &stderr)
			if code == 0 {
				t.Fatal("exit code 0 for a bad configuration")
			}
			if !strings.Contains(stderr.String(), c.want) {
				t.Errorf("stderr %q does not name %q", stderr.String(), c.want)
			}
			if time.Since(start) > 5*time.Second {
				t.Errorf("took %s to fail", time.Since(start))
			}
		})
	}
}

func TestVersion(t *testing.T) {
	var out bytes.Buffer
	if code := runMain(context.Background(), []string{"version"}, &out, io.Discard); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if !strings.HasPrefix(out.String(), "radflag ") || !strings.Contains(out.String(), "go1.") {
		t.Errorf("version output %q", out.String())
	}
}

func TestHealthCommand(t *testing.T) {
	base, _, _ := startServe(t, "--data-dir", t.TempDir(), "--roles", "worklist")
	var out bytes.Buffer
	if code := runMain(context.Background(), []string{"health", "--url", base + "/healthz"}, &out, io.Discard); code != 0 {
		t.Fatalf("health exit %d: %s", code, out.String())
	}
	if code := runMain(context.Background(), []string{"health", "--url", "http://" + freeAddr(t) + "/healthz", "--timeout", "1s"}, io.Discard, io.Discard); code == 0 {
		t.Error("health exit 0 with nothing listening")
	}
}

// TestServeMLLPStoresReport: an ORU^R01 sent over MLLP to serve is stored
// before its AA, and a resend is stored once.
func TestServeMLLPStoresReport(t *testing.T) {
	msg, err := os.ReadFile("../../../shared/peers/hl7/testdata/oru_ct.cr.hl7")
	if err != nil {
		t.Skipf("shared peers sample not found: %v", err)
	}
	mllpAddr := freeAddr(t)
	base, logs, stop := startServe(t, "--data-dir", t.TempDir(), "--roles", "mllp", "--mllp-addr", mllpAddr)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := mllp.Dial(ctx, mllp.ClientConfig{Addr: mllpAddr})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := 0; i < 2; i++ {
		ack, err := c.Send(ctx, msg)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(ack), "MSA|AA|") {
			t.Fatalf("send %d: ack %q", i, ack)
		}
	}
	_, body := get(t, base+"/metrics")
	if !strings.Contains(body, `radflag_stream_messages{stream="RADFLAG_REPORTS"} 1`) {
		t.Errorf("want one stored report; metrics:\n%s", grepLines(body, "radflag_"))
	}
	if code := stop(); code != 0 {
		t.Errorf("exit %d; logs:\n%s", code, logs)
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestServeFHIRIngest: the fhir role answers POST /fhir/DiagnosticReport
// only with the configured token, and stores the report once.
func TestServeFHIRIngest(t *testing.T) {
	body, err := os.ReadFile("../../testdata/fhir/dr_hapi_ct_abdomen.json")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("RADFLAG_FHIR_INGEST_TOKENS", "s3cret")
	base, _, _ := startServe(t, "--data-dir", t.TempDir(), "--roles", "fhir")
	post := func(token string) int {
		req, _ := http.NewRequest(http.MethodPost, base+"/fhir/DiagnosticReport", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/fhir+json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post(""); code != http.StatusUnauthorized {
		t.Errorf("no token: %d, want 401", code)
	}
	if code := post("wrong"); code != http.StatusUnauthorized {
		t.Errorf("wrong token: %d, want 401", code)
	}
	for i := 0; i < 2; i++ {
		if code := post("s3cret"); code != http.StatusOK {
			t.Fatalf("post %d: %d, want 200", i, code)
		}
	}
	_, metricsBody := get(t, base+"/metrics")
	if !strings.Contains(metricsBody, `radflag_stream_messages{stream="RADFLAG_REPORTS"} 1`) {
		t.Errorf("want one stored report:\n%s", grepLines(metricsBody, "radflag_stream"))
	}
}
