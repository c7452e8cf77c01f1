package hl7v2

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// charset is how a message's bytes become UTF-8 text.
type charset int

const (
	// csAuto is UTF-8 where the bytes are valid UTF-8 and Windows-1252
	// (a superset of the printable 8859/1) byte by byte where they are not:
	// for ASCII, UTF-8 and an empty MSH-18, because senders that declare
	// one often send the other.
	csAuto charset = iota
	csLatin1
	csLatin9
	csWindows1252
)

// lookupCharset maps MSH-18 (HL7 table 0211, and the spellings senders use
// instead) to a decoder. Unsupported character sets are refused rather than
// guessed: a wrong guess would garble every non-ASCII letter.
func lookupCharset(name string) (charset, error) {
	// The usual spellings as sent, before the normalising below allocates.
	switch name {
	case "", "UNICODE UTF-8", "UTF-8", "ASCII":
		return csAuto, nil
	case "8859/1":
		return csLatin1, nil
	}
	n := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '_', '/', '.':
			return -1
		}
		return r
	}, strings.ToUpper(strings.TrimSpace(name)))
	switch n {
	case "", "ASCII", "USASCII", "ISOIR6", "UNICODEUTF8", "UTF8", "UNICODE", "ISOIR192":
		return csAuto, nil
	case "88591", "ISO88591", "ISOIR100", "LATIN1":
		return csLatin1, nil
	case "885915", "ISO885915", "LATIN9":
		return csLatin9, nil
	case "WINDOWS1252", "CP1252":
		return csWindows1252, nil
	}
	return 0, &Error{Code: CodeTableValue, Reason: "charset", Segment: "MSH", Seq: 1, Field: 18,
		Text: fmt.Sprintf("character set %q is not supported (ASCII, UNICODE UTF-8, 8859/1, 8859/15)", truncate(name, 40))}
}

// decode returns b as UTF-8 text.
func (c charset) decode(b []byte) string {
	// utf8.Valid checks ASCII eight bytes at a time, and ASCII is valid in
	// every supported set: one fast scan for the common cases.
	if utf8.Valid(b) && (c == csAuto || isASCII(b)) {
		return string(b)
	}
	var sb strings.Builder
	sb.Grow(len(b) + len(b)/8)
	for len(b) > 0 {
		if b[0] < 0x80 {
			sb.WriteByte(b[0])
			b = b[1:]
			continue
		}
		if c == csAuto {
			r, size := utf8.DecodeRune(b)
			if r != utf8.RuneError || size > 1 {
				sb.Write(b[:size])
				b = b[size:]
				continue
			}
		}
		sb.WriteRune(c.rune(b[0]))
		b = b[1:]
	}
	return sb.String()
}

func isASCII(b []byte) bool {
	for _, x := range b {
		if x >= 0x80 {
			return false
		}
	}
	return true
}

// rune decodes one byte >= 0x80 of a single-byte character set.
func (c charset) rune(x byte) rune {
	switch c {
	case csLatin1:
		return rune(x)
	case csLatin9:
		if r, ok := latin9[x]; ok {
			return r
		}
		return rune(x)
	}
	// csAuto falls back to Windows-1252 for bytes that are not UTF-8.
	if x >= 0x80 && x <= 0x9f {
		if r := cp1252[x-0x80]; r != 0 {
			return r
		}
	}
	return rune(x)
}

// encode writes UTF-8 text back in the message's character set, for the
// header fields an ACK mirrors. Characters the set cannot hold become '?'.
func (c charset) encode(s string) string {
	if c == csAuto {
		return s
	}
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	b := make([]byte, 0, len(s))
	for _, r := range s {
		switch {
		case r < 0x80:
			b = append(b, byte(r))
		case r < 0x100 && c.rune(byte(r)) == r:
			b = append(b, byte(r))
		default:
			enc := byte('?')
			for x := 0x80; x < 0x100; x++ {
				if c.rune(byte(x)) == r {
					enc = byte(x)
					break
				}
			}
			b = append(b, enc)
		}
	}
	return string(b)
}

var latin9 = map[byte]rune{0xA4: '€', 0xA6: 'Š', 0xA8: 'š', 0xB4: 'Ž', 0xB8: 'ž', 0xBC: 'Œ', 0xBD: 'œ', 0xBE: 'Ÿ'}

// cp1252 holds Windows-1252's characters for 0x80..0x9F (0: undefined).
var cp1252 = [32]rune{
	'€', 0, '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', 0, 'Ž', 0,
	0, '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', 0, 'ž', 'Ÿ',
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
