package hl7v2_test

// End-to-end tests: MLLP listener + Ingest + a real embedded JetStream.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/radflag/radflag/adapters/hl7v2"
	"github.com/radflag/radflag/adapters/mllp"
	"github.com/radflag/radflag/adapters/natsbus"
	"github.com/radflag/radflag/adapters/natsbus/natstest"
	"github.com/radflag/radflag/pipeline"
)

const hl7Dir = "../../testdata/hl7"

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type stack struct {
	bus  *natsbus.Bus
	addr string
	stop func()
}

type stackConfig struct {
	store        pipeline.ReportStore // default: the bus
	natsURL      string               // default: embedded server
	storeTimeout time.Duration
	mllp         mllp.Config
	log          io.Writer
}

// startStack runs a real JetStream (embedded unless natsURL), an Ingest and
// an MLLP listener on a free loopback port.
func startStack(t testing.TB, sc stackConfig) *stack {
	t.Helper()
	if sc.log == nil {
		sc.log = io.Discard
	}
	logger := slog.New(slog.NewJSONHandler(sc.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	bus, err := natsbus.Open(context.Background(), natsbus.Config{
		URL: sc.natsURL, DataDir: t.TempDir(), Logger: logger,
		PublishTimeout: 2 * time.Second, ConnectTimeout: 5 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	store := sc.store
	if store == nil {
		store = bus
	}
	if sc.storeTimeout == 0 {
		sc.storeTimeout = 2 * time.Second
	}
	in, err := hl7v2.NewIngest(hl7v2.IngestConfig{Store: store, StoreTimeout: sc.storeTimeout, Location: time.UTC, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	cfg := sc.mllp
	cfg.Addr, cfg.Logger, cfg.BadFrame = "127.0.0.1:0", logger, in.BadFrame
	srv, err := mllp.NewServer(cfg, in)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ctx); err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	st := &stack{bus: bus, addr: srv.Addr().String()}
	var once sync.Once
	st.stop = func() {
		once.Do(func() {
			cancel()
			<-done
			bus.Close()
		})
	}
	t.Cleanup(st.stop)
	return st
}

func readMsg(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(hl7Dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// withControlID returns msg with MSH-10 replaced (the sample's MSH-10 is
// MSG000123).
func withControlID(t testing.TB, msg []byte, id string) []byte {
	t.Helper()
	if !bytes.Contains(msg, []byte("|MSG000123|")) {
		t.Fatal("sample does not hold MSH-10 MSG000123")
	}
	return bytes.Replace(msg, []byte("|MSG000123|"), []byte("|"+id+"|"), 1)
}

type ack struct {
	code, controlID, text string
}

func sendMsg(t testing.TB, addr string, msg []byte) ack {
	t.Helper()
	c, err := mllp.Dial(context.Background(), mllp.ClientConfig{Addr: addr, AckTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	reply, err := c.Send(context.Background(), msg)
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	return parseAck(t, reply)
}

func parseAck(t testing.TB, reply []byte) ack {
	t.Helper()
	m, err := hl7v2.Parse(reply, hl7v2.Limits{})
	if err != nil {
		t.Fatalf("ACK %q does not parse: %v", reply, err)
	}
	if m.Get("MSH-9") != "ACK" {
		t.Fatalf("reply is not an ACK: %q", reply)
	}
	return ack{code: m.Get("MSA-1"), controlID: m.Get("MSA-2"), text: m.Get("MSA-3")}
}

func streamCount(t testing.TB, bus *natsbus.Bus) uint64 {
	t.Helper()
	n, err := bus.StreamMessages(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n[natsbus.StreamReports]
}

// storedReport reads the report at seq from RADFLAG_REPORTS.
func storedReport(t testing.TB, bus *natsbus.Bus, seq uint64) *pipeline.Report {
	t.Helper()
	s, err := bus.JetStream().Stream(context.Background(), natsbus.StreamReports)
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.GetMsg(context.Background(), seq)
	if err != nil {
		t.Fatal(err)
	}
	r, err := pipeline.UnmarshalReport(m.Data)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestEndToEndGoldenInputs sends every golden input over MLLP to a real
// JetStream and checks the ACK code the golden file expects and what the
// stream holds.
func TestEndToEndGoldenInputs(t *testing.T) {
	st := startStack(t, stackConfig{})
	entries, err := os.ReadDir(hl7Dir)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{} // message ids that must be stored
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		var g struct {
			Ack    string `json:"ack"`
			Report *struct {
				MessageID string `json:"message_id"`
			} `json:"report"`
		}
		b, err := os.ReadFile(filepath.Join(hl7Dir, "golden", e.Name()+".json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &g); err != nil {
			t.Fatal(err)
		}
		got := sendMsg(t, st.addr, readMsg(t, e.Name()))
		if got.code != g.Ack {
			t.Errorf("%s: ACK %s (%s), want %s", e.Name(), got.code, got.text, g.Ack)
		}
		if g.Report != nil {
			want[g.Report.MessageID] = true
		}
	}
	// The six copies of the peers' sample share MSH-4 and MSH-10: stored once.
	if n := streamCount(t, st.bus); n != uint64(len(want)) {
		t.Errorf("stream holds %d reports, want %d (one per distinct message id)", n, len(want))
	}
}

func TestDuplicateStoredOnceAckedTwice(t *testing.T) {
	st := startStack(t, stackConfig{})
	msg := readMsg(t, "oru_ct.cr.hl7")
	for i := 0; i < 3; i++ {
		if got := sendMsg(t, st.addr, msg); got.code != "AA" || got.controlID != "MSG000123" {
			t.Fatalf("send %d: %+v", i+1, got)
		}
	}
	if n := streamCount(t, st.bus); n != 1 {
		t.Fatalf("stream holds %d reports after three sends of one message, want 1", n)
	}
	r := storedReport(t, st.bus, 1)
	if r.MessageID != "hl7:CITYHOSP:MSG000123" || r.ID != "hl7:CITYHOSP:ACC20260115001" || !bytes.Equal(r.Raw, msg) {
		t.Errorf("stored report: id %s, message id %s, raw %d bytes", r.ID, r.MessageID, len(r.Raw))
	}
	// A corrected version of the same accession is a new message of the
	// same report.
	if got := sendMsg(t, st.addr, readMsg(t, "ris_sections_v23.hl7")); got.code != "AA" {
		t.Fatal(got)
	}
	if got := sendMsg(t, st.addr, readMsg(t, "ris_sections_v23_corrected.hl7")); got.code != "AA" {
		t.Fatal(got)
	}
	prelim, corr := storedReport(t, st.bus, 2), storedReport(t, st.bus, 3)
	if prelim.ID != corr.ID || corr.Status.Rank() <= prelim.Status.Rank() || prelim.MessageID == corr.MessageID {
		t.Errorf("versions: %s %s %s / %s %s %s", prelim.ID, prelim.Status, prelim.MessageID, corr.ID, corr.Status, corr.MessageID)
	}
}

// TestBusStoppedAnswersAE: with the bus closed, or its server down, every
// report gets AE (never AA); once the server is back, the resend is stored.
func TestBusStoppedAnswersAE(t *testing.T) {
	t.Run("bus closed", func(t *testing.T) {
		st := startStack(t, stackConfig{})
		if got := sendMsg(t, st.addr, withControlID(t, readMsg(t, "oru_ct.cr.hl7"), "C1")); got.code != "AA" {
			t.Fatal(got)
		}
		st.bus.Close()
		for i, id := range []string{"C2", "C3", "C1"} {
			if got := sendMsg(t, st.addr, withControlID(t, readMsg(t, "oru_ct.cr.hl7"), id)); got.code != "AE" {
				t.Fatalf("send %d after the bus closed: %+v, want AE", i, got)
			}
		}
	})
	t.Run("server down and back", func(t *testing.T) {
		ns := natstest.Start(t, "")
		st := startStack(t, stackConfig{natsURL: ns.URL(), storeTimeout: time.Second})
		msg := withControlID(t, readMsg(t, "oru_ct.cr.hl7"), "D1")
		if got := sendMsg(t, st.addr, msg); got.code != "AA" {
			t.Fatal(got)
		}
		ns.Stop()
		retry := withControlID(t, readMsg(t, "oru_ct.cr.hl7"), "D2")
		start := time.Now()
		if got := sendMsg(t, st.addr, retry); got.code != "AE" {
			t.Fatalf("with the server down: %+v, want AE", got)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("AE took %v, want it within the store timeout", d)
		}
		ns2 := ns.Restart(t)
		_ = ns2
		deadline := time.Now().Add(15 * time.Second)
		for {
			got := sendMsg(t, st.addr, retry)
			if got.code == "AA" {
				break
			}
			if got.code != "AE" || time.Now().After(deadline) {
				t.Fatalf("resend after restart: %+v", got)
			}
			time.Sleep(200 * time.Millisecond)
		}
		if n := streamCount(t, st.bus); n != 2 {
			t.Errorf("stream holds %d reports, want 2", n)
		}
	})
	t.Run("store slower than the bound", func(t *testing.T) {
		var bus *natsbus.Bus
		slow := pipeline.ReportStoreFunc(func(ctx context.Context, r *pipeline.Report) (pipeline.StoreOutcome, error) {
			select {
			case <-time.After(2 * time.Second):
				return bus.StoreReport(ctx, r)
			case <-ctx.Done():
				return pipeline.StoreOutcome{}, ctx.Err()
			}
		})
		st := startStack(t, stackConfig{store: slow, storeTimeout: 200 * time.Millisecond})
		bus = st.bus
		start := time.Now()
		if got := sendMsg(t, st.addr, readMsg(t, "oru_ct.cr.hl7")); got.code != "AE" {
			t.Fatalf("slow store: %+v, want AE", got)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("AE after %v, want about the 200ms store timeout", d)
		}
	})
}

// TestFaultsOverMLLP: bad input gets AR or a closed connection, and the
// listener keeps serving a well-behaved connection throughout.
func TestFaultsOverMLLP(t *testing.T) {
	st := startStack(t, stackConfig{mllp: mllp.Config{MaxFrameBytes: 4096, ReadTimeout: 300 * time.Millisecond}})
	good, err := mllp.Dial(context.Background(), mllp.ClientConfig{Addr: st.addr, AckTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer good.Close()
	n := 0
	check := func(step string) {
		t.Helper()
		n++
		reply, err := good.Send(context.Background(), withControlID(t, readMsg(t, "oru_ct.cr.hl7"), "G"+string(rune('A'+n))))
		if err != nil {
			t.Fatalf("after %s: %v", step, err)
		}
		if a := parseAck(t, reply); a.code != "AA" {
			t.Fatalf("after %s: %+v", step, a)
		}
	}
	raw := func() net.Conn {
		nc, err := net.Dial("tcp", st.addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { nc.Close() })
		return nc
	}
	closed := func(nc net.Conn) bool {
		_ = nc.SetReadDeadline(time.Now().Add(3 * time.Second))
		_, err := io.ReadAll(nc)
		return err == nil
	}
	check("start")

	t.Run("garbage bytes", func(t *testing.T) {
		nc := raw()
		nc.Write([]byte("\x00\x01\x02 not HL7, not MLLP \xff\xfe"))
		if !closed(nc) {
			t.Error("connection sending garbage not closed")
		}
		check("garbage")
	})
	t.Run("garbage inside a frame", func(t *testing.T) {
		if got := sendMsg(t, st.addr, []byte("\x00\x01\x02\xff garbage")); got.code != "AR" {
			t.Errorf("%+v, want AR", got)
		}
		check("garbage frame")
	})
	t.Run("message without MSH", func(t *testing.T) {
		if got := sendMsg(t, st.addr, readMsg(t, "reject_no_msh.txt")); got.code != "AR" {
			t.Errorf("%+v, want AR", got)
		}
		check("no MSH")
	})
	t.Run("oversize frame", func(t *testing.T) {
		big := append(withControlID(t, readMsg(t, "oru_ct.cr.hl7"), "BIG1"), bytes.Repeat([]byte("OBX|9|TX|X||padding||||||F\r"), 400)...)
		c, err := mllp.Dial(context.Background(), mllp.ClientConfig{Addr: st.addr, AckTimeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		reply, err := c.Send(context.Background(), big)
		if err != nil {
			t.Fatal(err)
		}
		if a := parseAck(t, reply); a.code != "AR" || a.controlID != "BIG1" || !strings.Contains(a.text, "larger than the limit") {
			t.Errorf("%+v, want AR for BIG1 saying the limit", a)
		}
		// The same connection goes on.
		reply, err = c.Send(context.Background(), withControlID(t, readMsg(t, "oru_ct.cr.hl7"), "AFTERBIG"))
		if err != nil {
			t.Fatal(err)
		}
		if a := parseAck(t, reply); a.code != "AA" {
			t.Errorf("after the oversize frame: %+v", a)
		}
		check("oversize")
	})
	t.Run("frame without end", func(t *testing.T) {
		nc := raw()
		nc.Write(append([]byte{mllp.VT}, readMsg(t, "oru_ct.cr.hl7")...))
		check("open frame")
		if !closed(nc) {
			t.Error("connection with a frame that never ends not closed")
		}
		check("frame without end")
	})
	if n := streamCount(t, st.bus); n == 0 {
		t.Error("nothing stored")
	}
}
