package classifier

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/radflag/radflag/classifier/transformer"
)

// Manifest is radflag.json, written beside the Hugging Face files.
type Manifest struct {
	Task            string             `json:"task"`
	Name            string             `json:"name"`
	Version         string             `json:"version"`
	Labels          []Label            `json:"labels"` // in logit order, with dataset ids
	Architecture    Architecture       `json:"architecture"`
	TrainingData    DataDigest         `json:"training_data"`
	ValidationData  DataDigest         `json:"validation_data"`
	Validation      ValidationMetrics  `json:"validation"`
	Training        TrainingRun        `json:"training"`
	Created         time.Time          `json:"created"`
	TrainingSeconds float64            `json:"training_seconds"`
	Extra           map[string]float64 `json:"extra,omitempty"`
	// Ensemble, when present, names the directory's n-gram companion.
	Ensemble *Ensemble `json:"ensemble,omitempty"`
}

// Architecture describes the network.
type Architecture struct {
	Type string `json:"type"` // "bert"
	transformer.Config
	MaxTokens int `json:"max_tokens"` // texts longer are cut in the middle
}

// DataDigest identifies a data set.
type DataDigest struct {
	File   string         `json:"file,omitempty"`
	SHA256 string         `json:"sha256"`
	N      int            `json:"n"`
	Counts map[string]int `json:"counts"` // by label name
}

// ValidationMetrics are measured through hugot on the written model.
type ValidationMetrics struct {
	N        int                `json:"n"`
	Accuracy float64            `json:"accuracy"`
	MacroF1  float64            `json:"macro_f1"`
	Recall   map[string]float64 `json:"recall"`         // by label name
	Loss     float64            `json:"loss,omitempty"` // the transformer's (gomlx) validation loss
}

// TrainingRun records how training went.
type TrainingRun struct {
	Seed         int64   `json:"seed"`
	Epochs       int     `json:"epochs"`
	Steps        int     `json:"steps"`
	BatchSize    int     `json:"batch_size"`
	LearningRate float64 `json:"learning_rate"`
	FirstLoss    float64 `json:"first_loss"`
	LastLoss     float64 `json:"last_loss"`
	Stopped      string  `json:"stopped"`
	VocabSize    int     `json:"vocab_size"`
	// The regularisers of the run, so a model can be rebuilt from its manifest.
	MaxTokens      int     `json:"max_tokens,omitempty"`
	TokenDropout   float64 `json:"token_dropout,omitempty"`
	WordMask       float64 `json:"word_mask,omitempty"`
	LabelSmoothing float64 `json:"label_smoothing,omitempty"`
	AverageFrom    float64 `json:"average_from,omitempty"`
	Averaged       int     `json:"averaged_checkpoints,omitempty"`
}

const manifestFile = "radflag.json"

func readManifest(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, manifestFile))
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("parse %s: %w", manifestFile, err)
	}
	return &m, nil
}

// readTaskManifest reads dir's radflag.json and checks that it is for task.
// A directory without one gives an error that is fs.ErrNotExist, for the
// callers that have something else to do then.
func readTaskManifest(dir string, task Task) (*Manifest, error) {
	man, err := readManifest(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, err
	case err != nil:
		return nil, fmt.Errorf("model directory %s: %w", dir, err)
	case man.Task != task.Name:
		return nil, fmt.Errorf("model directory %s is for task %q, not %q", dir, man.Task, task.Name)
	}
	return man, nil
}

// modelVersion is the version radflag gives a model it writes: the day it
// was created and the start of its digest (model.onnx's, or the pair's).
// Train, AddCompanion and Reexport all name models this way.
func modelVersion(created time.Time, digest string) string {
	return created.Format("20060102") + "-" + digest[:8]
}

func writeManifest(dir string, m *Manifest) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", manifestFile, err)
	}
	if err := os.WriteFile(filepath.Join(dir, manifestFile), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", manifestFile, err)
	}
	return nil
}
