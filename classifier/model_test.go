package classifier

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/radflag/radflag/classifier/tokenizer"
	"github.com/radflag/radflag/classifier/transformer"
)

var sampleReports = []string{
	"INDICATION: jaundice. FINDINGS: 3 cm hypoenhancing mass in the pancreatic head with upstream ductal dilatation. IMPRESSION: Suspicious for pancreatic adenocarcinoma.",
	"No pancreatic mass. The liver measures approx. 15 cm. Normal spleen.",
	"膵頭部に腫瘤を認める。 Status post Whipple for pancreatic cancer, no recurrence.",
}

// writeTinyModel writes a small random model in the standard BERT layout
// with the given label names; withManifest adds radflag.json for task.
func writeTinyModel(t testing.TB, names []string, task *Task) string {
	t.Helper()
	vocab, err := tokenizer.Train(sampleReports, tokenizer.TrainConfig{VocabSize: 400, MinFreq: 1})
	if err != nil {
		t.Fatal(err)
	}
	c := transformer.Config{VocabSize: len(vocab), Hidden: 32, Layers: 1, Heads: 2, FFN: 64, MaxPositions: 64, TypeVocab: 2, NumLabels: len(names)}
	w, err := transformer.InitWeights(c, 3)
	if err != nil {
		t.Fatal(err)
	}
	for n, p := range w {
		if !strings.Contains(n, "LayerNorm") {
			for i := range p.Data {
				p.Data[i] *= 30
			}
		}
	}
	dir := t.TempDir()
	if err := transformer.WriteDir(dir, c, w, tokenizer.Build(vocab), names); err != nil {
		t.Fatal(err)
	}
	if task != nil {
		if err := writeManifest(dir, &Manifest{Task: task.Name, Labels: task.Labels, Architecture: Architecture{Type: "bert", Config: c, MaxTokens: 64}}); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// loadTinyPancreas loads a tiny random pancreas model with cfg (Task is
// set here); it is closed when the test ends.
func loadTinyPancreas(t *testing.T, cfg Config) *Model {
	t.Helper()
	cfg.Task = pancreasTask(t)
	cfg.Task.ModelDir = writeTinyModel(t, []string{"none", "post_treatment", "pretreatment"}, nil)
	m, err := Load(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func pancreasTask(t testing.TB) Task {
	task, err := TaskByName("pancreas")
	if err != nil {
		t.Fatal(err)
	}
	return task
}

func TestLoadPredictStandardLayout(t *testing.T) {
	task := pancreasTask(t)
	task.ModelDir = writeTinyModel(t, []string{"none", "post_treatment", "pretreatment"}, nil)
	m, err := Load(context.Background(), Config{Task: task, Evidence: true, BatchSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if info := m.Info(); len(info.Digest) != 64 || info.Task != "pancreas" || info.MaxTokens != 64 {
		t.Fatalf("info %+v", info)
	}
	long := strings.Repeat("The kidneys are normal. ", 200) + "Pancreatic head mass."
	texts := append(append([]string(nil), sampleReports...), long, "")
	preds, err := m.Predict(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	if len(preds) != len(texts) {
		t.Fatalf("%d predictions for %d texts", len(preds), len(texts))
	}
	for i, p := range preds {
		sum := 0.0
		for _, v := range p.Probabilities {
			sum += v
		}
		if math.Abs(sum-1) > 1e-4 || len(p.Probabilities) != 3 {
			t.Fatalf("text %d: probabilities %v", i, p.Probabilities)
		}
		if p.Probabilities[p.LabelName] < 1.0/3 || task.index(p.Label) < 0 {
			t.Fatalf("text %d: label %d %s with %v", i, p.Label, p.LabelName, p.Probabilities)
		}
		for _, e := range p.Evidence {
			if e.Start < 0 || e.End > len(texts[i]) || texts[i][e.Start:e.End] != e.Sentence {
				t.Fatalf("text %d: evidence %+v does not match its offsets", i, e)
			}
		}
		if texts[i] != "" && len(p.Evidence) == 0 {
			t.Fatalf("text %d: no evidence", i)
		}
	}
	// Batched and one-by-one agree.
	one, err := m.Predict(context.Background(), texts[:1])
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range one[0].Probabilities {
		if math.Abs(v-preds[0].Probabilities[k]) > 1e-4 {
			t.Fatalf("batched %v vs single %v", preds[0].Probabilities, one[0].Probabilities)
		}
	}
}

func TestLoadRefusesMismatchedLabels(t *testing.T) {
	pan := pancreasTask(t)
	ir, _ := TaskByName("ir_procedure")
	tests := []struct {
		name    string
		task    Task
		dir     func(t *testing.T) string
		wantErr string
	}{
		{"id2label count differs from task", ir, func(t *testing.T) string {
			return writeTinyModel(t, []string{"none", "post_treatment", "pretreatment"}, nil)
		}, "id2label has 3 labels but task ir_procedure has 4"},
		{"id2label count differs from logits", ir, func(t *testing.T) string {
			dir := writeTinyModel(t, []string{"none", "post_treatment", "pretreatment"}, nil)
			editConfig(t, dir, map[string]string{"0": "drainage", "1": "soft_tissue_biopsy", "2": "lung_biopsy", "3": "bone_biopsy"})
			return dir
		}, "id2label does not match the model's logits"},
		{"radflag.json labels differ", pan, func(t *testing.T) string {
			other := pan
			other.Labels = []Label{{0, "none"}, {1, "treated"}, {2, "pretreatment"}}
			return writeTinyModel(t, []string{"none", "post_treatment", "pretreatment"}, &other)
		}, "radflag.json label 1"},
		{"radflag.json for another task", pan, func(t *testing.T) string {
			other := pan
			other.Name = "liver"
			return writeTinyModel(t, []string{"none", "post_treatment", "pretreatment"}, &other)
		}, `radflag.json is for task "liver"`},
		{"missing model.onnx", pan, func(t *testing.T) string {
			dir := writeTinyModel(t, []string{"none", "post_treatment", "pretreatment"}, nil)
			os.Remove(filepath.Join(dir, "model.onnx"))
			return dir
		}, "needs model.onnx"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			task := tc.task
			task.ModelDir = tc.dir(t)
			m, err := Load(context.Background(), Config{Task: task})
			if err == nil {
				m.Close()
				t.Fatal("loaded; want an error")
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %q, want it to contain %q", err, tc.wantErr)
			}
		})
	}
}

func editConfig(t *testing.T, dir string, id2label map[string]string) {
	t.Helper()
	path := filepath.Join(dir, "config.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	m["id2label"] = id2label
	b, _ = json.Marshal(m)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestSplitSentences(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"plain", "No mass. Normal liver.", []string{"No mass.", "Normal liver."}},
		{"decimal and approx", "Mass of approx. 2.5 cm in the head. No nodes.", []string{"Mass of approx. 2.5 cm in the head.", "No nodes."}},
		{"unit then lower case", "Measures 3 cm. in diameter. Stable.", []string{"Measures 3 cm. in diameter.", "Stable."}},
		{"unit ends sentence", "Measures 3 cm. No nodes.", []string{"Measures 3 cm.", "No nodes."}},
		{"headings on lines", "FINDINGS:\nPancreatic mass.\n\nIMPRESSION: Cancer.", []string{"FINDINGS:", "Pancreatic mass.", "IMPRESSION: Cancer."}},
		{"japanese", "膵頭部に腫瘤。転移なし。", []string{"膵頭部に腫瘤。", "転移なし。"}},
		{"no final period", "s/p Whipple", []string{"s/p Whipple"}},
		{"empty", "  \n ", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, s := range SplitSentences(tc.in) {
				got = append(got, tc.in[s.Start:s.End])
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}
