package tokenizer

import (
	"strings"
	"testing"
)

var corpus = []string{
	"CLINICAL INDICATION: Weight loss. FINDINGS: 2.5 cm hypoattenuating mass in the pancreatic head. IMPRESSION: Suspicious for pancreatic adenocarcinoma.",
	"No pancreatic mass. The pancreas is normal. Status post cholecystectomy.",
	"CT-guided biopsy of a right lower lobe lung nodule using an 18G coaxial needle.",
}

func newTok(t *testing.T) *Tokenizer {
	t.Helper()
	vocab, err := Train(corpus, TrainConfig{VocabSize: 500, MinFreq: 1})
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range specials {
		if vocab[i] != s {
			t.Fatalf("vocab[%d] = %q, want %q", i, vocab[i], s)
		}
	}
	tk, err := New(Build(vocab))
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func TestEncodeRoundTrip(t *testing.T) {
	tk := newTok(t)
	tests := []struct {
		name, text string
		want       []string // tokens between [CLS] and [SEP]; nil: only check framing
	}{
		{"words", "Pancreatic MASS.", []string{"pancreatic", "mass", "."}},
		{"digits and units", "2.5 cm", []string{"2", ".", "5", "cm"}},
		{"unseen word splits, no unk", "hypoattenuation", nil},
		{"japanese mixed", "膵頭部に腫瘤あり。Pancreatic mass.", nil},
		{"empty", "", []string{}},
		{"accents", "Café", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			toks := tk.Tokens(tc.text)
			ids := tk.Encode(tc.text)
			if len(ids) < 2 || ids[0] != CLSID || ids[len(ids)-1] != SEPID {
				t.Fatalf("ids %v: want [CLS] ... [SEP]", ids)
			}
			if tc.want != nil && strings.Join(toks[1:len(toks)-1], " ") != strings.Join(tc.want, " ") {
				t.Fatalf("tokens %q, want %q", toks[1:len(toks)-1], tc.want)
			}
			if tc.name == "unseen word splits, no unk" {
				for _, id := range ids {
					if id == UnkID {
						t.Fatalf("unexpected [UNK] in %q", toks)
					}
				}
			}
		})
	}
}

func TestFitKeepsHeadAndTail(t *testing.T) {
	tk := newTok(t)
	long := "INDICATION: weight loss. " + strings.Repeat("The liver is normal. The spleen is normal. ", 80) + "IMPRESSION: pancreatic mass."
	for _, max := range []int{16, 64, 128} {
		out := tk.Fit(long, max)
		if n := len(tk.Encode(out)); n > max {
			t.Fatalf("max %d: %d tokens", max, n)
		}
		if !strings.HasPrefix(out, "INDICATION") || !strings.HasSuffix(out, "pancreatic mass.") {
			t.Fatalf("max %d: head or tail lost: %q", max, out)
		}
	}
	short := "No pancreatic mass."
	if got := tk.Fit(short, 64); got != short {
		t.Fatalf("short text changed: %q", got)
	}
	// A text of one enormous word still fits.
	if n := len(tk.Encode(tk.Fit(strings.Repeat("日本語 ", 500), 32))); n > 32 {
		t.Fatalf("cjk: %d tokens", n)
	}
}

func TestWholeWordsUnknownBecomesUNK(t *testing.T) {
	corpus := []string{"Pancreatic head mass 3.2 cm. No pancreatic mass. 膵 癌. Pancreatic head mass."}
	vocab, err := Train(corpus, TrainConfig{VocabSize: 200, MinFreq: 1, WholeWords: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vocab {
		if strings.HasPrefix(v, "##") && !strings.ContainsAny(v[2:], "0123456789") {
			t.Fatalf("piece %q in a whole-word vocabulary", v)
		}
	}
	tk, err := New(Build(vocab))
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(tk.Tokens("Pancreatic frey mass 12.5 cm 膵"), " ")
	if want := "[CLS] pancreatic [UNK] mass 1 2 . 5 cm 膵 [SEP]"; got != want {
		t.Errorf("tokens %q, want %q", got, want)
	}
}
