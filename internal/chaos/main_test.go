//go:build long || bench

package chaos

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"
)

// radflagBin is the radflag binary built once for the whole test binary.
var radflagBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "radflag-chaos-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	start := time.Now()
	radflagBin, err = Build(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "built radflag in %.1f s\n", time.Since(start).Seconds())
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// modelEnv is the serve environment for the model RADFLAG_CHAOS_MODEL
// names: "transformer" (default: the shipped models) or "baseline" (the
// n-gram baseline, trained here: for machines too small for the
// transformers' 20–60 reports/s), and a description for the log.
func modelEnv(t *testing.T) ([]string, string) {
	t.Helper()
	switch m := os.Getenv("RADFLAG_CHAOS_MODEL"); m {
	case "", "transformer":
		return nil, "shipped transformer models"
	case "baseline":
		dirs, err := BaselineModelDirs(context.Background(), t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return []string{"RADFLAG_CLASSIFY_MODEL_DIRS=" + dirs}, "n-gram baseline models (RADFLAG_CHAOS_MODEL=baseline)"
	default:
		t.Fatalf("RADFLAG_CHAOS_MODEL=%q: want transformer or baseline", m)
		return nil, ""
	}
}
