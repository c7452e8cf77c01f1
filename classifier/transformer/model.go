// Package transformer holds radflag's BERT-style sequence classifier written
// directly in gomlx: its weights, its forward graph (used for training and
// for the parity test), its training loop and its export to a Hugging Face
// style model directory (model.onnx, config.json, tokenizer.json) that hugot
// loads.
package transformer

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // gomlx graph DSL reads best unqualified
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/layers"
)

// Config is the architecture.
type Config struct {
	VocabSize    int     `json:"vocab_size"`
	Hidden       int     `json:"hidden_size"`
	Layers       int     `json:"num_hidden_layers"`
	Heads        int     `json:"num_attention_heads"`
	FFN          int     `json:"intermediate_size"`
	MaxPositions int     `json:"max_position_embeddings"`
	TypeVocab    int     `json:"type_vocab_size"`
	NumLabels    int     `json:"num_labels"`
	Dropout      float64 `json:"hidden_dropout_prob"`
	// Pooling is how the sequence becomes one vector before the pooler:
	// "cls" (BERT's first token, the default) or "mean" (the mean of the
	// unpadded tokens). Mean pooling trains much faster from scratch: every
	// token's residual stream reaches the classifier directly. "meanmax"
	// joins the mean to the elementwise maximum over the unpadded tokens
	// (the pooler then reads 2·hidden), so that a few sentences in a long
	// report about something else are not averaged away. On the pancreas
	// dev set it scored level with "mean" (BENCHMARKS.md).
	Pooling string `json:"pooling,omitempty"`
	// Activation is the feed-forward non-linearity: "gelu" (BERT's exact
	// erf form, the default when empty) or "relu". On gomlx's Go backend
	// erf is a float64 call per element, about an eighth of a forward pass
	// of the shipped size; relu is a compare.
	Activation string `json:"hidden_act,omitempty"`
}

// DefaultConfig is the shipped size: small enough for ≥ 50 reports/s on two
// CPU cores, large enough to read negation and context.
func DefaultConfig(vocabSize, numLabels int) Config {
	return Config{VocabSize: vocabSize, Hidden: 128, Layers: 2, Heads: 4, FFN: 512,
		MaxPositions: 256, TypeVocab: 2, NumLabels: numLabels, Dropout: 0.1}
}

// Validate checks that the sizes fit together.
func (c Config) Validate() error {
	switch {
	case c.VocabSize < 8:
		return fmt.Errorf("vocab size %d too small", c.VocabSize)
	case c.Hidden <= 0 || c.Heads <= 0 || c.Hidden%c.Heads != 0:
		return fmt.Errorf("hidden size %d must be a positive multiple of heads %d", c.Hidden, c.Heads)
	case c.Layers <= 0 || c.FFN <= 0:
		return fmt.Errorf("layers %d and FFN size %d must be positive", c.Layers, c.FFN)
	case c.MaxPositions < 8:
		return fmt.Errorf("max positions %d too small", c.MaxPositions)
	case c.TypeVocab < 1:
		return fmt.Errorf("type vocab %d must be positive", c.TypeVocab)
	case c.Pooling != "" && c.Pooling != "cls" && c.Pooling != "mean" && c.Pooling != "meanmax":
		return fmt.Errorf("pooling %q: want cls, mean or meanmax", c.Pooling)
	case c.Activation != "" && c.Activation != "gelu" && c.Activation != "relu":
		return fmt.Errorf("activation %q: want gelu or relu", c.Activation)
	case c.NumLabels < 2:
		return fmt.Errorf("need at least 2 labels, got %d", c.NumLabels)
	case c.Dropout < 0 || c.Dropout >= 1:
		return fmt.Errorf("dropout %g out of [0,1)", c.Dropout)
	}
	return nil
}

// Param is one weight tensor, row-major. Dense weights are stored [in, out]
// (the orientation ONNX MatMul takes).
type Param struct {
	Dims []int
	Data []float32
}

// Weights maps Hugging Face style parameter names to values.
type Weights map[string]*Param

// Names lists the parameter names in a fixed order.
func (w Weights) Names() []string {
	names := make([]string, 0, len(w))
	for n := range w {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// NumParams counts scalars.
func (w Weights) NumParams() int {
	n := 0
	for _, p := range w {
		n += len(p.Data)
	}
	return n
}

func layerPrefix(i int) string { return fmt.Sprintf("bert.encoder.layer.%d.", i) }

// pooledSize is the width of the pooled vector the pooler reads.
func (c Config) pooledSize() int {
	if c.Pooling == "meanmax" {
		return 2 * c.Hidden
	}
	return c.Hidden
}

// paramShapes lists every parameter and its shape.
func paramShapes(c Config) map[string][]int {
	h, f := c.Hidden, c.FFN
	m := map[string][]int{
		"bert.embeddings.word_embeddings.weight":       {c.VocabSize, h},
		"bert.embeddings.position_embeddings.weight":   {c.MaxPositions, h},
		"bert.embeddings.token_type_embeddings.weight": {c.TypeVocab, h},
		"bert.embeddings.LayerNorm.weight":             {h},
		"bert.embeddings.LayerNorm.bias":               {h},
		"bert.pooler.dense.weight":                     {c.pooledSize(), h},
		"bert.pooler.dense.bias":                       {h},
		"classifier.weight":                            {h, c.NumLabels},
		"classifier.bias":                              {c.NumLabels},
	}
	for i := 0; i < c.Layers; i++ {
		p := layerPrefix(i)
		for _, n := range []string{"attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"} {
			m[p+n+".weight"] = []int{h, h}
			m[p+n+".bias"] = []int{h}
		}
		m[p+"attention.output.LayerNorm.weight"] = []int{h}
		m[p+"attention.output.LayerNorm.bias"] = []int{h}
		m[p+"intermediate.dense.weight"] = []int{h, f}
		m[p+"intermediate.dense.bias"] = []int{f}
		m[p+"output.dense.weight"] = []int{f, h}
		m[p+"output.dense.bias"] = []int{h}
		m[p+"output.LayerNorm.weight"] = []int{h}
		m[p+"output.LayerNorm.bias"] = []int{h}
	}
	return m
}

// InitWeights draws BERT's initialisation (normal, std 0.02; LayerNorm gain
// 1, biases 0) from a seeded generator, so a seed fixes the whole run.
func InitWeights(c Config, seed int64) (Weights, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x7261646672616721))
	shapes := paramShapes(c)
	names := make([]string, 0, len(shapes))
	for n := range shapes {
		names = append(names, n)
	}
	sort.Strings(names)
	w := Weights{}
	for _, n := range names {
		dims := shapes[n]
		size := 1
		for _, d := range dims {
			size *= d
		}
		data := make([]float32, size)
		switch {
		case strings.HasSuffix(n, "LayerNorm.weight"):
			for i := range data {
				data[i] = 1
			}
		case strings.HasSuffix(n, ".bias"):
		default:
			for i := range data {
				data[i] = float32(rng.NormFloat64() * 0.02)
			}
		}
		w[n] = &Param{Dims: dims, Data: data}
	}
	return w, nil
}

// CheckWeights verifies that w has exactly the parameters of c.
func CheckWeights(c Config, w Weights) error {
	want := paramShapes(c)
	var errs []error
	for n, dims := range want {
		p, ok := w[n]
		if !ok {
			errs = append(errs, fmt.Errorf("missing parameter %s", n))
			continue
		}
		size := 1
		for i, d := range dims {
			size *= d
			if i >= len(p.Dims) || p.Dims[i] != d {
				errs = append(errs, fmt.Errorf("parameter %s has shape %v, want %v", n, p.Dims, dims))
				break
			}
		}
		if len(p.Data) != size {
			errs = append(errs, fmt.Errorf("parameter %s has %d values, want %d", n, len(p.Data), size))
		}
	}
	if len(w) != len(want) {
		errs = append(errs, fmt.Errorf("%d parameters, want %d", len(w), len(want)))
	}
	return errors.Join(errs...)
}

// varName maps a parameter name to a gomlx variable name (no dots or
// slashes, which gomlx reads as scope separators).
func varName(n string) string { return strings.ReplaceAll(n, ".", "_") }

const scope = "radflag_bert"

// LayerNormEpsilon matches BERT.
const LayerNormEpsilon = 1e-12

// maskBias is added to attention scores of padded positions.
const maskBias = -10000.0

// Forward builds the logits graph [batch, labels] from ids and mask
// ([batch, seq], any integer type); types may be nil (all zero). Variables
// must already be in ctx (see LoadIntoContext). It computes exactly what the
// exported ONNX graph computes.
func Forward(ctx *context.Context, c Config, ids, mask, types *Node) *Node {
	x := Encode(ctx, c, ids, mask, types)
	g := ids.Graph()
	ctx = ctx.In(scope)
	v := func(n string) *Node {
		vr := ctx.GetVariableByScopeAndName(ctx.Scope(), varName(n))
		if vr == nil {
			panic(fmt.Sprintf("transformer: variable %s not in context", n))
		}
		return vr.ValueGraph(g)
	}
	drop := func(x *Node) *Node {
		if !ctx.IsTraining(g) || c.Dropout <= 0 {
			return x
		}
		return layers.DropoutStatic(ctx, x, c.Dropout)
	}
	b, s := ids.Shape().Dim(0), ids.Shape().Dim(1)
	h := c.Hidden
	fmask := ConvertDType(mask, x.DType())
	var cls *Node
	if c.Pooling == "mean" || c.Pooling == "meanmax" {
		m3 := Reshape(fmask, b, s, 1)
		sum := ReduceSum(Mul(Reshape(x, b, s, h), m3), 1)       // [b, h]
		cnt := MaxScalar(ReduceSum(Reshape(fmask, b, s), 1), 1) // [b]
		cls = Div(sum, Reshape(cnt, b, 1))
		if c.Pooling == "meanmax" {
			// Padded positions get maskBias added, so they never win the
			// maximum while a real token is there.
			padBias := MulScalar(OneMinus(m3), maskBias)
			mx := ReduceMax(Add(Reshape(x, b, s, h), padBias), 1) // [b, h]
			cls = Concatenate([]*Node{cls, mx}, 1)
		}
	} else {
		cls = Reshape(Slice(Reshape(x, b, s, h), AxisRange(), AxisRange(0, 1)), b, h)
	}
	pooled := Tanh(dense(cls, v("bert.pooler.dense.weight"), v("bert.pooler.dense.bias")))
	pooled = drop(pooled)
	return dense(pooled, v("classifier.weight"), v("classifier.bias"))
}

// Encode builds the encoder's output [batch*seq, hidden] (the last layer's
// hidden states, flattened) from ids and mask; Forward pools it, and
// masked-language-model pretraining predicts tokens from it.
func Encode(ctx *context.Context, c Config, ids, mask, types *Node) *Node {
	g := ids.Graph()
	ctx = ctx.In(scope)
	v := func(n string) *Node {
		vr := ctx.GetVariableByScopeAndName(ctx.Scope(), varName(n))
		if vr == nil {
			panic(fmt.Sprintf("transformer: variable %s not in context", n))
		}
		return vr.ValueGraph(g)
	}
	training := ctx.IsTraining(g)
	drop := func(x *Node) *Node {
		if !training || c.Dropout <= 0 {
			return x
		}
		return layers.DropoutStatic(ctx, x, c.Dropout)
	}
	b, s := ids.Shape().Dim(0), ids.Shape().Dim(1)
	h, nh := c.Hidden, c.Heads
	dh := h / nh

	word := Gather(v("bert.embeddings.word_embeddings.weight"), ExpandAxes(ConvertDType(ids, dtypes.Int32), -1))
	pos := Slice(v("bert.embeddings.position_embeddings.weight"), AxisRange(0, s))
	x := Add(word, ExpandAxes(pos, 0))
	typeEmb := v("bert.embeddings.token_type_embeddings.weight")
	if types == nil {
		x = Add(x, Reshape(Slice(typeEmb, AxisRange(0, 1)), 1, 1, h))
	} else {
		x = Add(x, Gather(typeEmb, ExpandAxes(ConvertDType(types, dtypes.Int32), -1)))
	}
	x = layerNorm(x, v("bert.embeddings.LayerNorm.weight"), v("bert.embeddings.LayerNorm.bias"))
	x = drop(x)
	x = Reshape(x, b*s, h)

	dt := x.DType()
	fmask := ConvertDType(mask, dt)
	bias := Reshape(MulScalar(OneMinus(fmask), maskBias), b, 1, 1, s)
	scale := 1 / math.Sqrt(float64(dh))

	for i := 0; i < c.Layers; i++ {
		p := layerPrefix(i)
		heads := func(t *Node) *Node { // [b*s, h] → [b, nh, s, dh]
			return TransposeAllAxes(Reshape(t, b, s, nh, dh), 0, 2, 1, 3)
		}
		q := heads(dense(x, v(p+"attention.self.query.weight"), v(p+"attention.self.query.bias")))
		k := heads(dense(x, v(p+"attention.self.key.weight"), v(p+"attention.self.key.bias")))
		val := heads(dense(x, v(p+"attention.self.value.weight"), v(p+"attention.self.value.bias")))
		scores := batchedQK(Reshape(q, b*nh, s, dh), Reshape(k, b*nh, s, dh)) // [b*nh, s, s]
		scores = Add(MulScalar(Reshape(scores, b, nh, s, s), scale), bias)
		probs := Softmax(scores, -1)
		probs = drop(probs)
		att := batchedPV(Reshape(probs, b*nh, s, s), Reshape(val, b*nh, s, dh)) // [b*nh, s, dh]
		att = Reshape(TransposeAllAxes(Reshape(att, b, nh, s, dh), 0, 2, 1, 3), b*s, h)
		att = drop(dense(att, v(p+"attention.output.dense.weight"), v(p+"attention.output.dense.bias")))
		x = layerNorm(Add(x, att), v(p+"attention.output.LayerNorm.weight"), v(p+"attention.output.LayerNorm.bias"))
		f := activate(c.Activation, dense(x, v(p+"intermediate.dense.weight"), v(p+"intermediate.dense.bias")))
		f = drop(dense(f, v(p+"output.dense.weight"), v(p+"output.dense.bias")))
		x = layerNorm(Add(x, f), v(p+"output.LayerNorm.weight"), v(p+"output.LayerNorm.bias"))
	}
	return x
}
