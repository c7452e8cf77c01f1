package chaos

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/radflag/radflag/adapters/natsbus"
	"github.com/radflag/radflag/pipeline"
)

// Consumers whose backlog must be empty before the pipeline is drained:
// the classify workers' and writeback's (the names the stages use).
var drainConsumers = []struct{ Stream, Durable string }{
	{natsbus.StreamReports, "radflag-classify"},
	{natsbus.StreamResults, "radflag-writeback"},
}

// Connect opens a plain JetStream connection to url (the embedded server's
// listen address, or a cluster's URLs). It does not touch the streams'
// configuration, unlike natsbus.Open.
func Connect(url string) (*nats.Conn, jetstream.JetStream, error) {
	nc, err := nats.Connect(url, nats.Name("radflag-chaos-check"), nats.Timeout(3*time.Second),
		nats.MaxReconnects(-1), nats.ReconnectWait(200*time.Millisecond))
	if err != nil {
		return nil, nil, fmt.Errorf("connect to %s: %w", url, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, fmt.Errorf("jetstream: %w", err)
	}
	return nc, js, nil
}

// Backlog is what the stages still have to do.
type Backlog struct {
	// Pending and AckPending per consumer durable.
	Pending, AckPending map[string]uint64
	// LastAck is when each consumer's ack floor last moved.
	LastAck map[string]time.Time
}

// Empty reports whether every stage has handled everything.
func (b Backlog) Empty() bool {
	for _, c := range drainConsumers {
		p, ok := b.Pending[c.Durable]
		if !ok || p != 0 || b.AckPending[c.Durable] != 0 {
			return false
		}
	}
	return true
}

func (b Backlog) String() string {
	s := ""
	for _, c := range drainConsumers {
		s += fmt.Sprintf("%s: %d pending, %d unacknowledged; ", c.Durable, b.Pending[c.Durable], b.AckPending[c.Durable])
	}
	return s
}

// ReadBacklog asks JetStream for the stage consumers' state.
func ReadBacklog(ctx context.Context, js jetstream.JetStream) (Backlog, error) {
	b := Backlog{Pending: map[string]uint64{}, AckPending: map[string]uint64{}, LastAck: map[string]time.Time{}}
	for _, c := range drainConsumers {
		cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		cons, err := js.Consumer(cctx, c.Stream, c.Durable)
		var info *jetstream.ConsumerInfo
		if err == nil {
			info, err = cons.Info(cctx)
		}
		cancel()
		if err != nil {
			return b, fmt.Errorf("consumer %s: %w", c.Durable, err)
		}
		b.Pending[c.Durable] = info.NumPending
		b.AckPending[c.Durable] = uint64(info.NumAckPending)
		if info.AckFloor.Last != nil {
			b.LastAck[c.Durable] = *info.AckFloor.Last
		}
	}
	return b, nil
}

// WaitDrained polls until the stage consumers have no backlog for two
// polls in a row, or timeout. It returns the last backlog seen, and logs it
// through logf (when set) once a minute.
func WaitDrained(ctx context.Context, js jetstream.JetStream, timeout time.Duration, logf func(format string, args ...any)) (Backlog, error) {
	start := time.Now()
	deadline := start.Add(timeout)
	nextLog := start.Add(time.Minute)
	empty := 0
	var last Backlog
	var lastErr error
	for time.Now().Before(deadline) {
		b, err := ReadBacklog(ctx, js)
		lastErr = err
		if err == nil {
			last = b
			if logf != nil && time.Now().After(nextLog) {
				logf("draining for %.0f s: %s", time.Since(start).Seconds(), b)
				nextLog = nextLog.Add(time.Minute)
			}
			if b.Empty() {
				empty++
				if empty >= 2 {
					return b, nil
				}
			} else {
				empty = 0
			}
		}
		sleep(ctx, time.Second)
		if ctx.Err() != nil {
			return last, ctx.Err()
		}
	}
	if lastErr != nil {
		return last, fmt.Errorf("not drained after %s: %w", timeout, lastErr)
	}
	return last, fmt.Errorf("not drained after %s: %s", timeout, last)
}

// Stored is what the streams hold once the pipeline is drained.
type Stored struct {
	// Reports counts each Nats-Msg-Id in RADFLAG_REPORTS; Report holds the
	// first report stored under it.
	Reports map[string]int
	Report  map[string]*pipeline.Report
	// Results per report id and task, in stream order.
	Results    map[string]map[string][]*pipeline.Result
	NumResults int
	// DeadLetters counts RADFLAG_DLQ's messages by stage.
	DeadLetters map[string]int
}

// ReadStored reads RADFLAG_REPORTS, RADFLAG_RESULTS and RADFLAG_DLQ whole.
func ReadStored(ctx context.Context, js jetstream.JetStream) (*Stored, error) {
	st := &Stored{Reports: map[string]int{}, Report: map[string]*pipeline.Report{},
		Results: map[string]map[string][]*pipeline.Result{}, DeadLetters: map[string]int{}}
	err := readStream(ctx, js, natsbus.StreamReports, func(m jetstream.Msg) error {
		id := m.Headers().Get(jetstream.MsgIDHeader)
		st.Reports[id]++
		if st.Reports[id] > 1 {
			return nil
		}
		r, err := pipeline.UnmarshalReport(m.Data())
		if err != nil {
			return fmt.Errorf("report %s: %w", id, err)
		}
		st.Report[id] = r
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = readStream(ctx, js, natsbus.StreamResults, func(m jetstream.Msg) error {
		r, err := pipeline.UnmarshalResult(m.Data())
		if err != nil {
			return fmt.Errorf("result %s: %w", m.Headers().Get(jetstream.MsgIDHeader), err)
		}
		if st.Results[r.ReportID] == nil {
			st.Results[r.ReportID] = map[string][]*pipeline.Result{}
		}
		st.Results[r.ReportID][r.Task] = append(st.Results[r.ReportID][r.Task], r)
		st.NumResults++
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = readStream(ctx, js, natsbus.StreamDLQ, func(m jetstream.Msg) error {
		st.DeadLetters[m.Headers().Get("Radflag-Stage")]++
		return nil
	})
	return st, err
}

// readStream hands every message of a stream to fn, through an ordered
// consumer, up to the last sequence the stream had when it started.
func readStream(ctx context.Context, js jetstream.JetStream, name string, fn func(jetstream.Msg) error) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	s, err := js.Stream(ctx, name)
	if err != nil {
		return fmt.Errorf("stream %s: %w", name, err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		return fmt.Errorf("stream %s info: %w", name, err)
	}
	if info.State.Msgs == 0 {
		return nil
	}
	oc, err := s.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		return fmt.Errorf("read stream %s: %w", name, err)
	}
	for ctx.Err() == nil {
		batch, err := oc.Fetch(500, jetstream.FetchMaxWait(3*time.Second))
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				break
			}
			// An ordered consumer recreates itself; try again.
			sleep(ctx, 200*time.Millisecond)
			continue
		}
		for m := range batch.Messages() {
			md, err := m.Metadata()
			if err != nil {
				return fmt.Errorf("read stream %s: %w", name, err)
			}
			if err := fn(m); err != nil {
				return err
			}
			if md.Sequence.Stream >= info.State.LastSeq {
				return nil
			}
		}
	}
	return fmt.Errorf("read stream %s: not read to sequence %d in time: %w", name, info.State.LastSeq, ctx.Err())
}
