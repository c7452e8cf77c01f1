package httpserver

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/radflag/radflag/internal/testcerts"
)

func start(t *testing.T, cfg Config) *Server {
	t.Helper()
	cfg.Addr = "127.0.0.1:0"
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return s
}

func TestHealthz(t *testing.T) {
	var ready error
	s := start(t, Config{Ready: func(context.Context) error { return ready }})
	url := "http://" + s.Addr().String() + "/healthz"
	for _, c := range []struct {
		ready error
		code  int
		body  string
	}{
		{nil, 200, `"ok"`},
		{errors.New("not connected to nats"), 503, "not connected to nats"},
	} {
		ready = c.ready
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.code || !strings.Contains(string(b), c.body) {
			t.Errorf("ready=%v: %d %s", c.ready, resp.StatusCode, b)
		}
	}
}

// TestMutualTLS: with a client CA configured, only clients presenting a
// certificate from that CA get an answer.
func TestMutualTLS(t *testing.T) {
	certs := testcerts.New(t)
	s := start(t, Config{CertFile: certs.ServerCert, KeyFile: certs.ServerKey, ClientCAFile: certs.CAFile})
	url := "https://" + s.Addr().String() + "/healthz"
	get := func(tc *tls.Config) error {
		c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: tc}}
		resp, err := c.Get(url)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return errors.New(resp.Status)
		}
		return nil
	}
	if err := get(certs.ClientTLS(true)); err != nil {
		t.Errorf("trusted client: %v", err)
	}
	if err := get(certs.ClientTLS(false)); err == nil {
		t.Error("client without certificate was served")
	}
	other := certs.ClientTLS(false)
	other.Certificates = []tls.Certificate{certs.OtherCAClient}
	if err := get(other); err == nil {
		t.Error("client with a certificate from another CA was served")
	}
	// Plain HTTP to a TLS port gets no answer.
	c := &http.Client{Timeout: 3 * time.Second}
	if resp, err := c.Get("http://" + s.Addr().String() + "/healthz"); err == nil {
		if resp.StatusCode == 200 {
			t.Error("plain HTTP served on the TLS port")
		}
		resp.Body.Close()
	}
}

func TestBusyPortFailsAtStart(t *testing.T) {
	s := start(t, Config{})
	if _, err := New(Config{Addr: s.Addr().String()}); err == nil || !strings.Contains(err.Error(), "listen http") {
		t.Fatalf("err = %v", err)
	}
}
