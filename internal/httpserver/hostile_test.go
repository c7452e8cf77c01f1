package httpserver

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/radflag/radflag/internal/testcerts"
)

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

// waitLine waits up to d for a log line holding both addr and want.
func (l *logSink) waitLine(t *testing.T, addr, want string, d time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		for _, line := range strings.Split(l.String(), "\n") {
			if strings.Contains(line, addr) && strings.Contains(line, want) {
				return line
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no log line for %s saying %q within %s; log:\n%s", addr, want, d, l.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// closedWithin reports whether the server closes nc within d, and what it
// sent before closing.
func closedWithin(nc net.Conn, d time.Duration) (bool, []byte) {
	_ = nc.SetReadDeadline(time.Now().Add(d))
	var got []byte
	buf := make([]byte, 4096)
	for {
		n, err := nc.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			var ne net.Error
			return !(errors.As(err, &ne) && ne.Timeout()), got
		}
	}
}

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

// bodyLen is a handler that reads the whole body, as the FHIR endpoints do.
var bodyLen = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	io.WriteString(w, strconv.Itoa(len(b)))
})

const (
	hdrTimeout  = 300 * time.Millisecond
	readTimeout = 800 * time.Millisecond
	idleTimeout = time.Second
)

func hostileServer(t *testing.T, logs *logSink, certs *testcerts.Set) *Server {
	cfg := Config{ReadHeaderTimeout: hdrTimeout, ReadTimeout: readTimeout, WriteTimeout: 2 * time.Second,
		IdleTimeout: idleTimeout, Logger: logs.logger()}
	if certs != nil {
		cfg.CertFile, cfg.KeyFile, cfg.ClientCAFile = certs.ServerCert, certs.ServerKey, certs.CAFile
	}
	s := start(t, cfg)
	s.Handle("/body", bodyLen)
	return s
}

// TestHostileTLSClients: on a mutual-TLS server, clients that open TCP
// and send nothing, stop inside the ClientHello, speak plain HTTP, send
// garbage records, or finish the handshake and then send headers or a
// body byte by byte, send oversize or invalid headers, are each answered
// or closed within the configured timeouts and logged by remote address
// (never by what they sent), while a well-behaved client is served
// throughout.
func TestHostileTLSClients(t *testing.T) {
	certs := testcerts.New(t)
	var logs logSink
	s := hostileServer(t, &logs, certs)
	addr := s.Addr().String()
	good := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: certs.ClientTLS(true)}}
	check := func(t *testing.T, step string) {
		t.Helper()
		resp, err := good.Get("https://" + addr + "/healthz")
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %s", step, resp.Status)
		}
	}
	check(t, "start")
	hello := clientHello(t, certs.ClientTLS(true))

	for _, tc := range []struct {
		name   string
		bytes  []byte
		answer string // what the server sends back before closing, if anything
	}{
		{"half-open: TCP and nothing else", nil, ""},
		{"half a ClientHello", hello[:len(hello)/2], ""},
		{"a record header only", hello[:5], ""},
		{"plain HTTP to the TLS port", []byte("GET /Patient?name=Quartermain HTTP/1.1\r\nHost: x\r\n\r\n"), "400 Bad Request"},
		{"a handshake record of garbage", append([]byte{0x16, 0x03, 0x01, 0x00, 0x40}, bytes.Repeat([]byte("Zebedee\xff"), 8)...), ""},
		{"a ClientHello, then garbage", append(append([]byte(nil), hello...), "\x17\x03\x03\x00\x10Quartermain....."...), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nc, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			nc.Write(tc.bytes)
			began := time.Now()
			check(t, "while a hostile client is connected")
			closed, got := closedWithin(nc, hdrTimeout+3*time.Second)
			if !closed {
				t.Fatal("connection not closed")
			}
			if d := time.Since(began); d > hdrTimeout+2*time.Second {
				t.Errorf("closed after %s; the handshake bound is %s", d, hdrTimeout)
			}
			if tc.answer != "" && !strings.Contains(string(got), tc.answer) {
				t.Errorf("answer %q, want %q", got, tc.answer)
			}
			local := nc.LocalAddr().String()
			logs.waitLine(t, local, "TLS handshake error", 2*time.Second)
			logs.waitLine(t, local, "http connection closed", 2*time.Second)
			check(t, tc.name)
		})
	}

	tlsDial := func(t *testing.T) *tls.Conn {
		t.Helper()
		c, err := tls.Dial("tcp", addr, certs.ClientTLS(true))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	t.Run("handshake, then silence", func(t *testing.T) {
		c := tlsDial(t)
		if closed, _ := closedWithin(c, hdrTimeout+3*time.Second); !closed {
			t.Fatal("silent connection not closed")
		}
		logs.waitLine(t, c.LocalAddr().String(), "closed without a request", 2*time.Second)
		check(t, "silence")
	})
	t.Run("slowloris headers", func(t *testing.T) {
		c := tlsDial(t)
		c.Write([]byte("GET /healthz HTTP/1.1\r\nHost: x\r\n"))
		began := time.Now()
		var werr error
		for i := 0; werr == nil && time.Since(began) < 4*time.Second; i++ {
			_, werr = c.Write([]byte("X-Slow-" + strconv.Itoa(i) + ": Quartermain\r\n"))
			time.Sleep(50 * time.Millisecond)
		}
		if closed, _ := closedWithin(c, 3*time.Second); !closed {
			t.Fatal("a header sent byte by byte kept the connection")
		}
		if d := time.Since(began); d > hdrTimeout+3*time.Second {
			t.Errorf("slowloris held the connection for %s (header timeout %s)", d, hdrTimeout)
		}
		logs.waitLine(t, c.LocalAddr().String(), "before a complete request", 2*time.Second)
		check(t, "slowloris")
	})
	t.Run("slow body", func(t *testing.T) {
		c := tlsDial(t)
		c.Write([]byte("POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n"))
		began := time.Now()
		var werr error
		for werr == nil && time.Since(began) < 5*time.Second {
			_, werr = c.Write([]byte("Zebedee "))
			time.Sleep(50 * time.Millisecond)
			if closed, _ := closedWithin(c, time.Millisecond); closed {
				break
			}
		}
		if closed, _ := closedWithin(c, 3*time.Second); !closed {
			t.Fatal("a body sent byte by byte kept the connection")
		}
		if d := time.Since(began); d > readTimeout+3*time.Second {
			t.Errorf("slow body held the connection for %s (read timeout %s)", d, readTimeout)
		}
		check(t, "slow body")
	})
	for _, tc := range []struct {
		name, request, status string
	}{
		{"oversize headers", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("Quartermain", 8000) + "\r\n\r\n", "431"},
		{"invalid UTF-8 in the path", "GET /fhir/Patient/\xff\xfeQuartermain HTTP/1.1\r\nHost: x\r\n\r\n", "404"},
		{"control bytes in the path", "GET /a\x00b HTTP/1.1\r\nHost: x\r\n\r\n", "400"},
		{"invalid UTF-8 in a header", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Name: Zebedee\xff\r\n\r\n", "200"},
		{"a header without a colon", "GET /healthz HTTP/1.1\r\nHost: x\r\nQuartermain\r\n\r\n", "400"},
		// RFC 9112 6.3: Transfer-Encoding wins and Content-Length is dropped.
		{"Content-Length and chunked together", "POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "200"},
		{"two Content-Lengths", "POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde", "400"},
		{"negative Content-Length", "POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", "400"},
		{"bad chunk size", "POST /body HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nQuartermain\r\n0\r\n\r\n", "400"},
		{"oversize body", "POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n" + strings.Repeat("x", 1<<20+10), "400"},
		{"not HTTP at all", "\x00\x01\x02Zebedee\xff\r\n\r\n", "400"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tlsDial(t)
			c.SetDeadline(time.Now().Add(5 * time.Second))
			go c.Write([]byte(tc.request)) // may block on an oversize request the server stops reading
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatalf("no answer: %v", err)
			}
			resp.Body.Close()
			if !strings.HasPrefix(resp.Status, tc.status) {
				t.Errorf("status %s, want %s", resp.Status, tc.status)
			}
			check(t, tc.name)
		})
	}

	out := logs.String()
	if !utf8.ValidString(out) {
		t.Error("log is not valid UTF-8")
	}
	for _, s := range []string{"Quartermain", "Zebedee", "/Patient"} {
		if strings.Contains(out, s) {
			t.Errorf("log holds %q sent by a hostile client:\n%s", s, out)
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Errorf("log line is not JSON: %s", line)
		}
	}
}

// TestHostilePlainClients: on a plain HTTP server, a half-open connection
// is closed at the header timeout and a TLS ClientHello is answered 400
// and closed, each logged by remote address.
func TestHostilePlainClients(t *testing.T) {
	certs := testcerts.New(t)
	var logs logSink
	s := hostileServer(t, &logs, nil)
	addr := s.Addr().String()
	for _, tc := range []struct {
		name, answer, log string
		bytes             []byte
	}{
		{"half-open", "", "closed without a request", nil},
		{"a TLS ClientHello", "400 Bad Request", "before a complete request", clientHello(t, certs.ClientTLS(true))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nc, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			nc.Write(tc.bytes)
			began := time.Now()
			closed, got := closedWithin(nc, hdrTimeout+3*time.Second)
			if !closed {
				t.Fatal("connection not closed")
			}
			if d := time.Since(began); d > hdrTimeout+2*time.Second {
				t.Errorf("closed after %s", d)
			}
			if !strings.Contains(string(got), tc.answer) {
				t.Errorf("answer %q, want %q", got, tc.answer)
			}
			logs.waitLine(t, nc.LocalAddr().String(), tc.log, 2*time.Second)
			if code, _ := plainGet(t, "http://"+addr+"/healthz"); code != 200 {
				t.Errorf("healthz %d after %s", code, tc.name)
			}
		})
	}
}

func plainGet(t *testing.T, url string) (int, string) {
	t.Helper()
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
