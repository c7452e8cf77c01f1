package chaos

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/radflag/radflag/adapters/hl7v2"
	"github.com/radflag/radflag/adapters/mllp"
)

// Message is one HL7 v2 message to deliver; ControlID is its MSH-10, which
// the ACK's MSA-2 must echo.
type Message struct {
	ControlID string
	Data      []byte
}

// SenderConfig configures a Sender.
type SenderConfig struct {
	// Addrs are the MLLP listeners; connection k goes to Addrs[k%len].
	Addrs []string
	// Conns is the number of connections (each has one message in flight).
	Conns int
	// Rate is how many new messages per second are sent at most, over all
	// connections; 0 sends as fast as ACKs come back. Resends are not paced.
	Rate float64
	// AckTimeout bounds the wait for each ACK (then the connection is
	// closed, as it is out of step, and the message resent later).
	AckTimeout time.Duration
	// RetryAfter is how long a message not acknowledged with AA waits
	// before it is sent again.
	RetryAfter time.Duration
	Logger     *slog.Logger
}

// SenderStats counts what the sender saw.
type SenderStats struct {
	Messages   int
	Attempts   int64 // sends, first ones and resends
	AA, AE, AR int64
	Timeouts   int64 // no ACK within AckTimeout
	ConnErrors int64 // refused, reset, closed mid-message
	Mismatched int64 // an ACK for another control id
	Start      time.Time
	LastAA     time.Time
}

// AARate is the share of sends answered AA.
func (s SenderStats) AARate() float64 {
	if s.Attempts == 0 {
		return 0
	}
	return float64(s.AA) / float64(s.Attempts)
}

func (s SenderStats) String() string {
	return fmt.Sprintf("%d messages, %d sends: %d AA (%.2f%%), %d AE, %d AR, %d ACK timeouts, %d connection errors, %d mismatched ACKs",
		s.Messages, s.Attempts, s.AA, 100*s.AARate(), s.AE, s.AR, s.Timeouts, s.ConnErrors, s.Mismatched)
}

// Sender delivers messages over MLLP the way an interface engine does:
// several connections, one message in flight on each, a bounded wait for
// the ACK, and every message that was not answered AA (AE, no answer, a
// connection refused or reset) queued again and resent later until it is.
// A message answered AR is not resent (the receiver says it can never take
// it) and is recorded.
type Sender struct {
	cfg  SenderConfig
	msgs []Message

	mu       sync.Mutex
	start    time.Time
	next     int   // next message never sent
	retry    []int // messages to send again, in order
	due      []time.Time
	state    []uint8 // 0 pending, 1 AA, 2 AR
	finished int     // AA or AR
	firstAA  []time.Time
	lastAA   time.Time

	sent                                          atomic.Int64 // distinct messages sent at least once
	attempts, aa, ae, ar, timeouts, connErr, mism atomic.Int64
}

// NewSender prepares a sender for msgs.
func NewSender(cfg SenderConfig, msgs []Message) *Sender {
	if cfg.Conns <= 0 {
		cfg.Conns = 4
	}
	if cfg.AckTimeout <= 0 {
		cfg.AckTimeout = 10 * time.Second
	}
	if cfg.RetryAfter <= 0 {
		cfg.RetryAfter = time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Sender{cfg: cfg, msgs: msgs, state: make([]uint8, len(msgs)), firstAA: make([]time.Time, len(msgs))}
}

// Run sends until every message is answered AA (or AR), or ctx ends.
func (s *Sender) Run(ctx context.Context) error {
	s.mu.Lock()
	s.start = time.Now()
	s.mu.Unlock()
	var wg sync.WaitGroup
	for k := 0; k < s.cfg.Conns; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.connLoop(ctx, s.cfg.Addrs[k%len(s.cfg.Addrs)])
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		return fmt.Errorf("sender stopped with %d of %d messages answered: %w", s.Finished(), len(s.msgs), ctx.Err())
	}
	return nil
}

// connLoop is one connection's loop: connect, take a message, send, settle.
func (s *Sender) connLoop(ctx context.Context, addr string) {
	var c *mllp.Client
	defer func() {
		if c != nil {
			c.Close()
		}
	}()
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		if c == nil {
			var err error
			c, err = mllp.Dial(ctx, mllp.ClientConfig{Addr: addr, DialTimeout: 2 * time.Second, AckTimeout: s.cfg.AckTimeout})
			if err != nil {
				c = nil
				if s.done() {
					return
				}
				sleep(ctx, backoff)
				backoff = min(2*backoff, time.Second)
				continue
			}
			backoff = 100 * time.Millisecond
		}
		i, ok := s.take(ctx)
		if !ok {
			return
		}
		s.attempts.Add(1)
		reply, err := c.Send(ctx, s.msgs[i].Data)
		code, forID := readAck(reply)
		switch {
		case err != nil:
			if errors.Is(err, mllp.ErrAckTimeout) {
				s.timeouts.Add(1)
			} else {
				s.connErr.Add(1)
			}
			// The connection is broken or out of step: start a new one.
			c.Close()
			c = nil
			s.requeue(i)
		case forID != s.msgs[i].ControlID:
			s.mism.Add(1)
			c.Close()
			c = nil
			s.requeue(i)
		case code == hl7v2.AA:
			s.aa.Add(1)
			s.settle(i, 1)
		case code == hl7v2.AR:
			s.ar.Add(1)
			s.cfg.Logger.Warn("message rejected (AR)", "control_id", s.msgs[i].ControlID)
			s.settle(i, 2)
		default: // AE, or an ACK without a code: try again later
			s.ae.Add(1)
			s.requeue(i)
		}
	}
}

// readAck returns MSA-1 and MSA-2 (the control id it answers).
func readAck(reply []byte) (hl7v2.AckCode, string) {
	if len(reply) == 0 {
		return "", ""
	}
	m, err := hl7v2.Parse(reply, hl7v2.Limits{})
	if err != nil {
		return "", ""
	}
	return hl7v2.AckCode(m.Get("MSA-1")), m.Get("MSA-2")
}

// take returns the next message to send: a resend that is due, else the
// next new message once the rate allows it. ok is false when every message
// is settled or ctx ended.
func (s *Sender) take(ctx context.Context) (int, bool) {
	for ctx.Err() == nil {
		s.mu.Lock()
		now := time.Now()
		if s.finished == len(s.msgs) {
			s.mu.Unlock()
			return 0, false
		}
		if len(s.retry) > 0 && !now.Before(s.due[0]) {
			i := s.retry[0]
			s.retry, s.due = s.retry[1:], s.due[1:]
			s.mu.Unlock()
			return i, true
		}
		wait := 50 * time.Millisecond
		if s.next < len(s.msgs) {
			at := s.start
			if s.cfg.Rate > 0 {
				at = s.start.Add(time.Duration(float64(s.next) / s.cfg.Rate * float64(time.Second)))
			}
			if !now.Before(at) {
				i := s.next
				s.next++
				s.mu.Unlock()
				s.sent.Add(1)
				return i, true
			}
			wait = min(wait, at.Sub(now))
		}
		if len(s.retry) > 0 {
			wait = min(wait, s.due[0].Sub(now))
		}
		s.mu.Unlock()
		sleep(ctx, wait)
	}
	return 0, false
}

func (s *Sender) requeue(i int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.retry = append(s.retry, i)
	s.due = append(s.due, time.Now().Add(s.cfg.RetryAfter))
}

func (s *Sender) settle(i int, st uint8) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state[i] != 0 {
		return
	}
	s.state[i] = st
	s.finished++
	if st == 1 {
		now := time.Now()
		s.firstAA[i], s.lastAA = now, now
	}
}

func (s *Sender) done() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.finished == len(s.msgs)
}

// Sent is how many distinct messages were sent at least once.
func (s *Sender) Sent() int { return int(s.sent.Load()) }

// Finished is how many messages were answered AA or AR.
func (s *Sender) Finished() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.finished
}

// Accepted returns the control ids answered AA, and those answered AR.
func (s *Sender) Accepted() (aa, ar []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, st := range s.state {
		switch st {
		case 1:
			aa = append(aa, s.msgs[i].ControlID)
		case 2:
			ar = append(ar, s.msgs[i].ControlID)
		}
	}
	return aa, ar
}

// AcceptedAt is when message i was first answered AA (zero if not yet).
func (s *Sender) AcceptedAt(i int) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.firstAA[i]
}

// Stats returns the counts so far.
func (s *Sender) Stats() SenderStats {
	s.mu.Lock()
	st := SenderStats{Messages: len(s.msgs), Start: s.start, LastAA: s.lastAA}
	s.mu.Unlock()
	st.Attempts, st.AA, st.AE, st.AR = s.attempts.Load(), s.aa.Load(), s.ae.Load(), s.ar.Load()
	st.Timeouts, st.ConnErrors, st.Mismatched = s.timeouts.Load(), s.connErr.Load(), s.mism.Load()
	return st
}

func sleep(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
