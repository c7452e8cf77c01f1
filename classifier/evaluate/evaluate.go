// Package evaluate runs a classifier over a labelled set and reports its
// scores as text, as the JSON object `radflag eval --json` prints, or as an
// HTML page. It knows nothing of how a model predicts: it takes a
// PredictFunc, so the transformer and the n-gram baseline are measured the
// same way.
package evaluate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/radflag/radflag/classifier/baseline"
	"github.com/radflag/radflag/classifier/dataset"
	"github.com/radflag/radflag/classifier/metrics"
)

// Prediction is a model's answer for one report.
type Prediction struct {
	Label         int                // label ID
	Probabilities map[string]float64 // label name → probability; may be nil
}

// PredictFunc classifies texts, returning one prediction per text in order.
type PredictFunc func(ctx context.Context, texts []string) ([]Prediction, error)

// Config says what to evaluate.
type Config struct {
	Task      string
	Model     string // how the model is named in the output, e.g. "name version"
	Data      string // where the examples came from, shown in the output
	Labels    []metrics.Label
	Predict   PredictFunc
	BatchSize int // texts per Predict call; default 32
}

// Result is one evaluation.
type Result struct {
	Task, Model, Data string
	Scores            *metrics.Scores
	// Examples holds every example with its prediction, in input order.
	Examples []metrics.Example
	// Seconds is the time spent inside Predict, not reading or scoring.
	Seconds float64
}

// ReadData reads a JSONL dataset whose labels must all be task labels. A bad
// line is an error naming the file and line.
func ReadData(path string, labels []metrics.Label) ([]dataset.Example, error) {
	ok := make(map[int]bool, len(labels))
	for _, l := range labels {
		ok[l.ID] = true
	}
	return dataset.ReadFile(path, func(label int) bool { return ok[label] })
}

// Run predicts every example in batches and scores the predictions. It stops
// with ctx's error when ctx is cancelled.
func Run(ctx context.Context, cfg Config, examples []dataset.Example) (*Result, error) {
	if cfg.Predict == nil {
		return nil, errors.New("evaluate: no predict function")
	}
	if len(cfg.Labels) == 0 {
		return nil, errors.New("evaluate: no labels")
	}
	if len(examples) == 0 {
		return nil, errors.New("evaluate: no examples")
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 32
	}
	names := make(map[int]bool, len(cfg.Labels))
	for _, l := range cfg.Labels {
		names[l.ID] = true
	}
	res := &Result{Task: cfg.Task, Model: cfg.Model, Data: cfg.Data, Examples: make([]metrics.Example, 0, len(examples))}
	gold := make([]int, 0, len(examples))
	pred := make([]int, 0, len(examples))
	texts := make([]string, 0, cfg.BatchSize)
	var spent time.Duration
	for start := 0; start < len(examples); start += cfg.BatchSize {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("evaluate: stopped after %d of %d reports: %w", start, len(examples), err)
		}
		batch := examples[start:min(start+cfg.BatchSize, len(examples))]
		texts = texts[:0]
		for _, ex := range batch {
			texts = append(texts, ex.Text)
		}
		t0 := time.Now()
		ps, err := cfg.Predict(ctx, texts)
		spent += time.Since(t0)
		if err != nil {
			return nil, fmt.Errorf("evaluate: predict reports %d-%d: %w", start+1, start+len(batch), err)
		}
		if len(ps) != len(batch) {
			return nil, fmt.Errorf("evaluate: predict returned %d predictions for %d reports", len(ps), len(batch))
		}
		for i, ex := range batch {
			if !names[ps[i].Label] {
				return nil, fmt.Errorf("evaluate: report %s: predicted label %d is not a label of task %s", ex.ID, ps[i].Label, cfg.Task)
			}
			gold = append(gold, ex.Label)
			pred = append(pred, ps[i].Label)
			res.Examples = append(res.Examples, metrics.Example{
				ID: ex.ID, Text: ex.Text, Gold: ex.Label, Predicted: ps[i].Label, Probabilities: ps[i].Probabilities,
			})
		}
	}
	res.Seconds = spent.Seconds()
	s, err := metrics.Compute(cfg.Labels, gold, pred)
	if err != nil {
		return nil, fmt.Errorf("evaluate: %w", err)
	}
	res.Scores = s
	return res, nil
}

// ReportsPerSecond is the prediction throughput; 0 when no time was measured.
func (r *Result) ReportsPerSecond() float64 {
	if r.Seconds <= 0 {
		return 0
	}
	return float64(r.Scores.N) / r.Seconds
}

// WriteHTML writes the self-contained HTML report.
func (r *Result) WriteHTML(w io.Writer) error {
	return metrics.WriteHTML(w, metrics.HTMLReport{
		Task: r.Task, Model: r.Model, Data: r.Data, Scores: r.Scores, Seconds: r.Seconds, Examples: r.Examples,
	})
}

// BaselinePredict adapts an n-gram baseline model to a PredictFunc.
func BaselinePredict(m *baseline.Model) PredictFunc {
	return func(ctx context.Context, texts []string) ([]Prediction, error) {
		ps, err := m.PredictBatch(ctx, texts)
		if err != nil {
			return nil, err
		}
		out := make([]Prediction, len(ps))
		for i, p := range ps {
			out[i] = Prediction{Label: p.Label, Probabilities: p.Probabilities}
		}
		return out, nil
	}
}

// BaselineLabels converts the task's labels for baseline training.
func BaselineLabels(labels []metrics.Label) []baseline.Label {
	out := make([]baseline.Label, len(labels))
	for i, l := range labels {
		out[i] = baseline.Label{ID: l.ID, Name: l.Name}
	}
	return out
}
