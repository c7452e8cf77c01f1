package classifier

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/radflag/radflag/classifier/dataset"
	"github.com/radflag/radflag/classifier/onnx"
	"github.com/radflag/radflag/classifier/tokenizer"
	"github.com/radflag/radflag/classifier/transformer"
)

// TrainConfig configures Train.
type TrainConfig struct {
	Task         Task
	DataPath     string
	ValPath      string  // "" = hold out ValFraction of the training data (stratified)
	ValFraction  float64 // default 0.1
	OutDir       string
	Seed         int64
	Epochs       int
	MaxDuration  time.Duration
	BatchSize    int
	LearningRate float64
	MaxTokens    int // default 256
	VocabSize    int // default 6000
	// WholeWords: see tokenizer.TrainConfig.
	WholeWords bool
	Hidden     int // default 128
	Layers     int // default 2
	Heads      int // default 4
	FFN        int // default 4*Hidden
	// Pooling is "mean" (default), "meanmax" or "cls"; see transformer.Config.
	Pooling string
	// Activation is "gelu" (default) or "relu"; see transformer.Config.
	Activation string
	// TokenDropout and WordMask: see transformer.TrainConfig.
	TokenDropout float64
	WordMask     float64
	// LabelSmoothing and AverageFrom: see transformer.TrainConfig.
	LabelSmoothing float64
	AverageFrom    float64
	// MaxSteps bounds the optimiser steps (0: epochs and time decide).
	MaxSteps int
	// WatchPath is a labelled set scored at every validation and shown in
	// the progress (never used to choose weights or stop).
	WatchPath string
	Patience  int
	EvalEvery int
	Name      string // model name in radflag.json; default "radflag-<task>"
	// InitDir continues training from a model directory radflag wrote
	// (same task): its tokenizer, architecture and weights are reused.
	InitDir string
	// PretrainedDir fine-tunes from an encoder `radflag pretrain` wrote:
	// its tokenizer, architecture and encoder weights, with a fresh head.
	PretrainedDir string
	// CompanionWeight, when above 0, also trains the n-gram companion on
	// the same training reports, with this share of the answer (Ensemble).
	CompanionWeight float64
	Progress        func(transformer.Progress)
	// Log receives a few lines about the run's phases (no report text).
	Log func(format string, args ...any)
}

// TrainResult summarises a run.
type TrainResult struct {
	Manifest *Manifest
	Dir      string
}

// Train trains a model for cfg.Task and writes its directory (model.onnx,
// config.json, tokenizer.json, radflag.json). The validation metrics in
// radflag.json are measured by loading the written directory through hugot,
// the path serve uses.
func Train(ctx context.Context, cfg TrainConfig) (*TrainResult, error) {
	task := cfg.Task
	if err := task.Validate(); err != nil {
		return nil, err
	}
	if cfg.OutDir == "" {
		return nil, errors.New("train: no output directory")
	}
	if cfg.InitDir != "" && cfg.PretrainedDir != "" {
		return nil, errors.New("train: continue from a model or fine-tune a pretrained encoder, not both")
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
	def(&cfg.MaxTokens, 256)
	def(&cfg.VocabSize, 6000)
	def(&cfg.Hidden, 128)
	def(&cfg.Layers, 2)
	def(&cfg.Heads, 4)
	def(&cfg.FFN, 4*cfg.Hidden)
	def(&cfg.BatchSize, 32)
	if cfg.ValFraction <= 0 || cfg.ValFraction >= 1 {
		cfg.ValFraction = 0.1
	}
	if cfg.LearningRate <= 0 {
		cfg.LearningRate = 1e-3
	}
	if cfg.Name == "" {
		cfg.Name = "radflag-" + task.Name
	}
	if cfg.CompanionWeight < 0 || cfg.CompanionWeight >= 1 {
		return nil, fmt.Errorf("train: companion weight %v is outside [0, 1)", cfg.CompanionWeight)
	}
	start := time.Now()
	valid := func(l int) bool { return task.index(l) >= 0 }
	trainData, err := dataset.ReadFile(cfg.DataPath, valid)
	if err != nil {
		return nil, fmt.Errorf("training data: %w", err)
	}
	trainDigest, err := digestFile(cfg.DataPath)
	if err != nil {
		return nil, err
	}
	var valData []dataset.Example
	var valDigest string
	if cfg.ValPath != "" {
		if valData, err = dataset.ReadFile(cfg.ValPath, valid); err != nil {
			return nil, fmt.Errorf("validation data: %w", err)
		}
		if valDigest, err = digestFile(cfg.ValPath); err != nil {
			return nil, err
		}
	} else {
		trainData, valData = splitStratified(trainData, cfg.ValFraction, cfg.Seed)
		valDigest = trainDigest
	}
	if len(trainData) == 0 || len(valData) == 0 {
		return nil, errors.New("train: need both training and validation examples")
	}
	logf("task %s: %d training, %d validation reports", task.Name, len(trainData), len(valData))

	var tj []byte
	var initW transformer.Weights
	var initCfg *transformer.Config
	if cfg.InitDir != "" {
		man, err := readManifest(cfg.InitDir)
		if err != nil {
			return nil, fmt.Errorf("init model: %w", err)
		}
		if man.Task != task.Name {
			return nil, fmt.Errorf("init model is for task %q, not %q", man.Task, task.Name)
		}
		if tj, err = os.ReadFile(filepath.Join(cfg.InitDir, "tokenizer.json")); err != nil {
			return nil, fmt.Errorf("init model: %w", err)
		}
		mb, err := os.ReadFile(filepath.Join(cfg.InitDir, "model.onnx"))
		if err != nil {
			return nil, fmt.Errorf("init model: %w", err)
		}
		inits, err := onnx.ReadInitializers(mb)
		if err != nil {
			return nil, fmt.Errorf("init model: %w", err)
		}
		initW = transformer.Weights{}
		for n, t := range inits {
			dims := make([]int, len(t.Dims))
			for i, d := range t.Dims {
				dims[i] = int(d)
			}
			initW[n] = &transformer.Param{Dims: dims, Data: t.Float}
		}
		c := man.Architecture.Config
		initCfg = &c
		cfg.MaxTokens = man.Architecture.MaxTokens
		logf("continuing from %s (%d parameters)", cfg.InitDir, initW.NumParams())
	} else if cfg.PretrainedDir != "" {
		pm, ptj, pw, err := readPretrained(cfg.PretrainedDir)
		if err != nil {
			return nil, err
		}
		c := pm.Architecture
		c.NumLabels = len(task.Labels)
		if cfg.Pooling != "" {
			c.Pooling = cfg.Pooling
		}
		if initW, err = transformer.WithFreshHead(c, pw, cfg.Seed); err != nil {
			return nil, err
		}
		tj, initCfg, cfg.MaxTokens = ptj, &c, pm.MaxTokens
		logf("fine-tuning the encoder pretrained in %s (%d steps, masked-token loss %.3f)", cfg.PretrainedDir, pm.Steps, pm.LastLoss)
	} else {
		texts := make([]string, len(trainData))
		for i, ex := range trainData {
			texts[i] = ex.Text
		}
		vocab, err := tokenizer.Train(texts, tokenizer.TrainConfig{VocabSize: cfg.VocabSize, WholeWords: cfg.WholeWords})
		if err != nil {
			return nil, err
		}
		tj = tokenizer.Build(vocab)
	}
	tk, err := tokenizer.New(tj)
	if err != nil {
		return nil, err
	}
	encode := func(exs []dataset.Example) []transformer.Example {
		out := make([]transformer.Example, len(exs))
		for i, ex := range exs {
			// FitIDs: the ids of Encode(Fit(text)) from the fast encoder in
			// one pass; the two-step form took a minute for 30,000 reports.
			_, ids := tk.FitIDs(ex.Text, cfg.MaxTokens)
			out[i] = transformer.Example{IDs: ids, Label: task.index(ex.Label)}
		}
		return out
	}
	trainEx, valEx := encode(trainData), encode(valData)
	var watchEx []transformer.Example
	if cfg.WatchPath != "" {
		watch, err := dataset.ReadFile(cfg.WatchPath, valid)
		if err != nil {
			return nil, fmt.Errorf("watch data: %w", err)
		}
		watchEx = encode(watch)
	}
	logf("vocabulary %d tokens; tokenised in %v", tk.VocabSize(), time.Since(start).Round(time.Millisecond))

	mc := transformer.Config{VocabSize: tk.VocabSize(), Hidden: cfg.Hidden, Layers: cfg.Layers, Heads: cfg.Heads, FFN: cfg.FFN,
		MaxPositions: cfg.MaxTokens, TypeVocab: 2, NumLabels: len(task.Labels), Dropout: 0.1, Pooling: cfg.Pooling, Activation: cfg.Activation}
	if initCfg != nil {
		mc = *initCfg
	}
	res, err := transformer.Train(ctx, transformer.TrainConfig{
		Model: mc, Seed: cfg.Seed, BatchSize: cfg.BatchSize, Epochs: cfg.Epochs, LearningRate: cfg.LearningRate, TokenDropout: cfg.TokenDropout,
		WordMask: cfg.WordMask, Continuation: tk.Continuation(), MaxSteps: cfg.MaxSteps, Watch: watchEx,
		LabelSmoothing: cfg.LabelSmoothing, AverageFrom: cfg.AverageFrom,
		MaxDuration: cfg.MaxDuration, Patience: cfg.Patience, EvalEvery: cfg.EvalEvery, Progress: cfg.Progress,
		Init: initW,
	}, trainEx, valEx)
	if err != nil {
		return nil, err
	}
	trainSeconds := time.Since(start).Seconds()
	// An interrupted run still writes its best weights: finish even if ctx is done.
	ctx = context.WithoutCancel(ctx)
	logf("trained: %d steps, %d epochs, stopped: %s; validation accuracy %.4f (gomlx)", res.Steps, res.Epochs, res.Stopped, res.ValAccuracy)

	names := make([]string, len(task.Labels))
	for i, l := range task.Labels {
		names[i] = l.Name
	}
	if err := transformer.WriteDir(cfg.OutDir, mc, res.Weights, tj, names); err != nil {
		return nil, err
	}
	man := &Manifest{
		Task: task.Name, Name: cfg.Name, Labels: task.Labels,
		Architecture:   Architecture{Type: "bert", Config: mc, MaxTokens: cfg.MaxTokens},
		TrainingData:   DataDigest{File: filepath.Base(cfg.DataPath), SHA256: trainDigest, N: len(trainData), Counts: counts(task, trainData)},
		ValidationData: DataDigest{File: filepath.Base(firstNonEmpty(cfg.ValPath, cfg.DataPath)), SHA256: valDigest, N: len(valData), Counts: counts(task, valData)},
		Training: TrainingRun{Seed: cfg.Seed, Epochs: res.Epochs, Steps: res.Steps, BatchSize: cfg.BatchSize,
			LearningRate: cfg.LearningRate, FirstLoss: res.FirstLoss, LastLoss: res.LastLoss, Stopped: res.Stopped, VocabSize: tk.VocabSize(),
			MaxTokens: cfg.MaxTokens, TokenDropout: cfg.TokenDropout, WordMask: cfg.WordMask,
			LabelSmoothing: cfg.LabelSmoothing, AverageFrom: cfg.AverageFrom, Averaged: res.Averaged},
		Created:         time.Now().UTC().Truncate(time.Second),
		TrainingSeconds: trainSeconds,
	}
	digest, err := fileSHA256(filepath.Join(cfg.OutDir, "model.onnx"))
	if err != nil {
		return nil, err
	}
	man.Version = modelVersion(man.Created, digest)
	if err := writeManifest(cfg.OutDir, man); err != nil {
		return nil, err
	}

	// Measure validation through hugot on the written directory.
	v, pred, err := validateDir(ctx, Config{MaxTokens: cfg.MaxTokens, TransformerOnly: true}, task, cfg.OutDir, valData)
	if err != nil {
		return nil, fmt.Errorf("trained model: %w", err)
	}
	agree := 0
	for i, p := range pred {
		if task.index(p) == res.ValPred[i] {
			agree++
		}
	}
	if agree != len(pred) {
		logf("warning: hugot and gomlx disagree on %d of %d validation predictions", len(pred)-agree, len(pred))
	}
	v.Loss = res.ValLoss
	man.Validation = *v
	if err := writeManifest(cfg.OutDir, man); err != nil {
		return nil, err
	}
	logf("validation through hugot: accuracy %.4f, macro F1 %.4f", v.Accuracy, v.MacroF1)
	if cfg.CompanionWeight > 0 {
		if man, err = addCompanion(ctx, CompanionConfig{Task: task, Dir: cfg.OutDir, Weight: cfg.CompanionWeight, Seed: uint64(max(cfg.Seed, 1)), Log: cfg.Log},
			man, trainData, man.TrainingData, valData); err != nil {
			return nil, err
		}
	}
	return &TrainResult{Manifest: man, Dir: cfg.OutDir}, nil
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func counts(t Task, exs []dataset.Example) map[string]int {
	m := map[string]int{}
	for _, ex := range exs {
		m[t.Labels[t.index(ex.Label)].Name]++
	}
	return m
}

func digestFile(path string) (string, error) {
	d, err := fileSHA256(path)
	if err != nil {
		return "", fmt.Errorf("digest %s: %w", path, err)
	}
	return d, nil
}

// splitStratified holds out frac of each label, deterministically for seed.
func splitStratified(exs []dataset.Example, frac float64, seed int64) (train, val []dataset.Example) {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x5711))
	by := map[int][]dataset.Example{}
	var order []int
	for _, ex := range exs {
		if _, ok := by[ex.Label]; !ok {
			order = append(order, ex.Label)
		}
		by[ex.Label] = append(by[ex.Label], ex)
	}
	for _, l := range order {
		g := by[l]
		rng.Shuffle(len(g), func(i, j int) { g[i], g[j] = g[j], g[i] })
		k := int(float64(len(g))*frac + 0.5)
		if k == 0 && len(g) > 1 {
			k = 1
		}
		val = append(val, g[:k]...)
		train = append(train, g[k:]...)
	}
	return train, val
}
