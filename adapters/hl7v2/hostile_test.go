package hl7v2_test

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

// hostileORU is a CT ORU^R01 whose MSH-18, MSH-10, patient name and report
// line are given as raw bytes.
func hostileORU(charset, controlID, name, line string) []byte {
	return []byte("MSH|^~\\&|RIS|HOSP|RADFLAG|HOSP|20260115103000||ORU^R01^ORU_R01|" + controlID + "|P|2.5.1|||AL|NE||" + charset + "\r" +
		"PID|1||MRN-UTF8-90210^^^HOSP^MR||" + name + "^Zebedee||19470203|M\r" +
		"OBR|1|ORD1|ACC-UTF8-1^RIS|74177^CT ABD/PELVIS W CONTRAST^C4|||20260115093000||||||||||||||||||CT|F\r" +
		"OBX|1|TX|18782-3^Radiology Study observation^LN||" + line + "||||||F\r")
}

// TestInvalidUTF8OverMLLP: messages whose bytes are not what MSH-18 says
// (invalid UTF-8 with no MSH-18 or with UNICODE UTF-8, overlong and
// surrogate encodings, bytes of another charset, NUL, an invalid MSH-18
// itself, UTF-16) are each answered with an ACK that parses and names the
// message; a stored report holds valid UTF-8; an unsupported or garbled
// MSH-18 is refused with AR; no log line holds the patient's data or the
// raw bytes.
func TestInvalidUTF8OverMLLP(t *testing.T) {
	var logs syncBuffer
	st := startStack(t, stackConfig{log: &logs})
	const text = "Hypodense mass in the pancreatic head"
	tests := []struct {
		name       string
		msg        []byte
		ack        string
		storedText string // a substring the stored report's text must hold
	}{
		{"invalid UTF-8, no MSH-18", hostileORU("", "U1", "Quartermain\xff", text+" \xfe\xff end"), "AA", text + " þÿ end"},
		{"invalid UTF-8 under UNICODE UTF-8", hostileORU("UNICODE UTF-8", "U2", "Quartermain", text+" caf\xe9 \xc3"), "AA", "café Ã"},
		{"overlong and surrogate encodings", hostileORU("UNICODE UTF-8", "U3", "Quartermain", text+" \xc0\xaf \xed\xa0\x80"), "AA", text},
		{"Latin-1 declared and sent", hostileORU("8859/1", "U4", "Quartermain", text+" M\xfcller"), "AA", "Müller"},
		{"UTF-8 sent under 8859/1", hostileORU("8859/1", "U5", "Quartermain", text+" M\xc3\xbcller"), "AA", "MÃ¼ller"},
		{"NUL bytes", hostileORU("", "U6", "Quarter\x00main", text+" \x00\x00 end"), "AA", text},
		{"invalid UTF-8 in MSH-10", hostileORU("", "U7\xff", "Quartermain", text), "AA", text},
		{"unsupported MSH-18", hostileORU("ISO IR87", "U8", "Quartermain", text), "AR", ""},
		{"MSH-18 of invalid bytes", hostileORU("\xff\xfe\xfd", "U9", "Quartermain", text), "AR", ""},
		{"UTF-8 byte order mark first", append([]byte("\xef\xbb\xbf"), hostileORU("UNICODE UTF-8", "U10", "Quartermain", text)...), "AA", text},
		{"UTF-16", utf16LE(hostileORU("UNICODE", "U11", "Quartermain", text)), "AR", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := streamCount(t, st.bus)
			got := sendMsg(t, st.addr, tc.msg)
			if got.code != tc.ack {
				t.Fatalf("ACK %s (%s), want %s", got.code, got.text, tc.ack)
			}
			if !utf8.ValidString(got.controlID) || !utf8.ValidString(got.text) {
				t.Errorf("ACK holds invalid UTF-8: %+v", got)
			}
			if strings.Contains(got.text, "Quartermain") || strings.Contains(got.text, "Hypodense") {
				t.Errorf("ACK text quotes the message: %q", got.text)
			}
			n := streamCount(t, st.bus)
			if tc.ack != "AA" {
				if n != before {
					t.Errorf("a refused message was stored")
				}
				return
			}
			if n != before+1 {
				t.Fatalf("stream holds %d reports, want %d", n, before+1)
			}
			r := storedReport(t, st.bus, n)
			for _, s := range []string{r.Text, r.ID, r.MessageID, r.Patient.Value} {
				if !utf8.ValidString(s) {
					t.Errorf("stored report holds invalid UTF-8: %q", s)
				}
			}
			if !strings.Contains(r.Text, tc.storedText) {
				t.Errorf("stored text %q does not hold %q", r.Text, tc.storedText)
			}
		})
	}
	st.stop()
	out := logs.String()
	if !utf8.ValidString(out) {
		t.Error("the log is not valid UTF-8")
	}
	for _, s := range []string{"Quartermain", "Quarter", "Zebedee", "MRN-UTF8-90210", "19470203", "Hypodense", "M\xfcller"} {
		if strings.Contains(out, s) {
			t.Errorf("log holds %q", s)
		}
	}
	if !strings.Contains(out, "message rejected") || !strings.Contains(out, "report stored") {
		t.Errorf("log lacks the stored and rejected lines:\n%s", out)
	}
}

func utf16LE(b []byte) []byte {
	var out bytes.Buffer
	out.Write([]byte{0xff, 0xfe})
	for _, c := range b {
		out.Write([]byte{c, 0})
	}
	return out.Bytes()
}

// TestBareMSHSegmentOverMLLP: a later segment that is only "MSH" (two
// messages run together, cut short) made the parser panic, so Handle
// answered AE and the interface engine would have resent the message for
// ever. It is now answered for what it is, and no panic is logged. Found
// by FuzzParse (testdata/fuzz/FuzzParse/332b425a88b5b241).
func TestBareMSHSegmentOverMLLP(t *testing.T) {
	var logs syncBuffer
	st := startStack(t, stackConfig{log: &logs})
	good := hostileORU("", "BARE1", "Quartermain", "Hypodense mass in the pancreatic head")
	for _, msg := range [][]byte{
		append(append([]byte(nil), good...), "MSH"...),
		append(append([]byte(nil), good...), "MSH\rPID|1\r"...),
		[]byte("MSH|!\"#$%|00000000000000000000\rMSH"),
	} {
		if got := sendMsg(t, st.addr, msg); got.code == "AE" {
			t.Errorf("%q answered AE (%s): the engine would resend it for ever", msg[len(msg)-12:], got.text)
		}
	}
	st.stop()
	if strings.Contains(logs.String(), "panic") {
		t.Errorf("the parser panicked:\n%s", logs.String())
	}
}
