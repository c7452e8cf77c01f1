package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/radflag/radflag/classifier"
	"github.com/radflag/radflag/classifier/baseline"
	"github.com/radflag/radflag/classifier/synth"
	"github.com/radflag/radflag/config"
	"github.com/radflag/radflag/worker"
)

// TestLoadTaskModelBaseline: classify.model_dirs task=baseline:FILE loads
// a saved n-gram baseline as the task's model, and refuses one saved for
// another task.
func TestLoadTaskModelBaseline(t *testing.T) {
	ex, err := synth.Generate("pancreas", 300, 3)
	if err != nil {
		t.Fatal(err)
	}
	task, err := classifier.TaskByName("pancreas")
	if err != nil {
		t.Fatal(err)
	}
	var labels []baseline.Label
	for _, l := range task.Labels {
		labels = append(labels, baseline.Label{ID: l.ID, Name: l.Name})
	}
	m, err := baseline.Train(context.Background(), baseline.Config{Task: "pancreas", Labels: labels, Epochs: 5}, ex)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "pancreas.baseline")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	task.ModelDir = baselinePrefix + path
	wm, closer, err := loadTaskModel(context.Background(), &cfg, task)
	if err != nil {
		t.Fatal(err)
	}
	defer closer.Close()
	info := wm.Info()
	if info.Digest == "" || !strings.HasPrefix(info.Version, "baseline-") {
		t.Errorf("info = %+v", info)
	}
	var pre string
	for _, e := range ex {
		if e.Label == 2 {
			pre = e.Text
			break
		}
	}
	ps, err := wm.Predict(context.Background(), []string{pre})
	if err != nil || len(ps) != 1 || ps[0].LabelName == "" {
		t.Fatalf("predict: %v %+v", err, ps)
	}
	ev, err := wm.(worker.Explainer).Explain(context.Background(), pre)
	if err != nil || len(ev) == 0 || ev[0].Text == "" {
		t.Fatalf("explain: %v %+v", err, ev)
	}

	ir, err := classifier.TaskByName("ir_procedure")
	if err != nil {
		t.Fatal(err)
	}
	ir.ModelDir = baselinePrefix + path
	if _, _, err := loadTaskModel(context.Background(), &cfg, ir); err == nil || !strings.Contains(err.Error(), "pancreas") {
		t.Fatalf("a pancreas baseline for ir_procedure: err = %v", err)
	}
}
