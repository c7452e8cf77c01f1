// Package httpserver runs radflag's HTTP server: health, metrics and the
// handlers the roles mount (FHIR endpoints, worklist), with bounded
// timeouts and optional (mutual) TLS.
package httpserver

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Config configures the server.
type Config struct {
	Addr              string
	CertFile, KeyFile string
	// ClientCAFile, when set, requires and verifies client certificates.
	ClientCAFile      string
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	ShutdownTimeout   time.Duration
	// Ready reports why radflag cannot serve, or nil; /healthz calls it.
	Ready    func(ctx context.Context) error
	Registry *prometheus.Registry
	Logger   *slog.Logger
}

// Server is the HTTP server. Mount handlers before Serve.
type Server struct {
	cfg Config
	mux *http.ServeMux
	srv *http.Server
	ln  net.Listener
	log *slog.Logger
	// conns maps each open connection to its connInfo.
	conns sync.Map
}

// New binds the listener at once, so that a taken port fails at start.
func New(cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 20 * time.Second
	}
	s := &Server{cfg: cfg, mux: http.NewServeMux(), log: cfg.Logger.With("component", "http")}
	s.mux.HandleFunc("GET /healthz", s.healthz)
	if cfg.Registry != nil {
		s.mux.Handle("GET /metrics", promhttp.HandlerFor(cfg.Registry, promhttp.HandlerOpts{
			Registry: cfg.Registry, Timeout: 10 * time.Second, ErrorLog: slogPrinter{s.log},
		}))
	}
	s.srv = &http.Server{
		Handler:           countRequests(s.mux),
		ConnContext:       s.connContext,
		ConnState:         s.connState,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen http on %s: %w", cfg.Addr, err)
	}
	if cfg.CertFile != "" {
		tc, err := TLSConfig(cfg.CertFile, cfg.KeyFile, cfg.ClientCAFile)
		if err != nil {
			ln.Close()
			return nil, fmt.Errorf("http tls: %w", err)
		}
		ln = tls.NewListener(ln, tc)
	}
	s.ln = ln
	return s, nil
}

// Handle mounts a handler (pattern syntax of net/http.ServeMux).
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// Addr is the bound address.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Serve serves until ctx is cancelled, then shuts down gracefully: it stops
// accepting and lets in-flight requests finish within the shutdown timeout.
func (s *Server) Serve(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() { errc <- s.srv.Serve(s.ln) }()
	s.log.Info("http listening", "addr", s.ln.Addr().String())
	select {
	case err := <-errc:
		return fmt.Errorf("serve http: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	if err := s.srv.Shutdown(sctx); err != nil {
		s.srv.Close()
		return fmt.Errorf("shut down http: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve http: %w", err)
	}
	return nil
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	status := map[string]string{"status": "ok"}
	code := http.StatusOK
	if s.cfg.Ready != nil {
		if err := s.cfg.Ready(ctx); err != nil {
			code = http.StatusServiceUnavailable
			status = map[string]string{"status": "unavailable", "reason": err.Error()}
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(status)
}

// TLSConfig loads a server certificate and, when caFile is set, requires
// client certificates signed by that CA (mutual TLS).
func TLSConfig(certFile, keyFile, caFile string) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("load certificate: %w", err)
	}
	tc := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("read client CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("client CA %s: no certificate found", caFile)
		}
		tc.ClientCAs = pool
		tc.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return tc, nil
}

// connInfo follows one connection, so that one closed before a complete
// request (half-open, slowloris, garbage, a failed TLS handshake) is
// logged with its remote address. net/http answers and closes such
// connections itself and logs only TLS handshake errors.
type connInfo struct {
	opened   time.Time
	sawBytes atomic.Bool  // a request began (net/http's StateActive)
	requests atomic.Int64 // requests that reached a handler
}

type connKey struct{}

func (s *Server) connContext(ctx context.Context, c net.Conn) context.Context {
	ci := &connInfo{opened: time.Now()}
	s.conns.Store(c, ci)
	return context.WithValue(ctx, connKey{}, ci)
}

func (s *Server) connState(c net.Conn, st http.ConnState) {
	v, ok := s.conns.Load(c)
	if !ok {
		return
	}
	ci := v.(*connInfo)
	switch st {
	case http.StateActive:
		ci.sawBytes.Store(true)
	case http.StateHijacked:
		s.conns.Delete(c)
	case http.StateClosed:
		s.conns.Delete(c)
		if ci.requests.Load() > 0 {
			return
		}
		after := time.Since(ci.opened).Round(time.Millisecond).String()
		if ci.sawBytes.Load() {
			s.log.Info("http connection closed before a complete request", "remote", c.RemoteAddr().String(), "after", after)
		} else {
			// Also browsers' unused speculative connections: debug only.
			s.log.Debug("http connection closed without a request", "remote", c.RemoteAddr().String(), "after", after)
		}
	}
}

func countRequests(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ci, ok := r.Context().Value(connKey{}).(*connInfo); ok {
			ci.requests.Add(1)
		}
		h.ServeHTTP(w, r)
	})
}

type slogPrinter struct{ l *slog.Logger }

func (p slogPrinter) Println(v ...any) { p.l.Warn("metrics", "err", fmt.Sprint(v...)) }
