package classifier

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"path/filepath"
	"strconv"
	"time"

	"github.com/radflag/radflag/classifier/baseline"
	"github.com/radflag/radflag/classifier/dataset"
	"github.com/radflag/radflag/classifier/metrics"
)

// A model directory may hold an n-gram companion beside model.onnx: a
// word-n-gram logistic regression (classifier/baseline) trained on the same
// reports, named by radflag.json's "ensemble" block. The answer is then the
// weighted mean of the two models' probabilities:
//
//	p = (1 − weight)·p_transformer(fitted text) + weight·p_ngram(whole text)
//
// Why: on the hand-written development sets the two make different
// mistakes. The transformer reads word order and negation within the 128
// tokens it sees; the n-gram model reads every word of the report, including
// the middle that Fit cuts from long ones, and words the transformer's
// vocabulary maps to [UNK] only through their neighbours. On dev the pair
// scored above the transformer alone for every trained model measured (four
// pancreas, three ir_procedure; BENCHMARKS.md, "n-gram companion"). The
// transformer still runs through hugot exactly as before; the companion
// costs well under a millisecond a report.

// CompanionFile is the companion's file name in a model directory.
const CompanionFile = "ngram.json"

// DefaultCompanionWeight is the companion's share of the probabilities:
// the plain mean of the two models. 0.5 and 0.6 scored alike on the
// development sets (BENCHMARKS.md); 0.5 favours neither model.
const DefaultCompanionWeight = 0.5

// Ensemble is radflag.json's description of a model directory's companion.
type Ensemble struct {
	File   string  `json:"file"`   // CompanionFile
	SHA256 string  `json:"sha256"` // of File, checked at load
	Weight float64 `json:"weight"` // the companion's share, in (0, 1)
	// Features is the number of n-grams the companion weighs.
	Features     int        `json:"features"`
	TrainingData DataDigest `json:"training_data"`
	// TrainingSeconds is the companion's own training time.
	TrainingSeconds float64 `json:"training_seconds"`
	// Validation is the ensemble's score on the manifest's validation data.
	Validation *ValidationMetrics `json:"validation,omitempty"`
	// Transformer is the transformer's version before the companion was
	// added: the version its results carry with Config.TransformerOnly.
	Transformer string `json:"transformer_version"`
}

// companion is a loaded n-gram companion.
type companion struct {
	m      *baseline.Model
	weight float64
	names  []string // task label names, in task label order
}

// loadCompanion opens the companion named by man and checks that it was
// made for the task, with its labels, and is the file radflag.json names.
func loadCompanion(dir string, task Task, e *Ensemble) (*companion, string, error) {
	if e.File == "" || filepath.Base(e.File) != e.File {
		return nil, "", fmt.Errorf("radflag.json ensemble file %q is not a file name in the model directory", e.File)
	}
	if !(e.Weight > 0 && e.Weight < 1) {
		return nil, "", fmt.Errorf("radflag.json ensemble weight %v is outside (0, 1)", e.Weight)
	}
	path := filepath.Join(dir, e.File)
	digest, err := fileSHA256(path)
	if err != nil {
		return nil, "", fmt.Errorf("n-gram companion: %w", err)
	}
	if digest != e.SHA256 {
		return nil, "", fmt.Errorf("n-gram companion %s has sha256 %s, radflag.json says %s", e.File, digest[:12], short(e.SHA256))
	}
	m, err := baseline.Load(path)
	if err != nil {
		return nil, "", fmt.Errorf("n-gram companion: %w", err)
	}
	if err := m.Fits(task.Name, baselineLabels(task)); err != nil {
		return nil, "", fmt.Errorf("n-gram companion %s: %w", e.File, err)
	}
	names := make([]string, len(task.Labels))
	for i, l := range task.Labels {
		names[i] = l.Name
	}
	return &companion{m: m, weight: e.Weight, names: names}, digest, nil
}

// baselineLabels is the task's labels as the baseline package names them.
func baselineLabels(t Task) []baseline.Label {
	out := make([]baseline.Label, len(t.Labels))
	for i, l := range t.Labels {
		out[i] = baseline.Label{ID: l.ID, Name: l.Name}
	}
	return out
}

func short(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}

// probs returns the companion's probabilities for text in task label order.
func (c *companion) probs(text string) []float64 { return c.order(c.m.Predict(text)) }

// order returns a prediction's probabilities in task label order.
func (c *companion) order(pred baseline.Prediction) []float64 {
	p := pred.Probabilities
	out := make([]float64, len(c.names))
	for i, n := range c.names {
		out[i] = p[n]
	}
	return out
}

// mix returns (1 − w)·t + w·n.
func (c *companion) mix(t, n []float64) []float64 {
	out := make([]float64, len(t))
	for i := range t {
		out[i] = (1-c.weight)*t[i] + c.weight*n[i]
	}
	return out
}

// ensembleDigest names the pair: the transformer's model.onnx digest, the
// companion's and the weight. Results carry it, so an answer of the pair is
// never taken for one of the transformer alone.
func ensembleDigest(onnxDigest, companionDigest string, weight float64) string {
	h := sha256.New()
	fmt.Fprintf(h, "radflag-ensemble/1\x00%s\x00%s\x00%s", onnxDigest, companionDigest, strconv.FormatFloat(weight, 'g', -1, 64))
	return hex.EncodeToString(h.Sum(nil))
}

// CompanionConfig says how AddCompanion trains a model directory's companion.
type CompanionConfig struct {
	Task     Task
	Dir      string // a model directory: radflag's, or a site's (radflag.json is then written)
	DataPath string // the training reports; the transformer's own, for a faithful pair
	// ValPath, when set, is scored with the ensemble and recorded.
	ValPath string
	// Weight is the companion's share (default DefaultCompanionWeight).
	Weight float64
	Seed   uint64 // the companion's seed (default 1)
	Log    func(format string, args ...any)
}

// AddCompanion trains the n-gram companion on cfg.DataPath, writes it into
// cfg.Dir and records it in radflag.json (replacing an earlier companion).
// The transformer's files are not touched.
func AddCompanion(ctx context.Context, cfg CompanionConfig) (*Manifest, error) {
	task := cfg.Task
	if err := task.Validate(); err != nil {
		return nil, err
	}
	// The directory first: a wrong one is named before a long read.
	man, err := companionBase(ctx, cfg.Dir, task)
	if err != nil {
		return nil, err
	}
	valid := func(l int) bool { return task.index(l) >= 0 }
	data, err := dataset.ReadFile(cfg.DataPath, valid)
	if err != nil {
		return nil, fmt.Errorf("companion training data: %w", err)
	}
	trainDigest, err := digestFile(cfg.DataPath)
	if err != nil {
		return nil, err
	}
	var val []dataset.Example
	if cfg.ValPath != "" {
		if val, err = dataset.ReadFile(cfg.ValPath, valid); err != nil {
			return nil, fmt.Errorf("validation data: %w", err)
		}
	}
	return addCompanion(ctx, cfg, man, data, DataDigest{File: filepath.Base(cfg.DataPath), SHA256: trainDigest, N: len(data), Counts: counts(task, data)}, val)
}

// companionBase returns the manifest the companion is recorded in: the
// directory's radflag.json, or, for a model brought by a site (config.json
// and model.onnx alone), a new one naming the task and its labels, once the
// model has loaded for the task with its classes in the task's order.
func companionBase(ctx context.Context, dir string, task Task) (*Manifest, error) {
	man, err := readTaskManifest(dir, task)
	if errors.Is(err, fs.ErrNotExist) {
		t := task
		t.ModelDir = dir
		m, err := Load(ctx, Config{Task: t, TransformerOnly: true})
		if err != nil {
			return nil, err
		}
		defer m.Close()
		for i, j := range m.labelIdx {
			if i != j {
				return nil, fmt.Errorf("model directory %s: its config.json lists the classes in another order than task %s; a companion needs the task's order", dir, task.Name)
			}
		}
		info := m.Info()
		return &Manifest{Task: task.Name, Name: info.Name, Version: info.Version, Labels: task.Labels, Created: time.Now().UTC().Truncate(time.Second)}, nil
	}
	return man, err
}

// addCompanion is AddCompanion on examples already read; Train calls it with
// the transformer's own training split.
func addCompanion(ctx context.Context, cfg CompanionConfig, man *Manifest, data []dataset.Example, digestOfData DataDigest, val []dataset.Example) (*Manifest, error) {
	task := cfg.Task
	logf := cfg.Log
	if logf == nil {
		logf = func(string, ...any) {}
	}
	if cfg.Weight == 0 {
		cfg.Weight = DefaultCompanionWeight
	}
	if !(cfg.Weight > 0 && cfg.Weight < 1) {
		return nil, fmt.Errorf("companion weight %v is outside (0, 1)", cfg.Weight)
	}
	onnxDigest, err := fileSHA256(filepath.Join(cfg.Dir, "model.onnx"))
	if err != nil {
		return nil, err
	}
	start := time.Now()
	bm, err := baseline.Train(ctx, baseline.Config{Task: task.Name, Labels: baselineLabels(task), Seed: cfg.Seed}, data)
	if err != nil {
		return nil, fmt.Errorf("train n-gram companion: %w", err)
	}
	seconds := time.Since(start).Seconds()
	logf("n-gram companion: %d n-grams from %d reports in %.0f s", bm.Features(), len(data), seconds)
	path := filepath.Join(cfg.Dir, CompanionFile)
	if err := bm.Save(path); err != nil {
		return nil, err
	}
	digest, err := fileSHA256(path)
	if err != nil {
		return nil, err
	}
	transformerVersion := man.Version
	if man.Ensemble != nil && man.Ensemble.Transformer != "" {
		transformerVersion = man.Ensemble.Transformer
	}
	man.Ensemble = &Ensemble{
		File: CompanionFile, SHA256: digest, Weight: cfg.Weight, Features: bm.Features(),
		TrainingData: digestOfData, TrainingSeconds: math.Round(seconds*10) / 10,
		Transformer: transformerVersion,
	}
	// The pair is a new model: a new version, dated like the transformer's.
	man.Version = modelVersion(man.Created, ensembleDigest(onnxDigest, digest, cfg.Weight))
	if err := writeManifest(cfg.Dir, man); err != nil {
		return nil, err
	}
	if len(val) == 0 {
		return man, nil
	}
	v, _, err := validateDir(ctx, Config{}, task, cfg.Dir, val)
	if err != nil {
		return nil, err
	}
	man.Ensemble.Validation = v
	if err := writeManifest(cfg.Dir, man); err != nil {
		return nil, err
	}
	logf("ensemble validation through hugot: accuracy %.4f, macro F1 %.4f", v.Accuracy, v.MacroF1)
	return man, nil
}

// validateDir scores the model directory, as Load opens it with cfg (Task
// and its ModelDir are set here), on val: the metrics and each report's
// predicted label ID.
func validateDir(ctx context.Context, cfg Config, task Task, dir string, val []dataset.Example) (*ValidationMetrics, []int, error) {
	cfg.Task = task
	cfg.Task.ModelDir = dir
	m, err := Load(ctx, cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("reload model: %w", err)
	}
	defer m.Close()
	texts := make([]string, len(val))
	gold := make([]int, len(val))
	for i, ex := range val {
		texts[i], gold[i] = ex.Text, ex.Label
	}
	preds, err := m.Predict(ctx, texts)
	if err != nil {
		return nil, nil, fmt.Errorf("validate model: %w", err)
	}
	pred := make([]int, len(preds))
	for i, p := range preds {
		pred[i] = p.Label
	}
	ml := make([]metrics.Label, len(task.Labels))
	for i, l := range task.Labels {
		ml[i] = metrics.Label{ID: l.ID, Name: l.Name}
	}
	sc, err := metrics.Compute(ml, gold, pred)
	if err != nil {
		return nil, nil, err
	}
	v := &ValidationMetrics{N: sc.N, Accuracy: sc.Accuracy, MacroF1: sc.MacroF1, Recall: map[string]float64{}}
	for _, c := range sc.PerClass {
		v.Recall[c.Label.Name] = c.Recall
	}
	return v, pred, nil
}
