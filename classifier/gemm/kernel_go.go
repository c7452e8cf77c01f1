package gemm

import "unsafe"

// kernelGo is the portable micro-kernel: the same contract as the
// assembly one (see microKernel), in plain Go.
func kernelGo(k int, a *float32, lda int, b *float32, c *float32, ldc int, alpha, beta float32) {
	as := unsafe.Slice(a, (mr-1)*lda+k)
	bs := unsafe.Slice(b, k*nr)
	cs := unsafe.Slice(c, (mr-1)*ldc+nr)
	var acc [mr][nr]float32
	for p := 0; p < k; p++ {
		brow := (*[nr]float32)(bs[p*nr : (p+1)*nr])
		for r := 0; r < mr; r++ {
			av := as[r*lda+p]
			accr := &acc[r]
			for j := 0; j < nr; j++ {
				accr[j] += av * brow[j]
			}
		}
	}
	for r := 0; r < mr; r++ {
		out := (*[nr]float32)(cs[r*ldc : r*ldc+nr])
		if beta != 0 {
			for j, v := range acc[r] {
				out[j] = beta*out[j] + alpha*v
			}
		} else {
			for j, v := range acc[r] {
				out[j] = alpha * v
			}
		}
	}
}
