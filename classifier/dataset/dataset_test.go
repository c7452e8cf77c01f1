package dataset

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadGood(t *testing.T) {
	in := "{\"id\":\"a\",\"text\":\"No pancreatic mass.\",\"label\":0}\r\n\n{\"id\":\"b\",\"text\":\"膵頭部に腫瘤\",\"label\":2}"
	got, err := Read(strings.NewReader(in), "x.jsonl", func(l int) bool { return l >= 0 && l <= 2 })
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[1].Text != "膵頭部に腫瘤" || got[1].Label != 2 {
		t.Fatalf("got %+v", got)
	}
	var buf bytes.Buffer
	if err := Write(&buf, got); err != nil {
		t.Fatal(err)
	}
	back, err := Read(&buf, "round", nil)
	if err != nil || len(back) != 2 || back[0] != got[0] || back[1] != got[1] {
		t.Fatalf("round trip: %+v %v", back, err)
	}
}

func TestReadBadLinesNameFileAndLine(t *testing.T) {
	valid := func(l int) bool { return l >= 1 && l <= 4 }
	good := `{"id":"a","text":"t","label":1}` + "\n"
	cases := []struct{ name, in, want string }{
		{"truncated json", good + `{"id":"b","text":"t"`, "f.jsonl:2: not a JSON object"},
		{"missing text", good + good[:0] + `{"id":"b","label":1}`, "f.jsonl:2: missing \"text\""},
		{"empty id", `{"id":" ","text":"t","label":1}`, "f.jsonl:1: missing \"id\""},
		{"label string", `{"id":"a","text":"t","label":"two"}`, "f.jsonl:1: \"label\" must be an integer"},
		{"label float", `{"id":"a","text":"t","label":1.5}`, "f.jsonl:1: \"label\" must be an integer"},
		{"label out of task", "\n" + `{"id":"a","text":"t","label":0}`, "f.jsonl:2: label 0 is not a label of this task"},
		{"duplicate id", good + "\n" + good, "f.jsonl:3: id \"a\" repeats line 1"},
		{"two values", `{"id":"a","text":"t","label":1} {}`, "f.jsonl:1: more than one JSON value"},
		{"not an object", `[1,2]`, "f.jsonl:1: not a JSON object"},
		{"empty file", "\n\n", "f.jsonl: no examples"},
		{"line too long", `{"id":"a","text":"` + strings.Repeat("x", MaxLineBytes) + `","label":1}`, "f.jsonl:1: line longer than"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(c.in), "f.jsonl", valid)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestReadFileMissing(t *testing.T) {
	_, err := ReadFile(filepath.Join(t.TempDir(), "none.jsonl"), nil)
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("err = %v", err)
	}
}

func FuzzRead(f *testing.F) {
	f.Add([]byte(`{"id":"a","text":"No mass.","label":0}` + "\n"))
	f.Add([]byte(`{"id":"a","text":"x","label":1}` + "\r\n" + `{"id":"b","text":"y","label":2}`))
	f.Add([]byte(`{"id":1,"text":null,"label":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		exs, err := Read(bytes.NewReader(data), "fuzz", nil)
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := Write(&buf, exs); err != nil {
			t.Fatal(err)
		}
		back, err := Read(&buf, "again", nil)
		if err != nil || len(back) != len(exs) {
			t.Fatalf("written dataset does not read back: %v", err)
		}
	})
}
