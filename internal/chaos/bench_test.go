//go:build bench

package chaos

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/radflag/radflag/adapters/natsbus/natstest"
	"github.com/radflag/radflag/writeback/fhirpeer"
)

// TestBenchThroughput measures sustained end-to-end throughput — reports
// per second from the first MLLP send to the last result handled by
// writeback — and the AA rate, in one run, for:
//
//   - one `radflag serve` process with every role on its embedded NATS
//     (the default deployment on one machine);
//   - the same single process on a three-node NATS cluster (R3), so that
//     the cost of the cluster and of the split can be told apart;
//   - radflag split by --roles into six processes (two MLLP, two classify,
//     one writeback, one worklist) on a three-node cluster (R3);
//
// and the resident memory (VmHWM, VmRSS) of each process after the load,
// with both shipped transformer models loaded. Each setup gets a fresh
// FHIR peer and cluster and the same mix of synthetic reports, sent as fast
// as 8 MLLP connections are answered, so the figure is the pipeline's
// capacity (the classify stage's, on a 2-core machine).
//
//	PEER_MODULES=$DIR go test -tags bench -run TestBenchThroughput -v -timeout 60m ./internal/chaos
//
// RADFLAG_BENCH_N (reports per setup, default 2000), RADFLAG_BENCH_OUT (a
// file for the summary).
func TestBenchThroughput(t *testing.T) {
	n := envInt("RADFLAG_BENCH_N", 2000)
	if os.Getenv("PEER_MODULES") == "" {
		t.Skip("PEER_MODULES is not set: the benchmark writes to the Medplum FHIR peer")
	}
	load, _ := os.ReadFile("/proc/loadavg")
	var rows []benchRow
	for i, setup := range []string{"single", "single-cluster", "split"} {
		t.Run(setup, func(t *testing.T) {
			rows = append(rows, benchSetup(t, setup, fmt.Sprintf("B%d", i), n))
		})
	}
	loadEnd, _ := os.ReadFile("/proc/loadavg")
	var b strings.Builder
	_, model := modelEnv(t)
	fmt.Fprintf(&b, "%d reports per setup (mix: %d%% procedure, %d%% pretreatment, %d%% post-treatment, rest other CT), 8 MLLP connections, %s\n",
		n, ClinicalMix.Procedure, ClinicalMix.Pretreatment, ClinicalMix.PostTreatment, model)
	fmt.Fprintf(&b, "load average at start %s, at end %s\n\n", strings.Join(strings.Fields(string(load))[:3], " "), strings.Join(strings.Fields(string(loadEnd))[:3], " "))
	b.WriteString("| setup | reports | ingest (all AA) | end to end | reports/s | AA rate | resources | memory after load (VmHWM / VmRSS) |\n|---|---:|---:|---:|---:|---:|---:|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %d | %.1f s | %.1f s | **%.1f** | %.2f%% | %d | %s |\n",
			r.setup, r.n, r.ingest.Seconds(), r.e2e.Seconds(), float64(r.n)/r.e2e.Seconds(), 100*r.aaRate, r.resources, r.memory)
	}
	t.Log("\n" + b.String())
	if out := os.Getenv("RADFLAG_BENCH_OUT"); out != "" {
		if err := os.WriteFile(out, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

type benchRow struct {
	setup       string
	n           int
	ingest, e2e time.Duration
	aaRate      float64
	resources   int
	memory      string
}

func benchSetup(t *testing.T, setup, prefix string, n int) benchRow {
	peer := fhirpeer.Start(t)
	env, _ := modelEnv(t)
	msgs, err := Corpus(prefix, n, 21, ClinicalMix)
	if err != nil {
		t.Fatal(err)
	}
	var procs []*Proc
	var natsURL string
	var mllp []string
	switch setup {
	case "single":
		natsAddr := FreeAddr(t)
		natsURL = "nats://" + natsAddr
		p := NewProc(t, ProcConfig{Name: "serve", Bin: radflagBin, Args: []string{"--fhir-url", peer.URL},
			Env: append(env, "RADFLAG_NATS_EMBEDDED_LISTEN="+natsAddr)})
		if err := p.Start(2 * time.Minute); err != nil {
			t.Fatal(err)
		}
		procs, mllp = []*Proc{p}, []string{p.MLLPAddr}
	case "single-cluster":
		c := natstest.StartCluster(t, 3)
		natsURL = c.URL()
		p := NewProc(t, ProcConfig{Name: "serve", Bin: radflagBin, Args: []string{"--fhir-url", peer.URL, "--nats-url", natsURL},
			Env: append(env, "RADFLAG_NATS_REPLICAS=3")})
		if err := p.Start(2 * time.Minute); err != nil {
			t.Fatal(err)
		}
		procs, mllp = []*Proc{p}, []string{p.MLLPAddr}
	case "split":
		c := natstest.StartCluster(t, 3)
		natsURL = c.URL()
		s := StartSplit(t, natsURL, peer.URL, env)
		procs, mllp = s.All(), s.MLLPAddrs()
	}
	nc, js, err := Connect(natsURL)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	s := NewSender(SenderConfig{Addrs: mllp, Conns: 8, AckTimeout: 10 * time.Second, RetryAfter: time.Second}, msgs)
	if err := s.Run(ctx); err != nil {
		t.Fatal(err)
	}
	st := s.Stats()
	b, err := WaitDrained(ctx, js, 15*time.Minute, nil)
	if err != nil {
		t.Fatal(err)
	}
	end := b.LastAck["radflag-writeback"]
	if end.IsZero() {
		t.Fatal("writeback consumer reports no last ack time")
	}
	row := benchRow{setup: setup, n: n, ingest: st.LastAA.Sub(st.Start), e2e: end.Sub(st.Start), aaRate: st.AARate()}
	var mem []string
	for _, p := range procs {
		m, err := p.Memory()
		if err != nil {
			t.Fatal(err)
		}
		mem = append(mem, fmt.Sprintf("%s %s / %s", p.Name, MiB(m.HWM), MiB(m.RSS)))
	}
	row.memory = strings.Join(mem, ", ")
	row.resources = benchVerify(ctx, t, s, js, peer)
	t.Logf("%s: %s; end to end %.1f s (%.1f reports/s); %s", setup, st, row.e2e.Seconds(), float64(n)/row.e2e.Seconds(), row.memory)
	for _, p := range procs {
		p.Stop(time.Minute)
	}
	return row
}

// benchVerify checks the run as the long tests do (a benchmark of a
// pipeline that loses or doubles reports would measure nothing) and
// returns how many resources were written.
func benchVerify(ctx context.Context, t *testing.T, s *Sender, js jetstream.JetStream, peer *fhirpeer.Server) int {
	t.Helper()
	verify(ctx, t, s, js, peer)
	total := 0
	for _, typ := range []string{"Flag", "Observation"} {
		rs, err := ListResources(ctx, peer.DirectURL, typ)
		if err != nil {
			t.Fatal(err)
		}
		total += len(rs)
	}
	return total
}
