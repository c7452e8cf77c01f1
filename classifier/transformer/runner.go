package transformer

import (
	"fmt"

	"github.com/gomlx/gomlx/backends"
	_ "github.com/gomlx/gomlx/backends/simplego" // pure-Go backend, as hugot's Go session uses
	. "github.com/gomlx/gomlx/pkg/core/graph"    //nolint:staticcheck
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/radflag/radflag/classifier/gemm"
)

// NewBackend returns gomlx's pure-Go backend, running ops one after the
// other (each op still uses every core). In gomlx v0.27.3 the parallel op
// scheduling can deadlock the training graph: ops running on pool workers
// wait for more workers of the same full pool. With classifier/gemm the
// matmuls no longer do, but Erf (GELU) and the fused ops still do; parallel
// scheduling measured only 10-25% faster a step, not worth a hang.
// gemm.Install first, so that matmuls use classifier/gemm's AVX2 kernel
// where the CPU has it.
func NewBackend() (backends.Backend, error) {
	gemm.Install()
	b, err := backends.NewWithConfig("go:ops_sequential")
	if err != nil {
		return nil, fmt.Errorf("gomlx go backend: %w", err)
	}
	return b, nil
}

// Runner evaluates the gomlx model (inference mode) on token id batches.
type Runner struct {
	cfg  Config
	exec *context.Exec
}

// NewRunner builds an executor over ctx, whose variables hold the weights.
func NewRunner(backend backends.Backend, ctx *context.Context, c Config) (*Runner, error) {
	exec, err := context.NewExec(backend, ctx.Reuse(), func(ctx *context.Context, ids, mask *Node) *Node {
		return Forward(ctx, c, ids, mask, nil)
	})
	if err != nil {
		return nil, fmt.Errorf("build inference exec: %w", err)
	}
	return &Runner{cfg: c, exec: exec}, nil
}

// Logits returns [len(seqs)][labels] for token id sequences (each already
// holding [CLS] ... [SEP] and no longer than MaxPositions), padded to padTo
// (0: the longest).
func (r *Runner) Logits(seqs [][]int, padTo int) ([][]float32, error) {
	ids, mask, s := PadBatch(seqs, padTo)
	if s > r.cfg.MaxPositions {
		return nil, fmt.Errorf("sequence of %d tokens exceeds %d positions", s, r.cfg.MaxPositions)
	}
	out, err := r.exec.Exec(tensors.FromFlatDataAndDimensions(ids, len(seqs), s), tensors.FromFlatDataAndDimensions(mask, len(seqs), s))
	if err != nil {
		return nil, fmt.Errorf("run model: %w", err)
	}
	flat, err := tensors.CopyFlatData[float32](out[0])
	out[0].FinalizeAll()
	if err != nil {
		return nil, err
	}
	n := r.cfg.NumLabels
	res := make([][]float32, len(seqs))
	for i := range res {
		res[i] = flat[i*n : (i+1)*n]
	}
	return res, nil
}

// PadBatch packs sequences into row-major int32 ids and mask of width s (the
// longest sequence, or padTo if larger).
func PadBatch(seqs [][]int, padTo int) (ids, mask []int32, s int) {
	s = padTo
	for _, q := range seqs {
		s = max(s, len(q))
	}
	ids = make([]int32, len(seqs)*s)
	mask = make([]int32, len(seqs)*s)
	for i, q := range seqs {
		for j, id := range q {
			ids[i*s+j] = int32(id)
			mask[i*s+j] = 1
		}
	}
	return ids, mask, s
}
