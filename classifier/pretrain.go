package classifier

import (
	"context"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/radflag/radflag/classifier/dataset"
	"github.com/radflag/radflag/classifier/tokenizer"
	"github.com/radflag/radflag/classifier/transformer"
)

// A pretrained encoder directory holds tokenizer.json, encoder.gob (the
// embeddings and encoder layers) and pretrain.json (what made them).
// `radflag train --pretrained DIR` fine-tunes a task from it.
const (
	pretrainManifest = "pretrain.json"
	pretrainWeights  = "encoder.gob"
)

// PretrainConfig configures Pretrain.
type PretrainConfig struct {
	DataPaths    []string // JSONL sets; only their texts are read
	OutDir       string
	Seed         int64
	Steps        int
	BatchSize    int
	LearningRate float64
	MaskProb     float64
	MaxDuration  time.Duration
	MaxTokens    int  // default 128
	VocabSize    int  // default 6000
	WholeWords   bool // see tokenizer.TrainConfig
	Hidden       int  // default 128
	Layers       int  // default 2
	Heads        int  // default 4
	FFN          int  // default 4*Hidden
	Progress     func(transformer.Progress)
	Log          func(format string, args ...any)
}

// PretrainManifest is pretrain.json.
type PretrainManifest struct {
	Architecture transformer.Config `json:"architecture"`
	MaxTokens    int                `json:"max_tokens"`
	Data         []DataDigest       `json:"data"`
	Seed         int64              `json:"seed"`
	Steps        int                `json:"steps"`
	MaskProb     float64            `json:"mask_prob"`
	FirstLoss    float64            `json:"first_loss"`
	LastLoss     float64            `json:"last_loss"`
	Stopped      string             `json:"stopped"`
	Seconds      float64            `json:"seconds"`
	Created      time.Time          `json:"created"`
}

// Pretrain trains a WordPiece vocabulary and a masked-language-model encoder
// on the texts of cfg.DataPaths and writes the encoder directory.
func Pretrain(ctx context.Context, cfg PretrainConfig) (*PretrainManifest, error) {
	if cfg.OutDir == "" || len(cfg.DataPaths) == 0 {
		return nil, errors.New("pretrain: need data and an output directory")
	}
	logf := cfg.Log
	if logf == nil {
		logf = func(string, ...any) {}
	}
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&cfg.MaxTokens, 128)
	def(&cfg.VocabSize, 6000)
	def(&cfg.Hidden, 128)
	def(&cfg.Layers, 2)
	def(&cfg.Heads, 4)
	def(&cfg.FFN, 4*cfg.Hidden)
	start := time.Now()
	var texts []string
	var digests []DataDigest
	for _, p := range cfg.DataPaths {
		exs, err := dataset.ReadFile(p, nil)
		if err != nil {
			return nil, fmt.Errorf("pretraining data: %w", err)
		}
		d, err := digestFile(p)
		if err != nil {
			return nil, err
		}
		digests = append(digests, DataDigest{File: filepath.Base(p), SHA256: d, N: len(exs)})
		for _, ex := range exs {
			texts = append(texts, ex.Text)
		}
	}
	vocab, err := tokenizer.Train(texts, tokenizer.TrainConfig{VocabSize: cfg.VocabSize, WholeWords: cfg.WholeWords})
	if err != nil {
		return nil, err
	}
	tj := tokenizer.Build(vocab)
	tk, err := tokenizer.New(tj)
	if err != nil {
		return nil, err
	}
	seqs := make([][]int, len(texts))
	for i, t := range texts {
		_, seqs[i] = tk.FitIDs(t, cfg.MaxTokens)
	}
	logf("%d texts, vocabulary %d tokens; tokenised in %v", len(texts), tk.VocabSize(), time.Since(start).Round(time.Millisecond))
	mc := transformer.Config{VocabSize: tk.VocabSize(), Hidden: cfg.Hidden, Layers: cfg.Layers, Heads: cfg.Heads, FFN: cfg.FFN,
		MaxPositions: cfg.MaxTokens, TypeVocab: 2, NumLabels: 2, Dropout: 0.1, Pooling: "mean"}
	res, err := transformer.Pretrain(ctx, transformer.PretrainConfig{Model: mc, Seed: cfg.Seed, BatchSize: cfg.BatchSize,
		Steps: cfg.Steps, LearningRate: cfg.LearningRate, MaskProb: cfg.MaskProb, MaxDuration: cfg.MaxDuration, Progress: cfg.Progress}, seqs)
	if err != nil {
		return nil, err
	}
	logf("pretrained: %d steps, masked-token loss %.3f → %.3f (%s)", res.Steps, res.FirstLoss, res.LastLoss, res.Stopped)
	if err := os.MkdirAll(cfg.OutDir, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", cfg.OutDir, err)
	}
	if err := os.WriteFile(filepath.Join(cfg.OutDir, "tokenizer.json"), tj, 0o644); err != nil {
		return nil, fmt.Errorf("write tokenizer: %w", err)
	}
	enc := transformer.Weights{}
	for n, p := range res.Weights {
		enc[n] = p
	}
	f, err := os.Create(filepath.Join(cfg.OutDir, pretrainWeights))
	if err != nil {
		return nil, fmt.Errorf("write encoder: %w", err)
	}
	if err := errors.Join(gob.NewEncoder(f).Encode(enc), f.Close()); err != nil {
		return nil, fmt.Errorf("write encoder: %w", err)
	}
	man := &PretrainManifest{Architecture: mc, MaxTokens: cfg.MaxTokens, Data: digests, Seed: cfg.Seed, Steps: res.Steps,
		MaskProb: cfg.MaskProb, FirstLoss: res.FirstLoss, LastLoss: res.LastLoss, Stopped: res.Stopped,
		Seconds: time.Since(start).Seconds(), Created: time.Now().UTC().Truncate(time.Second)}
	b, err := json.MarshalIndent(man, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(cfg.OutDir, pretrainManifest), append(b, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("write %s: %w", pretrainManifest, err)
	}
	return man, nil
}

// readPretrained loads a pretrained encoder directory.
func readPretrained(dir string) (*PretrainManifest, []byte, transformer.Weights, error) {
	b, err := os.ReadFile(filepath.Join(dir, pretrainManifest))
	if err != nil {
		return nil, nil, nil, fmt.Errorf("pretrained encoder: %w", err)
	}
	var man PretrainManifest
	if err := json.Unmarshal(b, &man); err != nil {
		return nil, nil, nil, fmt.Errorf("pretrained encoder: parse %s: %w", pretrainManifest, err)
	}
	tj, err := os.ReadFile(filepath.Join(dir, "tokenizer.json"))
	if err != nil {
		return nil, nil, nil, fmt.Errorf("pretrained encoder: %w", err)
	}
	f, err := os.Open(filepath.Join(dir, pretrainWeights))
	if err != nil {
		return nil, nil, nil, fmt.Errorf("pretrained encoder: %w", err)
	}
	defer f.Close()
	var w transformer.Weights
	if err := gob.NewDecoder(f).Decode(&w); err != nil {
		return nil, nil, nil, fmt.Errorf("pretrained encoder: read %s: %w", pretrainWeights, err)
	}
	return &man, tj, w, nil
}
