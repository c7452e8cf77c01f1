// Package hl7v2 parses HL7 version 2 messages (ER7, "pipe and hat"),
// normalises ORU^R01 radiology results into pipeline.Report, builds
// original-mode acknowledgements and ties them together in Ingest, the MLLP
// handler that acknowledges a report only after the bus stored it.
//
// It is written in-house because no maintained Go HL7 library can be had.
// The parser is strict where a wrong answer would harm (MSH, encoding
// characters, control id, version) and tolerant elsewhere (segment ends,
// unknown segments, stray line breaks inside text, unknown escapes).
// Every input is bounded by Limits.
package hl7v2

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
)

// Limits bound what Parse accepts. Zero fields take the defaults.
type Limits struct {
	// MaxBytes is the largest message (default 1 MiB, the MLLP frame limit).
	MaxBytes int
	// MaxSegments is the most segments in one message (default 10,000).
	MaxSegments int
	// MaxFields is the most fields in one segment (default 1,000).
	MaxFields int
	// MaxFieldBytes is the longest field (default 512 KiB: a whole report
	// in one FT field fits).
	MaxFieldBytes int
}

// DefaultLimits are the limits used when a Limits field is zero.
var DefaultLimits = Limits{MaxBytes: 1 << 20, MaxSegments: 10000, MaxFields: 1000, MaxFieldBytes: 512 << 10}

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultLimits.MaxBytes
	}
	if l.MaxSegments <= 0 {
		l.MaxSegments = DefaultLimits.MaxSegments
	}
	if l.MaxFields <= 0 {
		l.MaxFields = DefaultLimits.MaxFields
	}
	if l.MaxFieldBytes <= 0 {
		l.MaxFieldBytes = DefaultLimits.MaxFieldBytes
	}
	return l
}

// Delimiters are a message's separators, from MSH-1 and MSH-2.
type Delimiters struct {
	Field, Component, Repetition, Escape, Subcomponent byte
	// Truncation is the v2.7+ truncation character, 0 when MSH-2 has none.
	Truncation byte
}

// DefaultDelimiters are "|^~\&", used for replies to messages whose own
// delimiters could not be read.
var DefaultDelimiters = Delimiters{Field: '|', Component: '^', Repetition: '~', Escape: '\\', Subcomponent: '&'}

// EncodingChars is MSH-2 as these delimiters write it.
func (d Delimiters) EncodingChars() string {
	b := []byte{d.Component, d.Repetition, d.Escape, d.Subcomponent}
	if d.Truncation != 0 {
		b = append(b, d.Truncation)
	}
	return string(b)
}

// Message is a parsed HL7 v2 message. Field values are held as received
// (escaped) and decoded on access, in UTF-8 whatever MSH-18 said.
type Message struct {
	Delims   Delimiters
	segments []*Segment
	// Charset is MSH-18 (first repetition) as sent, "" when absent.
	Charset string
	cs      charset
}

// Segment is one segment. Fields[0] is the segment name and Fields[i] is
// field i as received, so indexes are HL7 field numbers; for MSH, Fields[1]
// is the field separator and Fields[2] the encoding characters.
type Segment struct {
	Name   string
	Fields []string
	msg    *Message
}

// Segments returns every segment in order.
func (m *Message) Segments() []*Segment { return m.segments }

// All returns the segments named name, in order.
func (m *Message) All(name string) []*Segment {
	var out []*Segment
	for _, s := range m.segments {
		if s.Name == name {
			out = append(out, s)
		}
	}
	return out
}

// First returns the first segment named name, or nil.
func (m *Message) First(name string) *Segment {
	for _, s := range m.segments {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// Version is MSH-12.1 (e.g. "2.5.1").
func (m *Message) Version() string { return m.msh().v(12, 0, 1, 0) }

// ControlID is MSH-10.
func (m *Message) ControlID() string { return m.msh().v(10, 0, 0, 0) }

// Type returns MSH-9's message code and trigger event ("ORU", "R01").
func (m *Message) Type() (code, event string) {
	h := m.msh()
	return h.v(9, 0, 1, 0), h.v(9, 0, 2, 0)
}

// msh is the MSH segment (always the first), or nil.
func (m *Message) msh() *Segment {
	if len(m.segments) > 0 && m.segments[0].Name == "MSH" {
		return m.segments[0]
	}
	return nil
}

// Field returns field n as received (escaped), "" when absent.
func (s *Segment) Field(n int) string {
	if s == nil || n < 0 || n >= len(s.Fields) {
		return ""
	}
	return s.Fields[n]
}

// Parse reads one HL7 v2 message. It fails (with an *Error that says what
// to answer) when the message is too large, has no MSH first, or its
// MSH-1/MSH-2 or character set cannot be read; anything after MSH that does
// not look like a segment is taken as a line break inside the previous
// segment, as some senders put raw line breaks into report text. On error,
// the returned message is nil or holds only the MSH segment, enough to
// address a negative acknowledgement.
func Parse(raw []byte, lim Limits) (*Message, error) {
	return parse(raw, lim, nil)
}

// parse is Parse into sc (nil: fresh allocations); a message parsed into
// sc is valid until sc is reused.
func parse(raw []byte, lim Limits, sc *parseScratch) (*Message, error) {
	lim = lim.withDefaults()
	if len(raw) > lim.MaxBytes {
		hdr, _ := ParseHeader(raw)
		return hdr, &Error{Code: CodeInternal, Reason: "too_large", Text: fmt.Sprintf("message is %d bytes, more than the limit of %d", len(raw), lim.MaxBytes)}
	}
	raw = trimStart(raw)
	if !bytes.HasPrefix(raw, []byte("MSH")) {
		return nil, &Error{Code: CodeSegmentSequence, Reason: "no_msh", Segment: "MSH", Seq: 1, Text: "message does not start with an MSH segment"}
	}
	d, err := readDelimiters(raw)
	if err != nil {
		return nil, err
	}
	m, err := parseBody(raw, d, lim, sc)
	if err != nil {
		hdr, _ := ParseHeader(raw)
		return hdr, err
	}
	return m, nil
}

// parseScratch holds what parsing one message allocates, for Ingest to
// reuse from one message to the next: a message is dead once its ACK is
// built (the report keeps only strings), and reusing its slices saves the
// allocations and much of the garbage collection of every message.
type parseScratch struct {
	msg   Message
	lines []string
	store []Segment
	pool  []string
	segs  []*Segment
}

// maxScratchStrings keeps the slices of a rare huge message out of the
// pool.
const maxScratchStrings = 8 << 10

var scratchPool = sync.Pool{New: func() any { return new(parseScratch) }}

func getScratch() *parseScratch { return scratchPool.Get().(*parseScratch) }

// putScratch returns sc to the pool; nothing parsed into it may be used
// after.
func putScratch(sc *parseScratch) {
	if cap(sc.pool) > maxScratchStrings || cap(sc.lines) > maxScratchStrings {
		return
	}
	sc.msg = Message{}
	scratchPool.Put(sc)
}

// maxHeaderBytes bounds the MSH segment ParseHeader reads.
const maxHeaderBytes = 64 << 10

// ParseHeader reads only the MSH segment of raw (which may be the first
// bytes of a message too large to read whole), for addressing an ACK.
// Its character set falls back to UTF-8/Windows-1252 when MSH-18 is not
// supported.
func ParseHeader(raw []byte) (*Message, error) {
	raw = trimStart(raw)
	if !bytes.HasPrefix(raw, []byte("MSH")) {
		return nil, &Error{Code: CodeSegmentSequence, Reason: "no_msh", Segment: "MSH", Seq: 1, Text: "message does not start with an MSH segment"}
	}
	d, err := readDelimiters(raw)
	if err != nil {
		return nil, err
	}
	if end := bytes.IndexAny(raw, "\r\n"); end >= 0 {
		raw = raw[:end]
	}
	if len(raw) > maxHeaderBytes {
		raw = raw[:maxHeaderBytes]
	}
	m := &Message{Delims: d}
	m.Charset = rawMSHField(raw, d, 18)
	if i := strings.IndexByte(m.Charset, d.Repetition); i >= 0 {
		m.Charset = m.Charset[:i]
	}
	m.cs, _ = lookupCharset(m.Charset)
	seg := &Segment{}
	if err := m.splitSegment(seg, m.cs.decode(raw), DefaultLimits, nil); err != nil {
		return nil, err
	}
	m.segments = []*Segment{seg}
	return m, nil
}

func parseBody(raw []byte, d Delimiters, lim Limits, sc *parseScratch) (*Message, error) {
	var m *Message
	var lines []string
	if sc != nil {
		m, lines = &sc.msg, sc.lines[:0]
		*m = Message{Delims: d}
	} else {
		m = &Message{Delims: d}
	}
	// MSH-18 is ASCII; read it from the raw bytes to know how to decode
	// the rest.
	m.Charset = rawMSHField(raw, d, 18)
	if i := strings.IndexByte(m.Charset, d.Repetition); i >= 0 {
		m.Charset = m.Charset[:i]
	}
	cs, err := lookupCharset(m.Charset)
	if err != nil {
		return nil, err
	}
	m.cs = cs
	text := cs.decode(raw)
	text0 := text

	// Gather logical segments first: a line that does not start like a
	// segment continues the one before (a raw line break inside a field).
	for len(text) > 0 {
		var line string
		i := lineEnd(text)
		if i < 0 {
			line, text = text, ""
		} else {
			line, text = text[:i], text[i+1:]
		}
		if line == "" {
			continue
		}
		if !isSegmentStart(line, d.Field) {
			n := len(lines)
			// Never continue MSH: its fields must be exactly as sent.
			if n == 0 || strings.HasPrefix(lines[n-1], "MSH") || strings.TrimSpace(line) == "" {
				continue
			}
			lines[n-1] += "\n" + line
			continue
		}
		if len(lines) >= lim.MaxSegments {
			return nil, &Error{Code: CodeInternal, Reason: "too_many_segments", Text: fmt.Sprintf("message has more than %d segments", lim.MaxSegments)}
		}
		lines = append(lines, line)
	}
	// One allocation for all segments and one for all fields (none when
	// the scratch's are large enough).
	nfields := strings.Count(text0, string(d.Field)) + 2*len(lines) + 1
	var store []Segment
	var pool []string
	if sc != nil {
		sc.lines = lines
		if cap(sc.store) < len(lines) {
			sc.store = make([]Segment, len(lines))
		}
		if cap(sc.pool) < nfields {
			sc.pool = make([]string, 0, nfields)
		}
		if cap(sc.segs) < len(lines) {
			sc.segs = make([]*Segment, 0, len(lines))
		}
		store, pool, m.segments = sc.store[:len(lines)], sc.pool[:0], sc.segs[:0]
	} else {
		store = make([]Segment, len(lines))
		pool = make([]string, 0, nfields)
		m.segments = make([]*Segment, 0, len(lines))
	}
	for i, line := range lines {
		if err := m.splitSegment(&store[i], line, lim, &pool); err != nil {
			return nil, err
		}
		m.segments = append(m.segments, &store[i])
	}
	return m, nil
}

// lineEnd is strings.IndexAny(s, "\r\n") with two vectorised byte
// searches instead of one byte by byte: segments end with CR, so the
// search for LF stops there.
func lineEnd(s string) int {
	cr := strings.IndexByte(s, '\r')
	if cr < 0 {
		return strings.IndexByte(s, '\n')
	}
	if lf := strings.IndexByte(s[:cr], '\n'); lf >= 0 {
		return lf
	}
	return cr
}

// splitSegment fills seg from line, taking its fields from *pool (which
// it grows when full; nil allocates).
func (m *Message) splitSegment(seg *Segment, line string, lim Limits, pool *[]string) error {
	d := m.Delims
	*seg = Segment{Name: line[:3], msg: m}
	n := strings.Count(line, string(d.Field)) + 1
	if seg.Name == "MSH" {
		n++ // MSH-1 is the separator itself
	}
	if n > lim.MaxFields+1 {
		return &Error{Code: CodeInternal, Reason: "too_many_fields", Segment: seg.Name, Seq: len(m.segments) + 1,
			Text: fmt.Sprintf("segment %s has more than %d fields", seg.Name, lim.MaxFields)}
	}
	var fields []string
	if pool != nil && cap(*pool)-len(*pool) >= n {
		start := len(*pool)
		fields = (*pool)[start : start : start+n]
		*pool = (*pool)[:start+n]
	} else {
		fields = make([]string, 0, n)
	}
	fields = append(fields, seg.Name)
	rest := line[3:]
	switch {
	case rest == "":
		// A bare segment name, also a later "MSH" line alone (found by
		// FuzzParse: rest[1:] panicked, and Handle answered AE for ever).
		seg.Fields = fields
		return nil
	case seg.Name == "MSH":
		fields = append(fields, string(d.Field))
		rest = rest[1:] // past MSH-1; MSH-2 is the next "field"
	default:
		rest = rest[1:]
	}
	for {
		i := strings.IndexByte(rest, d.Field)
		f := rest
		if i >= 0 {
			f = rest[:i]
		}
		if len(f) > lim.MaxFieldBytes {
			return fieldTooLong(seg.Name, len(m.segments)+1, len(fields), lim)
		}
		fields = append(fields, f)
		if i < 0 {
			break
		}
		rest = rest[i+1:]
	}
	seg.Fields = fields
	return nil
}

func fieldTooLong(seg string, seq, field int, lim Limits) *Error {
	return &Error{Code: CodeInternal, Reason: "field_too_long", Segment: seg, Seq: seq, Field: field,
		Text: fmt.Sprintf("%s-%d is longer than %d bytes", seg, field, lim.MaxFieldBytes)}
}

// isSegmentStart reports whether line begins with a segment name (three
// upper-case letters or digits, the first a letter) followed by the field
// separator or the end of the line.
func isSegmentStart(line string, fs byte) bool {
	if len(line) < 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		c := line[i]
		if !(c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return len(line) == 3 || line[3] == fs
}

// trimStart drops a UTF-8 byte order mark and leading whitespace.
func trimStart(b []byte) []byte {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	return bytes.TrimLeft(b, " \t\r\n")
}

// readDelimiters reads MSH-1 and MSH-2 strictly: a wrong separator would
// make every later field wrong.
func readDelimiters(raw []byte) (Delimiters, error) {
	bad := func(text string) error {
		return &Error{Code: CodeDataType, Reason: "bad_delimiters", Segment: "MSH", Seq: 1, Field: 2, Text: text}
	}
	if len(raw) < 8 {
		return Delimiters{}, bad("MSH is too short to hold MSH-1 and MSH-2")
	}
	fs := raw[3]
	if !isDelimiterByte(fs) {
		return Delimiters{}, bad("MSH-1 field separator is missing or not a punctuation character")
	}
	end := bytes.IndexByte(raw[4:], fs)
	if end < 0 {
		// MSH-2 may be the last field of a bare MSH.
		end = bytes.IndexAny(raw[4:], "\r\n")
		if end < 0 {
			end = len(raw) - 4
		}
	}
	enc := raw[4 : 4+end]
	if len(enc) < 4 || len(enc) > 5 {
		return Delimiters{}, bad(fmt.Sprintf("MSH-2 encoding characters must be 4 or 5 characters, got %d", len(enc)))
	}
	var seen [256]bool // not a map: this runs for every message
	seen[fs] = true
	for _, c := range enc {
		if !isDelimiterByte(c) || seen[c] {
			return Delimiters{}, bad("MSH-2 encoding characters must be distinct punctuation characters")
		}
		seen[c] = true
	}
	d := Delimiters{Field: fs, Component: enc[0], Repetition: enc[1], Escape: enc[2], Subcomponent: enc[3]}
	if len(enc) == 5 {
		d.Truncation = enc[4]
	}
	return d, nil
}

func isDelimiterByte(c byte) bool {
	return c > ' ' && c < 0x7f && !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z')
}

// rawMSHField returns MSH field n (n >= 3) from the raw message, before any
// character set decoding.
func rawMSHField(raw []byte, d Delimiters, n int) string {
	end := bytes.IndexAny(raw, "\r\n")
	if end < 0 {
		end = len(raw)
	}
	line := raw[:end]
	// MSH-2 starts at index 4; each separator after it starts the next field.
	field := 2
	start := 4
	for i := 4; i < len(line); i++ {
		if line[i] == d.Field {
			field++
			if field == n {
				start = i + 1
			} else if field == n+1 {
				return string(line[start:i])
			}
		}
	}
	if field == n {
		return string(line[start:])
	}
	return ""
}
