package tokenizer

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gomlx/go-huggingface/tokenizers/api"
)

// refFit is Fit as it was before the fast encoder (every encode through
// hftokenizer): the reference the fast path must reproduce.
func refFit(t *Tokenizer, s string, maxTokens int) (out string, panicked bool) {
	defer func() {
		if recover() != nil {
			out, panicked = "", true
		}
	}()
	return refFitPanics(t, s, maxTokens), false
}

func refFitPanics(t *Tokenizer, s string, maxTokens int) string {
	budget := maxTokens - 2
	if budget < 4 {
		budget = 4
	}
	enc := t.bare.EncodeWithAnnotations(s)
	n := len(enc.IDs)
	if n <= budget {
		return s
	}
	spans := enc.Spans
	keep := budget - 1
	for attempt := 0; attempt < 8 && keep > 2; attempt++ {
		head := keep / 3
		tail := keep - head
		cutA := spans[head-1].End
		cutB := spans[n-tail].Start
		if cutA < 0 || cutB < 0 || cutB < cutA {
			keep--
			continue
		}
		out := s[:cutA] + " … " + s[cutB:]
		if got := len(t.bare.Encode(out)); got <= budget {
			return out
		} else {
			keep -= got - budget
		}
	}
	for k := budget; k > 0; k-- {
		if st := spans[n-k].Start; st >= 0 {
			out := s[st:]
			if len(t.bare.Encode(out)) <= budget {
				return out
			}
		}
	}
	return ""
}

// reportTexts are the repository's dev reports (real-length, with
// newlines, lists and units).
func reportTexts(t *testing.T) []string {
	var out []string
	for _, f := range []string{"pancreas.jsonl", "ir_procedure.jsonl"} {
		fh, err := os.Open(filepath.Join("..", "..", "testdata", "dev", f))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var ex struct {
				Text string `json:"text"`
			}
			if err := json.Unmarshal(sc.Bytes(), &ex); err != nil {
				t.Fatal(err)
			}
			out = append(out, ex.Text)
		}
		fh.Close()
	}
	return out
}

// oddTexts mixes what could trip a re-implementation: every white-space
// kind, control characters, accents precomposed and combining, CJK with
// and without spaces, kana, added tokens written in the text, punctuation
// runs, words over WordPiece's 100-character limit, invalid UTF-8.
func oddTexts(n int, seed uint64) []string {
	parts := []string{
		"pancreas", "Pancreatic", "MASS", "2.5", "cm", "x", "18G", "hypoattenuating", "café", "cafe\u0301",
		"\u0301", "膵頭部に腫瘤あり。", "膵", "腫瘤", "あり", "カテーテル", "[CLS]", "[SEP]", "[MASK]", "[PAD", "UNK]",
		"…", "—", "(", ")", ".", ",", ";", ":", "!?", "«»", "\x00", "\ufffd", "\x7f", "\u200b", "\u00a0",
		"\u3000", "\t", "\n", "\r\n", "  ", " ", " ", " ", strings.Repeat("a", 101), strings.Repeat("b", 99),
		"\xff", "\xe2\x80", "Ǆ", "ß", "İ", "ﬁ", "①", "😀", "e\u0301\u0302", "\u2028", "a\tb", "x\ny",
	}
	r := rand.New(rand.NewPCG(seed, 1))
	out := make([]string, n)
	for i := range out {
		var b strings.Builder
		for range r.IntN(160) {
			b.WriteString(parts[r.IntN(len(parts))])
			if r.IntN(3) > 0 {
				b.WriteByte(' ')
			}
		}
		out[i] = b.String()
	}
	return out
}

// tokenizers are the test vocabulary and the shipped models' (6000 pieces).
func tokenizers(t *testing.T) map[string]*Tokenizer {
	out := map[string]*Tokenizer{"test": newTok(t)}
	for _, m := range []string{"pancreas", "ir_procedure"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "models", m, "tokenizer.json"))
		if err != nil {
			continue
		}
		tk, err := New(b)
		if err != nil {
			t.Fatal(err)
		}
		out[m] = tk
	}
	return out
}

func TestFastEncodeMatchesHFTokenizer(t *testing.T) {
	for name, tk := range tokenizers(t) {
		t.Run(name, func(t *testing.T) { testFastEncode(t, tk) })
	}
}

func testFastEncode(t *testing.T, tk *Tokenizer) {
	if !tk.fast.ok || !tk.fast.framing {
		t.Fatal("radflag's own tokenizer.json should take the fast path")
	}
	texts := append(reportTexts(t), oddTexts(300, 1)...)
	for i, s := range texts {
		want := tk.bare.EncodeWithAnnotations(s)
		ids, spans := tk.encodeSpans(s)
		if !slices.Equal(ids, want.IDs) || !slices.Equal(spans, want.Spans) {
			t.Fatalf("text %d %q: %s", i, s, firstDiff(ids, spans, want.IDs, want.Spans))
		}
		if n := tk.countTokens(s); n != len(want.IDs) {
			t.Fatalf("text %d: countTokens %d, want %d", i, n, len(want.IDs))
		}
	}
}

func TestFitIDsMatchesReference(t *testing.T) {
	for name, tk := range tokenizers(t) {
		// The reference is quadratic in a text's length: one shipped
		// vocabulary is checked, at the shipped budget only.
		if name == "ir_procedure" {
			continue
		}
		budgets := []int{128}
		if name == "test" {
			budgets = []int{8, 128}
		}
		t.Run(name, func(t *testing.T) { testFitIDs(t, tk, budgets) })
	}
}

func testFitIDs(t *testing.T, tk *Tokenizer, budgets []int) {
	texts := append(reportTexts(t), oddTexts(60, 2)...)
	for _, maxTokens := range budgets {
		for i, s := range texts {
			want, panicked := refFit(tk, s, maxTokens)
			if panicked {
				// The old Fit sliced past the end of such a text (its spans
				// drift after multi-byte characters); the new one skips those
				// cuts and must still fit the budget.
				if got := tk.Fit(s, maxTokens); len(tk.Encode(got)) > max(maxTokens, 6) {
					t.Fatalf("max %d, text %d: %d tokens", maxTokens, i, len(tk.Encode(got)))
				}
				continue
			}
			if got := tk.Fit(s, maxTokens); got != want {
				t.Fatalf("max %d, text %d: Fit\n%q\nwant\n%q", maxTokens, i, got, want)
			}
			got, ids := tk.FitIDs(s, maxTokens)
			if got != want {
				t.Fatalf("max %d, text %d: FitIDs text differs", maxTokens, i)
			}
			if wantIDs := tk.full.Encode(want); !slices.Equal(ids, wantIDs) {
				t.Fatalf("max %d, text %d: FitIDs ids %v, hftokenizer %v", maxTokens, i, ids, wantIDs)
			}
		}
	}
}

// A tokenizer.json the fast path does not reproduce falls back to
// hftokenizer, with the same results.
func TestFastFallback(t *testing.T) {
	vocab, err := Train(corpus, TrainConfig{VocabSize: 500, MinFreq: 1})
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(Build(vocab), &doc); err != nil {
		t.Fatal(err)
	}
	doc["added_tokens"] = append(doc["added_tokens"].([]any), map[string]any{"id": 5, "content": "[MASK]", "special": true})
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	tk, err := New(b)
	if err != nil {
		t.Fatal(err)
	}
	if tk.fast.ok {
		t.Fatal("a duplicated added token must rule out the fast path")
	}
	s := strings.Repeat("No pancreatic mass. ", 40)
	ids, spans := tk.encodeSpans(s)
	want := tk.bare.EncodeWithAnnotations(s)
	if !slices.Equal(ids, want.IDs) || !slices.Equal(spans, want.Spans) {
		t.Fatal("fallback encode differs")
	}
	if got, ids := tk.FitIDs(s, 32); got != refFitPanics(tk, s, 32) || !slices.Equal(ids, tk.full.Encode(got)) {
		t.Fatal("fallback FitIDs differs")
	}
}

func FuzzFastEncode(f *testing.F) {
	for _, s := range oddTexts(8, 3) {
		f.Add(s)
	}
	f.Add("a b")
	vocab, err := Train(corpus, TrainConfig{VocabSize: 500, MinFreq: 1})
	if err != nil {
		f.Fatal(err)
	}
	tk, err := New(Build(vocab))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 4096 {
			return // the whole-text reference is quadratic
		}
		want := tk.bare.EncodeWithAnnotations(s)
		ids, spans := tk.encodeSpans(s)
		if !slices.Equal(ids, want.IDs) || !slices.Equal(spans, want.Spans) {
			t.Fatalf("%q: %s", s, firstDiff(ids, spans, want.IDs, want.Spans))
		}
	})
}

func firstDiff(ids []int, spans []api.TokenSpan, wantIDs []int, wantSpans []api.TokenSpan) string {
	if len(ids) != len(wantIDs) || len(spans) != len(wantSpans) {
		return fmt.Sprintf("%d ids and %d spans, want %d and %d", len(ids), len(spans), len(wantIDs), len(wantSpans))
	}
	for i := range ids {
		if ids[i] != wantIDs[i] || spans[i] != wantSpans[i] {
			return fmt.Sprintf("token %d: id %d span %v, want id %d span %v", i, ids[i], spans[i], wantIDs[i], wantSpans[i])
		}
	}
	return "equal"
}

// BenchmarkFitIDs compares preparing the model's ids for the dev reports
// (real length, 49–3237 bytes) the earlier way, Fit through hftokenizer
// and then hftokenizer's Encode of the fitted text as hugot did, with
// FitIDs; both in each iteration. Reports <way>_us (wall) and
// <way>_cpu_us (process CPU time) per text.
func BenchmarkFitIDs(b *testing.B) {
	vocab, err := os.ReadFile(filepath.Join("..", "..", "models", "pancreas", "tokenizer.json"))
	if err != nil {
		b.Skip("no shipped tokenizer")
	}
	tk, err := New(vocab)
	if err != nil {
		b.Fatal(err)
	}
	texts := reportTexts(&testing.T{})
	var old, fast, oldCPU, fastCPU time.Duration
	b.ResetTimer()
	for range b.N {
		start, startCPU := time.Now(), processCPU()
		for _, s := range texts {
			_ = tk.full.Encode(refFitPanics(tk, s, 128))
		}
		old += time.Since(start)
		oldCPU += processCPU() - startCPU
		start, startCPU = time.Now(), processCPU()
		for _, s := range texts {
			_, _ = tk.FitIDs(s, 128)
		}
		fast += time.Since(start)
		fastCPU += processCPU() - startCPU
	}
	b.StopTimer()
	per := float64(b.N * len(texts))
	b.ReportMetric(float64(old.Microseconds())/per, "hftokenizer_us")
	b.ReportMetric(float64(oldCPU.Microseconds())/per, "hftokenizer_cpu_us")
	b.ReportMetric(float64(fastCPU.Microseconds())/per, "fitids_cpu_us")
	b.ReportMetric(float64(fast.Microseconds())/per, "fitids_us")
}

// processCPU is the process's user+system CPU time (a shared machine's
// neighbours inflate wall time, not this).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
