package natsbus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/radflag/radflag/pipeline"
)

func openEmbedded(t *testing.T, cfg Config) *Bus {
	t.Helper()
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	b, err := Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func report(msgID string) *pipeline.Report {
	return &pipeline.Report{
		ID: "hl7:RIS:ACC1", Source: pipeline.SourceHL7, MessageID: msgID,
		Status: pipeline.StatusFinal, Text: "IMPRESSION: normal.", ReceivedAt: time.Unix(1700000000, 0).UTC(),
		Raw: []byte("MSH|^~\\&|RIS|CITYHOSP|\r"),
	}
}

// TestParsePubAck: the forms the server writes by hand are read without
// encoding/json, and give what encoding/json (jetstream's way) gives.
func TestParsePubAck(t *testing.T) {
	for _, tc := range []struct {
		in   string
		fast bool
		want PubAck
		err  string
	}{
		{`{"stream":"RADFLAG_REPORTS","seq":1}`, true, PubAck{Stream: StreamReports, Sequence: 1}, ""},
		{`{"stream":"RADFLAG_RESULTS","seq":18446744073709551615}`, true, PubAck{Stream: StreamResults, Sequence: 1<<64 - 1}, ""},
		{`{"stream":"OTHER","seq":42,"duplicate": true}`, true, PubAck{Stream: "OTHER", Sequence: 42, Duplicate: true}, ""},
		{`{"stream":"OTHER","seq":42,"duplicate":true}`, true, PubAck{Stream: "OTHER", Sequence: 42, Duplicate: true}, ""},
		{`{"stream":"RADFLAG_REPORTS","domain":"hub","seq":7}`, false, PubAck{Stream: StreamReports, Sequence: 7}, ""},
		{`{"stream":"RADFLAG_REPORTS","seq":7,"batch":"b","count":2}`, false, PubAck{Stream: StreamReports, Sequence: 7}, ""},
		{`{"stream":"A\"B","seq":7}`, false, PubAck{Stream: `A"B`, Sequence: 7}, ""},
		{`{"stream": "RADFLAG_REPORTS", "seq": 9}`, false, PubAck{Stream: StreamReports, Sequence: 9}, ""},
		{`{"stream":"RADFLAG_REPORTS","seq":}`, false, PubAck{}, "invalid jetstream publish response"},
		{`{"stream":"RADFLAG_REPORTS","seq":99999999999999999999}`, false, PubAck{}, "invalid jetstream publish response"},
		{`{"error":{"code":503,"err_code":10077,"description":"maximum messages exceeded"}}`, false, PubAck{}, "maximum messages exceeded"},
		{`{"seq":3}`, false, PubAck{}, "invalid jetstream publish response"},
		{`not json`, false, PubAck{}, "invalid jetstream publish response"},
		{``, false, PubAck{}, "invalid jetstream publish response"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			if _, fast := parsePubAckFast([]byte(tc.in)); fast != tc.fast {
				t.Errorf("fast path %v, want %v", fast, tc.fast)
			}
			got, err := parsePubAck([]byte(tc.in))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
			}
			// jetstream's own reading agrees.
			var js jetstream.PubAck
			if err := json.Unmarshal([]byte(tc.in), &js); err != nil || js.Stream != got.Stream || js.Sequence != got.Sequence || js.Duplicate != got.Duplicate {
				t.Errorf("jetstream reads %+v (%v)", js, err)
			}
		})
	}
	var apiErr *jetstream.APIError
	if _, err := parsePubAck([]byte(`{"error":{"code":400,"err_code":10054,"description":"x"}}`)); !errors.As(err, &apiErr) || apiErr.ErrorCode != 10054 {
		t.Errorf("API error not kept: %v", err)
	}
}

// TestPublishLateReply: a slot whose publish gave up before its PubAck is
// not used again, so a late PubAck is never taken for the next publish's;
// and a stray reply left in a free slot is not taken either.
func TestPublishLateReply(t *testing.T) {
	b := openEmbedded(t, Config{})
	ctx := context.Background()
	if _, err := b.StoreReport(ctx, report("hl7:RIS:FIRST")); err != nil {
		t.Fatal(err)
	}
	s, err := b.getSlot()
	if err != nil {
		t.Fatal(err)
	}
	b.putSlot(s, false)
	if s.sub.IsValid() {
		t.Error("a slot given up on is still subscribed")
	}
	if len(b.slots.free) != 0 {
		t.Errorf("%d free slots, want the one given up on dropped", len(b.slots.free))
	}

	s, err = b.getSlot()
	if err != nil {
		t.Fatal(err)
	}
	s.ch <- &nats.Msg{Subject: s.subject, Data: []byte(`{"stream":"RADFLAG_REPORTS","seq":999,"duplicate": true}`)}
	b.putSlot(s, true)
	out, err := b.StoreReport(ctx, report("hl7:RIS:SECOND"))
	if err != nil {
		t.Fatal(err)
	}
	if out.Duplicate || out.Sequence != 2 {
		t.Errorf("second publish got %+v, want sequence 2 and not a duplicate", out)
	}
}

// TestPublishConcurrent: many publishers at once each get their own
// PubAck: distinct sequences, one message stored per id, resends marked
// duplicate.
func TestPublishConcurrent(t *testing.T) {
	b := openEmbedded(t, Config{})
	ctx := context.Background()
	const workers, each = 16, 50
	var mu sync.Mutex
	seqs := map[uint64]string{}
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				id := fmt.Sprintf("hl7:RIS:W%d-%d", w, i)
				out, err := b.StoreReport(ctx, report(id))
				if err != nil || out.Duplicate {
					errs <- fmt.Errorf("%s: %+v, %v", id, out, err)
					return
				}
				again, err := b.StoreReport(ctx, report(id))
				if err != nil || !again.Duplicate || again.Sequence != out.Sequence {
					errs <- fmt.Errorf("resend of %s: %+v, %v; first was %+v", id, again, err, out)
					return
				}
				mu.Lock()
				if prev, ok := seqs[out.Sequence]; ok {
					errs <- fmt.Errorf("sequence %d given to %s and %s", out.Sequence, prev, id)
				}
				seqs[out.Sequence] = id
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	counts, err := b.StreamMessages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := counts[StreamReports]; n != workers*each || len(seqs) != workers*each {
		t.Errorf("stream holds %d, %d sequences; want %d", n, len(seqs), workers*each)
	}
	if n := len(b.slots.free); n > workers {
		t.Errorf("%d reply slots for %d publishers at once", n, workers)
	}
}

// TestPublishNoStream: a subject no stream listens on is refused after
// jetstream's retries, as ErrUnavailable (the sender retries), within the
// publish timeout.
func TestPublishNoStream(t *testing.T) {
	b := openEmbedded(t, Config{PublishTimeout: 3 * time.Second})
	start := time.Now()
	_, err := b.Publish(context.Background(), "radflag.nowhere", "x1", []byte("{}"), nil)
	if !errors.Is(err, jetstream.ErrNoStreamResponse) || !errors.Is(err, pipeline.ErrUnavailable) {
		t.Fatalf("err = %v, want no stream response and ErrUnavailable", err)
	}
	if d := time.Since(start); d < 2*pubRetryWait || d > 3*time.Second {
		t.Errorf("took %s, want the %d retries of %s", d, pubRetryAttempts, pubRetryWait)
	}
}

// TestPublishTimeoutAndClose: a publish whose PubAck cannot come fails at
// the publish timeout, and at once when the bus closes under it.
func TestPublishTimeoutAndClose(t *testing.T) {
	b := openEmbedded(t, Config{PublishTimeout: 300 * time.Millisecond})
	// A plain subscriber on a stream-less subject that never answers.
	sub, err := b.Conn().SubscribeSync("radflag.silent")
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	start := time.Now()
	_, err = b.Publish(context.Background(), "radflag.silent", "x2", []byte("{}"), nil)
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, pipeline.ErrUnavailable) {
		t.Fatalf("err = %v, want deadline exceeded and ErrUnavailable", err)
	}
	if d := time.Since(start); d < 250*time.Millisecond || d > 2*time.Second {
		t.Errorf("timed out after %s, want about 300ms", d)
	}
	// The slot it waited on is given up; storing goes on with another.
	if len(b.slots.free) != 0 || b.slots.n != 1 {
		t.Errorf("%d free slots of %d after the timeout, want none of 1", len(b.slots.free), b.slots.n)
	}
	if _, err := b.StoreReport(context.Background(), report("hl7:RIS:AFTER")); err != nil {
		t.Fatalf("store after a timeout: %v", err)
	}

	// With a long timeout, closing the connection ends the wait.
	b2 := openEmbedded(t, Config{PublishTimeout: time.Minute})
	sub2, err := b2.Conn().SubscribeSync("radflag.silent")
	if err != nil {
		t.Fatal(err)
	}
	defer sub2.Unsubscribe()
	done := make(chan error, 1)
	go func() {
		_, err := b2.Publish(context.Background(), "radflag.silent", "x3", []byte("{}"), nil)
		done <- err
	}()
	time.Sleep(100 * time.Millisecond)
	b2.nc.Close()
	select {
	case err := <-done:
		if !errors.Is(err, pipeline.ErrUnavailable) || !errors.Is(err, nats.ErrConnectionClosed) {
			t.Errorf("err = %v, want ErrUnavailable and connection closed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("publish still waiting 5s after the connection closed")
	}
}
