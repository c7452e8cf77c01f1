package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/radflag/radflag/classifier"
)

func init() {
	register(command{name: "ensemble", usage: "train the n-gram companion of a model directory (the transformer is not touched)", run: runEnsemble})
}

const ensembleUsage = "radflag ensemble --task T --model DIR --data F.jsonl [--val F.jsonl] [--weight W] [--seed N]"

func runEnsemble(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("ensemble", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: "+ensembleUsage)
		fs.PrintDefaults()
	}
	taskName := fs.String("task", "", "task of the model directory")
	dir := fs.String("model", "", "model directory (radflag train's, or a site's BERT-style one: radflag.json is written for it); its companion is written or replaced")
	data := fs.String("data", "", "training reports (JSONL); the transformer's own training set makes a faithful pair")
	val := fs.String("val", "", "labelled JSONL scored with the pair and recorded in radflag.json")
	weight := fs.Float64("weight", classifier.DefaultCompanionWeight, "the companion's share of the answer, in (0, 1)")
	seed := fs.Uint64("seed", 1, "the companion's random seed")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	case *taskName == "" || *dir == "" || *data == "":
		return fmt.Errorf("%w: --task, --model and --data are required", errUsage)
	case !(*weight > 0 && *weight < 1):
		return fmt.Errorf("%w: --weight must be in (0, 1)", errUsage)
	}
	task, err := classifier.TaskByName(*taskName)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	man, err := classifier.AddCompanion(ctx, classifier.CompanionConfig{
		Task: task, Dir: *dir, DataPath: *data, ValPath: *val, Weight: *weight, Seed: *seed,
		Log: func(format string, a ...any) { fmt.Fprintf(stderr, "ensemble: "+format+"\n", a...) },
	})
	if err != nil {
		return fmt.Errorf("ensemble %s: %w", *dir, err)
	}
	printCompanion(stdout, *dir, man.Ensemble)
	fmt.Fprintf(stdout, "model version %s (the transformer alone: %s)\n", man.Version, man.Ensemble.Transformer)
	return nil
}

// printCompanion says what the companion of dir is.
func printCompanion(w io.Writer, dir string, e *classifier.Ensemble) {
	fmt.Fprintf(w, "wrote %s/%s: n-gram companion, %d n-grams from %d reports in %.0f s, weight %g",
		dir, e.File, e.Features, e.TrainingData.N, e.TrainingSeconds, e.Weight)
	if v := e.Validation; v != nil {
		fmt.Fprintf(w, "; validation accuracy of the pair %.4f, macro F1 %.4f", v.Accuracy, v.MacroF1)
	}
	fmt.Fprintln(w)
}
