// Package worker is radflag's classify stage: a durable pull consumer on
// RADFLAG_REPORTS that classifies every stored report with every task that
// applies to it, in batches, and publishes one pipeline.Result per report and
// task to radflag.results.<task>.
//
// A report is acknowledged only after all its results are stored (their
// PubAcks); a worker that dies mid-batch leaves its reports unacknowledged,
// JetStream redelivers them after AckWait to another worker, and results
// already published are de-duplicated by their Nats-Msg-Id
// (<report message id>:<task>:<model digest>). Several workers share one
// durable consumer, so adding workers adds throughput. A report that fails
// MaxDeliver times goes to radflag.dlq.classify with the reason.
package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime/debug"
	"slices"
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

// Stage is the dead-letter stage name of the worker.
const Stage = "classify"

// Prediction is a model's answer for one text.
type Prediction struct {
	Label         int
	LabelName     string
	Probabilities map[string]float64
	Evidence      []pipeline.Evidence
}

// ModelInfo names a model; Digest (the ONNX file's SHA-256) is part of every
// result's de-duplication key.
type ModelInfo struct {
	Name, Version, Digest string
}

// Model classifies texts for one task. It must be safe for concurrent use
// and return one prediction per text, in order.
type Model interface {
	Predict(ctx context.Context, texts []string) ([]Prediction, error)
	Info() ModelInfo
}

// Explainer is a Model that can say which sentences drove a prediction.
// Evidence costs a model run per sentence, so the worker asks for it only
// for results that raise a flag (every flag is explained), not for the rest.
type Explainer interface {
	Explain(ctx context.Context, text string) ([]pipeline.Evidence, error)
}

// Task is one configured classification task.
type Task struct {
	Name  string
	Model Model
	// FlagLabels are the label names that raise a flag.
	FlagLabels []string
	// Select says which reports the task applies to.
	Select Selector
}

// Config configures a Worker.
type Config struct {
	Bus   *natsbus.Bus
	Tasks []Task
	// BatchSize is the most reports classified together; MaxWait the
	// longest a batch waits to fill.
	BatchSize int
	MaxWait   time.Duration
	// MaxDeliver is how many deliveries a report gets before it goes to the
	// dead-letter stream.
	MaxDeliver int
	// AckWait is how long JetStream waits for an ack before redelivering
	// (the worker extends it with InProgress while a batch runs).
	AckWait time.Duration
	// Durable names the consumer all workers share.
	Durable string
	// MaxInputBytes bounds the text handed to a model (models cut longer
	// inputs to their token limit anyway).
	MaxInputBytes int
	// BatchTimeout bounds the classification of one batch; reports of a
	// batch that ran out of time are retried.
	BatchTimeout time.Duration
	// Concurrency is how many batches are classified at once (default 1),
	// each fetched on its own from the shared consumer. Much of a
	// transformer's time goes to single-threaded ops, so on a machine with
	// n cores about n batches at once keep them all busy.
	Concurrency int
	Logger      *slog.Logger
}

var (
	resultsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "radflag_results_total",
		Help: "Classification results stored (redeliveries not counted twice), by task and label name.",
	}, []string{"task", "label"})
	reportsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "radflag_classify_reports_total",
		Help: "Reports handled by the classify stage, by outcome (classified, no_task, retry, dead_letter).",
	}, []string{"outcome"})
	batchSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "radflag_classify_batch_seconds",
		Help:    "Time to run one task's model on one batch.",
		Buckets: prometheus.ExponentialBuckets(0.005, 2, 14),
	}, []string{"task"})
	batchSize = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "radflag_classify_batch_size",
		Help:    "Reports per fetched batch.",
		Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024},
	})
)

func init() { metrics.MustRegister(resultsTotal, reportsTotal, batchSeconds, batchSize) }

// Worker runs the classify stage.
type Worker struct {
	cfg Config
	log *slog.Logger
	// afterPublish, when set (tests), runs after each result is stored.
	afterPublish func(*pipeline.Result)
}

// New checks the configuration.
func New(cfg Config) (*Worker, error) {
	if cfg.Bus == nil {
		return nil, errors.New("worker: no bus")
	}
	if len(cfg.Tasks) == 0 {
		return nil, errors.New("worker: no task configured")
	}
	seen := map[string]bool{}
	for _, t := range cfg.Tasks {
		if t.Name == "" || t.Model == nil {
			return nil, fmt.Errorf("worker: task %q has no name or no model", t.Name)
		}
		if seen[t.Name] {
			return nil, fmt.Errorf("worker: task %s configured twice", t.Name)
		}
		seen[t.Name] = true
		if info := t.Model.Info(); info.Digest == "" || info.Version == "" {
			return nil, fmt.Errorf("worker: task %s: model has no version or digest", t.Name)
		}
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 32
	}
	if cfg.MaxWait <= 0 {
		cfg.MaxWait = 200 * time.Millisecond
	}
	if cfg.MaxDeliver <= 0 {
		cfg.MaxDeliver = 5
	}
	if cfg.AckWait <= 0 {
		cfg.AckWait = 60 * time.Second
	}
	if cfg.Durable == "" {
		cfg.Durable = "radflag-classify"
	}
	if cfg.MaxInputBytes <= 0 {
		cfg.MaxInputBytes = 64 << 10
	}
	if cfg.BatchTimeout <= 0 {
		cfg.BatchTimeout = 5 * time.Minute
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 1
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Worker{cfg: cfg, log: cfg.Logger.With("component", "classify")}, nil
}

// Run pulls and classifies batches until ctx is cancelled; the batch in
// hand is finished (its results published and its reports acknowledged)
// before Run returns.
func (w *Worker) Run(ctx context.Context) error {
	cons, err := w.cfg.Bus.JetStream().CreateOrUpdateConsumer(ctx, natsbus.StreamReports, jetstream.ConsumerConfig{
		Durable:       w.cfg.Durable,
		Description:   "radflag classify workers",
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       w.cfg.AckWait,
		MaxDeliver:    -1, // the worker dead-letters after MaxDeliver itself, with the reason
		MaxAckPending: max(1000, w.cfg.BatchSize*8),
		FilterSubject: natsbus.SubjectReports + ".>",
		DeliverPolicy: jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return fmt.Errorf("classify consumer: %w", err)
	}
	w.log.Info("classify worker started", "tasks", len(w.cfg.Tasks), "batch_size", w.cfg.BatchSize,
		"max_wait", w.cfg.MaxWait, "concurrency", w.cfg.Concurrency)
	// Each loop stops only when ctx is cancelled, after finishing its batch.
	var g errgroup.Group
	for range w.cfg.Concurrency {
		g.Go(func() error { return w.loop(ctx, cons) })
	}
	return g.Wait()
}

// loop fetches and classifies batches until ctx is cancelled.
func (w *Worker) loop(ctx context.Context, cons jetstream.Consumer) error {
	pctx := context.WithoutCancel(ctx)
	failures := 0
	for ctx.Err() == nil {
		msgs, err := w.fetch(cons)
		if err != nil {
			failures++
			delay := min(time.Duration(failures)*250*time.Millisecond, 5*time.Second)
			if failures == 1 || failures%20 == 0 {
				w.log.Warn("fetch reports", "err", err, "failures", failures)
			}
			select {
			case <-ctx.Done():
			case <-time.After(delay):
			}
			continue
		}
		failures = 0
		if len(msgs) == 0 {
			continue
		}
		w.process(pctx, msgs)
	}
	return ctx.Err()
}

// fetch pulls up to BatchSize reports, waiting at most MaxWait for the
// batch to fill.
func (w *Worker) fetch(cons jetstream.Consumer) ([]jetstream.Msg, error) {
	b, err := cons.Fetch(w.cfg.BatchSize, jetstream.FetchMaxWait(w.cfg.MaxWait))
	if err != nil {
		return nil, err
	}
	var msgs []jetstream.Msg
	for m := range b.Messages() {
		msgs = append(msgs, m)
	}
	if err := b.Error(); err != nil && len(msgs) == 0 && !errors.Is(err, jetstream.ErrNoMessages) {
		return nil, err
	}
	return msgs, nil
}

// item is one report of a batch on its way through.
type item struct {
	msg       jetstream.Msg
	delivered uint64
	report    *pipeline.Report
	input     string
	results   []*pipeline.Result
	err       error
	permanent bool
}

func (w *Worker) process(ctx context.Context, msgs []jetstream.Msg) {
	batchSize.Observe(float64(len(msgs)))
	items := make([]*item, 0, len(msgs))
	for _, m := range msgs {
		it := &item{msg: m, delivered: 1}
		if md, err := m.Metadata(); err == nil {
			it.delivered = md.NumDelivered
		}
		r, err := pipeline.UnmarshalReport(m.Data())
		if err == nil {
			err = r.Validate()
		}
		switch {
		case err != nil:
			it.err, it.permanent = err, true
		case it.delivered > uint64(w.cfg.MaxDeliver):
			// Earlier deliveries did not finish (the worker died or hung
			// on this batch): stop before it takes another worker down.
			it.err, it.permanent = fmt.Errorf("report %s: %d deliveries did not complete", r.ID, it.delivered-1), true
		default:
			it.report = r
			it.input = truncate(r.ClassifierInput(), w.cfg.MaxInputBytes)
		}
		items = append(items, it)
	}
	stop := w.keepAlive(items)
	defer stop()

	cctx, cancel := context.WithTimeout(ctx, w.cfg.BatchTimeout)
	defer cancel()
	for _, t := range w.cfg.Tasks {
		var todo []*item
		for _, it := range items {
			if it.err == nil && t.Select.Applies(it.report) {
				todo = append(todo, it)
			}
		}
		if len(todo) > 0 {
			w.classify(cctx, t, todo)
		}
	}
	for _, it := range items {
		if it.err == nil {
			w.publish(ctx, it)
		}
		w.settle(ctx, it)
	}
}

// keepAlive tells JetStream the batch is still being worked on, so that a
// slow model does not get its reports redelivered to another worker.
func (w *Worker) keepAlive(items []*item) func() {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(max(w.cfg.AckWait/3, 100*time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				for _, it := range items {
					_ = it.msg.InProgress()
				}
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// classify runs one task's model over the batch; if the batch fails, each
// report is tried alone so that one bad report cannot fail the others.
func (w *Worker) classify(ctx context.Context, t Task, todo []*item) {
	texts := make([]string, len(todo))
	for i, it := range todo {
		texts[i] = it.input
	}
	start := time.Now()
	preds, err := safePredict(ctx, t.Model, texts)
	batchSeconds.WithLabelValues(t.Name).Observe(time.Since(start).Seconds())
	if err != nil {
		w.log.Warn("batch prediction failed; trying reports one by one", "task", t.Name, "batch", len(todo), "err", err)
		for _, it := range todo {
			p, err := safePredict(ctx, t.Model, []string{it.input})
			if err != nil {
				it.err = fmt.Errorf("classify report %s with %s: %w", it.report.ID, t.Name, err)
				continue
			}
			it.results = append(it.results, w.result(t, it.report, it.input, p[0]))
		}
		w.explain(ctx, t, todo)
		return
	}
	for i, it := range todo {
		it.results = append(it.results, w.result(t, it.report, it.input, preds[i]))
	}
	w.explain(ctx, t, todo)
}

// explain adds evidence to the flagging results of a batch that have none.
// Without evidence a flag would be unexplained, so a failure is a failure
// of the report (retried, then dead-lettered).
func (w *Worker) explain(ctx context.Context, t Task, todo []*item) {
	ex, ok := t.Model.(Explainer)
	if !ok {
		return
	}
	for _, it := range todo {
		if len(it.results) == 0 {
			continue
		}
		res := it.results[len(it.results)-1]
		if res.Task != t.Name || !res.Flag || len(res.Evidence) > 0 {
			continue
		}
		ev, err := safeExplain(ctx, ex, it.input)
		if err != nil {
			it.err = fmt.Errorf("explain report %s with %s: %w", it.report.ID, t.Name, err)
			continue
		}
		res.Evidence = ev
	}
}

// safePredict calls the model, turning a panic or a wrong count into an
// error.
func safePredict(ctx context.Context, m Model, texts []string) (preds []Prediction, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("model panicked: %v\n%s", r, firstLines(string(debug.Stack()), 8))
		}
	}()
	preds, err = m.Predict(ctx, texts)
	if err == nil && len(preds) != len(texts) {
		err = fmt.Errorf("model returned %d predictions for %d texts", len(preds), len(texts))
	}
	for _, p := range preds {
		if err == nil && p.LabelName == "" {
			err = errors.New("model returned a prediction without a label name")
		}
	}
	return preds, err
}

func safeExplain(ctx context.Context, ex Explainer, text string) (ev []pipeline.Evidence, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("explainer panicked: %v", r)
		}
	}()
	return ex.Explain(ctx, text)
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}

func (w *Worker) result(t Task, r *pipeline.Report, input string, p Prediction) *pipeline.Result {
	info := t.Model.Info()
	return &pipeline.Result{
		ReportID:        r.ID,
		ReportMessageID: r.MessageID,
		ReportStatus:    r.Status,
		Task:            t.Name,
		Label:           p.Label,
		LabelName:       p.LabelName,
		Flag:            slices.Contains(t.FlagLabels, p.LabelName),
		Probabilities:   p.Probabilities,
		Evidence:        p.Evidence,
		Model:           pipeline.ModelRef{Name: info.Name, Version: info.Version, Digest: info.Digest},
		Patient:         r.Patient,
		Accession:       r.Accession,
		Procedure:       r.Procedure,
		Source:          r.Source,
		Text:            input,
		ReceivedAt:      r.ReceivedAt,
		CreatedAt:       time.Now().UTC(),
	}
}

// publish stores an item's results; the first failure stops it (the whole
// report is retried, and what was stored is de-duplicated).
func (w *Worker) publish(ctx context.Context, it *item) {
	for _, res := range it.results {
		ack, err := w.cfg.Bus.PublishResult(ctx, res)
		if err != nil {
			it.err = err
			return
		}
		if !ack.Duplicate {
			resultsTotal.WithLabelValues(res.Task, res.LabelName).Inc()
		}
		if w.afterPublish != nil {
			w.afterPublish(res)
		}
	}
}

// settle acknowledges a report whose results are stored, or NAKs it for a
// later retry, or dead-letters it.
func (w *Worker) settle(ctx context.Context, it *item) {
	if it.err == nil {
		outcome := "classified"
		if len(it.results) == 0 {
			outcome = "no_task"
		}
		if err := it.msg.Ack(); err != nil {
			// Results are stored; a redelivery republishes them as duplicates.
			w.log.Warn("ack report", "report", it.report.ID, "err", err)
		}
		reportsTotal.WithLabelValues(outcome).Inc()
		return
	}
	id := "?"
	if it.report != nil {
		id = it.report.ID
	}
	if it.permanent || it.delivered >= uint64(w.cfg.MaxDeliver) {
		msgID := it.msg.Headers().Get(jetstream.MsgIDHeader)
		if msgID == "" {
			if md, err := it.msg.Metadata(); err == nil {
				msgID = fmt.Sprintf("%s:%d", md.Stream, md.Sequence.Stream)
			}
		}
		reason := fmt.Sprintf("after %d deliveries: %v", it.delivered, it.err)
		if err := w.cfg.Bus.DeadLetter(ctx, Stage, msgID, it.msg.Data(), reason); err != nil {
			w.log.Error("dead-letter failed; will retry", "report", id, "err", err)
			_ = it.msg.NakWithDelay(5 * time.Second)
			reportsTotal.WithLabelValues("retry").Inc()
			return
		}
		w.log.Error("report dead-lettered", "report", id, "deliveries", it.delivered, "err", firstLines(it.err.Error(), 1))
		_ = it.msg.Ack()
		reportsTotal.WithLabelValues("dead_letter").Inc()
		return
	}
	delay := retryDelay(it.delivered)
	w.log.Warn("report failed; will retry", "report", id, "delivery", it.delivered, "retry_in", delay.Round(time.Millisecond), "err", firstLines(it.err.Error(), 1))
	_ = it.msg.NakWithDelay(delay)
	reportsTotal.WithLabelValues("retry").Inc()
}

// retryDelay grows with each delivery: 1s, 2s, 4s ... up to 30s, jittered.
func retryDelay(delivered uint64) time.Duration {
	d := time.Second
	for i := uint64(1); i < delivered && d < 30*time.Second; i++ {
		d *= 2
	}
	d = min(d, 30*time.Second)
	return d - time.Duration(rand.Int64N(int64(d)/5+1))
}

// truncate cuts s to at most n bytes on a UTF-8 boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
