package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/radflag/radflag/classifier/dataset"
	"github.com/radflag/radflag/classifier/synth"
)

func init() {
	register(command{name: "synth", usage: "generate a labelled synthetic report corpus (JSONL)", run: runSynth})
}

func runSynth(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("synth", flag.ContinueOnError)
	fs.SetOutput(stderr)
	task := fs.String("task", "", "task: pancreas or ir_procedure")
	n := fs.Int("n", 1000, fmt.Sprintf("number of reports (1..%d)", synth.MaxN))
	seed := fs.Int64("seed", 1, "random seed; the same seed gives the same corpus")
	out := fs.String("out", "", "output JSONL file ('-' for stdout)")
	balance := fs.String("balance", string(synth.BalanceEven), "label balance: even (same count per label) or weighted (by case-type weights)")
	listCases := fs.Bool("cases", false, "list the case types of the task and exit")
	shared := fs.Bool("shared-presentations", false, "pancreas: draw unrelated reasons for the CT (PE, fracture, stone, ...) from one pool for all labels, with three more case types (not the shipped model's corpus)")
	treatment := fs.Bool("shared-treatment", false, "pancreas: add treated cancers of other organs written in the words of a pancreatic cancer's treatment course (regimens, response, local recurrence), label 0 (not the shipped model's corpus)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: radflag synth --task pancreas|ir_procedure --n N --seed S --out F.jsonl [--balance even|weighted] [--shared-presentations] [--shared-treatment] [--cases]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected arguments %q", errUsage, fs.Args())
	}
	if *task == "" {
		return fmt.Errorf("%w: --task is required (pancreas or ir_procedure)", errUsage)
	}
	if *listCases {
		cases, err := synth.Cases(*task)
		if err != nil {
			return fmt.Errorf("%w: %v", errUsage, err)
		}
		labels, _ := synth.Labels(*task)
		sort.SliceStable(cases, func(i, j int) bool { return cases[i].Label < cases[j].Label })
		for _, c := range cases {
			fmt.Fprintf(stdout, "%d %-16s %-32s %s\n", c.Label, labels[c.Label], c.Name, c.Description)
		}
		return nil
	}
	if *out == "" {
		return fmt.Errorf("%w: --out is required", errUsage)
	}
	if _, err := synth.Labels(*task); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if *n < 1 || *n > synth.MaxN {
		return fmt.Errorf("%w: --n must be between 1 and %d", errUsage, synth.MaxN)
	}
	b := synth.Balance(*balance)
	if b != synth.BalanceEven && b != synth.BalanceWeighted {
		return fmt.Errorf("%w: --balance must be even or weighted", errUsage)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	exs, err := synth.GenerateConfig(synth.Config{Task: *task, N: *n, Seed: *seed, Balance: b, SharedPresentations: *shared, SharedTreatment: *treatment})
	if err != nil {
		return fmt.Errorf("generate %s corpus: %w", *task, err)
	}
	if *out == "-" {
		return dataset.Write(stdout, exs)
	}
	if err := writeFileAtomic(*out, exs); err != nil {
		return err
	}
	counts := map[int]int{}
	for _, e := range exs {
		counts[e.Label]++
	}
	fmt.Fprintf(stderr, "wrote %d %s reports to %s (labels %v, seed %d)\n", len(exs), *task, *out, counts, *seed)
	return nil
}

// writeFileAtomic writes through a temporary file and renames it, so a
// failed or interrupted run never leaves a half-written corpus behind.
func writeFileAtomic(path string, exs []dataset.Example) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".synth-*.jsonl")
	if err != nil {
		return fmt.Errorf("create output in %s: %w", dir, err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if err := dataset.Write(tmp, exs); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("sync %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("close %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("rename to %s: %w", path, err)
	}
	return nil
}
