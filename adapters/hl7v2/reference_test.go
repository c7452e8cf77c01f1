package hl7v2

// The hot path's earlier implementations (before they were rewritten to
// allocate less), kept as references: the rewrites must give the same
// text, sections and ACKs for every input.

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/radflag/radflag/pipeline"
)

func refFormatTime(t time.Time) string {
	if t.IsZero() {
		t = time.Now()
	}
	return t.Format("20060102150405-0700")
}

func refBuildACK(orig *Message, code AckCode, o AckOptions) []byte {
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

	fs := string(d.Field)
	var b strings.Builder
	b.Grow(256)
	w := func(fields ...string) {
		b.WriteString(strings.Join(fields, fs))
		b.WriteByte('\r')
	}
	event := ""
	if msh != nil {
		event = nth(nth(msh.Field(9), d.Repetition, 1), d.Component, 2)
	}
	// ACK^<event>^ACK from v2.4 (message structure in MSH-9.3); 2.3 has two
	// components.
	msgType := "ACK"
	if old {
		if event != "" {
			msgType += string(d.Component) + cs.encode(event)
		}
	} else {
		msgType += string(d.Component) + cs.encode(event) + string(d.Component) + "ACK"
	}
	sendApp := raw(5)
	if sendApp == "" {
		sendApp = "RADFLAG"
	}
	processing := raw(11)
	if processing == "" {
		processing = "P"
	}
	hdr := []string{"MSH", d.EncodingChars(), sendApp, raw(6), raw(3), raw(4), refFormatTime(o.Now), "",
		msgType, text(o.ControlID), processing, version}
	// Mirror MSH-18 only when radflag supports it: an ACK must not declare
	// a character set its reader would refuse.
	if charset := raw(18); charset != "" && orig != nil && supportedCharset(orig.Charset) {
		hdr = append(hdr, "", "", "", "", "", charset)
	}
	w(hdr...)

	msa := []string{"MSA", string(code), raw(10)}
	if o.Text != "" {
		msa = append(msa, text(o.Text))
	}
	w(msa...)

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
		if oldERR {
			// ERR-1 (ELD): segment^sequence^field^code&text&HL70357.
			eld := e.Segment + cm + optInt(e.Seq, e.Segment != "") + cm + optInt(e.Field, e.Field > 0) + cm +
				codeNum + sm + e.Code.Text() + sm + "HL70357"
			w("ERR", eld)
		} else {
			w("ERR", "", loc, codeNum+cm+e.Code.Text()+cm+"HL70357", "E", "", "", "", text(e.Text))
		}
	}
	return []byte(b.String())
}

func refObxLines(obx *Segment) []string {
	m := obx.msg
	d := m.Delims
	var vals []string
	switch vt := strings.ToUpper(strings.TrimSpace(obx.v(2, 0, 0, 0))); vt {
	case "", "TX", "FT", "ST", "TEXT":
		// Text types are taken whole: senders put unescaped '^' and '&'
		// into report text, and splitting on them would lose words. An
		// empty one is a blank line (RIS that send one OBX per line).
		vals = append(vals, "")
		for i, rep := range obx.Reps(5) {
			if i == 0 {
				vals[0] = m.Unescape(rep)
				continue
			}
			vals = append(vals, m.Unescape(rep))
		}
	case "CE", "CWE", "CNE", "CF":
		for _, rep := range obx.Reps(5) {
			text := ""
			for _, c := range []int{2, 9, 5, 1} {
				if text = m.Unescape(nth(rep, d.Component, c)); strings.TrimSpace(text) != "" {
					break
				}
			}
			vals = append(vals, text)
		}
	case "ED":
		for _, rep := range obx.Reps(5) {
			if t, ok := edText(m, rep); ok {
				vals = append(vals, t)
			}
		}
	default:
		return nil
	}
	lines := make([]string, 0, len(vals))
	for _, v := range vals {
		for {
			l, rest, more := strings.Cut(v, "\n")
			lines = append(lines, strings.TrimRight(l, " \t"))
			if !more {
				break
			}
			v = rest
		}
	}
	return lines
}
func refReportText(m *Message) (string, pipeline.Sections) {
	var all []string
	var parts [4][]string // by pipeline.Section
	cur, lastCode := pipeline.SectionNone, pipeline.SectionNone
	for _, obx := range m.All("OBX") {
		lines := refObxLines(obx)
		if lines == nil {
			continue
		}
		code := pipeline.SectionForCode(obx.v(3, 0, 1, 0), obx.v(3, 0, 2, 0))
		if code != pipeline.SectionNone && code != lastCode {
			cur = code
		}
		if code != pipeline.SectionNone {
			lastCode = code
		}
		all = append(all, lines...)
		for _, l := range lines {
			broken := pipeline.BreakInlineHeadings(l)
			for {
				sub, rest, more := strings.Cut(broken, "\n")
				keep := true
				if sec, after, ok := pipeline.MatchHeading(sub); ok {
					cur, sub, keep = sec, after, after != ""
				}
				if keep && cur >= pipeline.SectionIndication && cur <= pipeline.SectionImpression {
					parts[cur] = append(parts[cur], sub)
				}
				if !more {
					break
				}
				broken = rest
			}
		}
	}
	var s pipeline.Sections
	s.Indication = refJoinLines(parts[pipeline.SectionIndication])
	s.Findings = refJoinLines(parts[pipeline.SectionFindings])
	s.Impression = refJoinLines(parts[pipeline.SectionImpression])
	return refJoinLines(all), s
}
func refJoinLines(lines []string) string {
	var b strings.Builder
	blank := 0
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			if b.Len() > 0 {
				blank++
			}
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\n")
			if blank > 0 {
				b.WriteString("\n")
			}
		}
		blank = 0
		b.WriteString(l)
	}
	return b.String()
}

var refVersionRE = regexp.MustCompile(`^2\.[3-8](?:\.[0-9]{1,2})?$`)

func TestSupportedVersion(t *testing.T) {
	for _, v := range []string{"", "2", "2.", "2.3", "2.5.1", "2.8.12", "2.8.123", "2.9", "2.2", "3.5", "2.5.", "2.5.a", "2.5.1.1", "2.51", "x2.5", "2.5 ", "2.5\n"} {
		if got, want := supportedVersion(v), refVersionRE.MatchString(v); got != want {
			t.Errorf("supportedVersion(%q) = %v, the regular expression says %v", v, got, want)
		}
	}
}

// checkSameAsReference parses data and compares the rewritten text,
// sections and ACKs with the reference implementations.
func checkSameAsReference(t *testing.T, data []byte) {
	t.Helper()
	m, err := Parse(data, Limits{})
	now := time.Date(2026, 7, 1, 12, 0, 0, 0, time.FixedZone("", 7200))
	for _, code := range []AckCode{AA, AE, AR} {
		e := &Error{Code: CodeRequiredMissing, Reason: "x", Segment: "OBR", Seq: 2, Field: 3, Text: "no | accession ^ here\r"}
		for _, o := range []AckOptions{{ControlID: "RF1", Now: now}, {ControlID: "RF|2", Now: now, Text: "not processed: x~y", Err: e}} {
			got, want := BuildACK(m, code, o), []byte(refBuildACK(m, code, o))
			if string(got) != string(want) {
				t.Fatalf("BuildACK differs from the reference:\n got %q\nwant %q", got, want)
			}
		}
	}
	if err != nil || m == nil {
		return
	}
	for _, obx := range m.All("OBX") {
		got, ok := appendOBXLines(nil, obx)
		want := refObxLines(obx)
		if ok != (want != nil) || !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Fatalf("appendOBXLines = %q, %v; the reference gives %q", got, ok, want)
		}
	}
	for _, seg := range m.segments {
		for f := range seg.Fields {
			v := seg.v(f, 0, 1, 0)
			got, gok := ParseTime(v, time.UTC)
			want, wok := refParseTime(v, time.UTC)
			if gok != wok || !got.Equal(want) {
				t.Fatalf("ParseTime(%q) = %v, %v; the reference gives %v, %v", v, got, gok, want, wok)
			}
		}
	}
	text, sec := reportText(m)
	wtext, wsec := refReportText(m)
	if text != wtext || sec != wsec {
		t.Fatalf("reportText differs from the reference:\n got %q %+v\nwant %q %+v", text, sec, wtext, wsec)
	}
}

// FuzzHotPathMatchesReference runs checkSameAsReference on the golden
// inputs, FuzzParse's corpus, and whatever the fuzzer makes of them.
func FuzzHotPathMatchesReference(f *testing.F) {
	for _, dir := range []string{hl7Dir, "testdata/fuzz/FuzzParse"} {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil || e.IsDir() {
				continue
			}
			if dir != hl7Dir {
				// A corpus file: "go test fuzz v1" and one []byte("...") line.
				_, lit, ok := strings.Cut(string(b), "[]byte(")
				if !ok {
					continue
				}
				s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimSpace(lit), ")"))
				if err != nil {
					continue
				}
				b = []byte(s)
			}
			f.Add(b)
		}
	}
	f.Add([]byte("MSH|^~\\&|A|B|||1||ORU^R01|X|P|2.3\rOBX|1|CE|IMP||^^^^x~a^b||||||F\rOBX|2|NM|x||5\rOBX|3|ED|I||^TEXT^^A^hello\\.br\\there\rOBX|4|TX|||\rOBX|5|TX|||a~~b  \rNTE|1"))
	f.Fuzz(func(t *testing.T, data []byte) { checkSameAsReference(t, data) })
}

func TestLineEnd(t *testing.T) {
	for _, s := range []string{"", "a", "\r", "\n", "ab\rc\nd", "ab\nc\rd", "abc\r\n", "\n\r", "x\r\r"} {
		if got, want := lineEnd(s), strings.IndexAny(s, "\r\n"); got != want {
			t.Errorf("lineEnd(%q) = %d, want %d", s, got, want)
		}
	}
}

func refParseTime(s string, loc *time.Location) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '^'); i >= 0 { // TS.2 degree of precision
		s = s[:i]
	}
	if len(s) < 4 {
		return time.Time{}, false
	}
	zone := ""
	if i := strings.IndexAny(s, "+-"); i >= 0 {
		s, zone = s[:i], s[i:]
	}
	frac := ""
	if i := strings.IndexByte(s, '.'); i >= 0 {
		s, frac = s[:i], s[i+1:]
	}
	if len(s) > 14 || len(s)%2 != 0 || !allDigits(s) || len(frac) > 4 || !allDigits(frac) {
		return time.Time{}, false
	}
	s += "0101000000"[max(0, len(s)-4):]
	t, err := time.ParseInLocation("20060102150405", s, loc)
	if err != nil {
		return time.Time{}, false
	}
	if frac != "" {
		ns := 0
		for i := 0; i < 9; i++ {
			ns *= 10
			if i < len(frac) {
				ns += int(frac[i] - '0')
			}
		}
		t = t.Add(time.Duration(ns))
	}
	if zone != "" {
		if len(zone) != 5 || !allDigits(zone[1:]) {
			return time.Time{}, false
		}
		h := int(zone[1]-'0')*10 + int(zone[2]-'0')
		mi := int(zone[3]-'0')*10 + int(zone[4]-'0')
		if h > 14 || mi > 59 {
			return time.Time{}, false
		}
		off := (h*60 + mi) * 60
		if zone[0] == '-' {
			off = -off
		}
		t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.FixedZone("", off))
	}
	return t, true
}

// TestParseTimeMatchesReference: ParseTime gives what it gave with
// time.ParseInLocation, at every boundary of every field.
func TestParseTimeMatchesReference(t *testing.T) {
	locs := []*time.Location{time.UTC, time.FixedZone("", -5*3600)}
	if berlin, err := time.LoadLocation("Europe/Berlin"); err == nil {
		locs = append(locs, berlin) // DST gaps and overlaps
	}
	var inputs []string
	for _, y := range []string{"0000", "1900", "2000", "2023", "2024", "2100", "2400", "9999"} {
		for mo := 0; mo <= 13; mo++ {
			for d := 0; d <= 32; d++ {
				inputs = append(inputs, fmt.Sprintf("%s%02d%02d", y, mo, d))
			}
		}
	}
	for _, hms := range []string{"", "00", "23", "24", "2359", "2360", "235959", "235960", "020000", "023000", "030000", "99"} {
		for _, tail := range []string{"", ".1", ".1234", ".12345", ".", "+0100", "-0530", "+1400", "+1500", "+0160", "-0000", "+01", "^S", ".5-0800", "-08"} {
			for _, day := range []string{"20260329", "20261025", "20240229", "20230229"} {
				inputs = append(inputs, day+hms+tail)
			}
		}
	}
	inputs = append(inputs, "", "2", "202", "2026", "20261", "2026x1", " 2026 ", "2026-01-01", "+2026", "202601011200000", "１２３４")
	for _, loc := range locs {
		for _, in := range inputs {
			got, gok := ParseTime(in, loc)
			want, wok := refParseTime(in, loc)
			if gok != wok || !got.Equal(want) || got.Location().String() != want.Location().String() {
				t.Errorf("ParseTime(%q, %s) = %v, %v; the reference gives %v, %v", in, loc, got, gok, want, wok)
			}
		}
	}
}
