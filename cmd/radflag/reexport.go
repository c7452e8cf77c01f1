package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/radflag/radflag/classifier"
	"github.com/radflag/radflag/classifier/dataset"
)

func init() {
	register(command{name: "reexport", usage: "write a radflag-trained model's model.onnx again with the current (faster) graph, from its own weights", run: runReexport})
}

const reexportUsage = "radflag reexport --task T --model DIR --check F.jsonl"

func runReexport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("reexport", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: "+reexportUsage)
		fs.PrintDefaults()
	}
	taskName := fs.String("task", "", "task of the model directory")
	dir := fs.String("model", "", "model directory written by radflag train; its model.onnx and radflag.json are rewritten in place")
	check := fs.String("check", "", "reports (JSONL) both graphs must classify alike before the new one replaces the old")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	case *taskName == "" || *dir == "" || *check == "":
		return fmt.Errorf("%w: --task, --model and --check are required", errUsage)
	}
	task, err := classifier.TaskByName(*taskName)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	examples, err := dataset.ReadFile(*check, nil)
	if err != nil {
		return fmt.Errorf("reexport %s: check reports: %w", *dir, err)
	}
	texts := make([]string, len(examples))
	for i, ex := range examples {
		texts[i] = ex.Text
	}
	res, err := classifier.Reexport(ctx, classifier.ReexportConfig{
		Task: task, Dir: *dir, Check: texts,
		Log: func(format string, a ...any) { fmt.Fprintf(stderr, "reexport: "+format+"\n", a...) },
	})
	if err != nil {
		return fmt.Errorf("reexport %s: %w", *dir, err)
	}
	switch {
	case !res.Changed:
		fmt.Fprintf(stdout, "%s/model.onnx is already the current graph (sha256 %s); nothing written\n", *dir, res.OldDigest[:12])
		return nil
	case res.OldDigest == res.NewDigest:
		fmt.Fprintf(stdout, "%s/model.onnx is already the current graph (sha256 %s); radflag.json's versions mended: %s → %s\n", *dir, res.OldDigest[:12], res.OldVersion, res.NewVersion)
		return nil
	}
	fmt.Fprintf(stdout, "rewrote %s/model.onnx (sha256 %s → %s): %d reports classified alike, probabilities within %.2g; model version %s → %s\n",
		*dir, res.OldDigest[:12], res.NewDigest[:12], res.Checked, res.MaxDiff, res.OldVersion, res.NewVersion)
	return nil
}
