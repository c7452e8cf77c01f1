package baseline

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
)

// Format names the JSON layout Save writes; Load refuses any other.
const Format = "radflag-baseline/1"

// MaxFileBytes bounds what Load reads: a model over a few hundred thousand
// n-grams is tens of MB.
const MaxFileBytes = 512 << 20

type fileModel struct {
	Format    string       `json:"format"`
	Task      string       `json:"task"`
	Labels    []Label      `json:"labels"`
	Config    fileConfig   `json:"config"`
	TrainedOn TrainingInfo `json:"trained_on"`
	Terms     []string     `json:"terms"`
	IDF       []float64    `json:"idf"`
	Bias      []float64    `json:"bias"`
	Weights   [][]float64  `json:"weights"` // [class][term], classes in label order
}

type fileConfig struct {
	MinDF        int     `json:"min_df"`
	MaxFeatures  int     `json:"max_features"`
	Epochs       int     `json:"epochs"`
	LearningRate float64 `json:"learning_rate"`
	L2           float64 `json:"l2"`
	Seed         uint64  `json:"seed"`
	Rebalance    bool    `json:"rebalance"`
}

// Write writes the model as JSON.
func (m *Model) Write(w io.Writer) error {
	f := fileModel{
		Format: Format, Task: m.task, Labels: m.labels, TrainedOn: m.trainedOn,
		Config: fileConfig{
			MinDF: m.cfg.MinDF, MaxFeatures: m.cfg.MaxFeatures, Epochs: m.cfg.Epochs,
			LearningRate: m.cfg.LearningRate, L2: m.cfg.L2, Seed: m.cfg.Seed, Rebalance: !m.cfg.NoRebalance,
		},
		Terms: m.terms, IDF: m.idf, Bias: m.bias, Weights: m.weights,
	}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&f); err != nil {
		return fmt.Errorf("encode baseline model: %w", err)
	}
	return bw.Flush()
}

// Save writes the model to path, through a temporary file renamed into
// place so a crash never leaves half a model.
func (m *Model) Save(path string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".baseline-*.json")
	if err != nil {
		return fmt.Errorf("save baseline model: %w", err)
	}
	defer os.Remove(tmp.Name())
	// CreateTemp makes the file 0600; a model is not secret.
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("save baseline model %s: %w", path, err)
	}
	if err := m.Write(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("save baseline model %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("save baseline model %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save baseline model %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("save baseline model %s: %w", path, err)
	}
	return nil
}

// Load reads a model that Save wrote.
func Load(path string) (*Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load baseline model: %w", err)
	}
	defer f.Close()
	m, err := Read(f)
	if err != nil {
		return nil, fmt.Errorf("load baseline model %s: %w", path, err)
	}
	return m, nil
}

// Read reads a model from r and checks that its parts fit together.
func Read(r io.Reader) (*Model, error) {
	lr := &io.LimitedReader{R: r, N: MaxFileBytes + 1}
	var f fileModel
	dec := json.NewDecoder(lr)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		if lr.N <= 0 {
			return nil, fmt.Errorf("model larger than %d bytes", MaxFileBytes)
		}
		return nil, fmt.Errorf("not a baseline model: %w", err)
	}
	if f.Format != Format {
		return nil, fmt.Errorf("format %q, want %q", f.Format, Format)
	}
	k := len(f.Labels)
	if k < 2 {
		return nil, fmt.Errorf("%d labels, need at least 2", k)
	}
	seenID, seenName := map[int]bool{}, map[string]bool{}
	for i, l := range f.Labels {
		if seenID[l.ID] || seenName[l.Name] || l.Name == "" {
			return nil, fmt.Errorf("label %d (%q) repeated or unnamed", l.ID, l.Name)
		}
		if i > 0 && l.ID < f.Labels[i-1].ID {
			return nil, errors.New("labels not ordered by id")
		}
		seenID[l.ID], seenName[l.Name] = true, true
	}
	v := len(f.Terms)
	if v == 0 {
		return nil, errors.New("empty vocabulary")
	}
	if len(f.IDF) != v {
		return nil, fmt.Errorf("%d idf values for %d terms", len(f.IDF), v)
	}
	if len(f.Bias) != k || len(f.Weights) != k {
		return nil, fmt.Errorf("%d biases and %d weight rows for %d labels", len(f.Bias), len(f.Weights), k)
	}
	vocab := make(map[string]int, v)
	for i, t := range f.Terms {
		if _, dup := vocab[t]; dup {
			return nil, fmt.Errorf("term %q repeated", t)
		}
		vocab[t] = i
	}
	if err := finite(f.IDF); err != nil {
		return nil, fmt.Errorf("idf: %w", err)
	}
	if err := finite(f.Bias); err != nil {
		return nil, fmt.Errorf("bias: %w", err)
	}
	for c, row := range f.Weights {
		if len(row) != v {
			return nil, fmt.Errorf("weight row %d has %d values for %d terms", c, len(row), v)
		}
		if err := finite(row); err != nil {
			return nil, fmt.Errorf("weight row %d: %w", c, err)
		}
	}
	return &Model{
		task: f.Task, labels: f.Labels, vocab: vocab, terms: f.Terms, idf: f.IDF,
		weights: f.Weights, bias: f.Bias, trainedOn: f.TrainedOn,
		cfg: Config{
			Task: f.Task, Labels: f.Labels, MinDF: f.Config.MinDF, MaxFeatures: f.Config.MaxFeatures,
			Epochs: f.Config.Epochs, LearningRate: f.Config.LearningRate, L2: f.Config.L2,
			Seed: f.Config.Seed, NoRebalance: !f.Config.Rebalance,
		},
	}, nil
}

func finite(v []float64) error {
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("value %d is not finite", i)
		}
	}
	return nil
}
