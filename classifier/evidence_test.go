package classifier

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
)

// TestEvidenceSkipsOnlyUnseenSentences checks the shortcut in evidence:
// the sentences it scores without a model run (their removal leaves the
// fitted input unchanged) are exactly those whose removal changes nothing,
// and the sentences it scores get the weight a full occlusion run gives.
func TestEvidenceSkipsOnlyUnseenSentences(t *testing.T) {
	m := loadTinyPancreas(t, Config{BatchSize: 8, MaxEvidenceSentences: 100, TopEvidence: 100})
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
	pred := 0
	for i, p := range pp[0] {
		if p > pp[0][pred] {
			pred = i
		}
	}
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
