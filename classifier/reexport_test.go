package classifier

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/radflag/radflag/classifier/transformer"
	"github.com/radflag/radflag/models"
)

func TestReexport(t *testing.T) {
	ctx := context.Background()
	task := pancreasTask(t)
	check := sampleReports
	dir := writeTinyModel(t, []string{"none", "post_treatment", "pretreatment"}, &task)
	current, err := os.ReadFile(filepath.Join(dir, "model.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	man, err := readManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	// The version Train gives this model.onnx.
	version := man.Created.Format("20060102") + "-" + sha256Hex(current)[:8]
	man.Version = version
	if err := writeManifest(dir, man); err != nil {
		t.Fatal(err)
	}
	w, err := transformer.WeightsFromONNX(current)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("current graph: nothing written", func(t *testing.T) {
		res, err := Reexport(ctx, ReexportConfig{Task: task, Dir: dir, Check: check})
		if err != nil {
			t.Fatal(err)
		}
		if res.Changed {
			t.Fatalf("re-exported a model already in the current graph: %+v", res)
		}
	})

	t.Run("stale version mended, model.onnx untouched", func(t *testing.T) {
		stale := *man
		stale.Version = "stale"
		if err := writeManifest(dir, &stale); err != nil {
			t.Fatal(err)
		}
		res, err := Reexport(ctx, ReexportConfig{Task: task, Dir: dir, Check: check})
		if err != nil {
			t.Fatal(err)
		}
		after, err := readManifest(dir)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(filepath.Join(dir, "model.onnx"))
		if !res.Changed || after.Version != version || res.Checked != 0 || !bytes.Equal(got, current) {
			t.Fatalf("changed %v, version %q (want %q), checked %d, model.onnx kept %v", res.Changed, after.Version, version, res.Checked, bytes.Equal(got, current))
		}
	})

	t.Run("older graph: rewritten, new version", func(t *testing.T) {
		// An older writer's file: the same graph and weights with a
		// doc_string (ModelProto field 6) the current writer does not write.
		older := append(append([]byte{}, current...), 0x32, 5, 'o', 'l', 'd', 'e', 'r')
		if err := os.WriteFile(filepath.Join(dir, "model.onnx"), older, 0o644); err != nil {
			t.Fatal(err)
		}
		res, err := Reexport(ctx, ReexportConfig{Task: task, Dir: dir, Check: check})
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(dir, "model.onnx"))
		if err != nil {
			t.Fatal(err)
		}
		if !res.Changed || !bytes.Equal(got, current) {
			t.Fatalf("model.onnx is not the current writer's graph after re-export (changed %v)", res.Changed)
		}
		if res.Checked != len(check) || res.MaxDiff > 1e-6 {
			t.Errorf("checked %d texts, max difference %g; want %d, ≤ 1e-6", res.Checked, res.MaxDiff, len(check))
		}
		after, err := readManifest(dir)
		if err != nil {
			t.Fatal(err)
		}
		if after.Version != version || res.NewVersion != version {
			t.Errorf("version %q (reported %q → %q), want %q", after.Version, res.OldVersion, res.NewVersion, version)
		}
	})

	t.Run("a graph that computes something else: refused", func(t *testing.T) {
		c := man.Architecture.Config
		c.Activation = "relu"
		other, err := transformer.ONNX(c, w)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "model.onnx"), other, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err = Reexport(ctx, ReexportConfig{Task: task, Dir: dir, Check: check})
		if err == nil || !strings.Contains(err.Error(), "refused") {
			t.Fatalf("err = %v, want a refusal", err)
		}
		got, _ := os.ReadFile(filepath.Join(dir, "model.onnx"))
		if !bytes.Equal(got, other) {
			t.Error("a refused re-export changed model.onnx")
		}
	})

	t.Run("bad requests", func(t *testing.T) {
		site := writeTinyModel(t, []string{"none", "post_treatment", "pretreatment"}, nil)
		ir, err := TaskByName("ir_procedure")
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name string
			cfg  ReexportConfig
			want string
		}{
			{"no radflag.json", ReexportConfig{Task: task, Dir: site, Check: check}, "radflag.json"},
			{"another task", ReexportConfig{Task: ir, Dir: dir, Check: check}, `for task "pancreas"`},
			{"no check texts", ReexportConfig{Task: task, Dir: dir}, "no texts"},
		} {
			if _, err := Reexport(ctx, tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: err = %v, want one naming %q", tc.name, err, tc.want)
			}
		}
	})
}

// TestShippedModelsUseCurrentGraph: the built-in models' model.onnx is what
// the current writer makes of their weights. A writer change that fails
// this needs `radflag reexport` on models/ (or a retraining), so the shipped
// models run the graph the tests and benchmarks describe.
func TestShippedModelsUseCurrentGraph(t *testing.T) {
	for _, name := range models.Tasks() {
		t.Run(name, func(t *testing.T) {
			dir, err := models.Extract(name, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			man, err := readManifest(dir)
			if err != nil {
				t.Fatal(err)
			}
			shipped, current, err := rewriteGraph(dir, man)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(current, shipped) {
				t.Fatalf("models/%s/model.onnx is not the current writer's graph: run radflag reexport --task %s --model models/%s --check testdata/dev/%s.jsonl", name, name, name, name)
			}
		})
	}
}
