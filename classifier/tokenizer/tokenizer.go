// Package tokenizer trains a WordPiece vocabulary on a corpus, writes it as a
// Hugging Face tokenizer.json (BertNormalizer, BertPreTokenizer, WordPiece,
// TemplateProcessing "[CLS] $A [SEP]") and encodes text with the very
// implementation hugot's Go backend loads (go-huggingface's hftokenizer), so
// that token ids at training time are the ids the served model sees.
package tokenizer

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode"

	"github.com/gomlx/go-huggingface/tokenizers/api"
	"github.com/gomlx/go-huggingface/tokenizers/hftokenizer"
)

// Special tokens and their fixed ids.
const (
	Pad  = "[PAD]"
	Unk  = "[UNK]"
	CLS  = "[CLS]"
	SEP  = "[SEP]"
	Mask = "[MASK]"

	PadID  = 0
	UnkID  = 1
	CLSID  = 2
	SEPID  = 3
	MaskID = 4
)

var specials = []string{Pad, Unk, CLS, SEP, Mask}

// TrainConfig bounds the vocabulary.
type TrainConfig struct {
	VocabSize int // total size including specials and characters; default 6000
	MinFreq   int // a whole word or piece needs this many occurrences; default 2
	MaxChars  int // at most this many distinct single characters; default 1500
	// WholeWords builds a vocabulary of whole words only (plus punctuation,
	// digits and single CJK characters): a word the corpus did not have
	// becomes [UNK] instead of pieces. A model trained on a generated
	// corpus of a few thousand words otherwise reads an unseen word as
	// whatever its pieces meant in the generator's phrasing; as [UNK] it
	// reads as a gap, which token dropout has taught it to step over.
	WholeWords bool
}

// Train builds a WordPiece vocabulary from texts: the special tokens, every
// character seen (alone and as a "##" continuation, most frequent first, so
// that no word is ever [UNK] on a character the corpus had), the most
// frequent whole words, then the most frequent word prefixes and "##"
// suffixes of the remaining words.
func Train(texts []string, cfg TrainConfig) ([]string, error) {
	if cfg.VocabSize <= 0 {
		cfg.VocabSize = 6000
	}
	if cfg.MinFreq <= 0 {
		cfg.MinFreq = 2
	}
	if cfg.MaxChars <= 0 {
		cfg.MaxChars = 1500
	}
	if len(texts) == 0 {
		return nil, errors.New("train tokenizer: no texts")
	}
	norm, err := New(Build([]string{}))
	if err != nil {
		return nil, err
	}
	words := map[string]int{}
	for _, t := range texts {
		for _, w := range PreTokenize(norm.Normalize(t)) {
			words[w]++
		}
	}
	vocab := append([]string(nil), specials...)
	have := map[string]bool{}
	for _, s := range vocab {
		have[s] = true
	}
	add := func(s string) bool {
		if have[s] || len(vocab) >= cfg.VocabSize {
			return false
		}
		have[s] = true
		vocab = append(vocab, s)
		return true
	}

	if cfg.WholeWords {
		addWholeWords(add, words, cfg)
		return vocab, nil
	}

	// Characters, always present (digits, punctuation, letters) plus what the corpus had.
	chars := map[rune]int{}
	for r := rune(33); r < 127; r++ {
		chars[r] += 1 << 30
	}
	for w, n := range words {
		for _, r := range w {
			chars[r] += n
		}
	}
	for _, r := range topRunes(chars, cfg.MaxChars) {
		add(string(r))
	}
	for _, r := range topRunes(chars, cfg.MaxChars) {
		if !isPunct(r) {
			add("##" + string(r))
		}
	}

	// Whole words: up to 60% of what is left.
	wordBudget := len(vocab) + (cfg.VocabSize-len(vocab))*6/10
	for _, w := range topStrings(words, cfg.MinFreq) {
		if len(vocab) >= wordBudget {
			break
		}
		add(w)
	}

	// Pieces from words not in the vocabulary.
	pieces := map[string]int{}
	for w, n := range words {
		if have[w] {
			continue
		}
		r := []rune(w)
		for l := 2; l <= len(r) && l <= 10; l++ {
			pieces[string(r[:l])] += n * l
		}
		for i := 1; i < len(r); i++ {
			for j := i + 2; j <= len(r) && j-i <= 10; j++ {
				pieces["##"+string(r[i:j])] += n * (j - i)
			}
		}
	}
	for _, p := range topStrings(pieces, cfg.MinFreq*2) {
		if len(vocab) >= cfg.VocabSize {
			break
		}
		add(p)
	}
	return vocab, nil
}

// addWholeWords completes a vocabulary of specials with punctuation, digits
// (alone and as "##" continuations, so every number tokenises), single CJK
// characters the corpus had, and its most frequent whole words.
func addWholeWords(add func(string) bool, words map[string]int, cfg TrainConfig) {
	for r := rune(33); r < 127; r++ {
		if isPunct(r) || unicode.IsDigit(r) {
			add(string(r))
		}
	}
	for r := '0'; r <= '9'; r++ {
		add("##" + string(r))
	}
	cjk := map[rune]int{}
	for w, n := range words {
		if r := []rune(w); len(r) == 1 && unicode.In(r[0], unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) {
			cjk[r[0]] += n
		}
	}
	for _, r := range topRunes(cjk, cfg.MaxChars) {
		add(string(r))
	}
	for _, w := range topStrings(words, cfg.MinFreq) {
		add(w)
	}
}

func topRunes(m map[rune]int, limit int) []rune {
	rs := make([]rune, 0, len(m))
	for r := range m {
		rs = append(rs, r)
	}
	sort.Slice(rs, func(i, j int) bool {
		if m[rs[i]] != m[rs[j]] {
			return m[rs[i]] > m[rs[j]]
		}
		return rs[i] < rs[j]
	})
	if len(rs) > limit {
		rs = rs[:limit]
	}
	return rs
}

func topStrings(m map[string]int, minFreq int) []string {
	ss := make([]string, 0, len(m))
	for s, n := range m {
		if n >= minFreq {
			ss = append(ss, s)
		}
	}
	sort.Slice(ss, func(i, j int) bool {
		if m[ss[i]] != m[ss[j]] {
			return m[ss[i]] > m[ss[j]]
		}
		return ss[i] < ss[j]
	})
	return ss
}

// PreTokenize splits normalised text the way BertPreTokenizer does: on
// white space, with every punctuation character a word of its own.
func PreTokenize(s string) []string {
	var out []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, cur.String())
			cur.Reset()
		}
	}
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			flush()
		case isPunct(r):
			flush()
			out = append(out, string(r))
		default:
			cur.WriteRune(r)
		}
	}
	flush()
	return out
}

func isPunct(r rune) bool {
	if (r >= 33 && r <= 47) || (r >= 58 && r <= 64) || (r >= 91 && r <= 96) || (r >= 123 && r <= 126) {
		return true
	}
	return unicode.IsPunct(r)
}

// Build returns tokenizer.json content for vocab (whose first entries must
// be the special tokens; when vocab is empty they are added).
func Build(vocab []string) []byte {
	if len(vocab) < len(specials) {
		vocab = append([]string(nil), specials...)
	}
	vm := make(map[string]int, len(vocab))
	for i, v := range vocab {
		vm[v] = i
	}
	type added struct {
		ID         int    `json:"id"`
		Content    string `json:"content"`
		SingleWord bool   `json:"single_word"`
		Lstrip     bool   `json:"lstrip"`
		Rstrip     bool   `json:"rstrip"`
		Normalized bool   `json:"normalized"`
		Special    bool   `json:"special"`
	}
	var addedTokens []added
	for i, s := range specials {
		addedTokens = append(addedTokens, added{ID: i, Content: s, Special: true})
	}
	st := func(tok string, id int) map[string]any {
		return map[string]any{"id": tok, "ids": []int{id}, "tokens": []string{tok}}
	}
	doc := map[string]any{
		"version":      "1.0",
		"truncation":   nil,
		"padding":      nil,
		"added_tokens": addedTokens,
		"normalizer": map[string]any{
			"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true,
			"strip_accents": nil, "lowercase": true,
		},
		"pre_tokenizer": map[string]any{"type": "BertPreTokenizer"},
		"post_processor": map[string]any{
			"type": "TemplateProcessing",
			"single": []any{
				map[string]any{"SpecialToken": map[string]any{"id": CLS, "type_id": 0}},
				map[string]any{"Sequence": map[string]any{"id": "A", "type_id": 0}},
				map[string]any{"SpecialToken": map[string]any{"id": SEP, "type_id": 0}},
			},
			"pair": []any{
				map[string]any{"SpecialToken": map[string]any{"id": CLS, "type_id": 0}},
				map[string]any{"Sequence": map[string]any{"id": "A", "type_id": 0}},
				map[string]any{"SpecialToken": map[string]any{"id": SEP, "type_id": 0}},
				map[string]any{"Sequence": map[string]any{"id": "B", "type_id": 1}},
				map[string]any{"SpecialToken": map[string]any{"id": SEP, "type_id": 1}},
			},
			"special_tokens": map[string]any{CLS: st(CLS, CLSID), SEP: st(SEP, SEPID)},
		},
		"decoder": map[string]any{"type": "WordPiece", "prefix": "##", "cleanup": true},
		"model": map[string]any{
			"type": "WordPiece", "unk_token": Unk, "continuing_subword_prefix": "##",
			"max_input_chars_per_word": 100, "vocab": vm,
		},
	}
	b, err := json.MarshalIndent(doc, "", " ")
	if err != nil {
		panic(err) // only maps of plain values: cannot fail
	}
	return b
}

// Tokenizer encodes text exactly as hugot's Go backend does for a model
// directory holding the same tokenizer.json.
type Tokenizer struct {
	full *hftokenizer.Tokenizer // with [CLS]/[SEP], as hugot encodes
	bare *hftokenizer.Tokenizer // without, with spans, for cutting long texts
	size int
	cont []bool   // cont[id]: the token continues a word ("##" piece)
	fast fastBert // linear-time clone of hftokenizer's encode, when it applies
}

// New parses tokenizer.json content.
func New(tokenizerJSON []byte) (*Tokenizer, error) {
	full, err := hftokenizer.NewFromContent(nil, tokenizerJSON)
	if err != nil {
		return nil, fmt.Errorf("parse tokenizer.json: %w", err)
	}
	if err := full.With(api.EncodeOptions{AddSpecialTokens: true}); err != nil {
		return nil, fmt.Errorf("configure tokenizer: %w", err)
	}
	bare, err := hftokenizer.NewFromContent(nil, tokenizerJSON)
	if err != nil {
		return nil, fmt.Errorf("parse tokenizer.json: %w", err)
	}
	if err := bare.With(api.EncodeOptions{IncludeSpans: true}); err != nil {
		return nil, fmt.Errorf("configure tokenizer: %w", err)
	}
	var tj struct {
		Model struct {
			Vocab map[string]int `json:"vocab"`
		} `json:"model"`
	}
	if err := json.Unmarshal(tokenizerJSON, &tj); err != nil {
		return nil, fmt.Errorf("parse tokenizer.json vocab: %w", err)
	}
	size := 0
	for _, id := range tj.Model.Vocab {
		size = max(size, id+1)
	}
	cont := make([]bool, size)
	for tok, id := range tj.Model.Vocab {
		cont[id] = id >= 0 && strings.HasPrefix(tok, "##")
	}
	t := &Tokenizer{full: full, bare: bare, size: size, cont: cont}
	t.fast = newFastBert(tokenizerJSON, t)
	return t, nil
}

// Continuation reports, per id, whether the token continues a word (a "##"
// piece). The slice is shared: do not modify it.
func (t *Tokenizer) Continuation() []bool { return t.cont }

// VocabSize is one more than the largest token id.
func (t *Tokenizer) VocabSize() int { return t.size }

// Normalize applies the BertNormalizer (lower case, accents, CJK spacing).
func (t *Tokenizer) Normalize(s string) string { return t.full.Normalize(s) }

// Encode returns the ids hugot feeds the model: [CLS] tokens [SEP].
func (t *Tokenizer) Encode(s string) []int { return t.full.Encode(s) }

// Tokens decodes each id of Encode(s) on its own (for tests and debugging).
func (t *Tokenizer) Tokens(s string) []string {
	ids := t.Encode(s)
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = t.full.Decode([]int{id})
	}
	return out
}

// Fit returns s unchanged when it encodes to at most maxTokens ids
// (including [CLS] and [SEP]); otherwise it cuts the middle out, keeping the
// first third of the budget (the indication) and the rest from the end
// (findings and the impression, which reports put last). Training and
// inference both call Fit, so the model sees the same cut either way.
func (t *Tokenizer) Fit(s string, maxTokens int) string {
	out, _ := t.fit(s, maxTokens)
	return out
}

// FitIDs is Fit(s, maxTokens) together with Encode of it, the ids hugot
// would feed the model, at the cost of one encode for a text that fits
// (Fit then Encode takes two).
func (t *Tokenizer) FitIDs(s string, maxTokens int) (string, []int) {
	out, ids := t.fit(s, maxTokens)
	if ids == nil {
		ids, _ = t.encodeSpans(out)
	}
	return out, t.frame(out, ids)
}

// fit returns Fit's text and, when it has them at no extra cost, its bare ids.
func (t *Tokenizer) fit(s string, maxTokens int) (string, []int) {
	budget := maxTokens - 2
	if budget < 4 {
		budget = 4
	}
	ids, spans := t.encodeSpans(s)
	n := len(ids)
	if n <= budget {
		return s, ids
	}
	keep := budget - 1 // room for the join to tokenise differently
	for attempt := 0; attempt < 8 && keep > 2; attempt++ {
		head := keep / 3
		tail := keep - head
		cutA := spans[head-1].End
		cutB := spans[n-tail].Start
		// hftokenizer's spans can point past the text (they drift after
		// multi-byte characters, see fastBert), where slicing would panic.
		if cutA < 0 || cutB < 0 || cutB < cutA || cutB > len(s) {
			keep--
			continue
		}
		out := s[:cutA] + " … " + s[cutB:]
		if got := t.countTokens(out); got <= budget {
			return out, nil
		} else {
			keep -= got - budget
		}
	}
	// Fall back to the tail alone, cut at a token boundary.
	for k := budget; k > 0; k-- {
		if st := spans[n-k].Start; st >= 0 && st <= len(s) {
			out := s[st:]
			if t.countTokens(out) <= budget {
				return out, nil
			}
		}
	}
	return "", nil
}
