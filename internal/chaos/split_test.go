//go:build long || bench

package chaos

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// Split is radflag divided by --roles into separate processes on one
// external NATS cluster.
type Split struct {
	MLLP      []*Proc
	Classify  []*Proc
	Writeback *Proc
	Worklist  *Proc
}

// StartSplit starts two MLLP listeners, two classify workers, one
// writeback and one worklist process on natsURL with 3 replicas, all at
// once (as an orchestrator would), and waits until each is ready. env
// adds to every process's environment.
func StartSplit(t *testing.T, natsURL, fhirURL string, env []string) *Split {
	t.Helper()
	env = append(env, "RADFLAG_NATS_REPLICAS=3")
	proc := func(name, roles string) *Proc {
		return NewProc(t, ProcConfig{Name: name, Bin: radflagBin, Env: env,
			Args: []string{"--roles", roles, "--nats-url", natsURL, "--fhir-url", fhirURL}})
	}
	s := &Split{
		MLLP:      []*Proc{proc("mllp-1", "mllp"), proc("mllp-2", "mllp")},
		Classify:  []*Proc{proc("classify-1", "classify"), proc("classify-2", "classify")},
		Writeback: proc("writeback", "writeback"),
		Worklist:  proc("worklist", "worklist"),
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(s.All()))
	for _, p := range s.All() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := p.Start(2 * time.Minute); err != nil {
				errs <- fmt.Errorf("%s: %w", p.Name, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		t.FailNow()
	}
	return s
}

// All lists every process.
func (s *Split) All() []*Proc {
	return append(append(append([]*Proc(nil), s.MLLP...), s.Classify...), s.Writeback, s.Worklist)
}

// MLLPAddrs are the MLLP listeners' addresses.
func (s *Split) MLLPAddrs() []string {
	var out []string
	for _, p := range s.MLLP {
		out = append(out, p.MLLPAddr)
	}
	return out
}
