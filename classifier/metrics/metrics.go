// Package metrics scores a classifier from (gold, predicted) label pairs:
// accuracy, per-class precision, recall, F1 and support, macro F1 and the
// confusion matrix; and writes the scores as a self-contained HTML report.
package metrics

import (
	"errors"
	"fmt"
	"slices"
)

// Label is one class of a task: its number as datasets write it and its name.
type Label struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// ClassStats are the scores of one class.
type ClassStats struct {
	Label     Label
	Precision float64 // TP / predicted; 0 when the class was never predicted
	Recall    float64 // TP / support; 0 when the class never occurs
	F1        float64 // harmonic mean of precision and recall; 0 when both are 0
	Support   int     // how many gold labels are this class
	Predicted int     // how many predictions are this class
	Correct   int     // true positives
}

// Scores are the scores of one run over a labelled set.
type Scores struct {
	// Labels are the task's labels ordered by ID; PerClass and both axes of
	// Confusion follow this order.
	Labels   []Label
	N        int
	Correct  int
	Accuracy float64
	// MacroF1 is the unweighted mean F1 over the classes that occur in the
	// gold labels or the predictions (as scikit-learn does when it is not
	// given a label list), so a task label absent from a small set does not
	// count as a zero.
	MacroF1  float64
	PerClass []ClassStats
	// Confusion[i][j] counts reports whose gold label is Labels[i] and whose
	// predicted label is Labels[j].
	Confusion [][]int
}

// Compute scores predicted labels against gold labels. Both slices hold label
// IDs, one per report, in the same order. Every ID must be one of labels.
func Compute(labels []Label, gold, predicted []int) (*Scores, error) {
	if len(labels) == 0 {
		return nil, errors.New("metrics: no labels")
	}
	if len(gold) != len(predicted) {
		return nil, fmt.Errorf("metrics: %d gold labels but %d predictions", len(gold), len(predicted))
	}
	if len(gold) == 0 {
		return nil, errors.New("metrics: no examples")
	}
	sorted := slices.Clone(labels)
	slices.SortFunc(sorted, func(a, b Label) int { return a.ID - b.ID })
	index := make(map[int]int, len(sorted))
	for i, l := range sorted {
		if _, dup := index[l.ID]; dup {
			return nil, fmt.Errorf("metrics: label %d listed twice", l.ID)
		}
		index[l.ID] = i
	}
	k := len(sorted)
	conf := make([][]int, k)
	for i := range conf {
		conf[i] = make([]int, k)
	}
	for n := range gold {
		gi, ok := index[gold[n]]
		if !ok {
			return nil, fmt.Errorf("metrics: example %d: gold label %d is not a label of the task", n, gold[n])
		}
		pi, ok := index[predicted[n]]
		if !ok {
			return nil, fmt.Errorf("metrics: example %d: predicted label %d is not a label of the task", n, predicted[n])
		}
		conf[gi][pi]++
	}

	s := &Scores{Labels: sorted, N: len(gold), Confusion: conf, PerClass: make([]ClassStats, k)}
	var f1Sum float64
	var present int
	for i := range k {
		c := ClassStats{Label: sorted[i], Correct: conf[i][i]}
		for j := range k {
			c.Support += conf[i][j]
			c.Predicted += conf[j][i]
		}
		if c.Predicted > 0 {
			c.Precision = float64(c.Correct) / float64(c.Predicted)
		}
		if c.Support > 0 {
			c.Recall = float64(c.Correct) / float64(c.Support)
		}
		if c.Precision+c.Recall > 0 {
			c.F1 = 2 * c.Precision * c.Recall / (c.Precision + c.Recall)
		}
		if c.Support > 0 || c.Predicted > 0 {
			f1Sum += c.F1
			present++
		}
		s.Correct += c.Correct
		s.PerClass[i] = c
	}
	s.Accuracy = float64(s.Correct) / float64(s.N)
	if present > 0 {
		s.MacroF1 = f1Sum / float64(present)
	}
	return s, nil
}

// Class returns the scores of the label with this ID.
func (s *Scores) Class(id int) (ClassStats, bool) {
	for _, c := range s.PerClass {
		if c.Label.ID == id {
			return c, true
		}
	}
	return ClassStats{}, false
}
