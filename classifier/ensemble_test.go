package classifier

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/radflag/radflag/classifier/baseline"
	"github.com/radflag/radflag/classifier/dataset"
)

// writeTinyPair writes a tiny pancreas model with radflag.json and adds an
// n-gram companion of the given weight trained on the tiny set.
func writeTinyPair(t *testing.T, weight float64) (dir string, task Task) {
	t.Helper()
	task = pancreasTask(t)
	dir = writeTinyModel(t, []string{"none", "post_treatment", "pretreatment"}, &task)
	data := writeTinyPancreasSet(t, t.TempDir())
	man, err := AddCompanion(context.Background(), CompanionConfig{Task: task, Dir: dir, DataPath: data, ValPath: data, Weight: weight})
	if err != nil {
		t.Fatal(err)
	}
	e := man.Ensemble
	if e == nil || e.File != CompanionFile || e.Weight != weight || e.TrainingData.N != 60 || len(e.SHA256) != 64 || e.Features == 0 || e.Validation == nil || e.Validation.N != 60 {
		t.Fatalf("companion %+v", e)
	}
	task.ModelDir = dir
	return dir, task
}

// TestCompanionMixesProbabilities: with a companion, Predict answers the
// weighted mean of the transformer's probabilities (TransformerOnly) and
// the companion's on the whole text, under a digest and version of its own.
func TestCompanionMixesProbabilities(t *testing.T) {
	const w = 0.3
	dir, task := writeTinyPair(t, w)
	ctx := context.Background()
	pair, err := Load(ctx, Config{Task: task, BatchSize: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer pair.Close()
	alone, err := Load(ctx, Config{Task: task, BatchSize: 4, TransformerOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer alone.Close()
	ng, err := baseline.Load(filepath.Join(dir, CompanionFile))
	if err != nil {
		t.Fatal(err)
	}
	texts := append([]string{strings.Repeat("The liver and spleen are normal. ", 40) + "Status post Whipple for pancreatic cancer."}, sampleReports...)
	pp, err := pair.Predict(ctx, texts)
	if err != nil {
		t.Fatal(err)
	}
	pt, err := alone.Predict(ctx, texts)
	if err != nil {
		t.Fatal(err)
	}
	differ := false
	for i, text := range texts {
		pn := ng.Predict(text).Probabilities
		best, bestP := "", -1.0
		for _, l := range task.Labels {
			want := (1-w)*pt[i].Probabilities[l.Name] + w*pn[l.Name]
			if got := pp[i].Probabilities[l.Name]; math.Abs(got-want) > 1e-9 {
				t.Errorf("text %d %s: %g, want (1-w)·%g + w·%g = %g", i, l.Name, got, pt[i].Probabilities[l.Name], pn[l.Name], want)
			}
			if want > bestP {
				best, bestP = l.Name, want
			}
			differ = differ || math.Abs(pt[i].Probabilities[l.Name]-pn[l.Name]) > 0.01
		}
		if pp[i].LabelName != best {
			t.Errorf("text %d: label %s, the mixed probabilities say %s", i, pp[i].LabelName, best)
		}
	}
	if !differ {
		t.Fatal("the two models agree everywhere: the test shows nothing")
	}
	pi, ai := pair.Info(), alone.Info()
	if pi.Digest == ai.Digest || pi.Version == ai.Version || pi.Companion == "" || ai.Companion != "" {
		t.Errorf("pair %+v and transformer alone %+v are not told apart", pi, ai)
	}
	if onnx, _ := fileSHA256(filepath.Join(dir, "model.onnx")); ai.Digest != onnx {
		t.Errorf("transformer alone digest %s, model.onnx %s", ai.Digest, onnx)
	}
}

// TestCompanionEvidence: the pair's evidence weights are the drops of the
// mixed probability that removing each sentence gives, including sentences
// the transformer never sees (the companion reads the whole text).
func TestCompanionEvidence(t *testing.T) {
	_, task := writeTinyPair(t, 0.5)
	m, err := Load(context.Background(), Config{Task: task, BatchSize: 8, MaxEvidenceSentences: 100, TopEvidence: 100, EvidenceScreen: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	var b strings.Builder
	for i := range 20 {
		fmt.Fprintf(&b, "The kidney measures %d mm. ", 90+i)
		if i == 10 {
			b.WriteString("Pancreatic head mass suspicious for cancer. ")
		}
	}
	text := "Indication: weight loss. " + b.String() + "Impression: pancreatic head mass suspicious for cancer."
	sents := SplitSentences(text)
	perturbed := []string{text}
	for _, s := range sents {
		perturbed = append(perturbed, without(text, s))
	}
	pp, err := m.probabilities(context.Background(), perturbed)
	if err != nil {
		t.Fatal(err)
	}
	pred := argmax(pp[0])
	want := map[int]float64{}
	for i, s := range sents {
		want[s.Start] = pp[0][pred] - pp[i+1][pred]
	}
	ev, err := m.Explain(context.Background(), text)
	if err != nil {
		t.Fatal(err)
	}
	_, base := m.tk.FitIDs(text, m.info.MaxTokens)
	got := map[int]bool{}
	for _, e := range ev {
		w, ok := want[e.Start]
		if !ok {
			t.Fatalf("evidence %+v is not a sentence of the text", e)
		}
		if math.Abs(w-e.Weight) > 1e-5 {
			t.Errorf("sentence %q: weight %g, removing it moves the pair by %g", e.Sentence, e.Weight, w)
		}
		got[e.Start] = true
	}
	// Sentences outside the transformer's window that still support the
	// answer (through the companion) must be among the evidence.
	unseen := 0
	for _, s := range sents {
		_, ids := m.tk.FitIDs(without(text, s), m.info.MaxTokens)
		if !slices.Equal(ids, base) || want[s.Start] <= 1e-9 {
			continue
		}
		unseen++
		if !got[s.Start] {
			t.Errorf("sentence %q, unseen by the transformer, weighs %g through the companion but is not evidence", text[s.Start:s.End], want[s.Start])
		}
	}
	if unseen == 0 {
		t.Fatal("no sentence outside the transformer's window supports the answer: the text does not exercise the companion's share")
	}

	// Screened (the default path): fewer sentences, each with the weight
	// full occlusion of the pair gives.
	if seenN := len(sents) - countUnseen(m, text, sents); seenN <= 2 {
		t.Fatalf("%d sentences seen by the transformer: a screen of 2 would not screen", seenN)
	}
	screened, err := Load(context.Background(), Config{Task: task, BatchSize: 8, MaxEvidenceSentences: 100, TopEvidence: 100, EvidenceScreen: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer screened.Close()
	sev, err := screened.Explain(context.Background(), text)
	if err != nil {
		t.Fatal(err)
	}
	if len(sev) == 0 {
		t.Fatal("no screened evidence")
	}
	for _, e := range sev {
		if w, ok := want[e.Start]; !ok || math.Abs(w-e.Weight) > 1e-5 {
			t.Errorf("screened sentence %q: weight %g, removing it moves the pair by %g", e.Sentence, e.Weight, w)
		}
	}
}

// TestCompanionRefused: a companion that is not the one radflag.json names,
// or not for the task, stops Load with an error that says so.
func TestCompanionRefused(t *testing.T) {
	irTask, err := TaskByName("ir_procedure")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		change func(t *testing.T, dir string, e *Ensemble)
		want   string
	}{
		{"file changed", func(t *testing.T, dir string, e *Ensemble) {
			appendTo(t, filepath.Join(dir, CompanionFile), " ")
		}, "sha256"},
		{"file missing", func(t *testing.T, dir string, e *Ensemble) {
			if err := os.Remove(filepath.Join(dir, CompanionFile)); err != nil {
				t.Fatal(err)
			}
		}, "n-gram companion"},
		{"path outside the directory", func(t *testing.T, dir string, e *Ensemble) { e.File = "../" + CompanionFile }, "not a file name"},
		{"weight 1", func(t *testing.T, dir string, e *Ensemble) { e.Weight = 1 }, "outside (0, 1)"},
		{"weight 0", func(t *testing.T, dir string, e *Ensemble) { e.Weight = 0 }, "outside (0, 1)"},
		{"another task's companion", func(t *testing.T, dir string, e *Ensemble) {
			m, err := baseline.Train(context.Background(), baseline.Config{Task: irTask.Name, Labels: []baseline.Label{{ID: 1, Name: "drainage"}, {ID: 2, Name: "soft_tissue_biopsy"}}},
				[]dataset.Example{{ID: "a", Text: "drain placed in the abscess", Label: 1}, {ID: "b", Text: "biopsy of the liver lesion", Label: 2}})
			if err != nil {
				t.Fatal(err)
			}
			if err := m.Save(filepath.Join(dir, CompanionFile)); err != nil {
				t.Fatal(err)
			}
			e.SHA256, _ = fileSHA256(filepath.Join(dir, CompanionFile))
		}, `trained for task "ir_procedure"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir, task := writeTinyPair(t, 0.5)
			man, err := readManifest(dir)
			if err != nil {
				t.Fatal(err)
			}
			c.change(t, dir, man.Ensemble)
			if err := writeManifest(dir, man); err != nil {
				t.Fatal(err)
			}
			m, err := Load(context.Background(), Config{Task: task})
			if err == nil {
				m.Close()
				t.Fatalf("loaded")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q does not say %q", err, c.want)
			}
			// The transformer alone still loads: the companion is not read.
			m, err = Load(context.Background(), Config{Task: task, TransformerOnly: true})
			if err != nil {
				t.Fatalf("transformer alone: %v", err)
			}
			m.Close()
		})
	}
}

// TestAddCompanionRefuses: a weight outside (0, 1) and a directory of
// another task are refused before anything is written.
func TestAddCompanionRefuses(t *testing.T) {
	task := pancreasTask(t)
	dir := writeTinyModel(t, []string{"none", "post_treatment", "pretreatment"}, &task)
	data := writeTinyPancreasSet(t, t.TempDir())
	irTask, err := TaskByName("ir_procedure")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		cfg  CompanionConfig
		want string
	}{
		{CompanionConfig{Task: task, Dir: dir, DataPath: data, Weight: 1}, "outside (0, 1)"},
		{CompanionConfig{Task: task, Dir: dir, DataPath: data, Weight: -0.2}, "outside (0, 1)"},
		{CompanionConfig{Task: irTask, Dir: dir, DataPath: data}, `is for task "pancreas"`},
		{CompanionConfig{Task: task, Dir: t.TempDir(), DataPath: data}, "model.onnx"},
		{CompanionConfig{Task: task, Dir: writeTinyModel(t, []string{"pretreatment", "none", "post_treatment"}, nil), DataPath: data}, "another order"},
	} {
		if _, err := AddCompanion(context.Background(), c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want one saying %q", c.cfg, err, c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, CompanionFile)); !os.IsNotExist(err) {
		t.Errorf("a refused companion was written: %v", err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, manifestFile))
	var man Manifest
	if err := json.Unmarshal(b, &man); err != nil || man.Ensemble != nil {
		t.Errorf("radflag.json changed by a refused companion: %s", b)
	}
}

// TestCompanionForSiteModel: a model directory a site brought (no
// radflag.json) gets a companion and a radflag.json naming it; the
// transformer alone keeps the version it had.
func TestCompanionForSiteModel(t *testing.T) {
	task := pancreasTask(t)
	task.ModelDir = writeTinyModel(t, []string{"none", "post_treatment", "pretreatment"}, nil)
	ctx := context.Background()
	before, err := Load(ctx, Config{Task: task})
	if err != nil {
		t.Fatal(err)
	}
	v := before.Info().Version
	before.Close()
	man, err := AddCompanion(ctx, CompanionConfig{Task: task, Dir: task.ModelDir, DataPath: writeTinyPancreasSet(t, t.TempDir())})
	if err != nil {
		t.Fatal(err)
	}
	if man.Task != task.Name || man.Ensemble == nil || man.Ensemble.Transformer != v || man.Version == v {
		t.Fatalf("manifest %+v, version before %s", man, v)
	}
	for _, c := range []struct {
		transformerOnly bool
		version         string
		companion       bool
	}{{false, man.Version, true}, {true, v, false}} {
		m, err := Load(ctx, Config{Task: task, TransformerOnly: c.transformerOnly})
		if err != nil {
			t.Fatal(err)
		}
		info := m.Info()
		m.Close()
		if info.Version != c.version || (info.Companion != "") != c.companion {
			t.Errorf("TransformerOnly %v: version %s companion %q, want %s and companion %v", c.transformerOnly, info.Version, info.Companion, c.version, c.companion)
		}
	}
}

// countUnseen counts the sentences whose removal leaves m's input unchanged.
func countUnseen(m *Model, text string, sents []Span) int {
	_, base := m.tk.FitIDs(text, m.info.MaxTokens)
	n := 0
	for _, s := range sents {
		if _, ids := m.tk.FitIDs(without(text, s), m.info.MaxTokens); slices.Equal(ids, base) {
			n++
		}
	}
	return n
}

func appendTo(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
