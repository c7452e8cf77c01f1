package gemm

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/backends/simplego/packgemm"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// benchShapes are the products of radflag's transformer (hidden 128, FFN
// 256, batch 32 × 128 tokens, 4 heads), forward and backward, and the
// small pooler/classifier ones.
var benchShapes = []struct {
	name string
	s    shape
}{
	{"dense_4096x128x128", shape{1, 4096, 128, 128}},
	{"ffn_up_4096x128x256", shape{1, 4096, 256, 128}},
	{"ffn_down_4096x256x128", shape{1, 4096, 128, 256}},
	{"wgrad_128x4096x128", shape{1, 128, 128, 4096}},
	{"attn_qk_128x(128x32x128)", shape{128, 128, 128, 32}},
	{"attn_pv_128x(128x128x32)", shape{128, 128, 32, 128}},
	{"pooler_32x128x128", shape{1, 32, 128, 128}},
	{"classifier_32x128x3", shape{1, 32, 3, 128}},
}

func gflops(b *testing.B, s shape) {
	b.ReportMetric(2*float64(s.batch*s.m*s.n*s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkSgemm is the kernel alone, one goroutine and all.
func BenchmarkSgemm(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, bs := range benchShapes {
		s := bs.s
		a, bb := randSlice(rng, s.batch*s.m*s.k), randSlice(rng, s.batch*s.k*s.n)
		c := make([]float32, s.batch*s.m*s.n)
		for _, w := range []int{1, runtime.GOMAXPROCS(0)} {
			b.Run(fmt.Sprintf("%s/workers=%d", bs.name, w), func(b *testing.B) {
				for b.Loop() {
					_ = Sgemm(1, 0, a, bb, s.batch, s.m, s.n, s.k, c, w)
				}
				gflops(b, s)
			})
		}
	}
}

// BenchmarkDotGeneral runs each product as a gomlx graph DotGeneral, the
// variants one after the other per shape: this kernel through simplego's
// packgemm path, the same with its pure-Go micro-kernel, packgemm's
// Basic(non-SIMD) kernel through the same path, and simplego's default
// paths (no packgemm).
func BenchmarkDotGeneral(b *testing.B) {
	if !Install() {
		b.Skip("fast path not active")
	}
	fast, err := backends.NewWithConfig("go")
	if err != nil {
		b.Fatal(err)
	}
	defer fast.Finalize()
	plain, err := simplego.New("")
	if err != nil {
		b.Fatal(err)
	}
	defer plain.Finalize()
	pair := packgemm.DTypePair{Input: dtypes.Float32, Output: dtypes.Float32}
	all := packgemm.DTypeToGEMM[pair]
	var basic []packgemm.GEMMRegistration
	for _, r := range all {
		if r.Name == "Basic(non-SIMD)" {
			basic = append(basic, r)
		}
	}
	rng := rand.New(rand.NewPCG(9, 10))
	for _, bs := range benchShapes {
		s := bs.s
		lhs, rhs := randSlice(rng, s.batch*s.m*s.k), randSlice(rng, s.batch*s.k*s.n)
		f := func(x, y *Node) *Node {
			if s.batch == 1 {
				return DotGeneral(x, []int{1}, nil, y, []int{0}, nil)
			}
			return DotGeneral(x, []int{2}, []int{0}, y, []int{1}, []int{0})
		}
		dims := func(r, c int) []int {
			if s.batch == 1 {
				return []int{r, c}
			}
			return []int{s.batch, r, c}
		}
		for _, v := range []struct {
			name    string
			backend backends.Backend
			regs    []packgemm.GEMMRegistration
			asm     bool
		}{
			{"radflag", fast, all, true}, {"radflag_purego", fast, all, false},
			{"packgemm_basic", fast, basic, true}, {"simplego_default", plain, all, true},
		} {
			b.Run(bs.name+"/"+v.name, func(b *testing.B) {
				packgemm.DTypeToGEMM[pair] = v.regs
				oldAsm := useAsm
				useAsm = v.asm
				defer func() { packgemm.DTypeToGEMM[pair], useAsm = all, oldAsm }()
				exec := MustNewExec(v.backend, f)
				defer exec.Finalize()
				x := tensors.FromFlatDataAndDimensions(lhs, dims(s.m, s.k)...)
				y := tensors.FromFlatDataAndDimensions(rhs, dims(s.k, s.n)...)
				exec.MustExec(x, y)[0].FinalizeAll() // compile
				for b.Loop() {
					exec.MustExec(x, y)[0].FinalizeAll()
				}
				gflops(b, s)
			})
		}
	}
}
