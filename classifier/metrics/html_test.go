package metrics

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestWriteHTMLGolden(t *testing.T) {
	gold := []int{0, 0, 1, 1, 2, 2}
	pred := []int{0, 1, 1, 1, 2, 0}
	s, err := Compute(pancreasLabels, gold, pred)
	if err != nil {
		t.Fatal(err)
	}
	examples := []Example{
		{ID: "a", Text: "normal", Gold: 0, Predicted: 0},
		{ID: "b", Text: "IMPRESSION: No pancreatic mass. <script>alert(1)</script> & more", Gold: 0, Predicted: 1,
			Probabilities: map[string]float64{"none": 0.30, "post_treatment": 0.55, "pretreatment": 0.15}},
		{ID: "c", Text: "s/p Whipple", Gold: 1, Predicted: 1},
		{ID: "d", Text: "on FOLFIRINOX", Gold: 1, Predicted: 1},
		{ID: "e", Text: "head mass", Gold: 2, Predicted: 2},
		{ID: "f", Text: "診断: 膵頭部癌疑い。" + strings.Repeat("x", 100), Gold: 2, Predicted: 0,
			Probabilities: map[string]float64{"none": 0.6, "post_treatment": 0.1, "pretreatment": 0.3}},
	}
	var buf bytes.Buffer
	err = WriteHTML(&buf, HTMLReport{
		Task: "pancreas", Model: "test-model v1", Data: "tiny.jsonl", Scores: s, Seconds: 2,
		Examples: examples, MaxTextChars: 80, Generated: time.Date(2025, 5, 1, 12, 0, 0, 0, time.UTC),
	})
	if err != nil {
		t.Fatal(err)
	}
	got := buf.String()
	for _, want := range []string{
		"Misclassified reports (2)",
		"&lt;script&gt;",             // report text escaped
		"診断: 膵頭部癌疑い。",                // non-Latin text kept
		"background:rgba(22,128,60,", // diagonal drawn green
		"background:rgba(200,30,30,", // errors drawn red
		"3.0 reports/s",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("html lacks %q", want)
		}
	}
	for _, bad := range []string{"<script>", "http://", "https://", "<link", "src="} {
		if strings.Contains(got, bad) {
			t.Errorf("html contains %q: not self-contained or not escaped", bad)
		}
	}
	if strings.Contains(got, "s/p Whipple") {
		t.Error("a correctly classified report is listed")
	}
	golden := filepath.Join("testdata", "report.golden.html")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("html differs from %s; run go test -update and inspect the diff", golden)
	}
}

func TestWriteHTMLBounds(t *testing.T) {
	var gold, pred []int
	var examples []Example
	for i := range 30 {
		gold = append(gold, 0)
		pred = append(pred, 2)
		examples = append(examples, Example{ID: "r" + string(rune('a'+i%26)), Text: "t", Gold: 0, Predicted: 2})
	}
	s, err := Compute(pancreasLabels, gold, pred)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteHTML(&buf, HTMLReport{Scores: s, Examples: examples, MaxListed: 10}); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(buf.String(), `<div class="wrong">`); n != 10 {
		t.Errorf("listed %d reports, want 10", n)
	}
	if !strings.Contains(buf.String(), "20 more misclassified reports not listed") {
		t.Error("omitted count missing")
	}
	if err := WriteHTML(&buf, HTMLReport{}); err == nil {
		t.Error("no error without scores")
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
		cut  bool
	}{
		{"abc", 5, "abc", false},
		{"abcdef", 3, "abc", true},
		{"膵頭部癌", 2, "膵頭", true},
		{"膵頭", 2, "膵頭", false},
	}
	for _, tt := range tests {
		got, cut := truncate(tt.in, tt.n)
		if got != tt.want || cut != tt.cut {
			t.Errorf("truncate(%q, %d) = %q, %v; want %q, %v", tt.in, tt.n, got, cut, tt.want, tt.cut)
		}
	}
}
