package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/radflag/radflag/models"
)

// TestEnsembleCommand adds an n-gram companion to a copy of the built-in
// pancreas model; eval then names the pair, and --transformer-only the
// transformer alone under its own version.
func TestEnsembleCommand(t *testing.T) {
	train, data := evalFixtures(t)
	dir, err := models.Extract("pancreas", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := runMain(context.Background(), []string{"ensemble", "--task", "pancreas", "--model", dir, "--data", train, "--val", data, "--weight", "0.4"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "ngram.json: n-gram companion") || !strings.Contains(out.String(), "weight 0.4") {
		t.Fatalf("stdout %q", out.String())
	}
	evalModel := func(extra ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		args := append([]string{"eval", "--task", "pancreas", "--model", dir, "--data", data, "--json"}, extra...)
		if code := runMain(context.Background(), args, &out, &errb); code != 0 {
			t.Fatalf("eval exit %d: %s", code, errb.String())
		}
		var r struct {
			Model string `json:"model"`
			N     int    `json:"n"`
		}
		if err := json.Unmarshal(out.Bytes(), &r); err != nil || r.N != 3 {
			t.Fatalf("eval output %q: %v", out.String(), err)
		}
		return r.Model
	}
	pair, alone := evalModel(), evalModel("--transformer-only")
	if !strings.Contains(pair, "transformer + n-gram LR") || !strings.Contains(alone, "transformer alone") || strings.Fields(pair)[1] == strings.Fields(alone)[1] {
		t.Errorf("pair %q and transformer alone %q", pair, alone)
	}
}

func TestEnsembleErrors(t *testing.T) {
	train, _ := evalFixtures(t)
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.jsonl")
	write(t, bad, []string{`{"id":"1","text":"ok","label":0}`, `{"id":"2","text":"ok","label":7}`})
	model, err := models.Extract("pancreas", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no model", []string{"--task", "pancreas", "--data", train}, 2, "--task, --model and --data are required"},
		{"weight 1", []string{"--task", "pancreas", "--model", model, "--data", train, "--weight", "1"}, 2, "--weight must be in (0, 1)"},
		{"unknown task", []string{"--task", "liver", "--model", model, "--data", train}, 2, `unknown task "liver"`},
		{"directory of another task", []string{"--task", "ir_procedure", "--model", model, "--data", train}, 1, `is for task "pancreas"`},
		{"not a model directory", []string{"--task", "pancreas", "--model", dir, "--data", train}, 1, "model.onnx"},
		{"bad line names file and line", []string{"--task", "pancreas", "--model", model, "--data", bad}, 1, bad + ":2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := runMain(context.Background(), append([]string{"ensemble"}, tt.args...), &out, &errb)
			if code != tt.code || !strings.Contains(errb.String(), tt.want) {
				t.Fatalf("exit %d, stderr %q; want exit %d and %q", code, errb.String(), tt.code, tt.want)
			}
			if out.Len() != 0 {
				t.Errorf("stdout not empty on error: %q", out.String())
			}
		})
	}
}
