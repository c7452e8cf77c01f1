package hl7v2

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/radflag/radflag/internal/metrics"
	"github.com/radflag/radflag/pipeline"
)

// IngestConfig configures Ingest.
type IngestConfig struct {
	// Store keeps reports durably (natsbus.Bus); required.
	Store pipeline.ReportStore
	// StoreTimeout bounds the wait for the store; past it the sender gets
	// AE and resends (default 5s).
	StoreTimeout time.Duration
	// CTRule decides which orders are CT (zero: DefaultCTRule).
	CTRule CTRule
	// Limits bound the parser (zero: DefaultLimits).
	Limits Limits
	// Location reads HL7 timestamps without a UTC offset (default time.Local).
	Location *time.Location
	Logger   *slog.Logger
	// Now is the clock (default time.Now); tests set it.
	Now func() time.Time
}

// Ingest turns HL7 v2 messages into stored reports and answers each with
// an ACK: AA only after the store confirmed the report (or for a valid
// message radflag does not process, or a resent one it already holds), AE
// when the store is unavailable or slower than StoreTimeout, AR with an
// ERR segment when the message can never be processed. Its Handle method
// is an mllp.Handler and BadFrame an mllp.Config.BadFrame.
type Ingest struct {
	cfg    IngestConfig
	ct     *ctMatcher
	log    *slog.Logger
	ackSeq atomic.Uint64
	ackPfx string
	// Counters resolved once: label lookups are on the hot path.
	stored, duplicate prometheus.Counter
	acks              map[AckCode]prometheus.Counter
}

// NewIngest checks cfg and builds an Ingest.
func NewIngest(cfg IngestConfig) (*Ingest, error) {
	if cfg.Store == nil {
		return nil, errors.New("hl7 ingest: no report store")
	}
	if cfg.StoreTimeout <= 0 {
		cfg.StoreTimeout = 5 * time.Second
	}
	if cfg.Location == nil {
		cfg.Location = time.Local
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	ct, err := cfg.CTRule.compile()
	if err != nil {
		return nil, fmt.Errorf("hl7 ingest: %w", err)
	}
	src := string(pipeline.SourceHL7)
	return &Ingest{
		cfg: cfg, ct: ct,
		log:       cfg.Logger.With("component", "hl7"),
		stored:    metrics.ReportsStored.WithLabelValues(src),
		duplicate: metrics.ReportsDuplicate.WithLabelValues(src),
		acks: map[AckCode]prometheus.Counter{
			AA: mllpMessages.WithLabelValues(string(AA)),
			AE: mllpMessages.WithLabelValues(string(AE)),
			AR: mllpMessages.WithLabelValues(string(AR)),
		},
		// ACK control ids: a per-process prefix and a counter, at most 20
		// characters (ST length in MSH-10 before v2.7).
		ackPfx: "RF" + strconv.FormatInt(cfg.Now().UnixMilli()%(36*36*36*36*36*36), 36),
	}, nil
}

// Outcome is what became of one message.
type Outcome struct {
	Ack AckCode
	// Reply is the ACK message (not MLLP-framed).
	Reply []byte
	// ReportID and Sequence are set when a report was stored.
	ReportID  string
	Sequence  uint64
	Duplicate bool
	// Skipped is the reason a valid message was not processed.
	Skipped string
	// Err is why the message was refused (AR, AE).
	Err error
}

// Handle processes one message and returns the ACK to send. A panic in
// processing (a bug) is answered with AE, so that the sender keeps the
// message and retries rather than losing it, and logged without the
// message's content.
func (in *Ingest) Handle(ctx context.Context, msg []byte) (reply []byte) {
	defer func() {
		if p := recover(); p != nil {
			in.log.Error("panic while processing a message, answered AE", "bytes", len(msg), "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			e := &Error{Code: CodeInternal, Reason: "internal", Text: "internal error; send the message again"}
			hdr, _ := ParseHeader(msg)
			reply = in.answer(hdr, AE, e.Text, e, Outcome{}).Reply
		}
	}()
	return in.Process(ctx, msg).Reply
}

// Process parses, validates, filters and stores one message and builds
// its ACK.
func (in *Ingest) Process(ctx context.Context, raw []byte) Outcome {
	now := in.cfg.Now()
	// The parsed message lives only until the ACK is built; its slices go
	// back to the pool for the next message.
	sc := getScratch()
	defer putScratch(sc)
	m, err := parse(raw, in.cfg.Limits, sc)
	if err != nil {
		return in.reject(m, err, len(raw))
	}
	if err := CheckHeader(m); err != nil {
		return in.reject(m, err, len(raw))
	}
	if !IsORU(m) {
		code, event := m.Type()
		return in.skip(m, &Skip{Reason: "not_oru", Text: fmt.Sprintf("%s^%s is not ORU^R01", truncate(code, 10), truncate(event, 10))})
	}
	obrs := m.All("OBR")
	if len(obrs) == 0 {
		return in.reject(m, &Error{Code: CodeSegmentSequence, Reason: "no_obr", Segment: "OBR", Seq: 1, Text: "ORU^R01 has no OBR segment"}, len(raw))
	}
	var obr *Segment
	for _, o := range obrs {
		if in.ct.match(o) {
			obr = o
			break
		}
	}
	if obr == nil {
		return in.skip(m, &Skip{Reason: "not_ct", Text: "the order is not a CT study"})
	}
	// raw belongs to the caller (the MLLP reader reuses it); the report
	// keeps its own copy.
	rep, err := ToReport(m, bytes.Clone(raw), ReportOptions{ReceivedAt: now.UTC(), Location: in.cfg.Location, OBR: obr})
	if err != nil {
		var sk *Skip
		if errors.As(err, &sk) {
			return in.skip(m, sk)
		}
		return in.reject(m, err, len(raw))
	}
	if err := rep.Validate(); err != nil {
		return in.reject(m, &Error{Code: CodeRequiredMissing, Reason: "invalid_report", Text: "the report is incomplete: " + err.Error()}, len(raw))
	}
	return in.store(ctx, m, rep)
}

func (in *Ingest) store(ctx context.Context, m *Message, rep *pipeline.Report) Outcome {
	sctx, cancel := context.WithTimeout(ctx, in.cfg.StoreTimeout)
	start := time.Now()
	res, err := in.cfg.Store.StoreReport(sctx, rep)
	storeSeconds.Observe(time.Since(start).Seconds())
	cancel()
	cid := logID(m.ControlID())
	if err != nil {
		retry := errors.Is(err, pipeline.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
		if retry {
			e := &Error{Code: CodeInternal, Reason: "store_unavailable", Text: "the report could not be stored now; send it again"}
			in.log.Warn("report not stored, answered AE", "control_id", cid, "report_id", rep.ID, "err", err)
			return in.answer(m, AE, e.Text, e, Outcome{Err: err})
		}
		e := &Error{Code: CodeInternal, Reason: "store_failed", Text: "the report cannot be stored (see the receiver's log)"}
		metrics.ReportsRejected.WithLabelValues(string(pipeline.SourceHL7), e.Reason).Inc()
		in.log.Error("report refused by the store, answered AR", "control_id", cid, "report_id", rep.ID, "err", err)
		return in.answer(m, AR, e.Text, e, Outcome{Err: err})
	}
	if res.Duplicate {
		in.duplicate.Inc()
	} else {
		in.stored.Inc()
	}
	// LogAttrs: typed attributes are not boxed, and this line is logged
	// for every report.
	in.log.LogAttrs(ctx, slog.LevelInfo, "report stored", slog.String("control_id", cid), slog.String("report_id", rep.ID),
		slog.Uint64("seq", res.Sequence), slog.Bool("duplicate", res.Duplicate), slog.String("status", string(rep.Status)))
	return in.answer(m, AA, "", nil, Outcome{ReportID: rep.ID, Sequence: res.Sequence, Duplicate: res.Duplicate})
}

func (in *Ingest) skip(m *Message, s *Skip) Outcome {
	metrics.ReportsSkipped.WithLabelValues(s.Reason).Inc()
	in.log.Info("message not processed, answered AA", "control_id", logID(m.ControlID()), "reason", s.Reason)
	return in.answer(m, AA, "not processed: "+s.Text, nil, Outcome{Skipped: s.Reason})
}

// reject answers AR. m may be nil or hold only MSH.
func (in *Ingest) reject(m *Message, err error, size int) Outcome {
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{Code: CodeInternal, Reason: "internal", Text: "the message could not be processed"}
	}
	metrics.ReportsRejected.WithLabelValues(string(pipeline.SourceHL7), e.Reason).Inc()
	cid := ""
	if m != nil {
		cid = logID(m.ControlID())
	}
	in.log.Warn("message rejected, answered AR", "control_id", cid, "bytes", size, "reason", e.Reason, "err", e.Error())
	return in.answer(m, AR, e.Text, e, Outcome{Err: err})
}

func (in *Ingest) answer(m *Message, code AckCode, text string, e *Error, o Outcome) Outcome {
	in.acks[code].Inc()
	o.Ack = code
	o.Reply = BuildACK(m, code, AckOptions{
		ControlID: in.ackPfx + strconv.FormatUint(in.ackSeq.Add(1), 36),
		Now:       in.cfg.Now(),
		Text:      text,
		Err:       e,
	})
	return o
}

// BadFrame answers a frame that could not be read whole (too large) with
// AR, addressed from the frame's first bytes when they hold an MSH. It
// fits mllp.Config.BadFrame.
func (in *Ingest) BadFrame(err error, prefix []byte) []byte {
	m, _ := ParseHeader(prefix)
	e := &Error{Code: CodeInternal, Reason: "frame_too_large", Text: "the message was refused: " + err.Error()}
	return in.reject(m, e, len(prefix)).Reply
}

// logID bounds a control id for logs.
func logID(s string) string {
	return truncate(idToken(s), 64)
}
