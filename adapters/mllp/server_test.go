package mllp

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/radflag/radflag/internal/testcerts"
)

// echo answers every message with "ACK:" and the message.
var echo = HandlerFunc(func(_ context.Context, msg []byte) []byte {
	return append([]byte("ACK:"), msg...)
})

type running struct {
	srv     *Server
	addr    string
	stop    context.CancelFunc
	stopped chan struct{} // closed when Serve returned, with err set
	err     error
}

func start(t *testing.T, cfg Config, h Handler) *running {
	t.Helper()
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	srv, err := NewServer(cfg, h)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{srv: srv, addr: srv.Addr().String(), stop: cancel, stopped: make(chan struct{})}
	go func() { r.err = srv.Serve(ctx); close(r.stopped) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.stopped:
		case <-time.After(10 * time.Second):
			t.Error("server did not stop within 10s")
		}
	})
	return r
}

func dial(t *testing.T, addr string) *Client {
	t.Helper()
	c, err := Dial(context.Background(), ClientConfig{Addr: addr, AckTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func send(t *testing.T, c *Client, msg string) string {
	t.Helper()
	reply, err := c.Send(context.Background(), []byte(msg))
	if err != nil {
		t.Fatalf("send %q: %v", msg, err)
	}
	return string(reply)
}

// closedWithin reports whether the server closes nc within d.
func closedWithin(nc net.Conn, d time.Duration) bool {
	_ = nc.SetReadDeadline(time.Now().Add(d))
	buf := make([]byte, 1024)
	for {
		_, err := nc.Read(buf)
		if err == nil {
			continue
		}
		return !isTimeout(err)
	}
}

func TestServerManyMessagesPerConnection(t *testing.T) {
	r := start(t, Config{}, echo)
	c := dial(t, r.addr)
	for i := 0; i < 100; i++ {
		msg := strings.Repeat("x", i) + "\rPID|1\r"
		if got := send(t, c, msg); got != "ACK:"+msg {
			t.Fatalf("reply %d = %q", i, got)
		}
	}
}

func TestServerFaultsKeepServingOthers(t *testing.T) {
	var badFrames sync.Map
	cfg := Config{
		MaxFrameBytes: 1024,
		ReadTimeout:   300 * time.Millisecond,
		IdleTimeout:   5 * time.Second,
		BadFrame: func(err error, prefix []byte) []byte {
			badFrames.Store(string(prefix[:min(3, len(prefix))]), true)
			return []byte("REFUSED:" + err.Error())
		},
	}
	r := start(t, cfg, echo)
	good := dial(t, r.addr)
	check := func(step string) {
		t.Helper()
		if got := send(t, good, "MSH|ok"); got != "ACK:MSH|ok" {
			t.Fatalf("after %s: reply %q", step, got)
		}
	}
	check("start")

	t.Run("oversize frame is refused and the connection goes on", func(t *testing.T) {
		c := dial(t, r.addr)
		got := send(t, c, "MSH"+strings.Repeat("x", 5000))
		if !strings.HasPrefix(got, "REFUSED:frame of 5003 bytes is larger than the limit of 1024") {
			t.Errorf("reply = %q", got)
		}
		if _, ok := badFrames.Load("MSH"); !ok {
			t.Error("BadFrame did not get the frame's prefix")
		}
		if got := send(t, c, "next"); got != "ACK:next" {
			t.Errorf("after oversize: %q", got)
		}
		check("oversize")
	})
	t.Run("frame without end is closed after the read timeout", func(t *testing.T) {
		nc, err := net.Dial("tcp", r.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		nc.Write([]byte("\x0bMSH|never ends"))
		check("open frame")
		if !closedWithin(nc, 3*time.Second) {
			t.Error("connection with an unfinished frame not closed")
		}
		check("frame without end")
	})
	t.Run("slowloris is closed after the read timeout", func(t *testing.T) {
		nc, err := net.Dial("tcp", r.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		nc.Write([]byte{VT})
		start := time.Now()
		var werr error
		for time.Since(start) < 3*time.Second && werr == nil {
			_, werr = nc.Write([]byte("x"))
			time.Sleep(50 * time.Millisecond)
		}
		if werr == nil {
			t.Error("a byte-by-byte sender kept the connection for 3s")
		}
		check("slowloris")
	})
	t.Run("garbage bytes close the connection", func(t *testing.T) {
		nc, err := net.Dial("tcp", r.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		nc.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
		if !closedWithin(nc, 3*time.Second) {
			t.Error("connection sending garbage not closed")
		}
		check("garbage")
	})
	t.Run("junk between frames is skipped", func(t *testing.T) {
		nc, err := net.Dial("tcp", r.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		nc.Write([]byte("noise\x0bMSH|a\x1c"))
		rd := NewReader(nc, 0)
		nc.SetReadDeadline(time.Now().Add(3 * time.Second))
		f, err := rd.ReadFrame()
		if err != nil || string(f) != "ACK:MSH|a" {
			t.Errorf("reply = %q, %v", f, err)
		}
		check("junk")
	})
}

func TestServerNilReplyClosesConnection(t *testing.T) {
	r := start(t, Config{}, HandlerFunc(func(context.Context, []byte) []byte { return nil }))
	c := dial(t, r.addr)
	if _, err := c.Send(context.Background(), []byte("x")); err == nil {
		t.Error("got a reply from a handler that gave none")
	}
}

func TestServerIdleTimeout(t *testing.T) {
	r := start(t, Config{IdleTimeout: 200 * time.Millisecond}, echo)
	nc, err := net.Dial("tcp", r.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if !closedWithin(nc, 3*time.Second) {
		t.Error("idle connection not closed")
	}
}

func TestServerMaxConns(t *testing.T) {
	r := start(t, Config{MaxConns: 2}, echo)
	a, b := dial(t, r.addr), dial(t, r.addr)
	send(t, a, "a")
	send(t, b, "b")
	third, err := net.Dial("tcp", r.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer third.Close()
	if !closedWithin(third, 3*time.Second) {
		t.Error("connection over MaxConns not closed")
	}
	a.Close()
	// The slot frees once the server sees a's close.
	deadline := time.Now().Add(3 * time.Second)
	for {
		c, err := Dial(context.Background(), ClientConfig{Addr: r.addr, AckTimeout: time.Second})
		if err == nil {
			_, err = c.Send(context.Background(), []byte("c"))
			c.Close()
			if err == nil {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("slot not freed after a connection closed")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestServerTLSClientCertificates(t *testing.T) {
	certs := testcerts.New(t)
	r := start(t, Config{CertFile: certs.ServerCert, KeyFile: certs.ServerKey, ClientCAFile: certs.CAFile, ReadTimeout: 2 * time.Second}, echo)

	c, err := Dial(context.Background(), ClientConfig{Addr: r.addr, TLS: certs.ClientTLS(true)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got := send(t, c, "MSH|tls"); got != "ACK:MSH|tls" {
		t.Errorf("reply over TLS = %q", got)
	}

	noCert := certs.ClientTLS(false)
	other := certs.ClientTLS(false)
	other.Certificates = []tls.Certificate{certs.OtherCAClient}
	for name, tc := range map[string]*tls.Config{"no client certificate": noCert, "certificate from another CA": other} {
		t.Run(name, func(t *testing.T) {
			c, err := Dial(context.Background(), ClientConfig{Addr: r.addr, TLS: tc, AckTimeout: 2 * time.Second})
			if err == nil {
				defer c.Close()
				// TLS 1.3 reports the refused certificate on the first read.
				_, err = c.Send(context.Background(), []byte("MSH|x"))
			}
			if err == nil {
				t.Error("server accepted the client")
			}
		})
	}

	plain := dial(t, r.addr)
	if _, err := plain.Send(context.Background(), []byte("MSH|plain")); err == nil {
		t.Error("plain MLLP accepted on a TLS listener")
	}
}

func TestServerTLSConfigErrors(t *testing.T) {
	certs := testcerts.New(t)
	for name, cfg := range map[string]Config{
		"cert without key": {Addr: "127.0.0.1:0", CertFile: certs.ServerCert},
		"missing file":     {Addr: "127.0.0.1:0", CertFile: "/nonexistent.pem", KeyFile: "/nonexistent.pem"},
		"CA only":          {Addr: "127.0.0.1:0", ClientCAFile: certs.CAFile},
		"bad CA":           {Addr: "127.0.0.1:0", CertFile: certs.ServerCert, KeyFile: certs.ServerKey, ClientCAFile: certs.ServerKey},
		"no address":       {},
	} {
		if _, err := NewServer(cfg, echo); err == nil {
			t.Errorf("%s: NewServer succeeded", name)
		}
	}
}

func TestServerGracefulShutdown(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	h := HandlerFunc(func(ctx context.Context, msg []byte) []byte {
		if bytes.Equal(msg, []byte("slow")) {
			entered <- struct{}{}
			<-release
			if ctx.Err() != nil {
				return []byte("handler context was cancelled")
			}
		}
		return append([]byte("ACK:"), msg...)
	})
	r := start(t, Config{ShutdownTimeout: 5 * time.Second}, h)
	busy, idle := dial(t, r.addr), dial(t, r.addr)
	send(t, idle, "warm")
	reply := make(chan string, 1)
	go func() {
		b, err := busy.Send(context.Background(), []byte("slow"))
		if err != nil {
			reply <- "error: " + err.Error()
			return
		}
		reply <- string(b)
	}()
	<-entered
	r.stop()
	// The idle connection is closed as soon as the shutdown reaches it.
	for deadline := time.Now().Add(2 * time.Second); ; {
		if _, err := idle.Send(context.Background(), []byte("after stop")); err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("idle connection still served 2s after shutdown began")
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case <-r.stopped:
		t.Fatalf("Serve returned (%v) with a message in flight", r.err)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	if got := <-reply; got != "ACK:slow" {
		t.Errorf("in-flight message got %q, want its ACK", got)
	}
	select {
	case <-r.stopped:
		if r.err != nil {
			t.Errorf("Serve: %v", r.err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after the in-flight message")
	}
	if nc, err := net.DialTimeout("tcp", r.addr, time.Second); err == nil {
		nc.Close()
		t.Error("listener still accepting after shutdown")
	}
}

func TestClientAckTimeout(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	r := start(t, Config{ShutdownTimeout: 100 * time.Millisecond}, HandlerFunc(func(context.Context, []byte) []byte {
		<-block
		return []byte("late")
	}))
	c, err := Dial(context.Background(), ClientConfig{Addr: r.addr, AckTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Send(context.Background(), []byte("x")); !errors.Is(err, ErrAckTimeout) {
		t.Errorf("err = %v, want ErrAckTimeout", err)
	}
}

func TestServerSurvivesHandlerPanic(t *testing.T) {
	r := start(t, Config{}, HandlerFunc(func(_ context.Context, msg []byte) []byte {
		if string(msg) == "boom" {
			panic("handler bug")
		}
		return append([]byte("ACK:"), msg...)
	}))
	c := dial(t, r.addr)
	if _, err := c.Send(context.Background(), []byte("boom")); err == nil {
		t.Error("got a reply from a panicking handler")
	}
	if got := send(t, dial(t, r.addr), "ok"); got != "ACK:ok" {
		t.Errorf("after a panic: %q", got)
	}
}
