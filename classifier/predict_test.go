package classifier

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestPredictMatchesHugotPipeline checks the direct path (one tokenisation,
// length-sorted groups, ready tensors) against hugot's own pipeline on the
// fitted texts: the same probabilities, in the caller's order.
func TestPredictMatchesHugotPipeline(t *testing.T) {
	m := loadTinyPancreas(t, Config{BatchSize: 4})
	r := rand.New(rand.NewPCG(4, 4))
	words := strings.Fields(strings.Join(sampleReports, " "))
	var texts []string
	for i := range 23 {
		n := r.IntN(90)
		if i%5 == 0 {
			n = 0
		}
		var b strings.Builder
		for range n {
			b.WriteString(words[r.IntN(len(words))])
			b.WriteByte(' ')
		}
		texts = append(texts, b.String())
	}
	got, err := m.probabilities(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	worst := 0.0
	for i, text := range texts {
		res, err := m.pipe.RunPipeline(context.Background(), []string{m.tk.Fit(text, m.info.MaxTokens)})
		if err != nil {
			t.Fatal(err)
		}
		for j, co := range res.ClassificationOutputs[0] {
			worst = max(worst, math.Abs(float64(co.Score)-got[i][m.labelIdx[j]]))
		}
	}
	// Padding is masked exactly (masked scores' exp is 0), so a text's
	// result does not depend on its batch-mates.
	if worst > 1e-6 {
		t.Fatalf("direct path differs from hugot's pipeline by %.3g", worst)
	}
	t.Logf("max |direct − pipeline| = %.3g", worst)
}

func TestPlanBatches(t *testing.T) {
	buckets := []int{32, 64, 96, 128}
	check := func(lens []int, maxBatch int) []int {
		t.Helper()
		sizes := planBatches(lens, maxBatch, buckets)
		sum := 0
		for _, s := range sizes {
			if s < 1 || s > maxBatch {
				t.Fatalf("group of %d (max %d)", s, maxBatch)
			}
			sum += s
		}
		if sum != len(lens) {
			t.Fatalf("groups %v cover %d of %d texts", sizes, sum, len(lens))
		}
		return sizes
	}
	if s := check(nil, 32); len(s) != 0 {
		t.Fatalf("no texts: %v", s)
	}
	same := make([]int, 32)
	for i := range same {
		same[i] = 128
	}
	if s := check(same, 32); len(s) != 1 {
		t.Fatalf("32 texts of one length should stay one batch: %v", s)
	}
	// 16 short texts and 16 at the limit: two batches beat one padded to 128.
	mixed := make([]int, 32)
	for i := range mixed {
		mixed[i] = 20
		if i >= 16 {
			mixed[i] = 128
		}
	}
	if s := check(mixed, 32); len(s) != 2 || s[0] != 16 {
		t.Fatalf("mixed lengths: %v", s)
	}
	check([]int{3, 40, 41, 90, 100, 128, 128}, 4)
}
