package classifier

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/radflag/radflag/classifier/dataset"
)

// writeTinyPancreasSet writes 60 labelled one-line reports (20 per class) to
// dir/train.jsonl and returns the path.
func writeTinyPancreasSet(t *testing.T, dir string) string {
	t.Helper()
	var exs []dataset.Example
	for i := 0; i < 60; i++ {
		text := []string{"No pancreatic mass. Normal pancreas.", "Status post Whipple for pancreatic cancer.", "Pancreatic head mass suspicious for cancer."}[i%3]
		exs = append(exs, dataset.Example{ID: fmt.Sprint("r", i), Text: fmt.Sprintf("Case %d. %s", i, text), Label: i % 3})
	}
	data := filepath.Join(dir, "train.jsonl")
	f, err := os.Create(data)
	if err != nil {
		t.Fatal(err)
	}
	if err := dataset.Write(f, exs); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return data
}

// TestTrainWritesLoadableModel trains a tiny model end to end (JSONL →
// tokenizer → gomlx → ONNX → hugot), then continues from it with --init.
func TestTrainWritesLoadableModel(t *testing.T) {
	dir := t.TempDir()
	data := writeTinyPancreasSet(t, dir)
	task := pancreasTask(t)
	cfg := TrainConfig{Task: task, DataPath: data, OutDir: filepath.Join(dir, "m1"), Seed: 5, Epochs: 2, BatchSize: 8,
		MaxTokens: 32, VocabSize: 200, Hidden: 16, Layers: 1, Heads: 2, FFN: 32, ValFraction: 0.2}
	res, err := Train(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Manifest.Validation.N != 12 || res.Manifest.TrainingData.N != 48 || len(res.Manifest.TrainingData.SHA256) != 64 {
		t.Fatalf("manifest %+v", res.Manifest)
	}
	if res.Manifest.Ensemble != nil {
		t.Fatalf("companion trained without CompanionWeight: %+v", res.Manifest.Ensemble)
	}
	// The continued run also trains the n-gram companion, on the same
	// training split, and scores the pair on the same validation split.
	cfg.InitDir, cfg.OutDir, cfg.Epochs, cfg.CompanionWeight = cfg.OutDir, filepath.Join(dir, "m2"), 1, 0.4
	res, err = Train(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	e := res.Manifest.Ensemble
	if e == nil || e.Weight != 0.4 || e.TrainingData.N != 48 || e.Validation == nil || e.Validation.N != 12 || e.Transformer == res.Manifest.Version {
		t.Fatalf("companion %+v, version %s", e, res.Manifest.Version)
	}
	task.ModelDir = cfg.OutDir
	m, err := Load(context.Background(), Config{Task: task})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if m.Info().MaxTokens != 32 || m.Info().Companion == "" || m.Info().Version != res.Manifest.Version {
		t.Fatalf("info %+v", m.Info())
	}
}

// TestPretrainedEncoderFineTunes: radflag pretrain writes an encoder
// directory that train --pretrained fine-tunes into a loadable model with
// the encoder's tokenizer and size; a mismatched combination is refused.
func TestPretrainedEncoderFineTunes(t *testing.T) {
	dir := t.TempDir()
	data := writeTinyPancreasSet(t, dir)
	enc := filepath.Join(dir, "enc")
	man, err := Pretrain(context.Background(), PretrainConfig{DataPaths: []string{data}, OutDir: enc, Seed: 3, Steps: 3, BatchSize: 8,
		MaxTokens: 24, VocabSize: 150, Hidden: 16, Layers: 1, Heads: 2, FFN: 32})
	if err != nil {
		t.Fatal(err)
	}
	if man.Steps != 3 || man.Data[0].N != 60 || man.MaxTokens != 24 {
		t.Fatalf("pretrain manifest %+v", man)
	}
	task := pancreasTask(t)
	cfg := TrainConfig{Task: task, DataPath: data, OutDir: filepath.Join(dir, "m"), Seed: 5, MaxSteps: 3, BatchSize: 8,
		PretrainedDir: enc, ValFraction: 0.2, Hidden: 64} // Hidden is the encoder's, not this
	res, err := Train(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	a := res.Manifest.Architecture
	if a.Hidden != 16 || a.MaxTokens != 24 || a.NumLabels != 3 || a.VocabSize != man.Architecture.VocabSize {
		t.Fatalf("fine-tuned architecture %+v, encoder %+v", a, man.Architecture)
	}
	task.ModelDir = cfg.OutDir
	m, err := Load(context.Background(), Config{Task: task})
	if err != nil {
		t.Fatal(err)
	}
	m.Close()
	cfg.InitDir = cfg.OutDir
	if _, err := Train(context.Background(), cfg); err == nil {
		t.Error("--init and --pretrained together accepted")
	}
	if err := os.Remove(filepath.Join(enc, "encoder.gob")); err != nil {
		t.Fatal(err)
	}
	cfg.InitDir = ""
	if _, err := Train(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "pretrained encoder") {
		t.Errorf("missing encoder weights: %v", err)
	}
}
