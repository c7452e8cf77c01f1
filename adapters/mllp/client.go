package mllp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"time"
)

// ClientConfig configures a Client.
type ClientConfig struct {
	// Addr is the server's host:port.
	Addr string
	// TLS, when set, makes the client speak TLS (set ServerName, RootCAs,
	// and Certificates for a client certificate).
	TLS *tls.Config
	// DialTimeout bounds connecting and the TLS handshake (10s).
	DialTimeout time.Duration
	// AckTimeout bounds the wait for each reply (30s).
	AckTimeout time.Duration
	// MaxFrameBytes bounds a reply (1 MiB).
	MaxFrameBytes int
}

// ErrAckTimeout is returned when no reply came within the timeout. The
// connection is then out of step and should be closed.
var ErrAckTimeout = errors.New("mllp: no reply within the timeout")

// Client sends messages over one MLLP connection, one at a time.
type Client struct {
	cfg ClientConfig
	nc  net.Conn
	r   *Reader
	buf []byte
}

// Dial connects to cfg.Addr.
func Dial(ctx context.Context, cfg ClientConfig) (*Client, error) {
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = 10 * time.Second
	}
	if cfg.AckTimeout <= 0 {
		cfg.AckTimeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.DialTimeout)
	defer cancel()
	var nc net.Conn
	var err error
	if cfg.TLS != nil {
		d := tls.Dialer{Config: cfg.TLS}
		nc, err = d.DialContext(ctx, "tcp", cfg.Addr)
	} else {
		var d net.Dialer
		nc, err = d.DialContext(ctx, "tcp", cfg.Addr)
	}
	if err != nil {
		return nil, fmt.Errorf("mllp connect to %s: %w", cfg.Addr, err)
	}
	return &Client{cfg: cfg, nc: nc, r: NewReader(nc, cfg.MaxFrameBytes)}, nil
}

// Send writes msg as one frame and returns the reply frame's content (a
// copy). It waits at most AckTimeout or until ctx ends.
func (c *Client) Send(ctx context.Context, msg []byte) ([]byte, error) {
	deadline := time.Now().Add(c.cfg.AckTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if err := c.nc.SetDeadline(deadline); err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { _ = c.nc.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	c.buf = AppendFrame(c.buf[:0], msg)
	if _, err := c.nc.Write(c.buf); err != nil {
		return nil, c.wrap(ctx, "send", err)
	}
	reply, err := c.r.ReadFrame()
	if err != nil {
		return nil, c.wrap(ctx, "read reply", err)
	}
	return append([]byte(nil), reply...), nil
}

func (c *Client) wrap(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("mllp %s to %s: %w", op, c.cfg.Addr, ctx.Err())
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return fmt.Errorf("mllp %s to %s: %w", op, c.cfg.Addr, ErrAckTimeout)
	}
	return fmt.Errorf("mllp %s to %s: %w", op, c.cfg.Addr, err)
}

// Close closes the connection.
func (c *Client) Close() error { return c.nc.Close() }
