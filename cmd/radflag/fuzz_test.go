package main

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/radflag/radflag/adapters/hl7v2"
)

// FuzzDescribeAck feeds arbitrary replies to the ACK reader of `radflag
// send` (what a server answers is outside input): it must never panic and
// always print valid UTF-8. When the input is an HL7 message, the ACK that
// radflag would build for it reads back with its code and (printable
// ASCII) text, whatever delimiters and character set the message uses.
func FuzzDescribeAck(f *testing.F) {
	f.Add([]byte("MSH|^~\\&|RADFLAG|H|RIS|H|20260101||ACK^R01^ACK|A1|P|2.5.1\rMSA|AR|MSG1|no report text\rERR||OBX^1^5|101^Required field missing^HL70357|E||||no text"), "no report text")
	f.Add([]byte("MSH|^~\\&|RADFLAG|H|RIS|H|20260101||ACK|A1|P|2.3\rMSA|AE|MSG1\rERR|OBX^1^5^207&Application internal error"), "")
	f.Add([]byte("MSH|^~\\&|RIS|H|RADFLAG|H|20260101||ORU^R01|MSG1|P|2.5.1|||AL|NE||8859/1\rPID|1||1||M\xfcller\r"), "refus\xe9 \\F\\ | ^")
	f.Add([]byte("HTTP/1.1 400 Bad Request\r\n\r\n"), "x")
	f.Add([]byte("MSH|^~\\&\rMSA\rERR|^^^&&&&~~~\\"), "")
	f.Fuzz(func(t *testing.T, reply []byte, text string) {
		code, desc := describeAck(reply)
		if !utf8.ValidString(code) || !utf8.ValidString(desc) {
			t.Fatalf("describeAck(%q) = %q, %q: not UTF-8", reply, code, desc)
		}
		m, err := hl7v2.Parse(reply, hl7v2.Limits{})
		if err != nil || m.First("MSH") == nil || !utf8.ValidString(text) {
			return
		}
		text = strings.TrimSpace(strings.NewReplacer("\r", " ", "\n", " ").Replace(text))
		ack := hl7v2.BuildACK(m, hl7v2.AR, hl7v2.AckOptions{ControlID: "ACK1", Now: time.Unix(1767225600, 0), Text: text,
			Err: &hl7v2.Error{Code: hl7v2.CodeTableValue, Reason: "fuzz", Segment: "MSH", Seq: 1, Field: 18, Text: text}})
		code, desc = describeAck(ack)
		if code != "AR" {
			t.Fatalf("the ACK built for %q reads as %q (%s): %q", reply, code, desc, ack)
		}
		// Printable ASCII survives every character set an ACK may be in.
		ascii := !strings.ContainsFunc(text, func(r rune) bool { return r < 0x20 || r > 0x7e })
		if ascii && text != "" && !strings.Contains(desc, text) {
			t.Fatalf("the ACK's text %q reads as %q: %q", text, desc, ack)
		}
	})
}
