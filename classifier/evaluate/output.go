package evaluate

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
)

// Summary is the JSON object `radflag eval --json` prints. Its field names
// are a contract: scripts and BENCHMARKS.md read them.
type Summary struct {
	Task        string               `json:"task"`
	Model       string               `json:"model"`
	N           int                  `json:"n"`
	Accuracy    float64              `json:"accuracy"`
	MacroF1     float64              `json:"macro_f1"`
	PerClass    map[string]ClassJSON `json:"per_class"` // keyed by label ID
	Confusion   ConfusionJSON        `json:"confusion"`
	Seconds     float64              `json:"seconds"`
	ReportsPerS float64              `json:"reports_per_s"`
}

// ClassJSON is one class's scores in Summary.
type ClassJSON struct {
	Name      string  `json:"name"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	Support   int     `json:"support"`
}

// ConfusionJSON is the confusion matrix in Summary: Matrix[i][j] counts gold
// Labels[i] predicted as Labels[j].
type ConfusionJSON struct {
	Labels []int   `json:"labels"`
	Matrix [][]int `json:"matrix"`
}

// Summary returns the JSON contract's object. Figures are rounded to six
// decimals so the output is stable and readable.
func (r *Result) Summary() Summary {
	s := r.Scores
	out := Summary{
		Task: r.Task, Model: r.Model, N: s.N,
		Accuracy: round6(s.Accuracy), MacroF1: round6(s.MacroF1),
		PerClass:    make(map[string]ClassJSON, len(s.PerClass)),
		Confusion:   ConfusionJSON{Labels: make([]int, len(s.Labels)), Matrix: s.Confusion},
		Seconds:     round6(r.Seconds),
		ReportsPerS: round6(r.ReportsPerSecond()),
	}
	for i, l := range s.Labels {
		out.Confusion.Labels[i] = l.ID
	}
	for _, c := range s.PerClass {
		out.PerClass[strconv.Itoa(c.Label.ID)] = ClassJSON{
			Name: c.Label.Name, Precision: round6(c.Precision), Recall: round6(c.Recall), F1: round6(c.F1), Support: c.Support,
		}
	}
	return out
}

func round6(x float64) float64 { return math.Round(x*1e6) / 1e6 }

// WriteJSON writes exactly one JSON object followed by a newline.
func (r *Result) WriteJSON(w io.Writer) error {
	b, err := json.Marshal(r.Summary())
	if err != nil {
		return fmt.Errorf("encode eval summary: %w", err)
	}
	b = append(b, '\n')
	_, err = w.Write(b)
	return err
}

// WriteText writes a readable table of the scores and the confusion matrix.
func (r *Result) WriteText(w io.Writer) error {
	s := r.Scores
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "task %s", r.Task)
	if r.Model != "" {
		fmt.Fprintf(bw, "  model %s", r.Model)
	}
	if r.Data != "" {
		fmt.Fprintf(bw, "  data %s", r.Data)
	}
	fmt.Fprintf(bw, "\n%d reports, %d correct, predicted in %.2f s (%.1f reports/s)\n", s.N, s.Correct, r.Seconds, r.ReportsPerSecond())
	fmt.Fprintf(bw, "accuracy %.4f   macro F1 %.4f\n\n", s.Accuracy, s.MacroF1)

	tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "label\tname\tprecision\trecall\tF1\tsupport\tpredicted\t")
	for _, c := range s.PerClass {
		fmt.Fprintf(tw, "%d\t%s\t%.4f\t%.4f\t%.4f\t%d\t%d\t\n", c.Label.ID, c.Label.Name, c.Precision, c.Recall, c.F1, c.Support, c.Predicted)
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintln(bw, "\nconfusion matrix (rows: gold, columns: predicted)")
	tw = tabwriter.NewWriter(bw, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := []string{"gold \\ predicted"}
	for _, l := range s.Labels {
		head = append(head, strconv.Itoa(l.ID))
	}
	fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
	for i, row := range s.Confusion {
		cells := []string{fmt.Sprintf("%d %s", s.Labels[i].ID, s.Labels[i].Name)}
		for _, n := range row {
			cells = append(cells, strconv.Itoa(n))
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return bw.Flush()
}
