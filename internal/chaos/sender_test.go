package chaos

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/radflag/radflag/adapters/hl7v2"
	"github.com/radflag/radflag/adapters/mllp"
)

// TestSenderResendsUntilAA: the engine-like sender resends what was
// answered AE, what got no answer in time, and what a closed connection
// cut off, until each message is answered AA; an AR is final.
func TestSenderResendsUntilAA(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{}
	h := mllp.HandlerFunc(func(ctx context.Context, raw []byte) []byte {
		m, err := hl7v2.Parse(raw, hl7v2.Limits{})
		if err != nil {
			t.Errorf("parse: %v", err)
			return nil
		}
		id := m.Get("MSH-10")
		mu.Lock()
		seen[id]++
		try := seen[id]
		mu.Unlock()
		switch {
		case id == "TM000003":
			return hl7v2.BuildACK(m, hl7v2.AR, hl7v2.AckOptions{ControlID: "A" + id})
		case id == "TM000004" && try == 1:
			return hl7v2.BuildACK(m, hl7v2.AE, hl7v2.AckOptions{ControlID: "A" + id})
		case id == "TM000005" && try == 1:
			return nil // the connection is closed without an answer
		case id == "TM000006" && try == 1:
			time.Sleep(700 * time.Millisecond) // longer than the ACK timeout
		}
		return hl7v2.BuildACK(m, hl7v2.AA, hl7v2.AckOptions{ControlID: "A" + id})
	})
	srv, err := mllp.NewServer(mllp.Config{Addr: "127.0.0.1:0", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, h)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(sctx) }()
	defer func() { stop(); <-done }()

	msgs, err := Corpus("T", 20, 1, ClinicalMix)
	if err != nil {
		t.Fatal(err)
	}
	s := NewSender(SenderConfig{Addrs: []string{srv.Addr().String()}, Conns: 3, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), AckTimeout: 300 * time.Millisecond, RetryAfter: 50 * time.Millisecond}, msgs)
	if err := s.Run(ctx); err != nil {
		t.Fatal(err)
	}
	aa, ar := s.Accepted()
	if len(aa) != 19 || len(ar) != 1 || ar[0] != "TM000003" {
		t.Fatalf("AA %d, AR %v; want 19 and [TM000003]", len(aa), ar)
	}
	st := s.Stats()
	if st.AE != 1 || st.AR != 1 || st.Timeouts != 1 || st.ConnErrors != 1 || st.Attempts != 23 {
		t.Errorf("stats: %s", st)
	}
	mu.Lock()
	defer mu.Unlock()
	if seen["TM000003"] != 1 {
		t.Errorf("the AR message was sent %d times, want 1", seen["TM000003"])
	}
}
