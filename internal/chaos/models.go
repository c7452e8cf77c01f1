package chaos

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/radflag/radflag/classifier"
	"github.com/radflag/radflag/classifier/baseline"
	"github.com/radflag/radflag/classifier/synth"
)

// BaselineModelDirs trains the n-gram baseline of every task on synthetic
// reports (a few seconds), saves it under dir, and returns the value of
// classify.model_dirs (RADFLAG_CLASSIFY_MODEL_DIRS) that makes serve use
// them instead of the shipped transformers.
func BaselineModelDirs(ctx context.Context, dir string) (string, error) {
	var dirs []string
	for _, name := range Tasks {
		task, err := classifier.TaskByName(name)
		if err != nil {
			return "", err
		}
		ex, err := synth.Generate(name, 2000, 1)
		if err != nil {
			return "", fmt.Errorf("baseline %s: %w", name, err)
		}
		var labels []baseline.Label
		for _, l := range task.Labels {
			labels = append(labels, baseline.Label{ID: l.ID, Name: l.Name})
		}
		m, err := baseline.Train(ctx, baseline.Config{Task: name, Labels: labels}, ex)
		if err != nil {
			return "", fmt.Errorf("train baseline %s: %w", name, err)
		}
		path := filepath.Join(dir, name+".baseline")
		if err := m.Save(path); err != nil {
			return "", fmt.Errorf("save baseline %s: %w", name, err)
		}
		dirs = append(dirs, name+"=baseline:"+path)
	}
	return strings.Join(dirs, ","), nil
}
