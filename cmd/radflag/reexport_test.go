package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/radflag/radflag/models"
)

// TestReexportCommand rewrites a copy of the built-in pancreas model whose
// model.onnx an older writer made (here: the same graph with a doc_string
// the current writer does not write, and other versions in radflag.json):
// the graph becomes the current writer's, both versions are those of its
// digest again, and a second run writes nothing.
func TestReexportCommand(t *testing.T) {
	_, data := evalFixtures(t)
	dir, err := models.Extract("pancreas", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	readMan := func() (version, transformer string) {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, "radflag.json"))
		if err != nil {
			t.Fatal(err)
		}
		var m struct {
			Version  string `json:"version"`
			Ensemble struct {
				Transformer string `json:"transformer_version"`
			} `json:"ensemble"`
		}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m.Version, m.Ensemble.Transformer
	}
	run := func() string {
		t.Helper()
		var out, errb bytes.Buffer
		if code := runMain(context.Background(), []string{"reexport", "--task", "pancreas", "--model", dir, "--check", data}, &out, &errb); code != 0 {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		return out.String()
	}
	run() // the built-in model as it is shipped, now the current graph
	path := filepath.Join(dir, "model.onnx")
	current, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	v0, t0 := readMan()
	if err := os.WriteFile(path, append(append([]byte{}, current...), 0x32, 3, 'o', 'l', 'd'), 0o644); err != nil {
		t.Fatal(err)
	}
	mp := filepath.Join(dir, "radflag.json")
	mb, err := os.ReadFile(mp)
	if err != nil {
		t.Fatal(err)
	}
	mb = bytes.ReplaceAll(bytes.ReplaceAll(mb, []byte(v0), []byte("old-pair")), []byte(t0), []byte("old-transformer"))
	if err := os.WriteFile(mp, mb, 0o644); err != nil {
		t.Fatal(err)
	}
	if out := run(); !strings.Contains(out, "rewrote "+path) || !strings.Contains(out, "3 reports classified alike") || !strings.Contains(out, "old-pair → "+v0) {
		t.Fatalf("stdout %q", out)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, current) {
		t.Fatal("model.onnx is not the current writer's graph")
	}
	if v1, t1 := readMan(); v1 != v0 || t1 != t0 || t1 == "" || v1 == t1 {
		t.Errorf("versions after re-export: pair %q, transformer %q; want %q and %q again", v1, t1, v0, t0)
	}
	if out := run(); !strings.Contains(out, "already the current graph") {
		t.Errorf("second run: %q", out)
	}
}

func TestReexportErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.jsonl")
	write(t, bad, []string{`{"id":"1","text":"ok","label":0}`, `{"id":"2","text":"ok"`})
	for _, tt := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no check", []string{"--task", "pancreas", "--model", dir}, 2, "--task, --model and --check are required"},
		{"unknown task", []string{"--task", "liver", "--model", dir, "--check", bad}, 2, `unknown task "liver"`},
		{"bad line names file and line", []string{"--task", "pancreas", "--model", dir, "--check", bad}, 1, bad + ":2"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := runMain(context.Background(), append([]string{"reexport"}, tt.args...), &out, &errb)
			if code != tt.code || !strings.Contains(errb.String(), tt.want) {
				t.Fatalf("exit %d, stderr %q; want exit %d and %q", code, errb.String(), tt.code, tt.want)
			}
		})
	}
}
