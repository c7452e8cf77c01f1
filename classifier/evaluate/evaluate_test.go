package evaluate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/radflag/radflag/classifier/baseline"
	"github.com/radflag/radflag/classifier/dataset"
	"github.com/radflag/radflag/classifier/metrics"
)

var update = flag.Bool("update", false, "rewrite golden files")

var (
	pancreasLabels = []metrics.Label{{ID: 0, Name: "none"}, {ID: 1, Name: "post_treatment"}, {ID: 2, Name: "pretreatment"}}
	irLabels       = []metrics.Label{{ID: 1, Name: "drainage"}, {ID: 2, Name: "soft_tissue_biopsy"}, {ID: 3, Name: "lung_biopsy"}, {ID: 4, Name: "bone_biopsy"}}
)

// table answers from a fixed lookup of text → label, so the scores
// are known in advance.
func table(answers map[string]int, calls *[]int) PredictFunc {
	return func(_ context.Context, texts []string) ([]Prediction, error) {
		if calls != nil {
			*calls = append(*calls, len(texts))
		}
		out := make([]Prediction, len(texts))
		for i, t := range texts {
			l, ok := answers[t]
			if !ok {
				return nil, fmt.Errorf("no answer for %q", t)
			}
			out[i] = Prediction{Label: l, Probabilities: map[string]float64{pancreasLabels[l].Name: 0.9}}
		}
		return out, nil
	}
}

// tinyAnswers gets t2 (0→1) and t6 (2→0) wrong: the same confusion as the
// worked example in classifier/metrics.
func tinyAnswers(t *testing.T) map[string]int {
	ex := readTiny(t)
	ans := map[string]int{}
	wrong := map[string]int{"t2": 1, "t6": 0}
	for _, e := range ex {
		ans[e.Text] = e.Label
		if w, ok := wrong[e.ID]; ok {
			ans[e.Text] = w
		}
	}
	return ans
}

func readTiny(t *testing.T) []dataset.Example {
	t.Helper()
	ex, err := ReadData(filepath.Join("testdata", "tiny.jsonl"), pancreasLabels)
	if err != nil {
		t.Fatal(err)
	}
	return ex
}

func TestRunKnownAnswer(t *testing.T) {
	var calls []int
	res, err := Run(context.Background(), Config{
		Task: "pancreas", Model: "table v0", Data: "tiny.jsonl", Labels: pancreasLabels,
		Predict: table(tinyAnswers(t), &calls), BatchSize: 4,
	}, readTiny(t))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(calls, []int{4, 2}) {
		t.Errorf("predict called with batches %v, want [4 2]", calls)
	}
	res.Seconds = 0.5 // fixed, so the output is stable
	sum := res.Summary()
	if sum.N != 6 || sum.Accuracy != 0.666667 || sum.MacroF1 != 0.655556 || sum.ReportsPerS != 12 {
		t.Errorf("summary %+v", sum)
	}
	if c := sum.PerClass["1"]; c.Name != "post_treatment" || c.Precision != 0.666667 || c.Recall != 1 || c.F1 != 0.8 || c.Support != 2 {
		t.Errorf("class 1 %+v", c)
	}
	if !slices.Equal(sum.Confusion.Labels, []int{0, 1, 2}) || !slices.Equal(sum.Confusion.Matrix[2], []int{1, 0, 1}) {
		t.Errorf("confusion %+v", sum.Confusion)
	}

	var js, txt bytes.Buffer
	if err := res.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	if err := res.WriteText(&txt); err != nil {
		t.Fatal(err)
	}
	golden(t, "summary.golden.json", js.Bytes())
	golden(t, "text.golden.txt", txt.Bytes())
}

// TestJSONContract pins the field names of `radflag eval --json`.
func TestJSONContract(t *testing.T) {
	res, err := Run(context.Background(), Config{Task: "pancreas", Model: "m", Labels: pancreasLabels, Predict: table(tinyAnswers(t), nil)}, readTiny(t))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := res.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(buf.Bytes()))
	var obj map[string]json.RawMessage
	if err := dec.Decode(&obj); err != nil {
		t.Fatal(err)
	}
	if dec.More() || !bytes.HasSuffix(buf.Bytes(), []byte("}\n")) || bytes.Count(buf.Bytes(), []byte("\n")) != 1 {
		t.Fatalf("output is not exactly one JSON object and a newline: %q", buf.String())
	}
	wantKeys(t, "top level", obj, "task", "model", "n", "accuracy", "macro_f1", "per_class", "confusion", "seconds", "reports_per_s")
	var per map[string]map[string]json.RawMessage
	if err := json.Unmarshal(obj["per_class"], &per); err != nil {
		t.Fatal(err)
	}
	wantKeys(t, "per_class", per, "0", "1", "2")
	for k, c := range per {
		wantKeys(t, "per_class."+k, c, "name", "precision", "recall", "f1", "support")
	}
	var conf map[string]json.RawMessage
	if err := json.Unmarshal(obj["confusion"], &conf); err != nil {
		t.Fatal(err)
	}
	wantKeys(t, "confusion", conf, "labels", "matrix")
}

func wantKeys[V any](t *testing.T, where string, m map[string]V, keys ...string) {
	t.Helper()
	var got []string
	for k := range m {
		got = append(got, k)
	}
	sort.Strings(got)
	sort.Strings(keys)
	if !slices.Equal(got, keys) {
		t.Errorf("%s keys %v, want %v", where, got, keys)
	}
}

func TestRunErrors(t *testing.T) {
	ex := readTiny(t)
	boom := errors.New("model fell over")
	tests := []struct {
		name    string
		predict PredictFunc
		want    string
	}{
		{"predict fails", func(context.Context, []string) ([]Prediction, error) { return nil, boom }, "model fell over"},
		{"too few predictions", func(_ context.Context, texts []string) ([]Prediction, error) {
			return make([]Prediction, len(texts)-1), nil
		}, "returned 5 predictions for 6 reports"},
		{"label outside the task", func(_ context.Context, texts []string) ([]Prediction, error) {
			out := make([]Prediction, len(texts))
			for i := range out {
				out[i].Label = 9
			}
			return out, nil
		}, "report t1: predicted label 9 is not a label of task pancreas"},
		{"no predict function", nil, "no predict function"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Run(context.Background(), Config{Task: "pancreas", Labels: pancreasLabels, Predict: tt.predict}, ex)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, Config{Task: "pancreas", Labels: pancreasLabels, Predict: table(tinyAnswers(t), nil)}, ex); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled run: %v", err)
	}
	if _, err := Run(context.Background(), Config{Labels: pancreasLabels, Predict: table(nil, nil)}, nil); err == nil {
		t.Error("no error for no examples")
	}
}

func TestReadDataBadLine(t *testing.T) {
	tests := []struct {
		name, file, want string
		labels           []metrics.Label
	}{
		{"label not an integer", "bad.jsonl", "bad.jsonl:3:", pancreasLabels},
		{"label of another task", "tiny.jsonl", "tiny.jsonl:1: label 0 is not a label of this task", irLabels},
		{"missing file", "nope.jsonl", "nope.jsonl", pancreasLabels},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadData(filepath.Join("testdata", tt.file), tt.labels)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestBaselineEndToEnd measures a real model (the n-gram baseline, trained
// on a few inline reports, never on the evaluation sets) through Run and all
// three outputs.
func TestBaselineEndToEnd(t *testing.T) {
	train := []dataset.Example{
		{ID: "a", Text: "Pancreas normal. No mass.", Label: 0},
		{ID: "b", Text: "Normal study, no pancreatic abnormality.", Label: 0},
		{ID: "c", Text: "Whipple for pancreatic cancer, no recurrence.", Label: 1},
		{ID: "d", Text: "Pancreatic cancer after FOLFIRINOX chemotherapy.", Label: 1},
		{ID: "e", Text: "Pancreatic head mass suspicious for adenocarcinoma.", Label: 2},
		{ID: "f", Text: "New mass, double duct sign, suspicious for pancreatic cancer.", Label: 2},
	}
	m, err := baseline.Train(context.Background(), baseline.Config{Task: "pancreas", Labels: BaselineLabels(pancreasLabels), MinDF: 1}, train)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), Config{Task: "pancreas", Model: "baseline", Labels: pancreasLabels, Predict: BaselinePredict(m), BatchSize: 2}, readTiny(t))
	if err != nil {
		t.Fatal(err)
	}
	if res.Scores.N != 6 || len(res.Examples) != 6 || res.Seconds <= 0 {
		t.Fatalf("result n=%d examples=%d seconds=%v", res.Scores.N, len(res.Examples), res.Seconds)
	}
	if res.Scores.Accuracy < 0.5 {
		t.Errorf("baseline accuracy %.2f on the tiny set; it should get the obvious ones", res.Scores.Accuracy)
	}
	var h bytes.Buffer
	if err := res.WriteHTML(&h); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(h.String(), "<h2>Confusion matrix</h2>") {
		t.Error("html report lacks the confusion matrix")
	}
}

// TestEvalSetsValid checks the project's held-out sets parse under the
// task's labels and keep their shape. It only reads them: they must never be
// used for training (testdata/eval/README.md).
func TestEvalSetsValid(t *testing.T) {
	tests := []struct {
		file   string
		labels []metrics.Label
	}{
		{"pancreas.jsonl", pancreasLabels},
		{"ir_procedure.jsonl", irLabels},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			ex, err := ReadData(filepath.Join("..", "..", "testdata", "eval", tt.file), tt.labels)
			if err != nil {
				t.Fatal(err)
			}
			if len(ex) < 100 {
				t.Errorf("%d reports, want at least 100", len(ex))
			}
			count := map[int]int{}
			for _, e := range ex {
				count[e.Label]++
			}
			for _, l := range tt.labels {
				if share := float64(count[l.ID]) / float64(len(ex)); share < 0.8/float64(len(tt.labels)) {
					t.Errorf("label %d %s: %d of %d reports; the set should stay roughly balanced", l.ID, l.Name, count[l.ID], len(ex))
				}
			}
		})
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update creates it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs:\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}
