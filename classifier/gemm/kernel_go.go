package gemm

import "unsafe"

// kernelGo is the portable micro-kernel: the same contract as the
// assembly one (see kernel6x16), in plain Go, as 2×4 blocks of scalar
// accumulators that the compiler keeps in registers.
func kernelGo(k int, a *float32, lda int, b *float32, c *float32, ldc int, alpha, beta float32) {
	as := unsafe.Slice(a, (mr-1)*lda+k)
	bs := unsafe.Slice(b, k*nr)
	cs := unsafe.Slice(c, (mr-1)*ldc+nr)
	for r := 0; r < mr; r += 2 {
		a0 := as[r*lda : r*lda+k]
		a1 := as[(r+1)*lda : (r+1)*lda+k]
		for j := 0; j < nr; j += 4 {
			var c00, c01, c02, c03, c10, c11, c12, c13 float32
			for p := range a0 {
				bp := bs[p*nr+j : p*nr+j+4 : p*nr+j+4]
				x0, x1 := a0[p], a1[p]
				c00 += x0 * bp[0]
				c01 += x0 * bp[1]
				c02 += x0 * bp[2]
				c03 += x0 * bp[3]
				c10 += x1 * bp[0]
				c11 += x1 * bp[1]
				c12 += x1 * bp[2]
				c13 += x1 * bp[3]
			}
			store4(cs[r*ldc+j:r*ldc+j+4], alpha, beta, c00, c01, c02, c03)
			store4(cs[(r+1)*ldc+j:(r+1)*ldc+j+4], alpha, beta, c10, c11, c12, c13)
		}
	}
}

// store4 writes four results with packgemm's alpha/beta rule.
func store4(out []float32, alpha, beta, v0, v1, v2, v3 float32) {
	out = out[:4]
	if beta != 0 {
		out[0] = beta*out[0] + alpha*v0
		out[1] = beta*out[1] + alpha*v1
		out[2] = beta*out[2] + alpha*v2
		out[3] = beta*out[3] + alpha*v3
		return
	}
	out[0], out[1], out[2], out[3] = alpha*v0, alpha*v1, alpha*v2, alpha*v3
}
