package natsbus

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/radflag/radflag/pipeline"
)

// PubAck is what JetStream confirmed for a publish.
type PubAck struct {
	Stream    string
	Sequence  uint64
	Duplicate bool
}

// Publish stores data on subject with Nats-Msg-Id set to msgID and returns
// only after JetStream's PubAck, bounded by the publish timeout. A failure to
// get the PubAck wraps pipeline.ErrUnavailable: the message may or may not be
// stored, and resending it under the same id is safe.
func (b *Bus) Publish(ctx context.Context, subject, msgID string, data []byte, hdr nats.Header) (PubAck, error) {
	h := make(nats.Header, len(hdr)+1)
	for k, vs := range hdr {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	h[jetstream.MsgIDHeader] = []string{msgID}
	return b.publish(ctx, subject, msgID, data, h)
}

// publish is Publish with the headers ready, Nats-Msg-Id included, and
// their keys in canonical form.
func (b *Bus) publish(ctx context.Context, subject, msgID string, data []byte, hdr nats.Header) (PubAck, error) {
	if msgID == "" {
		return PubAck{}, fmt.Errorf("publish to %s: empty message id", subject)
	}
	// A caller that already bounds the wait more tightly (Ingest's store
	// timeout) needs no second timer.
	if dl, ok := ctx.Deadline(); !ok || time.Until(dl) > b.cfg.PublishTimeout {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, b.cfg.PublishTimeout)
		defer cancel()
	}
	ack, err := b.request(ctx, &nats.Msg{Subject: subject, Data: data, Header: hdr})
	if err != nil {
		if isPermanent(err) {
			return PubAck{}, fmt.Errorf("publish %s to %s: %w", msgID, subject, err)
		}
		return PubAck{}, fmt.Errorf("publish %s to %s: %w: %w", msgID, subject, pipeline.ErrUnavailable, err)
	}
	return ack, nil
}

// isPermanent tells errors that a retry cannot fix (a message too large for
// the stream) from the transient ones.
func isPermanent(err error) bool {
	return errors.Is(err, nats.ErrMaxPayload)
}

// encodeBufs holds buffers for encoding reports: the connection copies the
// payload before Publish returns, so a buffer is free again at once.
var encodeBufs = sync.Pool{New: func() any { b := make([]byte, 0, 8<<10); return &b }}

// maxPooledBuf keeps the rare huge report's buffer out of the pool.
const maxPooledBuf = 256 << 10

// StoreReport publishes a report to radflag.reports.<source>; it implements
// pipeline.ReportStore.
func (b *Bus) StoreReport(ctx context.Context, r *pipeline.Report) (pipeline.StoreOutcome, error) {
	bp := encodeBufs.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= maxPooledBuf {
			encodeBufs.Put(bp)
		}
	}()
	data, err := pipeline.AppendReport((*bp)[:0], r)
	if err != nil {
		return pipeline.StoreOutcome{}, err
	}
	*bp = data[:0]
	hdr := nats.Header{"Radflag-Report-Id": {r.ID}, jetstream.MsgIDHeader: {r.MessageID}}
	ack, err := b.publish(ctx, reportSubject(r.Source), r.MessageID, data, hdr)
	if err != nil {
		return pipeline.StoreOutcome{}, fmt.Errorf("store report %s: %w", r.ID, err)
	}
	return pipeline.StoreOutcome{Duplicate: ack.Duplicate, Sequence: ack.Sequence}, nil
}

var (
	subjectReportsHL7  = SubjectReports + "." + string(pipeline.SourceHL7)
	subjectReportsFHIR = SubjectReports + "." + string(pipeline.SourceFHIR)
)

// reportSubject is radflag.reports.<source>, without building the string
// for the usual sources.
func reportSubject(src pipeline.Source) string {
	switch src {
	case pipeline.SourceHL7:
		return subjectReportsHL7
	case pipeline.SourceFHIR:
		return subjectReportsFHIR
	}
	return SubjectReports + "." + token(string(src))
}

// PublishResult publishes a result to radflag.results.<task>.
func (b *Bus) PublishResult(ctx context.Context, r *pipeline.Result) (PubAck, error) {
	data, err := pipeline.MarshalResult(r)
	if err != nil {
		return PubAck{}, err
	}
	hdr := nats.Header{}
	hdr.Set("Radflag-Report-Id", r.ReportID)
	ack, err := b.Publish(ctx, SubjectResults+"."+token(r.Task), r.MsgID(), data, hdr)
	if err != nil {
		return PubAck{}, fmt.Errorf("store result %s/%s: %w", r.ReportID, r.Task, err)
	}
	return ack, nil
}

// DeadLetter records what a stage gave up on, with the reason, on
// radflag.dlq.<stage>.
func (b *Bus) DeadLetter(ctx context.Context, stage, msgID string, data []byte, reason string) error {
	hdr := nats.Header{}
	hdr.Set("Radflag-Reason", reason)
	hdr.Set("Radflag-Stage", stage)
	if _, err := b.Publish(ctx, SubjectDLQ+"."+token(stage), "dlq:"+stage+":"+msgID, data, hdr); err != nil {
		return fmt.Errorf("dead-letter %s from %s: %w", msgID, stage, err)
	}
	return nil
}

// token makes s safe as one subject token: NATS subjects split on '.', and
// '*', '>' and whitespace are not allowed in a token.
func token(s string) string {
	if s == "" {
		return "_"
	}
	return strings.Map(func(r rune) rune {
		switch r {
		case '.', '*', '>', ' ', '\t', '\r', '\n':
			return '_'
		}
		return r
	}, s)
}

func splitHostPort(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("bad port %q", p)
	}
	return host, port, nil
}

// PublishFeedback publishes a navigator's decision to radflag.feedback.<task>.
func (b *Bus) PublishFeedback(ctx context.Context, f *pipeline.Feedback) (PubAck, error) {
	c := *f
	c.Schema = pipeline.SchemaVersion
	data, err := json.Marshal(&c)
	if err != nil {
		return PubAck{}, fmt.Errorf("encode feedback %s: %w", f.CaseID, err)
	}
	ack, err := b.Publish(ctx, SubjectFeedback+"."+token(f.Task), f.MsgID(), data, nil)
	if err != nil {
		return PubAck{}, fmt.Errorf("store feedback %s: %w", f.CaseID, err)
	}
	return ack, nil
}

// The publish path below replaces jetstream's PublishMsg for speed (every
// report received waits on it before its AA), keeping what PublishMsg
// promises: a reply only from JetStream, the same retries when no stream
// answers (a leader election), the PubAck's stream, sequence and duplicate
// flag, and JetStream's own errors.
//
// Each publish borrows a reply slot: a reply subject of its own, subscribed
// once, whose replies the connection's reader hands straight to the
// waiting caller. nats.go's shared request inbox instead passes every
// reply through one more goroutine and a map, and gives every request a
// new reply subject, which misses the server's subject caches (two lookups
// in its subject tree and two cache inserts per message).

// pubRetryWait and pubRetryAttempts are jetstream's defaults for a
// publish that found no stream to answer it.
const (
	pubRetryWait     = jetstream.DefaultPubRetryWait
	pubRetryAttempts = jetstream.DefaultPubRetryAttempts
)

// replySlot is one reply subject, <inbox>.<n>. A slot is reused only after
// its reply came: one whose publish timed out or was cancelled may still
// get that reply late, so it is unsubscribed instead, and a later publish
// never mistakes an old PubAck for its own.
type replySlot struct {
	subject string
	ch      chan *nats.Msg
	sub     *nats.Subscription
}

// replySlots are the free slots; there are as many as publishes have been
// in flight at once.
type replySlots struct {
	mu    sync.Mutex
	inbox string
	n     int
	free  []*replySlot
}

// slotBuffer is a slot's channel capacity. One reply is awaited at a time;
// the room is for a stray one, which the connection's reader drops when
// the channel is full (nats.go counts a slow consumer) rather than block.
const slotBuffer = 4

func (b *Bus) getSlot() (*replySlot, error) {
	rs := &b.slots
	rs.mu.Lock()
	if n := len(rs.free); n > 0 {
		s := rs.free[n-1]
		rs.free = rs.free[:n-1]
		rs.mu.Unlock()
		return s, nil
	}
	if rs.inbox == "" {
		rs.inbox = b.nc.NewInbox()
	}
	rs.n++
	s := &replySlot{subject: rs.inbox + "." + strconv.Itoa(rs.n), ch: make(chan *nats.Msg, slotBuffer)}
	rs.mu.Unlock()
	// The server reads this SUB before the PUB that follows it on the
	// same connection, so the first reply already finds it.
	sub, err := b.nc.ChanSubscribe(s.subject, s.ch)
	if err != nil {
		return nil, err
	}
	s.sub = sub
	return s, nil
}

// putSlot makes s free again; answered is false when its publish gave up
// before the reply, and then s is dropped.
func (b *Bus) putSlot(s *replySlot, answered bool) {
	if !answered {
		_ = s.sub.Unsubscribe()
		return
	}
	b.slots.mu.Lock()
	b.slots.free = append(b.slots.free, s)
	b.slots.mu.Unlock()
}

// request publishes m and waits for JetStream's reply, bounded by ctx.
func (b *Bus) request(ctx context.Context, m *nats.Msg) (PubAck, error) {
	s, err := b.getSlot()
	if err != nil {
		return PubAck{}, err
	}
	answered := false
	defer func() { b.putSlot(s, answered) }()
	for attempt := 0; ; attempt++ {
		var resp *nats.Msg
		resp, answered, err = b.requestOnce(ctx, s, m)
		if errors.Is(err, nats.ErrNoResponders) && attempt < pubRetryAttempts {
			select {
			case <-ctx.Done():
				return PubAck{}, ctx.Err()
			case <-time.After(pubRetryWait):
			}
			continue
		}
		if errors.Is(err, nats.ErrNoResponders) {
			return PubAck{}, jetstream.ErrNoStreamResponse
		}
		if err != nil {
			return PubAck{}, err
		}
		return parsePubAck(resp.Data)
	}
}

// requestOnce publishes m with s as the reply subject and waits for the
// reply; answered tells whether it came (or the publish never left).
func (b *Bus) requestOnce(ctx context.Context, s *replySlot, m *nats.Msg) (resp *nats.Msg, answered bool, err error) {
	if err := ctx.Err(); err != nil {
		return nil, true, err
	}
	// A reply JetStream never sends twice; should one be there anyway,
	// it is not this publish's.
	for len(s.ch) > 0 {
		<-s.ch
	}
	m.Reply = s.subject
	if err := b.nc.PublishMsg(m); err != nil {
		return nil, true, err
	}
	select {
	case resp := <-s.ch:
		if len(resp.Data) == 0 && resp.Header.Get("Status") == "503" {
			return nil, true, nats.ErrNoResponders
		}
		return resp, true, nil
	case <-b.closed:
		return nil, false, nats.ErrConnectionClosed
	case <-ctx.Done():
		return nil, false, ctx.Err()
	}
}

// pubAckPrefix is how the server writes every PubAck it builds itself (the
// usual case): {"stream":"NAME","seq":N} with ,"duplicate": true before the
// brace for a resend it already holds.
const pubAckPrefix = `{"stream":"`

// parsePubAck reads JetStream's reply to a publish: the usual forms by
// hand, anything else (an error, a domain, fields a newer server adds)
// with encoding/json as jetstream does.
func parsePubAck(data []byte) (PubAck, error) {
	if ack, ok := parsePubAckFast(data); ok {
		return ack, nil
	}
	var resp struct {
		Error     *jetstream.APIError `json:"error"`
		Stream    string              `json:"stream"`
		Sequence  uint64              `json:"seq"`
		Duplicate bool                `json:"duplicate"`
	}
	if err := json.Unmarshal(data, &resp); err != nil {
		return PubAck{}, jetstream.ErrInvalidJSAck
	}
	if resp.Error != nil {
		return PubAck{}, fmt.Errorf("nats: %w", resp.Error)
	}
	if resp.Stream == "" {
		return PubAck{}, jetstream.ErrInvalidJSAck
	}
	return PubAck{Stream: resp.Stream, Sequence: resp.Sequence, Duplicate: resp.Duplicate}, nil
}

func parsePubAckFast(data []byte) (PubAck, bool) {
	rest, ok := bytes.CutPrefix(data, []byte(pubAckPrefix))
	if !ok {
		return PubAck{}, false
	}
	end := bytes.IndexByte(rest, '"')
	if end <= 0 || bytes.IndexByte(rest[:end], '\\') >= 0 {
		return PubAck{}, false
	}
	var ack PubAck
	switch name := rest[:end]; string(name) {
	case StreamReports:
		ack.Stream = StreamReports
	case StreamResults:
		ack.Stream = StreamResults
	default:
		ack.Stream = string(name)
	}
	if rest, ok = bytes.CutPrefix(rest[end+1:], []byte(`,"seq":`)); !ok {
		return PubAck{}, false
	}
	digits := 0
	for digits < len(rest) && rest[digits] >= '0' && rest[digits] <= '9' {
		digits++
	}
	seq, err := strconv.ParseUint(string(rest[:digits]), 10, 64)
	if err != nil {
		return PubAck{}, false
	}
	ack.Sequence = seq
	switch string(rest[digits:]) {
	case "}":
	case `,"duplicate": true}`, `,"duplicate":true}`:
		ack.Duplicate = true
	default:
		return PubAck{}, false
	}
	return ack, true
}
