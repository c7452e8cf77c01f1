//go:build long

package chaos

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/radflag/radflag/writeback/fhirpeer"
)

// TestCrashSafety: `radflag serve` (embedded NATS, every role) is killed
// with SIGKILL three times while 10,000 ORU^R01 messages stream in over
// MLLP, and the FHIR server is unreachable for 30 s in between. The sender
// resends whatever was not answered AA, as an interface engine does. After
// the last restart the pipeline drains, and then every message answered AA
// is stored once, classified once per task, and written back exactly once,
// as counted in the FHIR server.
//
// RADFLAG_CHAOS_N (messages, default 10000) and RADFLAG_CHAOS_RATE (new
// messages per second, default 25) scale it.
func TestCrashSafety(t *testing.T) {
	n := envInt("RADFLAG_CHAOS_N", 10000)
	rate := envFloat("RADFLAG_CHAOS_RATE", 25)
	began := time.Now()
	elapsed := func() string { return fmt.Sprintf("%5.0fs", time.Since(began).Seconds()) }

	peer := fhirpeer.Start(t)
	msgs, err := Corpus("C", n, 11, ClinicalMix)
	if err != nil {
		t.Fatal(err)
	}
	env, model := modelEnv(t)
	t.Logf("%d messages at %.0f/s, %s", n, rate, model)
	natsAddr := FreeAddr(t)
	p := NewProc(t, ProcConfig{Name: "serve", Bin: radflagBin,
		Args: []string{"--fhir-url", peer.URL},
		// The test reads the streams through this listener; serve itself
		// uses the in-process connection.
		Env: append(env, "RADFLAG_NATS_EMBEDDED_LISTEN="+natsAddr),
	})
	if err := p.Start(2 * time.Minute); err != nil {
		t.Fatal(err)
	}
	nc, js, err := Connect("nats://" + natsAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Minute)
	defer cancel()
	s := NewSender(SenderConfig{Addrs: []string{p.MLLPAddr}, Conns: 4, Rate: rate,
		AckTimeout: 10 * time.Second, RetryAfter: time.Second}, msgs)
	sendDone := make(chan error, 1)
	go func() { sendDone <- s.Run(ctx) }()

	// The chaos, at spread-out points of the stream: three crashes, and the
	// FHIR server unreachable for 30 s between the first and the second.
	proxy := peer.Proxy()
	fhirBack := make(chan error, 1)
	events := []struct {
		at   float64
		name string
		do   func()
	}{
		{0.20, "SIGKILL 1", func() { crash(t, p, elapsed) }},
		{0.30, "FHIR down", func() {
			proxy.Down()
			t.Logf("%s FHIR server unreachable for 30 s (proxy down)", elapsed())
			go func() {
				time.Sleep(30 * time.Second)
				err := proxy.Up()
				t.Logf("%s FHIR server reachable again", elapsed())
				fhirBack <- err
			}()
		}},
		{0.45, "SIGKILL 2", func() { crash(t, p, elapsed) }},
		{0.70, "SIGKILL 3", func() { crash(t, p, elapsed) }},
	}
	next := 0
	var sendErr error
	progress := time.NewTicker(30 * time.Second)
	defer progress.Stop()
wait:
	for {
		select {
		case sendErr = <-sendDone:
			break wait
		case <-progress.C:
			if b, err := ReadBacklog(ctx, js); err == nil {
				t.Logf("%s %d sent, %d answered AA; %s", elapsed(), s.Sent(), s.Finished(), b)
			}
		case <-time.After(100 * time.Millisecond):
		}
		if next < len(events) && float64(s.Sent()) >= events[next].at*float64(n) {
			if b, err := ReadBacklog(ctx, js); err == nil {
				t.Logf("%s %s: %d sent, %d answered AA; %s", elapsed(), events[next].name, s.Sent(), s.Finished(), b)
			}
			events[next].do()
			next++
		}
	}
	if sendErr != nil {
		t.Fatalf("%s sender: %v (%s)", elapsed(), sendErr, s.Stats())
	}
	if next != len(events) {
		t.Fatalf("only %d of %d chaos events happened before the sender finished", next, len(events))
	}
	if err := <-fhirBack; err != nil {
		t.Fatal(err)
	}
	st := s.Stats()
	t.Logf("%s sender done in %.0f s: %s", elapsed(), st.LastAA.Sub(st.Start).Seconds(), st)

	backlog, err := WaitDrained(ctx, js, 12*time.Minute, t.Logf)
	if err != nil {
		t.Fatalf("%s pipeline not drained: %v", elapsed(), err)
	}
	t.Logf("%s drained: %s", elapsed(), backlog)
	verify(ctx, t, s, js, peer)
	if code := p.Stop(time.Minute); code != 0 {
		t.Errorf("serve exited %d on SIGTERM after the crashes, want 0", code)
	}
	t.Logf("%s done", elapsed())
}

// crash kills serve with SIGKILL and starts it again on the same data
// directory, as a supervisor would, after a second.
func crash(t *testing.T, p *Proc, elapsed func() string) {
	t.Helper()
	p.Kill()
	t.Logf("%s serve killed (SIGKILL)", elapsed())
	time.Sleep(time.Second)
	start := time.Now()
	if err := p.Start(2 * time.Minute); err != nil {
		t.Fatalf("serve did not start again on its data dir after SIGKILL: %v", err)
	}
	t.Logf("%s serve ready again after %.1f s", elapsed(), time.Since(start).Seconds())
}

func envFloat(name string, def float64) float64 {
	if v, err := strconv.ParseFloat(os.Getenv(name), 64); err == nil && v > 0 {
		return v
	}
	return def
}
