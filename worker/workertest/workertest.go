// Package workertest gives tests of the classify stage real models and
// realistic reports: baseline (TF-IDF + logistic regression) models trained
// on the synthetic corpus in a second, and reports built from that corpus.
package workertest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/radflag/radflag/classifier/baseline"
	"github.com/radflag/radflag/classifier/dataset"
	"github.com/radflag/radflag/classifier/synth"
	"github.com/radflag/radflag/pipeline"
	"github.com/radflag/radflag/worker"
)

// Baseline adapts a baseline model to worker.Model.
type Baseline struct {
	M    *baseline.Model
	info worker.ModelInfo
}

// Predict implements worker.Model.
func (b *Baseline) Predict(ctx context.Context, texts []string) ([]worker.Prediction, error) {
	ps, err := b.M.PredictBatch(ctx, texts)
	if err != nil {
		return nil, err
	}
	out := make([]worker.Prediction, len(ps))
	for i, p := range ps {
		out[i] = worker.Prediction{Label: p.Label, LabelName: p.LabelName, Probabilities: p.Probabilities}
	}
	return out, nil
}

// Explain implements worker.Explainer the way the transformer does: each
// sentence's weight is how much the predicted label's probability drops
// without it.
func (b *Baseline) Explain(ctx context.Context, text string) ([]pipeline.Evidence, error) {
	base := b.M.Predict(text)
	var out []pipeline.Evidence
	start := 0
	for i := 0; i <= len(text); i++ {
		if i < len(text) && text[i] != '.' && text[i] != '\n' {
			continue
		}
		end := min(i+1, len(text))
		if s := strings.TrimSpace(text[start:end]); len(s) > 1 {
			p := b.M.Predict(text[:start] + " " + text[end:])
			out = append(out, pipeline.Evidence{Text: s, Start: start, End: end,
				Weight: base.Probabilities[base.LabelName] - p.Probabilities[base.LabelName]})
		}
		start = end
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Weight > out[j].Weight })
	return out[:min(3, len(out))], ctx.Err()
}

// Info implements worker.Model; the digest is the saved model's SHA-256.
func (b *Baseline) Info() worker.ModelInfo { return b.info }

var (
	mu     sync.Mutex
	models = map[string]*Baseline{}
)

// Model returns a baseline model for task trained on n synthetic reports
// (cached per process).
func Model(t testing.TB, task string) *Baseline {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if m, ok := models[task]; ok {
		return m
	}
	ex, err := synth.Generate(task, 1500, 1)
	if err != nil {
		t.Fatal(err)
	}
	names, err := synth.Labels(task)
	if err != nil {
		t.Fatal(err)
	}
	var labels []baseline.Label
	for id := 0; id < 10; id++ {
		if n, ok := names[id]; ok {
			labels = append(labels, baseline.Label{ID: id, Name: n})
		}
	}
	m, err := baseline.Train(context.Background(), baseline.Config{Task: task, Labels: labels, Epochs: 8}, ex)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := m.Write(&buf); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(buf.Bytes())
	b := &Baseline{M: m, info: worker.ModelInfo{Name: "baseline-" + task, Version: "test-1", Digest: hex.EncodeToString(sum[:])}}
	models[task] = b
	return b
}

// Tasks are the two built-in tasks with baseline models and the default
// selectors.
func Tasks(t testing.TB) []worker.Task {
	sel := worker.DefaultSelectors()
	return []worker.Task{
		{Name: "pancreas", Model: Model(t, "pancreas"), FlagLabels: []string{"pretreatment"}, Select: sel["pancreas"]},
		{Name: "ir_procedure", Model: Model(t, "ir_procedure"), Select: sel["ir_procedure"]},
	}
}

// Examples returns n synthetic reports of task with their labels (a seed
// other than the training one). For pancreas they are diagnostic reports
// only: the generator's CT-guided procedure reports, which the
// ir_procedure task would read too, are left out so that a test's
// expected results per task stay simple.
func Examples(t testing.TB, task string, n int, seed int64) []dataset.Example {
	t.Helper()
	if task != "pancreas" {
		ex, err := synth.Generate(task, n, seed)
		if err != nil {
			t.Fatal(err)
		}
		return ex
	}
	irText := worker.DefaultSelectors()["ir_procedure"].TextPattern
	ex, err := synth.Generate(task, n+n/4+8, seed)
	if err != nil {
		t.Fatal(err)
	}
	ex = slices.DeleteFunc(ex, func(e dataset.Example) bool { return irText.MatchString(e.Text) })
	if len(ex) < n {
		t.Fatalf("only %d of %d diagnostic pancreas reports", len(ex), n)
	}
	return ex[:n]
}

// Report builds a final CT report version for text.
func Report(accession, version, text string) *pipeline.Report {
	now := time.Now().UTC()
	return &pipeline.Report{
		ID:         "hl7:RIS:" + accession,
		Source:     pipeline.SourceHL7,
		MessageID:  "hl7:RIS:" + version,
		Version:    version,
		Accession:  accession,
		Patient:    pipeline.Identifier{System: "urn:oid:1.2.840.99999.1", Value: "MRN-" + accession, Type: "MR"},
		Modality:   "CT",
		Procedure:  pipeline.Coding{System: "L", Code: "CTAP", Display: "CT ABDOMEN PELVIS W CONTRAST"},
		Status:     pipeline.StatusFinal,
		Text:       text,
		ObservedAt: now.Add(-time.Hour),
		ReceivedAt: now,
	}
}

// Accession is a test accession number.
func Accession(prefix string, i int) string { return fmt.Sprintf("%s%05d", prefix, i) }
