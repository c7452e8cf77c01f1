package worker_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/radflag/radflag/adapters/natsbus"
	"github.com/radflag/radflag/adapters/natsbus/natstest"
	"github.com/radflag/radflag/classifier/dataset"
	"github.com/radflag/radflag/classifier/synth"
	"github.com/radflag/radflag/pipeline"
	"github.com/radflag/radflag/worker"
	"github.com/radflag/radflag/worker/workertest"
)

// testLog sends a component's log to the test log (shown on failure or -v).
func testLog(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func openBus(t *testing.T, url string) *natsbus.Bus {
	t.Helper()
	b, err := natsbus.Open(context.Background(), natsbus.Config{URL: url, Logger: testLog(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// run starts a worker and returns a function that stops it and waits.
func run(t *testing.T, w *worker.Worker) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil && !errors.Is(err, context.Canceled) {
					t.Errorf("worker: %v", err)
				}
			case <-time.After(30 * time.Second):
				t.Error("worker did not stop within 30s")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// results reads every result on the stream, keyed by Nats-Msg-Id, failing
// on a duplicate id.
func results(t *testing.T, bus *natsbus.Bus) map[string]*pipeline.Result {
	t.Helper()
	ctx := context.Background()
	s, err := bus.JetStream().Stream(ctx, natsbus.StreamResults)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*pipeline.Result{}
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			if errors.Is(err, jetstream.ErrMsgNotFound) {
				continue
			}
			t.Fatal(err)
		}
		r, err := pipeline.UnmarshalResult(m.Data)
		if err != nil {
			t.Fatal(err)
		}
		id := m.Header.Get(jetstream.MsgIDHeader)
		if id != r.MsgID() {
			t.Errorf("Nats-Msg-Id %q, result MsgID %q", id, r.MsgID())
		}
		if _, dup := out[id]; dup {
			t.Errorf("result %s stored twice", id)
		}
		out[id] = r
	}
	return out
}

// waitSettled waits until the classify consumer has acknowledged every
// report on the stream.
func waitSettled(t *testing.T, bus *natsbus.Bus, timeout time.Duration) {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(timeout)
	s, err := bus.JetStream().Stream(ctx, natsbus.StreamReports)
	if err != nil {
		t.Fatal(err)
	}
	si, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for {
		c, err := bus.JetStream().Consumer(ctx, natsbus.StreamReports, "radflag-classify")
		if err == nil {
			info, err := c.Info(ctx)
			if err == nil && info.AckFloor.Stream >= si.State.LastSeq && info.NumAckPending == 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("consumer not settled: %+v", info)
			}
		} else if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

type corpus struct {
	reports []*pipeline.Report
	labels  map[string]int // report id → synthetic label
	want    map[string]bool
}

func mixedCorpus(t *testing.T, nPancreas, nIR int) corpus {
	c := corpus{labels: map[string]int{}, want: map[string]bool{}}
	tasks := workertest.Tasks(t)
	digest := map[string]string{}
	for _, tk := range tasks {
		digest[tk.Name] = tk.Model.Info().Digest
	}
	add := func(task string, n int, seed int64) {
		for i, ex := range workertest.Examples(t, task, n, seed) {
			acc := workertest.Accession(task[:2], i)
			r := workertest.Report(acc, "V1-"+acc, ex.Text)
			if task == "ir_procedure" {
				r.Procedure = pipeline.Coding{Code: "IRCT", Display: "IR CT GUIDED PROCEDURE"}
			}
			c.reports = append(c.reports, r)
			c.labels[r.ID] = ex.Label
			c.want[r.MessageID+":pancreas:"+digest["pancreas"]] = true
			if task == "ir_procedure" {
				c.want[r.MessageID+":ir_procedure:"+digest["ir_procedure"]] = true
			}
		}
	}
	if nPancreas > 0 {
		add("pancreas", nPancreas, 11)
	}
	if nIR > 0 {
		add("ir_procedure", nIR, 12)
	}
	return c
}

func store(t *testing.T, bus *natsbus.Bus, rs []*pipeline.Report) {
	t.Helper()
	for _, r := range rs {
		if _, err := bus.StoreReport(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
}

// overlapModel records how many Predict calls run at once.
type overlapModel struct {
	worker.Model
	cur, peak *atomic.Int32
}

func (m overlapModel) Predict(ctx context.Context, texts []string) ([]worker.Prediction, error) {
	n := m.cur.Add(1)
	defer m.cur.Add(-1)
	for p := m.peak.Load(); n > p && !m.peak.CompareAndSwap(p, n); p = m.peak.Load() {
	}
	time.Sleep(20 * time.Millisecond) // long enough for the other batches to start
	return m.Model.Predict(ctx, texts)
}

func (m overlapModel) Explain(ctx context.Context, text string) ([]pipeline.Evidence, error) {
	return m.Model.(worker.Explainer).Explain(ctx, text)
}

func TestClassifyPublishesOneResultPerReportAndTask(t *testing.T) {
	for _, conc := range []int{1, 3} {
		t.Run(fmt.Sprintf("concurrency=%d", conc), func(t *testing.T) { testClassifyOnce(t, conc) })
	}
}

func testClassifyOnce(t *testing.T, conc int) {
	srv := natstest.Start(t, "")
	bus := openBus(t, srv.URL())
	c := mixedCorpus(t, 30, 20)
	store(t, bus, c.reports)
	var cur, peak atomic.Int32
	tasks := workertest.Tasks(t)
	for i := range tasks {
		tasks[i].Model = overlapModel{tasks[i].Model, &cur, &peak}
	}
	w, err := worker.New(worker.Config{Bus: bus, Tasks: tasks, BatchSize: 8, MaxWait: 100 * time.Millisecond,
		Concurrency: conc, Logger: testLog(t)})
	if err != nil {
		t.Fatal(err)
	}
	stop := run(t, w)
	waitSettled(t, bus, 30*time.Second)
	stop()
	// 50 reports in batches of 8: with several loops, batches overlap;
	// with one, never.
	if p := int(peak.Load()); conc == 1 && p != 1 || conc > 1 && p < 2 {
		t.Errorf("concurrency %d: at most %d model calls ran at once", conc, p)
	}

	got := results(t, bus)
	if len(got) != len(c.want) {
		t.Fatalf("%d results, want %d", len(got), len(c.want))
	}
	correct := 0
	for id, r := range got {
		if !c.want[id] {
			t.Errorf("unexpected result %s", id)
		}
		if r.Flag != (r.Task == "pancreas" && r.LabelName == "pretreatment") {
			t.Errorf("%s: flag %v for %s/%s", id, r.Flag, r.Task, r.LabelName)
		}
		if r.Patient.Value == "" || r.ReceivedAt.IsZero() || r.Text == "" || r.Model.Digest == "" {
			t.Errorf("%s: result lacks report fields: %+v", id, r)
		}
		if r.Flag && (len(r.Evidence) == 0 || !strings.Contains(r.Text, r.Evidence[0].Text)) {
			t.Errorf("%s: flag without evidence from its text: %+v", id, r.Evidence)
		}
		if !r.Flag && len(r.Evidence) > 0 {
			t.Errorf("%s: evidence computed for a result that does not flag", id)
		}
		if r.Task == "pancreas" && strings.HasPrefix(r.Accession, "pa") && r.Label == c.labels[r.ReportID] {
			correct++
		}
	}
	// A real model, not a hard-coded answer: most synthetic pancreas
	// reports are classified as labelled.
	if correct < 24 {
		t.Errorf("only %d/30 pancreas reports classified as labelled", correct)
	}
}

// TestWorkerKilledMidBatch: a worker dies after publishing some results of
// a batch, without acknowledging it; another worker gets the reports after
// AckWait and classifies them; nothing is lost and no result is stored twice.
func TestWorkerKilledMidBatch(t *testing.T) {
	srv := natstest.Start(t, "")
	bus := openBus(t, srv.URL())
	c := mixedCorpus(t, 40, 20)
	store(t, bus, c.reports)
	tasks := workertest.Tasks(t)

	bus1 := openBus(t, srv.URL())
	w1, err := worker.New(worker.Config{Bus: bus1, Tasks: tasks, BatchSize: 32, MaxWait: 100 * time.Millisecond, Logger: testLog(t), AckWait: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var published atomic.Int32
	killed := make(chan struct{})
	var killOnce sync.Once
	worker.SetAfterPublish(w1, func(*pipeline.Result) {
		if published.Add(1) == 5 {
			// The process dies: its connection goes, nothing more is acked.
			killOnce.Do(func() {
				bus1.Conn().Close()
				close(killed)
			})
		}
	})
	stop1 := run(t, w1)
	select {
	case <-killed:
	case <-time.After(30 * time.Second):
		t.Fatal("worker 1 never published")
	}
	stop1()

	bus2 := openBus(t, srv.URL())
	w2, err := worker.New(worker.Config{Bus: bus2, Tasks: tasks, BatchSize: 32, MaxWait: 100 * time.Millisecond, Logger: testLog(t), AckWait: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	stop2 := run(t, w2)
	waitSettled(t, bus, 60*time.Second)
	stop2()

	got := results(t, bus)
	if len(got) != len(c.want) {
		t.Fatalf("%d results, want %d (first worker published %d before dying)", len(got), len(c.want), published.Load())
	}
	for id := range c.want {
		if got[id] == nil {
			t.Errorf("result %s lost", id)
		}
	}
}

// faulty fails on texts containing a marker, as a model can on input it
// cannot handle; otherwise it is the real model.
type faulty struct {
	worker.Model
	calls atomic.Int32
}

func (f *faulty) Predict(ctx context.Context, texts []string) ([]worker.Prediction, error) {
	f.calls.Add(1)
	for _, s := range texts {
		if strings.Contains(s, "POISON") {
			panic("tokenizer exploded")
		}
	}
	return f.Model.Predict(ctx, texts)
}

func TestFailingReportsAreDeadLettered(t *testing.T) {
	srv := natstest.Start(t, "")
	bus := openBus(t, srv.URL())
	c := mixedCorpus(t, 6, 0)
	poison := workertest.Report("POISON1", "VP1", "FINDINGS: POISON in the pancreas.")
	store(t, bus, append(c.reports, poison))
	// A message that is not a report at all.
	if _, err := bus.Publish(context.Background(), natsbus.SubjectReports+".hl7", "garbage-1", []byte(`{"schema":1,"id":`), nil); err != nil {
		t.Fatal(err)
	}
	tasks := workertest.Tasks(t)[:1]
	tasks[0].Model = &faulty{Model: tasks[0].Model}
	w, err := worker.New(worker.Config{Bus: bus, Tasks: tasks, BatchSize: 16, MaxWait: 100 * time.Millisecond, Logger: testLog(t), MaxDeliver: 2})
	if err != nil {
		t.Fatal(err)
	}
	stop := run(t, w)
	waitSettled(t, bus, 30*time.Second)
	stop()

	if got := results(t, bus); len(got) != len(c.reports) {
		t.Errorf("%d results, want %d", len(got), len(c.reports))
	}
	ctx := context.Background()
	s, err := bus.JetStream().Stream(ctx, natsbus.StreamDLQ)
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[string]string{}
	for seq := uint64(1); ; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			break
		}
		if m.Subject != natsbus.SubjectDLQ+".classify" {
			t.Errorf("dead letter on %s", m.Subject)
		}
		reasons[m.Header.Get(jetstream.MsgIDHeader)] = m.Header.Get("Radflag-Reason")
	}
	if len(reasons) != 2 {
		t.Fatalf("dead letters: %v", reasons)
	}
	if r := reasons["dlq:classify:"+poison.MessageID]; !strings.Contains(r, "panicked") || !strings.Contains(r, "after 2 deliveries") {
		t.Errorf("poison reason = %q", r)
	}
	if r := reasons["dlq:classify:garbage-1"]; !strings.Contains(r, "decode report") {
		t.Errorf("garbage reason = %q", r)
	}
}

func TestSelectors(t *testing.T) {
	sel := worker.DefaultSelectors()
	ir, pan := sel["ir_procedure"], sel["pancreas"]
	// Every synthetic procedure report is recognised by its text alone;
	// no synthetic diagnostic report is.
	missed := 0
	for _, ex := range workertest.Examples(t, "ir_procedure", 1000, 5) {
		r := workertest.Report("A", "V", ex.Text)
		if !ir.Applies(r) {
			if missed++; missed <= 5 {
				t.Errorf("procedure report not recognised:\n%s", ex.Text)
			}
		}
	}
	// The pancreas corpus's diagnostic reports: every case type but the
	// CT-guided procedure reports it also holds.
	cases, err := synth.Cases("pancreas")
	if err != nil {
		t.Fatal(err)
	}
	var diag []dataset.Example
	for i, c := range cases {
		exs, err := synth.GenerateCase("pancreas", c.Name, 20, int64(5+i), false)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(c.Name, "ct_guided_") {
			diag = append(diag, exs...)
			continue
		}
		for _, ex := range exs {
			if !ir.Applies(workertest.Report("A", "V", ex.Text)) {
				t.Errorf("pancreas case %s: procedure report not recognised:\n%s", c.Name, ex.Text)
			}
		}
	}
	wrong := 0
	for _, ex := range diag {
		r := workertest.Report("A", "V", ex.Text)
		if ir.Applies(r) {
			if wrong++; wrong <= 5 {
				t.Errorf("diagnostic report taken for a procedure:\n%s", ex.Text)
			}
		}
		if !pan.Applies(r) {
			t.Error("pancreas does not apply to a CT report")
		}
	}
	for _, tc := range []struct {
		name      string
		modality  string
		code, txt string
		ir, pan   bool
	}{
		{"ct guided biopsy code", "CT", "CT GUIDED BIOPSY LUNG", "Lung nodule sampled.", true, true},
		{"drain code", "", "IR ABSCESS DRAINAGE", "Collection.", true, true},
		{"diagnostic ct", "CT", "CT ABD/PELVIS W CONTRAST", "Recommend CT-guided biopsy of the pancreatic mass.", false, true},
		{"text cue", "CT", "CT CHEST", "Under CT guidance a 19-gauge needle was advanced.", true, true},
		{"mr report", "MR", "MR GUIDED BIOPSY", "Under CT guidance.", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := workertest.Report("A", "V", tc.txt)
			r.Modality, r.Procedure = tc.modality, pipeline.Coding{Display: tc.code}
			if got := ir.Applies(r); got != tc.ir {
				t.Errorf("ir_procedure applies = %v", got)
			}
			if got := pan.Applies(r); got != tc.pan {
				t.Errorf("pancreas applies = %v", got)
			}
		})
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	m := workertest.Model(t, "pancreas")
	bus := &natsbus.Bus{}
	for _, tc := range []struct {
		name string
		cfg  worker.Config
		want string
	}{
		{"no bus", worker.Config{Tasks: []worker.Task{{Name: "p", Model: m}}}, "no bus"},
		{"no task", worker.Config{Bus: bus}, "no task"},
		{"no model", worker.Config{Bus: bus, Tasks: []worker.Task{{Name: "p"}}}, "no model"},
		{"twice", worker.Config{Bus: bus, Tasks: []worker.Task{{Name: "p", Model: m}, {Name: "p", Model: m}}}, "twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := worker.New(tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

// swapped is a "new model version": the same real model under another
// digest, answering differently for one report.
type swapped struct {
	*workertest.Baseline
	flip string
}

func (s swapped) Info() worker.ModelInfo {
	i := s.Baseline.Info()
	i.Version, i.Digest = "test-2", "new-"+i.Digest
	return i
}

func (s swapped) Predict(ctx context.Context, texts []string) ([]worker.Prediction, error) {
	ps, err := s.Baseline.Predict(ctx, texts)
	for i, t := range texts {
		if err == nil && t == s.flip {
			ps[i] = worker.Prediction{Label: 0, LabelName: "none", Probabilities: map[string]float64{"none": 1}}
		}
	}
	return ps, err
}

func TestReplayReclassifiesWithNewModel(t *testing.T) {
	srv := natstest.Start(t, "")
	bus := openBus(t, srv.URL())
	c := mixedCorpus(t, 12, 4)
	store(t, bus, c.reports)
	tasks := workertest.Tasks(t)
	w, err := worker.New(worker.Config{Bus: bus, Tasks: tasks, BatchSize: 5, MaxWait: 100 * time.Millisecond, Logger: testLog(t)})
	if err != nil {
		t.Fatal(err)
	}
	stop := run(t, w)
	waitSettled(t, bus, 30*time.Second)
	stop()
	before := len(results(t, bus))

	// Same model: everything is a duplicate.
	st, err := w.Replay(context.Background(), worker.ReplayConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Reports != len(c.reports) || st.Results != 0 || st.Duplicates != before || st.Failed != 0 {
		t.Errorf("same-model replay: %+v (want %d reports, %d duplicates)", st, len(c.reports), before)
	}
	// A new pancreas model, replayed for the pancreas task only.
	nm := swapped{Baseline: workertest.Model(t, "pancreas"), flip: c.reports[0].ClassifierInput()}
	w2, err := worker.New(worker.Config{Bus: bus, BatchSize: 5, Logger: testLog(t),
		Tasks: []worker.Task{{Name: "pancreas", Model: nm, FlagLabels: []string{"pretreatment"}, Select: tasks[0].Select}}})
	if err != nil {
		t.Fatal(err)
	}
	st, err = w2.Replay(context.Background(), worker.ReplayConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Results != len(c.reports) || st.Duplicates != 0 {
		t.Errorf("new-model replay: %+v", st)
	}
	got := results(t, bus)
	if len(got) != before+len(c.reports) {
		t.Errorf("%d results after replay, want %d", len(got), before+len(c.reports))
	}
	if r := got[c.reports[0].MessageID+":pancreas:"+nm.Info().Digest]; r == nil || r.LabelName != "none" {
		t.Errorf("new model's answer not published: %+v", r)
	}
	// A time window after every report: nothing.
	st, err = w2.Replay(context.Background(), worker.ReplayConfig{Since: time.Now().Add(time.Hour)})
	if err != nil || st.Reports != 0 {
		t.Errorf("replay of an empty window: %+v, %v", st, err)
	}
}
