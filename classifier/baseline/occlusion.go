package baseline

import (
	"maps"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Occlusion reads a text once so that its prediction without one span at a
// time costs only the span's neighbourhood, not a new reading of the whole
// text: the n-gram counts of the text, less those of a region around the
// span, plus those of that region with the span taken out. Evidence asks
// this for every sentence of a flagged report.
//
// The result is exactly Predict(text[:start] + " " + text[end:])
// (TestOcclusionMatchesPredict, FuzzOcclusion): the region runs between
// two points where tokenize starts afresh in both texts, so the counts
// outside it are the same in both.
type Occlusion struct {
	m      *Model
	text   string
	counts map[string]int
}

// Occlude reads text for Without.
func (m *Model) Occlude(text string) *Occlusion {
	return &Occlusion{m: m, text: text, counts: ngrams(text)}
}

// Predict is the prediction for the whole text.
func (o *Occlusion) Predict() Prediction { return o.m.predictCounts(o.counts) }

// Without is the prediction for the text with text[start:end] replaced by
// one space (0 ≤ start ≤ end ≤ len(text)).
func (o *Occlusion) Without(start, end int) Prediction {
	a, b := restartBefore(o.text, start), restartAfter(o.text, end)
	counts := maps.Clone(o.counts)
	for g, c := range ngrams(o.text[a:b]) {
		if counts[g] -= c; counts[g] == 0 {
			delete(counts, g)
		}
	}
	for g, c := range ngrams(o.text[a:start] + " " + o.text[end:b]) {
		counts[g] += c
	}
	return o.m.predictCounts(counts)
}

// restartBefore returns the last point p ≤ pos just after a segment break
// (0 when there is none): tokenize reads text[:p] and text[p:] as it reads
// them within text. Only ASCII breaks are used (a UTF-8 continuation byte
// is never ASCII); fewer restart points only make the region larger.
func restartBefore(text string, pos int) int {
	for i := pos - 1; i >= 0; i-- {
		if restartsAfter(text, i) {
			return i + 1
		}
	}
	return 0
}

// restartAfter returns the first point p > pos just after a segment break
// at or after pos (len(text) when there is none). The break lies at or after
// pos, so it is also in the text with the span removed.
func restartAfter(text string, pos int) int {
	for i := pos; i < len(text); i++ {
		if restartsAfter(text, i) {
			return i + 1
		}
	}
	return len(text)
}

// restartsAfter reports whether the byte at i is a break that always ends
// a segment: a '.' followed by a digit may be a decimal point.
func restartsAfter(text string, i int) bool {
	c := text[i]
	if c >= utf8.RuneSelf || !strings.ContainsRune(".;:!?\n\r", rune(c)) {
		return false
	}
	if c == '.' && i+1 < len(text) {
		r, _ := utf8.DecodeRuneInString(text[i+1:])
		return !unicode.IsDigit(r)
	}
	return true
}
