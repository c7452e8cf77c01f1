package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/radflag/radflag/classifier"
	"github.com/radflag/radflag/classifier/baseline"
	"github.com/radflag/radflag/pipeline"
	"github.com/radflag/radflag/worker"
)

// baselinePrefix in classify.model_dirs (task=baseline:FILE) selects a
// saved n-gram baseline (radflag eval --baseline-train F --baseline-save
// FILE) instead of a transformer directory. It classifies in microseconds,
// so the whole pipeline can be exercised at full rate on a small machine
// (the crash and scale-out tests), or run where a transformer cannot.
const baselinePrefix = "baseline:"

// loadBaselineModel reads a saved baseline and checks it fits the task.
func loadBaselineModel(task classifier.Task, path string) (worker.Model, io.Closer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("baseline model: %w", err)
	}
	m, err := baseline.Read(bytes.NewReader(b))
	if err != nil {
		return nil, nil, fmt.Errorf("baseline model %s: %w", path, err)
	}
	labels := make([]baseline.Label, len(task.Labels))
	for i, l := range task.Labels {
		labels[i] = baseline.Label{ID: l.ID, Name: l.Name}
	}
	if err := m.Fits(task.Name, labels); err != nil {
		return nil, nil, fmt.Errorf("baseline model %s: %w", path, err)
	}
	sum := sha256.Sum256(b)
	digest := hex.EncodeToString(sum[:])
	info := worker.ModelInfo{Name: "baseline-" + task.Name, Version: "baseline-" + digest[:12], Digest: digest}
	return baselineModel{m: m, info: info}, io.NopCloser(nil), nil
}

// baselineModel adapts a baseline to the worker.
type baselineModel struct {
	m    *baseline.Model
	info worker.ModelInfo
}

func (b baselineModel) Predict(ctx context.Context, texts []string) ([]worker.Prediction, error) {
	ps, err := b.m.PredictBatch(ctx, texts)
	if err != nil {
		return nil, err
	}
	out := make([]worker.Prediction, len(ps))
	for i, p := range ps {
		out[i] = worker.Prediction{Label: p.Label, LabelName: p.LabelName, Probabilities: p.Probabilities}
	}
	return out, nil
}

// Explain weighs each sentence as the transformer's evidence does: by how
// much the predicted label's probability drops without it.
func (b baselineModel) Explain(ctx context.Context, text string) ([]pipeline.Evidence, error) {
	base := b.m.Predict(text)
	var out []pipeline.Evidence
	for _, s := range classifier.SplitSentences(text) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		p := b.m.Predict(text[:s.Start] + " " + text[s.End:])
		out = append(out, pipeline.Evidence{Text: strings.TrimSpace(text[s.Start:s.End]), Start: s.Start, End: s.End,
			Weight: base.Probabilities[base.LabelName] - p.Probabilities[base.LabelName]})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Weight > out[j].Weight })
	return out[:min(3, len(out))], nil
}

func (b baselineModel) Info() worker.ModelInfo { return b.info }
