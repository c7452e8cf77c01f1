package classifier

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"

	"github.com/radflag/radflag/classifier/transformer"
)

// ReexportTolerance is the largest difference in any class probability
// Reexport accepts between the old graph and the new one on the check texts.
// The writer's rewrites are exact to float32 rounding (about 1e-6 here), so
// a larger difference means the new graph computes something else.
const ReexportTolerance = 1e-4

// ReexportConfig names a radflag-trained model directory to rewrite.
type ReexportConfig struct {
	Task Task
	Dir  string
	// Check are texts both graphs must classify alike (the same labels,
	// every probability within ReexportTolerance) before the new graph
	// replaces the old one. At least one.
	Check []string
	Log   func(format string, args ...any)
}

// Reexported says what Reexport did.
type Reexported struct {
	Changed    bool // false: model.onnx was already the current writer's, radflag.json its versions
	OldVersion string
	NewVersion string
	OldDigest  string // sha256 of model.onnx before
	NewDigest  string
	Checked    int     // check texts
	MaxDiff    float64 // largest probability difference on them
}

// Reexport writes a radflag-trained model's model.onnx again from its own
// weights with the current ONNX writer, so a model trained before a faster
// graph was written gets it without retraining (the weights, tokenizer and
// companion stay as they are). The new graph must classify cfg.Check as the
// old one does, or nothing is written. The new model.onnx has a new digest,
// so radflag.json gets new versions (the transformer's and, with a
// companion, the pair's): results of the new graph are never taken for the
// old one's.
func Reexport(ctx context.Context, cfg ReexportConfig) (*Reexported, error) {
	logf := cfg.Log
	if logf == nil {
		logf = func(string, ...any) {}
	}
	if err := cfg.Task.Validate(); err != nil {
		return nil, err
	}
	if len(cfg.Check) == 0 {
		return nil, errors.New("re-export: no texts to check the new graph on")
	}
	man, err := readTaskManifest(cfg.Dir, cfg.Task)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("model directory %s has no %s: only a model radflag trained can be re-exported (its graph is radflag's own)", cfg.Dir, manifestFile)
	case err != nil:
		return nil, err
	case man.Architecture.Type != "bert":
		return nil, fmt.Errorf("model directory %s: architecture %q, want bert", cfg.Dir, man.Architecture.Type)
	}
	old, model, err := rewriteGraph(cfg.Dir, man)
	if err != nil {
		return nil, err
	}
	res := &Reexported{OldVersion: man.Version, OldDigest: sha256Hex(old), NewDigest: sha256Hex(model)}
	if !bytes.Equal(model, old) {
		if err := checkGraphs(ctx, cfg, model, res); err != nil {
			return nil, err
		}
		logf("%d texts classified alike by both graphs, probabilities within %.2g", res.Checked, res.MaxDiff)
		res.Changed = true
	}
	// The versions Train and AddCompanion give this model.onnx. A run stopped between writing model.onnx and radflag.json
	// left them stale: the next run mends them.
	oldTransformer := man.Version
	transformerVersion := modelVersion(man.Created, res.NewDigest)
	if man.Ensemble != nil {
		oldTransformer = man.Ensemble.Transformer
		man.Ensemble.Transformer = transformerVersion
		man.Version = modelVersion(man.Created, ensembleDigest(res.NewDigest, man.Ensemble.SHA256, man.Ensemble.Weight))
	} else {
		man.Version = transformerVersion
	}
	res.NewVersion = man.Version
	if !res.Changed && man.Version == res.OldVersion && transformerVersion == oldTransformer {
		return res, nil
	}
	res.Changed = true
	if !bytes.Equal(model, old) {
		if err := transformer.WriteModelFile(cfg.Dir, model); err != nil {
			return nil, err
		}
	}
	if err := writeManifest(cfg.Dir, man); err != nil {
		return nil, err
	}
	return res, nil
}

// checkGraphs classifies cfg.Check with the directory's graph and with
// model, the new one, in a copy of the directory, and refuses any
// difference beyond ReexportTolerance.
func checkGraphs(ctx context.Context, cfg ReexportConfig, model []byte, res *Reexported) error {
	tmp, err := os.MkdirTemp("", "radflag-reexport-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	ents, err := os.ReadDir(cfg.Dir)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if !e.Type().IsRegular() || e.Name() == "model.onnx" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(cfg.Dir, e.Name()))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(tmp, e.Name()), b, 0o644); err != nil {
			return err
		}
	}
	if err := transformer.WriteModelFile(tmp, model); err != nil {
		return err
	}
	before, err := predictDir(ctx, cfg.Task, cfg.Dir, cfg.Check)
	if err != nil {
		return fmt.Errorf("re-export: the old graph: %w", err)
	}
	after, err := predictDir(ctx, cfg.Task, tmp, cfg.Check)
	if err != nil {
		return fmt.Errorf("re-export: the new graph: %w", err)
	}
	for i := range before {
		if before[i].Label != after[i].Label {
			return fmt.Errorf("re-export refused: check text %d is %s with the old graph and %s with the new one", i+1, before[i].LabelName, after[i].LabelName)
		}
		for k, p := range before[i].Probabilities {
			res.MaxDiff = max(res.MaxDiff, math.Abs(p-after[i].Probabilities[k]))
		}
	}
	res.Checked = len(cfg.Check)
	if res.MaxDiff > ReexportTolerance {
		return fmt.Errorf("re-export refused: a probability differs by %.3g between the old graph and the new one (at most %g allowed)", res.MaxDiff, ReexportTolerance)
	}
	return nil
}

// rewriteGraph reads a radflag-trained model directory's model.onnx (old)
// and writes its weights again with the current writer (model), by the
// architecture in its manifest.
func rewriteGraph(dir string, man *Manifest) (old, model []byte, err error) {
	path := filepath.Join(dir, "model.onnx")
	if old, err = os.ReadFile(path); err != nil {
		return nil, nil, fmt.Errorf("re-export: %w", err)
	}
	w, err := transformer.WeightsFromONNX(old)
	if err != nil {
		return nil, nil, fmt.Errorf("re-export: read weights from %s: %w", path, err)
	}
	if model, err = transformer.ONNX(man.Architecture.Config, w); err != nil {
		return nil, nil, fmt.Errorf("re-export %s: %w", path, err)
	}
	return old, model, nil
}

// predictDir classifies texts with the transformer of a model directory.
func predictDir(ctx context.Context, task Task, dir string, texts []string) ([]Prediction, error) {
	task.ModelDir = dir
	m, err := Load(ctx, Config{Task: task, TransformerOnly: true})
	if err != nil {
		return nil, err
	}
	defer m.Close()
	return m.Predict(ctx, texts)
}
