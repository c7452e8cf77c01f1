package hl7v2

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/radflag/radflag/pipeline"
)

const sample = "MSH|^~\\&|RIS|CITYHOSP|RADFLAG|CITYHOSP|20260115103000||ORU^R01^ORU_R01|MSG1|P|2.5.1\r" +
	"PID|1||123^^^HOSP^MR~987^^^SSA^SS||Doe^Jane\r" +
	"OBR|1|ORD^EPIC|ACC1^RIS|71260^CT THORAX^C4\r" +
	"OBX|1|TX|18782-3^Findings^LN||a\\S\\b~line 2||||||F\r" +
	"OBX|2|CE|19005-8^Impression^LN||X1^Coded text^L||||||F\r" +
	"ZDS|1.2.3^RIS^Application^DICOM\r"

func mustParse(t *testing.T, s string) *Message {
	t.Helper()
	m, err := Parse([]byte(s), Limits{})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return m
}

func TestGet(t *testing.T) {
	m := mustParse(t, sample)
	tests := []struct{ path, want string }{
		{"MSH-1", "|"},
		{"MSH-2", "^~\\&"},
		{"MSH-9", "ORU"},
		{"MSH-9.2", "R01"},
		{"MSH.10", "MSG1"},
		{"MSH-12", "2.5.1"},
		{"PID-3", "123"},
		{"PID-3.1", "123"},
		{"PID-3(2).1", "987"},
		{"PID-3[2].4", "SSA"},
		{"PID-5.2", "Jane"},
		{"OBX-5", "a^b"},
		{"OBX-5(2)", "line 2"},
		{"OBX(2)-5.2", "Coded text"},
		{"OBX(3)-5", ""},
		{"OBR-3.2", "RIS"},
		{"ZDS-1.4", "DICOM"},
		{"PID-99", ""},
		{"bad", ""},
		{"PID-0x", ""},
	}
	for _, tc := range tests {
		if got := m.Get(tc.path); got != tc.want {
			t.Errorf("Get(%q) = %q, want %q", tc.path, got, tc.want)
		}
	}
	if got := strings.Join(m.GetAll("PID-3.1"), ","); got != "123,987" {
		t.Errorf("GetAll(PID-3.1) = %q", got)
	}
	if code, event := m.Type(); code != "ORU" || event != "R01" {
		t.Errorf("Type = %q %q", code, event)
	}
}

func TestParsePath(t *testing.T) {
	p, err := ParsePath("OBX(2)-5(3).1.2")
	if err != nil {
		t.Fatal(err)
	}
	if want := (Path{Segment: "OBX", Occurrence: 2, Field: 5, Rep: 3, Comp: 1, Sub: 2}); p != want {
		t.Errorf("ParsePath = %+v, want %+v", p, want)
	}
	for _, bad := range []string{"", "ob-5", "OBX", "OBX-", "OBX-a", "OBX-5.1.2.3", "OBX(-5", "OBX-5(0)", "OBX-100000"} {
		if _, err := ParsePath(bad); err == nil {
			t.Errorf("ParsePath(%q) succeeded", bad)
		}
	}
}

func TestParseSegmentEnds(t *testing.T) {
	for name, end := range map[string]string{"CR": "\r", "LF": "\n", "CRLF": "\r\n"} {
		t.Run(name, func(t *testing.T) {
			m := mustParse(t, strings.ReplaceAll(sample, "\r", end))
			if n := len(m.Segments()); n != 6 {
				t.Fatalf("%d segments, want 6", n)
			}
			if got := m.Get("ZDS-1.1"); got != "1.2.3" {
				t.Errorf("ZDS-1.1 = %q", got)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, msg string
		lim       Limits
		code      ErrorCode
		reason    string
	}{
		{"empty", "", Limits{}, CodeSegmentSequence, "no_msh"},
		{"no MSH", "PID|1||123\r", Limits{}, CodeSegmentSequence, "no_msh"},
		{"short MSH", "MSH|^~", Limits{}, CodeDataType, "bad_delimiters"},
		{"letter separator", "MSHX^~\\&X", Limits{}, CodeDataType, "bad_delimiters"},
		{"repeated encoding char", "MSH|^^\\&|A", Limits{}, CodeDataType, "bad_delimiters"},
		{"three encoding chars", "MSH|^~\\|A", Limits{}, CodeDataType, "bad_delimiters"},
		{"charset", "MSH|^~\\&|A|B|C|D|1||ORU^R01|1|P|2.5||||||ISO IR87\r", Limits{}, CodeTableValue, "charset"},
		{"too large", sample, Limits{MaxBytes: 100}, CodeInternal, "too_large"},
		{"too many segments", sample, Limits{MaxSegments: 3}, CodeInternal, "too_many_segments"},
		{"too many fields", sample, Limits{MaxFields: 5}, CodeInternal, "too_many_fields"},
		{"field too long", sample, Limits{MaxFieldBytes: 10}, CodeInternal, "field_too_long"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.msg), tc.lim)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse error = %v, want *Error", err)
			}
			if e.Code != tc.code || e.Reason != tc.reason {
				t.Errorf("got %d %s (%v), want %d %s", e.Code, e.Reason, e, tc.code, tc.reason)
			}
		})
	}
}

func TestParseHeaderOnlyOnError(t *testing.T) {
	m, err := Parse([]byte(sample), Limits{MaxSegments: 2})
	if err == nil || m == nil {
		t.Fatalf("want an error and the header, got %v, %v", m, err)
	}
	if m.ControlID() != "MSG1" || len(m.Segments()) != 1 {
		t.Errorf("header-only message: control id %q, %d segments", m.ControlID(), len(m.Segments()))
	}
}

func TestParseTolerance(t *testing.T) {
	// BOM and blank lines before MSH, a raw line break inside OBX-5, an
	// unknown segment, and a continuation line that must not touch MSH.
	msg := "\xef\xbb\xbf\r\n" + "MSH|^~\\&|RIS|H|||1||ORU^R01|C1|P|2.5\r" +
		"not a segment after MSH\r" +
		"OBX|1|TX|X||first line\nsecond line||||||F\r" +
		"XYZ|whatever\r"
	m := mustParse(t, msg)
	if got := m.Get("MSH-12"); got != "2.5" {
		t.Errorf("MSH-12 = %q", got)
	}
	if got := m.Get("OBX-5"); got != "first line\nsecond line" {
		t.Errorf("OBX-5 = %q", got)
	}
	if got := m.Get("OBX-11"); got != "F" {
		t.Errorf("OBX-11 after a line break = %q", got)
	}
	if got := m.Get("XYZ-1"); got != "whatever" {
		t.Errorf("XYZ-1 = %q", got)
	}
}

func TestUnescape(t *testing.T) {
	d := DefaultDelimiters
	tests := []struct{ in, want string }{
		{`plain`, `plain`},
		{`a\F\b\S\c\T\d\R\e\E\f`, `a|b^c&d~e\f`},
		{`x\.br\y`, "x\ny"},
		{`x\.BR\y`, "x\ny"},
		{`x\.sp\y`, "x\n\ny"},
		{`x\.sp2\y`, "x\n\n\ny"},
		{`x\.sk3\y`, "x   y"},
		{`\.in+4\indented\.fi\`, "indented"},
		{`\H\URGENT\N\ done`, "URGENT done"},
		{`hex \X0D0A\ done`, "hex \n done"},
		{`hex \X4142\`, "hex AB"},
		{`utf8 \XC3A9\`, "utf8 é"},
		{`\C2842\switch`, "switch"},
		{`\Zlocal\x`, "x"},
		{`C:\scans\file`, `C:\scans\file`},
		{`trailing \`, `trailing \`},
		{`\X0\odd`, `\X0\odd`},
		{`\\`, `\\`},
		{"cr\rlf\r\nend", "cr\nlf\nend"},
		{`\.sp999\`, strings.Repeat("\n", 21)},
	}
	for _, tc := range tests {
		if got := unescape(tc.in, d, csAuto); got != tc.want {
			t.Errorf("unescape(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// \X..\ is read in the message's character set.
	if got := unescape(`\XE9\`, d, csLatin1); got != "é" {
		t.Errorf("latin1 hex = %q", got)
	}
	// \P\ only with a truncation character.
	d7 := d
	d7.Truncation = '#'
	if got := unescape(`a\P\b`, d7, csAuto); got != "a#b" {
		t.Errorf("truncation escape = %q", got)
	}
}

func TestEscapeRoundTrip(t *testing.T) {
	d := DefaultDelimiters
	d.Truncation = '#'
	for _, s := range []string{"", "plain", `a|b^c&d~e\f#g`, "two\nlines", "crlf\r\nline"} {
		got := unescape(Escape(s, d), d, csAuto)
		want := strings.ReplaceAll(s, "\r\n", "\n")
		if got != want {
			t.Errorf("unescape(Escape(%q)) = %q", s, got)
		}
	}
}

func TestCharsets(t *testing.T) {
	tests := []struct {
		charset string
		in      []byte
		want    string
	}{
		{"", []byte("M\xc3\xbcller"), "Müller"},
		{"UNICODE UTF-8", []byte("M\xc3\xbcller"), "Müller"},
		{"UNICODE UTF-8", []byte("M\xfcller"), "Müller"}, // declared UTF-8, sent Latin-1
		{"ASCII", []byte("caf\xe9 \x80"), "café €"},
		{"8859/1", []byte("Gr\xf6\xdfe"), "Größe"},
		{"8859/15", []byte("\xa4"), "€"},
		{"8859/1", []byte("\xa4"), "¤"},
	}
	for _, tc := range tests {
		cs, err := lookupCharset(tc.charset)
		if err != nil {
			t.Fatalf("lookupCharset(%q): %v", tc.charset, err)
		}
		if got := cs.decode(tc.in); got != tc.want {
			t.Errorf("%q decode(%q) = %q, want %q", tc.charset, tc.in, got, tc.want)
		}
		if cs != csAuto {
			if back := cs.encode(tc.want); back != string(tc.in) {
				t.Errorf("%q encode(%q) = %q, want %q", tc.charset, tc.want, back, tc.in)
			}
		}
	}
}

func TestParseTime(t *testing.T) {
	utc := time.UTC
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2026", time.Date(2026, 1, 1, 0, 0, 0, 0, utc), true},
		{"202603", time.Date(2026, 3, 1, 0, 0, 0, 0, utc), true},
		{"20260315", time.Date(2026, 3, 15, 0, 0, 0, 0, utc), true},
		{"202603151230", time.Date(2026, 3, 15, 12, 30, 0, 0, utc), true},
		{"20260315123045.25", time.Date(2026, 3, 15, 12, 30, 45, 250e6, utc), true},
		{"20260315123045+0100", time.Date(2026, 3, 15, 11, 30, 45, 0, utc), true},
		{"20260315123045-0500", time.Date(2026, 3, 15, 17, 30, 45, 0, utc), true},
		{"", time.Time{}, false},
		{"2026031", time.Time{}, false},
		{"20261315", time.Time{}, false},
		{"20260315+01", time.Time{}, false},
		{"abcd", time.Time{}, false},
	}
	for _, tc := range tests {
		got, ok := ParseTime(tc.in, utc)
		if ok != tc.ok || !got.Equal(tc.want) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestCTRule(t *testing.T) {
	def, err := CTRule{}.compile()
	if err != nil {
		t.Fatal(err)
	}
	custom, err := CTRule{Modalities: []string{}, Codes: []string{"LOCAL9"}, Pattern: `^TDM\b`}.compile()
	if err != nil {
		t.Fatal(err)
	}
	obr := func(fields string) *Segment {
		return mustParse(t, "MSH|^~\\&|A|B|||1||ORU^R01|1|P|2.5\rOBR|"+fields+"\r").First("OBR")
	}
	tests := []struct {
		name    string
		obr     string
		def, cu bool
	}{
		{"OBR-24 CT", "1||A|X^MRI BRAIN^L" + strings.Repeat("|", 20) + "CT", true, false},
		{"CPT in range", "1||A|74177^ABD PELVIS W^C4", true, false},
		{"CPT guidance", "1||A|77012^GUIDANCE^C4", true, false},
		{"CPT out of range", "1||A|74183^MRI ABDOMEN^C4", false, false},
		{"alternate code", "1||A|L1^Local^L^71250^Chest^C4", true, false},
		{"text CT", "1||A|L1^CT ABDOMEN^L", true, false},
		{"text CTA", "1||A|L1^CTA chest^L", true, false},
		{"text computed tomography", "1||A|L1^Computed tomography of abdomen^L", true, false},
		{"text PET/CT", "1||A|L1^PET/CT whole body^L", true, false},
		{"text word containing ct", "1||A|L1^Doctor's dictation^L", false, false},
		{"custom code", "1||A|LOCAL9^Scan^L", false, true},
		{"custom pattern", "1||A|X^TDM abdominale^L", false, true},
		{"no OBR-4", "1||A", false, false},
	}
	for _, tc := range tests {
		s := obr(tc.obr)
		if got := def.match(s); got != tc.def {
			t.Errorf("%s: default rule = %v, want %v", tc.name, got, tc.def)
		}
		if got := custom.match(s); got != tc.cu {
			t.Errorf("%s: custom rule = %v, want %v", tc.name, got, tc.cu)
		}
	}
	for _, bad := range []CTRule{{Codes: []string{"9-1"}}, {Codes: []string{"a-b"}}, {Pattern: "("}} {
		if _, err := bad.compile(); err == nil {
			t.Errorf("compile(%+v) succeeded", bad)
		}
	}
}

func TestSplitMessages(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
		err  bool
	}{
		{"one CR message", "MSH|a\rPID|1\r", []string{"MSH|a\rPID|1\r"}, false},
		{"LF and CRLF, two messages", "MSH|a\nPID|1\n\nMSH|b\r\nPID|2\r\n", []string{"MSH|a\rPID|1\r", "MSH|b\rPID|2\r"}, false},
		{"no final segment end", "MSH|a\rPID|1", []string{"MSH|a\rPID|1\r"}, false},
		{"MLLP framed and batch envelope", "FHS|x\rBHS|y\r\x0bMSH|a\rPID|1\r\x1c\r\x0bMSH|b\r\x1c\rBTS|2\rFTS|1\r", []string{"MSH|a\rPID|1\r", "MSH|b\r"}, false},
		{"Latin-1 bytes kept", "MSH|a\rPID|1||M\xfcller\r", []string{"MSH|a\rPID|1||M\xfcller\r"}, false},
		{"text before MSH", "hello\rMSH|a\r", nil, true},
		{"empty", "\r\n", nil, true},
	}
	for _, tc := range tests {
		got, err := SplitMessages([]byte(tc.in))
		if (err != nil) != tc.err {
			t.Errorf("%s: err = %v", tc.name, err)
			continue
		}
		var gs []string
		for _, g := range got {
			gs = append(gs, string(g))
		}
		if strings.Join(gs, "|") != strings.Join(tc.want, "|") || len(gs) != len(tc.want) {
			t.Errorf("%s: got %q, want %q", tc.name, gs, tc.want)
		}
	}
}

func TestReportTextStyles(t *testing.T) {
	msh := "MSH|^~\\&|RIS|H|||1||ORU^R01|C|P|2.5\r"
	tests := []struct {
		name string
		obx  string
		text string
		want pipeline.Sections
	}{
		{
			name: "code per section, no headings",
			obx:  "OBX|1|TX|18785-6||Pain.\rOBX|2|TX|18782-3||Mass.\rOBX|3|TX|19005-8||Cancer.\r",
			text: "Pain.\nMass.\nCancer.",
			want: pipeline.Sections{Indication: "Pain.", Findings: "Mass.", Impression: "Cancer."},
		},
		{
			name: "one OBX per line under one code, headings carry over",
			obx: "OBX|1|TX|GDT||INDICATION: Pain.\rOBX|2|TX|GDT||FINDINGS:\rOBX|3|TX|GDT||Mass.\rOBX|4|TX|GDT||\r" +
				"OBX|5|TX|GDT||Second paragraph.\rOBX|6|TX|GDT||IMPRESSION: Cancer.\r",
			text: "INDICATION: Pain.\nFINDINGS:\nMass.\n\nSecond paragraph.\nIMPRESSION: Cancer.",
			want: pipeline.Sections{Indication: "Pain.", Findings: "Mass.\n\nSecond paragraph.", Impression: "Cancer."},
		},
		{
			name: "heading wins over its OBX code; other headings drop text",
			obx:  "OBX|1|TX|19005-8||TECHNIQUE: Axial.~IMPRESSION: Cancer.\r",
			text: "TECHNIQUE: Axial.\nIMPRESSION: Cancer.",
			want: pipeline.Sections{Impression: "Cancer."},
		},
		{
			name: "no sections recognised",
			obx:  "OBX|1|TX|REPORT||Normal study.\r",
			text: "Normal study.",
		},
		{
			name: "blank lines collapse and trailing spaces go",
			obx:  "OBX|1|FT|IMP||a  \\.br\\\\.br\\\\.br\\\\.br\\b\r",
			text: "a\n\nb",
			want: pipeline.Sections{Impression: "a\n\nb"},
		},
		{
			name: "non-text values carry no text",
			obx:  "OBX|1|NM|X||12|mm\rOBX|2|RP|Y||http://x\rOBX|3|TX|Z||kept\r",
			text: "kept",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			text, secs := reportText(mustParse(t, msh+tc.obx))
			if text != tc.text || secs != tc.want {
				t.Errorf("got %q %+v\nwant %q %+v", text, secs, tc.text, tc.want)
			}
		})
	}
}

func TestHandleRecoversFromPanicWithAE(t *testing.T) {
	store := pipeline.ReportStoreFunc(func(context.Context, *pipeline.Report) (pipeline.StoreOutcome, error) {
		panic("store bug")
	})
	raw, err := os.ReadFile(filepath.Join(hl7Dir, "oru_ct.cr.hl7"))
	if err != nil {
		t.Fatal(err)
	}
	ack := mustParse(t, string(testIngest(t, store, nil).Handle(context.Background(), raw)))
	if ack.Get("MSA-1") != "AE" || ack.Get("MSA-2") != "MSG000123" {
		t.Errorf("ACK MSA = %q %q, want AE for MSG000123", ack.Get("MSA-1"), ack.Get("MSA-2"))
	}
}
