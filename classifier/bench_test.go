package classifier

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"

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

// BenchmarkPredict measures batch-32 throughput through hugot.
func BenchmarkPredict(b *testing.B) {
	m, err := Load(context.Background(), Config{Task: benchTask(b), BatchSize: 32, CacheDir: b.TempDir()})
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
}

// BenchmarkLoad measures loading (ONNX parse, graph build) of the model.
func BenchmarkLoad(b *testing.B) {
	task := benchTask(b)
	cache := b.TempDir()
	for i := 0; i < b.N; i++ {
		m, err := Load(context.Background(), Config{Task: task, CacheDir: cache})
		if err != nil {
			b.Fatal(err)
		}
		m.Close()
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
