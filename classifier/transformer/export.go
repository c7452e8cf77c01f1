package transformer

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/radflag/radflag/classifier/onnx"
)

// ONNX builds the standard BERT-for-sequence-classification graph (opset 17)
// with the given weights: inputs input_ids, attention_mask, token_type_ids
// (int64 [batch, sequence]), output logits [batch, labels]. The weights keep
// their Hugging Face names and the graph uses only standard ops, so any
// ONNX runtime loads it; onnx-gomlx recognises (and fuses) its Q/K/V
// projection.
//
// The graph is written for gomlx's pure-Go backend (simplego, through
// hugot), where an elementwise op between tensors of different shapes runs
// through a per-element broadcast iterator, 20–30 times slower than the
// same op on equal shapes, while a MatMul reaches classifier/gemm's kernel.
// So every broadcast is made explicit as an exact product with ones, and
// the elementwise ops then see equal shapes:
//
//   - a row vector v ([k], a bias, a LayerNorm scale) becomes [N, k] as
//     ones[N, 1]·v[1, k], and a column c ([N, 1], a row's mean) becomes
//     [N, h] as c·ones[1, h]: each output is one product with 1, exact;
//   - LayerNorm is written out as onnx-gomlx expands LayerNormalization
//     (mean, centre, mean square, times 1/sqrt(var + eps), scale, shift),
//     with its row sums as x·ones[h, 1] (the same sequential sum);
//   - GELU is exact but has no Erf op (see gelu.go);
//   - the attention mask bias is expanded once per batch to [batch, heads,
//     sequence, sequence] and shared by every layer;
//   - position and token type embeddings are products too (simplego's
//     Gather copies element by element), and mean pooling sums with mask·x.
//
// The logits are those of the plain BERT graph (onnxV1 in the tests) to
// float32 rounding; measured in BENCHMARKS.md.
func ONNX(c Config, w Weights) ([]byte, error) {
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

	shape := g.Op("Shape", []string{"input_ids"}) // [batch, sequence]
	batchDim := g.Op("Gather", []string{shape, g.ConstInts("const_index_0", 0)}, onnx.AttrInt("axis", 0))
	seqDim := g.Op("Gather", []string{shape, g.ConstInts("const_index_1", 1)}, onnx.AttrInt("axis", 0))
	fmask := g.Op("Cast", []string{"attention_mask"}, onnx.AttrInt("to", onnx.Float)) // [batch, sequence]
	// Ones in the mask's shape: exactly 1 whatever the mask holds.
	ones := g.Op("Add", []string{g.Op("Mul", []string{fmask, g.ConstFloat("const_zero_f", 0)}), g.ConstFloat("const_one", 1)})
	b := &bcast{
		g:       g,
		onesN:   g.Op("Reshape", []string{ones, g.ConstInts("const_col_shape", -1, 1)}), // [batch·sequence, 1]
		onesRow: g.Const(onnx.FloatTensor("const_ones_row", []int64{1, h}, filled(int(h), 1))),
		onesCol: g.Const(onnx.FloatTensor("const_ones_col", []int64{h, 1}, filled(int(h), 1))),
		invH:    g.ConstFloat("const_inv_hidden", float32(1/float64(h))),
		eps:     g.ConstFloat("const_ln_eps", LayerNormEpsilon),
		axis0:   g.ConstInts("const_axes_0", 0),
	}

	// Embeddings, on [batch·sequence, hidden]. simplego's Gather copies
	// element by element, so only the word embeddings are gathered per
	// token: the position embeddings are gathered per position ([sequence,
	// hidden]) and repeated over the batch as ones[batch, 1] · pos[1,
	// sequence·hidden]; the token type embeddings are one-hot[N, types] ·
	// table[types, hidden] (one product with 1, the others with 0: exact).
	flat := g.ConstInts("const_flat_shape", -1, h)
	word := g.Op("Reshape", []string{g.Op("Gather", []string{"bert.embeddings.word_embeddings.weight", "input_ids"}, onnx.AttrInt("axis", 0)), flat})
	positions := g.Op("Range", []string{
		g.Const(onnx.Int64Tensor("const_zero", nil, []int64{0})),
		g.Op("Squeeze", []string{seqDim, b.axis0}),
		g.Const(onnx.Int64Tensor("const_step", nil, []int64{1})),
	})
	pos := g.Op("Gather", []string{"bert.embeddings.position_embeddings.weight", positions}, onnx.AttrInt("axis", 0))
	pos = g.Op("Reshape", []string{pos, g.ConstInts("const_row_shape", 1, -1)})                                                                                             // [1, sequence·hidden]
	batchOnes := g.Op("Reshape", []string{g.Op("ReduceMax", []string{ones}, onnx.AttrInts("axes", 1), onnx.AttrInt("keepdims", 1)), g.ConstInts("const_batch_col", -1, 1)}) // [batch, 1]
	pos = g.Op("Reshape", []string{g.Op("MatMul", []string{batchOnes, pos}), flat})
	typeRange := g.Const(onnx.Int64Tensor("const_type_range", []int64{1, int64(c.TypeVocab)}, iota64(c.TypeVocab)))
	oneHot := g.Op("Cast", []string{g.Op("Equal", []string{g.Op("Reshape", []string{"token_type_ids", g.ConstInts("const_col_shape_i", -1, 1)}), typeRange})}, onnx.AttrInt("to", onnx.Float))
	typ := g.Op("MatMul", []string{oneHot, "bert.embeddings.token_type_embeddings.weight"})
	x := g.Op("Add", []string{g.Op("Add", []string{word, pos}), typ})
	x = b.layerNorm(x, "bert.embeddings.LayerNorm")

	// Additive attention mask, [batch, heads, sequence(query), sequence(key)]
	// once for all layers: ones[batch, heads·sequence, 1] · bias[batch, 1, sequence].
	keyBias := g.Op("Mul", []string{g.Op("Sub", []string{g.ConstFloat("const_one_mask", 1), fmask}), g.ConstFloat("const_mask_bias", maskBias)})
	headOnes := make([]string, nh)
	for i := range headOnes {
		headOnes[i] = ones
	}
	queryOnes := g.Op("Unsqueeze", []string{g.Op("Concat", headOnes, onnx.AttrInt("axis", 1)), g.ConstInts("const_axes_2", 2)})
	maskFull := g.Op("MatMul", []string{queryOnes, g.Op("Unsqueeze", []string{keyBias, g.ConstInts("const_axes_1", 1)})})
	scoreShape := g.Op("Concat", []string{batchDim, g.ConstInts("const_heads", nh), seqDim, seqDim}, onnx.AttrInt("axis", 0))
	maskFull = g.Op("Reshape", []string{maskFull, scoreShape})

	// The encoder runs on x as [batch·sequence, hidden]: a MatMul of a 3-D x
	// becomes a DotGeneral with two cross axes, which gomlx's pure-Go
	// backend does not hand to its packgemm path (classifier/gemm's kernel);
	// a 2-D one it does. Heads are split with the dynamic shape [batch,
	// sequence, heads, head size] (Shape of input_ids, then Concat), as
	// Hugging Face exports do.
	headShape := g.Op("Concat", []string{shape, g.ConstInts("const_head_dims", nh, dh)}, onnx.AttrInt("axis", 0))
	// A product with 1/√dh, not a quotient by √dh: simplego's Div costs
	// more than its Mul, and the two differ by at most one rounding.
	invScale := g.ConstFloat("const_inv_scale", float32(1/math.Sqrt(float64(dh))))
	var gelu *geluConsts
	if c.Activation != "relu" {
		gelu = newGeluConsts(g)
	}

	for i := 0; i < c.Layers; i++ {
		p := layerPrefix(i)
		// Q, K and V keep MatMul + Add of the bias initializer: onnx-gomlx
		// fuses that pattern into one projection that adds the biases itself.
		proj := func(name string, perm ...int64) string {
			t := denseOp(g, x, p+name)
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
		scores = g.Op("Mul", []string{scores, invScale})
		scores = g.Op("Add", []string{scores, maskFull})
		probs := g.Op("Softmax", []string{scores}, onnx.AttrInt("axis", -1))
		att := g.Op("MatMul", []string{probs, v})
		att = g.Op("Transpose", []string{att}, onnx.AttrInts("perm", 0, 2, 1, 3))
		att = g.Op("Reshape", []string{att, flat})
		att = b.dense(att, p+"attention.output.dense")
		x = b.layerNorm(g.Op("Add", []string{att, x}), p+"attention.output.LayerNorm")

		f := b.dense(x, p+"intermediate.dense")
		if c.Activation == "relu" {
			f = g.Op("Relu", []string{f})
		} else {
			f = gelu.op(f)
		}
		f = b.dense(f, p+"output.dense")
		x = b.layerNorm(g.Op("Add", []string{f, x}), p+"output.LayerNorm")
	}
	// Back to [batch, sequence, hidden] for pooling.
	x = g.Op("Reshape", []string{x, g.Op("Concat", []string{shape, g.ConstInts("const_hidden_dim", h)}, onnx.AttrInt("axis", 0))})
	var cls string
	if c.Pooling == "mean" || c.Pooling == "meanmax" {
		// sum(x · mask) / max(sum(mask), 1) over the sequence axis, the sum
		// as mask[batch, 1, sequence] · x[batch, sequence, hidden].
		m3 := g.Op("Unsqueeze", []string{fmask, g.ConstInts("const_axes_1p", 1)})
		sum := g.Op("Squeeze", []string{g.Op("MatMul", []string{m3, x}), g.ConstInts("const_axes_1s", 1)})
		cnt := g.Op("ReduceSum", []string{fmask, g.ConstInts("const_axes_1b", 1)}, onnx.AttrInt("keepdims", 1))
		cnt = g.Op("Max", []string{cnt, g.ConstFloat("const_one_count", 1)})
		cls = g.Op("Div", []string{sum, cnt})
		if c.Pooling == "meanmax" {
			// max over the sequence of x + (1 − mask)·maskBias, as in
			// Forward; one broadcast add of [batch, sequence, 1], once.
			padBias := g.Op("Unsqueeze", []string{
				g.Op("Mul", []string{g.Op("Sub", []string{g.ConstFloat("const_one_pool", 1), fmask}), g.ConstFloat("const_pool_bias", maskBias)}),
				g.ConstInts("const_axes_2p", 2)})
			mx := g.Op("ReduceMax", []string{g.Op("Add", []string{x, padBias})}, onnx.AttrInts("axes", 1), onnx.AttrInt("keepdims", 0))
			cls = g.Op("Concat", []string{cls, mx}, onnx.AttrInt("axis", 1))
		}
	} else {
		cls = g.Op("Gather", []string{x, g.Const(onnx.Int64Tensor("const_cls_index", nil, []int64{0}))}, onnx.AttrInt("axis", 1))
	}
	pooled := g.Op("Tanh", []string{denseOp(g, cls, "bert.pooler.dense")})
	mm := g.Op("MatMul", []string{pooled, "classifier.weight"})
	// The final Add is named logits: no Identity (gomlx has no gradient for it).
	g.Add("Add", "logits", []string{mm, "classifier.bias"})
	return g.Marshal("radflag", onnx.Opset)
}

// bcast writes the encoder's elementwise ops on [N, hidden] tensors (N =
// batch·sequence) with every operand brought to full shape by a product
// with ones (see ONNX).
type bcast struct {
	g       *onnx.Graph
	onesN   string // [N, 1]
	onesRow string // [1, hidden]
	onesCol string // [hidden, 1]
	invH    string // 1/hidden
	eps     string
	axis0   string
}

// rows returns the vector v ([k]) repeated on N rows: [N, k].
func (b *bcast) rows(v string) string {
	return b.g.Op("MatMul", []string{b.onesN, b.g.Op("Unsqueeze", []string{v, b.axis0})})
}

// cols returns the column c ([N, 1]) repeated on hidden columns: [N, hidden].
func (b *bcast) cols(c string) string {
	return b.g.Op("MatMul", []string{c, b.onesRow})
}

// dense is x·W + bias with the bias as full rows.
func (b *bcast) dense(x, name string) string {
	return b.g.Op("Add", []string{b.g.Op("MatMul", []string{x, name + ".weight"}), b.rows(name + ".bias")})
}

// layerNorm is LayerNormalization over the last axis as onnx-gomlx
// (v0.4.2) expands the op: mean = sum/h, centred = x − mean, var =
// sum(centred²)/h, (centred · 1/sqrt(var + eps))·scale + bias.
func (b *bcast) layerNorm(x, name string) string {
	g := b.g
	mean := g.Op("Mul", []string{g.Op("MatMul", []string{x, b.onesCol}), b.invH})
	centred := g.Op("Sub", []string{x, b.cols(mean)})
	variance := g.Op("Mul", []string{g.Op("MatMul", []string{g.Op("Mul", []string{centred, centred}), b.onesCol}), b.invH})
	// 1/std on the [N, 1] column, then a product on [N, hidden]: one
	// division a row instead of one an element.
	invStd := g.Op("Reciprocal", []string{g.Op("Sqrt", []string{g.Op("Add", []string{variance, b.eps})})})
	normed := g.Op("Mul", []string{centred, b.cols(invStd)})
	return g.Op("Add", []string{g.Op("Mul", []string{normed, b.rows(name + ".weight")}), b.rows(name + ".bias")})
}

func iota64(n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = int64(i)
	}
	return out
}

func filled(n int, v float32) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func denseOp(g *onnx.Graph, x, name string) string {
	return g.Op("Add", []string{g.Op("MatMul", []string{x, name + ".weight"}), name + ".bias"})
}

// HFConfig is the config.json hugot (and transformers) read.
func HFConfig(c Config, id2label []string) ([]byte, error) {
	if len(id2label) != c.NumLabels {
		return nil, fmt.Errorf("%d label names for %d labels", len(id2label), c.NumLabels)
	}
	ids := map[string]string{}
	label2id := map[string]int{}
	for i, n := range id2label {
		ids[strconv.Itoa(i)] = n
		label2id[n] = i
	}
	doc := map[string]any{
		"architectures":                []string{"BertForSequenceClassification"},
		"model_type":                   "bert",
		"vocab_size":                   c.VocabSize,
		"hidden_size":                  c.Hidden,
		"num_hidden_layers":            c.Layers,
		"num_attention_heads":          c.Heads,
		"intermediate_size":            c.FFN,
		"max_position_embeddings":      c.MaxPositions,
		"type_vocab_size":              c.TypeVocab,
		"hidden_act":                   cmp.Or(c.Activation, "gelu"),
		"hidden_dropout_prob":          c.Dropout,
		"attention_probs_dropout_prob": c.Dropout,
		"layer_norm_eps":               LayerNormEpsilon,
		"pad_token_id":                 0,
		"problem_type":                 "single_label_classification",
		"id2label":                     ids,
		"label2id":                     label2id,
	}
	return json.MarshalIndent(doc, "", "  ")
}

// WriteDir writes model.onnx, config.json and tokenizer.json into dir.
func WriteDir(dir string, c Config, w Weights, tokenizerJSON []byte, id2label []string) error {
	model, err := ONNX(c, w)
	if err != nil {
		return fmt.Errorf("build onnx: %w", err)
	}
	cfg, err := HFConfig(c, id2label)
	if err != nil {
		return fmt.Errorf("build config.json: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create model dir: %w", err)
	}
	for name, data := range map[string][]byte{"model.onnx": model, "config.json": cfg, "tokenizer.json": tokenizerJSON} {
		if err := writeFileAtomic(filepath.Join(dir, name), data); err != nil {
			return err
		}
	}
	return nil
}

func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// WeightsFromONNX reads the weights back from a model ONNX wrote (its
// initializers, under their Hugging Face names), to write the same model
// again with the current writer.
func WeightsFromONNX(model []byte) (Weights, error) {
	inits, err := onnx.ReadInitializers(model)
	if err != nil {
		return nil, err
	}
	w := Weights{}
	for n, t := range inits {
		if t.Type != onnx.Float {
			continue // not a weight
		}
		dims := make([]int, len(t.Dims))
		for i, d := range t.Dims {
			dims[i] = int(d)
		}
		w[n] = &Param{Dims: dims, Data: t.Float}
	}
	return w, nil
}

// WriteModelFile writes model.onnx into dir atomically (a reader sees the
// old file or the new one, never half of one).
func WriteModelFile(dir string, model []byte) error {
	return writeFileAtomic(filepath.Join(dir, "model.onnx"), model)
}
