package worker

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/radflag/radflag/adapters/natsbus"
	"github.com/radflag/radflag/pipeline"
)

// ReplayConfig says which stored reports to classify again.
type ReplayConfig struct {
	// Since and Until bound the reports by when they were stored (zero:
	// unbounded).
	Since, Until time.Time
	// Idle ends the replay when no report arrives for this long (the
	// stream's end was reached); default 2s.
	Idle time.Duration
	// Progress, when set, is called after each batch.
	Progress func(ReplayStats)
}

// ReplayStats counts what a replay did.
type ReplayStats struct {
	Reports int // stored reports read
	Skipped int // not a report any task applies to, or unreadable
	Results int // results published
	// Duplicates are results the bus already held (same report version,
	// task and model digest): nothing changes downstream.
	Duplicates int
	Failed     int // reports that could not be classified or published
}

// Replay classifies the stored reports in a time range again with the
// worker's tasks and publishes the results through the normal path:
// results the bus already holds are de-duplicated, and writeback changes in
// FHIR only what a new model answers differently. It reads the stream with
// an ordered consumer (nothing is acknowledged or taken from the live
// workers) and ends at the stream's end as it was when the replay began,
// or at Until.
func (w *Worker) Replay(ctx context.Context, rc ReplayConfig) (ReplayStats, error) {
	var stats ReplayStats
	if rc.Idle <= 0 {
		rc.Idle = 2 * time.Second
	}
	js := w.cfg.Bus.JetStream()
	s, err := js.Stream(ctx, natsbus.StreamReports)
	if err != nil {
		return stats, fmt.Errorf("replay: %w", err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		return stats, fmt.Errorf("replay: %w", err)
	}
	last := info.State.LastSeq
	if info.State.Msgs == 0 {
		return stats, nil
	}
	occ := jetstream.OrderedConsumerConfig{FilterSubjects: []string{natsbus.SubjectReports + ".>"}, DeliverPolicy: jetstream.DeliverAllPolicy}
	if !rc.Since.IsZero() {
		since := rc.Since
		occ.DeliverPolicy, occ.OptStartTime = jetstream.DeliverByStartTimePolicy, &since
	}
	cons, err := js.OrderedConsumer(ctx, natsbus.StreamReports, occ)
	if err != nil {
		return stats, fmt.Errorf("replay consumer: %w", err)
	}
	for {
		b, err := cons.Fetch(w.cfg.BatchSize, jetstream.FetchMaxWait(rc.Idle))
		if err != nil {
			return stats, fmt.Errorf("replay fetch: %w", err)
		}
		var items []*item
		done, got := false, 0
		for m := range b.Messages() {
			got++
			md, err := m.Metadata()
			if err != nil {
				continue
			}
			if md.Sequence.Stream > last || (!rc.Until.IsZero() && md.Timestamp.After(rc.Until)) {
				done = true
				continue
			}
			if md.Sequence.Stream == last {
				done = true
			}
			stats.Reports++
			r, err := pipeline.UnmarshalReport(m.Data())
			if err == nil {
				err = r.Validate()
			}
			if err != nil {
				stats.Skipped++
				continue
			}
			items = append(items, &item{report: r, input: truncate(r.ClassifierInput(), w.cfg.MaxInputBytes)})
		}
		if err := b.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) && !errors.Is(err, context.DeadlineExceeded) {
			return stats, fmt.Errorf("replay fetch: %w", err)
		}
		if got == 0 {
			if ctx.Err() != nil {
				return stats, ctx.Err()
			}
			// Nothing more in range (Since after the last report).
			return stats, nil
		}
		w.replayBatch(ctx, items, &stats)
		if rc.Progress != nil {
			rc.Progress(stats)
		}
		if done {
			return stats, nil
		}
		if err := ctx.Err(); err != nil {
			return stats, err
		}
	}
}

func (w *Worker) replayBatch(ctx context.Context, items []*item, stats *ReplayStats) {
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
		if it.err == nil && len(it.results) == 0 {
			stats.Skipped++
			continue
		}
		if it.err == nil {
			for _, res := range it.results {
				ack, err := w.cfg.Bus.PublishResult(ctx, res)
				if err != nil {
					it.err = err
					break
				}
				if ack.Duplicate {
					stats.Duplicates++
				} else {
					stats.Results++
					resultsTotal.WithLabelValues(res.Task, res.LabelName).Inc()
				}
			}
		}
		if it.err != nil {
			stats.Failed++
			w.log.Warn("replay: report not replayed", "report", it.report.ID, "err", firstLines(it.err.Error(), 1))
		}
	}
}
