package transformer

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train"
	"github.com/gomlx/gomlx/pkg/ml/train/losses"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"

	"github.com/radflag/radflag/classifier/gemm"
)

// stepVariant is one way to build the training graph.
type stepVariant struct {
	gemm        string // RADFLAG_GEMM when the backend is created
	matmulOrder bool   // what matMulOrder says when the graph is built
	activation  string // Config.Activation ("": gelu)
}

func (v stepVariant) String() string {
	s := fmt.Sprintf("gemm_%s_matmulorder_%v", v.gemm, v.matmulOrder)
	if v.activation != "" {
		s += "_" + v.activation
	}
	return s
}

// BenchmarkTrainStep times one Adam step of the shipped architecture
// (hidden 128, 2 layers, 4 heads, FFN 256, mean pooling) on a batch of
// 32 × 128 tokens: classifier/gemm off and on, custom gradients in matmul
// order or with transposed operands, and the shipped settings with relu in
// place of gelu. Every iteration runs one step of each
// variant in turn, so they share whatever else loads the machine; each
// variant's mean is reported as <variant>_s/step.
func BenchmarkTrainStep(b *testing.B) {
	variants := []stepVariant{{"off", false, ""}, {"on", true, ""}, {"off", true, ""}, {"on", false, ""}, {"on", true, "relu"}}
	c := DefaultConfig(6000, 3)
	c.FFN, c.Pooling = 256, "mean"
	const batch, seq = 32, 128
	rng := rand.New(rand.NewPCG(1, 2))
	ids, mask := make([]int32, batch*seq), make([]int32, batch*seq)
	labels := make([]int32, batch)
	for i := range ids {
		ids[i], mask[i] = int32(5+rng.IntN(c.VocabSize-5)), 1
	}
	for i := range labels {
		labels[i] = int32(rng.IntN(c.NumLabels))
	}
	steps := make([]func(), len(variants))
	for i, v := range variants {
		tr := newBenchTrainer(b, c, v)
		steps[i] = func() {
			m, err := tr.TrainStep(nil,
				[]*tensors.Tensor{tensors.FromFlatDataAndDimensions(ids, batch, seq), tensors.FromFlatDataAndDimensions(mask, batch, seq)},
				[]*tensors.Tensor{tensors.FromFlatDataAndDimensions(labels, batch, 1)})
			if err != nil {
				b.Fatal(err)
			}
			for _, t := range m {
				t.FinalizeAll()
			}
		}
		// The graph is built (with this variant's settings) on the first step.
		old := matMulOrder
		matMulOrder = func() bool { return v.matmulOrder }
		steps[i]()
		matMulOrder = old
	}
	total := make([]time.Duration, len(variants))
	b.ResetTimer()
	for range b.N {
		for i, step := range steps {
			start := time.Now()
			step()
			total[i] += time.Since(start)
		}
	}
	for i, v := range variants {
		b.ReportMetric(total[i].Seconds()/float64(b.N), v.String()+"_s/step")
	}
}

func newBenchTrainer(b *testing.B, c Config, v stepVariant) *train.Trainer {
	c.Activation = v.activation
	w, err := InitWeights(c, 1)
	if err != nil {
		b.Fatal(err)
	}
	b.Setenv(gemm.EnvVar, v.gemm)
	backend, err := NewBackend()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(backend.Finalize)
	ctx := context.New()
	if err := LoadIntoContext(ctx, w); err != nil {
		b.Fatal(err)
	}
	modelFn := func(ctx *context.Context, _ any, inputs []*Node) []*Node {
		return []*Node{Forward(ctx, c, inputs[0], inputs[1], nil)}
	}
	return train.NewTrainer(backend, ctx, modelFn, losses.SparseCategoricalCrossEntropyLogits,
		optimizers.Adam().LearningRate(1e-3).WeightDecay(0.01).Done(), nil, nil)
}
