package synth

import (
	"strings"
	"testing"
)

// courseWords are words of a treatment course that the default corpus
// writes for treated pancreatic cancer only.
var courseWords = []string{"partial response", "local recurrence", "gemcitabine"}

// courseByLabel counts, for each word, the reports of each label that
// contain it.
func courseByLabel(t *testing.T, cfg Config) map[string][3]int {
	t.Helper()
	exs, err := GenerateConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][3]int{}
	for _, w := range courseWords {
		var by [3]int
		for _, e := range exs {
			if strings.Contains(strings.ToLower(e.Text), w) {
				by[e.Label]++
			}
		}
		out[w] = by
	}
	return out
}

// TestTreatmentCourseInOtherCancers: with SharedTreatment the words of a
// treatment course are also found in label 0 (treated cancers of other
// organs), at least minShare of their reports, so the words alone no longer
// mean a treated pancreatic cancer.
func TestTreatmentCourseInOtherCancers(t *testing.T) {
	const minShare = 0.02
	for w, by := range courseByLabel(t, Config{Task: TaskPancreas, N: 6000, Seed: 5, SharedTreatment: true}) {
		n := by[0] + by[1] + by[2]
		if n < 30 {
			t.Errorf("%q: in %d reports of 6,000, too few to tell", w, n)
			continue
		}
		if share := float64(by[0]) / float64(n); share < minShare {
			t.Errorf("%q: label 0 has %d of its %d reports (%.3f < %.2f)", w, by[0], n, share, minShare)
		}
	}
}

// TestTreatmentCourseWithoutOption pins the bias in the default corpus (the
// shipped model's): none of the words is ever label 0, so the test above can
// fail.
func TestTreatmentCourseWithoutOption(t *testing.T) {
	for w, by := range courseByLabel(t, Config{Task: TaskPancreas, N: 6000, Seed: 5}) {
		if by[0] != 0 || by[1] == 0 {
			t.Errorf("%q by label without SharedTreatment: %v, want label 0 never", w, by)
		}
	}
}
