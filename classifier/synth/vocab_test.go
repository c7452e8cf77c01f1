package synth

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
)

// vocabStats counts word types in a corpus: lower-cased runs of the letters
// a-z (digits, punctuation and Japanese split words and are not counted).
type vocabStats struct {
	total   map[string]int
	byLabel map[int]map[string]int
	labels  []int
}

func countVocab(texts []string, labels []int) vocabStats {
	v := vocabStats{total: map[string]int{}, byLabel: map[int]map[string]int{}}
	for i, t := range texts {
		l := labels[i]
		m := v.byLabel[l]
		if m == nil {
			m = map[string]int{}
			v.byLabel[l] = m
			v.labels = append(v.labels, l)
		}
		t = strings.ToLower(t)
		start := -1
		for j := 0; j <= len(t); j++ {
			if j < len(t) && t[j] >= 'a' && t[j] <= 'z' {
				if start < 0 {
					start = j
				}
				continue
			}
			if start >= 0 {
				w := t[start:j]
				v.total[w]++
				m[w]++
				start = -1
			}
		}
	}
	sort.Ints(v.labels)
	return v
}

// types returns how many word types occur at least min times.
func (v vocabStats) types(min int) int {
	n := 0
	for _, c := range v.total {
		if c >= min {
			n++
		}
	}
	return n
}

// top returns the k most frequent types.
func (v vocabStats) top(k int) []string {
	ws := make([]string, 0, len(v.total))
	for w := range v.total {
		ws = append(ws, w)
	}
	sort.Slice(ws, func(i, j int) bool {
		if v.total[ws[i]] != v.total[ws[j]] {
			return v.total[ws[i]] > v.total[ws[j]]
		}
		return ws[i] < ws[j]
	})
	if len(ws) > k {
		ws = ws[:k]
	}
	return ws
}

// sharedShare is the fraction of ws that every label's reports use.
func (v vocabStats) sharedShare(ws []string) float64 {
	n := 0
	for _, w := range ws {
		all := true
		for _, l := range v.labels {
			if v.byLabel[l][w] == 0 {
				all = false
				break
			}
		}
		if all {
			n++
		}
	}
	return float64(n) / float64(len(ws))
}

// exclusive returns the types seen at least min times, all of them in one
// label's reports, with that label.
func (v vocabStats) exclusive(min int) map[string]int {
	out := map[string]int{}
	for w, c := range v.total {
		if c < min {
			continue
		}
		for _, l := range v.labels {
			if v.byLabel[l][w] == c {
				out[w] = l
			}
		}
	}
	return out
}

// TestVocabulary measures the breadth of the corpus's language: word types
// seen at least twice in 30,000 reports of a task, and how many of the
// 1,000 most frequent types every label uses (new words must not become
// label cues). SYNTH_VOCAB=1 logs the label-exclusive words. The floors are
// the breadth measured on 2026-12-01 less a margin: a generator change that
// narrows the language or lets the common words split by label fails here.
func TestVocabulary(t *testing.T) {
	floors := map[string]struct {
		types  int     // word types seen at least twice
		shared float64 // share of the top 1,000 every label uses
	}{
		TaskPancreas:    {types: 2900, shared: 0.72},
		TaskIRProcedure: {types: 2350, shared: 0.44},
	}
	n := 30000
	if testing.Short() {
		t.Skip("30,000 reports per task")
	}
	for _, task := range []string{TaskPancreas, TaskIRProcedure} {
		exs, err := Generate(task, n, 5)
		if err != nil {
			t.Fatal(err)
		}
		texts := make([]string, len(exs))
		labels := make([]int, len(exs))
		for i, e := range exs {
			texts[i], labels[i] = e.Text, e.Label
		}
		v := countVocab(texts, labels)
		top := v.top(1000)
		ex := v.exclusive(30)
		t.Logf("%s: %d types (count >= 2), %d (>= 5), %d (>= 20); %.1f%% of the top 1,000 used by every label; %d types (>= 30) exclusive to one label",
			task, v.types(2), v.types(5), v.types(20), 100*v.sharedShare(top), len(ex))
		f := floors[task]
		if got := v.types(2); got < f.types {
			t.Errorf("%s: %d word types seen twice or more, want at least %d", task, got, f.types)
		}
		if got := v.sharedShare(top); got < f.shared {
			t.Errorf("%s: %.1f%% of the top 1,000 words used by every label, want at least %.0f%%", task, 100*got, 100*f.shared)
		}
		if os.Getenv("SYNTH_VOCAB") != "" {
			var ws []string
			for w, l := range ex {
				ws = append(ws, fmt.Sprintf("%d:%s(%d)", l, w, v.total[w]))
			}
			sort.Strings(ws)
			t.Logf("%s exclusive: %s", task, strings.Join(ws, " "))
		}
	}
}
