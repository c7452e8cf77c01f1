package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/radflag/radflag/adapters/hl7v2"
	"github.com/radflag/radflag/adapters/mllp"
	"github.com/radflag/radflag/adapters/natsbus"
	"github.com/radflag/radflag/internal/testcerts"
)

const sendHL7Dir = "../../testdata/hl7"

// startRadflagMLLP runs the MLLP listener with Ingest on a real embedded
// JetStream, with TLS when certs is set.
func startRadflagMLLP(t *testing.T, certs *testcerts.Set) string {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	bus, err := natsbus.Open(context.Background(), natsbus.Config{DataDir: t.TempDir(), Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	in, err := hl7v2.NewIngest(hl7v2.IngestConfig{Store: bus, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	cfg := mllp.Config{Addr: "127.0.0.1:0", Logger: log, BadFrame: in.BadFrame}
	if certs != nil {
		cfg.CertFile, cfg.KeyFile, cfg.ClientCAFile = certs.ServerCert, certs.ServerKey, certs.CAFile
	}
	srv, err := mllp.NewServer(cfg, in)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ctx) }()
	t.Cleanup(func() { cancel(); <-done; bus.Close() })
	return srv.Addr().String()
}

func runSendArgs(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := runSend(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), err
}

func TestSendToRadflag(t *testing.T) {
	addr := startRadflagMLLP(t, nil)
	// One file with three messages in LF form: stored, not CT, rejected.
	var batch []byte
	for _, f := range []string{"ris_tilde_lines_lf.hl7", "skip_mr_not_ct.hl7", "reject_no_accession.hl7"} {
		b, err := os.ReadFile(filepath.Join(sendHL7Dir, f))
		if err != nil {
			t.Fatal(err)
		}
		batch = append(batch, bytes.ReplaceAll(b, []byte("\r"), []byte("\n"))...)
		batch = append(batch, '\n')
	}
	file := filepath.Join(t.TempDir(), "batch.txt")
	if err := os.WriteFile(file, batch, 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err := runSendArgs(t, "--addr", addr, file)
	if err == nil || !strings.Contains(err.Error(), "1 of 3 messages not accepted (2 AA, 1 AR)") {
		t.Errorf("err = %v, want 1 of 3 not accepted", err)
	}
	for _, want := range []string{
		"batch.txt #1 (MSH-10 WH77100): AA\n",
		"batch.txt #2 (MSH-10 NM20260302-0050): AA: not processed: the order is not a CT study\n",
		"batch.txt #3 (MSH-10 NM20260302-0070): AR: OBR-3 filler order number (accession) and ORC-3 are empty [ERR 101 Required field missing at OBR-3]\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// All accepted: exit status 0.
	out, _, err = runSendArgs(t, "--addr", addr, filepath.Join(sendHL7Dir, "oru_ct.crlf.hl7"), filepath.Join(sendHL7Dir, "ris_latin1_v24.hl7"))
	if err != nil || strings.Count(out, ": AA\n") != 2 {
		t.Errorf("err = %v, output:\n%s", err, out)
	}
}

func TestSendTLS(t *testing.T) {
	certs := testcerts.New(t)
	addr := startRadflagMLLP(t, certs)
	file := filepath.Join(sendHL7Dir, "oru_ct.cr.hl7")
	out, _, err := runSendArgs(t, "--addr", addr, "--ca", certs.CAFile, "--cert", certs.ClientCert, "--key", certs.ClientKey, file)
	if err != nil || !strings.Contains(out, ": AA\n") {
		t.Fatalf("with client certificate: err %v, output %s", err, out)
	}
	_, _, err = runSendArgs(t, "--addr", addr, "--tls", "--ca", certs.CAFile, "--timeout", "2s", file)
	if err == nil {
		t.Error("accepted without a client certificate")
	}
	_, _, err = runSendArgs(t, "--addr", addr, "--timeout", "1s", file)
	if err == nil {
		t.Error("plain MLLP accepted on a TLS listener")
	}
}

func TestSendTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(io.Discard, c); c.Close() }() // never answers
		}
	}()
	out, _, err := runSendArgs(t, "--addr", ln.Addr().String(), "--timeout", "300ms", filepath.Join(sendHL7Dir, "oru_ct.cr.hl7"))
	if err == nil || !strings.Contains(out, "no ACK") || !strings.Contains(err.Error(), "1 no ACK") {
		t.Errorf("err = %v, output %q", err, out)
	}
}

func TestSendUsage(t *testing.T) {
	dir := t.TempDir()
	notHL7 := filepath.Join(dir, "notes.txt")
	os.WriteFile(notHL7, []byte("just some text\n"), 0o644)
	tests := []struct {
		name  string
		args  []string
		usage bool
		want  string
	}{
		{"no addr", []string{"x.hl7"}, true, "--addr"},
		{"no file", []string{"--addr", "127.0.0.1:1"}, true, "no FILE"},
		{"bad addr", []string{"--addr", "localhost", "x"}, true, "--addr"},
		{"cert without key", []string{"--addr", "127.0.0.1:1", "--cert", "c.pem", "x"}, true, "--key"},
		{"missing file", []string{"--addr", "127.0.0.1:1", filepath.Join(dir, "absent.hl7")}, false, "absent.hl7"},
		{"not HL7", []string{"--addr", "127.0.0.1:1", notHL7}, false, "notes.txt"},
	}
	for _, tc := range tests {
		_, _, err := runSendArgs(t, tc.args...)
		if err == nil || errors.Is(err, errUsage) != tc.usage || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want usage=%v mentioning %q", tc.name, err, tc.usage, tc.want)
		}
	}
}

// TestSendToSimpleHL7Server: radflag send gets AA from a third-party MLLP
// server (simple-hl7, ../shared/peers).
func TestSendToSimpleHL7Server(t *testing.T) {
	modules := os.Getenv("PEER_MODULES")
	if modules == "" {
		t.Skip("PEER_MODULES is not set: install the peers with `npm install --prefix DIR --no-audit --no-fund node-hl7-client@3.2.0 simple-hl7@3.3.0` and set PEER_MODULES=DIR (scripts/test.sh does both)")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed")
	}
	port := freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "../../../shared/peers/hl7/clients/server_simple_hl7.js", strconv.Itoa(port))
	cmd.Env = append(os.Environ(), "PEER_MODULES="+modules)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); cmd.Wait() }()
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "simple-hl7 server on") {
				close(ready)
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(20 * time.Second):
		t.Fatal("simple-hl7 server did not start within 20s")
	}
	// It prints its banner before listen() completes.
	for deadline := time.Now().Add(10 * time.Second); ; {
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), time.Second)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("simple-hl7 server not accepting: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	var files []string
	for _, f := range []string{"oru_ct.cr.hl7", "oru_ct.lf.hl7", "oru_ct.crlf.hl7", "oru_ct.ascii.cr.hl7", "ris_latin1_v24.hl7"} {
		files = append(files, filepath.Join(sendHL7Dir, f))
	}
	args := append([]string{"--addr", "127.0.0.1:" + strconv.Itoa(port), "--timeout", "10s"}, files...)
	out, _, err := runSendArgs(t, args...)
	if err != nil || strings.Count(out, ": AA\n") != len(files) {
		t.Fatalf("err = %v, output:\n%s", err, out)
	}
	t.Logf("radflag send against simple-hl7:\n%s", out)
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
