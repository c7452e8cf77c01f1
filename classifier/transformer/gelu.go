package transformer

import (
	"math"
	"strconv"

	"github.com/radflag/radflag/classifier/onnx"
)

// The exported graph computes BERT's exact GELU, x·Φ(x) = x·(1 + erf(x/√2))/2,
// without an Erf op. simplego (gomlx's pure-Go backend, which hugot runs)
// evaluates Erf element by element with float64 math.Erf, about 50 ns an
// element on this machine, and the activation was the largest single cost
// of the model (29% of a batch in a CPU profile). Here erf is the float32
// rational approximation XLA and Eigen use, erf(z) ≈ z·A(z²)/B(z²) for z
// clamped to [−4, 4] (beyond it erf is ±1 in float32), written with Min,
// Max, Mul, Add and one Div. Those 25 ops are passes over the activation
// too, so the gain is smaller than Erf's share: about 6% more reports a
// second (BENCHMARKS.md). Its error against math.Erf is below 5e-7
// (TestGeluRational), so the graph computes what was trained to float32
// rounding, which the parity tests check.
//
// The 1/√2, the factor ½ and A's leading coefficient are folded into the
// coefficients so the graph needs no extra ops for them:
//
//	GELU(x) = x·(½ + x'·P(x'²)/Q(x'²)),  x' = clamp(x, ±4√2),
//
// with P monic.
var (
	erfNum = []float64{-1.60960333262415e-02, -2.95459980854025e-03, -7.34990630326855e-04,
		-5.69250639462346e-05, -2.10102402082508e-06, 2.77068142495902e-08, -2.72614225801306e-10} // A: z⁰ … z¹²
	erfDen = []float64{-1.42647390514189e-02, -7.37332916720468e-03, -1.68282697438203e-03,
		-2.13374055278905e-04, -1.45660718464996e-05} // B: z⁰ … z⁸
)

// geluCoefficients returns P's coefficients below its leading 1 (x'⁰ …
// x'¹⁰ in powers of x'²), Q's (x'⁰ … x'⁸) and the clamp bound.
func geluCoefficients() (p, q []float32, bound float32) {
	// ½·erf(x/√2) = x·Σ ½·a_k·2^(−k−½)·x^2k / Σ b_k·2^(−k)·x^2k.
	lead := 0.5 * erfNum[len(erfNum)-1] * math.Pow(2, -float64(len(erfNum)-1)-0.5)
	for k, a := range erfNum[:len(erfNum)-1] {
		p = append(p, float32(0.5*a*math.Pow(2, -float64(k)-0.5)/lead))
	}
	for k, b := range erfDen {
		q = append(q, float32(b*math.Pow(2, -float64(k))/lead))
	}
	return p, q, float32(4 * math.Sqrt2)
}

// geluConsts are the scalar constants of the GELU, written once per graph.
type geluConsts struct {
	g      *onnx.Graph
	lo, hi string
	half   string
	p, q   []string
}

func newGeluConsts(g *onnx.Graph) *geluConsts {
	p, q, bound := geluCoefficients()
	c := &geluConsts{
		g:    g,
		lo:   g.ConstFloat("const_gelu_lo", -bound),
		hi:   g.ConstFloat("const_gelu_hi", bound),
		half: g.ConstFloat("const_gelu_half", 0.5),
	}
	for i, v := range p {
		c.p = append(c.p, g.ConstFloat("const_gelu_p"+strconv.Itoa(i), v))
	}
	for i, v := range q {
		c.q = append(c.q, g.ConstFloat("const_gelu_q"+strconv.Itoa(i), v))
	}
	return c
}

// op writes GELU(x).
func (c *geluConsts) op(x string) string {
	g := c.g
	mul := func(a, b string) string { return g.Op("Mul", []string{a, b}) }
	add := func(a, b string) string { return g.Op("Add", []string{a, b}) }
	xc := g.Op("Min", []string{g.Op("Max", []string{x, c.lo}), c.hi})
	x2 := mul(xc, xc)
	// Horner's rule; P is monic.
	p := add(x2, c.p[len(c.p)-1])
	for i := len(c.p) - 2; i >= 0; i-- {
		p = add(mul(p, x2), c.p[i])
	}
	q := add(mul(x2, c.q[len(c.q)-1]), c.q[len(c.q)-2])
	for i := len(c.q) - 3; i >= 0; i-- {
		q = add(mul(q, x2), c.q[i])
	}
	r := g.Op("Div", []string{mul(xc, p), q})
	return mul(x, add(r, c.half))
}
