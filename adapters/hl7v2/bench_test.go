package hl7v2

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/radflag/radflag/pipeline"
)

func benchSample(b *testing.B) []byte {
	b.Helper()
	raw, err := os.ReadFile(filepath.Join(hl7Dir, "oru_ct.cr.hl7"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	return raw
}

func BenchmarkParse(b *testing.B) {
	raw := benchSample(b)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := Parse(raw, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkToReport(b *testing.B) {
	raw := benchSample(b)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		m, err := Parse(raw, Limits{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := ToReport(m, raw, ReportOptions{ReceivedAt: testNow}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkProcessNoStore is Ingest.Process with a store that returns at
// once: the CPU cost radflag adds per message, ACK included.
func BenchmarkProcessNoStore(b *testing.B) {
	raw := benchSample(b)
	store := pipeline.ReportStoreFunc(func(_ context.Context, r *pipeline.Report) (pipeline.StoreOutcome, error) {
		if _, err := pipeline.MarshalReport(r); err != nil {
			return pipeline.StoreOutcome{}, err
		}
		return pipeline.StoreOutcome{Sequence: 1}, nil
	})
	in := testIngest(b, store, nil)
	in.cfg.Now = time.Now
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if out := in.Process(context.Background(), raw); out.Ack != AA {
			b.Fatal(out.Err)
		}
	}
}
