// Package writeback turns classification results into FHIR resources — a
// Flag for a pretreatment pancreatic cancer, an Observation for a CT-guided
// procedure's category — exactly once per report, and tells navigators
// about new flags.
//
// It is a durable JetStream consumer on RADFLAG_RESULTS (and on
// RADFLAG_FEEDBACK for navigators' decisions). A result is acknowledged only
// after the FHIR server has stored what it implies. Writes are idempotent:
// a conditional create keyed on report, task and model version, and, before
// it, a search for every resource radflag wrote for the report and task, so
// that a corrected report updates the earlier resource instead of adding a
// second one. A FHIR server that is down or answers 5xx is retried with
// back-off (the message is NAKed with a delay, so nothing is lost); a 4xx
// that can never succeed goes to radflag.dlq.writeback with the server's
// OperationOutcome.
package writeback

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/errgroup"

	"github.com/radflag/radflag/adapters/natsbus"
	"github.com/radflag/radflag/internal/metrics"
	"github.com/radflag/radflag/pipeline"
)

// Stage is the dead-letter stage name of writeback.
const Stage = "writeback"

// Outcomes counted in radflag_writeback_total{task,outcome}.
const (
	OutcomeCreated    = "created"   // a new resource
	OutcomeUpdated    = "updated"   // an earlier resource now says what the result says
	OutcomeRetracted  = "retracted" // an earlier resource made inactive / entered-in-error
	OutcomeUnchanged  = "unchanged" // the server already says this (resend, redelivery)
	OutcomeStale      = "stale"     // a newer version of the report was already written
	OutcomeSkipped    = "skipped"   // the label writes nothing and nothing was written before
	OutcomeRetry      = "retry"     // transient failure; redelivered after a back-off
	OutcomeDeadLetter = "dead_letter"
)

var (
	writebackTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "radflag_writeback_total",
		Help: "Results and feedback handled by writeback, by task and outcome.",
	}, []string{"task", "outcome"})
	e2eLatency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "radflag_e2e_latency_seconds",
		Help:    "Time from a report's receipt by radflag to its FHIR resource being written, by task.",
		Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800},
	}, []string{"task"})
)

func init() { metrics.MustRegister(writebackTotal, e2eLatency) }

// Config configures a Writer.
type Config struct {
	Bus *natsbus.Bus
	// FHIR is the server resources are written to (adapters/fhir.NewClient).
	FHIR FHIRClient
	// Tasks say what each task writes (nil: DefaultTasks()).
	Tasks []TaskConfig
	// Durable names the results consumer, FeedbackDurable the feedback one
	// (several writeback processes share them).
	Durable         string
	FeedbackDurable string
	// DisableFeedback leaves navigators' feedback to another process.
	DisableFeedback bool
	// Concurrency is how many results are written at once.
	Concurrency int
	// AckWait is how long a message may be in flight before JetStream
	// redelivers it to another writer.
	AckWait time.Duration
	// MaxDeliver gives up on a result after this many deliveries that failed
	// transiently (0: never; a FHIR server down for hours must lose nothing).
	MaxDeliver int
	// BackoffMin and BackoffMax bound the delay before a failed result is
	// redelivered; it doubles with each delivery.
	BackoffMin, BackoffMax time.Duration
	// ResolvePatient looks the patient up by identifier on the FHIR server
	// and references Patient/<id>; otherwise (or when not found) the
	// reference carries the identifier.
	ResolvePatient bool
	// StateTTL is how long the per-report state is kept (corrections
	// arriving later are checked against FHIR by search).
	StateTTL time.Duration
	// Alerts configures where new flags are announced.
	Alerts AlertConfig
	Logger *slog.Logger
	// now is the clock (tests).
	now func() time.Time
	// lease is how long one process may hold a report while it writes.
	lease time.Duration
}

func (c *Config) defaults() error {
	if c.Bus == nil {
		return errors.New("writeback: no bus")
	}
	if c.FHIR == nil {
		return errors.New("writeback: no FHIR client")
	}
	if c.Tasks == nil {
		c.Tasks = DefaultTasks()
	}
	if c.Durable == "" {
		c.Durable = "radflag-writeback"
	}
	if c.FeedbackDurable == "" {
		c.FeedbackDurable = "radflag-writeback-feedback"
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 8
	}
	if c.AckWait <= 0 {
		// Long enough for a write with the client's own retries.
		c.AckWait = 2 * time.Minute
	}
	if c.BackoffMin <= 0 {
		c.BackoffMin = time.Second
	}
	if c.BackoffMax < c.BackoffMin {
		c.BackoffMax = max(time.Minute, c.BackoffMin)
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.lease <= 0 {
		c.lease = 2 * time.Minute
	}
	if c.StateTTL <= 0 {
		c.StateTTL = 180 * 24 * time.Hour
	}
	return c.Alerts.defaults()
}

// Writer writes results to FHIR.
type Writer struct {
	cfg     Config
	log     *slog.Logger
	fhir    *rest
	tasks   map[string]TaskConfig
	locks   keyedMutex
	alerts  *alerter
	patient *patientCache
	state   *stateStore
	// id names this writer in the state's leases.
	id string
}

// New checks the configuration and prepares a Writer; Run starts it.
func New(cfg Config) (*Writer, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	w := &Writer{
		cfg:     cfg,
		log:     cfg.Logger.With("component", "writeback"),
		fhir:    &rest{c: cfg.FHIR},
		tasks:   map[string]TaskConfig{},
		patient: newPatientCache(10000),
		id:      fmt.Sprintf("%016x", rand.Uint64()),
	}
	for _, tc := range cfg.Tasks {
		if err := tc.validate(); err != nil {
			return nil, err
		}
		if _, dup := w.tasks[tc.Task]; dup {
			return nil, fmt.Errorf("writeback task %s configured twice", tc.Task)
		}
		w.tasks[tc.Task] = tc
	}
	if len(w.tasks) == 0 {
		return nil, errors.New("writeback: no task configured")
	}
	w.alerts = &alerter{cfg: cfg.Alerts, bus: cfg.Bus, log: w.log, now: cfg.now}
	return w, nil
}

// Run consumes results (and feedback, and the alert webhook queue) until
// ctx is cancelled, then lets in-flight writes finish.
func (w *Writer) Run(ctx context.Context) error {
	if err := w.alerts.setup(ctx); err != nil {
		return err
	}
	st, err := openState(ctx, w.cfg.Bus.JetStream(), w.cfg.Bus.Replicas(), w.cfg.StateTTL)
	if err != nil {
		return err
	}
	w.state = st
	var subjects, fbSubjects []string
	for task := range w.tasks {
		subjects = append(subjects, natsbus.SubjectResults+"."+task)
		fbSubjects = append(fbSubjects, natsbus.SubjectFeedback+"."+task)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		return w.consume(gctx, natsbus.StreamResults, w.cfg.Durable, subjects, w.handleResult)
	})
	if !w.cfg.DisableFeedback {
		g.Go(func() error {
			return w.consume(gctx, natsbus.StreamFeedback, w.cfg.FeedbackDurable, fbSubjects, w.handleFeedback)
		})
	}
	if w.cfg.Alerts.WebhookURL != "" {
		g.Go(func() error { return w.alerts.runWebhook(gctx) })
	}
	return g.Wait()
}

// consume runs a durable pull consumer, handing each message to handle on
// up to Concurrency goroutines.
func (w *Writer) consume(ctx context.Context, stream, durable string, subjects []string, handle func(context.Context, jetstream.Msg)) error {
	cons, err := w.cfg.Bus.JetStream().CreateOrUpdateConsumer(ctx, stream, jetstream.ConsumerConfig{
		Durable:        durable,
		Description:    "radflag writeback",
		AckPolicy:      jetstream.AckExplicitPolicy,
		AckWait:        w.cfg.AckWait,
		MaxDeliver:     -1, // writeback decides when to give up (dead letter), not the server
		MaxAckPending:  max(1000, w.cfg.Concurrency*4),
		FilterSubjects: subjects,
		DeliverPolicy:  jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return fmt.Errorf("writeback consumer %s on %s: %w", durable, stream, err)
	}
	return runPool(ctx, cons, w.cfg.Concurrency, w.log.With("consumer", durable), handle)
}

// runPool reads messages and handles up to n at once. On cancel it stops
// reading and waits for the handlers, which run on a context that is not
// cancelled so that a write in flight completes (each is bounded by the FHIR
// timeout).
func runPool(ctx context.Context, cons jetstream.Consumer, n int, log *slog.Logger, handle func(context.Context, jetstream.Msg)) error {
	it, err := cons.Messages(jetstream.PullMaxMessages(n * 2))
	if err != nil {
		return fmt.Errorf("start consuming: %w", err)
	}
	stop := context.AfterFunc(ctx, it.Stop)
	defer stop()
	hctx := context.WithoutCancel(ctx)
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		msg, err := it.Next()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				return ctx.Err()
			}
			log.Warn("consume", "err", err)
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Second):
			}
			continue
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			handle(hctx, msg)
		}()
	}
}

// handleResult writes one result and acknowledges, NAKs or dead-letters it.
func (w *Writer) handleResult(ctx context.Context, msg jetstream.Msg) {
	delivered := uint64(1)
	if md, err := msg.Metadata(); err == nil {
		delivered = md.NumDelivered
	}
	r, err := pipeline.UnmarshalResult(msg.Data())
	if err == nil {
		err = validateResult(r)
	}
	if err != nil {
		w.deadLetter(ctx, msg, "", taskFromSubject(msg.Subject()), permanent("%v", err))
		return
	}
	outcome, err := w.applyResult(ctx, r, delivered)
	w.settle(ctx, msg, r.MsgID(), r.Task, delivered, outcome, err, func() {
		if outcome == OutcomeCreated || outcome == OutcomeUpdated || outcome == OutcomeRetracted {
			if !r.ReceivedAt.IsZero() {
				e2eLatency.WithLabelValues(r.Task).Observe(w.cfg.now().Sub(r.ReceivedAt).Seconds())
			}
		}
	})
	if err == nil {
		w.log.Debug("result written", "report", r.ReportID, "task", r.Task, "label", r.LabelName, "outcome", outcome)
	}
}

// settle acknowledges a handled message, or NAKs it with a back-off, or
// dead-letters it.
func (w *Writer) settle(ctx context.Context, msg jetstream.Msg, msgID, task string, delivered uint64, outcome string, err error, onDone func()) {
	if err == nil {
		if aerr := msg.DoubleAck(ctx); aerr != nil {
			// The write is done; a redelivery finds it and changes nothing.
			w.log.Warn("ack", "task", task, "err", aerr)
		}
		writebackTotal.WithLabelValues(task, outcome).Inc()
		if onDone != nil {
			onDone()
		}
		return
	}
	if isPermanent(err) {
		w.deadLetter(ctx, msg, msgID, task, err)
		return
	}
	if w.cfg.MaxDeliver > 0 && delivered >= uint64(w.cfg.MaxDeliver) {
		w.deadLetter(ctx, msg, msgID, task, fmt.Errorf("gave up after %d deliveries: %w", delivered, err))
		return
	}
	delay := backoff(w.cfg.BackoffMin, w.cfg.BackoffMax, delivered)
	w.log.Warn("write failed; will retry", "task", task, "delivery", delivered, "retry_in", delay.Round(time.Millisecond), "err", err)
	writebackTotal.WithLabelValues(task, OutcomeRetry).Inc()
	if nerr := msg.NakWithDelay(delay); nerr != nil {
		w.log.Warn("nak", "task", task, "err", nerr)
	}
}

// deadLetter stores what writeback gave up on, with the reason (and the FHIR
// server's OperationOutcome), raises an alert, and acknowledges it.
func (w *Writer) deadLetter(ctx context.Context, msg jetstream.Msg, msgID, task string, cause error) {
	if msgID == "" {
		msgID = msg.Headers().Get(jetstream.MsgIDHeader)
		if msgID == "" {
			if md, err := msg.Metadata(); err == nil {
				msgID = fmt.Sprintf("%s:%d", md.Stream, md.Sequence.Stream)
			}
		}
	}
	reason := cause.Error()
	var he *HTTPError
	if errors.As(cause, &he) && len(he.Outcome) > 0 {
		oo := he.Outcome
		if len(oo) > 4096 {
			oo = oo[:4096]
		}
		reason += "\nOperationOutcome: " + strings.ReplaceAll(string(oo), "\n", " ")
	}
	if err := w.cfg.Bus.DeadLetter(ctx, Stage, msgID, msg.Data(), reason); err != nil {
		// Not stored in the DLQ: keep the message and try again later.
		w.log.Error("dead-letter failed; will retry", "task", task, "err", err)
		writebackTotal.WithLabelValues(task, OutcomeRetry).Inc()
		_ = msg.NakWithDelay(w.cfg.BackoffMax)
		return
	}
	w.log.Error("result dead-lettered", "task", task, "msg_id", msgID, "err", firstLine(cause.Error()))
	writebackTotal.WithLabelValues(task, OutcomeDeadLetter).Inc()
	if err := w.alerts.deadLetter(ctx, task, msgID, firstLine(cause.Error())); err != nil {
		w.log.Warn("dead-letter alert", "task", task, "err", err)
	}
	if err := msg.DoubleAck(ctx); err != nil {
		w.log.Warn("ack dead-lettered", "task", task, "err", err)
	}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func taskFromSubject(subj string) string {
	if i := strings.LastIndexByte(subj, '.'); i >= 0 {
		return subj[i+1:]
	}
	return subj
}

// backoff is min·2^(n-1) capped at max, with ±20% jitter so that many
// results failing together do not return together.
func backoff(lo, hi time.Duration, delivered uint64) time.Duration {
	d := lo
	for i := uint64(1); i < delivered && d < hi; i++ {
		d *= 2
	}
	d = min(d, hi)
	j := time.Duration(rand.Int64N(int64(d)/5 + 1))
	if rand.IntN(2) == 0 {
		return d - j
	}
	return d + j
}

func validateResult(r *pipeline.Result) error {
	var missing []string
	for name, v := range map[string]string{
		"report_id": r.ReportID, "report_message_id": r.ReportMessageID, "task": r.Task,
		"label_name": r.LabelName, "model.version": r.Model.Version,
	} {
		if strings.TrimSpace(v) == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("result %s: missing %s", r.MsgID(), strings.Join(missing, ", "))
	}
	return nil
}

// keyedMutex serialises the writes for one report and task within this
// process (versions of one report arriving together); across processes the
// FHIR server's If-Match does.
type keyedMutex struct {
	mu sync.Mutex
	m  map[string]*keyedEntry
}

type keyedEntry struct {
	mu   sync.Mutex
	refs int
}

func (k *keyedMutex) lock(key string) func() {
	k.mu.Lock()
	if k.m == nil {
		k.m = map[string]*keyedEntry{}
	}
	e := k.m[key]
	if e == nil {
		e = &keyedEntry{}
		k.m[key] = e
	}
	e.refs++
	k.mu.Unlock()
	e.mu.Lock()
	return func() {
		e.mu.Unlock()
		k.mu.Lock()
		e.refs--
		if e.refs == 0 {
			delete(k.m, key)
		}
		k.mu.Unlock()
	}
}
