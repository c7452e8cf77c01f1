package mllp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Handler turns one received message into the reply to send (an HL7 ACK).
// It is called for one message of a connection at a time, in order; msg is
// only valid until Handle returns (the buffer is reused). A nil reply
// closes the connection. ctx is not cancelled when the server shuts
// down, so that a message being handled is finished; the handler bounds
// its own waits.
type Handler interface {
	Handle(ctx context.Context, msg []byte) []byte
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, msg []byte) []byte

// Handle calls f.
func (f HandlerFunc) Handle(ctx context.Context, msg []byte) []byte { return f(ctx, msg) }

// Config configures a Server. Zero values take the defaults shown.
type Config struct {
	// Addr is the host:port to listen on.
	Addr string
	// TLS, when set, makes the listener speak TLS with this configuration.
	TLS *tls.Config
	// CertFile and KeyFile (PEM) make the listener speak TLS with this
	// certificate; ClientCAFile (PEM) then requires client certificates
	// signed by one of its CAs. They add to TLS when both are set.
	CertFile, KeyFile, ClientCAFile string
	// MaxFrameBytes is the largest message accepted (1 MiB). A larger
	// frame is read to its end, discarded and answered with BadFrame's
	// reply (or the connection is closed when BadFrame is nil).
	MaxFrameBytes int
	// MaxConns is the most connections served at once (256); more are
	// accepted and closed at once.
	MaxConns int
	// IdleTimeout closes a connection that sends nothing this long (10m).
	IdleTimeout time.Duration
	// ReadTimeout is how long a whole frame, once started, may take to
	// arrive, and how long the TLS handshake may take (30s): a slow sender
	// cannot hold a connection open byte by byte.
	ReadTimeout time.Duration
	// WriteTimeout bounds writing a reply (30s).
	WriteTimeout time.Duration
	// ShutdownTimeout bounds the wait for messages in flight after the
	// context is cancelled (20s); then connections are closed.
	ShutdownTimeout time.Duration
	// BadFrame builds the reply to a frame that could not be accepted
	// (err is a *FrameTooLargeError whose Prefix holds the frame's first
	// bytes). nil, or a nil reply, closes the connection.
	BadFrame func(err error, prefix []byte) []byte
	Logger   *slog.Logger
}

func (c *Config) defaults() {
	if c.MaxFrameBytes <= 0 {
		c.MaxFrameBytes = DefaultMaxFrameBytes
	}
	if c.MaxConns <= 0 {
		c.MaxConns = 256
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = 10 * time.Minute
	}
	if c.ReadTimeout <= 0 {
		c.ReadTimeout = 30 * time.Second
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = 30 * time.Second
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = 20 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Server is an MLLP listener.
type Server struct {
	cfg     Config
	h       Handler
	tls     *tls.Config
	log     *slog.Logger
	sem     chan struct{}
	nextID  atomic.Uint64
	mu      sync.Mutex
	ln      net.Listener
	conns   map[*conn]struct{}
	serving bool
}

// NewServer checks cfg, loads its TLS files and returns a server that is
// not yet listening.
func NewServer(cfg Config, h Handler) (*Server, error) {
	cfg.defaults()
	if h == nil {
		return nil, errors.New("mllp server: no handler")
	}
	if cfg.Addr == "" {
		return nil, errors.New("mllp server: no listen address")
	}
	tc, err := serverTLS(cfg)
	if err != nil {
		return nil, err
	}
	return &Server{
		cfg: cfg, h: h, tls: tc,
		log:   cfg.Logger.With("component", "mllp"),
		sem:   make(chan struct{}, cfg.MaxConns),
		conns: map[*conn]struct{}{},
	}, nil
}

func serverTLS(cfg Config) (*tls.Config, error) {
	if cfg.TLS == nil && cfg.CertFile == "" && cfg.KeyFile == "" && cfg.ClientCAFile == "" {
		return nil, nil
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.TLS != nil {
		tc = cfg.TLS.Clone()
	}
	if (cfg.CertFile == "") != (cfg.KeyFile == "") {
		return nil, errors.New("mllp server: TLS certificate and key files go together")
	}
	if cfg.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(cfg.CertFile, cfg.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("mllp server: load TLS certificate: %w", err)
		}
		tc.Certificates = append(tc.Certificates, cert)
	}
	if cfg.ClientCAFile != "" {
		pem, err := os.ReadFile(cfg.ClientCAFile)
		if err != nil {
			return nil, fmt.Errorf("mllp server: read client CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("mllp server: client CA file %s holds no PEM certificate", cfg.ClientCAFile)
		}
		tc.ClientCAs = pool
		tc.ClientAuth = tls.RequireAndVerifyClientCert
	}
	if len(tc.Certificates) == 0 && tc.GetCertificate == nil && tc.GetConfigForClient == nil {
		return nil, errors.New("mllp server: TLS needs a certificate")
	}
	return tc, nil
}

// Listen binds the address, so that Addr is known before Serve runs.
// Serve calls it when it has not been called.
func (s *Server) Listen() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln != nil {
		return nil
	}
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("mllp listen on %s: %w", s.cfg.Addr, err)
	}
	s.ln = ln
	return nil
}

// Addr is the bound address, nil before Listen.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// Serve accepts connections until ctx is cancelled, then stops accepting,
// lets messages in flight finish and be answered (up to
// ShutdownTimeout), closes every connection and returns nil. It returns an
// error only when it cannot listen or accept.
func (s *Server) Serve(ctx context.Context) error {
	if err := s.Listen(); err != nil {
		return err
	}
	s.mu.Lock()
	if s.serving {
		s.mu.Unlock()
		return errors.New("mllp server: Serve called twice")
	}
	s.serving = true
	ln := s.ln
	s.mu.Unlock()

	s.log.Info("mllp listening", "addr", ln.Addr().String(), "tls", s.tls != nil)
	// Handlers finish messages after ctx ends; they keep its values.
	hctx := context.WithoutCancel(ctx)
	var wg sync.WaitGroup
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()

	var acceptErr error
	backoff := 5 * time.Millisecond
	for {
		nc, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) {
				s.log.Warn("mllp accept failed, retrying", "err", err, "backoff", backoff)
				time.Sleep(backoff)
				backoff = min(2*backoff, time.Second)
				continue
			}
			acceptErr = fmt.Errorf("mllp accept on %s: %w", ln.Addr(), err)
			break
		}
		backoff = 5 * time.Millisecond
		select {
		case s.sem <- struct{}{}:
		default:
			connsRefused.Inc()
			s.log.Warn("mllp connection refused: too many connections", "remote", nc.RemoteAddr().String(), "max_conns", s.cfg.MaxConns)
			nc.Close()
			continue
		}
		c := &conn{srv: s, nc: nc, id: s.nextID.Add(1)}
		s.track(c, true)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-s.sem }()
			defer s.track(c, false)
			c.serve(hctx)
		}()
	}
	ln.Close()

	// Shut down: interrupt connections waiting for a frame; those handling
	// a message finish it, answer, then close.
	s.mu.Lock()
	for c := range s.conns {
		c.shutdown()
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(s.cfg.ShutdownTimeout):
		s.log.Warn("mllp shutdown timeout: closing connections with messages in flight")
		s.mu.Lock()
		for c := range s.conns {
			c.nc.Close()
		}
		s.mu.Unlock()
		<-done
	}
	s.log.Info("mllp stopped")
	return acceptErr
}

func (s *Server) track(c *conn, add bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if add {
		s.conns[c] = struct{}{}
		connsOpen.Inc()
	} else {
		delete(s.conns, c)
		connsOpen.Dec()
	}
}

// conn is one client connection.
type conn struct {
	srv *Server
	nc  net.Conn
	id  uint64

	mu      sync.Mutex
	closing bool
}

// setReadDeadline sets the read deadline unless the server is shutting
// down, in which case reads stay interrupted.
func (c *conn) setReadDeadline(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		_ = c.nc.SetReadDeadline(time.Unix(1, 0))
		return
	}
	_ = c.nc.SetReadDeadline(time.Now().Add(d))
}

func (c *conn) shutdown() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closing = true
	_ = c.nc.SetReadDeadline(time.Unix(1, 0))
}

func (c *conn) isClosing() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closing
}

func (c *conn) serve(ctx context.Context) {
	s := c.srv
	cfg := s.cfg
	log := s.log.With("conn", c.id, "remote", c.nc.RemoteAddr().String())
	defer c.nc.Close()
	defer func() {
		// A handler's bug must not take the listener down.
		if p := recover(); p != nil {
			log.Error("mllp handler panicked; connection closed", "panic", fmt.Sprint(p))
		}
	}()
	log.Debug("mllp connection opened")

	rw := io.ReadWriter(c.nc)
	if s.tls != nil {
		tc := tls.Server(c.nc, s.tls)
		hctx, cancel := context.WithTimeout(ctx, cfg.ReadTimeout)
		err := tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			framesDropped.WithLabelValues("tls_handshake").Inc()
			log.Warn("mllp TLS handshake failed", "err", err)
			return
		}
		rw = tc
		defer tc.Close()
	}

	r := NewReader(rw, cfg.MaxFrameBytes)
	inFrame := false
	r.OnFrameStart = func() { inFrame = true; c.setReadDeadline(cfg.ReadTimeout) }
	r.OnJunk = func() {
		log.Warn("mllp bytes outside a frame; expecting a start block soon")
		c.setReadDeadline(cfg.ReadTimeout)
	}
	frames := 0
	var wbuf []byte
	for {
		inFrame = false
		c.setReadDeadline(cfg.IdleTimeout)
		msg, err := r.ReadFrame()
		start := time.Now()
		var reply []byte
		if err != nil {
			var tooLarge *FrameTooLargeError
			switch {
			case errors.As(err, &tooLarge):
				framesDropped.WithLabelValues("too_large").Inc()
				log.Warn("mllp frame too large", "bytes", tooLarge.Size, "limit", tooLarge.Limit)
				if cfg.BadFrame != nil {
					reply = cfg.BadFrame(err, tooLarge.Prefix)
				}
				if reply == nil {
					return
				}
			case c.isClosing():
				log.Debug("mllp connection closed for shutdown", "frames", frames, "partial_frame", inFrame)
				return
			case errors.Is(err, io.EOF) && !inFrame:
				log.Debug("mllp connection closed by peer", "frames", frames)
				return
			case errors.Is(err, ErrJunk):
				framesDropped.WithLabelValues("junk").Inc()
				log.Warn("mllp connection closed: bytes outside frames", "frames", frames)
				return
			case isTimeout(err) && inFrame:
				framesDropped.WithLabelValues("incomplete").Inc()
				log.Warn("mllp connection closed: frame not complete within read timeout", "read_timeout", cfg.ReadTimeout, "frames", frames)
				return
			case isTimeout(err):
				log.Info("mllp connection closed: idle or no start block in time", "frames", frames)
				return
			default:
				if inFrame || errors.Is(err, ErrIncompleteFrame) {
					framesDropped.WithLabelValues("incomplete").Inc()
				}
				log.Warn("mllp connection closed: read failed", "err", err, "frames", frames)
				return
			}
		} else {
			frames++
			reply = s.h.Handle(ctx, msg)
			if reply == nil {
				log.Warn("mllp handler gave no reply; closing connection")
				return
			}
		}
		_ = c.nc.SetWriteDeadline(time.Now().Add(cfg.WriteTimeout))
		// One write per reply (a peer may read it with one recv).
		wbuf = AppendFrame(wbuf[:0], reply)
		if _, err := rw.Write(wbuf); err != nil {
			log.Warn("mllp write reply failed", "err", err)
			// Close the socket itself: a TLS close would first try to
			// send close_notify to a peer that is not reading, and wait
			// another 5 s for it.
			c.nc.Close()
			return
		}
		ackSeconds.Observe(time.Since(start).Seconds())
		if c.isClosing() {
			log.Debug("mllp connection closed for shutdown after reply", "frames", frames)
			return
		}
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
