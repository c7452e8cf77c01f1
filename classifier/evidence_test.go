package classifier

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
)

// TestEvidenceSkipsOnlyUnseenSentences checks the shortcut in evidence:
// the sentences it scores without a model run (their removal leaves the
// fitted input unchanged) are exactly those whose removal changes nothing,
// and the sentences it scores get the weight a full occlusion run gives.
func TestEvidenceSkipsOnlyUnseenSentences(t *testing.T) {
	m := loadTinyPancreas(t, Config{BatchSize: 8, MaxEvidenceSentences: 100, TopEvidence: 100, EvidenceScreen: -1})
	var b strings.Builder
	organs := []string{"liver", "spleen", "kidneys", "adrenals", "bladder", "aorta", "bowel", "lungs"}
	for i := range 30 {
		fmt.Fprintf(&b, "The %s measures %d mm and is unremarkable. ", organs[i%len(organs)], 10+i)
	}
	text := "Indication: weight loss. " + b.String() + "Impression: pancreatic head mass suspicious for adenocarcinoma."
	sents := SplitSentences(text)
	if len(sents) < 30 {
		t.Fatalf("only %d sentences", len(sents))
	}

	// Full occlusion: every sentence removed in turn, all run.
	perturbed := []string{text}
	for _, s := range sents {
		perturbed = append(perturbed, text[:s.Start]+" "+text[s.End:])
	}
	pp, err := m.probabilities(context.Background(), perturbed)
	if err != nil {
		t.Fatal(err)
	}
	pred := argmax(pp[0])
	want := map[int]float64{} // sentence start → weight
	zero := 0
	for i, s := range sents {
		w := pp[0][pred] - pp[i+1][pred]
		want[s.Start] = w
		if w == 0 {
			zero++
		}
	}
	if zero == 0 || zero == len(sents) {
		t.Fatalf("%d of %d sentences leave the input unchanged: the text does not exercise the shortcut", zero, len(sents))
	}

	ev, err := m.Explain(context.Background(), text)
	if err != nil {
		t.Fatal(err)
	}
	if len(ev) == 0 {
		t.Fatal("no evidence")
	}
	for _, e := range ev {
		w, ok := want[e.Start]
		if !ok || text[e.Start:e.End] != e.Sentence {
			t.Fatalf("evidence %+v is not a sentence of the text", e)
		}
		if math.Abs(w-e.Weight) > 1e-5 {
			t.Errorf("sentence at %d: weight %g, full occlusion gives %g", e.Start, e.Weight, w)
		}
	}
	// Every sentence with a positive weight in the full run is reported
	// (TopEvidence is large), in falling order.
	pos := 0
	for _, w := range want {
		if w > 0 {
			pos++
		}
	}
	if pos > 0 && len(ev) != pos {
		t.Errorf("%d evidence sentences, full occlusion has %d with positive weight", len(ev), pos)
	}
	for i := 1; i < len(ev); i++ {
		if ev[i].Weight > ev[i-1].Weight {
			t.Errorf("evidence not in falling order: %g after %g", ev[i].Weight, ev[i-1].Weight)
		}
	}
}

// TestEvidenceScreen checks the screened evidence of a text with more
// sentences than EvidenceScreen: only sentences among the k rated highest
// for the predicted class on their own are reported, each with the weight a
// full occlusion run gives it, best first.
func TestEvidenceScreen(t *testing.T) {
	const k, top = 4, 2
	m := loadTinyPancreas(t, Config{BatchSize: 8, TopEvidence: top, EvidenceScreen: k})
	text := "Indication: weight loss. Liver normal. Spleen normal. Pancreatic head mass of 3 cm. " +
		"Duct dilated to 6 mm. No ascites. Kidneys normal. Impression: suspicious for adenocarcinoma."
	sents := SplitSentences(text)
	if len(sents) <= k {
		t.Fatalf("%d sentences: the text does not exercise the screen", len(sents))
	}
	texts := []string{text}
	for _, s := range sents {
		texts = append(texts, text[:s.Start]+" "+text[s.End:])
	}
	for _, s := range sents {
		texts = append(texts, text[s.Start:s.End])
	}
	pp, err := m.probabilities(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	pred := argmax(pp[0])
	n := len(sents)
	weight, alone := map[int]float64{}, make([]float64, n)
	for i, s := range sents {
		weight[s.Start] = pp[0][pred] - pp[1+i][pred]
		alone[i] = pp[1+n+i][pred]
	}
	ranked := slices.Clone(alone)
	slices.Sort(ranked)
	kth := ranked[n-k] // the lowest alone-score that passes the screen

	ev, err := m.Explain(context.Background(), text)
	if err != nil {
		t.Fatal(err)
	}
	if len(ev) == 0 || len(ev) > top {
		t.Fatalf("%d evidence sentences, want 1..%d", len(ev), top)
	}
	for i, e := range ev {
		j := slices.IndexFunc(sents, func(s Span) bool { return s.Start == e.Start })
		if j < 0 || text[e.Start:e.End] != e.Sentence {
			t.Fatalf("evidence %+v is not a sentence of the text", e)
		}
		if alone[j] < kth {
			t.Errorf("%q scored %g alone, below the screen's %g", e.Sentence, alone[j], kth)
		}
		if math.Abs(weight[e.Start]-e.Weight) > 1e-5 {
			t.Errorf("%q: weight %g, full occlusion gives %g", e.Sentence, e.Weight, weight[e.Start])
		}
		if i > 0 && e.Weight > ev[i-1].Weight {
			t.Errorf("evidence not in falling order: %g after %g", e.Weight, ev[i-1].Weight)
		}
	}
	// The best screened sentence by occlusion weight leads.
	best := math.Inf(-1)
	for j, s := range sents {
		if alone[j] >= kth {
			best = max(best, weight[s.Start])
		}
	}
	if math.Abs(ev[0].Weight-best) > 1e-5 {
		t.Errorf("first evidence weighs %g, the best screened sentence %g", ev[0].Weight, best)
	}
}

// TestPredictConcurrent runs Predict and Explain from several goroutines at
// once (the classify worker does, one batch per core) and checks each
// answer against the same call made alone.
func TestPredictConcurrent(t *testing.T) {
	m := loadTinyPancreas(t, Config{BatchSize: 4})
	ctx := context.Background()
	inputs := make([][]string, 4)
	for g := range inputs {
		for i := range 3 + g {
			inputs[g] = append(inputs[g], fmt.Sprintf("%s Finding %d of set %d.", sampleReports[(g+i)%len(sampleReports)], i, g))
		}
	}
	want := make([][]Prediction, len(inputs))
	for g, in := range inputs {
		var err error
		if want[g], err = m.Predict(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	errs := make(chan error, len(inputs))
	for g, in := range inputs {
		go func() {
			for range 5 {
				got, err := m.Predict(ctx, in)
				if err == nil {
					_, err = m.Explain(ctx, in[0])
				}
				if err != nil {
					errs <- err
					return
				}
				for i := range got {
					for k, v := range got[i].Probabilities {
						if math.Abs(v-want[g][i].Probabilities[k]) > 1e-5 {
							errs <- fmt.Errorf("set %d text %d: concurrent %v, alone %v", g, i, got[i].Probabilities, want[g][i].Probabilities)
							return
						}
					}
				}
			}
			errs <- nil
		}()
	}
	for range inputs {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
