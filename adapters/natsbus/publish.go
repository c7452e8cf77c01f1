package natsbus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

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
	if msgID == "" {
		return PubAck{}, fmt.Errorf("publish to %s: empty message id", subject)
	}
	m := nats.NewMsg(subject)
	m.Data = data
	for k, vs := range hdr {
		for _, v := range vs {
			m.Header.Add(k, v)
		}
	}
	m.Header.Set(jetstream.MsgIDHeader, msgID)
	ctx, cancel := context.WithTimeout(ctx, b.cfg.PublishTimeout)
	defer cancel()
	ack, err := b.js.PublishMsg(ctx, m)
	if err != nil {
		if isPermanent(err) {
			return PubAck{}, fmt.Errorf("publish %s to %s: %w", msgID, subject, err)
		}
		return PubAck{}, fmt.Errorf("publish %s to %s: %w: %w", msgID, subject, pipeline.ErrUnavailable, err)
	}
	return PubAck{Stream: ack.Stream, Sequence: ack.Sequence, Duplicate: ack.Duplicate}, nil
}

// isPermanent tells errors that a retry cannot fix (a message too large for
// the stream) from the transient ones.
func isPermanent(err error) bool {
	return errors.Is(err, nats.ErrMaxPayload)
}

// StoreReport publishes a report to radflag.reports.<source>; it implements
// pipeline.ReportStore.
func (b *Bus) StoreReport(ctx context.Context, r *pipeline.Report) (pipeline.StoreOutcome, error) {
	data, err := pipeline.MarshalReport(r)
	if err != nil {
		return pipeline.StoreOutcome{}, err
	}
	hdr := nats.Header{}
	hdr.Set("Radflag-Report-Id", r.ID)
	ack, err := b.Publish(ctx, SubjectReports+"."+token(string(r.Source)), r.MessageID, data, hdr)
	if err != nil {
		return pipeline.StoreOutcome{}, fmt.Errorf("store report %s: %w", r.ID, err)
	}
	return pipeline.StoreOutcome{Duplicate: ack.Duplicate, Sequence: ack.Sequence}, nil
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
