package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/radflag/radflag/adapters/natsbus"
	"github.com/radflag/radflag/classifier"
	"github.com/radflag/radflag/classifier/dataset"
	"github.com/radflag/radflag/worklist"
)

func init() {
	register(command{name: "feedback", usage: "export navigators' confirmations and rejections as training data", run: runFeedback})
}

const feedbackUsage = "usage: radflag feedback export --task T --out F.jsonl [--nats-url U [--creds F] | --data-dir D]"

func runFeedback(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "export" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(stderr, feedbackUsage)
			return flag.ErrHelp
		}
		return fmt.Errorf("%w: %s", errUsage, feedbackUsage)
	}
	fs := flag.NewFlagSet("feedback export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	task := fs.String("task", "", "task whose feedback to export (pancreas, ir_procedure, ...)")
	out := fs.String("out", "", "JSONL file to write ({\"id\",\"text\",\"label\"} a line, as radflag train reads)")
	natsURL := fs.String("nats-url", "", "NATS server or cluster holding RADFLAG_FEEDBACK")
	creds := fs.String("creds", "", "NATS credentials file for --nats-url")
	dataDir := fs.String("data-dir", "./radflag-data", "data directory of an embedded-NATS radflag (stop its serve first)")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up after this long")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if *task == "" || *out == "" {
		return fmt.Errorf("%w: --task and --out are required", errUsage)
	}
	var valid func(int) bool
	if t, err := classifier.TaskByName(*task); err == nil {
		valid = func(l int) bool {
			for _, x := range t.Labels {
				if x.ID == l {
					return true
				}
			}
			return false
		}
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	bc := natsbus.Config{URL: *natsURL, CredsFile: *creds, Logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	if *natsURL == "" {
		if _, err := os.Stat(filepath.Join(*dataDir, "nats")); err != nil {
			return fmt.Errorf("no embedded NATS data under %s (use --data-dir or --nats-url): %w", *dataDir, err)
		}
		bc.DataDir = filepath.Join(*dataDir, "nats")
	}
	bus, err := natsbus.Open(ctx, bc)
	if err != nil {
		return err
	}
	defer bus.Close()
	exs, st, err := worklist.ExportFeedback(ctx, bus.JetStream(), *task)
	if err != nil {
		return err
	}
	if len(exs) == 0 {
		return fmt.Errorf("no labelled feedback for task %s (%d messages, %d cases, %d skipped)", *task, st.Messages, st.Cases, st.Skipped)
	}
	if err := writeDataset(*out, exs, valid); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %d examples of task %s (%d confirmed, %d relabelled on rejection) from %d decisions on %d cases; %d cases skipped (rejected without a label or no text), %d unreadable messages\n",
		*out, len(exs), *task, st.Confirmed, st.Relabeled, st.Messages, st.Cases, st.Skipped, st.Bad)
	return nil
}

// writeDataset writes the examples beside path, reads them back as train
// will, and only then renames the file into place.
func writeDataset(path string, exs []dataset.Example, valid func(int) bool) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".feedback-*.jsonl")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := dataset.Write(f, exs); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := dataset.ReadFile(tmp, valid); err != nil {
		return fmt.Errorf("exported data does not read back: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
