//go:build bench

package main

// The classification-and-writeback benchmark (BENCHMARKS.md): HL7 ORUs sent
// over MLLP at a steady rate to `radflag serve --roles mllp,classify,writeback`
// on a real JetStream, written to the Medplum FHIR peer; latency is from the
// moment a report is sent to the resource's meta.lastUpdated on the FHIR
// server.
//
//	PEER_MODULES=$DIR go test -tags bench ./cmd/radflag -run TestBenchE2E -v -timeout 30m
//
// RADFLAG_TEST_BENCH_MODEL=baseline (default; the TF-IDF model, so the
// figure is the pipeline's) or transformer (the built-in model, or a
// random model of the shipped architecture when none is built in);
// RADFLAG_TEST_BENCH_RATE (reports/s, default 100), RADFLAG_TEST_BENCH_SECONDS
// (default 30), RADFLAG_TEST_BENCH_BATCH (classify.batch_size, default 32),
// RADFLAG_TEST_BENCH_MIX (clinical, default, or balanced: see below),
// RADFLAG_TEST_BENCH_OUT (a file for the summary), RADFLAG_TEST_BENCH_TRACE
// (a CSV file: each resource's report, when it was sent, and its latency to
// the result and to the resource).

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/radflag/radflag/adapters/mllp"
	"github.com/radflag/radflag/adapters/natsbus"
	"github.com/radflag/radflag/adapters/natsbus/natstest"
	"github.com/radflag/radflag/classifier"
	"github.com/radflag/radflag/classifier/synth"
	"github.com/radflag/radflag/classifier/tokenizer"
	"github.com/radflag/radflag/classifier/transformer"
	"github.com/radflag/radflag/internal/metrics"
	"github.com/radflag/radflag/models"
	"github.com/radflag/radflag/pipeline"
	"github.com/radflag/radflag/worker/workertest"
	"github.com/radflag/radflag/writeback"
	"github.com/radflag/radflag/writeback/fhirpeer"
)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// shippedArchitectureDir writes a model of the default architecture with
// random weights (its speed is the shipped model's; its answers are not).
func shippedArchitectureDir(t *testing.T, task classifier.Task, texts []string) string {
	t.Helper()
	vocab, err := tokenizer.Train(texts, tokenizer.TrainConfig{VocabSize: 6000, MinFreq: 2})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, l := range task.Labels {
		names = append(names, l.Name)
	}
	c := transformer.DefaultConfig(len(vocab), len(names))
	w, err := transformer.InitWeights(c, 1)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := transformer.WriteDir(dir, c, w, tokenizer.Build(vocab), names); err != nil {
		t.Fatal(err)
	}
	return dir
}

func pct(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	i := int(math.Ceil(p/100*float64(len(xs)))) - 1
	return xs[max(0, min(i, len(xs)-1))]
}

func TestBenchE2E(t *testing.T) {
	rate := envInt("RADFLAG_TEST_BENCH_RATE", 100)
	seconds := envInt("RADFLAG_TEST_BENCH_SECONDS", 30)
	batch := envInt("RADFLAG_TEST_BENCH_BATCH", 32)
	model := os.Getenv("RADFLAG_TEST_BENCH_MODEL")
	if model == "" {
		model = "baseline"
	}
	peer := fhirpeer.Start(t)
	srv := natstest.Start(t, "")

	// The mix: "clinical" (default) — 5% CT-guided procedure reports, 2%
	// pretreatment pancreatic cancer, 5% treated pancreatic cancer, 88% other
	// CT — or "balanced": the synthetic corpus's even labels, 20% procedures.
	mix := os.Getenv("RADFLAG_TEST_BENCH_MIX")
	if mix == "" {
		mix = "clinical"
	}
	n := rate * seconds
	// Diagnostic pancreas reports only: the generator's CT-guided procedure
	// reports would be classified by ir_procedure too, and the mix would no
	// longer be the stated one.
	pan := workertest.Examples(t, "pancreas", 3*n, 101)
	ir, err := synth.Generate("ir_procedure", n/5+1, 102)
	if err != nil {
		t.Fatal(err)
	}
	byLabel := map[int][]string{}
	for _, ex := range pan {
		byLabel[ex.Label] = append(byLabel[ex.Label], ex.Text)
	}
	draw := func(label int) string {
		xs := byLabel[label]
		x := xs[len(xs)-1]
		byLabel[label] = xs[:len(xs)-1]
		return x
	}
	type rep struct {
		acc, text, proc string
		isIR            bool
	}
	reps := make([]rep, n)
	nIR := 0
	for i := range reps {
		acc := fmt.Sprintf("B%06d", i)
		diag := "74177^CT ABD/PELVIS W CONTRAST^C4"
		var r rep
		switch k := i % 100; {
		case mix == "balanced" && i%5 == 4, mix == "clinical" && k < 5:
			r = rep{acc, ir[nIR].Text, "IRCT^CT GUIDED PROCEDURE^L", true}
			nIR++
		case mix == "balanced":
			r = rep{acc, pan[i].Text, diag, false}
		case k < 7:
			r = rep{acc, draw(2), diag, false}
		case k < 12:
			r = rep{acc, draw(1), diag, false}
		default:
			r = rep{acc, draw(0), diag, false}
		}
		reps[i] = r
	}

	modelDesc := "baseline TF-IDF + logistic regression (workertest, 1,500 synthetic reports)"
	switch model {
	case "baseline":
		useBaselineModels(t)
	case "transformer":
		var dirs []string
		for _, name := range []string{"pancreas", "ir_procedure"} {
			if models.Has(name) {
				continue
			}
			task, _ := classifier.TaskByName(name)
			var texts []string
			for _, r := range reps[:min(len(reps), 2000)] {
				texts = append(texts, r.text)
			}
			dirs = append(dirs, name+"="+shippedArchitectureDir(t, task, texts))
		}
		modelDesc = "built-in transformer models"
		if len(dirs) > 0 {
			modelDesc = "transformer of the shipped architecture (hidden 128, 2 layers, 256 tokens), random weights: no built-in model yet"
			t.Setenv("RADFLAG_CLASSIFY_MODEL_DIRS", strings.Join(dirs, ","))
		}
	default:
		t.Fatalf("RADFLAG_TEST_BENCH_MODEL=%q: want baseline or transformer", model)
	}
	t.Setenv("RADFLAG_CLASSIFY_BATCH_SIZE", strconv.Itoa(batch))

	mllpAddr := freeAddr(t)
	_, logs, stop := startServe(t, "--data-dir", t.TempDir(), "--roles", "mllp,classify,writeback",
		"--mllp-addr", mllpAddr, "--fhir-url", peer.URL, "--nats-url", srv.URL())
	ctx := context.Background()
	bus, err := natsbus.Open(ctx, natsbus.Config{URL: srv.URL()})
	if err != nil {
		t.Fatal(err)
	}
	defer bus.Close()

	// Senders: 4 MLLP connections, report i due at start + i/rate.
	const conns = 4
	sentAt := make([]time.Time, n)
	var wg sync.WaitGroup
	start := time.Now().Add(500 * time.Millisecond)
	var sendErr error
	var mu sync.Mutex
	var ackMax time.Duration
	for k := 0; k < conns; k++ {
		c, err := mllp.Dial(ctx, mllp.ClientConfig{Addr: mllpAddr})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := k; i < n; i += conns {
				time.Sleep(time.Until(start.Add(time.Duration(i) * time.Second / time.Duration(rate))))
				r := reps[i]
				t0 := time.Now()
				ack, err := c.Send(ctx, oru("BM"+r.acc, r.acc, "F", r.proc, r.text))
				d := time.Since(t0)
				mu.Lock()
				sentAt[i] = t0
				ackMax = max(ackMax, d)
				if err == nil && !strings.Contains(string(ack), "MSA|AA|") {
					err = fmt.Errorf("report %d: ack %q", i, ack)
				}
				if err != nil && sendErr == nil {
					sendErr = err
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	sendDur := time.Since(start)
	if sendErr != nil {
		t.Fatal(sendErr)
	}
	wantResults := uint64(n + nIR)
	deadline := time.Now().Add(20 * time.Minute)
	for {
		c, err := bus.JetStream().Consumer(ctx, natsbus.StreamResults, "radflag-writeback")
		if err == nil {
			info, err := c.Info(ctx)
			if err == nil && info.AckFloor.Stream >= wantResults && info.NumAckPending == 0 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("not all results written in time:\n%s", logs)
		}
		time.Sleep(250 * time.Millisecond)
	}
	drained := time.Since(start)

	// When each result was made (the batch classified; a flag's evidence
	// is computed after), by the identifier writeback gives its resource:
	// the resources' latency split into the classify stage and what comes
	// after it (evidence, publishing, writeback, the FHIR server).
	classified := map[string]time.Time{}
	rc, err := bus.JetStream().OrderedConsumer(ctx, natsbus.StreamResults, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for range wantResults {
		m, err := rc.Next(jetstream.FetchMaxWait(5 * time.Second))
		if err != nil {
			t.Fatalf("read results: %v", err)
		}
		r, err := pipeline.UnmarshalResult(m.Data())
		if err != nil {
			t.Fatal(err)
		}
		classified[r.ReportID+":"+r.Task] = r.CreatedAt
	}

	var lat, latClassify []float64
	var trace strings.Builder // RADFLAG_TEST_BENCH_TRACE: one line per resource
	byType := map[string]int{}
	for _, typ := range []string{"Flag", "Observation"} {
		raws, err := peer.Search(ctx, typ, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, raw := range raws {
			var r struct {
				Meta struct {
					LastUpdated time.Time `json:"lastUpdated"`
				} `json:"meta"`
				Identifier []struct{ System, Value string } `json:"identifier"`
			}
			if err := json.Unmarshal(raw, &r); err != nil {
				t.Fatal(err)
			}
			for _, id := range r.Identifier {
				if id.System != writeback.SystemReportTask {
					continue
				}
				// hl7:CITYHOSP:B000123:task
				parts := strings.Split(id.Value, ":")
				i, err := strconv.Atoi(strings.TrimPrefix(parts[2], "B"))
				if err != nil || i >= n {
					t.Fatalf("identifier %q", id.Value)
				}
				lat = append(lat, r.Meta.LastUpdated.Sub(sentAt[i]).Seconds())
				if at, ok := classified[id.Value]; ok {
					latClassify = append(latClassify, at.Sub(sentAt[i]).Seconds())
					fmt.Fprintf(&trace, "%s,%d,%.3f,%.3f,%.3f\n", typ, i, sentAt[i].Sub(start).Seconds(), at.Sub(sentAt[i]).Seconds(), r.Meta.LastUpdated.Sub(sentAt[i]).Seconds())
				}
				byType[typ]++
			}
		}
	}
	sort.Float64s(lat)
	sort.Float64s(latClassify)
	if byType["Observation"] != nIR {
		t.Errorf("%d Observations for %d procedure reports", byType["Observation"], nIR)
	}
	stop()
	creates, createMean, createP50, createP99, ops := fhirCreateTimes(t)
	summary := fmt.Sprintf("mix: %s\nmodel: %s\nrate %d reports/s for %d s (%d reports: %d diagnostic, %d procedure; sent in %.1f s, slowest MLLP ACK %s), batch %d\n"+
		"all %d results written %.1f s after the first report\nresources: %d Flags, %d Observations\n"+
		"report sent → resource in FHIR: p50 %.3f s, p90 %.3f s, p99 %.3f s, max %.3f s\n"+
		"  of which report sent → classified (before a flag's evidence), same resources: p50 %.3f s, p90 %.3f s, p99 %.3f s, max %.3f s\n"+
		"FHIR server's answer to writeback's %d creates (radflag_fhir_request_seconds): mean %.3f s, p50 ≤ %g s, p99 ≤ %g s; requests by operation: %s\n",
		mix, modelDesc, rate, seconds, n, n-nIR, nIR, sendDur.Seconds(), ackMax.Round(time.Millisecond), batch,
		wantResults, drained.Seconds(), byType["Flag"], byType["Observation"],
		pct(lat, 50), pct(lat, 90), pct(lat, 99), pct(lat, 100),
		pct(latClassify, 50), pct(latClassify, 90), pct(latClassify, 99), pct(latClassify, 100),
		creates, createMean, createP50, createP99, ops)
	t.Log("\n" + summary)
	if out := os.Getenv("RADFLAG_TEST_BENCH_TRACE"); out != "" {
		if err := os.WriteFile(out, []byte("type,report,sent_s,classified_s,written_s\n"+trace.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if out := os.Getenv("RADFLAG_TEST_BENCH_OUT"); out != "" {
		if err := os.WriteFile(out, []byte(summary), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// fhirCreateTimes reads radflag_fhir_request_seconds from this process's
// registry: how many creates, their mean, the bucket bounds that hold their
// median and 99th percentile, and the count of every operation.
func fhirCreateTimes(t *testing.T) (n uint64, mean, p50, p99 float64, ops string) {
	t.Helper()
	fams, err := metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var byOp []string
	for _, f := range fams {
		if f.GetName() != "radflag_fhir_request_seconds" {
			continue
		}
		for _, m := range f.GetMetric() {
			op := ""
			for _, l := range m.GetLabel() {
				if l.GetName() == "op" {
					op = l.GetValue()
				}
			}
			h := m.GetHistogram()
			byOp = append(byOp, fmt.Sprintf("%s %d", op, h.GetSampleCount()))
			if op != "create" || h.GetSampleCount() == 0 {
				continue
			}
			n, mean = h.GetSampleCount(), h.GetSampleSum()/float64(h.GetSampleCount())
			bound := func(q float64) float64 {
				for _, b := range h.GetBucket() {
					if float64(b.GetCumulativeCount()) >= q*float64(n) {
						return b.GetUpperBound()
					}
				}
				return math.Inf(1)
			}
			p50, p99 = bound(0.5), bound(0.99)
		}
	}
	return n, mean, p50, p99, strings.Join(byOp, " ")
}
