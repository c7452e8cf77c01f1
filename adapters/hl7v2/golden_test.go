package hl7v2

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/radflag/radflag/pipeline"
)

var update = flag.Bool("update", false, "rewrite golden files")

// hl7Dir holds the golden inputs; hl7Dir/golden the expected outcomes.
const hl7Dir = "../../testdata/hl7"

var testNow = time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)

// goldenOutcome is what a golden file records for one message.
type goldenOutcome struct {
	Ack     AckCode  `json:"ack"`
	Skipped string   `json:"skipped,omitempty"`
	Error   string   `json:"error,omitempty"`
	ACK     []string `json:"ack_message"`
	// Report is the stored report without Raw (checked separately).
	Report json.RawMessage `json:"report,omitempty"`
}

func testIngest(t testing.TB, store pipeline.ReportStore, log io.Writer) *Ingest {
	t.Helper()
	if log == nil {
		log = io.Discard
	}
	in, err := NewIngest(IngestConfig{
		Store:    store,
		Location: time.UTC,
		Now:      func() time.Time { return testNow },
		Logger:   slog.New(slog.NewJSONHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func goldenInputs(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(hl7Dir)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, e := range entries {
		if !e.IsDir() && (strings.HasSuffix(e.Name(), ".hl7") || strings.HasSuffix(e.Name(), ".txt")) {
			files = append(files, e.Name())
		}
	}
	if len(files) < 20 {
		t.Fatalf("found %d golden inputs in %s, want at least 20", len(files), hl7Dir)
	}
	return files
}

func TestGolden(t *testing.T) {
	for _, name := range goldenInputs(t) {
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(hl7Dir, name))
			if err != nil {
				t.Fatal(err)
			}
			var stored []*pipeline.Report
			store := pipeline.ReportStoreFunc(func(_ context.Context, r *pipeline.Report) (pipeline.StoreOutcome, error) {
				stored = append(stored, r)
				return pipeline.StoreOutcome{Sequence: uint64(len(stored))}, nil
			})
			out := testIngest(t, store, nil).Process(context.Background(), raw)
			g := goldenOutcome{Ack: out.Ack, Skipped: out.Skipped}
			if out.Err != nil {
				g.Error = out.Err.Error()
			}
			g.ACK = strings.Split(strings.TrimSuffix(string(out.Reply), "\r"), "\r")
			switch {
			case out.Ack == AA && out.Skipped == "":
				if len(stored) != 1 {
					t.Fatalf("AA without a skip reason but %d reports stored", len(stored))
				}
				r := *stored[0]
				if !bytes.Equal(r.Raw, raw) {
					t.Error("Report.Raw is not the message as received")
				}
				r.Raw = nil
				b, err := pipeline.MarshalReport(&r)
				if err != nil {
					t.Fatal(err)
				}
				g.Report = b
			case len(stored) != 0:
				t.Fatalf("%s (skipped %q) but %d reports stored", out.Ack, out.Skipped, len(stored))
			}
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(g); err != nil {
				t.Fatal(err)
			}
			got := buf.Bytes()
			path := filepath.Join(hl7Dir, "golden", name+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("read golden (run with -update to create): %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("outcome differs from %s (run with -update to accept):\n got: %s\nwant: %s", path, got, want)
			}
		})
	}
}
