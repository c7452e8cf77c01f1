package worklist

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/sync/errgroup"

	"github.com/radflag/radflag/adapters/natsbus"
	"github.com/radflag/radflag/pipeline"
)

// Config configures the worklist.
type Config struct {
	Bus  *natsbus.Bus
	Auth AuthConfig
	// Labels are each task's labels, offered when a navigator rejects a
	// flag and names the right one (default: DefaultLabels).
	Labels map[string][]LabelDef
	// Lists writes the tumour-board FHIR List; nil disables that button.
	Lists ListWriter
	// Durable is the results consumer's name (default "worklist"): the
	// processes sharing it share the work.
	Durable string
	// MaxLiveClients bounds the open live-update streams (default 256).
	MaxLiveClients int
	// SweepInterval is how often decisions whose Feedback is not yet stored
	// are republished (default 15s).
	SweepInterval time.Duration
	// KeepAlive is the live-update stream's keep-alive period (default 20s).
	KeepAlive time.Duration
	Logger    *slog.Logger
	Now       func() time.Time
}

// Service is the worklist: state, ingest of results, API and pages.
type Service struct {
	cfg   Config
	store *store
	auth  *auth
	log   *slog.Logger
	// done closes when Run returns, ending the live-update streams so that
	// the HTTP server's graceful shutdown is not held up by them.
	done chan struct{}
}

// New opens the worklist bucket and prepares the service; Run starts it.
func New(ctx context.Context, cfg Config) (*Service, error) {
	if cfg.Bus == nil {
		return nil, errors.New("worklist: no bus")
	}
	if cfg.Labels == nil {
		cfg.Labels = DefaultLabels()
	}
	if cfg.Durable == "" {
		cfg.Durable = "worklist"
	}
	if cfg.MaxLiveClients <= 0 {
		cfg.MaxLiveClients = 256
	}
	if cfg.SweepInterval <= 0 {
		cfg.SweepInterval = 15 * time.Second
	}
	if cfg.KeepAlive <= 0 {
		cfg.KeepAlive = 20 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	a, err := newAuth(cfg.Auth, cfg.Now)
	if err != nil {
		return nil, fmt.Errorf("worklist auth: %w", err)
	}
	kv, err := cfg.Bus.KeyValue(ctx, natsbus.BucketWorklist)
	if err != nil {
		return nil, fmt.Errorf("worklist: %w", err)
	}
	return &Service{
		cfg: cfg, store: newStore(kv, cfg.MaxLiveClients), auth: a,
		log: cfg.Logger.With("component", "worklist"), done: make(chan struct{}),
	}, nil
}

// Run indexes the bucket, turns flagged results into cases and republishes
// pending feedback until ctx is cancelled.
func (s *Service) Run(ctx context.Context) error {
	defer close(s.done)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return s.store.watch(gctx, nil) })
	g.Go(func() error { return s.ingest(gctx) })
	g.Go(func() error { return s.sweep(gctx) })
	err := g.Wait()
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// WaitReady waits until the case index is loaded.
func (s *Service) WaitReady(ctx context.Context) error { return s.store.waitReady(ctx) }

// ingest consumes every result; flagged ones make or update cases, and a
// later version of a report updates its case whatever its flag. A result is
// acknowledged only after its case is stored.
func (s *Service) ingest(ctx context.Context) error {
	js := s.cfg.Bus.JetStream()
	cons, err := js.CreateOrUpdateConsumer(ctx, natsbus.StreamResults, jetstream.ConsumerConfig{
		Durable:       s.cfg.Durable,
		FilterSubject: natsbus.SubjectResults + ".>",
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       30 * time.Second,
		DeliverPolicy: jetstream.DeliverAllPolicy,
		MaxAckPending: 256,
		// Only transient failures (the bucket unavailable) are retried;
		// a result that cannot be decoded is dead-lettered at once.
		MaxDeliver: -1,
	})
	if err != nil {
		return fmt.Errorf("create results consumer %s: %w", s.cfg.Durable, err)
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(64))
	if err != nil {
		return fmt.Errorf("consume results: %w", err)
	}
	stop := context.AfterFunc(ctx, it.Stop)
	defer stop()
	defer it.Stop()
	for {
		msg, err := it.Next()
		if errors.Is(err, jetstream.ErrMsgIteratorClosed) || ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			// Missed heartbeats and the like: the iterator recovers by
			// itself; pause so a persistent fault does not spin.
			s.log.Warn("results consumer", "err", err)
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Second):
			}
			continue
		}
		s.handleResult(ctx, msg)
	}
}

func (s *Service) handleResult(ctx context.Context, msg jetstream.Msg) {
	r, err := pipeline.UnmarshalResult(msg.Data())
	if err == nil && (r.ReportID == "" || r.Task == "") {
		err = errors.New("result without report id or task")
	}
	if err != nil {
		id := msg.Headers().Get(jetstream.MsgIDHeader)
		s.log.Error("undecodable result dead-lettered", "msg_id", id, "err", err)
		if derr := s.cfg.Bus.DeadLetter(ctx, "worklist", id, msg.Data(), err.Error()); derr != nil {
			s.log.Warn("dead-letter result", "msg_id", id, "err", derr)
			msg.NakWithDelay(5 * time.Second)
			return
		}
		msg.Term()
		return
	}
	id := CaseID(r.Task, r.ReportID)
	var changed bool
	c, err := s.store.update(ctx, id, func(c *Case) (*Case, error) {
		n, ch := applyResult(c, r, s.cfg.Now())
		changed = ch
		if !ch {
			return nil, errNoChange
		}
		return n, nil
	})
	if err != nil {
		s.log.Warn("store case; will retry", "case", id, "report", r.ReportID, "err", err)
		msg.NakWithDelay(2 * time.Second)
		return
	}
	if changed {
		s.log.Info("worklist case updated from result", "case", id, "report", r.ReportID, "task", r.Task,
			"status", c.Status, "revision", c.Revision, "result", r.MsgID())
	}
	if err := msg.DoubleAck(ctx); err != nil {
		s.log.Warn("ack result", "case", id, "err", err)
	}
}

// Act applies a navigator's action to a case, stores it, and publishes the
// decision's Feedback. The decision is stored before the Feedback is sent;
// a Feedback that cannot be sent now is sent by the sweeper later.
func (s *Service) Act(ctx context.Context, id string, req Request) (*Case, error) {
	if !ValidUserName(req.User) {
		return nil, &RequestError{Code: 400, Msg: "bad user name"}
	}
	c, err := s.store.update(ctx, id, func(c *Case) (*Case, error) {
		if c == nil {
			return nil, ErrNotFound
		}
		return applyRequest(c, req, s.cfg.Now())
	})
	if err != nil {
		return nil, err
	}
	ev := c.History[len(c.History)-1]
	actionsTotal.WithLabelValues(string(req.Action)).Inc()
	s.log.Info("worklist action", "case", c.ID, "task", c.Task, "action", string(req.Action),
		"user", req.User, "status", c.Status, "revision", c.Revision)
	if ev.FeedbackPending {
		if c2, err := s.publishPending(ctx, c.ID); err != nil {
			s.log.Warn("publish feedback; the sweeper will retry", "case", c.ID, "err", err)
		} else if c2 != nil {
			c = c2
		}
	}
	return c, nil
}

// publishPending publishes the Feedback of every pending decision of a case
// and clears their marks. Feedback ids are stable, so a repeat is stored once.
func (s *Service) publishPending(ctx context.Context, id string) (*Case, error) {
	c, err := s.store.get(ctx, id)
	if err != nil {
		return nil, err
	}
	done := map[string]bool{}
	for _, i := range c.pendingFeedback() {
		fb := c.feedbackFor(i)
		ack, err := s.cfg.Bus.PublishFeedback(ctx, fb)
		if err != nil {
			return nil, fmt.Errorf("publish feedback of case %s: %w", id, err)
		}
		s.log.Info("feedback published", "case", id, "task", c.Task, "decision", string(fb.Decision),
			"seq", ack.Sequence, "duplicate", ack.Duplicate)
		feedbackPublished.WithLabelValues(c.Task, string(fb.Decision)).Inc()
		done[eventKey(c.History[i])] = true
	}
	if len(done) == 0 {
		return c, nil
	}
	return s.store.update(ctx, id, func(c *Case) (*Case, error) {
		if c == nil {
			return nil, ErrNotFound
		}
		n := c.clone()
		cleared := false
		for i := range n.History {
			if n.History[i].FeedbackPending && done[eventKey(n.History[i])] {
				n.History[i].FeedbackPending = false
				cleared = true
			}
		}
		if !cleared {
			return nil, errNoChange
		}
		return n, nil
	})
}

// sweep republishes Feedback left pending by a failed publish or a crash.
func (s *Service) sweep(ctx context.Context) error {
	if err := s.store.waitReady(ctx); err != nil {
		return nil
	}
	t := time.NewTicker(s.cfg.SweepInterval)
	defer t.Stop()
	for {
		s.store.mu.RLock()
		var ids []string
		for id, sum := range s.store.index {
			// Leave fresh ones to the request that made them.
			if sum.PendingFeedback && s.cfg.Now().Sub(sum.UpdatedAt) > 5*time.Second {
				ids = append(ids, id)
			}
		}
		s.store.mu.RUnlock()
		for _, id := range ids {
			if _, err := s.publishPending(ctx, id); err != nil {
				s.log.Warn("republish feedback", "case", id, "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Get reads a case.
func (s *Service) Get(ctx context.Context, id string) (*Case, error) { return s.store.get(ctx, id) }

// List returns the cases matching f and how many matched in all.
func (s *Service) List(f Filter) ([]Summary, int) { return s.store.list(f) }

// Handler returns the worklist's pages and API, for mounting at "/".
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	s.Mount(mux)
	return mux
}

func eventKey(e Event) string {
	return e.At.UTC().Format(time.RFC3339Nano) + "|" + e.User + "|" + string(e.Action)
}
