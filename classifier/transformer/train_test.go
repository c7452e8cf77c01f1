package transformer

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/radflag/radflag/classifier/tokenizer"
)

func tinyTrainingSet(t testing.TB, tk *tokenizer.Tokenizer, n int) []Example {
	t.Helper()
	organs := []string{"liver", "kidney", "spleen", "lung", "adrenal"}
	var out []Example
	for i := 0; i < n; i++ {
		label := i % 3
		o := organs[i%len(organs)]
		var s string
		switch label {
		case 0:
			s = fmt.Sprintf("The %s is normal. No pancreatic mass.", o)
		case 1:
			s = fmt.Sprintf("Status post Whipple for pancreatic cancer. The %s is normal.", o)
		default:
			s = fmt.Sprintf("Pancreatic head mass suspicious for cancer. The %s is normal.", o)
		}
		out = append(out, Example{IDs: tk.Encode(s), Label: label})
	}
	return out
}

// TestTrainReducesLoss runs a short training of a tiny model.
func TestTrainReducesLoss(t *testing.T) {
	corpus := []string{"The liver kidney spleen lung adrenal is normal. No pancreatic mass. Status post Whipple for pancreatic cancer. Pancreatic head mass suspicious for cancer."}
	vocab, err := tokenizer.Train(corpus, tokenizer.TrainConfig{VocabSize: 300, MinFreq: 1})
	if err != nil {
		t.Fatal(err)
	}
	tk, err := tokenizer.New(tokenizer.Build(vocab))
	if err != nil {
		t.Fatal(err)
	}
	data := tinyTrainingSet(t, tk, 96)
	c := Config{VocabSize: tk.VocabSize(), Hidden: 32, Layers: 1, Heads: 2, FFN: 64, MaxPositions: 64, TypeVocab: 2, NumLabels: 3}
	res, err := Train(context.Background(), TrainConfig{Model: c, Seed: 1, BatchSize: 16, Epochs: 6, LearningRate: 1e-2, Patience: 10}, data, data[:30])
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("steps %d, loss %.3f → %.3f, val acc %.2f, %s, %v", res.Steps, res.FirstLoss, res.LastLoss, res.ValAccuracy, res.Stopped, res.Duration)
	if !(res.LastLoss < res.FirstLoss*0.7) {
		t.Fatalf("loss did not fall: %.3f → %.3f", res.FirstLoss, res.LastLoss)
	}
	if err := CheckWeights(c, res.Weights); err != nil {
		t.Fatal(err)
	}
}

// TestTrainSmoothedAndAveraged: label smoothing still learns the tiny set,
// and averaging returns the mean of the checkpoints after the start share,
// scored on the validation set, within the step budget.
func TestTrainSmoothedAndAveraged(t *testing.T) {
	corpus := []string{"The liver kidney spleen lung adrenal is normal. No pancreatic mass. Status post Whipple for pancreatic cancer. Pancreatic head mass suspicious for cancer."}
	vocab, err := tokenizer.Train(corpus, tokenizer.TrainConfig{VocabSize: 300, MinFreq: 1})
	if err != nil {
		t.Fatal(err)
	}
	tk, err := tokenizer.New(tokenizer.Build(vocab))
	if err != nil {
		t.Fatal(err)
	}
	data := tinyTrainingSet(t, tk, 96)
	c := Config{VocabSize: tk.VocabSize(), Hidden: 32, Layers: 1, Heads: 2, FFN: 64, MaxPositions: 64, TypeVocab: 2, NumLabels: 3}
	res, err := Train(context.Background(), TrainConfig{Model: c, Seed: 1, BatchSize: 16, Epochs: 20, LearningRate: 1e-2, Patience: 20,
		MaxSteps: 30, EvalEvery: 5, LabelSmoothing: 0.1, AverageFrom: 0.5}, data, data[:30])
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("steps %d, loss %.3f → %.3f, val acc %.2f, %s", res.Steps, res.FirstLoss, res.LastLoss, res.ValAccuracy, res.Stopped)
	if res.Steps != 30 {
		t.Errorf("ran %d steps, want the 30 of MaxSteps", res.Steps)
	}
	// Validations at steps 15, 20, 25, 30 and the one after the step limit.
	if res.Averaged < 4 {
		t.Errorf("averaged %d checkpoints, want at least 4", res.Averaged)
	}
	if !(res.LastLoss < res.FirstLoss*0.8) {
		t.Errorf("loss did not fall: %.3f → %.3f", res.FirstLoss, res.LastLoss)
	}
	if res.ValAccuracy < 0.6 {
		t.Errorf("averaged weights score %.2f on the tiny set", res.ValAccuracy)
	}
	if err := CheckWeights(c, res.Weights); err != nil {
		t.Fatal(err)
	}
}

func TestDropTokensKeepsSpecialsAndPadding(t *testing.T) {
	if unkID != tokenizer.UnkID || firstOrdinaryID != tokenizer.MaskID+1 {
		t.Fatal("special token ids out of step with the tokenizer")
	}
	ids, mask, _ := PadBatch([][]int{{tokenizer.CLSID, 10, 11, 12, 13, tokenizer.SEPID}, {tokenizer.CLSID, 20, tokenizer.SEPID}}, 8)
	orig := append([]int32(nil), ids...)
	dropTokens(ids, mask, 1, rand.New(rand.NewPCG(1, 2)))
	for i := range ids {
		ordinary := mask[i] == 1 && orig[i] >= firstOrdinaryID
		if ordinary && ids[i] != unkID || !ordinary && ids[i] != orig[i] {
			t.Fatalf("position %d: %d became %d", i, orig[i], ids[i])
		}
	}
	again := append([]int32(nil), orig...)
	dropTokens(again, mask, 0, nil)
	if fmt.Sprint(again) != fmt.Sprint(orig) {
		t.Error("p=0 changed the batch")
	}
}

func TestMaskWordsHidesWholeWords(t *testing.T) {
	// ids 10..13: 11 and 13 continue the word before them.
	cont := make([]bool, 20)
	cont[11], cont[13] = true, true
	seqs := [][]int{{tokenizer.CLSID, 10, 11, 12, 13, 14, tokenizer.SEPID}}
	for seed := uint64(0); seed < 50; seed++ {
		ids, mask, _ := PadBatch(seqs, 8)
		maskWords(ids, mask, cont, 0.5, rand.New(rand.NewPCG(seed, 3)))
		if ids[0] != tokenizer.CLSID || ids[6] != tokenizer.SEPID || ids[7] != 0 {
			t.Fatalf("seed %d: specials or padding changed: %v", seed, ids)
		}
		// A word is hidden whole or not at all.
		if (ids[1] == unkID) != (ids[2] == unkID) || (ids[3] == unkID) != (ids[4] == unkID) {
			t.Fatalf("seed %d: word split by masking: %v", seed, ids)
		}
	}
	ids, mask, _ := PadBatch(seqs, 8)
	maskWords(ids, mask, cont, 0.999999, rand.New(rand.NewPCG(1, 1)))
	for i := 1; i <= 5; i++ {
		if ids[i] != unkID {
			t.Fatalf("p≈1 left position %d: %v", i, ids)
		}
	}
}
