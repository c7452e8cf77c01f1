package transformer

import (
	"fmt"
	"math"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// customProduct computes fwd(a, b) with gradients given by gradA and gradB,
// built from plain matrix products. gomlx v0.27.3 differentiates DotGeneral
// by broadcast-multiply + reduce, which allocates [M, K, N] temporaries;
// this routes the adjoint around it (about 10x faster per step, see
// model-notes.md).
//
// How: the forward product takes stopped copies of a and b. A zero-valued
// term ties the output to the identity nodes aI and bI, so autodiff visits
// them after the output; the output's identity records the adjoint v, and
// aI and bI return gradA(v) and gradB(v) in place of what reached them.
// The tie reads one element of each (a full ReduceAllSum, and the
// broadcast back in its gradient, cost about a fifth of a training step
// once the products themselves are fast).
func customProduct(a, b *Node, fwd func(a, b *Node) *Node, gradA, gradB func(a, b, v *Node) *Node) *Node {
	if plainGradients {
		return fwd(a, b)
	}
	var adjoint *Node
	aI := IdentityWithCustomGradient(a, func(_, _ *Node) *Node {
		if adjoint == nil {
			return ZerosLike(a)
		}
		return gradA(a, b, adjoint)
	})
	bI := IdentityWithCustomGradient(b, func(_, _ *Node) *Node {
		if adjoint == nil {
			return ZerosLike(b)
		}
		return gradB(a, b, adjoint)
	})
	y := fwd(StopGradient(aI), StopGradient(bI))
	tie := MulScalar(Add(firstElem(aI), firstElem(bI)), 0)
	y = Add(y, tie)
	return IdentityWithCustomGradient(y, func(_, v *Node) *Node {
		adjoint = v
		return v
	})
}

// firstElem is x[0, ..., 0] as a scalar.
func firstElem(x *Node) *Node {
	specs := make([]SliceAxisSpec, x.Rank())
	for i := range specs {
		specs[i] = AxisRange(0, 1)
	}
	return Reshape(Slice(x, specs...))
}

// plainGradients switches customProduct to gomlx's own autodiff (tests).
var plainGradients = false

// matMulOrder says, when the graph is built, whether to write every
// product as a DotGeneral in matmul order (lhs [batch..., M, K], rhs
// [batch..., K, N]), transposing operands first where needed: only that
// layout reaches simplego's packgemm path, and so classifier/gemm's kernel.
// It is faster without the kernel too (simplego's own matmul-order paths
// beat its transposed-operand ones; BENCHMARKS.md); false keeps the old
// transposed-operand DotGenerals for that comparison.
var matMulOrder = func() bool { return true }

// mm is the batched matmul a [n..., m, k] · b [n..., k, p] over the
// leading axes both share (batch axes first, as isMatMulOrder wants).
func mm(a, b *Node) *Node {
	nb := a.Rank() - 2
	batch := make([]int, nb)
	for i := range batch {
		batch[i] = i
	}
	return DotGeneral(a, []int{nb + 1}, batch, b, []int{nb}, batch)
}

// swapLast transposes the last two axes.
func swapLast(x *Node) *Node { return Transpose(x, -1, -2) }

// matMul2D multiplies x [m, k] by w [k, n].
func matMul2D(x, w *Node) *Node {
	if !matMulOrder() {
		return customProduct(x, w,
			func(a, b *Node) *Node { return DotGeneral(a, []int{1}, nil, b, []int{0}, nil) },
			func(_, b, v *Node) *Node { return DotGeneral(v, []int{1}, nil, b, []int{1}, nil) }, // v·wᵀ
			func(a, _, v *Node) *Node { return DotGeneral(a, []int{0}, nil, v, []int{0}, nil) }, // xᵀ·v
		)
	}
	return customProduct(x, w, mm,
		func(_, b, v *Node) *Node { return mm(v, swapLast(b)) }, // v·wᵀ
		func(a, _, v *Node) *Node { return mm(swapLast(a), v) }, // xᵀ·v
	)
}

// dense is x·w + bias for x [m, in].
func dense(x, w, bias *Node) *Node {
	return Add(matMul2D(x, w), ExpandAxes(bias, 0))
}

// batchedQK computes q·kᵀ per batch: q, k [n, s, d] → [n, s, s].
func batchedQK(q, k *Node) *Node {
	if !matMulOrder() {
		return customProduct(q, k,
			func(a, b *Node) *Node { return DotGeneral(a, []int{2}, []int{0}, b, []int{2}, []int{0}) },
			func(_, b, v *Node) *Node { return DotGeneral(v, []int{2}, []int{0}, b, []int{1}, []int{0}) }, // dQ = V·K
			func(a, _, v *Node) *Node { return DotGeneral(v, []int{1}, []int{0}, a, []int{1}, []int{0}) }, // dK = Vᵀ·Q
		)
	}
	return customProduct(q, k,
		func(a, b *Node) *Node { return mm(a, swapLast(b)) },
		func(_, b, v *Node) *Node { return mm(v, b) }, // dQ = V·K
		// dK = Vᵀ·Q, computed as (Qᵀ·V)ᵀ: two transposes of [n, s, d]
		// cost less than one of V [n, s, s].
		func(a, _, v *Node) *Node { return swapLast(mm(swapLast(a), v)) },
	)
}

// batchedPV computes p·v per batch: p [n, s, s], v [n, s, d] → [n, s, d].
func batchedPV(p, val *Node) *Node {
	if !matMulOrder() {
		return customProduct(p, val,
			func(a, b *Node) *Node { return DotGeneral(a, []int{2}, []int{0}, b, []int{1}, []int{0}) },
			func(_, b, v *Node) *Node { return DotGeneral(v, []int{2}, []int{0}, b, []int{2}, []int{0}) }, // dP = G·Vᵀ
			func(a, _, v *Node) *Node { return DotGeneral(a, []int{1}, []int{0}, v, []int{1}, []int{0}) }, // dV = Pᵀ·G
		)
	}
	return customProduct(p, val, mm,
		func(_, b, v *Node) *Node { return mm(v, swapLast(b)) }, // dP = G·Vᵀ
		// dV = Pᵀ·G, computed as (Gᵀ·P)ᵀ: two transposes of [n, s, d]
		// cost less than one of P [n, s, s].
		func(a, _, v *Node) *Node { return swapLast(mm(swapLast(v), a)) },
	)
}

// layerNorm over the last axis, as ONNX LayerNormalization computes it.
func layerNorm(x, gamma, beta *Node) *Node {
	mean := ReduceAndKeep(x, ReduceMean, -1)
	c := Sub(x, mean)
	variance := ReduceAndKeep(Square(c), ReduceMean, -1)
	y := Div(c, Sqrt(AddScalar(variance, LayerNormEpsilon)))
	r := x.Rank()
	return Add(Mul(y, expandTo(gamma, r)), expandTo(beta, r))
}

func expandTo(v *Node, rank int) *Node {
	dims := make([]int, rank)
	for i := range dims {
		dims[i] = 1
	}
	dims[rank-1] = v.Shape().Dim(0)
	return Reshape(v, dims...)
}

// activate applies the feed-forward activation named by Config.Activation.
func activate(name string, x *Node) *Node {
	if name == "relu" {
		return Max(x, ZerosLike(x))
	}
	return gelu(x)
}

// gelu is the exact (erf) form BERT uses.
func gelu(x *Node) *Node {
	return Mul(MulScalar(x, 0.5), OnePlus(Erf(MulScalar(x, 1/math.Sqrt2))))
}

// seededContext is a fresh context with its RNG seeded (dropout, masking)
// and the given weights loaded as its variables.
func seededContext(seed int64, ws ...Weights) (*context.Context, error) {
	gctx := context.New()
	if err := gctx.SetRNGStateFromSeed(seed); err != nil {
		return nil, fmt.Errorf("seed rng: %w", err)
	}
	for _, w := range ws {
		if err := LoadIntoContext(gctx, w); err != nil {
			return nil, err
		}
	}
	return gctx, nil
}

// LoadIntoContext creates (or overwrites) the model's variables in ctx.
func LoadIntoContext(ctx *context.Context, w Weights) error {
	sc := ctx.In(scope)
	for _, n := range w.Names() {
		p := w[n]
		t := tensors.FromFlatDataAndDimensions(append([]float32(nil), p.Data...), p.Dims...)
		if v := sc.GetVariableByScopeAndName(sc.Scope(), varName(n)); v != nil {
			if err := v.SetValue(t); err != nil {
				return fmt.Errorf("set %s: %w", n, err)
			}
			continue
		}
		sc.VariableWithValue(varName(n), t)
	}
	return nil
}

// WeightsFromContext copies the model's current variable values out of ctx.
func WeightsFromContext(ctx *context.Context, c Config) (Weights, error) {
	sc := ctx.In(scope)
	w := Weights{}
	for n, dims := range paramShapes(c) {
		v := sc.GetVariableByScopeAndName(sc.Scope(), varName(n))
		if v == nil {
			return nil, fmt.Errorf("variable %s not in context", n)
		}
		t, err := v.Value()
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", n, err)
		}
		data, err := tensors.CopyFlatData[float32](t)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", n, err)
		}
		w[n] = &Param{Dims: append([]int(nil), dims...), Data: data}
	}
	return w, nil
}
