//go:build amd64

package gemm

import "golang.org/x/sys/cpu"

// hasAVX2FMA: the assembly kernel needs AVX2 (and the OS saving YMM
// state, which x/sys/cpu checks) and FMA3.
var hasAVX2FMA = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// useAsm selects the assembly kernel; tests turn it off to check the Go one.
var useAsm = hasAVX2FMA

// kernel6x16 computes the 6×16 tile C = alpha·A·B + beta·C (beta == 0:
// C is not read), A: 6 rows of k floats with row stride lda, B: a packed
// [k][16] strip, C: row stride ldc. Strides are in floats.
//
//go:noescape
func kernel6x16(k int, a *float32, lda int, b *float32, c *float32, ldc int, alpha, beta float32)

func microKernel(k int, a *float32, lda int, b *float32, c *float32, ldc int, alpha, beta float32) {
	if useAsm {
		kernel6x16(k, a, lda, b, c, ldc, alpha, beta)
		return
	}
	kernelGo(k, a, lda, b, c, ldc, alpha, beta)
}
