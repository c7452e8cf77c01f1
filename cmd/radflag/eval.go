package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/radflag/radflag/classifier"
	"github.com/radflag/radflag/classifier/baseline"
	"github.com/radflag/radflag/classifier/evaluate"
	"github.com/radflag/radflag/classifier/metrics"
)

func init() {
	register(command{name: "eval", usage: "measure a model on a labelled JSONL set: accuracy, per-class scores, confusion matrix", run: runEval})
}

const evalUsage = "radflag eval --task T --data F.jsonl [--model DIR | --model baseline:FILE | --baseline-train F.jsonl [--baseline-save FILE]] [--transformer-only] [--json] [--html F] [--batch N]"

func runEval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: "+evalUsage)
		fs.PrintDefaults()
	}
	taskName := fs.String("task", "", "task to evaluate: "+strings.Join(evalTaskNames(), " or "))
	data := fs.String("data", "", "labelled JSONL set, one {\"id\", \"text\", \"label\"} a line")
	model := fs.String("model", "", "model directory (default: the task's built-in model), or baseline:FILE for a saved n-gram baseline")
	asJSON := fs.Bool("json", false, "print exactly one JSON object instead of tables")
	htmlPath := fs.String("html", "", "also write an HTML report (confusion matrix, misclassified reports) to this file")
	baseTrain := fs.String("baseline-train", "", "train the n-gram baseline on this JSONL set and evaluate it instead of a model")
	baseSave := fs.String("baseline-save", "", "with --baseline-train: save the trained baseline to this file")
	batch := fs.Int("batch", 32, "reports per batch (1..1024)")
	transformerOnly := fs.Bool("transformer-only", false, "score the model directory's transformer alone, without its n-gram companion")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	case *taskName == "":
		return fmt.Errorf("%w: --task is required (%s)", errUsage, strings.Join(evalTaskNames(), ", "))
	case *data == "":
		return fmt.Errorf("%w: --data is required", errUsage)
	case *baseTrain != "" && *model != "":
		return fmt.Errorf("%w: --baseline-train and --model exclude each other", errUsage)
	case *baseSave != "" && *baseTrain == "":
		return fmt.Errorf("%w: --baseline-save needs --baseline-train", errUsage)
	case *batch < 1 || *batch > 1024:
		return fmt.Errorf("%w: --batch %d is outside 1..1024", errUsage, *batch)
	case *transformerOnly && (*baseTrain != "" || strings.HasPrefix(*model, "baseline:")):
		return fmt.Errorf("%w: --transformer-only needs a model directory, not a baseline", errUsage)
	}
	task, err := classifier.TaskByName(*taskName)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	labels := make([]metrics.Label, len(task.Labels))
	for i, l := range task.Labels {
		labels[i] = metrics.Label{ID: l.ID, Name: l.Name}
	}
	examples, err := evaluate.ReadData(*data, labels)
	if err != nil {
		return fmt.Errorf("read evaluation set: %w", err)
	}

	var predict evaluate.PredictFunc
	var modelName string
	switch {
	case *baseTrain != "":
		train, err := evaluate.ReadData(*baseTrain, labels)
		if err != nil {
			return fmt.Errorf("read baseline training set: %w", err)
		}
		m, err := baseline.Train(ctx, baseline.Config{Task: task.Name, Labels: evaluate.BaselineLabels(labels)}, train)
		if err != nil {
			return fmt.Errorf("train baseline: %w", err)
		}
		fmt.Fprintf(stderr, "baseline trained on %d reports in %.1f s (%d n-grams)\n", len(train), m.TrainedOn().Seconds, m.Features())
		if *baseSave != "" {
			if err := m.Save(*baseSave); err != nil {
				return err
			}
		}
		predict = evaluate.BaselinePredict(m)
		modelName = evalBaselineName(m, filepath.Base(*baseTrain))
	case strings.HasPrefix(*model, "baseline:"):
		m, err := baseline.Load(strings.TrimPrefix(*model, "baseline:"))
		if err != nil {
			return err
		}
		if err := m.Fits(task.Name, evaluate.BaselineLabels(labels)); err != nil {
			return fmt.Errorf("baseline model %s: %w", strings.TrimPrefix(*model, "baseline:"), err)
		}
		predict = evaluate.BaselinePredict(m)
		modelName = evalBaselineName(m, "")
	default:
		if *model != "" {
			task.ModelDir = *model
		}
		m, err := classifier.Load(ctx, classifier.Config{Task: task, BatchSize: *batch, TransformerOnly: *transformerOnly})
		if err != nil {
			return err
		}
		defer m.Close()
		info := m.Info()
		modelName = strings.TrimSpace(info.Name + " " + info.Version)
		if info.Companion != "" {
			modelName += " (transformer + " + info.Companion + ")"
		} else if *transformerOnly {
			modelName += " (transformer alone)"
		}
		predict = func(ctx context.Context, texts []string) ([]evaluate.Prediction, error) {
			ps, err := m.Predict(ctx, texts)
			if err != nil {
				return nil, err
			}
			out := make([]evaluate.Prediction, len(ps))
			for i, p := range ps {
				out[i] = evaluate.Prediction{Label: p.Label, Probabilities: p.Probabilities}
			}
			return out, nil
		}
	}

	res, err := evaluate.Run(ctx, evaluate.Config{
		Task: task.Name, Model: modelName, Data: filepath.Base(*data), Labels: labels, Predict: predict, BatchSize: *batch,
	}, examples)
	if err != nil {
		return err
	}
	if *htmlPath != "" {
		var buf bytes.Buffer
		if err := res.WriteHTML(&buf); err != nil {
			return err
		}
		if err := os.WriteFile(*htmlPath, buf.Bytes(), 0o644); err != nil {
			return fmt.Errorf("write html report: %w", err)
		}
	}
	if *asJSON {
		return res.WriteJSON(stdout)
	}
	return res.WriteText(stdout)
}

func evalTaskNames() []string {
	var out []string
	for _, t := range classifier.DefaultTasks() {
		out = append(out, t.Name)
	}
	return out
}

func evalBaselineName(m *baseline.Model, trainFile string) string {
	info := m.TrainedOn()
	d := info.Digest
	if len(d) > 12 {
		d = d[:12]
	}
	if trainFile != "" {
		return fmt.Sprintf("baseline n-gram LR (trained on %s: %d reports, sha256 %s)", trainFile, info.Examples, d)
	}
	return fmt.Sprintf("baseline n-gram LR (%d training reports, sha256 %s)", info.Examples, d)
}
