package baseline

import (
	"bytes"
	"context"
	"errors"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/radflag/radflag/classifier/dataset"
)

var labels = []Label{{0, "none"}, {1, "post_treatment"}, {2, "pretreatment"}}

// tinyTrain is a small hand-written training set, separate from the
// evaluation sets in testdata/eval (which must never be trained on).
func tinyTrain() []dataset.Example {
	texts := []struct {
		label int
		text  string
	}{
		{0, "Normal pancreas. No mass. No duct dilatation."},
		{0, "Pancreas unremarkable. Liver cyst. Impression: no acute findings."},
		{0, "Acute pancreatitis with peripancreatic fluid. No mass."},
		{0, "Chronic pancreatitis with calcifications. No pancreatic mass."},
		{0, "Kidney stone. Pancreas normal."},
		{0, "Appendicitis. Pancreas normal."},
		{1, "Status post Whipple for pancreatic adenocarcinoma. No recurrence."},
		{1, "Pancreatic cancer on FOLFIRINOX, decreased mass."},
		{1, "Post Whipple. New liver metastases from pancreatic cancer."},
		{1, "Pancreatic adenocarcinoma after chemoradiation, stable."},
		{1, "Status post distal pancreatectomy for pancreatic cancer. No recurrence."},
		{1, "On gemcitabine for pancreatic cancer, progression."},
		{2, "Pancreatic head mass with double duct, suspicious for adenocarcinoma."},
		{2, "New hypoattenuating pancreatic mass, concerning for pancreatic cancer."},
		{2, "Pancreatic body mass encasing the celiac axis, consistent with adenocarcinoma."},
		{2, "Mass in the pancreatic head, suspicious for pancreatic cancer. Biliary stent."},
		{2, "Pancreatic tail mass with liver metastases, suspicious for adenocarcinoma."},
		{2, "膵頭部に腫瘤、膵癌疑い。 pancreatic mass suspicious."},
	}
	out := make([]dataset.Example, len(texts))
	for i, t := range texts {
		out[i] = dataset.Example{ID: string(rune('a' + i)), Text: t.text, Label: t.label}
	}
	return out
}

func TestTokenize(t *testing.T) {
	tests := []struct {
		in   string
		want [][]string
	}{
		{"No pancreatic mass.", [][]string{{"no", "pancreatic", "mass"}}},
		{"2.6 cm mass; CBD 14mm", [][]string{{"0", "cm", "mass"}, {"cbd", "14mm"}}},
		{"s/p Whipple\nNED", [][]string{{"s", "p", "whipple"}, {"ned"}}},
		{"膵癌疑い。", [][]string{{"膵", "癌", "疑", "い"}}},
		{"Pancreas body に low density mass", [][]string{{"pancreas", "body", "に", "low", "density", "mass"}}},
		{"Haemorrhage (small) — resolved", [][]string{{"haemorrhage", "small", "resolved"}}},
		{"", nil},
		{"...", nil},
	}
	for _, tt := range tests {
		got := tokenize(tt.in)
		if len(got) != len(tt.want) {
			t.Errorf("tokenize(%q) = %q, want %q", tt.in, got, tt.want)
			continue
		}
		for i := range got {
			if !slices.Equal(got[i], tt.want[i]) {
				t.Errorf("tokenize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		}
	}
}

func TestNgramsDoNotCrossSentences(t *testing.T) {
	g := ngrams("No mass. Pancreas normal, no mass")
	for gram, want := range map[string]int{"no mass": 2, "mass": 2, "pancreas normal": 1, "normal no": 1, "mass pancreas": 0} {
		if g[gram] != want {
			t.Errorf("count of %q = %d, want %d", gram, g[gram], want)
		}
	}
}

func TestTrainPredict(t *testing.T) {
	m, err := Train(context.Background(), Config{Task: "pancreas", Labels: labels, MinDF: 1}, tinyTrain())
	if err != nil {
		t.Fatal(err)
	}
	for _, ex := range tinyTrain() {
		if p := m.Predict(ex.Text); p.Label != ex.Label {
			t.Errorf("training example %q predicted %d, want %d", ex.Text, p.Label, ex.Label)
		}
	}
	tests := []struct {
		text string
		want int
	}{
		{"The pancreas is normal. No mass.", 0},
		{"Status post Whipple, no recurrence.", 1},
		{"Pancreatic head mass suspicious for adenocarcinoma.", 2},
		{"膵癌疑い", 2},
	}
	for _, tt := range tests {
		p := m.Predict(tt.text)
		if p.Label != tt.want {
			t.Errorf("Predict(%q) = %d %v, want %d", tt.text, p.Label, p.Probabilities, tt.want)
		}
		var sum float64
		for _, v := range p.Probabilities {
			sum += v
		}
		if math.Abs(sum-1) > 1e-9 || len(p.Probabilities) != 3 {
			t.Errorf("probabilities %v do not sum to 1 over 3 labels", p.Probabilities)
		}
		if p.LabelName != labels[p.Label].Name {
			t.Errorf("label name %q for label %d", p.LabelName, p.Label)
		}
	}
	// Text with no known n-gram still gets an answer.
	if p := m.Predict("zzz qqq"); len(p.Probabilities) != 3 {
		t.Errorf("unknown text: %+v", p)
	}
}

func TestTrainDeterministic(t *testing.T) {
	var outs [][]byte
	for range 2 {
		m, err := Train(context.Background(), Config{Task: "pancreas", Labels: labels, MinDF: 1, Seed: 7}, tinyTrain())
		if err != nil {
			t.Fatal(err)
		}
		m.trainedOn.Seconds, m.trainedOn.Created = 0, time.Time{} // the only fields that may differ
		var b bytes.Buffer
		if err := m.Write(&b); err != nil {
			t.Fatal(err)
		}
		outs = append(outs, b.Bytes())
	}
	if !bytes.Equal(outs[0], outs[1]) {
		t.Error("two trainings with the same seed differ")
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	m, err := Train(context.Background(), Config{Task: "pancreas", Labels: labels, MinDF: 1}, tinyTrain())
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "model.json")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	l, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if l.Task() != "pancreas" || l.Features() != m.Features() || l.TrainedOn().Digest != m.TrainedOn().Digest {
		t.Errorf("loaded model differs: task %q features %d/%d", l.Task(), l.Features(), m.Features())
	}
	for _, text := range []string{"Status post Whipple.", "pancreatic mass", "normal", "膵癌"} {
		a, b := m.Predict(text), l.Predict(text)
		if a.Label != b.Label {
			t.Errorf("%q: %d before save, %d after", text, a.Label, b.Label)
		}
		for k, v := range a.Probabilities {
			if b.Probabilities[k] != v {
				t.Errorf("%q: probability %s %v before save, %v after", text, k, v, b.Probabilities[k])
			}
		}
	}
}

func TestReadRejects(t *testing.T) {
	good := `{"format":"radflag-baseline/1","task":"t","labels":[{"id":0,"name":"a"},{"id":1,"name":"b"}],` +
		`"config":{},"trained_on":{"examples":1,"digest":"","seconds":0,"created":"2025-01-01T00:00:00Z"},` +
		`"terms":["x","y"],"idf":[1,1],"bias":[0,0],"weights":[[1,2],[3,4]]}`
	if _, err := Read(strings.NewReader(good)); err != nil {
		t.Fatalf("good model refused: %v", err)
	}
	tests := []struct {
		name, old, new, want string
	}{
		{"not json", good, "hello", "not a baseline model"},
		{"wrong format", `radflag-baseline/1`, `other/9`, "format"},
		{"one label", `{"id":0,"name":"a"},{"id":1,"name":"b"}`, `{"id":0,"name":"a"}`, "need at least 2"},
		{"duplicate label", `{"id":1,"name":"b"}`, `{"id":0,"name":"b"}`, "repeated"},
		{"unordered labels", `{"id":0,"name":"a"},{"id":1,"name":"b"}`, `{"id":1,"name":"b"},{"id":0,"name":"a"}`, "ordered"},
		{"idf length", `"idf":[1,1]`, `"idf":[1]`, "1 idf values for 2 terms"},
		{"weight row length", `[[1,2],[3,4]]`, `[[1,2],[3]]`, "weight row 1 has 1 values"},
		{"missing weight row", `[[1,2],[3,4]]`, `[[1,2]]`, "1 weight rows for 2 labels"},
		{"duplicate term", `["x","y"]`, `["x","x"]`, "repeated"},
		{"unknown field", `"task":"t"`, `"task":"t","extra":1`, "unknown field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := strings.Replace(good, tt.old, tt.new, 1)
			_, err := Read(strings.NewReader(in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.json")); err == nil {
		t.Error("missing file loaded")
	}
}

func TestTrainErrors(t *testing.T) {
	tests := []struct {
		name     string
		cfg      Config
		examples []dataset.Example
		want     string
	}{
		{"no labels", Config{}, tinyTrain(), "at least two labels"},
		{"no examples", Config{Labels: labels}, nil, "no training examples"},
		{"unknown label", Config{Labels: labels}, []dataset.Example{{ID: "x", Text: "a", Label: 5}}, "label 5 is not a label"},
		{"duplicate label", Config{Labels: []Label{{0, "a"}, {0, "b"}}}, tinyTrain(), "listed twice"},
		{"vocabulary empty", Config{Labels: labels, MinDF: 1000}, tinyTrain(), "no n-gram occurs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Train(context.Background(), tt.cfg, tt.examples)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestTrainCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Train(ctx, Config{Labels: labels, MinDF: 1}, tinyTrain())
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	m, err := Train(context.Background(), Config{Labels: labels, MinDF: 1}, tinyTrain())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.PredictBatch(ctx, []string{"x"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("PredictBatch error %v, want context.Canceled", err)
	}
}

func BenchmarkPredict(b *testing.B) {
	m, err := Train(context.Background(), Config{Labels: labels, MinDF: 1}, tinyTrain())
	if err != nil {
		b.Fatal(err)
	}
	text := strings.Repeat("Pancreatic head mass with double duct sign, suspicious for adenocarcinoma. Liver normal. ", 20)
	b.ResetTimer()
	for b.Loop() {
		m.Predict(text)
	}
}

func TestFits(t *testing.T) {
	m, err := Train(context.Background(), Config{Task: "pancreas", Labels: labels, MinDF: 1}, tinyTrain())
	if err != nil {
		t.Fatal(err)
	}
	reversed := slices.Clone(labels)
	slices.Reverse(reversed)
	renamed := slices.Clone(labels)
	renamed[1].Name = "treated"
	tests := []struct {
		name   string
		task   string
		labels []Label
		want   string // "" accepted
	}{
		{"same labels", "pancreas", labels, ""},
		{"same labels in another order", "pancreas", reversed, ""},
		{"another task", "ir_procedure", labels, `trained for task "pancreas", not "ir_procedure"`},
		{"a label renamed", "pancreas", renamed, "do not match"},
		{"a label missing", "pancreas", labels[:2], "do not match"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := m.Fits(tt.task, tt.labels)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one saying %q", err, tt.want)
			}
		})
	}
	if !slices.Equal(reversed, func() []Label { r := slices.Clone(labels); slices.Reverse(r); return r }()) {
		t.Error("Fits reordered its argument")
	}
}
