//go:build long

package chaos

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/radflag/radflag/adapters/natsbus"
	"github.com/radflag/radflag/adapters/natsbus/natstest"
	"github.com/radflag/radflag/writeback/fhirpeer"
)

// TestScaleOutRoles: radflag split by --roles into six processes — two
// MLLP listeners, two classify workers, one writeback, one worklist — on a
// three-node NATS cluster (real nats-server processes, streams and buckets
// with 3 replicas). Under load over both listeners, the node leading
// RADFLAG_REPORTS is SIGKILLed (and restarted 30 s later, as its
// supervisor would: a node that rejoins and catches up is where replicated
// state goes wrong), then one classify worker is SIGKILLed for good (the
// other must take over the reports it held once their ack wait runs out).
// No report answered AA may be lost, and no result or FHIR resource doubled.
//
// RADFLAG_CHAOS_SCALE_N (messages, default 3000) and RADFLAG_CHAOS_RATE
// (new messages per second, default 25) scale it.
func TestScaleOutRoles(t *testing.T) {
	n := envInt("RADFLAG_CHAOS_SCALE_N", 3000)
	rate := envFloat("RADFLAG_CHAOS_RATE", 25)
	began := time.Now()
	elapsed := func() string { return fmt.Sprintf("%5.0fs", time.Since(began).Seconds()) }

	peer := fhirpeer.Start(t)
	cluster := natstest.StartCluster(t, 3)
	msgs, err := Corpus("S", n, 12, ClinicalMix)
	if err != nil {
		t.Fatal(err)
	}
	env, model := modelEnv(t)
	t.Logf("%d messages at %.0f/s, %s", n, rate, model)
	split := StartSplit(t, cluster.URL(), peer.URL, env)
	t.Logf("%s six radflag processes ready on the three-node cluster", elapsed())
	nc, js, err := Connect(cluster.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Minute)
	defer cancel()
	s := NewSender(SenderConfig{Addrs: split.MLLPAddrs(), Conns: 4, Rate: rate,
		AckTimeout: 10 * time.Second, RetryAfter: time.Second}, msgs)
	sendDone := make(chan error, 1)
	go func() { sendDone <- s.Run(ctx) }()

	var nodeBack sync.WaitGroup
	events := []struct {
		at   float64
		name string
		do   func()
	}{
		{0.30, "kill NATS node", func() {
			i := streamLeader(ctx, t, cluster, natsbus.StreamReports)
			cluster.Kill(i)
			t.Logf("%s nats-server %s (leader of %s) killed (SIGKILL)", elapsed(), cluster.Nodes[i].Name, natsbus.StreamReports)
			nodeBack.Add(1)
			go func() {
				defer nodeBack.Done()
				time.Sleep(30 * time.Second)
				cluster.Start(i)
				t.Logf("%s nats-server %s started again", elapsed(), cluster.Nodes[i].Name)
			}()
		}},
		{0.55, "kill classify worker", func() {
			split.Classify[0].Kill()
			t.Logf("%s %s killed (SIGKILL), not restarted", elapsed(), split.Classify[0].Name)
		}},
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
	nodeBack.Wait()
	if sendErr != nil {
		t.Fatalf("%s sender: %v (%s)", elapsed(), sendErr, s.Stats())
	}
	if next != len(events) {
		t.Fatalf("only %d of %d chaos events happened before the sender finished", next, len(events))
	}
	st := s.Stats()
	t.Logf("%s sender done in %.0f s: %s", elapsed(), st.LastAA.Sub(st.Start).Seconds(), st)
	cluster.WaitReady(time.Minute)

	backlog, err := WaitDrained(ctx, js, 12*time.Minute, t.Logf)
	if err != nil {
		t.Fatalf("%s pipeline not drained: %v", elapsed(), err)
	}
	t.Logf("%s drained: %s", elapsed(), backlog)
	verify(ctx, t, s, js, peer)
	for _, p := range split.All() {
		if p.Running() {
			if code := p.Stop(time.Minute); code != 0 {
				t.Errorf("%s exited %d on SIGTERM, want 0", p.Name, code)
			}
		}
	}
	t.Logf("%s done", elapsed())
}

// streamLeader is the index of the node leading stream name's group.
func streamLeader(ctx context.Context, t *testing.T, c *natstest.Cluster, name string) int {
	t.Helper()
	nc, js, err := Connect(c.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, name)
	if err != nil {
		t.Fatalf("stream %s: %v", name, err)
	}
	info, err := s.Info(ctx)
	if err != nil || info.Cluster == nil {
		t.Fatalf("stream %s cluster info: %v", name, err)
	}
	for i, n := range c.Nodes {
		if n.Name == info.Cluster.Leader {
			return i
		}
	}
	t.Fatalf("stream %s: leader %q is none of the nodes", name, info.Cluster.Leader)
	return 0
}
