package transformer

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/radflag/radflag/classifier/tokenizer"
)

func TestMaskBatch(t *testing.T) {
	if maskID != tokenizer.MaskID {
		t.Fatal("mask id out of step with the tokenizer")
	}
	seqs := [][]int{{tokenizer.CLSID, 10, 11, 12, 13, 14, 15, 16, 17, tokenizer.SEPID}, {tokenizer.CLSID, 20, 21, tokenizer.SEPID}}
	mb := maskBatch(seqs, 16, 0.5, 40, rand.New(rand.NewPCG(3, 4)))
	if len(mb.positions) != len(mb.labels) || len(mb.positions) != len(mb.valid) || mb.s != 16 {
		t.Fatalf("shapes: %d positions, %d labels, %d valid, width %d", len(mb.positions), len(mb.labels), len(mb.valid), mb.s)
	}
	chosen := 0
	for k, ok := range mb.valid {
		if !ok {
			if mb.labels[k] != 0 || mb.positions[k] != 0 {
				t.Fatalf("unused slot %d holds position %d label %d", k, mb.positions[k], mb.labels[k])
			}
			continue
		}
		chosen++
		pos := int(mb.positions[k])
		row, col := pos/mb.s, pos%mb.s
		if col >= len(seqs[row]) || int(mb.labels[k]) != seqs[row][col] {
			t.Fatalf("slot %d: position %d label %d is not the original token", k, pos, mb.labels[k])
		}
		if mb.labels[k] < firstOrdinaryID {
			t.Fatalf("slot %d predicts a special token", k)
		}
	}
	if chosen == 0 {
		t.Fatal("nothing chosen at p=0.5")
	}
	// Specials and padding are never touched.
	for row, q := range seqs {
		if mb.ids[row*mb.s] != tokenizer.CLSID || mb.ids[row*mb.s+len(q)-1] != tokenizer.SEPID {
			t.Fatalf("row %d: specials changed", row)
		}
		for col := len(q); col < mb.s; col++ {
			if mb.ids[row*mb.s+col] != 0 || mb.mask[row*mb.s+col] != 0 {
				t.Fatalf("row %d: padding changed at %d", row, col)
			}
		}
	}
}

// TestPretrainThenFineTune: masked-token loss falls on a tiny corpus, the
// returned head is fresh, and a classifier starts from the encoder.
func TestPretrainThenFineTune(t *testing.T) {
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
	seqs := make([][]int, len(data))
	for i, ex := range data {
		seqs[i] = ex.IDs
	}
	c := Config{VocabSize: tk.VocabSize(), Hidden: 32, Layers: 1, Heads: 2, FFN: 64, MaxPositions: 64, TypeVocab: 2, NumLabels: 2}
	res, err := Pretrain(context.Background(), PretrainConfig{Model: c, Seed: 1, BatchSize: 16, Steps: 60, LearningRate: 1e-2, MaskProb: 0.3}, seqs)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("steps %d, masked-token loss %.3f → %.3f, %s", res.Steps, res.FirstLoss, res.LastLoss, res.Stopped)
	if res.Steps != 60 || !(res.LastLoss < res.FirstLoss*0.7) {
		t.Fatalf("pretraining did not learn: %d steps, loss %.3f → %.3f", res.Steps, res.FirstLoss, res.LastLoss)
	}
	fresh, _ := InitWeights(c, 1)
	if res.Weights["classifier.weight"].Data[0] != fresh["classifier.weight"].Data[0] {
		t.Error("classifier head was not the fresh draw")
	}
	if res.Weights["bert.encoder.layer.0.attention.self.query.weight"].Data[0] == fresh["bert.encoder.layer.0.attention.self.query.weight"].Data[0] {
		t.Error("encoder did not change")
	}
	c3 := c
	c3.NumLabels = 3
	init, err := WithFreshHead(c3, res.Weights, 2)
	if err != nil {
		t.Fatal(err)
	}
	if got := init["bert.embeddings.word_embeddings.weight"].Data[7]; got != res.Weights["bert.embeddings.word_embeddings.weight"].Data[7] {
		t.Error("embeddings not carried over")
	}
	ft, err := Train(context.Background(), TrainConfig{Model: c3, Seed: 1, BatchSize: 16, Epochs: 8, Patience: 10, LearningRate: 1e-2, Init: init}, data, data[:30])
	if err != nil {
		t.Fatal(err)
	}
	if ft.ValAccuracy < 0.6 {
		t.Errorf("fine-tuned from the pretrained encoder: val acc %.2f", ft.ValAccuracy)
	}
	other := c
	other.Hidden, other.FFN = 16, 32
	if _, err := WithFreshHead(other, res.Weights, 2); err == nil {
		t.Error("weights of another size accepted")
	}
}
