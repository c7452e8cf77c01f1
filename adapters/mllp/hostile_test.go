package mllp

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/radflag/radflag/internal/testcerts"
)

// logSink collects JSON log lines from concurrent connections.
type logSink struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logSink) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logSink) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *logSink) logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// lineFor waits up to d for a log line whose "remote" is addr and whose
// message holds want, and returns it.
func (l *logSink) lineFor(t *testing.T, addr, want string, d time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		for _, line := range strings.Split(l.String(), "\n") {
			var m map[string]any
			if json.Unmarshal([]byte(line), &m) != nil {
				continue
			}
			if m["remote"] == addr && strings.Contains(m["msg"].(string), want) {
				return line
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no log line for %s saying %q within %s; log:\n%s", addr, want, d, l.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// clientHello captures the first flight of a real TLS client: a
// ClientHello record, as an interface engine would send it.
func clientHello(t *testing.T, tc *tls.Config) []byte {
	t.Helper()
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	go func() { _ = tls.Client(a, tc).Handshake() }()
	_ = b.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 64<<10)
	n, err := b.Read(buf)
	if err != nil || n < 50 || buf[0] != 0x16 {
		t.Fatalf("no ClientHello captured (%d bytes, %v)", n, err)
	}
	return buf[:n]
}

// patientFrame is an ORU with patient data that must never reach a log.
const patientFrame = "MSH|^~\\&|RIS|HOSP|RADFLAG|HOSP|20260101||ORU^R01|HOSTILE1|P|2.5.1\r" +
	"PID|1||MRN-HOSTILE-31337^^^HOSP^MR||Quartermain^Zebedee||19470203|M\r" +
	"OBX|1|TX|18782-3||Hypodense mass in the pancreatic head of Zebedee||||||F\r"

var patientData = []string{"Quartermain", "Zebedee", "MRN-HOSTILE-31337", "19470203", "Hypodense mass"}

// TestServerHostileTLSClients: on a mutual-TLS listener, clients that open
// TCP and send nothing, stop half way through a ClientHello, speak
// plain MLLP or HTTP, send garbage records, or finish the handshake and
// then stall or never read, are each closed within the configured
// timeouts, each leaves a log line naming its remote address (and not
// what it sent), and a well-behaved client is served throughout.
func TestServerHostileTLSClients(t *testing.T) {
	certs := testcerts.New(t)
	var logs logSink
	const readTimeout, idleTimeout = 400 * time.Millisecond, 1500 * time.Millisecond
	r := start(t, Config{
		CertFile: certs.ServerCert, KeyFile: certs.ServerKey, ClientCAFile: certs.CAFile,
		ReadTimeout: readTimeout, IdleTimeout: idleTimeout, WriteTimeout: 500 * time.Millisecond,
		Logger: logs.logger(),
	}, echo)
	// A well-behaved client on a fresh connection each time (one kept open
	// would itself be closed by the idle timeout).
	check := func(t *testing.T, step string) {
		t.Helper()
		good, err := Dial(context.Background(), ClientConfig{Addr: r.addr, TLS: certs.ClientTLS(true), AckTimeout: 5 * time.Second})
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		defer good.Close()
		if got := send(t, good, "MSH|ok"); got != "ACK:MSH|ok" {
			t.Fatalf("%s: reply %q", step, got)
		}
	}
	check(t, "start")
	hello := clientHello(t, certs.ClientTLS(true))

	raw := []struct {
		name  string
		bytes []byte
	}{
		{"half-open: TCP and nothing else", nil},
		{"half a ClientHello", hello[:len(hello)/2]},
		{"a record header only", hello[:5]},
		{"plain MLLP to the TLS port", AppendFrame(nil, []byte(patientFrame))},
		{"HTTP to the TLS port", []byte("GET /Patient?name=Quartermain HTTP/1.1\r\nHost: x\r\n\r\n")},
		{"a handshake record of garbage", append([]byte{0x16, 0x03, 0x01, 0x00, 0x40}, bytes.Repeat([]byte("Zebedee\xff"), 8)...)},
		{"an oversize record", append([]byte{0x16, 0x03, 0x03, 0xff, 0xff}, hello[5:]...)},
		{"a ClientHello, then garbage", append(append([]byte(nil), hello...), []byte("\x17\x03\x03\x00\x10Quartermain.....")...)},
	}
	for _, tc := range raw {
		t.Run(tc.name, func(t *testing.T) {
			nc, err := net.Dial("tcp", r.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			if len(tc.bytes) > 0 {
				if _, err := nc.Write(tc.bytes); err != nil {
					t.Fatal(err)
				}
			}
			began := time.Now()
			check(t, "while a hostile client is connected")
			if !closedWithin(nc, readTimeout+3*time.Second) {
				t.Fatal("connection not closed")
			}
			if d := time.Since(began); d > readTimeout+2*time.Second {
				t.Errorf("closed after %s; the handshake bound is %s", d, readTimeout)
			}
			logs.lineFor(t, nc.LocalAddr().String(), "TLS handshake failed", 2*time.Second)
			check(t, tc.name)
		})
	}

	tlsDial := func(t *testing.T) *tls.Conn {
		t.Helper()
		tc, err := tls.Dial("tcp", r.addr, certs.ClientTLS(true))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { tc.Close() })
		return tc
	}
	t.Run("handshake, then silence", func(t *testing.T) {
		tc := tlsDial(t)
		began := time.Now()
		if !closedWithin(tc, idleTimeout+3*time.Second) {
			t.Fatal("idle TLS connection not closed")
		}
		if d := time.Since(began); d < idleTimeout/2 || d > idleTimeout+2*time.Second {
			t.Errorf("closed after %s, idle timeout %s", d, idleTimeout)
		}
		logs.lineFor(t, tc.LocalAddr().String(), "idle", 2*time.Second)
		check(t, "silence")
	})
	t.Run("handshake, then half a frame", func(t *testing.T) {
		tc := tlsDial(t)
		frame := AppendFrame(nil, []byte(patientFrame))
		if _, err := tc.Write(frame[:len(frame)/2]); err != nil {
			t.Fatal(err)
		}
		if !closedWithin(tc, readTimeout+3*time.Second) {
			t.Fatal("half a frame kept the connection")
		}
		logs.lineFor(t, tc.LocalAddr().String(), "frame not complete", 2*time.Second)
		check(t, "half a frame")
	})
	t.Run("handshake, then a peer that never reads", func(t *testing.T) {
		tc := tlsDial(t)
		neverReads(t, tc, 500*time.Millisecond+3*time.Second)
		logs.lineFor(t, tc.LocalAddr().String(), "write reply failed", 3*time.Second)
		check(t, "never reads")
	})

	out := logs.String()
	if !utf8.ValidString(out) {
		t.Error("log is not valid UTF-8")
	}
	for _, s := range append(patientData, "Quartermain.....", "/Patient") {
		if strings.Contains(out, s) {
			t.Errorf("log holds %q sent by a hostile client:\n%s", s, out)
		}
	}
}

// neverReads sends frames to a server without reading its replies, until
// the server gives up writing (WriteTimeout) and closes: the write then
// fails. It fails the test if that takes longer than bound.
func neverReads(t *testing.T, nc net.Conn, bound time.Duration) {
	t.Helper()
	frame := AppendFrame(nil, bytes.Repeat([]byte("x"), 60<<10))
	began := time.Now()
	_ = nc.SetWriteDeadline(began.Add(20 * time.Second))
	for {
		if _, err := nc.Write(frame); err != nil {
			if isTimeout(err) {
				t.Fatal("server still reading after 20s although its replies were never read")
			}
			break
		}
	}
	// Before the fix the TLS listener waited 5 s more, trying to send
	// close_notify to the peer that does not read.
	if d := time.Since(began); d > bound {
		t.Errorf("the server took %s to drop a peer that never reads (bound %s)", d, bound)
	}
}

// TestServerHostilePlainClients: on a plain listener, a TLS ClientHello
// (a sender configured for TLS), a peer that never reads its ACKs, and
// MaxConns half-open connections are all bounded: closed, logged with the
// remote address, and the listener serves new clients afterwards.
func TestServerHostilePlainClients(t *testing.T) {
	certs := testcerts.New(t)
	var logs logSink
	const readTimeout = 300 * time.Millisecond
	r := start(t, Config{MaxConns: 4, ReadTimeout: readTimeout, IdleTimeout: time.Second, WriteTimeout: 500 * time.Millisecond, Logger: logs.logger()}, echo)
	good := dial(t, r.addr)
	check := func(t *testing.T, step string) {
		t.Helper()
		if got := send(t, good, "MSH|ok"); got != "ACK:MSH|ok" {
			t.Fatalf("after %s: reply %q", step, got)
		}
	}
	check(t, "start")

	t.Run("a TLS client on the plain port", func(t *testing.T) {
		nc, err := net.Dial("tcp", r.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		tc := tls.Client(nc, certs.ClientTLS(true))
		_ = tc.SetDeadline(time.Now().Add(5 * time.Second))
		began := time.Now()
		if err := tc.Handshake(); err == nil {
			t.Fatal("TLS handshake succeeded on a plain MLLP port")
		}
		if d := time.Since(began); d > readTimeout+2*time.Second {
			t.Errorf("handshake failed only after %s", d)
		}
		logs.lineFor(t, nc.LocalAddr().String(), "closed", 2*time.Second)
		check(t, "ClientHello")
	})
	t.Run("a peer that never reads", func(t *testing.T) {
		nc, err := net.Dial("tcp", r.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		neverReads(t, nc, 500*time.Millisecond+3*time.Second)
		logs.lineFor(t, nc.LocalAddr().String(), "write reply failed", 3*time.Second)
		check(t, "never reads")
	})
	t.Run("every slot held by half-open connections", func(t *testing.T) {
		var held []net.Conn
		for range 3 { // the fourth slot is good's
			nc, err := net.Dial("tcp", r.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			nc.Write([]byte{VT, 'M'}) // a frame begun, never finished
			held = append(held, nc)
		}
		check(t, "slots full")
		for _, nc := range held {
			if !closedWithin(nc, readTimeout+3*time.Second) {
				t.Fatal("a half-open connection kept its slot")
			}
		}
		// New clients get the freed slots.
		for i := range 3 {
			c, err := Dial(context.Background(), ClientConfig{Addr: r.addr, AckTimeout: 3 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Send(context.Background(), []byte("MSH|again")); err != nil {
				t.Fatalf("client %d after the half-open ones closed: %v", i, err)
			}
			c.Close()
		}
	})
}
