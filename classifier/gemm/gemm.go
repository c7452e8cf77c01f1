// Package gemm is a float32 matrix multiply for gomlx's pure-Go backend
// (simplego) on amd64 machines with AVX2 and FMA but without AVX-512, where
// gomlx v0.27.3 has only scalar Go kernels. Install registers it as
// simplego's "packgemm" GEMM and turns that path on for "go" backends.
//
// Layout (packgemm's): for each of batch problems, C = alpha·A·B + beta·C
// with A [m, k], B [k, n] and C [m, n] row-major and contiguous, problem i
// at offsets i·m·k, i·k·n and i·m·n. With beta == 0, C is overwritten and its
// old contents (even NaN) are never read.
//
// Blocking: B is packed into 16-column strips of up to kc rows (an L2-sized
// panel); A is read in place, six rows at a time, so it needs no packing
// (rows of an edge strip are copied into a zero-padded block). A 6×16
// register tile (12 YMM accumulators) is computed by an assembly kernel.
package gemm

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

const (
	mr = 6  // rows of the register tile
	nr = 16 // columns of the register tile (two YMM registers)
	kc = 256
	nc = 256 // B panel: kc×nc floats = 256 KiB, half the L2 of the target CPU

	// parallelMinMACs is the smallest problem (multiply-adds) spread over
	// helper goroutines: below it waking them costs more than it saves.
	parallelMinMACs = 1 << 20
)

// Sgemm computes C = alpha·A·B + beta·C for batch problems in packgemm's
// layout (see the package comment), using up to maxWorkers goroutines.
func Sgemm(alpha, beta float32, a, b []float32, batch, m, n, k int, c []float32, maxWorkers int) error {
	if batch < 0 || m < 0 || n < 0 || k < 0 {
		return fmt.Errorf("gemm: negative size (batch %d, m %d, n %d, k %d)", batch, m, n, k)
	}
	if len(a) < batch*m*k || len(b) < batch*k*n || len(c) < batch*m*n {
		return fmt.Errorf("gemm: buffers too short for batch %d of [%d,%d]×[%d,%d]: lhs %d, rhs %d, out %d",
			batch, m, k, k, n, len(a), len(b), len(c))
	}
	if batch == 0 || m == 0 || n == 0 {
		return nil
	}
	p := problem{alpha: alpha, beta: beta, a: a, b: b, c: c, batch: batch, m: m, n: n, k: k}
	workers := min(maxWorkers, runtime.GOMAXPROCS(0))
	if workers <= 1 || batch*m*n*k < parallelMinMACs {
		p.bTasks, p.mTasks, p.nTasks = 1, 1, 1
		p.bStep, p.mStep, p.nStep = batch, m, n
		p.run(0)
		return nil
	}
	p.split(workers)
	runParallel(&p, workers)
	return nil
}

// problem is one Sgemm call, split into bTasks×mTasks×nTasks tasks.
type problem struct {
	alpha, beta         float32
	a, b, c             []float32
	batch, m, n, k      int
	bTasks, mTasks      int
	nTasks              int
	bStep, mStep, nStep int
}

// split chooses tasks. With enough batch items, ranges of whole items,
// about two per worker (taken dynamically, which evens out cores shared
// with other processes). Otherwise each item is cut into one part per
// worker: by rows (multiples of mr) when A is tall, since every part packs
// its own copy of B (k·n floats); else by columns (multiples of nr), where
// parts only re-read A.
func (p *problem) split(workers int) {
	p.bTasks, p.mTasks, p.nTasks = 1, 1, 1
	p.bStep, p.mStep, p.nStep = p.batch, p.m, p.n
	if p.batch >= 2*workers {
		p.bStep = ceilDiv(p.batch, 2*workers)
		p.bTasks = ceilDiv(p.batch, p.bStep)
		return
	}
	p.bStep, p.bTasks = 1, p.batch
	per := ceilDiv(workers, p.batch)
	if per == 1 {
		return
	}
	byRows := p.m >= per*mr
	byCols := p.n >= per*nr
	switch {
	case byRows && (!byCols || p.m >= 2*p.n):
		p.mStep = roundUp(ceilDiv(p.m, per), mr)
		p.mTasks = ceilDiv(p.m, p.mStep)
	case byCols:
		p.nStep = roundUp(ceilDiv(p.n, per), nr)
		p.nTasks = ceilDiv(p.n, p.nStep)
	}
}

func (p *problem) numTasks() int { return p.bTasks * p.mTasks * p.nTasks }

// run computes task t.
func (p *problem) run(t int) {
	nt := t % p.nTasks
	t /= p.nTasks
	mt := t % p.mTasks
	bt := t / p.mTasks
	b0, b1 := bt*p.bStep, min((bt+1)*p.bStep, p.batch)
	m0, m1 := mt*p.mStep, min((mt+1)*p.mStep, p.m)
	n0, n1 := nt*p.nStep, min((nt+1)*p.nStep, p.n)
	ws := workspaces.Get().(*workspace)
	for bi := b0; bi < b1; bi++ {
		a := p.a[bi*p.m*p.k : (bi+1)*p.m*p.k]
		b := p.b[bi*p.k*p.n : (bi+1)*p.k*p.n]
		c := p.c[bi*p.m*p.n : (bi+1)*p.m*p.n]
		gemmBlock(ws, p.alpha, p.beta, a, b, c, p.m, p.n, p.k, m0, m1, n0, n1)
	}
	workspaces.Put(ws)
}

// workspace holds one goroutine's packed panels; pooled so calls do not
// allocate.
type workspace struct {
	bp   [kc * nc]float32 // packed B panel: strips of [kcb][nr]
	ap   [mr * kc]float32 // zero-padded rows of an edge strip of A
	tile [mr * nr]float32 // edge tiles are computed here, then stored
}

var workspaces = sync.Pool{New: func() any { return new(workspace) }}

// gemmBlock computes rows [m0, m1) × columns [n0, n1) of one problem.
func gemmBlock(ws *workspace, alpha, beta float32, a, b, c []float32, m, n, k, m0, m1, n0, n1 int) {
	if k == 0 {
		scaleC(c, n, m0, m1, n0, n1, beta)
		return
	}
	for jc := n0; jc < n1; jc += nc {
		ncb := min(nc, n1-jc)
		for pc := 0; pc < k; pc += kc {
			kcb := min(kc, k-pc)
			betaB := beta
			if pc > 0 {
				betaB = 1 // later k blocks add to what the first wrote
			}
			packB(ws.bp[:], b, n, pc, kcb, jc, ncb)
			for ir := m0; ir < m1; ir += mr {
				mrb := min(mr, m1-ir)
				aPtr, lda := &a[ir*k+pc], k
				if mrb < mr {
					packAEdge(ws.ap[:], a, k, ir, mrb, pc, kcb)
					aPtr, lda = &ws.ap[0], kcb
				}
				for jr := 0; jr < ncb; jr += nr {
					nrb := min(nr, ncb-jr)
					bPtr := &ws.bp[jr*kcb]
					if mrb == mr && nrb == nr {
						microKernel(kcb, aPtr, lda, bPtr, &c[ir*n+jc+jr], n, alpha, betaB)
						continue
					}
					microKernel(kcb, aPtr, lda, bPtr, &ws.tile[0], nr, 1, 0)
					storeEdge(ws.tile[:], c, n, ir, jc+jr, mrb, nrb, alpha, betaB)
				}
			}
		}
	}
}

// packB copies B[pc:pc+kcb, jc:jc+ncb] (row stride n) into strips of nr
// columns, each [kcb][nr], the last strip zero-padded.
func packB(dst, b []float32, n, pc, kcb, jc, ncb int) {
	d := 0
	for j := 0; j < ncb; j += nr {
		w := min(nr, ncb-j)
		for p := 0; p < kcb; p++ {
			src := b[(pc+p)*n+jc+j:]
			row := dst[d : d+nr : d+nr]
			copy(row, src[:w])
			clear(row[w:])
			d += nr
		}
	}
}

// packAEdge copies the mrb < mr rows of A from row ir, columns [pc,
// pc+kcb), into dst as an [mr][kcb] block whose missing rows are zero.
func packAEdge(dst, a []float32, k, ir, mrb, pc, kcb int) {
	for r := 0; r < mr; r++ {
		row := dst[r*kcb : (r+1)*kcb]
		if r < mrb {
			copy(row, a[(ir+r)*k+pc:])
		} else {
			clear(row)
		}
	}
}

// storeEdge writes the valid mrb×nrb corner of a tile computed with alpha
// 1 and beta 0, with packgemm's alpha/beta rule.
func storeEdge(tile, c []float32, n, ir, jc, mrb, nrb int, alpha, beta float32) {
	for r := 0; r < mrb; r++ {
		t := tile[r*nr : r*nr+nrb]
		out := c[(ir+r)*n+jc : (ir+r)*n+jc+nrb]
		if beta != 0 {
			for j, v := range t {
				out[j] = beta*out[j] + alpha*v
			}
		} else {
			for j, v := range t {
				out[j] = alpha * v
			}
		}
	}
}

// scaleC is the k == 0 case: C = beta·C (or 0).
func scaleC(c []float32, n, m0, m1, n0, n1 int, beta float32) {
	for i := m0; i < m1; i++ {
		row := c[i*n+n0 : i*n+n1]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }
func roundUp(a, b int) int { return ceilDiv(a, b) * b }

// Helper goroutines, started on first use, take tasks of a parallel call
// alongside its caller. The caller never waits for a helper to start: it
// takes whatever tasks remain itself, then waits only for helpers that
// were handed the call, so calls from several goroutines cannot deadlock.
var helpers struct {
	once sync.Once
	ch   chan *job
}

type job struct {
	p    problem // a copy, so the caller's problem stays on its stack
	next atomic.Int64
	wg   sync.WaitGroup
}

var jobs = sync.Pool{New: func() any { return new(job) }}

func (j *job) work() {
	n := int64(j.p.numTasks())
	for {
		t := j.next.Add(1) - 1
		if t >= n {
			return
		}
		j.p.run(int(t))
	}
}

func startHelpers() {
	n := max(runtime.GOMAXPROCS(0)-1, 1)
	helpers.ch = make(chan *job, 4*n)
	for range n {
		go func() {
			for j := range helpers.ch {
				j.work()
				j.wg.Done()
			}
		}()
	}
}

func runParallel(p *problem, workers int) {
	helpers.once.Do(startHelpers)
	j := jobs.Get().(*job)
	j.p = *p
	j.next.Store(0)
	want := min(workers, p.numTasks()) - 1
	j.wg.Add(want)
	sent := 0
send:
	for sent < want {
		select {
		case helpers.ch <- j:
			sent++
		default:
			break send // every helper is busy: do the rest here
		}
	}
	j.wg.Add(sent - want)
	j.work()
	j.wg.Wait()
	j.p = problem{} // drop references to the caller's slices
	jobs.Put(j)
}
