package baseline

import (
	"math"
	"slices"
	"strings"
	"unicode"
)

// tokenize lower-cases text and splits it into word tokens. Runs of letters
// and digits are words; a number becomes "0" so "2.6 cm" and "3.1 cm" share
// features. Han, Hiragana and Katakana have no spaces between words, so each
// such character is a token of its own and bigrams pair neighbours. Sentence
// punctuation and line breaks end a segment: bigrams never cross one, so
// "no mass. pancreas" does not yield "mass pancreas".
func tokenize(text string) [][]string {
	var segs [][]string
	var cur []string
	var word []rune
	flushWord := func() {
		if len(word) == 0 {
			return
		}
		w := string(word)
		if isNumber(word) {
			w = "0"
		}
		cur = append(cur, w)
		word = word[:0]
	}
	flushSeg := func() {
		flushWord()
		if len(cur) > 0 {
			segs = append(segs, cur)
			cur = nil
		}
	}
	runes := []rune(strings.ToLower(text))
	for i, r := range runes {
		switch {
		case isCJK(r):
			flushWord()
			cur = append(cur, string(r))
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			word = append(word, r)
		case r == '.' && len(word) > 0 && isNumber(word) && i+1 < len(runes) && unicode.IsDigit(runes[i+1]):
			// decimal point inside a number: keep "2.6" one number
			word = append(word, r)
		case isBreak(r):
			flushSeg()
		default:
			flushWord()
		}
	}
	flushSeg()
	return segs
}

func isNumber(w []rune) bool {
	for _, r := range w {
		if !unicode.IsDigit(r) && r != '.' {
			return false
		}
	}
	return true
}

func isCJK(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana)
}

// isBreak reports sentence-ending punctuation, ASCII and full-width.
func isBreak(r rune) bool {
	switch r {
	case '.', ';', ':', '\n', '\r', '!', '?', '。', '、', '；', '：', '！', '？':
		return true
	}
	return false
}

// ngrams returns the word unigrams and bigrams of text with their counts.
func ngrams(text string) map[string]int {
	out := map[string]int{}
	for _, seg := range tokenize(text) {
		for i, w := range seg {
			out[w]++
			if i > 0 {
				out[seg[i-1]+" "+w]++
			}
		}
	}
	return out
}

// feature is one nonzero entry of a sparse vector.
type feature struct {
	index int
	value float64
}

// vectorize maps text to its L2-normalised sublinear TF-IDF vector over the
// vocabulary, sorted by index so sums run in a fixed order.
func vectorize(text string, vocab map[string]int, idf []float64) []feature {
	return vectorizeCounts(ngrams(text), vocab, idf)
}

// vectorizeCounts is vectorize on the text's n-gram counts.
func vectorizeCounts(counts map[string]int, vocab map[string]int, idf []float64) []feature {
	vec := make([]feature, 0, len(counts))
	for g, c := range counts {
		i, ok := vocab[g]
		if !ok {
			continue
		}
		vec = append(vec, feature{i, (1 + math.Log(float64(c))) * idf[i]})
	}
	slices.SortFunc(vec, func(a, b feature) int { return a.index - b.index })
	var norm float64
	for _, f := range vec {
		norm += f.value * f.value
	}
	if norm > 0 {
		norm = math.Sqrt(norm)
		for i := range vec {
			vec[i].value /= norm
		}
	}
	return vec
}
