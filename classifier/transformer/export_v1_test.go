package transformer

import (
	"fmt"
	"math"

	"github.com/radflag/radflag/classifier/onnx"
)

// onnxV1 is the ONNX writer as of commit fb6988f (2-D MatMuls, broadcasting
// adds, LayerNormalization ops), kept as the baseline the graph benchmark
// and the equivalence test compare the current writer with.
func onnxV1(c Config, w Weights) ([]byte, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if err := CheckWeights(c, w); err != nil {
		return nil, fmt.Errorf("weights do not fit the config: %w", err)
	}
	g := &onnx.Graph{Name: "radflag_bert"}
	dyn := []string{"batch", "sequence"}
	for _, in := range []string{"input_ids", "attention_mask", "token_type_ids"} {
		g.Inputs = append(g.Inputs, onnx.Value{Name: in, Type: onnx.Int64, Dims: []int64{-1, -1}, DimNames: dyn})
	}
	g.Outputs = []onnx.Value{{Name: "logits", Type: onnx.Float, Dims: []int64{-1, int64(c.NumLabels)}, DimNames: []string{"batch"}}}
	for _, n := range w.Names() {
		p := w[n]
		dims := make([]int64, len(p.Dims))
		for i, d := range p.Dims {
			dims[i] = int64(d)
		}
		g.Initializer(onnx.FloatTensor(n, dims, p.Data))
	}
	h, nh := int64(c.Hidden), int64(c.Heads)
	dh := h / nh

	// Embeddings.
	word := g.Op("Gather", []string{"bert.embeddings.word_embeddings.weight", "input_ids"}, onnx.AttrInt("axis", 0))
	shape := g.Op("Shape", []string{"input_ids"})
	seqLen := g.Op("Gather", []string{shape, g.Const(onnx.Int64Tensor("const_one_scalar", nil, []int64{1}))}, onnx.AttrInt("axis", 0))
	positions := g.Op("Range", []string{
		g.Const(onnx.Int64Tensor("const_zero", nil, []int64{0})), seqLen,
		g.Const(onnx.Int64Tensor("const_step", nil, []int64{1})),
	})
	pos := g.Op("Gather", []string{"bert.embeddings.position_embeddings.weight", positions}, onnx.AttrInt("axis", 0))
	typ := g.Op("Gather", []string{"bert.embeddings.token_type_embeddings.weight", "token_type_ids"}, onnx.AttrInt("axis", 0))
	x := g.Op("Add", []string{g.Op("Add", []string{word, pos}), typ})
	x = layerNormOpV1(g, x, "bert.embeddings.LayerNorm")

	// Additive attention mask [batch, 1, 1, sequence].
	fmask := g.Op("Cast", []string{"attention_mask"}, onnx.AttrInt("to", onnx.Float))
	inv := g.Op("Sub", []string{g.ConstFloat("const_one", 1), fmask})
	bias := g.Op("Mul", []string{inv, g.ConstFloat("const_mask_bias", maskBias)})
	bias = g.Op("Unsqueeze", []string{bias, g.ConstInts("const_axes_1_2", 1, 2)})

	// The encoder runs on x as [batch·sequence, hidden]: a MatMul of a 3-D x
	// becomes a DotGeneral with two cross axes, which gomlx's pure-Go
	// backend does not hand to its packgemm path (classifier/gemm's kernel);
	// a 2-D one it does. Heads are split with the dynamic shape [batch,
	// sequence, heads, head size] (Shape of input_ids, then Concat), as
	// Hugging Face exports do.
	flat := g.ConstInts("const_flat_shape", -1, h)
	x = g.Op("Reshape", []string{x, flat})
	batchSeq := shape // [batch, sequence]
	headShape := g.Op("Concat", []string{batchSeq, g.ConstInts("const_head_dims", nh, dh)}, onnx.AttrInt("axis", 0))
	scale := g.ConstFloat("const_scale", float32(math.Sqrt(float64(dh))))
	sqrt2 := g.ConstFloat("const_sqrt2", float32(math.Sqrt2))
	one := g.ConstFloat("const_one_gelu", 1)
	half := g.ConstFloat("const_half", 0.5)

	for i := 0; i < c.Layers; i++ {
		p := layerPrefix(i)
		proj := func(name string, perm ...int64) string {
			t := denseOpV1(g, x, p+name)
			t = g.Op("Reshape", []string{t, headShape})
			return g.Op("Transpose", []string{t}, onnx.AttrInts("perm", perm...))
		}
		// K goes straight to [batch, heads, head size, sequence], which
		// onnx-gomlx's SDPA fusion does not match: its fused attention is a
		// scalar loop, slower than the two batched MatMuls on the kernel.
		q := proj("attention.self.query", 0, 2, 1, 3)
		k := proj("attention.self.key", 0, 2, 3, 1)
		v := proj("attention.self.value", 0, 2, 1, 3)
		scores := g.Op("MatMul", []string{q, k})
		scores = g.Op("Div", []string{scores, scale})
		scores = g.Op("Add", []string{scores, bias})
		probs := g.Op("Softmax", []string{scores}, onnx.AttrInt("axis", -1))
		att := g.Op("MatMul", []string{probs, v})
		att = g.Op("Transpose", []string{att}, onnx.AttrInts("perm", 0, 2, 1, 3))
		att = g.Op("Reshape", []string{att, flat})
		att = denseOpV1(g, att, p+"attention.output.dense")
		x = layerNormOpV1(g, g.Op("Add", []string{att, x}), p+"attention.output.LayerNorm")

		f := denseOpV1(g, x, p+"intermediate.dense")
		erf := g.Op("Erf", []string{g.Op("Div", []string{f, sqrt2})})
		f = g.Op("Mul", []string{g.Op("Mul", []string{f, g.Op("Add", []string{erf, one})}), half})
		f = denseOpV1(g, f, p+"output.dense")
		x = layerNormOpV1(g, g.Op("Add", []string{f, x}), p+"output.LayerNorm")
	}
	// Back to [batch, sequence, hidden] for pooling.
	x = g.Op("Reshape", []string{x, g.Op("Concat", []string{batchSeq, g.ConstInts("const_hidden_dim", h)}, onnx.AttrInt("axis", 0))})
	var cls string
	if c.Pooling == "mean" {
		// sum(x · mask) / max(sum(mask), 1) over the sequence axis.
		m3 := g.Op("Unsqueeze", []string{fmask, g.ConstInts("const_axes_2", 2)})
		sum := g.Op("ReduceSum", []string{g.Op("Mul", []string{x, m3}), g.ConstInts("const_axes_1", 1)}, onnx.AttrInt("keepdims", 0))
		cnt := g.Op("ReduceSum", []string{fmask, g.ConstInts("const_axes_1b", 1)}, onnx.AttrInt("keepdims", 1))
		cnt = g.Op("Max", []string{cnt, g.ConstFloat("const_one_count", 1)})
		cls = g.Op("Div", []string{sum, cnt})
	} else {
		cls = g.Op("Gather", []string{x, g.Const(onnx.Int64Tensor("const_cls_index", nil, []int64{0}))}, onnx.AttrInt("axis", 1))
	}
	pooled := g.Op("Tanh", []string{denseOpV1(g, cls, "bert.pooler.dense")})
	mm := g.Op("MatMul", []string{pooled, "classifier.weight"})
	// The final Add is named logits: no Identity (gomlx has no gradient for it).
	g.Add("Add", "logits", []string{mm, "classifier.bias"})
	return g.Marshal("radflag", onnx.Opset)
}

func denseOpV1(g *onnx.Graph, x, name string) string {
	return g.Op("Add", []string{g.Op("MatMul", []string{x, name + ".weight"}), name + ".bias"})
}

func layerNormOpV1(g *onnx.Graph, x, name string) string {
	return g.Op("LayerNormalization", []string{x, name + ".weight", name + ".bias"},
		onnx.AttrInt("axis", -1), onnx.AttrFloat("epsilon", LayerNormEpsilon))
}
