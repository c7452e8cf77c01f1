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
	"slices"
	"strings"
	"time"

	"github.com/radflag/radflag/adapters/natsbus"
	"github.com/radflag/radflag/classifier"
	"github.com/radflag/radflag/config"
	"github.com/radflag/radflag/worker"
)

func init() {
	register(command{name: "replay", usage: "re-classify stored reports (after a model update) through the normal path", run: runReplay})
}

func runReplay(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	flags := config.RegisterFlags(fs)
	tasks := fs.String("task", "", "task(s) to re-classify, comma-separated (default: classify.tasks)")
	since := fs.String("since", "", "only reports stored at or after TIME (RFC 3339, or a duration ago such as 72h)")
	until := fs.String("until", "", "only reports stored up to TIME (RFC 3339, or a duration ago)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: radflag replay [--task T] [--since TIME] [--until TIME] [--config FILE] [--nats-url URL | --data-dir DIR]")
		fmt.Fprintln(stderr, "Results already on the bus are de-duplicated; writeback changes in FHIR only what a new model answers differently.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	now := time.Now()
	from, err := parseWhen(*since, now)
	if err != nil {
		return fmt.Errorf("%w: --since: %v", errUsage, err)
	}
	to, err := parseWhen(*until, now)
	if err != nil {
		return fmt.Errorf("%w: --until: %v", errUsage, err)
	}
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		return fmt.Errorf("%w: --until is before --since", errUsage)
	}
	cfg, err := config.Load(flags, os.Environ())
	if err != nil {
		return err
	}
	names := cfg.Classify.Tasks
	if *tasks != "" {
		names = strings.Split(*tasks, ",")
	}
	cfg.Classify.Tasks = nil
	for _, n := range names {
		if n = strings.TrimSpace(n); n != "" && !slices.Contains(cfg.Classify.Tasks, n) {
			cfg.Classify.Tasks = append(cfg.Classify.Tasks, n)
		}
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	bc := natsbus.Config{URL: cfg.NATS.URL, CredsFile: cfg.NATS.CredsFile, Replicas: cfg.NATS.Replicas,
		DedupWindow: cfg.NATS.DedupWindow.D(), MaxAge: cfg.NATS.MaxAge.D(), MaxBytes: cfg.NATS.MaxBytes,
		PublishTimeout: cfg.NATS.PublishTimeout.D(), Logger: log}
	if cfg.NATS.URL == "" {
		if _, err := os.Stat(filepath.Join(cfg.DataDir, "nats")); err != nil {
			return fmt.Errorf("no embedded NATS data under %s (use --data-dir or --nats-url; stop its serve first): %w", cfg.DataDir, err)
		}
		bc.DataDir = filepath.Join(cfg.DataDir, "nats")
	}
	var wtasks []worker.Task
	selectors := worker.DefaultSelectors()
	for _, name := range cfg.Classify.Tasks {
		task, err := classifier.TaskByName(name)
		if err != nil {
			return fmt.Errorf("%w: %v", errUsage, err)
		}
		task.ModelDir = cfg.Classify.ModelDirs[name]
		m, closer, err := loadTaskModel(ctx, cfg, task)
		if err != nil {
			return fmt.Errorf("task %s: %w", name, err)
		}
		defer closer.Close()
		sel, ok := selectors[name]
		if !ok {
			sel = worker.Selector{Modalities: []string{"CT"}}
		}
		if p, t := cfg.Classify.ProcedurePatterns[name], cfg.Classify.TextPatterns[name]; p != "" || t != "" {
			if sel, err = worker.NewSelector([]string{"CT"}, p, t); err != nil {
				return fmt.Errorf("task %s: %w", name, err)
			}
		}
		var flagLabels []string
		for _, l := range task.Labels {
			if slices.Contains(task.FlagLabels, l.ID) {
				flagLabels = append(flagLabels, l.Name)
			}
		}
		wtasks = append(wtasks, worker.Task{Name: name, Model: m, FlagLabels: flagLabels, Select: sel})
	}
	bus, err := natsbus.Open(ctx, bc)
	if err != nil {
		return err
	}
	defer bus.Close()
	w, err := worker.New(worker.Config{Bus: bus, Tasks: wtasks, BatchSize: cfg.Classify.BatchSize, Logger: log})
	if err != nil {
		return err
	}
	start := time.Now()
	st, err := w.Replay(ctx, worker.ReplayConfig{Since: from, Until: to})
	fmt.Fprintf(stdout, "replayed %d stored reports with %s in %s: %d new results, %d unchanged (already on the bus), %d not applicable or unreadable, %d failed\n",
		st.Reports, strings.Join(cfg.Classify.Tasks, ","), time.Since(start).Round(time.Millisecond), st.Results, st.Duplicates, st.Skipped, st.Failed)
	if err != nil {
		return err
	}
	if st.Failed > 0 {
		return fmt.Errorf("%d reports could not be replayed (see the log)", st.Failed)
	}
	return nil
}

// parseWhen reads an RFC 3339 time or a duration before now ("" = zero).
func parseWhen(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("%q is neither an RFC 3339 time nor a duration", s)
}
