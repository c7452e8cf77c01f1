package synth

import (
	"sort"
	"strings"
	"testing"
	"time"
)

// TestLengthStats logs the word-length statistics README.md quotes and keeps
// generation fast enough for 10,000-report corpora (go test -v -run
// LengthStats prints them).
func TestLengthStats(t *testing.T) {
	for _, task := range []string{TaskPancreas, TaskIRProcedure} {
		n := 10000
		if testing.Short() {
			n = 2000
		}
		start := time.Now()
		exs, err := Generate(task, n, 11)
		if err != nil {
			t.Fatal(err)
		}
		el := time.Since(start)
		lens := make([]int, len(exs))
		sum := 0
		for i, e := range exs {
			lens[i] = len(strings.Fields(e.Text))
			sum += lens[i]
		}
		sort.Ints(lens)
		t.Logf("%s: %d reports in %v; words mean %.0f, median %d, p90 %d, max %d", task, n, el.Round(time.Millisecond),
			float64(sum)/float64(n), lens[n/2], lens[n*9/10], lens[n-1])
		if el > 30*time.Second*time.Duration(n)/10000 {
			t.Errorf("%s: %d reports took %v", task, n, el)
		}
	}
}
