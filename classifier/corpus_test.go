package classifier

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/radflag/radflag/classifier/dataset"
)

// TestHandwrittenCorpus checks the hand-written training reports: each file
// parses with labels of its task, ids are unique across files, and no text
// is also in a hand-written evaluation set (training on one would make
// that set measure nothing).
func TestHandwrittenCorpus(t *testing.T) {
	files, err := filepath.Glob("../corpus/handwritten/*.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no files in corpus/handwritten")
	}
	held := map[string]string{}
	for _, set := range []string{"dev", "eval", "holdout"} {
		for _, task := range []string{"pancreas", "ir_procedure"} {
			path := filepath.Join("..", "testdata", set, task+".jsonl")
			exs, err := dataset.ReadFile(path, func(int) bool { return true })
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range exs {
				held[strings.TrimSpace(e.Text)] = e.ID
			}
		}
	}
	ids := map[string]string{}
	for _, f := range files {
		name := strings.SplitN(filepath.Base(f), "-", 2)[0]
		task, err := TaskByName(name)
		if err != nil {
			t.Fatalf("%s: file name does not start with a task: %v", f, err)
		}
		exs, err := dataset.ReadFile(f, func(l int) bool { return task.index(l) >= 0 })
		if err != nil {
			t.Fatal(err)
		}
		if len(exs) == 0 {
			t.Errorf("%s: no reports", f)
		}
		for _, e := range exs {
			if prev, dup := ids[e.ID]; dup {
				t.Errorf("%s: id %s also in %s", f, e.ID, prev)
			}
			ids[e.ID] = f
			if id, ok := held[strings.TrimSpace(e.Text)]; ok {
				t.Errorf("%s: %s is the text of evaluation report %s", f, e.ID, id)
			}
		}
	}
}
