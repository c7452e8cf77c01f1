package transformer

import (
	"math"
	"testing"
)

// geluRational evaluates op's sequence of float32 operations in Go, for
// the tests.
func geluRational(x float32) float32 {
	p, q, bound := geluCoefficients()
	xc := min(max(x, -bound), bound)
	x2 := xc * xc
	pv := x2 + p[len(p)-1]
	for i := len(p) - 2; i >= 0; i-- {
		pv = pv*x2 + p[i]
	}
	qv := x2*q[len(q)-1] + q[len(q)-2]
	for i := len(q) - 3; i >= 0; i-- {
		qv = qv*x2 + q[i]
	}
	return x * ((xc*pv)/qv + 0.5)
}

// TestGeluRational checks the exported GELU's arithmetic (the ops geluConsts.op
// writes, in the same order, in float32) against BERT's exact GELU.
func TestGeluRational(t *testing.T) {
	worst, at := 0.0, 0.0
	for x := -12.0; x <= 12; x += 1.0 / 4096 {
		want := x * 0.5 * (1 + math.Erf(x/math.Sqrt2))
		got := float64(geluRational(float32(x)))
		// Relative to the larger of |x| and 1: the output's own float32
		// rounding is of that order.
		if d := math.Abs(got-want) / max(1, math.Abs(x)); d > worst {
			worst, at = d, x
		}
	}
	t.Logf("largest error %.3g (relative to max(|x|, 1)) at x = %.4f", worst, at)
	if worst > 1e-6 {
		t.Errorf("rational GELU is off by %.3g at x = %.4f; want at most 1e-6", worst, at)
	}
}
