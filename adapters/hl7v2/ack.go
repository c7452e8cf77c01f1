package hl7v2

import (
	"strconv"
	"strings"
	"time"
)

// AckCode is MSA-1 in original acknowledgement mode.
type AckCode string

const (
	// AA: stored (or deliberately not processed); do not resend.
	AA AckCode = "AA"
	// AE: not stored now; the sender should resend.
	AE AckCode = "AE"
	// AR: can never be processed; resending will not help.
	AR AckCode = "AR"
)

// AckOptions are the parts of an ACK that do not come from the message.
type AckOptions struct {
	// ControlID is the ACK's own MSH-10.
	ControlID string
	// Now is MSH-7.
	Now time.Time
	// Text is MSA-3, a short message for the sender (no patient data).
	Text string
	// Err, when set, becomes the ERR segment.
	Err *Error
}

// defaultAckVersion is used when the message's version is unknown.
const defaultAckVersion = "2.5.1"

// BuildACK builds an original-mode ACK to orig (nil when the message could
// not be read at all): the sender's encoding characters, version,
// processing id and character set mirrored, applications and facilities
// swapped, MSA-2 = the original MSH-10, and an ERR segment laid out for
// the version (ERR-1 for 2.3 and 2.4, ERR-2/3/4/8 from 2.5 on). Segments
// end with CR; the result is not MLLP-framed.
func BuildACK(orig *Message, code AckCode, o AckOptions) []byte {
	d := DefaultDelimiters
	cs := csAuto
	var msh *Segment
	if orig != nil {
		d, cs, msh = orig.Delims, orig.cs, orig.First("MSH")
	}
	raw := func(n int) string { return cs.encode(msh.Field(n)) }
	text := func(s string) string { return cs.encode(Escape(s, d)) }

	version := raw(12)
	if version == "" {
		version = defaultAckVersion
	}
	major, minor := versionNumbers(nth(version, d.Component, 1))
	old := major == 2 && minor < 4 // MSH-9.3 and ERR-2..8 came later
	oldERR := major == 2 && minor < 5

	// Written straight into the reply's bytes: an ACK is built for every
	// message, and joining field slices cost more than the rest of it.
	b := make([]byte, 0, 256+len(o.Text)+len(o.ControlID))
	field := func(s string) {
		b = append(b, d.Field)
		b = append(b, s...)
	}
	event := ""
	if msh != nil {
		event = nth(nth(msh.Field(9), d.Repetition, 1), d.Component, 2)
	}
	sendApp := raw(5)
	if sendApp == "" {
		sendApp = "RADFLAG"
	}
	processing := raw(11)
	if processing == "" {
		processing = "P"
	}
	b = append(b, "MSH"...)
	b = append(b, d.Field, d.Component, d.Repetition, d.Escape, d.Subcomponent)
	if d.Truncation != 0 {
		b = append(b, d.Truncation)
	}
	field(sendApp)
	field(raw(6))
	field(raw(3))
	field(raw(4))
	b = append(b, d.Field)
	b = appendTime(b, o.Now)
	field("")
	// ACK^<event>^ACK from v2.4 (message structure in MSH-9.3); 2.3 has two
	// components.
	field("ACK")
	if old {
		if event != "" {
			b = append(b, d.Component)
			b = append(b, cs.encode(event)...)
		}
	} else {
		b = append(b, d.Component)
		b = append(b, cs.encode(event)...)
		b = append(b, d.Component)
		b = append(b, "ACK"...)
	}
	field(text(o.ControlID))
	field(processing)
	field(version)
	// Mirror MSH-18 only when radflag supports it: an ACK must not declare
	// a character set its reader would refuse.
	if charset := raw(18); charset != "" && orig != nil && supportedCharset(orig.Charset) {
		for range 5 {
			b = append(b, d.Field)
		}
		field(charset)
	}
	b = append(b, '\r')

	b = append(b, "MSA"...)
	field(string(code))
	field(raw(10))
	if o.Text != "" {
		field(text(o.Text))
	}
	b = append(b, '\r')

	if e := o.Err; e != nil {
		cm, sm := string(d.Component), string(d.Subcomponent)
		loc := ""
		if e.Segment != "" {
			loc = e.Segment + cm + strconv.Itoa(max(e.Seq, 1))
			if e.Field > 0 {
				loc += cm + strconv.Itoa(e.Field)
			}
		}
		codeNum := strconv.Itoa(int(e.Code))
		b = append(b, "ERR"...)
		if oldERR {
			// ERR-1 (ELD): segment^sequence^field^code&text&HL70357.
			field(e.Segment + cm + optInt(e.Seq, e.Segment != "") + cm + optInt(e.Field, e.Field > 0) + cm +
				codeNum + sm + e.Code.Text() + sm + "HL70357")
		} else {
			for _, f := range [...]string{"", loc, codeNum + cm + e.Code.Text() + cm + "HL70357", "E", "", "", "", text(e.Text)} {
				field(f)
			}
		}
		b = append(b, '\r')
	}
	return b
}

func optInt(n int, ok bool) string {
	if !ok {
		return ""
	}
	return strconv.Itoa(max(n, 1))
}

// versionNumbers reads "2.5.1" as 2, 5; 0, 0 when unreadable.
func versionNumbers(v string) (int, int) {
	if strings.IndexByte(v, '.') < 0 {
		return 0, 0
	}
	a, err1 := strconv.Atoi(nth(v, '.', 1))
	b, err2 := strconv.Atoi(nth(v, '.', 2))
	if err1 != nil || err2 != nil {
		return 0, 0
	}
	return a, b
}

// appendTime writes an HL7 DTM with seconds and UTC offset.
func appendTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		t = time.Now()
	}
	return t.AppendFormat(b, "20060102150405-0700")
}

// AckCodeOf returns MSA-1 of an ACK (framing already removed), or "" when
// it has none. It reads only the MSA segment.
func AckCodeOf(ack []byte) AckCode {
	m, err := Parse(ack, Limits{})
	if err != nil {
		return ""
	}
	return AckCode(m.Get("MSA-1"))
}

func supportedCharset(name string) bool {
	_, err := lookupCharset(name)
	return err == nil
}
