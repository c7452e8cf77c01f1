package models

import (
	"os"
	"path/filepath"
	"testing"
)

func TestExtract(t *testing.T) {
	if len(Tasks()) == 0 {
		t.Skip("no built-in models")
	}
	cache := t.TempDir()
	for _, task := range Tasks() {
		dir, err := Extract(task, cache)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"model.onnx", "config.json", "tokenizer.json", "radflag.json"} {
			if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
				t.Fatalf("%s: %v", task, err)
			}
		}
		again, err := Extract(task, cache)
		if err != nil || again != dir {
			t.Fatalf("second extract: %q, %v; want %q", again, err, dir)
		}
	}
	if _, err := Extract("no_such_task", cache); err == nil {
		t.Fatal("extracted a task with no model")
	}
}
