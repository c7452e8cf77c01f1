package tokenizer

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gomlx/go-huggingface/tokenizers/api"
	"golang.org/x/text/unicode/norm"
)

// fastBert encodes text as go-huggingface v0.3.5's hftokenizer does for a
// BertNormalizer + BertPreTokenizer + WordPiece tokenizer.json (radflag's
// own, and BERT's), in linear time. hftokenizer's pre-tokenizer computes
// each character's byte position as len(string(runes[:i])), quadratic in
// the text's length: a 1 KB report took longer to tokenise than the model's
// matrix products for it, and Fit encoded every text once more than hugot.
//
// The ids and spans must be hftokenizer's exactly, spans included, since
// Fit cuts long texts at token spans. hftokenizer's spans drift: its
// normalizer records one original offset per normalized rune (three for a
// spaced-out Chinese character), while its pre-tokenizer looks them up by
// normalized byte position, so after a multi-byte character every span is
// read from an entry further on; and an invalid byte advances the original
// position by three. This file reproduces that arithmetic step by step
// (each function names the hftokenizer function it mirrors); tests compare
// both on reports and on adversarial text, and a tokenizer.json it does not
// cover falls back to hftokenizer.
type fastBert struct {
	ok         bool // the tokenizer.json is one fastBert reproduces
	lowercase  bool
	strip      bool // strip accents (NFD, then drop nonspacing marks)
	chinese    bool // space out Chinese characters
	added      []addedTok
	addedByStr map[string]int
	vocab      map[string]int
	prefix     string // WordPiece continuing-subword prefix
	maxChars   int    // WordPiece max_input_chars_per_word (bytes, as hftokenizer compares)
	unk        int    // -1: none

	framing bool  // Encode(s) == before + bare ids + after, for every s
	before  []int // [CLS]
	after   []int // [SEP]
}

type addedTok struct {
	content string
	id      int
}

// newFastBert reads what fastBert needs from tokenizer.json and checks, on
// probes, how hftokenizer frames a text with special tokens.
func newFastBert(tokenizerJSON []byte, t *Tokenizer) fastBert {
	var tj struct {
		AddedTokens []struct {
			ID      int    `json:"id"`
			Content string `json:"content"`
		} `json:"added_tokens"`
		Normalizer *struct {
			Type               string `json:"type"`
			Lowercase          bool   `json:"lowercase"`
			HandleChineseChars bool   `json:"handle_chinese_chars"`
			StripAccents       *bool  `json:"strip_accents"`
		} `json:"normalizer"`
		PreTokenizer *struct {
			Type string `json:"type"`
		} `json:"pre_tokenizer"`
		Model struct {
			Type                    string         `json:"type"`
			Vocab                   map[string]int `json:"vocab"`
			ContinuingSubwordPrefix string         `json:"continuing_subword_prefix"`
			MaxInputCharsPerWord    int            `json:"max_input_chars_per_word"`
		} `json:"model"`
	}
	var f fastBert
	if err := json.Unmarshal(tokenizerJSON, &tj); err != nil {
		return f
	}
	if tj.Normalizer == nil || tj.Normalizer.Type != "BertNormalizer" ||
		tj.PreTokenizer == nil || tj.PreTokenizer.Type != "BertPreTokenizer" ||
		tj.Model.Type != "WordPiece" || tj.Model.Vocab == nil {
		return f
	}
	n := tj.Normalizer
	f.lowercase = n.Lowercase
	f.strip = (n.StripAccents != nil && *n.StripAccents) || (n.StripAccents == nil && n.Lowercase)
	f.chinese = n.HandleChineseChars
	f.vocab = tj.Model.Vocab
	f.prefix = tj.Model.ContinuingSubwordPrefix
	if f.prefix == "" {
		f.prefix = "##"
	}
	f.maxChars = tj.Model.MaxInputCharsPerWord
	if f.maxChars == 0 {
		f.maxChars = 100
	}
	f.unk = -1
	if id, err := t.bare.SpecialTokenID(api.TokUnknown); err == nil {
		f.unk = id
	}
	f.addedByStr = map[string]int{}
	for _, at := range tj.AddedTokens {
		if _, dup := f.addedByStr[at.Content]; dup || at.Content == "" {
			// hftokenizer's choice between duplicates depends on its sort.
			return f
		}
		f.addedByStr[at.Content] = at.ID
		f.added = append(f.added, addedTok{at.Content, at.ID})
	}
	// hftokenizer tries added tokens longest first (sort.Slice: among equal
	// lengths any order, but two different strings of one length cannot
	// both match at one position).
	sort.SliceStable(f.added, func(i, j int) bool { return len(f.added[i].content) > len(f.added[j].content) })
	f.ok = true

	probes := []string{"a", "a b", "x.", ""}
	for i, p := range probes {
		full := t.full.Encode(p)
		bare := t.bare.Encode(p)
		if i == 0 {
			at := -1
			for j := 0; j+len(bare) <= len(full); j++ {
				if slices.Equal(full[j:j+len(bare)], bare) {
					at = j
					break
				}
			}
			if at < 0 || len(bare) == 0 {
				return f
			}
			f.before = slices.Clone(full[:at])
			f.after = slices.Clone(full[at+len(bare):])
		}
		if !slices.Equal(full, slices.Concat(f.before, bare, f.after)) {
			return f
		}
	}
	f.framing = true
	return f
}

// encoder holds the buffers of one encode.
type encoder struct {
	f     *fastBert
	ids   []int
	spans []api.TokenSpan
	norm  []byte // normalized text of a segment
	offs  []int  // hftokenizer's normOffsets: one original offset per normalized rune
	key   []byte // WordPiece lookup key
}

// encode mirrors hftokenizer's encodeCore: split on added tokens, then per
// segment normalize, pre-tokenize and WordPiece each word.
func (f *fastBert) encode(text string, wantSpans bool) ([]int, []api.TokenSpan) {
	e := encoder{f: f, ids: make([]int, 0, len(text)/4+1)}
	if wantSpans {
		e.spans = make([]api.TokenSpan, 0, cap(e.ids))
	}
	regular := 0
	for pos := 0; pos < len(text); {
		if tok, ok := f.addedAt(text, pos); ok {
			if regular < pos {
				e.segment(text, regular, pos, wantSpans)
			}
			e.ids = append(e.ids, tok.id)
			if wantSpans {
				e.spans = append(e.spans, api.TokenSpan{Start: pos, End: pos + len(tok.content)})
			}
			pos += len(tok.content)
			regular = pos
			continue
		}
		_, size := utf8.DecodeRuneInString(text[pos:])
		pos += size
	}
	if regular < len(text) {
		e.segment(text, regular, len(text), wantSpans)
	}
	return e.ids, e.spans
}

// addedAt mirrors splitOnAddedTokens' match at one position.
func (f *fastBert) addedAt(text string, pos int) (addedTok, bool) {
	for _, a := range f.added {
		if a.content[0] == text[pos] && strings.HasPrefix(text[pos:], a.content) {
			return a, true
		}
	}
	return addedTok{}, false
}

// segment encodes text[start:end], a run without added tokens.
func (e *encoder) segment(text string, start, end int, wantSpans bool) {
	e.normalize(text[start:end], start)
	e.preTokenize(wantSpans)
}

// normalize mirrors applyNormalizerWithSpans' BertNormalizer case: rune by
// rune, recording for every rune written the original position (plus the
// segment's start, as encodeCore adds), where "position" advances by
// len(string(r)), three bytes for an invalid byte.
func (e *encoder) normalize(seg string, base int) {
	f := e.f
	e.norm = e.norm[:0]
	e.offs = e.offs[:0]
	orig := base
	for _, r := range seg {
		runeLen := utf8.RuneLen(r) // range yields utf8.RuneError (3 bytes) for an invalid byte
		switch {
		case r == 0 || r == utf8.RuneError || isControl(r):
		case r < utf8.RuneSelf && r != ' ' && r != '\t' && r != '\n' && r != '\r':
			// ASCII: NFD and accent stripping leave it alone.
			if f.lowercase && 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
			e.norm = append(e.norm, byte(r))
			e.offs = append(e.offs, orig)
		case f.chinese && isChineseChar(r):
			e.norm = append(e.norm, ' ')
			e.norm = utf8.AppendRune(e.norm, r)
			e.norm = append(e.norm, ' ')
			e.offs = append(e.offs, orig, orig, orig)
		case isWhitespace(r):
			e.norm = append(e.norm, ' ')
			e.offs = append(e.offs, orig)
		default:
			s := string(r)
			if f.strip {
				s = removeAccents(norm.NFD.String(s))
			}
			if f.lowercase {
				s = strings.ToLower(s)
			}
			for range s {
				e.offs = append(e.offs, orig)
			}
			e.norm = append(e.norm, s...)
		}
		orig += runeLen
	}
}

// preTokenize mirrors bertPreTokenizeWithOffsets on e.norm with e.offs,
// then WordPieces each word. Positions in e.norm index e.offs as
// hftokenizer indexes them: by byte.
func (e *encoder) preTokenize(wantSpans bool) {
	t, offs := e.norm, e.offs
	cur := -1 // byte where the current word starts, -1 when none
	flush := func(pos int) {
		if cur < 0 {
			return
		}
		start, end := 0, pos
		if cur < len(offs) {
			start = offs[cur]
		}
		if pos > 0 && pos <= len(offs) {
			end = offs[pos-1] + 1
		}
		e.word(t[cur:pos], start, end, wantSpans)
		cur = -1
	}
	for pos := 0; pos < len(t); {
		r, size := rune(t[pos]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRune(t[pos:])
		}
		switch {
		case isWhitespace(r):
			flush(pos)
		case isPunctuation(r):
			flush(pos)
			start, end := pos, pos+size
			if pos < len(offs) {
				start = offs[pos]
			}
			if pos+size <= len(offs) {
				end = offs[pos+size-1] + 1
			}
			e.word(t[pos:pos+size], start, end, wantSpans)
		default:
			if cur < 0 {
				cur = pos
			}
		}
		pos += size
	}
	if cur >= 0 {
		start, end := 0, len(t)
		if cur < len(offs) {
			start = offs[cur]
		}
		if len(offs) > 0 {
			end = offs[len(offs)-1] + 1
		}
		e.word(t[cur:], start, end, wantSpans)
	}
}

// word mirrors tokenizeWordWithSpans and wordPieceTokenizeWithSpans.
func (e *encoder) word(w []byte, start, end int, wantSpans bool) {
	f := e.f
	if id, ok := f.addedByStr[string(w)]; ok {
		e.emit(id, start, end, wantSpans)
		return
	}
	if len(w) == 0 {
		return
	}
	if len(w) > f.maxChars {
		if f.unk >= 0 {
			e.emit(f.unk, start, end, wantSpans)
		}
		return
	}
	mark := len(e.ids)
	for lo := 0; lo < len(w); {
		found := false
		for hi := len(w); hi > lo; {
			e.key = e.key[:0]
			if lo > 0 {
				e.key = append(e.key, f.prefix...)
			}
			e.key = append(e.key, w[lo:hi]...)
			if id, ok := f.vocab[string(e.key)]; ok {
				e.emit(id, start+lo, start+hi, wantSpans)
				lo, found = hi, true
				break
			}
			_, size := utf8.DecodeLastRune(w[lo:hi])
			hi -= size
		}
		if !found {
			// The whole word becomes [UNK], its pieces so far dropped.
			e.ids = e.ids[:mark]
			if wantSpans {
				e.spans = e.spans[:mark]
			}
			if f.unk >= 0 {
				e.emit(f.unk, start, end, wantSpans)
			}
			return
		}
	}
}

func (e *encoder) emit(id, start, end int, wantSpans bool) {
	e.ids = append(e.ids, id)
	if wantSpans {
		e.spans = append(e.spans, api.TokenSpan{Start: start, End: end})
	}
}

// encodeSpans returns the bare ids (no [CLS]/[SEP]) of s and their byte
// spans in s, as t.bare.EncodeWithAnnotations(s) does.
func (t *Tokenizer) encodeSpans(s string) ([]int, []api.TokenSpan) {
	if !t.fast.ok {
		enc := t.bare.EncodeWithAnnotations(s)
		return enc.IDs, enc.Spans
	}
	return t.fast.encode(s, true)
}

// countTokens is len(t.bare.Encode(s)).
func (t *Tokenizer) countTokens(s string) int {
	if !t.fast.ok {
		return len(t.bare.Encode(s))
	}
	ids, _ := t.fast.encode(s, false)
	return len(ids)
}

// frame returns the ids hugot feeds the model for text, whose bare ids are
// ids: Encode(text).
func (t *Tokenizer) frame(text string, ids []int) []int {
	if !t.fast.ok || !t.fast.framing {
		return t.full.Encode(text)
	}
	return slices.Concat(t.fast.before, ids, t.fast.after)
}

// The character classes below are hftokenizer's (hftokenizer.go).

func isChineseChar(r rune) bool {
	return (r >= 0x4E00 && r <= 0x9FFF) ||
		(r >= 0x3400 && r <= 0x4DBF) ||
		(r >= 0x20000 && r <= 0x2A6DF) ||
		(r >= 0x2A700 && r <= 0x2B73F) ||
		(r >= 0x2B740 && r <= 0x2B81F) ||
		(r >= 0x2B820 && r <= 0x2CEAF) ||
		(r >= 0xF900 && r <= 0xFAFF) ||
		(r >= 0x2F800 && r <= 0x2FA1F)
}

func isWhitespace(r rune) bool {
	if r == ' ' || r == '\t' || r == '\n' || r == '\r' {
		return true
	}
	return r >= utf8.RuneSelf && unicode.Is(unicode.Zs, r)
}

func isControl(r rune) bool {
	if r == '\t' || r == '\n' || r == '\r' {
		return false
	}
	return unicode.IsControl(r)
}

// isPunctuation is hftokenizer's, which is this package's isPunct.
func isPunctuation(r rune) bool { return isPunct(r) }

func removeAccents(s string) string {
	var b strings.Builder
	for _, r := range s {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}
