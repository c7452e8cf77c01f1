package transformer

import (
	"context"
	"testing"

	"github.com/knights-analytics/hugot"
	"github.com/knights-analytics/hugot/pipelines"

	"github.com/radflag/radflag/classifier/gemm"
)

// TestExportedMatMulsReachKernel loads the exported ONNX through hugot's Go
// backend and checks that every matrix product runs on classifier/gemm's
// kernel: per layer the fused Q/K/V projection (onnx-gomlx fuses the three
// MatMuls into one), the two attention products, the attention output and
// the two FFN products, then the pooler and the classifier, and the
// products with ones that the writer uses for broadcasts. A MatMul that
// took simplego's own paths (a 3-D operand, say) would be missing.
func TestExportedMatMulsReachKernel(t *testing.T) {
	if !gemm.Install() {
		t.Skip("classifier/gemm kernel not active on this machine")
	}
	for _, pooling := range []string{"cls", "mean"} {
		t.Run(pooling, func(t *testing.T) {
			c, w, tj := tinyModel(t, 3)
			c.Pooling = pooling
			dir := t.TempDir()
			if err := WriteDir(dir, c, w, tj, []string{"a", "b", "c"}); err != nil {
				t.Fatal(err)
			}
			session, err := hugot.NewGoSession(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			defer session.Destroy()
			p, err := hugot.NewPipeline(session, hugot.TextClassificationConfig{
				ModelPath: dir, Name: "gemm-paths",
				Options: []hugot.TextClassificationOption{pipelines.WithMultiLabel(), pipelines.WithSoftmax()},
			})
			if err != nil {
				t.Fatal(err)
			}
			before := gemm.Calls()
			if _, err := p.RunPipeline(context.Background(), parityTexts); err != nil {
				t.Fatal(err)
			}
			// Plus the products that stand in for broadcasts (see ONNX): per
			// LayerNorm two row sums and four repeats, per layer three bias
			// repeats, the position and token type embeddings, the attention
			// mask once, and mean pooling's sum.
			const perLayerNorm = 6
			want := int64(6*c.Layers+2) + int64(c.Layers*(3+2*perLayerNorm)+perLayerNorm+2+1)
			if pooling == "mean" {
				want++
			}
			if got := gemm.Calls() - before; got != want {
				t.Fatalf("%d products on the kernel, want %d", got, want)
			}
		})
	}
}
