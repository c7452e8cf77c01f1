package transformer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/knights-analytics/hugot"
	"github.com/knights-analytics/hugot/backends"
	"github.com/knights-analytics/hugot/options"
	"github.com/knights-analytics/hugot/pipelines"

	"github.com/radflag/radflag/classifier/gemm"
)

// graphRunner runs one model.onnx through hugot's Go backend on token ids.
type graphRunner struct {
	session *hugot.Session
	pipe    *pipelines.TextClassificationPipeline
}

// newGraphRunner writes model (with c's config.json and tokenizer tj) to a
// directory and loads it as classifier.Load does (sequence buckets of 32).
func newGraphRunner(tb testing.TB, c Config, model, tj []byte) *graphRunner {
	tb.Helper()
	dir := tb.TempDir()
	labels := make([]string, c.NumLabels)
	for i := range labels {
		labels[i] = fmt.Sprintf("l%d", i)
	}
	cfg, err := HFConfig(c, labels)
	if err != nil {
		tb.Fatal(err)
	}
	for name, data := range map[string][]byte{"model.onnx": model, "config.json": cfg, "tokenizer.json": tj} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	var seqBuckets []int
	for s := 32; s < c.MaxPositions; s += 32 {
		seqBuckets = append(seqBuckets, s)
	}
	seqBuckets = append(seqBuckets, c.MaxPositions)
	gemm.Install()
	session, err := hugot.NewGoSession(context.Background(),
		options.WithGoMLXBatchBuckets([]int{1, 2, 4, 8, 16, 32}), options.WithGoMLXSequenceBuckets(seqBuckets))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { session.Destroy() })
	p, err := hugot.NewPipeline(session, hugot.TextClassificationConfig{
		ModelPath: dir, Name: "graph",
		Options: []hugot.TextClassificationOption{pipelines.WithMultiLabel(), pipelines.WithSoftmax()},
	})
	if err != nil {
		tb.Fatal(err)
	}
	return &graphRunner{session: session, pipe: p}
}

// logits runs one batch of id sequences (each [CLS] … [SEP]).
func (r *graphRunner) logits(seqs [][]int) (_ [][]float32, err error) {
	batch := backends.NewBatch(len(seqs))
	defer func() { err = errors.Join(err, batch.Destroy()) }()
	for _, ids := range seqs {
		in := backends.TokenizedInput{MaxAttentionIndex: len(ids) - 1}
		for _, id := range ids {
			in.TokenIDs = append(in.TokenIDs, uint32(id))
			in.TypeIDs = append(in.TypeIDs, 0)
			in.AttentionMask = append(in.AttentionMask, 1)
		}
		batch.Input = append(batch.Input, in)
		batch.MaxSequenceLength = max(batch.MaxSequenceLength, len(ids))
	}
	if err := backends.CreateInputTensors(batch, r.pipe.Model, r.pipe.Runtime); err != nil {
		return nil, err
	}
	if err := backends.RunSessionOnBatch(context.Background(), batch, r.pipe.BasePipeline); err != nil {
		return nil, err
	}
	return batch.OutputValues[0].([][]float32), nil
}

// randomSeqs are n id sequences with lengths in [minLen, maxLen].
func randomSeqs(r *rand.Rand, n, minLen, maxLen, vocab int) [][]int {
	out := make([][]int, n)
	for i := range out {
		l := minLen + r.IntN(maxLen-minLen+1)
		s := []int{2}
		for len(s) < l-1 {
			s = append(s, 5+r.IntN(vocab-5))
		}
		out[i] = append(s, 3)
	}
	return out
}

// shippedWeights are the built-in pancreas model's weights and config, if
// the checkout has them.
func shippedWeights(tb testing.TB) (Config, Weights, []byte, bool) {
	dir := filepath.Join("..", "..", "models", "pancreas")
	mb, err := os.ReadFile(filepath.Join(dir, "model.onnx"))
	if err != nil {
		return Config{}, nil, nil, false
	}
	var man struct {
		Architecture Config `json:"architecture"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "radflag.json"))
	if err != nil {
		tb.Fatal(err)
	}
	if err := json.Unmarshal(b, &man); err != nil {
		tb.Fatal(err)
	}
	tj, err := os.ReadFile(filepath.Join(dir, "tokenizer.json"))
	if err != nil {
		tb.Fatal(err)
	}
	w, err := WeightsFromONNX(mb)
	if err != nil {
		tb.Fatal(err)
	}
	return man.Architecture, w, tj, true
}

// TestONNXMatchesPlainGraph: the broadcast-free graph gives the plain BERT
// graph's logits (onnxV1, LayerNormalization ops and broadcasting adds), on
// batches with padding, for both poolings and for the shipped weights.
func TestONNXMatchesPlainGraph(t *testing.T) {
	type model struct {
		name string
		c    Config
		w    Weights
		tj   []byte
	}
	var models []model
	for _, pooling := range []string{"cls", "mean"} {
		c, w, tj := tinyModel(t, 3)
		c.Pooling = pooling
		models = append(models, model{"tiny_" + pooling, c, w, tj})
	}
	if c, w, tj, ok := shippedWeights(t); ok {
		models = append(models, model{"shipped", c, w, tj})
	}
	for _, m := range models {
		t.Run(m.name, func(t *testing.T) {
			plain, err := onnxV1(m.c, m.w)
			if err != nil {
				t.Fatal(err)
			}
			cur, err := ONNX(m.c, m.w)
			if err != nil {
				t.Fatal(err)
			}
			a := newGraphRunner(t, m.c, plain, m.tj)
			b := newGraphRunner(t, m.c, cur, m.tj)
			r := rand.New(rand.NewPCG(1, 2))
			worst, scale := 0.0, 0.0
			for _, n := range []int{1, 5, 32} {
				seqs := randomSeqs(r, n, 3, m.c.MaxPositions, m.c.VocabSize)
				want, err := a.logits(seqs)
				if err != nil {
					t.Fatal(err)
				}
				got, err := b.logits(seqs)
				if err != nil {
					t.Fatal(err)
				}
				for i := range want {
					for j := range want[i] {
						worst = max(worst, math.Abs(float64(got[i][j]-want[i][j])))
						scale = max(scale, math.Abs(float64(want[i][j])))
					}
				}
			}
			t.Logf("max |Δ logit| %.3g (logits up to %.3g)", worst, scale)
			if worst > 1e-5*max(1, scale) {
				t.Fatalf("logits differ by %.3g", worst)
			}
		})
	}
}

// BenchmarkONNXGraph compares the current writer with the plain BERT graph
// (onnxV1) on the shipped pancreas weights through hugot's Go backend, on
// batches of 32 ids of 128 tokens and of 40–128 tokens; every iteration runs
// each variant in turn, so they share the machine's load. Reports
// <graph>_<batch>_ms (wall) and <graph>_<batch>_cpu_ms (process CPU time)
// per batch.
func BenchmarkONNXGraph(b *testing.B) {
	c, w, tj, ok := shippedWeights(b)
	if !ok {
		b.Skip("no shipped pancreas model")
	}
	plain, err := onnxV1(c, w)
	if err != nil {
		b.Fatal(err)
	}
	cur, err := ONNX(c, w)
	if err != nil {
		b.Fatal(err)
	}
	runners := []struct {
		name string
		r    *graphRunner
	}{{"plain", newGraphRunner(b, c, plain, tj)}, {"current", newGraphRunner(b, c, cur, tj)}}
	r := rand.New(rand.NewPCG(3, 4))
	inputs := []struct {
		name string
		seqs [][]int
	}{{"full", randomSeqs(r, 32, 128, 128, c.VocabSize)}, {"mixed", randomSeqs(r, 32, 40, 128, c.VocabSize)}}
	for _, run := range runners {
		for _, in := range inputs {
			if _, err := run.r.logits(in.seqs); err != nil { // compile
				b.Fatal(err)
			}
		}
	}
	n := len(runners) * len(inputs)
	wall, cpu := make([]time.Duration, n), make([]time.Duration, n)
	b.ResetTimer()
	for range b.N {
		for i, run := range runners {
			for j, in := range inputs {
				start, startCPU := time.Now(), processCPU()
				if _, err := run.r.logits(in.seqs); err != nil {
					b.Fatal(err)
				}
				wall[i*len(inputs)+j] += time.Since(start)
				cpu[i*len(inputs)+j] += processCPU() - startCPU
			}
		}
	}
	b.StopTimer()
	for i, run := range runners {
		for j, in := range inputs {
			k := i*len(inputs) + j
			b.ReportMetric(float64(wall[k].Milliseconds())/float64(b.N), run.name+"_"+in.name+"_ms")
			b.ReportMetric(float64(cpu[k].Milliseconds())/float64(b.N), run.name+"_"+in.name+"_cpu_ms")
		}
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
