package transformer

import (
	stdctx "context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train"
	"github.com/gomlx/gomlx/pkg/ml/train/losses"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers/cosineschedule"
)

// Masked-language-model pretraining ("self-pretraining"): no pretrained
// weights can be had here, but an encoder that first learns to fill in
// hidden words of the corpus learns which words behave alike (regimens,
// organs, hedges) before it learns labels, and a classifier fine-tuned from
// it leans less on single template words than one trained from random
// weights.

// PretrainConfig controls a masked-language-model run.
type PretrainConfig struct {
	Model        Config // NumLabels is only the size of the fresh classifier head returned
	Seed         int64
	BatchSize    int     // default 32
	Steps        int     // required
	LearningRate float64 // peak; default 1e-3
	MaskProb     float64 // share of ordinary tokens to predict; default 0.15
	MaxDuration  time.Duration
	Bucket       int // default 32
	// VocabIDs is the number of ids random replacements are drawn from
	// (the vocabulary size).
	Progress func(Progress)
}

// PretrainResult is the outcome of Pretrain.
type PretrainResult struct {
	// Weights holds the pretrained embeddings and encoder, and a freshly
	// drawn pooler and classifier (MLM needs neither).
	Weights   Weights
	Steps     int
	FirstLoss float64
	LastLoss  float64
	Stopped   string
	Duration  time.Duration
}

// mlmParamShapes lists the prediction head's parameters (BERT's names).
// The decoder shares the word embeddings.
func mlmParamShapes(c Config) map[string][]int {
	h := c.Hidden
	return map[string][]int{
		"cls.predictions.transform.dense.weight":     {h, h},
		"cls.predictions.transform.dense.bias":       {h},
		"cls.predictions.transform.LayerNorm.weight": {h},
		"cls.predictions.transform.LayerNorm.bias":   {h},
		"cls.predictions.bias":                       {c.VocabSize},
	}
}

// mlmHead maps the encoder output at the chosen flat positions [m] to
// vocabulary logits [m, vocab].
func mlmHead(ctx *context.Context, c Config, x, positions *Node) *Node {
	g := x.Graph()
	ctx = ctx.In(scope)
	v := func(n string) *Node {
		vr := ctx.GetVariableByScopeAndName(ctx.Scope(), varName(n))
		if vr == nil {
			panic(fmt.Sprintf("transformer: variable %s not in context", n))
		}
		return vr.ValueGraph(g)
	}
	sel := Gather(x, ExpandAxes(ConvertDType(positions, dtypes.Int32), -1)) // [m, h]
	t := gelu(dense(sel, v("cls.predictions.transform.dense.weight"), v("cls.predictions.transform.dense.bias")))
	t = layerNorm(t, v("cls.predictions.transform.LayerNorm.weight"), v("cls.predictions.transform.LayerNorm.bias"))
	emb := v("bert.embeddings.word_embeddings.weight") // [vocab, h]
	return Add(matMul2D(t, Transpose(emb, 0, 1)), ExpandAxes(v("cls.predictions.bias"), 0))
}

// mlmBatch is one padded batch with the positions to predict.
type mlmBatch struct {
	ids, mask []int32
	s         int
	positions []int32 // flat indices into [b*s]; unused slots point at 0
	labels    []int32 // the original ids; 0 in unused slots
	valid     []bool
}

// maskBatch chooses positions of ordinary tokens to predict and corrupts
// them as BERT does: 80% [MASK], 10% a random ordinary token, 10% kept.
// The number of slots is fixed by the batch shape (so graphs repeat).
func maskBatch(seqs [][]int, padTo int, p float64, vocab int, rng *rand.Rand) mlmBatch {
	ids, mask, s := PadBatch(seqs, padTo)
	slots := max(1, int(math.Ceil(p*float64(len(ids))*1.25)))
	mb := mlmBatch{ids: ids, mask: mask, s: s,
		positions: make([]int32, slots), labels: make([]int32, slots), valid: make([]bool, slots)}
	n := 0
	for i, id := range ids {
		if n == slots || mask[i] != 1 || id < firstOrdinaryID || rng.Float64() >= p {
			continue
		}
		mb.positions[n], mb.labels[n], mb.valid[n] = int32(i), id, true
		n++
		switch x := rng.Float64(); {
		case x < 0.8:
			ids[i] = maskID
		case x < 0.9 && vocab > firstOrdinaryID:
			ids[i] = int32(firstOrdinaryID + rng.IntN(vocab-firstOrdinaryID))
		}
	}
	return mb
}

// maskID is tokenizer.MaskID (a test keeps them equal).
const maskID = 4

// Pretrain trains the encoder of cfg.Model to predict masked tokens of seqs
// (token ids with [CLS] and [SEP], as tokenizer.Encode gives them).
func Pretrain(ctx stdctx.Context, cfg PretrainConfig, seqs [][]int) (*PretrainResult, error) {
	c := cfg.Model
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if cfg.Steps <= 0 {
		return nil, errors.New("pretrain: steps must be positive")
	}
	if len(seqs) < 2 {
		return nil, errors.New("pretrain: need texts")
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 32
	}
	if cfg.LearningRate <= 0 {
		cfg.LearningRate = 1e-3
	}
	if cfg.MaskProb <= 0 || cfg.MaskProb >= 1 {
		cfg.MaskProb = 0.15
	}
	if cfg.Bucket <= 0 {
		cfg.Bucket = 32
	}
	for i, q := range seqs {
		if len(q) == 0 || len(q) > c.MaxPositions {
			return nil, fmt.Errorf("text %d: %d tokens, want 1..%d", i, len(q), c.MaxPositions)
		}
	}
	start := time.Now()
	rng := rand.New(rand.NewPCG(uint64(cfg.Seed), 0x6d6c6d))
	w, err := InitWeights(c, cfg.Seed)
	if err != nil {
		return nil, err
	}
	head := Weights{}
	for n, dims := range mlmParamShapes(c) {
		size := 1
		for _, d := range dims {
			size *= d
		}
		p := &Param{Dims: dims, Data: make([]float32, size)}
		switch n {
		case "cls.predictions.transform.LayerNorm.weight":
			for i := range p.Data {
				p.Data[i] = 1
			}
		case "cls.predictions.transform.dense.weight":
			for i := range p.Data {
				p.Data[i] = float32(rng.NormFloat64() * 0.02)
			}
		}
		head[n] = p
	}
	backend, err := NewBackend()
	if err != nil {
		return nil, err
	}
	defer backend.Finalize()
	gctx, err := seededContext(cfg.Seed, w, head)
	if err != nil {
		return nil, err
	}
	warmup := max(1, cfg.Steps/20)
	modelFn := func(ctx *context.Context, _ any, inputs []*Node) []*Node {
		g := inputs[0].Graph()
		cosineschedule.New(ctx, g, dtypes.Float32).LearningRate(cfg.LearningRate).
			WarmUpSteps(warmup).PeriodSteps(max(1, cfg.Steps-warmup)).MinLearningRate(cfg.LearningRate / 20).Done()
		x := Encode(ctx, c, inputs[0], inputs[1], nil)
		return []*Node{mlmHead(ctx, c, x, inputs[2])}
	}
	trainer := train.NewTrainer(backend, gctx, modelFn, losses.SparseCategoricalCrossEntropyLogits,
		optimizers.Adam().LearningRate(cfg.LearningRate).WeightDecay(0.01).Done(), nil, nil)

	exs := make([]Example, len(seqs))
	for i, q := range seqs {
		exs[i] = Example{IDs: q}
	}
	res := &PretrainResult{}
	var recent []float64
	step := 0
	stopped := "steps done"
loop:
	for {
		rng.Shuffle(len(exs), func(i, j int) { exs[i], exs[j] = exs[j], exs[i] })
		for _, bt := range makeBatches(exs, cfg.BatchSize, cfg.Bucket, c.MaxPositions, rng) {
			if ctx.Err() != nil {
				stopped = "interrupted"
				break loop
			}
			mb := maskBatch(bt.ids, bt.padTo, cfg.MaskProb, c.VocabSize, rng)
			n, m := len(bt.ids), len(mb.positions)
			metrics, err := trainer.TrainStep(nil,
				[]*tensors.Tensor{tensors.FromFlatDataAndDimensions(mb.ids, n, mb.s), tensors.FromFlatDataAndDimensions(mb.mask, n, mb.s),
					tensors.FromFlatDataAndDimensions(mb.positions, m)},
				[]*tensors.Tensor{tensors.FromFlatDataAndDimensions(mb.labels, m, 1), tensors.FromFlatDataAndDimensions(mb.valid, m)})
			if err != nil {
				return nil, fmt.Errorf("pretrain step %d: %w", step, err)
			}
			loss := float64(tensors.ToScalar[float32](metrics[0]))
			for _, t := range metrics {
				t.FinalizeAll()
			}
			if math.IsNaN(loss) || math.IsInf(loss, 0) {
				return nil, fmt.Errorf("pretrain step %d: loss is %v", step, loss)
			}
			step++
			recent = append(recent, loss)
			if len(recent) > 20 {
				recent = recent[1:]
			}
			if step == 20 || (step < 20 && res.FirstLoss == 0) {
				res.FirstLoss = mean(recent)
			}
			elapsed := time.Since(start)
			if cfg.Progress != nil {
				remaining := time.Duration(float64(elapsed) / float64(step) * float64(cfg.Steps-step))
				cfg.Progress(Progress{Epoch: 1, Epochs: 1, Step: step, Steps: cfg.Steps, Loss: mean(recent),
					ValAccuracy: -1, WatchAccuracy: -1, Elapsed: elapsed, Remaining: max(remaining, 0)})
			}
			if step >= cfg.Steps {
				break loop
			}
			if cfg.MaxDuration > 0 && elapsed > cfg.MaxDuration {
				stopped = "time limit"
				break loop
			}
		}
	}
	if step == 0 {
		return nil, fmt.Errorf("pretrain: %w", ctx.Err())
	}
	enc, err := WeightsFromContext(gctx, c)
	if err != nil {
		return nil, err
	}
	// The pooler and classifier were never trained: hand back fresh ones.
	for n, p := range w {
		if !isEncoderParam(n) {
			enc[n] = p
		}
	}
	res.Weights, res.Steps, res.LastLoss, res.Stopped, res.Duration = enc, step, mean(recent), stopped, time.Since(start)
	return res, nil
}

// isEncoderParam says whether a parameter belongs to the embeddings or the
// encoder layers (what pretraining learns), not the pooler or classifier.
func isEncoderParam(n string) bool {
	return strings.HasPrefix(n, "bert.embeddings.") || strings.HasPrefix(n, "bert.encoder.")
}

// WithFreshHead returns pretrained's embeddings and encoder with a pooler
// and classifier drawn for c (whose NumLabels may differ from the run that
// pretrained them), for fine-tuning a task.
func WithFreshHead(c Config, pretrained Weights, seed int64) (Weights, error) {
	w, err := InitWeights(c, seed)
	if err != nil {
		return nil, err
	}
	for n, p := range pretrained {
		if !isEncoderParam(n) {
			continue
		}
		if _, ok := w[n]; !ok {
			return nil, fmt.Errorf("pretrained parameter %s is not in the architecture", n)
		}
		w[n] = &Param{Dims: append([]int(nil), p.Dims...), Data: append([]float32(nil), p.Data...)}
	}
	if err := CheckWeights(c, w); err != nil {
		return nil, fmt.Errorf("pretrained weights do not fit: %w", err)
	}
	return w, nil
}
