package classifier

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/radflag/radflag/classifier/gemm"
)

// BenchmarkPredictGEMM compares batch-32 throughput through hugot with
// classifier/gemm off and on (RADFLAG_GEMM, read when each model's backend
// is created), for the benchmark model as it is and re-exported with the
// current ONNX writer (2-D MatMuls, which reach the kernel; models written
// before it have 3-D ones that do not). Every iteration runs one batch on
// each variant in turn, so they share the machine's load; each variant's
// throughput is reported as <variant>_reports/s.
func BenchmarkPredictGEMM(b *testing.B) {
	task := benchTask(b)
	texts := benchReports(32)
	load := func(t Task, mode string) *Model {
		b.Setenv(gemm.EnvVar, mode)
		m, err := Load(context.Background(), Config{Task: t, BatchSize: 32, CacheDir: b.TempDir()})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { m.Close() })
		if _, err := m.Predict(context.Background(), texts); err != nil { // compile
			b.Fatal(err)
		}
		return m
	}
	type variant struct {
		name  string
		model *Model
	}
	off := load(task, "off")
	reexported := task
	reexported.ModelDir = reexport(b, off.Info().Dir)
	variants := []variant{
		{"as_is_gemm_off", off},
		{"as_is_gemm_on", load(task, "on")},
		{"reexported_gemm_off", load(reexported, "off")},
		{"reexported_gemm_on", load(reexported, "on")},
	}
	total := make([]time.Duration, len(variants))
	b.ResetTimer()
	for range b.N {
		for i, v := range variants {
			start := time.Now()
			if _, err := v.model.Predict(context.Background(), texts); err != nil {
				b.Fatal(err)
			}
			total[i] += time.Since(start)
		}
	}
	b.StopTimer()
	for i, v := range variants {
		b.ReportMetric(float64(32*b.N)/total[i].Seconds(), v.name+"_reports/s")
	}
}

// reexport copies a model directory with model.onnx rewritten from its own
// weights by the current writer.
func reexport(b *testing.B, dir string) string {
	man, err := readManifest(dir)
	if err != nil {
		b.Fatal(err)
	}
	_, model, err := rewriteGraph(dir, man)
	if err != nil {
		b.Fatal(err)
	}
	out := b.TempDir()
	for _, f := range []string{"config.json", "tokenizer.json", manifestFile, CompanionFile} {
		data, err := os.ReadFile(filepath.Join(dir, f))
		if f == CompanionFile && errors.Is(err, fs.ErrNotExist) {
			continue // a model without an n-gram companion
		}
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(out, f), data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(out, "model.onnx"), model, 0o644); err != nil {
		b.Fatal(err)
	}
	return out
}
