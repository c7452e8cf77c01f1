//go:build !amd64

package gemm

const hasAVX2FMA = false

var useAsm = false

func microKernel(k int, a *float32, lda int, b *float32, c *float32, ldc int, alpha, beta float32) {
	kernelGo(k, a, lda, b, c, ldc, alpha, beta)
}
