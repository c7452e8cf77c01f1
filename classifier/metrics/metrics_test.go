package metrics

import (
	"math"
	"slices"
	"strings"
	"testing"
)

var pancreasLabels = []Label{{0, "none"}, {1, "post_treatment"}, {2, "pretreatment"}}

func TestCompute(t *testing.T) {
	type class struct {
		id                    int
		precision, recall, f1 float64
		support, predicted    int
	}
	tests := []struct {
		name      string
		labels    []Label
		gold      []int
		pred      []int
		accuracy  float64
		macroF1   float64
		classes   []class
		confusion [][]int
		order     []int
	}{
		{
			// Worked by hand: class 0 P 1/2 R 1/2; class 1 P 2/3 R 1 F1 0.8;
			// class 2 P 1 R 1/2 F1 2/3.
			name:     "three classes mixed",
			labels:   pancreasLabels,
			gold:     []int{0, 0, 1, 1, 2, 2},
			pred:     []int{0, 1, 1, 1, 2, 0},
			accuracy: 4.0 / 6,
			macroF1:  (0.5 + 0.8 + 2.0/3) / 3,
			classes: []class{
				{0, 0.5, 0.5, 0.5, 2, 2},
				{1, 2.0 / 3, 1, 0.8, 2, 3},
				{2, 1, 0.5, 2.0 / 3, 2, 1},
			},
			confusion: [][]int{{1, 1, 0}, {0, 2, 0}, {1, 0, 1}},
			order:     []int{0, 1, 2},
		},
		{
			name:      "perfect",
			labels:    pancreasLabels,
			gold:      []int{2, 1, 0, 2},
			pred:      []int{2, 1, 0, 2},
			accuracy:  1,
			macroF1:   1,
			classes:   []class{{0, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1}, {2, 1, 1, 1, 2, 2}},
			confusion: [][]int{{1, 0, 0}, {0, 1, 0}, {0, 0, 2}},
			order:     []int{0, 1, 2},
		},
		{
			// Labels 3 and 4 occur nowhere: they score 0 but do not count in
			// macro F1.
			name:     "absent classes left out of macro F1",
			labels:   []Label{{1, "drainage"}, {2, "soft_tissue_biopsy"}, {3, "lung_biopsy"}, {4, "bone_biopsy"}},
			gold:     []int{1, 2, 2},
			pred:     []int{1, 2, 1},
			accuracy: 2.0 / 3,
			macroF1:  2.0 / 3,
			classes: []class{
				{1, 0.5, 1, 2.0 / 3, 1, 2},
				{2, 1, 0.5, 2.0 / 3, 2, 1},
				{3, 0, 0, 0, 0, 0},
				{4, 0, 0, 0, 0, 0},
			},
			confusion: [][]int{{1, 0, 0, 0}, {1, 1, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}},
			order:     []int{1, 2, 3, 4},
		},
		{
			// A class that occurs but is never predicted counts as F1 0.
			name:      "class never predicted",
			labels:    []Label{{0, "a"}, {1, "b"}},
			gold:      []int{0, 1},
			pred:      []int{0, 0},
			accuracy:  0.5,
			macroF1:   (2.0 / 3) / 2,
			classes:   []class{{0, 0.5, 1, 2.0 / 3, 1, 2}, {1, 0, 0, 0, 1, 0}},
			confusion: [][]int{{1, 0}, {1, 0}},
			order:     []int{0, 1},
		},
		{
			name:      "labels given out of order are sorted",
			labels:    []Label{{2, "pretreatment"}, {0, "none"}, {1, "post_treatment"}},
			gold:      []int{2, 2, 0},
			pred:      []int{2, 0, 0},
			accuracy:  2.0 / 3,
			macroF1:   (2.0/3 + 2.0/3) / 2,
			classes:   []class{{0, 0.5, 1, 2.0 / 3, 1, 2}, {1, 0, 0, 0, 0, 0}, {2, 1, 0.5, 2.0 / 3, 2, 1}},
			confusion: [][]int{{1, 0, 0}, {0, 0, 0}, {1, 0, 1}},
			order:     []int{0, 1, 2},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Compute(tt.labels, tt.gold, tt.pred)
			if err != nil {
				t.Fatal(err)
			}
			if s.N != len(tt.gold) {
				t.Errorf("N = %d, want %d", s.N, len(tt.gold))
			}
			near(t, "accuracy", s.Accuracy, tt.accuracy)
			near(t, "macro F1", s.MacroF1, tt.macroF1)
			var order []int
			for _, l := range s.Labels {
				order = append(order, l.ID)
			}
			if !slices.Equal(order, tt.order) {
				t.Errorf("label order %v, want %v", order, tt.order)
			}
			for _, want := range tt.classes {
				c, ok := s.Class(want.id)
				if !ok {
					t.Fatalf("no class %d", want.id)
				}
				near(t, "precision", c.Precision, want.precision)
				near(t, "recall", c.Recall, want.recall)
				near(t, "f1", c.F1, want.f1)
				if c.Support != want.support || c.Predicted != want.predicted {
					t.Errorf("class %d support/predicted %d/%d, want %d/%d", want.id, c.Support, c.Predicted, want.support, want.predicted)
				}
			}
			for i := range tt.confusion {
				if !slices.Equal(s.Confusion[i], tt.confusion[i]) {
					t.Errorf("confusion row %d = %v, want %v", i, s.Confusion[i], tt.confusion[i])
				}
			}
		})
	}
}

func TestComputeErrors(t *testing.T) {
	tests := []struct {
		name   string
		labels []Label
		gold   []int
		pred   []int
		want   string
	}{
		{"no labels", nil, []int{0}, []int{0}, "no labels"},
		{"length mismatch", pancreasLabels, []int{0, 1}, []int{0}, "2 gold labels but 1 predictions"},
		{"empty", pancreasLabels, nil, nil, "no examples"},
		{"unknown gold", pancreasLabels, []int{0, 7}, []int{0, 1}, "example 1: gold label 7"},
		{"unknown prediction", pancreasLabels, []int{0, 1}, []int{0, -1}, "example 1: predicted label -1"},
		{"duplicate label", []Label{{0, "a"}, {0, "b"}}, []int{0}, []int{0}, "label 0 listed twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compute(tt.labels, tt.gold, tt.pred)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func near(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-12 {
		t.Errorf("%s = %.15f, want %.15f", what, got, want)
	}
}
