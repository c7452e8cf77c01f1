package fhir

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

// fixtureDir holds FHIR resources and bundles in the shapes servers send.
const fixtureDir = "../../testdata/fhir"

var testNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// goldenOut is what one fixture decodes to, without a FHIR server to read
// from: the reports (Raw left out; it is checked against the input), the
// references an id-only notification would read, skips and rejections.
type goldenOut struct {
	Kind       string             `json:"kind"`
	NotifyType string             `json:"notify_type,omitempty"`
	Refs       []string           `json:"refs,omitempty"`
	Next       string             `json:"next,omitempty"`
	Reports    []*pipeline.Report `json:"reports,omitempty"`
	Skipped    []string           `json:"skipped,omitempty"`
	Rejected   []string           `json:"rejected,omitempty"`
}

func testConverter(t testing.TB, f CTFilter) *converter {
	ct, err := f.compile()
	if err != nil {
		t.Fatal(err)
	}
	return &converter{ct: ct, now: func() time.Time { return testNow }, log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		maxResults: defaultMaxResults, maxAttachmentBytes: defaultMaxAttachmentBytes}
}

func TestGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(fixtureDir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures in %s: %v", fixtureDir, err)
	}
	in := &ingester{conv: testConverter(t, CTFilter{}), log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(strings.TrimSuffix(name, ".json"), func(t *testing.T) {
			body, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			p, err := decodePayload(body, 0)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			out := goldenOut{Kind: p.kind, NotifyType: p.notifyType, Refs: p.refs, Next: p.next}
			for _, it := range p.items {
				pr, err := in.prepare(context.Background(), it, p.included)
				if err != nil {
					t.Fatalf("prepare %s: %v", it.path, err)
				}
				switch {
				case pr.rej != nil:
					out.Rejected = append(out.Rejected, pr.id+": "+pr.rej.Reason)
				case pr.skip != "":
					out.Skipped = append(out.Skipped, pr.id+": "+pr.skip)
				default:
					if !json.Valid(pr.report.Raw) || !bytes.Contains(body, bytes.TrimSpace(pr.report.Raw)) {
						t.Errorf("%s: Raw is not the resource as received", pr.id)
					}
					r := *pr.report
					r.Raw = nil
					r.Schema = pipeline.SchemaVersion
					out.Reports = append(out.Reports, &r)
				}
			}
			got, err := json.MarshalIndent(out, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			gf := filepath.Join(fixtureDir, "golden", name)
			if *update {
				if err := os.MkdirAll(filepath.Dir(gf), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(gf, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(gf)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from golden %s (run with -update after checking):\n%s", name, gf, got)
			}
		})
	}
}
