package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/radflag/radflag/classifier/dataset"
	"github.com/radflag/radflag/worklist"
)

// TestFeedbackExportRoundTrip: navigators' decisions in a running radflag
// → `radflag feedback export` (over NATS while it runs, and from its data
// directory after it stopped) → a file dataset.ReadFile reads with the
// task's labels → `radflag train` accepts it.
func TestFeedbackExportRoundTrip(t *testing.T) {
	base, bus, logs, stop, dataDir := wlServe(t, "worklist", "")
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	type step struct {
		accession, action, body string
		wantLabel               int // -1: not exported
	}
	steps := []step{
		{"ACC-1", "confirm", `{}`, 2},
		{"ACC-2", "confirm", `{}`, 2},
		{"ACC-3", "confirm", `{"reason":"staging CT booked"}`, 2},
		{"ACC-4", "reject", `{"reason":"chronic pancreatitis","label":"none"}`, 0},
		{"ACC-5", "reject", `{"reason":"neuroendocrine tumour","label":"none"}`, 0},
		{"ACC-6", "reject", `{"reason":"post Whipple","label":"post_treatment"}`, 1},
		{"ACC-7", "reject", `{"reason":"unsure, needs MRI"}`, -1}, // no label: skipped
	}
	ids := map[string]string{}
	for i, s := range steps {
		r, _ := wlResult(s.accession, now.Add(time.Duration(i)*time.Minute))
		// Distinct texts per label so that training has something to learn.
		switch s.wantLabel {
		case 0:
			r.Text = fmt.Sprintf("Findings: pancreas atrophic with coarse calcifications (%d). Impression: no mass.", i)
		case 1:
			r.Text = fmt.Sprintf("Findings: status post pancreaticoduodenectomy (%d). Impression: no recurrence.", i)
		}
		if _, err := bus.PublishResult(ctx, r); err != nil {
			t.Fatal(err)
		}
		ids[s.accession] = worklist.CaseID("pancreas", r.ReportID)
	}
	api := wlLogin(t, base, "alice")
	for _, s := range steps {
		id := ids[s.accession]
		wlWait(t, "case "+s.accession, 15*time.Second, func() bool { return api.call(t, "GET", "/api/worklist/"+id, "", nil) == 200 })
		if code := api.call(t, "POST", "/api/worklist/"+id+"/"+s.action, s.body, nil); code != 200 {
			t.Fatalf("%s %s: %d", s.action, s.accession, code)
		}
	}
	wlFeedback(t, bus, len(steps))

	var stdout, stderr bytes.Buffer
	live := filepath.Join(t.TempDir(), "live.jsonl")
	natsURL := bus.Conn().ConnectedUrl()
	if code := runMain(ctx, []string{"feedback", "export", "--task", "pancreas", "--out", live, "--nats-url", natsURL}, &stdout, &stderr); code != 0 {
		t.Fatalf("export over NATS: exit %d: %s", code, stderr.String())
	}
	t.Log(strings.TrimSpace(stdout.String()))
	bus.Close()
	if code := stop(); code != 0 {
		t.Fatalf("serve exit %d\n%s", code, logs)
	}

	out := filepath.Join(t.TempDir(), "feedback.jsonl")
	stdout.Reset()
	if code := runMain(ctx, []string{"feedback", "export", "--task", "pancreas", "--out", out, "--data-dir", dataDir}, &stdout, &stderr); code != 0 {
		t.Fatalf("export from data dir: exit %d: %s", code, stderr.String())
	}
	a, _ := os.ReadFile(live)
	b, _ := os.ReadFile(out)
	if !bytes.Equal(a, b) {
		t.Errorf("exports differ:\n%s\n---\n%s", a, b)
	}
	exs, err := dataset.ReadFile(out, func(l int) bool { return l >= 0 && l <= 2 })
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, e := range exs {
		got[e.ID] = e.Label
	}
	for _, s := range steps {
		l, ok := got[ids[s.accession]]
		if s.wantLabel < 0 && ok {
			t.Errorf("%s exported though rejected without a label", s.accession)
		}
		if s.wantLabel >= 0 && (!ok || l != s.wantLabel) {
			t.Errorf("%s: label %d (present %v), want %d", s.accession, l, ok, s.wantLabel)
		}
	}

	// Bad use: a clear error, no file.
	missing := filepath.Join(t.TempDir(), "none.jsonl")
	if code := runMain(ctx, []string{"feedback", "export", "--task", "ir_procedure", "--out", missing, "--data-dir", dataDir}, &stdout, &stderr); code != 1 {
		t.Errorf("export of a task without feedback: exit %d", code)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Error("an empty export wrote a file")
	}
	if code := runMain(ctx, []string{"feedback", "export", "--out", missing}, &stdout, &stderr); code != 2 {
		t.Errorf("export without --task: exit %d", code)
	}

	if testing.Short() {
		t.Skip("-short: the tiny `radflag train` run on the export is skipped")
	}
	model := filepath.Join(t.TempDir(), "model")
	stdout.Reset()
	stderr.Reset()
	start := time.Now()
	code := runMain(ctx, []string{"train", "--task", "pancreas", "--data", out, "--out", model,
		"--epochs", "1", "--hidden", "16", "--layers", "1", "--heads", "2", "--ffn", "32",
		"--vocab", "120", "--max-tokens", "48", "--batch", "4", "--max-minutes", "3"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("radflag train on the export: exit %d\n%s", code, stderr.String())
	}
	t.Logf("train on the export (%.1fs): %s", time.Since(start).Seconds(), strings.TrimSpace(stdout.String()))
	if _, err := os.Stat(filepath.Join(model, "radflag.json")); err != nil {
		t.Errorf("train wrote no manifest: %v", err)
	}
}
