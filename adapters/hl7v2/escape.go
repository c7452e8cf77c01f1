package hl7v2

import (
	"strconv"
	"strings"
)

// Unescape decodes s as received in a field of m: delimiter escapes (\F\
// \S\ \T\ \R\ \E\, and \P\ in v2.7+), hexadecimal data (\Xhh..\, read in
// the message's character set), formatting (\.br\ and \.sp\ as line
// breaks, \.sk n\ as spaces, other formatting commands dropped), and
// highlighting and character-set switches (\H\ \N\ \C..\ \M..\ \Z..\)
// dropped. An escape it does not know, or an escape character with no
// closing one, is kept as text: senders that do not escape a backslash in
// a path should not lose it. CR and CRLF become LF.
func (m *Message) Unescape(s string) string { return unescape(s, m.Delims, m.cs) }

func unescape(s string, d Delimiters, cs charset) string {
	if strings.IndexByte(s, d.Escape) < 0 && strings.IndexByte(s, '\r') < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c != d.Escape {
			b.WriteByte(c)
			i++
			continue
		}
		j := strings.IndexByte(s[i+1:], d.Escape)
		if j < 0 {
			b.WriteString(s[i:])
			break
		}
		if out, ok := decodeEscape(s[i+1:i+1+j], d, cs); ok {
			b.WriteString(out)
			i += j + 2
			continue
		}
		b.WriteByte(c)
		i++
	}
	out := b.String()
	if strings.IndexByte(out, '\r') >= 0 {
		out = strings.ReplaceAll(out, "\r\n", "\n")
		out = strings.ReplaceAll(out, "\r", "\n")
	}
	return out
}

// maxFormatRepeat caps \.sp n\ and \.sk n\ so a message cannot ask for a
// million line breaks.
const maxFormatRepeat = 20

func decodeEscape(seq string, d Delimiters, cs charset) (string, bool) {
	switch seq {
	case "F":
		return string(d.Field), true
	case "S":
		return string(d.Component), true
	case "T":
		return string(d.Subcomponent), true
	case "R":
		return string(d.Repetition), true
	case "E":
		return string(d.Escape), true
	case "P":
		if d.Truncation != 0 {
			return string(d.Truncation), true
		}
		return "", false
	case "H", "N":
		return "", true
	case "":
		return "", false
	}
	switch seq[0] {
	case 'X', 'x':
		raw, ok := decodeHex(seq[1:])
		if !ok {
			return "", false
		}
		return cs.decode(raw), true
	case 'C', 'M':
		if _, ok := decodeHex(seq[1:]); ok {
			return "", true
		}
		return "", false
	case 'Z':
		return "", true
	case '.':
		return formatCommand(seq[1:])
	}
	return "", false
}

func formatCommand(cmd string) (string, bool) {
	if len(cmd) < 2 {
		return "", false
	}
	name, arg := strings.ToLower(cmd[:2]), strings.TrimSpace(cmd[2:])
	n := 1
	if arg != "" {
		v, err := strconv.Atoi(strings.TrimPrefix(arg, "+"))
		if err != nil {
			return "", false
		}
		n = v
	}
	switch name {
	case "br":
		return "\n", arg == ""
	case "sp":
		// End the line, then skip n lines.
		return strings.Repeat("\n", 1+clamp(n, 1, maxFormatRepeat)), true
	case "sk":
		return strings.Repeat(" ", clamp(n, 1, maxFormatRepeat)), true
	case "ce":
		return "\n", arg == ""
	case "fi", "nf":
		return "", arg == ""
	case "in", "ti":
		return "", true
	}
	return "", false
}

func clamp(n, lo, hi int) int {
	return max(lo, min(n, hi))
}

func decodeHex(h string) ([]byte, bool) {
	if len(h) == 0 || len(h)%2 != 0 {
		return nil, false
	}
	out := make([]byte, len(h)/2)
	for i := range out {
		hi, ok1 := hexVal(h[2*i])
		lo, ok2 := hexVal(h[2*i+1])
		if !ok1 || !ok2 {
			return nil, false
		}
		out[i] = hi<<4 | lo
	}
	return out, true
}

func hexVal(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// Escape encodes text for a field written with delimiters d: delimiters
// become escape sequences and line breaks become \.br\ (a formatting
// command every receiver of text fields knows).
func Escape(s string, d Delimiters) string {
	needs := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case d.Field, d.Component, d.Repetition, d.Escape, d.Subcomponent, '\r', '\n':
			needs = true
		default:
			if d.Truncation != 0 && c == d.Truncation {
				needs = true
			}
		}
	}
	if !needs {
		return s
	}
	e := string(d.Escape)
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == d.Escape:
			b.WriteString(e + "E" + e)
		case c == d.Field:
			b.WriteString(e + "F" + e)
		case c == d.Component:
			b.WriteString(e + "S" + e)
		case c == d.Repetition:
			b.WriteString(e + "R" + e)
		case c == d.Subcomponent:
			b.WriteString(e + "T" + e)
		case d.Truncation != 0 && c == d.Truncation:
			b.WriteString(e + "P" + e)
		case c == '\r' && i+1 < len(s) && s[i+1] == '\n':
			// CRLF is one break.
		case c == '\r' || c == '\n':
			b.WriteString(e + ".br" + e)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
