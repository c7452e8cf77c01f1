package worklist

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/radflag/radflag/adapters/natsbus"
	"github.com/radflag/radflag/classifier/dataset"
	"github.com/radflag/radflag/pipeline"
)

// ExportStats counts what an export read and kept.
type ExportStats struct {
	Messages  int // feedback messages read
	Cases     int // distinct cases
	Confirmed int // examples from a confirmation
	Relabeled int // examples from a rejection naming the right label
	// Skipped: cases whose last decision is a rejection without a label, or
	// with no report text.
	Skipped int
	Bad     int // messages that could not be decoded
}

// ExportFeedback reads every Feedback of task from RADFLAG_FEEDBACK and
// returns one labelled example per case, from the case's last decision: a
// confirmation keeps the model's label, a rejection the label the navigator
// named; a rejection without one is skipped. Examples are sorted by id.
func ExportFeedback(ctx context.Context, js jetstream.JetStream, task string) ([]dataset.Example, ExportStats, error) {
	var st ExportStats
	if task == "" || strings.ContainsAny(task, ".*> \t\r\n") {
		return nil, st, fmt.Errorf("bad task name %q", task)
	}
	subject := natsbus.SubjectFeedback + "." + task
	cons, err := js.OrderedConsumer(ctx, natsbus.StreamFeedback, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{subject},
		DeliverPolicy:  jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return nil, st, fmt.Errorf("read feedback of %s: %w", task, err)
	}
	info, err := cons.Info(ctx)
	if err != nil {
		return nil, st, fmt.Errorf("read feedback of %s: %w", task, err)
	}
	last := map[string]*pipeline.Feedback{}
	pending := info.NumPending
	for pending > 0 {
		if err := ctx.Err(); err != nil {
			return nil, st, fmt.Errorf("read feedback of %s: %w", task, err)
		}
		batch, err := cons.Fetch(256, jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			return nil, st, fmt.Errorf("read feedback of %s: %w", task, err)
		}
		for msg := range batch.Messages() {
			st.Messages++
			if md, err := msg.Metadata(); err == nil {
				pending = md.NumPending
			}
			var fb pipeline.Feedback
			if err := json.Unmarshal(msg.Data(), &fb); err != nil || fb.CaseID == "" || fb.Schema > pipeline.SchemaVersion {
				st.Bad++
				continue
			}
			if prev, ok := last[fb.CaseID]; !ok || !fb.At.Before(prev.At) {
				f := fb
				last[fb.CaseID] = &f
			}
		}
		if err := batch.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) && !errors.Is(err, context.DeadlineExceeded) {
			return nil, st, fmt.Errorf("read feedback of %s: %w", task, err)
		}
	}
	st.Cases = len(last)
	out := make([]dataset.Example, 0, len(last))
	for id, fb := range last {
		switch {
		case strings.TrimSpace(fb.Text) == "":
			st.Skipped++
		case fb.Decision == pipeline.DecisionConfirmed:
			out = append(out, dataset.Example{ID: id, Text: fb.Text, Label: fb.Label})
			st.Confirmed++
		case fb.Decision == pipeline.DecisionRejected && fb.Label >= 0:
			out = append(out, dataset.Example{ID: id, Text: fb.Text, Label: fb.Label})
			st.Relabeled++
		default:
			st.Skipped++
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, st, nil
}
