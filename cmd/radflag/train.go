package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/radflag/radflag/classifier"
	"github.com/radflag/radflag/classifier/transformer"
)

func init() {
	register(command{name: "train", usage: "train a task's transformer model and write its model directory", run: runTrain})
}

func runTrain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	fs.SetOutput(stderr)
	taskName := fs.String("task", "", "task: pancreas or ir_procedure")
	data := fs.String("data", "", "training data (JSONL: id, text, label)")
	val := fs.String("val", "", "validation data (JSONL); default: hold out --val-fraction of --data")
	valFrac := fs.Float64("val-fraction", 0.1, "share of --data held out for validation when --val is not given")
	out := fs.String("out", "", "model directory to write")
	seed := fs.Int64("seed", 1, "random seed; the same seed and data give the same model")
	epochs := fs.Int("epochs", 8, "maximum epochs (early stopping may end sooner)")
	maxMinutes := fs.Float64("max-minutes", 30, "stop after this many minutes, keeping the best weights")
	batch := fs.Int("batch", 32, "batch size")
	lr := fs.Float64("lr", 1e-3, "peak learning rate")
	maxTokens := fs.Int("max-tokens", 256, "tokens per report; longer reports lose their middle")
	vocab := fs.Int("vocab", 6000, "WordPiece vocabulary size")
	wholeWords := fs.Bool("whole-words", false, "vocabulary of whole words only: a word the corpus lacks becomes [UNK], not pieces")
	hidden := fs.Int("hidden", 128, "hidden size")
	layers := fs.Int("layers", 2, "encoder layers")
	heads := fs.Int("heads", 4, "attention heads")
	ffn := fs.Int("ffn", 0, "feed-forward size (default 4 x hidden)")
	tokenDrop := fs.Float64("token-dropout", 0.15, "share of training tokens hidden as [UNK] each step (robustness to unseen words)")
	wordMask := fs.Float64("word-mask", 0, "share of training words hidden whole as [UNK] each step")
	smooth := fs.Float64("label-smoothing", 0, "share of each target's probability spread over all classes (0: plain cross-entropy)")
	avgFrom := fs.Float64("average-from", 0, "average the weights of every validation from this share of the planned steps on, instead of keeping the best checkpoint (0: off)")
	maxSteps := fs.Int("max-steps", 0, "stop after this many optimiser steps (0: epochs and --max-minutes decide); the learning-rate schedule decays over them")
	watch := fs.String("watch", "", "labelled JSONL scored at every validation and shown in the progress; never used to choose weights")
	pooling := fs.String("pooling", "mean", "sequence pooling before the classifier: mean (trains fast from scratch), meanmax (the mean and the maximum side by side) or cls (BERT's)")
	activation := fs.String("activation", "gelu", "feed-forward activation: gelu (BERT's) or relu (faster inference on the CPU; training steps cost the same)")
	patience := fs.Int("patience", 2, "epochs without validation improvement before stopping")
	evalEvery := fs.Int("eval-every", 0, "also validate every N steps (0: once an epoch)")
	name := fs.String("name", "", "model name recorded in radflag.json")
	pretrained := fs.String("pretrained", "", "fine-tune from an encoder written by radflag pretrain (its tokenizer and architecture are kept)")
	initDir := fs.String("init", "", "continue training from this model directory (its tokenizer and architecture are kept)")
	ngramWeight := fs.Float64("ngram-weight", classifier.DefaultCompanionWeight, "share of the n-gram companion trained on the same data beside the transformer (0: transformer alone)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *tokenDrop < 0 || *tokenDrop >= 1 {
		return fmt.Errorf("%w: --token-dropout must be in [0, 1)", errUsage)
	}
	if *smooth < 0 || *smooth >= 1 {
		return fmt.Errorf("%w: --label-smoothing must be in [0, 1)", errUsage)
	}
	if *avgFrom < 0 || *avgFrom >= 1 {
		return fmt.Errorf("%w: --average-from must be in [0, 1)", errUsage)
	}
	if *wordMask < 0 || *wordMask >= 1 {
		return fmt.Errorf("%w: --word-mask must be in [0, 1)", errUsage)
	}
	if *activation != "gelu" && *activation != "relu" {
		return fmt.Errorf("%w: --activation must be gelu or relu", errUsage)
	}
	if *ngramWeight < 0 || *ngramWeight >= 1 {
		return fmt.Errorf("%w: --ngram-weight must be in [0, 1)", errUsage)
	}
	if *pooling != "mean" && *pooling != "meanmax" && *pooling != "cls" {
		return fmt.Errorf("%w: --pooling must be mean, meanmax or cls", errUsage)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected arguments %q", errUsage, fs.Args())
	}
	if *taskName == "" || *data == "" || *out == "" {
		return fmt.Errorf("%w: --task, --data and --out are required", errUsage)
	}
	task, err := classifier.TaskByName(*taskName)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	bar := &progressBar{w: stderr}
	res, err := classifier.Train(ctx, classifier.TrainConfig{
		Task: task, DataPath: *data, ValPath: *val, ValFraction: *valFrac, OutDir: *out, Seed: *seed,
		Epochs: *epochs, MaxDuration: time.Duration(*maxMinutes * float64(time.Minute)), BatchSize: *batch,
		LearningRate: *lr, MaxTokens: *maxTokens, VocabSize: *vocab, WholeWords: *wholeWords, Hidden: *hidden, Layers: *layers,
		Heads: *heads, FFN: *ffn, Pooling: *pooling, Activation: *activation, TokenDropout: *tokenDrop, WordMask: *wordMask, LabelSmoothing: *smooth, AverageFrom: *avgFrom, MaxSteps: *maxSteps, WatchPath: *watch, Patience: *patience, EvalEvery: *evalEvery, Name: *name, InitDir: *initDir, PretrainedDir: *pretrained,
		CompanionWeight: *ngramWeight,
		Progress:        bar.update,
		Log: func(format string, a ...any) {
			bar.clear()
			fmt.Fprintf(stderr, "train: "+format+"\n", a...)
		},
	})
	bar.clear()
	if err != nil {
		return fmt.Errorf("train %s: %w", *taskName, err)
	}
	m := res.Manifest
	fmt.Fprintf(stdout, "wrote %s: task %s, %d training reports, %d epochs, %d steps, %.0f s; validation accuracy %.4f, macro F1 %.4f\n",
		res.Dir, m.Task, m.TrainingData.N, m.Training.Epochs, m.Training.Steps, m.TrainingSeconds, m.Validation.Accuracy, m.Validation.MacroF1)
	if e := m.Ensemble; e != nil {
		printCompanion(stdout, res.Dir, e)
	}
	return nil
}

// progressBar draws one line on stderr, redrawn in place.
type progressBar struct {
	w    io.Writer
	last time.Time
	drew bool
}

func (b *progressBar) update(p transformer.Progress) {
	if time.Since(b.last) < 200*time.Millisecond && p.Step != p.Steps {
		return
	}
	b.last = time.Now()
	const width = 24
	done := 0
	if p.Steps > 0 {
		done = min(width, p.Step*width/p.Steps)
	}
	acc := "  -  "
	if p.ValAccuracy >= 0 {
		acc = fmt.Sprintf("%.3f", p.ValAccuracy)
	}
	if p.WatchAccuracy >= 0 {
		acc += fmt.Sprintf(" watch %.3f", p.WatchAccuracy)
	}
	fmt.Fprintf(b.w, "\r[%s%s] epoch %d/%d step %d/%d loss %.4f val acc %s elapsed %s left ~%s ",
		strings.Repeat("=", done), strings.Repeat(" ", width-done), p.Epoch, p.Epochs, p.Step, p.Steps, p.Loss, acc,
		p.Elapsed.Round(time.Second), p.Remaining.Round(time.Second))
	b.drew = true
}

func (b *progressBar) clear() {
	if b.drew {
		fmt.Fprint(b.w, "\r\033[K")
		b.drew = false
	}
}
