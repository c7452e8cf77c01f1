// Package natsbus is radflag's message bus: JetStream streams for reports,
// results and dead letters, key-value buckets for state, either on a NATS
// server embedded in the process or on an external cluster.
package natsbus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Stream and subject names (design.md, "NATS layout").
const (
	StreamReports = "RADFLAG_REPORTS"
	StreamResults = "RADFLAG_RESULTS"
	StreamDLQ     = "RADFLAG_DLQ"
	// StreamFeedback keeps navigators' confirmations and rejections: they
	// update FHIR and are the next training run's labelled data.
	StreamFeedback = "RADFLAG_FEEDBACK"

	SubjectReports  = "radflag.reports"  // .<source>
	SubjectResults  = "radflag.results"  // .<task>
	SubjectDLQ      = "radflag.dlq"      // .<stage>
	SubjectAlerts   = "radflag.alerts"   // .<task>
	SubjectFeedback = "radflag.feedback" // .<task>
)

// Streams lists the streams radflag manages, in creation order.
var Streams = []string{StreamReports, StreamResults, StreamDLQ, StreamFeedback}

// Config says which NATS to use and how to shape the streams.
type Config struct {
	// URL of an external NATS server or cluster (comma-separated). Empty
	// starts an embedded server storing under DataDir.
	URL string
	// DataDir is where the embedded server keeps JetStream files.
	DataDir string
	// EmbeddedListen, when set (host:port), lets other processes reach the
	// embedded server; empty keeps it in-process only.
	EmbeddedListen string
	// CredsFile authenticates to an external server (NATS .creds file).
	CredsFile string
	// Replicas for streams and buckets (1 on a single server, 3 on a cluster).
	Replicas int
	// DedupWindow is how long a Nats-Msg-Id is remembered.
	DedupWindow time.Duration
	// MaxAge and MaxBytes bound each stream (0 = unlimited).
	MaxAge   time.Duration
	MaxBytes int64
	// PublishTimeout bounds the wait for a PubAck.
	PublishTimeout time.Duration
	// ConnectTimeout bounds the first connection and the stream setup.
	ConnectTimeout time.Duration
	Logger         *slog.Logger
}

func (c *Config) defaults() {
	if c.Replicas <= 0 {
		c.Replicas = 1
	}
	if c.DedupWindow <= 0 {
		c.DedupWindow = 24 * time.Hour
	}
	if c.PublishTimeout <= 0 {
		c.PublishTimeout = 5 * time.Second
	}
	if c.ConnectTimeout <= 0 {
		c.ConnectTimeout = 10 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Bus is a connection to JetStream with radflag's streams in place.
type Bus struct {
	cfg Config
	srv *server.Server // nil when external
	nc  *nats.Conn
	js  jetstream.JetStream
	log *slog.Logger

	// slots are the reply subjects publishes wait on (publish.go).
	slots replySlots
	// closed is closed when the connection is closed for good, so that a
	// publish waiting for its PubAck fails at once rather than at its
	// timeout.
	closed chan struct{}

	closeOnce sync.Once
}

// Open starts the embedded server (or connects to cfg.URL), then creates or
// updates the streams.
func Open(ctx context.Context, cfg Config) (*Bus, error) {
	cfg.defaults()
	b := &Bus{cfg: cfg, log: cfg.Logger.With("component", "natsbus"), closed: make(chan struct{})}
	opts := []nats.Option{
		nats.ClosedHandler(func(*nats.Conn) { close(b.closed) }),
		nats.Name("radflag"),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250 * time.Millisecond),
		nats.Timeout(cfg.ConnectTimeout),
		// Publishes made while disconnected would be buffered and sent
		// later; radflag must instead fail fast so the sender retries.
		nats.ReconnectBufSize(-1),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				b.log.Warn("nats disconnected", "err", err)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) { b.log.Info("nats reconnected", "server", nc.ConnectedServerName()) }),
	}
	var err error
	if cfg.URL == "" {
		if b.srv, err = startEmbedded(cfg); err != nil {
			return nil, err
		}
		opts = append(opts, nats.InProcessServer(b.srv))
		b.nc, err = nats.Connect("", opts...)
	} else {
		if cfg.CredsFile != "" {
			opts = append(opts, nats.UserCredentials(cfg.CredsFile))
		}
		opts = append(opts, nats.RetryOnFailedConnect(false))
		b.nc, err = nats.Connect(cfg.URL, opts...)
	}
	if err != nil {
		b.shutdownServer()
		return nil, fmt.Errorf("connect to nats: %w", err)
	}
	if b.js, err = jetstream.New(b.nc); err != nil {
		b.Close()
		return nil, fmt.Errorf("open jetstream: %w", err)
	}
	setupCtx, cancel := context.WithTimeout(ctx, cfg.ConnectTimeout)
	defer cancel()
	if err := b.ensureStreams(setupCtx); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

func startEmbedded(cfg Config) (*server.Server, error) {
	if cfg.DataDir == "" {
		return nil, errors.New("start embedded nats: no data directory")
	}
	opts := &server.Options{
		ServerName:         "radflag-embedded",
		JetStream:          true,
		StoreDir:           cfg.DataDir,
		DontListen:         cfg.EmbeddedListen == "",
		NoSigs:             true,
		NoLog:              true,
		MaxPayload:         8 << 20,
		JetStreamMaxMemory: 256 << 20,
	}
	if cfg.EmbeddedListen != "" {
		host, port, err := splitHostPort(cfg.EmbeddedListen)
		if err != nil {
			return nil, fmt.Errorf("start embedded nats: listen address: %w", err)
		}
		opts.Host, opts.Port = host, port
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("start embedded nats: %w", err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(cfg.ConnectTimeout) {
		srv.Shutdown()
		return nil, fmt.Errorf("start embedded nats: not ready within %s", cfg.ConnectTimeout)
	}
	return srv, nil
}

func (b *Bus) streamConfig(name, subjects string) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:       name,
		Subjects:   []string{subjects},
		Storage:    jetstream.FileStorage,
		Retention:  jetstream.LimitsPolicy,
		Replicas:   b.cfg.Replicas,
		Duplicates: b.cfg.DedupWindow,
		MaxAge:     b.cfg.MaxAge,
		MaxBytes:   orUnlimited(b.cfg.MaxBytes),
		// Refuse new messages rather than silently dropping old ones when
		// full: a report must never vanish to make room.
		Discard:    jetstream.DiscardNew,
		MaxMsgSize: 8 << 20,
	}
}

func orUnlimited(n int64) int64 {
	if n <= 0 {
		return -1
	}
	return n
}

func (b *Bus) ensureStreams(ctx context.Context) error {
	for _, sc := range []jetstream.StreamConfig{
		b.streamConfig(StreamReports, SubjectReports+".>"),
		b.streamConfig(StreamResults, SubjectResults+".>"),
		b.streamConfig(StreamDLQ, SubjectDLQ+".>"),
		b.streamConfig(StreamFeedback, SubjectFeedback+".>"),
	} {
		if err := b.ensureStream(ctx, sc); err != nil {
			return fmt.Errorf("create or update stream %s: %w", sc.Name, err)
		}
	}
	return nil
}

// streamAttemptTimeout bounds one stream request during setup.
const streamAttemptTimeout = 3 * time.Second

// ensureStream creates stream sc, or updates it when its configuration
// differs. On a cluster every radflag process does this at start, often at
// the same moment, and an update that races the stream's creation can leave
// both requests unanswered for many seconds (seen with nats-server 2.x on a
// fresh three-node cluster: six processes starting together all timed out).
// So a stream that already has the configuration is left alone, each
// request gets a short timeout, and one that timed out, or lost the race to
// create, is tried again until ctx ends.
func (b *Bus) ensureStream(ctx context.Context, sc jetstream.StreamConfig) error {
	delay := 100 * time.Millisecond
	for {
		actx, cancel := context.WithTimeout(ctx, streamAttemptTimeout)
		err := b.ensureStreamOnce(actx, sc)
		cancel()
		if err == nil || !retryableSetup(err) {
			return err
		}
		b.log.Debug("stream setup: trying again", "stream", sc.Name, "err", err)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(delay):
		}
		delay = min(2*delay, time.Second)
	}
}

func (b *Bus) ensureStreamOnce(ctx context.Context, sc jetstream.StreamConfig) error {
	s, err := b.js.Stream(ctx, sc.Name)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		_, err = b.js.CreateStream(ctx, sc)
		return err
	}
	if err != nil {
		return err
	}
	if sameStreamConfig(s.CachedInfo().Config, sc) {
		return nil
	}
	_, err = b.js.UpdateStream(ctx, sc)
	return err
}

// sameStreamConfig compares the fields radflag sets (the server fills in
// the others).
func sameStreamConfig(have, want jetstream.StreamConfig) bool {
	return slices.Equal(have.Subjects, want.Subjects) && have.Storage == want.Storage &&
		have.Retention == want.Retention && have.Replicas == want.Replicas &&
		have.Duplicates == want.Duplicates && have.MaxAge == want.MaxAge &&
		have.MaxBytes == want.MaxBytes && have.Discard == want.Discard && have.MaxMsgSize == want.MaxMsgSize
}

// errCodeNoSuitablePeers is JetStream's "no suitable peers for placement":
// a cluster that has elected its meta leader but not yet heard from every
// server, or one with a server down, cannot place the replicas yet.
const errCodeNoSuitablePeers = 10005

// retryableSetup tells a setup request worth repeating (no answer in time,
// a lost create race, a cluster still electing or forming) from a refusal
// that will not change (a bad configuration). A cluster that stays too
// small for the replicas fails when the setup deadline ends, with the
// server's reason.
func retryableSetup(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) ||
		errors.Is(err, nats.ErrNoResponders) || errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
		return true
	}
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && (apiErr.Code == 503 || apiErr.ErrorCode == errCodeNoSuitablePeers)
}

// JetStream gives consumers and buckets access to the underlying context.
func (b *Bus) JetStream() jetstream.JetStream { return b.js }

// Conn is the NATS connection (for core publishes such as alerts).
func (b *Bus) Conn() *nats.Conn { return b.nc }

// Replicas is the configured replica count, for buckets created by others.
func (b *Bus) Replicas() int { return b.cfg.Replicas }

// Embedded reports whether the bus runs its own server.
func (b *Bus) Embedded() bool { return b.srv != nil }

// Ready reports why the bus cannot serve, or nil. It checks the
// connection and asks JetStream, bounded by ctx.
func (b *Bus) Ready(ctx context.Context) error {
	if b.nc == nil || !b.nc.IsConnected() {
		return errors.New("not connected to nats")
	}
	if _, err := b.js.AccountInfo(ctx); err != nil {
		return fmt.Errorf("jetstream not available: %w", err)
	}
	return nil
}

// StreamMessages returns how many messages each radflag stream holds.
func (b *Bus) StreamMessages(ctx context.Context) (map[string]uint64, error) {
	out := make(map[string]uint64, len(Streams))
	for _, name := range Streams {
		s, err := b.js.Stream(ctx, name)
		if err != nil {
			return out, fmt.Errorf("read stream %s: %w", name, err)
		}
		info, err := s.Info(ctx)
		if err != nil {
			return out, fmt.Errorf("read stream %s info: %w", name, err)
		}
		out[name] = info.State.Msgs
	}
	return out, nil
}

// Close drains the connection (flushing what was published) and stops the
// embedded server. It is safe to call more than once.
func (b *Bus) Close() error {
	var err error
	b.closeOnce.Do(func() {
		if b.nc != nil {
			if derr := b.nc.Drain(); derr != nil {
				b.nc.Close()
			} else {
				select {
				case <-b.closed:
				case <-time.After(10 * time.Second):
					b.nc.Close()
				}
			}
		}
		b.shutdownServer()
	})
	return err
}

func (b *Bus) shutdownServer() {
	if b.srv != nil {
		b.srv.Shutdown()
		b.srv.WaitForShutdown()
	}
}
