package hl7v2

import (
	"encoding/base64"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/radflag/radflag/pipeline"
)

// appendOBXLines appends the text of one OBX-5 to dst as lines: each
// repetition of a text value is a line (RIS use '~' as a line break),
// formatting escapes become line breaks, coded values give their text, ED
// gives its data when it is text. Other value types (NM, RP, DT...) carry
// no report text: ok is false for them. It appends rather than returning
// its own slice because it runs for every OBX of every message.
func appendOBXLines(dst []string, obx *Segment) (out []string, ok bool) {
	m := obx.msg
	d := m.Delims
	field := obx.Field(5)
	// reps calls f for each repetition of OBX-5 as received; none when
	// the field is empty.
	reps := func(f func(rep string)) {
		if field == "" {
			return
		}
		for rest := field; ; {
			rep, tail, more := strings.Cut(rest, string(d.Repetition))
			f(rep)
			if !more {
				return
			}
			rest = tail
		}
	}
	emit := func(v string) {
		for {
			l, rest, more := strings.Cut(v, "\n")
			dst = append(dst, strings.TrimRight(l, " \t"))
			if !more {
				return
			}
			v = rest
		}
	}
	switch vt := strings.ToUpper(strings.TrimSpace(obx.v(2, 0, 0, 0))); vt {
	case "", "TX", "FT", "ST", "TEXT":
		// Text types are taken whole: senders put unescaped '^' and '&'
		// into report text, and splitting on them would lose words. An
		// empty one is a blank line (RIS that send one OBX per line).
		if field == "" {
			emit("")
		}
		reps(func(rep string) { emit(m.Unescape(rep)) })
	case "CE", "CWE", "CNE", "CF":
		reps(func(rep string) {
			text := ""
			for _, c := range []int{2, 9, 5, 1} {
				if text = m.Unescape(nth(rep, d.Component, c)); strings.TrimSpace(text) != "" {
					break
				}
			}
			emit(text)
		})
	case "ED":
		reps(func(rep string) {
			if t, ok := edText(m, rep); ok {
				emit(t)
			}
		})
	default:
		return dst, false
	}
	return dst, true
}

// edText reads encapsulated data (source^type^subtype^encoding^data) when
// it is plain text; a PDF or image carries no text radflag can read.
func edText(m *Message, rep string) (string, bool) {
	comp := func(i int) string { return nth(rep, m.Delims.Component, i) }
	typ, sub := strings.ToUpper(comp(2)), strings.ToUpper(comp(3))
	if typ != "TEXT" && typ != "TX" && sub != "PLAIN" && sub != "TEXT" {
		return "", false
	}
	switch enc := strings.ToUpper(comp(4)); enc {
	case "A", "":
		return m.Unescape(comp(5)), true
	case "BASE64":
		// Base64 data may be split over subcomponents or contain escapes.
		data := m.Unescape(strings.ReplaceAll(comp(5), string(m.Delims.Subcomponent), ""))
		b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(data), ""))
		if err != nil {
			return "", false
		}
		t := m.cs.decode(b)
		if !utf8.ValidString(t) {
			return "", false
		}
		return strings.ReplaceAll(strings.ReplaceAll(t, "\r\n", "\n"), "\r", "\n"), true
	}
	return "", false
}

// reportText builds the report's full text from every OBX in order, and
// its sections. A section starts where an OBX-3 code names a new one
// (LOINC 18785-6, 18782-3, 19005-8 and local codes such as IMP, GDT) or
// where a line starts with a heading (INDICATION:, FINDINGS:,
// IMPRESSION:...); a heading wins over the code of its OBX, and lasts over
// the following OBX until a code or heading changes it, because many RIS
// send one OBX per line under a single code.
func reportText(m *Message) (string, pipeline.Sections) {
	// Lines are gathered in stack buffers that fit an ordinary report, so
	// that only the joined strings are allocated.
	var allBuf [128]string
	var partBuf [3][48]string
	all := allBuf[:0]
	parts := [4][]string{nil, partBuf[0][:0], partBuf[1][:0], partBuf[2][:0]} // by pipeline.Section
	cur, lastCode := pipeline.SectionNone, pipeline.SectionNone
	for _, obx := range m.segments {
		if obx.Name != "OBX" {
			continue
		}
		start := len(all)
		var ok bool
		if all, ok = appendOBXLines(all, obx); !ok {
			continue
		}
		code := pipeline.SectionForCode(obx.v(3, 0, 1, 0), obx.v(3, 0, 2, 0))
		if code != pipeline.SectionNone && code != lastCode {
			cur = code
		}
		if code != pipeline.SectionNone {
			lastCode = code
		}
		for _, l := range all[start:] {
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
	s.Indication = joinLines(parts[pipeline.SectionIndication])
	s.Findings = joinLines(parts[pipeline.SectionFindings])
	s.Impression = joinLines(parts[pipeline.SectionImpression])
	return joinLines(all), s
}

// joinLines joins lines with LF, keeping at most one blank line in a row,
// and trims the ends. It measures first, so that the result is one
// allocation.
func joinLines(lines []string) string {
	n := 0
	for _, l := range lines {
		n += len(l) + 2
	}
	var b strings.Builder
	blank := 0
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			if b.Len() > 0 {
				blank++
			}
			continue
		}
		if b.Len() == 0 {
			b.Grow(n)
		} else {
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

// ParseTime reads an HL7 DTM/TS value, YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ],
// in loc when it has no offset. ok is false when s is empty or malformed.
func ParseTime(s string, loc *time.Location) (time.Time, bool) {
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
	if len(s) < 4 || len(s) > 14 || len(s)%2 != 0 || !allDigits(s) || len(frac) > 4 || !allDigits(frac) {
		return time.Time{}, false
	}
	s += "0101000000"[max(0, len(s)-4):]
	// What time.ParseInLocation("20060102150405", s, loc) checks and
	// gives, without its layout interpreter (it ran for every message).
	num := func(i, n int) int {
		v := 0
		for _, c := range []byte(s[i : i+n]) {
			v = v*10 + int(c-'0')
		}
		return v
	}
	year, month, day := num(0, 4), num(4, 2), num(6, 2)
	hour, minute, sec := num(8, 2), num(10, 2), num(12, 2)
	if month < 1 || month > 12 || day < 1 || day > daysIn(month, year) || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, 0, loc)
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

// daysIn is the number of days in month of year (proleptic Gregorian).
func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
