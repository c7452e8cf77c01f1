// Package natstest runs real NATS servers with JetStream for tests: in the
// test process, listening on a loopback port, storing under a temp dir.
package natstest

import (
	"net"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Server is a running test server.
type Server struct {
	*server.Server
	opts *server.Options
	port int
}

// Start starts a JetStream server on 127.0.0.1 with a free port, storing in
// dir (t.TempDir() if empty). It is shut down when the test ends.
func Start(t testing.TB, dir string) *Server {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	opts := &server.Options{
		Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: dir,
		NoSigs: true, NoLog: true, ServerName: "natstest",
	}
	s := startOpts(t, opts)
	t.Cleanup(s.Stop)
	return s
}

func startOpts(t testing.TB, opts *server.Options) *Server {
	t.Helper()
	srv, err := server.NewServer(opts)
	if err != nil {
		t.Fatalf("start nats server: %v", err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats server not ready within 10s")
	}
	return &Server{Server: srv, opts: opts, port: srv.Addr().(*net.TCPAddr).Port}
}

// URL is the client URL.
func (s *Server) URL() string { return s.ClientURL() }

// Stop shuts the server down and waits for it.
func (s *Server) Stop() {
	s.Shutdown()
	s.WaitForShutdown()
}

// Restart starts a new server on the same port and store (after Stop).
func (s *Server) Restart(t testing.TB) *Server {
	t.Helper()
	o := *s.opts
	o.Port = s.port
	n := startOpts(t, &o)
	t.Cleanup(n.Stop)
	return n
}
