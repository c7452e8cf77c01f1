package baseline

import (
	"context"
	"maps"
	"testing"

	"github.com/radflag/radflag/classifier/dataset"
)

// occlusionTexts are texts whose spans are removed in the tests; the
// model's vocabulary holds their n-grams, so a wrong count shows.
var occlusionTexts = []string{
	"Pancreatic head mass 2.5 cm. No duct dilatation; liver normal.\nImpression: suspicious for adenocarcinoma",
	"Status post Whipple. Pancreatic cancer on FOLFIRINOX.2 new liver lesions: 1.2 and 0.8 cm!",
	"膵頭部に腫瘤、膵癌疑い。 pancreatic mass suspicious. 膵体部 normal",
	"no breaks at all just words pancreatic mass suspicious adenocarcinoma",
	"...;;::\n\n. .5 . 5. a.b",
	"",
}

func occlusionModel(t testing.TB) *Model {
	t.Helper()
	train := tinyTrain()
	for i, text := range occlusionTexts {
		train = append(train, dataset.Example{ID: "o" + string(rune('a'+i)), Text: text, Label: i % 3})
	}
	m, err := Train(context.Background(), Config{Task: "pancreas", Labels: labels, MinDF: 1}, train)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// checkOcclusion compares Without with reading the text without the span
// afresh; the two must be equal to the last bit.
func checkOcclusion(t *testing.T, m *Model, o *Occlusion, text string, start, end int) {
	t.Helper()
	got := o.Without(start, end).Probabilities
	want := m.Predict(text[:start] + " " + text[end:]).Probabilities
	if !maps.Equal(got, want) {
		t.Fatalf("%q without [%d, %d): %v, reading it afresh %v", text, start, end, got, want)
	}
}

// TestOcclusionMatchesPredict removes every span of tricky texts: spans that
// cut words, decimals ("2.5 cm"), sentences without a full stop, CJK, line
// breaks, and a removal that joins two words into a bigram.
func TestOcclusionMatchesPredict(t *testing.T) {
	m := occlusionModel(t)
	for _, text := range occlusionTexts {
		o := m.Occlude(text)
		if !maps.Equal(o.Predict().Probabilities, m.Predict(text).Probabilities) {
			t.Fatalf("%q: Occlusion.Predict differs from Predict", text)
		}
		for start := 0; start <= len(text); start++ {
			for end := start; end <= len(text); end++ {
				checkOcclusion(t, m, o, text, start, end)
			}
		}
	}
}

func FuzzOcclusion(f *testing.F) {
	f.Add("Pancreatic head mass 2.5 cm. No duct dilatation.", 12, 29)
	f.Add("膵頭部に腫瘤、膵癌疑い。 pancreatic mass.", 3, 20)
	f.Add("Whipple.2 cm mass", 0, 8)
	m := occlusionModel(f)
	f.Fuzz(func(t *testing.T, text string, start, end int) {
		if len(text) > 4096 {
			return
		}
		n := uint(len(text) + 1)
		start, end = int(uint(start)%n), int(uint(end)%n)
		if start > end {
			start, end = end, start
		}
		checkOcclusion(t, m, m.Occlude(text), text, start, end)
	})
}
