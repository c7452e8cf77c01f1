package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// evalFixtures writes a small training set (for the n-gram baseline) and a
// small evaluation set; the project's held-out sets are never trained on.
func evalFixtures(t *testing.T) (train, data string) {
	t.Helper()
	dir := t.TempDir()
	train = filepath.Join(dir, "train.jsonl")
	data = filepath.Join(dir, "data.jsonl")
	trainLines := []string{
		`{"id":"a","text":"Pancreas normal. No mass.","label":0}`,
		`{"id":"b","text":"Normal study, no pancreatic abnormality.","label":0}`,
		`{"id":"c","text":"Whipple for pancreatic cancer, no recurrence.","label":1}`,
		`{"id":"d","text":"Pancreatic cancer after FOLFIRINOX chemotherapy.","label":1}`,
		`{"id":"e","text":"Pancreatic head mass suspicious for adenocarcinoma.","label":2}`,
		`{"id":"f","text":"New mass, double duct sign, suspicious for pancreatic cancer.","label":2}`,
	}
	dataLines := []string{
		`{"id":"x1","text":"The pancreas is normal. No mass.","label":0}`,
		`{"id":"x2","text":"Status post Whipple for pancreatic cancer.","label":1}`,
		`{"id":"x3","text":"Pancreatic head mass, suspicious for adenocarcinoma.","label":2}`,
	}
	write(t, train, trainLines)
	write(t, data, dataLines)
	return train, data
}

func write(t *testing.T, path string, lines []string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestEvalBaselineJSONAndHTML(t *testing.T) {
	train, data := evalFixtures(t)
	dir := t.TempDir()
	saved := filepath.Join(dir, "baseline.json")
	html := filepath.Join(dir, "report.html")
	var out, errb bytes.Buffer
	code := runMain(context.Background(), []string{"eval", "--task", "pancreas", "--data", data, "--baseline-train", train,
		"--baseline-save", saved, "--json", "--html", html}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var obj map[string]any
	dec := json.NewDecoder(&out)
	if err := dec.Decode(&obj); err != nil {
		t.Fatalf("stdout is not JSON: %v", err)
	}
	if dec.More() {
		t.Fatal("stdout holds more than one JSON value")
	}
	for _, k := range []string{"task", "model", "n", "accuracy", "macro_f1", "per_class", "confusion", "seconds", "reports_per_s"} {
		if _, ok := obj[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	if obj["task"] != "pancreas" || obj["n"] != float64(3) {
		t.Errorf("task %v n %v", obj["task"], obj["n"])
	}
	if b, err := os.ReadFile(html); err != nil || !bytes.Contains(b, []byte("Confusion matrix")) {
		t.Errorf("html report: %v", err)
	}

	// The saved baseline evaluates the same way, as a table by default.
	out.Reset()
	code = runMain(context.Background(), []string{"eval", "--task", "pancreas", "--data", data, "--model", "baseline:" + saved}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"accuracy", "confusion matrix", "post_treatment"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestEvalErrors(t *testing.T) {
	train, data := evalFixtures(t)
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.jsonl")
	write(t, bad, []string{`{"id":"1","text":"ok","label":0}`, `{"id":"2","text":"ok","label":7}`})
	irData := filepath.Join(dir, "ir.jsonl")
	write(t, irData, []string{`{"id":"1","text":"CT-guided drainage of a liver abscess.","label":1}`})
	saved := filepath.Join(dir, "pancreas-baseline.json")
	if code := runMain(context.Background(), []string{"eval", "--task", "pancreas", "--data", data, "--baseline-train", train, "--baseline-save", saved}, &bytes.Buffer{}, &bytes.Buffer{}); code != 0 {
		t.Fatal("could not train the baseline fixture")
	}
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no task", []string{"--data", data}, 2, "--task is required"},
		{"no data", []string{"--task", "pancreas"}, 2, "--data is required"},
		{"unknown task", []string{"--task", "liver", "--data", data}, 2, `unknown task "liver"`},
		{"extra argument", []string{"--task", "pancreas", "--data", data, "more"}, 2, `unexpected argument "more"`},
		{"model and baseline-train", []string{"--task", "pancreas", "--data", data, "--model", "x", "--baseline-train", train}, 2, "exclude each other"},
		{"batch out of range", []string{"--task", "pancreas", "--data", data, "--batch", "0"}, 2, "--batch 0"},
		{"bad line names file and line", []string{"--task", "pancreas", "--data", bad, "--baseline-train", train}, 1, bad + ":2: label 7 is not a label of this task"},
		{"missing data file", []string{"--task", "pancreas", "--data", filepath.Join(dir, "none.jsonl"), "--baseline-train", train}, 1, "none.jsonl"},
		{"baseline of another task", []string{"--task", "ir_procedure", "--data", irData, "--model", "baseline:" + saved}, 1, `trained for task "pancreas"`},
		{"model directory missing", []string{"--task", "pancreas", "--data", data, "--model", filepath.Join(dir, "no-model")}, 1, "no-model"},
		{"transformer-only of a baseline", []string{"--task", "pancreas", "--data", data, "--model", "baseline:" + saved, "--transformer-only"}, 2, "--transformer-only needs a model directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := runMain(context.Background(), append([]string{"eval"}, tt.args...), &out, &errb)
			if code != tt.code || !strings.Contains(errb.String(), tt.want) {
				t.Fatalf("exit %d, stderr %q; want exit %d and %q", code, errb.String(), tt.code, tt.want)
			}
			if out.Len() != 0 {
				t.Errorf("stdout not empty on error: %q", out.String())
			}
		})
	}
}
