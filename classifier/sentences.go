package classifier

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Span is a sentence's byte range in a text.
type Span struct{ Start, End int }

// neverEnd are abbreviations whose period never ends a sentence.
var neverEnd = map[string]bool{
	"approx": true, "dr": true, "vs": true, "e.g": true, "i.e": true, "fig": true, "no": true, "st": true,
	"mr": true, "mrs": true, "ms": true, "cf": true, "c.f": true, "incl": true, "ref": true, "vol": true,
	"seg": true, "resp": true, "ca": true, "prev": true, "pt": true, "hx": true, "s/p": true, "etc": true,
}

// units end a sentence only when the next word starts with a capital.
var units = map[string]bool{
	"cm": true, "mm": true, "ml": true, "cc": true, "fr": true, "min": true, "max": true, "sec": true,
	"wk": true, "wks": true, "yr": true, "yrs": true, "hu": true, "mg": true, "kg": true,
}

// SplitSentences splits a report into sentences: at line breaks, and at
// '.', '!', '?' or '。' followed by space or the end, except after a known
// abbreviation ("approx.", "cm.") or inside a number ("2.5"). A heading on
// its own ("FINDINGS:") stays with what follows on its line. Offsets are
// bytes into text; spans are trimmed and never empty.
func SplitSentences(text string) []Span {
	var out []Span
	start := 0
	emit := func(end int) {
		s, e := start, end
		for s < e {
			r, n := utf8.DecodeRuneInString(text[s:])
			if !unicode.IsSpace(r) {
				break
			}
			s += n
		}
		for e > s {
			r, n := utf8.DecodeLastRuneInString(text[s:e])
			if !unicode.IsSpace(r) {
				break
			}
			e -= n
		}
		if e > s && hasLetterOrDigit(text[s:e]) {
			out = append(out, Span{s, e})
		}
		start = end
	}
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		switch {
		case r == '\n':
			emit(i)
		case r == '。' || r == '!' || r == '?':
			emit(i + n)
		case r == '.':
			next, _ := utf8.DecodeRuneInString(text[i+n:])
			atEnd := i+n >= len(text)
			if (atEnd || unicode.IsSpace(next)) && !isAbbreviation(text[start:i], text[i+n:]) {
				emit(i + n)
			}
		}
		i += n
	}
	emit(len(text))
	return out
}

func isAbbreviation(before, after string) bool {
	j := len(before)
	for j > 0 {
		r, n := utf8.DecodeLastRuneInString(before[:j])
		if unicode.IsSpace(r) || r == '(' {
			break
		}
		j -= n
	}
	w := strings.ToLower(before[j:])
	if w == "" {
		return false
	}
	if neverEnd[w] {
		return true
	}
	if units[w] {
		nextWord := strings.TrimLeftFunc(after, unicode.IsSpace)
		r, _ := utf8.DecodeRuneInString(nextWord)
		return nextWord != "" && !unicode.IsUpper(r)
	}
	// Single letters ("a.", initials) end no sentence.
	return utf8.RuneCountInString(w) == 1 && unicode.IsLetter([]rune(w)[0])
}

func hasLetterOrDigit(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return true
		}
	}
	return false
}
