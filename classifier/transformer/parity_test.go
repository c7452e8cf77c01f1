package transformer

import (
	"cmp"
	"context"
	"math"
	"strings"
	"testing"

	gctx "github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/knights-analytics/hugot"
	"github.com/knights-analytics/hugot/backends"
	"github.com/knights-analytics/hugot/pipelines"

	"github.com/radflag/radflag/classifier/tokenizer"
)

var parityTexts = []string{
	"CT abdomen: 3.2 cm hypoenhancing mass in the pancreatic head, suspicious for adenocarcinoma.",
	"No pancreatic mass. Normal pancreas.",
	"Status post Whipple procedure for pancreatic cancer; no recurrence.",
	"膵頭部に腫瘤あり。 Pancreatic head mass, concerning for PDAC.",
	"CT-guided drainage of a pelvic abscess with an 8 Fr catheter.",
}

func tinyModel(t testing.TB, numLabels int) (Config, Weights, []byte) {
	t.Helper()
	return tinyModelPooled(t, numLabels, "")
}

// tinyModelPooled is tinyModel with the given pooling (the pooler's shape
// depends on it).
func tinyModelPooled(t testing.TB, numLabels int, pooling string) (Config, Weights, []byte) {
	t.Helper()
	corpus := append([]string(nil), parityTexts...)
	corpus = append(corpus, strings.Repeat("pancreas mass biopsy drainage lung bone ", 3))
	vocab, err := tokenizer.Train(corpus, tokenizer.TrainConfig{VocabSize: 400, MinFreq: 1})
	if err != nil {
		t.Fatal(err)
	}
	tj := tokenizer.Build(vocab)
	c := Config{VocabSize: len(vocab), Hidden: 32, Layers: 2, Heads: 4, FFN: 64, MaxPositions: 64, TypeVocab: 2, NumLabels: numLabels, Pooling: pooling}
	w, err := InitWeights(c, 7)
	if err != nil {
		t.Fatal(err)
	}
	// Larger than BERT's init so that the logits differ between inputs.
	for n, p := range w {
		if strings.Contains(n, "LayerNorm") {
			continue
		}
		for i := range p.Data {
			p.Data[i] *= 25
		}
	}
	return c, w, tj
}

// TestONNXMatchesGomlx is the writer ↔ hugot parity test: the same weights
// give the same class probabilities in the gomlx model and in the ONNX file
// loaded by hugot's Go backend.
func TestONNXMatchesGomlx(t *testing.T) {
	for _, v := range []struct{ pooling, activation string }{{"cls", ""}, {"mean", ""}, {"mean", "relu"}, {"meanmax", ""}} {
		t.Run(v.pooling+"_"+cmp.Or(v.activation, "gelu"), func(t *testing.T) { testParity(t, v.pooling, v.activation) })
	}
}

func testParity(t *testing.T, pooling, activation string) {
	c, w, tj := tinyModelPooled(t, 3, pooling)
	c.Activation = activation
	dir := t.TempDir()
	labels := []string{"none", "post_treatment", "pretreatment"}
	if err := WriteDir(dir, c, w, tj, labels); err != nil {
		t.Fatal(err)
	}

	tk, err := tokenizer.New(tj)
	if err != nil {
		t.Fatal(err)
	}
	var seqs [][]int
	for _, s := range parityTexts {
		seqs = append(seqs, tk.Encode(tk.Fit(s, c.MaxPositions)))
	}
	backend, err := NewBackend()
	if err != nil {
		t.Fatal(err)
	}
	ctx := gctx.New()
	if err := LoadIntoContext(ctx, w); err != nil {
		t.Fatal(err)
	}
	r, err := NewRunner(backend, ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	want, err := r.Logits(seqs, 0)
	if err != nil {
		t.Fatal(err)
	}

	session, err := hugot.NewGoSession(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer session.Destroy()
	p, err := hugot.NewPipeline(session, hugot.TextClassificationConfig{
		ModelPath: dir, Name: "parity",
		Options: []hugot.TextClassificationOption{pipelines.WithMultiLabel(), pipelines.WithSoftmax()},
	})
	if err != nil {
		t.Fatal(err)
	}
	fitted := make([]string, len(parityTexts))
	for i, s := range parityTexts {
		fitted[i] = tk.Fit(s, c.MaxPositions)
	}
	// The ids hugot feeds the model are the ids training used.
	batch := backends.NewBatch(len(fitted))
	backends.TokenizeInputs(batch, p.Model.Tokenizer, fitted)
	for i, in := range batch.Input {
		if len(in.TokenIDs) != len(seqs[i]) {
			t.Fatalf("text %d: hugot %d tokens, radflag %d", i, len(in.TokenIDs), len(seqs[i]))
		}
		for j := range seqs[i] {
			if int(in.TokenIDs[j]) != seqs[i][j] {
				t.Fatalf("text %d token %d: hugot id %d, radflag %d", i, j, in.TokenIDs[j], seqs[i][j])
			}
		}
	}
	out, err := p.RunPipeline(context.Background(), fitted)
	if err != nil {
		t.Fatal(err)
	}
	spread := 0.0
	for i := range parityTexts {
		probs := softmax(want[i])
		for j, co := range out.ClassificationOutputs[i] {
			if co.Label != labels[j] {
				t.Fatalf("text %d class %d: label %q, want %q", i, j, co.Label, labels[j])
			}
			if d := math.Abs(float64(co.Score) - probs[j]); d > 1e-4 {
				t.Errorf("text %d class %d: hugot %.6f, gomlx %.6f", i, j, co.Score, probs[j])
			}
			spread = max(spread, math.Abs(probs[j]-probs[0]))
		}
	}
	if spread < 0.01 {
		t.Fatalf("probabilities hardly differ (%.4g): the test would not catch a wrong graph", spread)
	}
}

func softmax(l []float32) []float64 {
	m := math.Inf(-1)
	for _, v := range l {
		m = math.Max(m, float64(v))
	}
	sum := 0.0
	out := make([]float64, len(l))
	for i, v := range l {
		out[i] = math.Exp(float64(v) - m)
		sum += out[i]
	}
	for i := range out {
		out[i] /= sum
	}
	return out
}
