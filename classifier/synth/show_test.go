package synth

import (
	"fmt"
	"os"
	"strconv"
	"testing"
)

// TestShow prints generated reports of one case type for inspection:
// SYNTH_SHOW=task/case SYNTH_N=5 go test -run Show ./classifier/synth
func TestShow(t *testing.T) {
	spec := os.Getenv("SYNTH_SHOW")
	if spec == "" {
		t.Skip("set SYNTH_SHOW=task/case")
	}
	n, _ := strconv.Atoi(os.Getenv("SYNTH_N"))
	if n == 0 {
		n = 4
	}
	task, name := spec, ""
	for i := range spec {
		if spec[i] == '/' {
			task, name = spec[:i], spec[i+1:]
		}
	}
	seed, _ := strconv.ParseInt(os.Getenv("SYNTH_SEED"), 10, 64)
	exs, err := GenerateCase(task, name, n, seed, os.Getenv("SYNTH_NOISE") == "")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range exs {
		fmt.Printf("---- %s label %d\n%s\n\n", e.ID, e.Label, e.Text)
	}
}
