package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/radflag/radflag/classifier"
	"github.com/radflag/radflag/config"
	"github.com/radflag/radflag/pipeline"
	"github.com/radflag/radflag/worker"
)

func init() { roleStarters[config.RoleClassify] = startClassify }

// loadTaskModel loads a task's model (a test may load another real model).
var loadTaskModel = func(ctx context.Context, cfg *config.Config, task classifier.Task) (worker.Model, io.Closer, error) {
	if path, ok := strings.CutPrefix(task.ModelDir, baselinePrefix); ok {
		return loadBaselineModel(task, path)
	}
	m, err := classifier.Load(ctx, classifier.Config{
		Task:      task,
		BatchSize: cfg.Classify.BatchSize,
		// Evidence is computed for flagging results only (worker.Explainer).
		Evidence:        false,
		EvidenceScreen:  cfg.Classify.EvidenceScreen,
		TransformerOnly: cfg.Classify.TransformerOnly,
		CacheDir:        filepath.Join(cfg.DataDir, "models"),
	})
	if err != nil {
		return nil, nil, err
	}
	return classifierModel{m}, m, nil
}

// startClassify loads every configured task's model (failing serve at start
// if one is missing or does not fit its task) and runs the classify worker.
func startClassify(ctx context.Context, env *serveEnv) ([]component, error) {
	c := env.cfg.Classify
	selectors := worker.DefaultSelectors()
	var tasks []worker.Task
	for _, name := range c.Tasks {
		task, err := classifier.TaskByName(name)
		if err != nil {
			return nil, fmt.Errorf("classify.tasks: %w", err)
		}
		task.ModelDir = c.ModelDirs[name]
		m, closer, err := loadTaskModel(ctx, env.cfg, task)
		if err != nil {
			return nil, fmt.Errorf("classify task %s: %w", name, err)
		}
		env.closers = append(env.closers, closer.Close)
		sel, ok := selectors[name]
		if !ok {
			sel = worker.Selector{Modalities: []string{"CT"}}
		}
		if p, t := c.ProcedurePatterns[name], c.TextPatterns[name]; p != "" || t != "" {
			if sel, err = worker.NewSelector([]string{"CT"}, p, t); err != nil {
				return nil, fmt.Errorf("classify task %s: %w", name, err)
			}
		}
		var flags []string
		for _, l := range task.Labels {
			if slices.Contains(task.FlagLabels, l.ID) {
				flags = append(flags, l.Name)
			}
		}
		info := m.Info()
		env.log.Info("classify task ready", "task", name, "model", info.Name, "version", info.Version, "digest", short(info.Digest))
		tasks = append(tasks, worker.Task{Name: name, Model: m, FlagLabels: flags, Select: sel})
	}
	if len(tasks) == 0 {
		return nil, errors.New("classify role: no task configured (classify.tasks)")
	}
	w, err := worker.New(worker.Config{
		Bus:         env.bus,
		Tasks:       tasks,
		BatchSize:   c.BatchSize,
		MaxWait:     c.MaxWait.D(),
		MaxDeliver:  c.MaxDeliver,
		AckWait:     c.AckWait.D(),
		Concurrency: c.Concurrency,
		Logger:      env.log,
	})
	if err != nil {
		return nil, err
	}
	return []component{{name: "classify", run: w.Run}}, nil
}

func short(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}

// classifierModel adapts a hugot-backed classifier.Model to the worker.
type classifierModel struct{ m *classifier.Model }

func (c classifierModel) Predict(ctx context.Context, texts []string) ([]worker.Prediction, error) {
	ps, err := c.m.Predict(ctx, texts)
	if err != nil {
		return nil, err
	}
	out := make([]worker.Prediction, len(ps))
	for i, p := range ps {
		out[i] = worker.Prediction{Label: p.Label, LabelName: p.LabelName, Probabilities: p.Probabilities, Evidence: evidence(p.Evidence)}
	}
	return out, nil
}

func (c classifierModel) Explain(ctx context.Context, text string) ([]pipeline.Evidence, error) {
	ev, err := c.m.Explain(ctx, text)
	if err != nil {
		return nil, err
	}
	return evidence(ev), nil
}

func (c classifierModel) Info() worker.ModelInfo {
	i := c.m.Info()
	return worker.ModelInfo{Name: i.Name, Version: i.Version, Digest: i.Digest}
}

func evidence(ev []classifier.Evidence) []pipeline.Evidence {
	if len(ev) == 0 {
		return nil
	}
	out := make([]pipeline.Evidence, len(ev))
	for i, e := range ev {
		out[i] = pipeline.Evidence{Text: e.Sentence, Start: e.Start, End: e.End, Weight: e.Weight}
	}
	return out
}
