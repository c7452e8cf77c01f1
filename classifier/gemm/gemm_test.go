package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// naiveProduct is the reference A·B, accumulated in float64.
func naiveProduct(a, b []float32, batch, m, n, k int) []float64 {
	out := make([]float64, batch*m*n)
	for bi := 0; bi < batch; bi++ {
		for i := 0; i < m; i++ {
			for p := 0; p < k; p++ {
				av := float64(a[bi*m*k+i*k+p])
				brow := b[bi*k*n+p*n : bi*k*n+(p+1)*n]
				orow := out[bi*m*n+i*n : bi*m*n+(i+1)*n]
				for j, bv := range brow {
					orow[j] += av * float64(bv)
				}
			}
		}
	}
	return out
}

func randSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.NormFloat64())
	}
	return s
}

type shape struct{ batch, m, n, k int }

var testShapes = []shape{
	{1, 1, 1, 1}, {1, 1, 1, 7}, {1, 7, 13, 5}, {1, 5, 3, 1}, {1, 6, 16, 1}, {1, 6, 16, 3},
	{1, 1, 128, 128}, {1, 128, 1, 128}, {1, 13, 7, 300}, {1, 12, 32, 4},
	{1, 17, 33, 257}, {1, 128, 128, 128}, {1, 128, 3, 128}, {1, 31, 300, 9},
	{3, 7, 13, 5}, {5, 128, 32, 128}, {7, 33, 17, 65}, {128, 128, 128, 32},
	{1, 4096, 128, 256}, {1, 128, 256, 4096}, {2, 100, 600, 300},
}

func TestSgemmMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, s := range testShapes {
		a := randSlice(rng, s.batch*s.m*s.k)
		b := randSlice(rng, s.batch*s.k*s.n)
		c0 := randSlice(rng, s.batch*s.m*s.n)
		ref := naiveProduct(a, b, s.batch, s.m, s.n, s.k)
		large := s.batch*s.m*s.n*s.k > 1<<22
		for _, asm := range kernelsUnderTest() {
			for _, ab := range [][2]float32{{1, 0}, {0.5, 0}, {1, 1}, {-2, 0.25}} {
				for _, workers := range []int{1, 4} {
					if large && (asm != hasAVX2FMA || !(ab == [2]float32{1, 0} || ab == [2]float32{-2, 0.25} && workers == 4)) {
						continue // keep the big shapes to a few runs of the kernel in use
					}
					name := fmt.Sprintf("asm=%v/%dx%dx%dx%d/alpha=%g,beta=%g/w=%d", asm, s.batch, s.m, s.n, s.k, ab[0], ab[1], workers)
					t.Run(name, func(t *testing.T) {
						setAsm(t, asm)
						c := append([]float32(nil), c0...)
						if ab[1] == 0 {
							for i := range c {
								c[i] = float32(math.NaN()) // beta 0 must not read C
							}
						}
						if err := Sgemm(ab[0], ab[1], a, b, s.batch, s.m, s.n, s.k, c, workers); err != nil {
							t.Fatal(err)
						}
						// float32 accumulation of k products of N(0,1) values:
						// the error grows about like sqrt(k)·eps; allow k·1e-5.
						tol := 1e-5 * float64(4+s.k)
						for i, r := range ref {
							want := float64(ab[0]) * r
							if ab[1] != 0 {
								want += float64(ab[1]) * float64(c0[i])
							}
							if d := math.Abs(float64(c[i]) - want); !(d <= tol) {
								t.Fatalf("element %d: got %g, want %g (|diff| %g > %g)", i, c[i], want, d, tol)
							}
						}
					})
				}
			}
		}
	}
}

func TestSgemmZeroSizes(t *testing.T) {
	c := []float32{1, 2, 3, 4}
	if err := Sgemm(1, 0.5, nil, nil, 1, 2, 2, 0, c, 1); err != nil {
		t.Fatal(err)
	}
	if c[0] != 0.5 || c[3] != 2 {
		t.Fatalf("k=0 with beta 0.5: got %v", c)
	}
	if err := Sgemm(1, 0, nil, nil, 0, 2, 2, 3, nil, 1); err != nil {
		t.Fatal(err)
	}
	if err := Sgemm(1, 0, make([]float32, 5), make([]float32, 6), 1, 2, 2, 3, make([]float32, 4), 1); err == nil {
		t.Fatal("short lhs accepted")
	}
}

func TestSgemmNoAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, s := range []shape{{1, 64, 64, 64}, {1, 512, 128, 128}, {16, 128, 128, 32}} {
		a := randSlice(rng, s.batch*s.m*s.k)
		b := randSlice(rng, s.batch*s.k*s.n)
		c := make([]float32, s.batch*s.m*s.n)
		_ = Sgemm(1, 0, a, b, s.batch, s.m, s.n, s.k, c, 2) // warm the pools
		allocs := testing.AllocsPerRun(20, func() {
			_ = Sgemm(1, 0, a, b, s.batch, s.m, s.n, s.k, c, 2)
		})
		if allocs > 0 {
			t.Errorf("%v: %g allocations per call", s, allocs)
		}
	}
}

// kernelsUnderTest: the Go kernel always, the assembly one where the CPU
// has it.
func kernelsUnderTest() []bool {
	if hasAVX2FMA {
		return []bool{true, false}
	}
	return []bool{false}
}

func setAsm(t *testing.T, on bool) {
	old := useAsm
	useAsm = on
	t.Cleanup(func() { useAsm = old })
}

// TestSgemmConcurrentCallers: parallel calls from several goroutines (as
// simplego's parallel op scheduling makes) share the helpers and still get
// their own results.
func TestSgemmConcurrentCallers(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	s := shape{4, 96, 64, 200}
	a, b := randSlice(rng, s.batch*s.m*s.k), randSlice(rng, s.batch*s.k*s.n)
	ref := naiveProduct(a, b, s.batch, s.m, s.n, s.k)
	errs := make(chan error, 8)
	for g := range 8 {
		go func() {
			c := make([]float32, s.batch*s.m*s.n)
			for range 20 {
				if err := Sgemm(1, 0, a, b, s.batch, s.m, s.n, s.k, c, 2+g%3); err != nil {
					errs <- err
					return
				}
				for i, r := range ref {
					if math.Abs(float64(c[i])-r) > 1e-5*float64(4+s.k) {
						errs <- fmt.Errorf("goroutine %d, element %d: got %g, want %g", g, i, c[i], r)
						return
					}
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
