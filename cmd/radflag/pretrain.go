package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/radflag/radflag/classifier"
)

func init() {
	register(command{name: "pretrain", usage: "pretrain a transformer encoder (masked words) on report texts, for radflag train --pretrained", run: runPretrain})
}

func runPretrain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("pretrain", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "", "report texts: JSONL files (id, text, label), comma-separated; labels are ignored")
	out := fs.String("out", "", "encoder directory to write")
	seed := fs.Int64("seed", 1, "random seed")
	steps := fs.Int("steps", 1000, "optimiser steps")
	maxMinutes := fs.Float64("max-minutes", 30, "stop after this many minutes")
	batch := fs.Int("batch", 32, "batch size")
	lr := fs.Float64("lr", 1e-3, "peak learning rate")
	maskProb := fs.Float64("mask", 0.15, "share of tokens to predict")
	maxTokens := fs.Int("max-tokens", 128, "tokens per report; longer reports lose their middle")
	vocab := fs.Int("vocab", 6000, "WordPiece vocabulary size")
	wholeWords := fs.Bool("whole-words", false, "vocabulary of whole words only: a word the corpus lacks becomes [UNK], not pieces")
	hidden := fs.Int("hidden", 128, "hidden size")
	layers := fs.Int("layers", 2, "encoder layers")
	heads := fs.Int("heads", 4, "attention heads")
	ffn := fs.Int("ffn", 0, "feed-forward size (default 4 x hidden)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected arguments %q", errUsage, fs.Args())
	}
	if *data == "" || *out == "" {
		return fmt.Errorf("%w: --data and --out are required", errUsage)
	}
	if *maskProb <= 0 || *maskProb >= 1 {
		return fmt.Errorf("%w: --mask must be in (0, 1)", errUsage)
	}
	bar := &progressBar{w: stderr}
	man, err := classifier.Pretrain(ctx, classifier.PretrainConfig{
		DataPaths: strings.Split(*data, ","), OutDir: *out, Seed: *seed, Steps: *steps, BatchSize: *batch, LearningRate: *lr,
		MaskProb: *maskProb, MaxDuration: time.Duration(*maxMinutes * float64(time.Minute)), MaxTokens: *maxTokens,
		VocabSize: *vocab, WholeWords: *wholeWords, Hidden: *hidden, Layers: *layers, Heads: *heads, FFN: *ffn,
		Progress: bar.update,
		Log: func(format string, a ...any) {
			bar.clear()
			fmt.Fprintf(stderr, "pretrain: "+format+"\n", a...)
		},
	})
	bar.clear()
	if err != nil {
		return fmt.Errorf("pretrain: %w", err)
	}
	fmt.Fprintf(stdout, "wrote %s: %d steps, masked-token loss %.3f → %.3f, %.0f s\n", *out, man.Steps, man.FirstLoss, man.LastLoss, man.Seconds)
	return nil
}
