package metrics

import (
	"errors"
	"fmt"
	"html/template"
	"io"
	"sort"
	"time"
	"unicode/utf8"
)

// Example is one scored report, for the list of misclassified reports.
type Example struct {
	ID            string
	Text          string
	Gold          int
	Predicted     int
	Probabilities map[string]float64 // label name → probability
}

// HTMLReport is what WriteHTML draws.
type HTMLReport struct {
	Title   string // defaults to "radflag evaluation"
	Task    string
	Model   string
	Data    string // where the examples came from, e.g. a file name
	Scores  *Scores
	Seconds float64 // time spent predicting; 0 leaves speed out
	// Examples are the scored reports; those whose prediction is wrong are
	// listed. Correct ones may be passed too and are skipped.
	Examples []Example
	// MaxListed bounds how many misclassified reports are listed (default
	// 500) and MaxTextChars how much of each text is shown (default 6000),
	// so a large, bad run still gives a page a browser opens.
	MaxListed    int
	MaxTextChars int
	Generated    time.Time // defaults to now
}

// WriteHTML writes a self-contained HTML page (inline CSS, no scripts, no
// external assets): a summary table, the confusion matrix drawn as a colored
// grid, and the misclassified reports with gold label, prediction and
// probabilities. Report text is escaped.
func WriteHTML(w io.Writer, r HTMLReport) error {
	if r.Scores == nil {
		return errors.New("metrics: html report without scores")
	}
	if r.Title == "" {
		r.Title = "radflag evaluation"
	}
	if r.MaxListed <= 0 {
		r.MaxListed = 500
	}
	if r.MaxTextChars <= 0 {
		r.MaxTextChars = 6000
	}
	if r.Generated.IsZero() {
		r.Generated = time.Now()
	}
	s := r.Scores
	names := make(map[int]string, len(s.Labels))
	for _, l := range s.Labels {
		names[l.ID] = l.Name
	}

	v := htmlView{
		Title:     r.Title,
		Task:      r.Task,
		Model:     r.Model,
		Data:      r.Data,
		Generated: r.Generated.UTC().Format(time.RFC3339),
		N:         s.N,
		Correct:   s.Correct,
		Accuracy:  fmt.Sprintf("%.4f", s.Accuracy),
		MacroF1:   fmt.Sprintf("%.4f", s.MacroF1),
	}
	if r.Seconds > 0 {
		v.Speed = fmt.Sprintf("%.2f s, %.1f reports/s", r.Seconds, float64(s.N)/r.Seconds)
	}
	for _, c := range s.PerClass {
		v.Classes = append(v.Classes, classRow{
			ID: c.Label.ID, Name: c.Label.Name,
			Precision: fmt.Sprintf("%.4f", c.Precision),
			Recall:    fmt.Sprintf("%.4f", c.Recall),
			F1:        fmt.Sprintf("%.4f", c.F1),
			Support:   c.Support, Predicted: c.Predicted,
		})
	}
	v.Labels = s.Labels
	for i, row := range s.Confusion {
		total := 0
		for _, n := range row {
			total += n
		}
		cr := confRow{Label: s.Labels[i], Total: total}
		for j, n := range row {
			cr.Cells = append(cr.Cells, confCell{Count: n, Style: cellStyle(n, total, i == j), Title: fmt.Sprintf("gold %s, predicted %s: %d of %d", s.Labels[i].Name, s.Labels[j].Name, n, total)})
		}
		v.Rows = append(v.Rows, cr)
	}

	for _, e := range r.Examples {
		if e.Gold == e.Predicted {
			continue
		}
		v.Errors++
		if len(v.Wrong) >= r.MaxListed {
			continue
		}
		text, cut := truncate(e.Text, r.MaxTextChars)
		v.Wrong = append(v.Wrong, wrongRow{
			ID:        e.ID,
			Gold:      labelText(e.Gold, names),
			Predicted: labelText(e.Predicted, names),
			Probs:     probRows(e.Probabilities, names[e.Gold], names[e.Predicted]),
			Text:      text,
			Truncated: cut,
		})
	}
	v.Omitted = v.Errors - len(v.Wrong)
	if err := page.Execute(w, v); err != nil {
		return fmt.Errorf("write html report: %w", err)
	}
	return nil
}

type htmlView struct {
	Title, Task, Model, Data, Generated string
	N, Correct                          int
	Accuracy, MacroF1, Speed            string
	Classes                             []classRow
	Labels                              []Label
	Rows                                []confRow
	Wrong                               []wrongRow
	Errors, Omitted                     int
}

type classRow struct {
	ID                    int
	Name                  string
	Precision, Recall, F1 string
	Support, Predicted    int
}

type confRow struct {
	Label Label
	Total int
	Cells []confCell
}

type confCell struct {
	Count int
	Style template.CSS
	Title string
}

type wrongRow struct {
	ID, Gold, Predicted string
	Probs               []probRow
	Text                string
	Truncated           bool
}

type probRow struct {
	Name  string
	Value string
	Width template.CSS
	Class string
}

// cellStyle shades a confusion cell by its share of the gold row: green on
// the diagonal, red off it, white when empty.
func cellStyle(n, rowTotal int, diagonal bool) template.CSS {
	if n == 0 || rowTotal == 0 {
		return "background:#ffffff;color:#999999"
	}
	f := float64(n) / float64(rowTotal)
	alpha := 0.12 + 0.78*f
	color := "#000000"
	if alpha > 0.55 {
		color = "#ffffff"
	}
	if diagonal {
		return template.CSS(fmt.Sprintf("background:rgba(22,128,60,%.3f);color:%s", alpha, color))
	}
	return template.CSS(fmt.Sprintf("background:rgba(200,30,30,%.3f);color:%s", alpha, color))
}

func labelText(id int, names map[int]string) string {
	if n, ok := names[id]; ok {
		return fmt.Sprintf("%d %s", id, n)
	}
	return fmt.Sprint(id)
}

func probRows(p map[string]float64, gold, predicted string) []probRow {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if p[keys[i]] != p[keys[j]] {
			return p[keys[i]] > p[keys[j]]
		}
		return keys[i] < keys[j]
	})
	out := make([]probRow, 0, len(keys))
	for _, k := range keys {
		v := p[k]
		w := max(0, min(v, 1)) * 100
		class := ""
		switch k {
		case predicted:
			class = "pred"
		case gold:
			class = "gold"
		}
		out = append(out, probRow{Name: k, Value: fmt.Sprintf("%.3f", v), Width: template.CSS(fmt.Sprintf("width:%.1f%%", w)), Class: class})
	}
	return out
}

// truncate cuts s to at most n characters, on a rune boundary.
func truncate(s string, n int) (string, bool) {
	if utf8.RuneCountInString(s) <= n {
		return s, false
	}
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos], true
		}
		i++
	}
	return s, false
}

var page = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}{{if .Task}} — {{.Task}}{{end}}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans CJK JP",sans-serif;margin:2rem;color:#1b1b1b;max-width:1100px}
h1{font-size:1.5rem;margin-bottom:.25rem}
h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd;padding-bottom:.25rem}
.meta{color:#555;font-size:.9rem}
table{border-collapse:collapse;margin:.5rem 0}
th,td{padding:.35rem .6rem;border:1px solid #ccc;text-align:right;font-variant-numeric:tabular-nums}
th{background:#f3f3f3}
td.name,th.name{text-align:left}
table.summary td:first-child{text-align:left;font-weight:600;background:#fafafa}
table.confusion td.cell{width:4.5rem;height:2.6rem;text-align:center;font-weight:600}
table.confusion th.axis{background:#fff;border:none;color:#555;font-weight:normal}
.wrong{border:1px solid #e2c4c4;border-left:4px solid #c81e1e;border-radius:4px;padding:.6rem .8rem;margin:.8rem 0}
.wrong .head{font-weight:600}
.gold{color:#16803c}.pred{color:#c81e1e}
.bar{display:inline-block;height:.7rem;background:#9aa5b1;vertical-align:middle}
.bar.pred{background:#c81e1e}.bar.gold{background:#16803c}
table.probs td{border:none;padding:.1rem .4rem}
table.probs td.track{width:12rem;text-align:left}
pre{white-space:pre-wrap;word-wrap:break-word;background:#f8f8f8;padding:.6rem;border-radius:4px;font-size:.88rem}
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<p class="meta">{{if .Task}}task <b>{{.Task}}</b>{{end}}{{if .Model}} · model <b>{{.Model}}</b>{{end}}{{if .Data}} · data <b>{{.Data}}</b>{{end}} · generated {{.Generated}}</p>

<h2>Summary</h2>
<table class="summary">
<tr><td>reports</td><td>{{.N}}</td></tr>
<tr><td>correct</td><td>{{.Correct}}</td></tr>
<tr><td>accuracy</td><td>{{.Accuracy}}</td></tr>
<tr><td>macro F1</td><td>{{.MacroF1}}</td></tr>
{{if .Speed}}<tr><td>prediction time</td><td>{{.Speed}}</td></tr>{{end}}
</table>

<h2>Per class</h2>
<table>
<tr><th>label</th><th class="name">name</th><th>precision</th><th>recall</th><th>F1</th><th>support</th><th>predicted</th></tr>
{{range .Classes}}<tr><td>{{.ID}}</td><td class="name">{{.Name}}</td><td>{{.Precision}}</td><td>{{.Recall}}</td><td>{{.F1}}</td><td>{{.Support}}</td><td>{{.Predicted}}</td></tr>
{{end}}</table>

<h2>Confusion matrix</h2>
<p class="meta">Rows are gold labels, columns predictions; shading is the share of the row.</p>
<table class="confusion">
<tr><th class="axis">gold ↓ / predicted →</th>{{range .Labels}}<th>{{.ID}} {{.Name}}</th>{{end}}<th>total</th></tr>
{{range .Rows}}<tr><th class="name">{{.Label.ID}} {{.Label.Name}}</th>{{range .Cells}}<td class="cell" style="{{.Style}}" title="{{.Title}}">{{.Count}}</td>{{end}}<td>{{.Total}}</td></tr>
{{end}}</table>

<h2>Misclassified reports ({{.Errors}})</h2>
{{if not .Errors}}<p>None.</p>{{end}}
{{range .Wrong}}<div class="wrong">
<div class="head">{{.ID}}: gold <span class="gold">{{.Gold}}</span>, predicted <span class="pred">{{.Predicted}}</span></div>
{{if .Probs}}<table class="probs">{{range .Probs}}<tr><td class="name {{.Class}}">{{.Name}}</td><td>{{.Value}}</td><td class="track"><span class="bar {{.Class}}" style="{{.Width}}"></span></td></tr>{{end}}</table>{{end}}
<pre>{{.Text}}{{if .Truncated}} …{{end}}</pre>
</div>
{{end}}{{if .Omitted}}<p class="meta">{{.Omitted}} more misclassified reports not listed.</p>{{end}}
</body>
</html>
`))
