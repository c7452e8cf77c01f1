package gemm

import (
	"os"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/backends/simplego/packgemm"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
)

// EnvVar turns the fast path off when set to "off" (or "0", "false"):
// backends created afterwards use simplego's own DotGeneral paths, for
// comparisons. It is read each time a "go" backend is created.
const EnvVar = "RADFLAG_GEMM"

// RegistrationName is the name the kernel is registered under in
// packgemm.DTypeToGEMM.
const RegistrationName = "radflag AVX2+FMA"

var installOnce sync.Once

// Install registers the AVX2+FMA kernel as packgemm's float32 GEMM (above
// every kernel registered so far) and re-registers the "go" backend so
// that configurations get the "packgemm" option added. It is idempotent
// and safe to call from several goroutines; call it before creating
// backends (backends.Register is not synchronised with backend creation).
// It reports whether backends created now use the kernel: false where the
// CPU lacks AVX2 or FMA (nothing is changed then: the pure-Go kernel is
// not known to beat simplego's paths elsewhere) or EnvVar says off.
func Install() bool {
	installOnce.Do(install)
	return Active()
}

// Active reports whether "go" backends created now get the kernel.
func Active() bool {
	return installed.Load() && !disabledByEnv()
}

var installed atomic.Bool

func install() {
	if !hasAVX2FMA {
		return
	}
	pair := packgemm.DTypePair{Input: dtypes.Float32, Output: dtypes.Float32}
	prio := packgemm.PriorityDTypeSIMD + 1
	for _, r := range packgemm.DTypeToGEMM[pair] {
		prio = max(prio, r.Priority+1)
	}
	packgemm.RegisterGEMM(RegistrationName, adapt(packgemm.GEMM[float32, float32]), &Params, prio)
	// simplego's packgemm path hands every operand to GEMMDynamic as
	// []float32 (gomlx v0.27.3, dotgeneral.go), so an int32/uint32 matmul
	// would panic once "packgemm" is on; without a registration for their
	// pair those dtypes keep simplego's default paths.
	for p := range packgemm.DTypeToGEMM {
		if p != pair {
			delete(packgemm.DTypeToGEMM, p)
		}
	}
	backends.Register(simplego.BackendName, func(config string) (backends.Backend, error) {
		return simplego.New(WithPackgemm(config))
	})
	installed.Store(true)
}

// Params describes the kernel's blocking to packgemm (informational:
// simplego does not read it for a registered kernel).
var Params = packgemm.CacheParams{
	LHSL1KernelRows:      mr,
	RHSL1KernelCols:      nr,
	PanelContractingSize: kc,
	LHSPanelCrossSize:    mr,
	RHSPanelCrossSize:    nc,
}

// WithPackgemm returns a simplego configuration with "packgemm" added,
// unless it is there already, the config asks for highway (the two exclude
// each other), or EnvVar says off. Other options are kept.
func WithPackgemm(config string) string {
	if disabledByEnv() {
		return config
	}
	for part := range strings.SplitSeq(config, ",") {
		switch key, _, _ := strings.Cut(part, "="); key {
		case "packgemm", "dotgeneral_packgemm", "highway", "dotgeneral_highway":
			return config
		}
	}
	if config == "" {
		return "packgemm"
	}
	return config + ",packgemm"
}

func disabledByEnv() bool {
	switch strings.ToLower(os.Getenv(EnvVar)) {
	case "off", "0", "false", "no":
		return true
	}
	return false
}

// adapt builds a function of packgemm's GEMM type for float32 around
// Sgemm. P is inferred from the signature of packgemm.GEMM: it is gomlx's
// internal *workerspool.Pool, which cannot be named outside gomlx, and
// whose AdjustedMaxParallelism bounds the goroutines used (the backend's
// "parallelism" option).
func adapt[P interface {
	comparable
	AdjustedMaxParallelism() int
}](_ func(alpha, beta float32, lhs, rhs []float32, batch, m, n, k int, out []float32,
	alloc packgemm.BufAllocFn[float32], release packgemm.BufReleaseFn, pool P) error,
) func(alpha, beta float32, lhs, rhs []float32, batch, m, n, k int, out []float32,
	alloc packgemm.BufAllocFn[float32], release packgemm.BufReleaseFn, pool P) error {
	return func(alpha, beta float32, lhs, rhs []float32, batch, m, n, k int, out []float32,
		_ packgemm.BufAllocFn[float32], _ packgemm.BufReleaseFn, pool P) error {
		workers := 1 // packgemm's rule: no pool, no parallelism
		var none P
		if pool != none {
			workers = pool.AdjustedMaxParallelism()
		}
		calls.Add(1)
		return Sgemm(alpha, beta, lhs, rhs, batch, m, n, k, out, workers)
	}
}

var calls atomic.Int64

// Calls counts the products simplego has handed to the kernel, so tests can
// check that a graph's matmuls reach it.
func Calls() int64 { return calls.Load() }
