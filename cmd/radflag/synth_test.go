package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/radflag/radflag/classifier/dataset"
)

func TestSynthWritesReadableJSONL(t *testing.T) {
	tests := []struct {
		task  string
		valid func(int) bool
	}{
		{"pancreas", func(l int) bool { return l >= 0 && l <= 2 }},
		{"ir_procedure", func(l int) bool { return l >= 1 && l <= 4 }},
	}
	for _, tc := range tests {
		t.Run(tc.task, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "corpus.jsonl")
			var stdout, stderr bytes.Buffer
			err := runSynth(context.Background(), []string{"--task", tc.task, "--n", "120", "--seed", "3", "--out", out}, &stdout, &stderr)
			if err != nil {
				t.Fatalf("runSynth: %v (stderr %s)", err, stderr.String())
			}
			exs, err := dataset.ReadFile(out, tc.valid)
			if err != nil {
				t.Fatal(err)
			}
			if len(exs) != 120 {
				t.Fatalf("read %d examples, want 120", len(exs))
			}
			if !strings.Contains(stderr.String(), "wrote 120") {
				t.Errorf("stderr = %q", stderr.String())
			}
			// Same seed, same file.
			out2 := filepath.Join(t.TempDir(), "again.jsonl")
			if err := runSynth(context.Background(), []string{"--task", tc.task, "--n", "120", "--seed", "3", "--out", out2}, &stdout, &stderr); err != nil {
				t.Fatal(err)
			}
			a, _ := os.ReadFile(out)
			b, _ := os.ReadFile(out2)
			if !bytes.Equal(a, b) {
				t.Error("same seed wrote different files")
			}
		})
	}
}

func TestSynthStdoutAndCases(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if err := runSynth(context.Background(), []string{"--task", "pancreas", "--n", "9", "--out", "-"}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	exs, err := dataset.Read(&stdout, "stdout", nil)
	if err != nil || len(exs) != 9 {
		t.Fatalf("stdout corpus: %d examples, err %v", len(exs), err)
	}
	stdout.Reset()
	if err := runSynth(context.Background(), []string{"--task", "ir_procedure", "--cases"}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "biopsy_lung") {
		t.Errorf("--cases output lacks biopsy_lung: %s", stdout.String())
	}
}

func TestSynthBadUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"no task", []string{"--n", "5", "--out", "x.jsonl"}},
		{"unknown task", []string{"--task", "liver", "--n", "5", "--out", "x.jsonl"}},
		{"no out", []string{"--task", "pancreas", "--n", "5"}},
		{"zero n", []string{"--task", "pancreas", "--n", "0", "--out", "x.jsonl"}},
		{"bad balance", []string{"--task", "pancreas", "--balance", "odd", "--out", "x.jsonl"}},
		{"stray arg", []string{"--task", "pancreas", "--out", "x.jsonl", "extra"}},
		{"bad flag", []string{"--nope"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := runSynth(context.Background(), tc.args, &stdout, &stderr)
			if !errors.Is(err, errUsage) {
				t.Fatalf("err = %v, want a usage error", err)
			}
		})
	}
}

func TestSynthUnwritableOut(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := runSynth(context.Background(), []string{"--task", "pancreas", "--n", "3", "--out", filepath.Join(t.TempDir(), "missing", "dir", "f.jsonl")}, &stdout, &stderr)
	if err == nil || errors.Is(err, errUsage) {
		t.Fatalf("err = %v, want an I/O error", err)
	}
}
