package hl7v2_test

// The MLLP load generator behind BenchmarkMLLP and TestLoad: N concurrent
// MLLP connections, each sending the sample report with a fresh control id
// and waiting for its ACK before the next, against either a no-store echo
// server (the machine's ceiling) or the real path (Ingest storing on an
// embedded JetStream before AA).

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/radflag/radflag/adapters/hl7v2"
	"github.com/radflag/radflag/adapters/mllp"
	"github.com/radflag/radflag/adapters/natsbus"
	"github.com/radflag/radflag/pipeline"
)

type loadResult struct {
	Name     string
	Messages int
	Elapsed  time.Duration
	Lat      []time.Duration // sorted
	NotAA    int
	// CPU is the process's CPU time (all cores, load generator included)
	// while the messages were sent.
	CPU time.Duration
}

func (r loadResult) rate() float64 { return float64(r.Messages) / r.Elapsed.Seconds() }

// cpuPerMsg is CPU time per message in microseconds.
func (r loadResult) cpuPerMsg() float64 {
	return float64(r.CPU.Microseconds()) / float64(max(r.Messages, 1))
}

func (r loadResult) pct(p float64) time.Duration {
	if len(r.Lat) == 0 {
		return 0
	}
	return r.Lat[min(len(r.Lat)-1, int(float64(len(r.Lat))*p))]
}

func (r loadResult) String() string {
	return fmt.Sprintf("%-6s %7d msgs in %6.2fs = %8.0f msg/s, %6.1f µs CPU/msg, ACK latency p50 %v p99 %v max %v, not AA %d",
		r.Name, r.Messages, r.Elapsed.Seconds(), r.rate(), r.cpuPerMsg(), r.pct(0.50).Round(time.Microsecond),
		r.pct(0.99).Round(time.Microsecond), r.Lat[len(r.Lat)-1].Round(time.Microsecond), r.NotAA)
}

// loadTarget is a running MLLP server to load.
type loadTarget struct {
	addr string
	bus  *natsbus.Bus // nil for echo
	stop func()
}

var quietLog = slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))

func serveMLLP(t testing.TB, h mllp.Handler, badFrame func(error, []byte) []byte) (string, func()) {
	t.Helper()
	srv, err := mllp.NewServer(mllp.Config{Addr: "127.0.0.1:0", Logger: quietLog, BadFrame: badFrame}, h)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ctx) }()
	return srv.Addr().String(), func() { cancel(); <-done }
}

// echoTarget answers every frame at once with a fixed AA: no parsing, no
// store. It is the ceiling of MLLP over loopback on this machine.
func echoTarget(t testing.TB) *loadTarget {
	t.Helper()
	ack := []byte("MSH|^~\\&|RADFLAG|RADFLAG|RIS|CITYHOSP|20260101000000+0000||ACK^R01^ACK|E1|P|2.5.1\rMSA|AA|MSG000123\r")
	addr, stop := serveMLLP(t, mllp.HandlerFunc(func(context.Context, []byte) []byte { return ack }), nil)
	return &loadTarget{addr: addr, stop: stop}
}

// storeTarget is the real path: parse, normalise, store on an embedded
// JetStream (file storage) and answer AA after the PubAck.
func storeTarget(t testing.TB, dir string) *loadTarget {
	t.Helper()
	bus, err := natsbus.Open(context.Background(), natsbus.Config{DataDir: dir, Logger: quietLog})
	if err != nil {
		t.Fatal(err)
	}
	in, err := hl7v2.NewIngest(hl7v2.IngestConfig{Store: bus, Logger: quietLog})
	if err != nil {
		t.Fatal(err)
	}
	addr, stop := serveMLLP(t, in, in.BadFrame)
	return &loadTarget{addr: addr, bus: bus, stop: func() { stop(); bus.Close() }}
}

// parseTarget is Ingest with a store that only encodes the report: the
// cost of parsing, normalising and acknowledging, without the bus.
func parseTarget(t testing.TB) *loadTarget {
	t.Helper()
	store := pipeline.ReportStoreFunc(func(_ context.Context, r *pipeline.Report) (pipeline.StoreOutcome, error) {
		_, err := pipeline.MarshalReport(r)
		return pipeline.StoreOutcome{Sequence: 1}, err
	})
	in, err := hl7v2.NewIngest(hl7v2.IngestConfig{Store: store, Logger: quietLog})
	if err != nil {
		t.Fatal(err)
	}
	addr, stop := serveMLLP(t, in, in.BadFrame)
	return &loadTarget{addr: addr, stop: stop}
}

// busTarget stores one prebuilt report (a fresh message id each time) on
// an embedded JetStream and answers a fixed AA: the bus's share of the
// cost, without parsing.
//
//lint:ignore U1000 used by TestLoad, built with -tags bench
func busTarget(t testing.TB, dir string) *loadTarget {
	t.Helper()
	bus, err := natsbus.Open(context.Background(), natsbus.Config{DataDir: dir, Logger: quietLog})
	if err != nil {
		t.Fatal(err)
	}
	sample, err := readSample()
	if err != nil {
		t.Fatal(err)
	}
	m, err := hl7v2.Parse(sample, hl7v2.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := hl7v2.ToReport(m, sample, hl7v2.ReportOptions{ReceivedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	ack := []byte("MSH|^~\\&|RADFLAG|RADFLAG|RIS|CITYHOSP|20260101000000+0000||ACK^R01^ACK|E1|P|2.5.1\rMSA|AA|MSG000123\r")
	var n atomic.Int64
	addr, stop := serveMLLP(t, mllp.HandlerFunc(func(ctx context.Context, _ []byte) []byte {
		r := *rep
		r.MessageID = "bus:" + strconv.FormatInt(n.Add(1), 10)
		if _, err := bus.StoreReport(ctx, &r); err != nil {
			return []byte("MSH|^~\\&|||||||ACK|E|P|2.5.1\rMSA|AE|MSG000123\r")
		}
		return ack
	}), nil)
	return &loadTarget{addr: addr, bus: bus, stop: func() { stop(); bus.Close() }}
}

var loadRun atomic.Int64

// runLoad sends total messages (or, when total is 0, as many as fit in
// dur) over conns connections and measures each ACK's latency.
func runLoad(t testing.TB, name string, target *loadTarget, conns, total int, dur time.Duration) loadResult {
	t.Helper()
	sample, err := readSample()
	if err != nil {
		t.Fatal(err)
	}
	run := loadRun.Add(1)
	var (
		mu      sync.Mutex
		lat     []time.Duration
		notAA   int
		sent    atomic.Int64
		wg      sync.WaitGroup
		firstEr error
	)
	deadline := time.Now().Add(dur)
	cpu0 := processCPU()
	start := time.Now()
	for c := 0; c < conns; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl, err := mllp.Dial(context.Background(), mllp.ClientConfig{Addr: target.addr, AckTimeout: 10 * time.Second})
			if err != nil {
				mu.Lock()
				firstEr = err
				mu.Unlock()
				return
			}
			defer cl.Close()
			mine := make([]time.Duration, 0, 4096)
			bad := 0
			prefix := "L" + strconv.FormatInt(run, 36) + "-" + strconv.Itoa(c) + "-"
			for i := 0; ; i++ {
				if total > 0 {
					if sent.Add(1) > int64(total) {
						break
					}
				} else if time.Now().After(deadline) {
					break
				}
				msg := bytes.Replace(sample, []byte("|MSG000123|"), []byte("|"+prefix+strconv.Itoa(i)+"|"), 1)
				t0 := time.Now()
				ack, err := cl.Send(context.Background(), msg)
				d := time.Since(t0)
				if err != nil {
					mu.Lock()
					firstEr = err
					mu.Unlock()
					return
				}
				if !bytes.Contains(ack, []byte("\rMSA|AA|")) {
					bad++
				}
				mine = append(mine, d)
			}
			mu.Lock()
			lat = append(lat, mine...)
			notAA += bad
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu := processCPU() - cpu0
	if firstEr != nil {
		t.Fatalf("%s load: %v", name, firstEr)
	}
	slices.Sort(lat)
	return loadResult{Name: name, Messages: len(lat), Elapsed: elapsed, Lat: lat, NotAA: notAA, CPU: cpu}
}

var (
	sampleOnce sync.Once
	sampleMsg  []byte
	sampleErr  error
)

func readSample() ([]byte, error) {
	sampleOnce.Do(func() {
		sampleMsg, sampleErr = os.ReadFile(hl7Dir + "/oru_ct.cr.hl7")
	})
	return sampleMsg, sampleErr
}

// BenchmarkMLLP measures messages per second and ACK latency over 8
// concurrent MLLP connections: "echo" answers without parsing or storing
// (the ceiling), "parse" is Ingest without the bus (parse, normalise,
// encode, ACK), "store" is Ingest storing on an embedded JetStream before
// AA. Compare them from one run:
//
//	go test -run '^$' -bench BenchmarkMLLP -benchtime 20000x ./adapters/hl7v2
func BenchmarkMLLP(b *testing.B) {
	for _, tc := range []struct {
		name   string
		target func(testing.TB) *loadTarget
	}{
		{"echo", echoTarget},
		{"parse", parseTarget},
		{"store", func(t testing.TB) *loadTarget { return storeTarget(t, b.TempDir()) }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			target := tc.target(b)
			defer target.stop()
			runLoad(b, "warmup", target, 8, 500, 0)
			b.ResetTimer()
			r := runLoad(b, tc.name, target, 8, b.N, 0)
			b.StopTimer()
			if r.NotAA > 0 {
				b.Fatalf("%d messages not AA", r.NotAA)
			}
			b.ReportMetric(r.rate(), "msg/s")
			b.ReportMetric(float64(r.pct(0.99).Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(r.pct(0.50).Microseconds())/1000, "p50-ms")
		})
	}
}

// BenchmarkIngest measures Ingest.Process alone (parse, normalise, store
// on an embedded JetStream, build the ACK), one message at a time.
func BenchmarkIngest(b *testing.B) {
	bus, err := natsbus.Open(context.Background(), natsbus.Config{DataDir: b.TempDir(), Logger: quietLog})
	if err != nil {
		b.Fatal(err)
	}
	defer bus.Close()
	in, err := hl7v2.NewIngest(hl7v2.IngestConfig{Store: bus, Logger: quietLog})
	if err != nil {
		b.Fatal(err)
	}
	sample, err := readSample()
	if err != nil {
		b.Fatal(err)
	}
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	b.SetBytes(int64(len(sample)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		msg := bytes.Replace(sample, []byte("|MSG000123|"), []byte("|B"+run+strconv.Itoa(i)+"|"), 1)
		if out := in.Process(context.Background(), msg); out.Ack != hl7v2.AA {
			b.Fatalf("%s: %v", out.Ack, out.Err)
		}
	}
}
