package classifier

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// BenchmarkPredictPaths compares, on the benchmark model re-exported by the
// current ONNX writer (what retrained models will be), three ways to run a
// batch: "pipeline", the earlier flow (Fit, then hugot's RunPipeline
// tokenising the fitted texts again); "inorder", texts tokenised once
// (FitIDs) and run as one batch; "direct", Predict (tokenised once, then
// length-sorted groups from planBatches). Three sets of 32 texts: the
// uniform report-length benchReports, 32 dev reports, and 16 of them with
// 16 short ones (see mixed below). Variants
// run in turn every iteration; each reports <variant>_reports/s (wall) and
// <variant>_reports/cpu_s (per second of process CPU time).
func BenchmarkPredictPaths(b *testing.B) {
	m := loadReexported(b)
	defer m.Close()
	dev := devReports(b, 32)
	// mixed: 16 dev reports cut to their first 300 bytes (a short
	// indication and impression, as the HL7 path's sections can be) and 16
	// whole ones, interleaved.
	var mixed []string
	for i, t := range dev[:16] {
		mixed = append(mixed, dev[16+i])
		if cut := strings.LastIndexByte(t[:min(len(t), 300)], ' '); cut > 0 {
			t = t[:cut]
		}
		mixed = append(mixed, t)
	}
	sets := map[string][]string{"uniform": benchReports(32), "dev": dev, "mixed": mixed}
	pipeline := func(texts []string) error {
		fitted := make([]string, len(texts))
		for i, t := range texts {
			fitted[i] = m.tk.Fit(t, m.info.MaxTokens)
		}
		m.mu.Lock()
		defer m.mu.Unlock()
		_, err := m.pipe.RunPipeline(context.Background(), fitted)
		return err
	}
	inOrder := func(texts []string) error {
		seqs := make([][]int, len(texts))
		for i, t := range texts {
			_, seqs[i] = m.tk.FitIDs(t, m.info.MaxTokens)
		}
		m.mu.Lock()
		defer m.mu.Unlock()
		_, err := m.run(context.Background(), seqs)
		return err
	}
	direct := func(texts []string) error {
		_, err := m.Predict(context.Background(), texts)
		return err
	}
	type variant struct {
		name string
		run  func([]string) error
		set  string
	}
	var variants []variant
	for _, set := range []string{"uniform", "dev", "mixed"} {
		variants = append(variants, variant{set + "_pipeline", pipeline, set},
			variant{set + "_inorder", inOrder, set}, variant{set + "_direct", direct, set})
	}
	for _, v := range variants { // compile every shape first
		for range 2 {
			if err := v.run(sets[v.set]); err != nil {
				b.Fatal(err)
			}
		}
	}
	wall, cpu := make([]time.Duration, len(variants)), make([]time.Duration, len(variants))
	b.ResetTimer()
	for range b.N {
		for i, v := range variants {
			start, startCPU := time.Now(), processCPU()
			if err := v.run(sets[v.set]); err != nil {
				b.Fatal(err)
			}
			wall[i] += time.Since(start)
			cpu[i] += processCPU() - startCPU
		}
	}
	b.StopTimer()
	for i, v := range variants {
		n := float64(len(sets[v.set]) * b.N)
		b.ReportMetric(n/wall[i].Seconds(), v.name+"_reports/s")
		b.ReportMetric(n/cpu[i].Seconds(), v.name+"_reports/cpu_s")
	}
}

// processCPU is the process's user+system CPU time. On a shared machine it
// measures a variant's work where wall time mostly measures the neighbours.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// devReports are the first n of testdata/dev/pancreas.jsonl, real-length
// reports (25th–75th percentile 117–178 tokens, so some fit in 128).
func devReports(b *testing.B, n int) []string {
	f, err := os.Open(filepath.Join("..", "testdata", "dev", "pancreas.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() && len(out) < n {
		var ex struct {
			Text string `json:"text"`
		}
		if err := json.Unmarshal(sc.Bytes(), &ex); err != nil {
			b.Fatal(err)
		}
		out = append(out, ex.Text)
	}
	return out
}

// BenchmarkPredictReexported is BenchmarkPredict on the re-exported model,
// for profiles (-cpuprofile) of the current path alone.
func BenchmarkPredictReexported(b *testing.B) {
	m := loadReexported(b)
	defer m.Close()
	texts := benchReports(32)
	if _, err := m.Predict(context.Background(), texts); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if _, err := m.Predict(context.Background(), texts); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(32*b.N)/b.Elapsed().Seconds(), "reports/s")
}

// loadReexported loads the benchmark model's transformer after writing it
// again with the current ONNX exporter (an older shipped graph runs as a new
// one would). The copy has no n-gram companion: the transformer is loaded
// alone.
func loadReexported(b *testing.B) *Model {
	b.Helper()
	task := benchTask(b)
	base, err := Load(context.Background(), Config{Task: task, BatchSize: 32, CacheDir: b.TempDir(), TransformerOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	base.Close()
	task.ModelDir = reexport(b, base.Info().Dir)
	m, err := Load(context.Background(), Config{Task: task, BatchSize: 32, TransformerOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	return m
}
