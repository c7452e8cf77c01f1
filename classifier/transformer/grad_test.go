package transformer

import (
	"fmt"
	"math"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck
	"github.com/gomlx/gomlx/pkg/core/tensors"
	gctx "github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/radflag/radflag/classifier/gemm"
)

// TestCustomGradientsMatchAutodiff compares the matrix-product gradients
// with gomlx's own (slow) autodiff on a tiny model, with the products
// written in matmul order (the classifier/gemm kernel's layout) and with
// transposed operands.
func TestCustomGradientsMatchAutodiff(t *testing.T) {
	for _, order := range []bool{true, false} {
		t.Run(fmt.Sprintf("matmul_order=%v", order), func(t *testing.T) {
			old := matMulOrder
			matMulOrder = func() bool { return order }
			defer func() { matMulOrder = old }()
			before := gemm.Calls()
			testCustomGradients(t)
			if order && gemm.Active() && gemm.Calls() == before {
				t.Error("no product reached the classifier/gemm kernel")
			}
		})
	}
}

func testCustomGradients(t *testing.T) {
	c, w, tj := tinyModel(t, 3)
	_ = tj
	backend, err := NewBackend()
	if err != nil {
		t.Fatal(err)
	}
	grads := func(plain bool) [][]float32 {
		plainGradients = plain
		defer func() { plainGradients = false }()
		ctx := gctx.New()
		if err := LoadIntoContext(ctx, w); err != nil {
			t.Fatal(err)
		}
		exec, err := gctx.NewExec(backend, ctx.Reuse(), func(ctx *gctx.Context, ids, mask *Node) []*Node {
			logits := Forward(ctx, c, ids, mask, nil)
			loss := ReduceAllSum(Mul(logits, Iota(logits.Graph(), logits.Shape(), 1)))
			return ctx.BuildTrainableVariablesGradientsGraph(loss)
		})
		if err != nil {
			t.Fatal(err)
		}
		ids, mask, s := PadBatch([][]int{{2, 10, 11, 12, 3}, {2, 20, 3}}, 0)
		out, err := exec.Exec(tensors.FromFlatDataAndDimensions(ids, 2, s), tensors.FromFlatDataAndDimensions(mask, 2, s))
		if err != nil {
			t.Fatal(err)
		}
		var res [][]float32
		for _, o := range out {
			res = append(res, tensors.MustCopyFlatData[float32](o))
		}
		return res
	}
	fast, slow := grads(false), grads(true)
	if len(fast) != len(slow) {
		t.Fatalf("%d vs %d gradients", len(fast), len(slow))
	}
	big := 0.0
	for i := range slow {
		for _, v := range slow[i] {
			big = max(big, math.Abs(float64(v)))
		}
	}
	if big < 1e-3 {
		t.Fatalf("gradients all near zero (%g): nothing compared", big)
	}
	t.Logf("%d gradients, largest %.3g", len(slow), big)
	for i := range fast {
		for j := range fast[i] {
			if d := math.Abs(float64(fast[i][j] - slow[i][j])); d > 1e-3*(1+math.Abs(float64(slow[i][j]))) {
				t.Fatalf("gradient %d[%d]: custom %g, autodiff %g", i, j, fast[i][j], slow[i][j])
			}
		}
	}
}
