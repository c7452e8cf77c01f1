package classifier

import (
	"context"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/radflag/radflag/classifier/dataset"
	"github.com/radflag/radflag/classifier/synth"
	"github.com/radflag/radflag/models"
)

// benchTask is the built-in pancreas model when it is embedded, else a tiny
// random one (then the figures say nothing about the shipped model).
// RADFLAG_BENCH_MODEL=DIR benchmarks a pancreas model directory instead (an
// earlier model, to compare in the same run).
func benchTask(b *testing.B) Task {
	task := pancreasTask(b)
	if dir := os.Getenv("RADFLAG_BENCH_MODEL"); dir != "" {
		task.ModelDir = dir
		return task
	}
	if !models.Has(task.Name) {
		b.Log("no built-in pancreas model: benchmarking a tiny random model")
		task.ModelDir = writeTinyModel(b, []string{"none", "post_treatment", "pretreatment"}, nil)
	}
	return task
}

// benchReports are report-length texts (about 130 words each).
func benchReports(n int) []string {
	base := "CLINICAL INDICATION: Epigastric pain and weight loss, evaluate pancreas. TECHNIQUE: CT abdomen and pelvis with IV contrast. " +
		"FINDINGS: The liver is normal in size with a 6 mm hypodense lesion in segment 4, too small to characterise. The gallbladder is unremarkable. " +
		"There is a 2.8 x 2.1 cm hypoenhancing mass in the pancreatic head with upstream pancreatic ductal dilatation to 5 mm and common bile duct dilatation. " +
		"The mass abuts the superior mesenteric vein for less than 180 degrees. No peripancreatic lymphadenopathy. The spleen, adrenal glands and kidneys are normal. " +
		"No ascites. Degenerative changes of the lumbar spine. IMPRESSION: Pancreatic head mass, suspicious for pancreatic adenocarcinoma, borderline resectable. Case number "
	out := make([]string, n)
	for i := range out {
		out[i] = base + strconv.Itoa(i) + "."
	}
	return out
}

// BenchmarkPredict measures batch-32 throughput through hugot: the model as
// shipped (with its n-gram companion, when the directory has one) and the
// transformer alone (with -count, every run of the one, then of the other).
func BenchmarkPredict(b *testing.B) {
	for _, v := range []struct {
		name            string
		transformerOnly bool
	}{{"model", false}, {"transformer-only", true}} {
		b.Run(v.name, func(b *testing.B) {
			m, err := Load(context.Background(), Config{Task: benchTask(b), BatchSize: 32, CacheDir: b.TempDir(), TransformerOnly: v.transformerOnly})
			if err != nil {
				b.Fatal(err)
			}
			defer m.Close()
			texts := benchReports(32)
			if _, err := m.Predict(context.Background(), texts); err != nil { // compile the graph for this shape
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := m.Predict(context.Background(), texts); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(32*b.N)/b.Elapsed().Seconds(), "reports/s")
			b.ReportMetric(float64(peakRSS())/(1<<20), "peakRSS_MiB")
		})
	}
}

// BenchmarkLoad measures loading (ONNX parse, graph build) of the model, as
// shipped and the transformer alone (without reading its companion).
func BenchmarkLoad(b *testing.B) {
	task := benchTask(b)
	cache := b.TempDir()
	for _, v := range []struct {
		name            string
		transformerOnly bool
	}{{"model", false}, {"transformer-only", true}} {
		b.Run(v.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				m, err := Load(context.Background(), Config{Task: task, CacheDir: cache, TransformerOnly: v.transformerOnly})
				if err != nil {
					b.Fatal(err)
				}
				m.Close()
			}
		})
	}
}

// peakRSS reads VmHWM (bytes) on Linux; 0 elsewhere.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}

// BenchmarkExplain measures the evidence for one flagged report at a time
// (what the classify worker asks for), on generated pretreatment reports:
// screened (the default), unscreened (every sentence the model sees removed
// in turn) and full occlusion (every sentence up to MaxEvidenceSentences,
// the longest, removed and run, the text itself in a call of its own — what
// evidence did before it skipped the sentences the model never sees), in
// the same run. The screened variant also reports, over 48 generated
// pretreatment reports of every case type, how often its first sentence is
// the unscreened one's and the share of the unscreened evidence sentences
// it keeps.
func BenchmarkExplain(b *testing.B) {
	m, err := Load(context.Background(), Config{Task: benchTask(b), BatchSize: 32, CacheDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	exs, err := synth.GenerateCase("pancreas", "new_suspicious_mass", 16, 11, false)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	full := func(text string) error {
		if _, err := m.probabilities(ctx, []string{text}); err != nil {
			return err
		}
		sents := SplitSentences(text)
		if len(sents) > m.cfg.MaxEvidenceSentences {
			sort.SliceStable(sents, func(i, j int) bool { return sents[i].End-sents[i].Start > sents[j].End-sents[j].Start })
			sents = sents[:m.cfg.MaxEvidenceSentences]
		}
		perturbed := make([]string, len(sents))
		for i, s := range sents {
			perturbed[i] = text[:s.Start] + " " + text[s.End:]
		}
		_, err := m.probabilities(ctx, perturbed)
		return err
	}
	// The same model without the screen: every sentence the model sees is
	// removed in turn (what evidence did before screening).
	all, err := Load(ctx, Config{Task: benchTask(b), BatchSize: 32, CacheDir: m.cfg.CacheDir, EvidenceScreen: -1})
	if err != nil {
		b.Fatal(err)
	}
	defer all.Close()
	// The transformer alone: what the n-gram companion's share of the
	// evidence (its readings of the text without each sentence, from the
	// text's counts) costs.
	alone, err := Load(ctx, Config{Task: benchTask(b), BatchSize: 32, CacheDir: m.cfg.CacheDir, TransformerOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	defer alone.Close()
	// How often the screen changes the answer a navigator reads, on 48
	// generated pretreatment reports of every case type.
	gen, err := synth.Generate("pancreas", 150, 12)
	if err != nil {
		b.Fatal(err)
	}
	var agree []dataset.Example
	for _, ex := range gen {
		if ex.Label == 2 && len(agree) < 48 {
			agree = append(agree, ex)
		}
	}
	same, overlap, total := 0, 0, 0
	for _, ex := range agree {
		got, err := m.Explain(ctx, ex.Text)
		if err != nil {
			b.Fatal(err)
		}
		want, err := all.Explain(ctx, ex.Text)
		if err != nil {
			b.Fatal(err)
		}
		if len(got) > 0 && len(want) > 0 && got[0].Start == want[0].Start {
			same++
		}
		for _, w := range want {
			total++
			if slices.ContainsFunc(got, func(g Evidence) bool { return g.Start == w.Start }) {
				overlap++
			}
		}
	}
	for _, v := range []struct {
		name string
		run  func(string) error
	}{
		{"screened", func(t string) error { _, err := m.Explain(ctx, t); return err }},
		{"screened-transformer-only", func(t string) error { _, err := alone.Explain(ctx, t); return err }},
		{"skip-unseen", func(t string) error { _, err := all.Explain(ctx, t); return err }},
		{"full-occlusion", full},
	} {
		b.Run(v.name, func(b *testing.B) {
			for _, ex := range exs { // compile the shapes first
				if err := v.run(ex.Text); err != nil {
					b.Fatal(err)
				}
			}
			n := 0
			for b.Loop() {
				if err := v.run(exs[n%len(exs)].Text); err != nil {
					b.Fatal(err)
				}
				n++
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "explains/s")
			if v.name == "screened" { // after the loop: b.Loop clears earlier metrics
				b.ReportMetric(float64(same)/float64(len(agree)), "top1-as-unscreened")
				b.ReportMetric(float64(overlap)/float64(max(total, 1)), "unscreened-kept")
			}
		})
	}
}
