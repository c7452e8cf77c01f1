package synth

import (
	"os"
	"sort"
	"strings"
	"testing"
	"time"
)

// TestLengthStats logs the word-length statistics README.md quotes and keeps
// generation fast enough for 10,000-report corpora (SYNTH_STATS=1 go test -v
// -run LengthStats measures 10,000 per task; by default 3,000).
func TestLengthStats(t *testing.T) {
	for _, task := range []string{TaskPancreas, TaskIRProcedure} {
		n := 3000
		if os.Getenv("SYNTH_STATS") != "" {
			n = 10000
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
		long := 0
		for _, l := range lens {
			if l >= 250 {
				long++
			}
		}
		t.Logf("%s: %d reports in %v; words mean %.0f, median %d, p90 %d, p99 %d, max %d; %.1f%% of 250+ words", task, n, el.Round(time.Millisecond),
			float64(sum)/float64(n), lens[n/2], lens[n*9/10], lens[n*99/100], lens[n-1], 100*float64(long)/float64(n))
		if el > 30*time.Second*time.Duration(n)/10000 {
			t.Errorf("%s: %d reports took %v", task, n, el)
		}
	}
}
