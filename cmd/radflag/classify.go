package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/radflag/radflag/classifier"
)

func init() {
	register(command{name: "classify", usage: "classify one report: label, probabilities, evidence sentences", run: runClassify})
}

// maxClassifyInput bounds the text read from a file or stdin.
const maxClassifyInput = 1 << 20

func runClassify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("classify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	taskName := fs.String("task", "pancreas", "task: pancreas or ir_procedure")
	modelDir := fs.String("model", "", "model directory (default: the built-in model)")
	text := fs.String("text", "", "report text (or give a FILE argument, or - for stdin)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	noEvidence := fs.Bool("no-evidence", false, "skip the evidence sentences")
	transformerOnly := fs.Bool("transformer-only", false, "the model directory's transformer alone, without its n-gram companion")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: radflag classify --task T [--model DIR] [--transformer-only] [--json] [--no-evidence] (--text S | FILE | -)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	input := *text
	switch {
	case input != "" && fs.NArg() > 0:
		return fmt.Errorf("%w: give --text or a FILE, not both", errUsage)
	case input == "" && fs.NArg() == 1:
		var r io.Reader = os.Stdin
		if name := fs.Arg(0); name != "-" {
			f, err := os.Open(name)
			if err != nil {
				return fmt.Errorf("open report: %w", err)
			}
			defer f.Close()
			r = f
		}
		b, err := io.ReadAll(io.LimitReader(r, maxClassifyInput+1))
		if err != nil {
			return fmt.Errorf("read report: %w", err)
		}
		if len(b) > maxClassifyInput {
			return fmt.Errorf("report longer than %d bytes", maxClassifyInput)
		}
		input = string(b)
	case input == "":
		return fmt.Errorf("%w: no report: give --text, a FILE or -", errUsage)
	case fs.NArg() > 1:
		return fmt.Errorf("%w: one FILE at most", errUsage)
	}
	if strings.TrimSpace(input) == "" {
		return fmt.Errorf("%w: the report is empty", errUsage)
	}
	task, err := classifier.TaskByName(*taskName)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	task.ModelDir = *modelDir
	m, err := classifier.Load(ctx, classifier.Config{Task: task, BatchSize: 32, Evidence: !*noEvidence, TransformerOnly: *transformerOnly})
	if err != nil {
		return err
	}
	defer m.Close()
	preds, err := m.Predict(ctx, []string{input})
	if err != nil {
		return fmt.Errorf("classify: %w", err)
	}
	p := preds[0]
	if *asJSON {
		info := m.Info()
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		return enc.Encode(struct {
			Task  string `json:"task"`
			Model string `json:"model"`
			classifier.Prediction
			Flag bool `json:"flag"`
		}{task.Name, info.Name + "@" + info.Version, p, task.Flags(p.Label)})
	}
	fmt.Fprintf(stdout, "task:  %s\nlabel: %d %s", task.Name, p.Label, p.LabelName)
	if task.Flags(p.Label) {
		fmt.Fprint(stdout, "  (flag)")
	}
	fmt.Fprintln(stdout, "\nprobabilities:")
	for _, l := range task.Labels {
		fmt.Fprintf(stdout, "  %-20s %.4f\n", l.Name, p.Probabilities[l.Name])
	}
	if len(p.Evidence) > 0 {
		fmt.Fprintln(stdout, "evidence (drop in probability when the sentence is removed):")
		ev := append([]classifier.Evidence(nil), p.Evidence...)
		sort.SliceStable(ev, func(i, j int) bool { return ev[i].Weight > ev[j].Weight })
		for _, e := range ev {
			fmt.Fprintf(stdout, "  %+.3f  %q\n", e.Weight, e.Sentence)
		}
	}
	return nil
}
