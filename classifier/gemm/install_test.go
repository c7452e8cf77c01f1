package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/backends/simplego/packgemm"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

func TestWithPackgemm(t *testing.T) {
	t.Setenv(EnvVar, "")
	for in, want := range map[string]string{
		"":                           "packgemm",
		"ops_sequential":             "ops_sequential,packgemm",
		"parallelism=1,ops_parallel": "parallelism=1,ops_parallel,packgemm",
		"packgemm":                   "packgemm",
		"ops_sequential,packgemm":    "ops_sequential,packgemm",
		"dotgeneral_packgemm":        "dotgeneral_packgemm",
		"highway":                    "highway",
	} {
		if got := WithPackgemm(in); got != want {
			t.Errorf("WithPackgemm(%q) = %q, want %q", in, got, want)
		}
	}
	t.Setenv(EnvVar, "off")
	if got := WithPackgemm("ops_sequential"); got != "ops_sequential" {
		t.Errorf("with %s=off: got %q", EnvVar, got)
	}
}

func TestInstall(t *testing.T) {
	t.Setenv(EnvVar, "")
	if !hasAVX2FMA {
		if Install() {
			t.Fatal("Install reports the fast path active without AVX2+FMA")
		}
		t.Skip("no AVX2+FMA: Install leaves gomlx alone")
	}
	for range 3 {
		if !Install() {
			t.Fatal("Install: fast path not active")
		}
	}
	regs := packgemm.DTypeToGEMM[packgemm.DTypePair{Input: dtypes.Float32, Output: dtypes.Float32}]
	if len(regs) == 0 || regs[0].Name != RegistrationName {
		t.Fatalf("first float32 registration: %+v", regs)
	}
	n := 0
	for _, r := range regs {
		if r.Name == RegistrationName {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d registrations after repeated Install", n)
	}
	t.Setenv(EnvVar, "off")
	if Active() {
		t.Fatal("Active with RADFLAG_GEMM=off")
	}
}

// dotCase is one DotGeneral: shapes and axes.
type dotCase struct {
	lhs, rhs              []int
	lhsContract, lhsBatch []int
	rhsContract, rhsBatch []int
	matmulOrder           bool // the packgemm path applies
}

var dotCases = []dotCase{
	{[]int{4096, 128}, []int{128, 256}, []int{1}, nil, []int{0}, nil, true},
	{[]int{7, 13}, []int{13, 5}, []int{1}, nil, []int{0}, nil, true},
	{[]int{128, 32, 128}, []int{128, 128, 32}, []int{2}, []int{0}, []int{1}, []int{0}, true},
	{[]int{3, 5}, []int{3, 5, 2}, []int{1}, []int{0}, []int{1}, []int{0}, true}, // lhs [batch, K]
	{[]int{2, 16, 8}, []int{8, 4}, []int{2}, nil, []int{0}, nil, false},         // two lhs cross axes
	{[]int{64, 32}, []int{48, 32}, []int{1}, nil, []int{1}, nil, false},         // v·wᵀ
}

// TestBackendDotGeneral: through a "go" backend from the registry (which
// Install re-registers), DotGeneral equals simplego's default paths, and
// the matmul-order cases reach the kernel.
func TestBackendDotGeneral(t *testing.T) {
	t.Setenv(EnvVar, "")
	active := Install()
	fast, err := backends.NewWithConfig("go")
	if err != nil {
		t.Fatal(err)
	}
	defer fast.Finalize()
	plain, err := simplego.New("")
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Finalize()
	rng := rand.New(rand.NewPCG(5, 6))
	for _, dc := range dotCases {
		t.Run(fmt.Sprint(dc.lhs, dc.rhs), func(t *testing.T) {
			lhs, rhs := randSlice(rng, size(dc.lhs)), randSlice(rng, size(dc.rhs))
			f := func(x, y *Node) *Node {
				return DotGeneral(x, dc.lhsContract, dc.lhsBatch, y, dc.rhsContract, dc.rhsBatch)
			}
			before := Calls()
			// A tensor is bound to one backend: give each its own.
			got := MustExecOnce(fast, f, tensorOf(lhs, dc.lhs), tensorOf(rhs, dc.rhs))
			reached := Calls() > before
			want := MustExecOnce(plain, f, tensorOf(lhs, dc.lhs), tensorOf(rhs, dc.rhs))
			if active && reached != dc.matmulOrder {
				t.Errorf("kernel reached: %v, want %v", reached, dc.matmulOrder)
			}
			g, w := tensors.MustCopyFlatData[float32](got), tensors.MustCopyFlatData[float32](want)
			k := dc.lhs[dc.lhsContract[0]]
			for i := range w {
				if d := math.Abs(float64(g[i] - w[i])); d > 1e-5*float64(4+k) {
					t.Fatalf("element %d: %g vs default path %g", i, g[i], w[i])
				}
			}
		})
	}
	// Integer matmuls keep simplego's own paths (its packgemm path would
	// treat them as float32).
	out := MustExecOnce(fast, func(x, y *Node) *Node { return MatMul(x, y) },
		[][]int32{{1, 2}, {3, 4}}, [][]int32{{0, 1}, {1, 0}})
	if v := out.Value().([][]int32); v[0][0] != 2 || v[1][1] != 3 {
		t.Fatalf("int32 matmul: %v", v)
	}
}

func size(dims []int) int {
	n := 1
	for _, d := range dims {
		n *= d
	}
	return n
}

func tensorOf(data []float32, dims []int) *tensors.Tensor {
	return tensors.FromFlatDataAndDimensions(append([]float32(nil), data...), dims...)
}
