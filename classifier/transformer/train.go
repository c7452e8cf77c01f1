package transformer

import (
	stdctx "context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train"
	"github.com/gomlx/gomlx/pkg/ml/train/losses"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers/cosineschedule"
)

// Example is one tokenised training example; Label is the class index
// (0..NumLabels-1), not the dataset's label number.
type Example struct {
	IDs   []int
	Label int
}

// TrainConfig controls a training run.
type TrainConfig struct {
	Model        Config
	Seed         int64
	BatchSize    int           // default 32
	Epochs       int           // upper bound; default 10
	LearningRate float64       // peak; default 1e-3
	WarmupSteps  int           // default: 5% of the planned steps
	MaxDuration  time.Duration // stop (keeping the best weights) after this long; 0: no bound
	MaxSteps     int           // stop (keeping the best weights) after this many steps; 0: no bound
	Patience     int           // epochs without validation improvement before stopping; default 2
	EvalEvery    int           // also validate every this many steps; 0: once an epoch
	Bucket       int           // sequence lengths are padded to a multiple of this; default 32
	Progress     func(Progress)
	// Init, when set, starts from these weights instead of a fresh draw.
	Init Weights
	// TokenDropout replaces each ordinary token of a training batch by
	// [UNK] with this probability (0: off). A model trained only on
	// synthetic reports meets words it never saw in real ones; learning to
	// decide with some tokens unreadable makes it lean on several cues
	// rather than one template word.
	TokenDropout float64
	// WordMask hides whole words (every piece of a word, so no "##" piece
	// gives it away) as [UNK] with this probability; Continuation[id] says
	// which ids continue a word. 0: off.
	WordMask     float64
	Continuation []bool
	// Watch, when set, is scored at every validation and reported through
	// Progress (WatchAccuracy). It never chooses weights or stops training:
	// it shows how a run does on reports unlike its validation set.
	Watch []Example
	// LabelSmoothing moves this share of each target's probability mass
	// evenly onto all classes (0: plain cross-entropy). It keeps a model
	// trained on clean synthetic labels from growing certain on one cue.
	LabelSmoothing float64
	// AverageFrom, when in (0, 1), makes the result the mean of the weights
	// seen at every validation from this share of the planned steps on
	// (stochastic weight averaging): a flatter solution that transfers
	// better than any single checkpoint. 0: keep the best checkpoint.
	AverageFrom float64
}

// firstOrdinaryID is the first id that is not a special token ([PAD],
// [UNK], [CLS], [SEP], [MASK] come first in every vocabulary radflag writes).
// unkID is tokenizer.UnkID (a test keeps them equal; transformer does not
// import the tokenizer).
const (
	firstOrdinaryID = 5
	unkID           = 1
)

// dropTokens applies TokenDropout to a padded batch in place.
func dropTokens(ids, mask []int32, p float64, rng *rand.Rand) {
	if p <= 0 {
		return
	}
	for i := range ids {
		if mask[i] == 1 && ids[i] >= firstOrdinaryID && rng.Float64() < p {
			ids[i] = unkID
		}
	}
}

// maskWords applies WordMask to a padded batch in place: a word is an
// ordinary token and the continuation pieces after it.
func maskWords(ids, mask []int32, cont []bool, p float64, rng *rand.Rand) {
	if p <= 0 || len(cont) == 0 {
		return
	}
	isCont := func(id int32) bool { return int(id) < len(cont) && cont[id] }
	hide := false
	for i := range ids {
		if mask[i] != 1 || ids[i] < firstOrdinaryID {
			hide = false
			continue
		}
		if !isCont(ids[i]) {
			hide = rng.Float64() < p
		}
		if hide {
			ids[i] = unkID
		}
	}
}

// Progress is reported after every step.
type Progress struct {
	Epoch, Epochs int
	Step, Steps   int // global step and planned total
	Loss          float64
	ValAccuracy   float64 // latest validation accuracy, -1 before the first
	WatchAccuracy float64 // latest accuracy on TrainConfig.Watch, -1 when none
	Elapsed       time.Duration
	Remaining     time.Duration
}

// Result is the outcome of Train.
type Result struct {
	Weights     Weights // best by validation accuracy (then loss)
	ValAccuracy float64
	ValLoss     float64
	ValPred     []int // predictions of the best weights on the validation set
	Epochs      int   // epochs run
	Steps       int
	FirstLoss   float64 // mean training loss of the first 10 steps
	LastLoss    float64 // mean training loss of the last 10 steps
	Stopped     string  // why training stopped
	Averaged    int     // checkpoints averaged into Weights (0: best checkpoint)
	Duration    time.Duration
}

// Train trains the classifier with Adam, a warm-up + cosine learning rate,
// class rebalancing by oversampling, and early stopping on val.
func Train(ctx stdctx.Context, cfg TrainConfig, trainSet, val []Example) (*Result, error) {
	c := cfg.Model
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if len(trainSet) == 0 || len(val) == 0 {
		return nil, errors.New("train: need training and validation examples")
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 32
	}
	if cfg.Epochs <= 0 {
		cfg.Epochs = 10
	}
	if cfg.LearningRate <= 0 {
		cfg.LearningRate = 1e-3
	}
	if cfg.Patience <= 0 {
		cfg.Patience = 2
	}
	if cfg.Bucket <= 0 {
		cfg.Bucket = 32
	}
	for i, ex := range append(append([]Example(nil), trainSet...), val...) {
		if ex.Label < 0 || ex.Label >= c.NumLabels {
			return nil, fmt.Errorf("example %d: label index %d out of [0,%d)", i, ex.Label, c.NumLabels)
		}
		if len(ex.IDs) == 0 || len(ex.IDs) > c.MaxPositions {
			return nil, fmt.Errorf("example %d: %d tokens, want 1..%d", i, len(ex.IDs), c.MaxPositions)
		}
	}
	start := time.Now()
	rng := rand.New(rand.NewPCG(uint64(cfg.Seed), 0x5eed))

	w := cfg.Init
	if w == nil {
		var err error
		if w, err = InitWeights(c, cfg.Seed); err != nil {
			return nil, err
		}
	} else if err := CheckWeights(c, w); err != nil {
		return nil, err
	}
	backend, err := NewBackend()
	if err != nil {
		return nil, err
	}
	defer backend.Finalize()
	gctx, err := seededContext(cfg.Seed, w)
	if err != nil {
		return nil, err
	}

	perEpoch := len(oversample(trainSet, c.NumLabels, rng)) / cfg.BatchSize
	if perEpoch == 0 {
		perEpoch = 1
	}
	totalSteps := perEpoch * cfg.Epochs
	if cfg.MaxSteps > 0 {
		// The learning-rate schedule decays over the steps that will run.
		totalSteps = min(totalSteps, cfg.MaxSteps)
	}
	warmup := cfg.WarmupSteps
	if warmup <= 0 {
		warmup = max(1, totalSteps/20)
	}
	gctx.SetParam(optimizers.ParamLearningRate, cfg.LearningRate)
	modelFn := func(ctx *context.Context, _ any, inputs []*Node) []*Node {
		g := inputs[0].Graph()
		cosineschedule.New(ctx, g, dtypes.Float32).LearningRate(cfg.LearningRate).
			WarmUpSteps(warmup).PeriodSteps(max(1, totalSteps-warmup)).MinLearningRate(cfg.LearningRate / 20).Done()
		return []*Node{Forward(ctx, c, inputs[0], inputs[1], nil)}
	}
	lossFn := losses.SparseCategoricalCrossEntropyLogits
	if eps := cfg.LabelSmoothing; eps > 0 {
		lossFn = func(labels, logits []*Node) *Node {
			k := logits[0].Shape().Dim(-1)
			l := Reshape(labels[0], labels[0].Shape().Dim(0))
			target := AddScalar(MulScalar(OneHot(l, k, logits[0].DType()), 1-eps), eps/float64(k))
			return ReduceAllMean(losses.CategoricalCrossEntropyLogits([]*Node{target}, logits))
		}
	}
	trainer := train.NewTrainer(backend, gctx, modelFn, lossFn,
		optimizers.Adam().LearningRate(cfg.LearningRate).WeightDecay(0.01).Done(), nil, nil)

	runner, err := NewRunner(backend, gctx, c)
	if err != nil {
		return nil, err
	}
	res := &Result{ValAccuracy: -1, ValLoss: math.Inf(1)}
	var recent []float64
	valAcc := -1.0
	bad := 0
	step := 0

	watchAcc := -1.0
	var avg Weights // running sum for AverageFrom
	nAvg := 0
	accumulate := func() error {
		if cfg.AverageFrom <= 0 || float64(step) < cfg.AverageFrom*float64(totalSteps) {
			return nil
		}
		w, err := WeightsFromContext(gctx, c)
		if err != nil {
			return err
		}
		if avg == nil {
			avg = w
		} else {
			for n, p := range w {
				a := avg[n].Data
				for i, v := range p.Data {
					a[i] += v
				}
			}
		}
		nAvg++
		return nil
	}
	evaluate := func() (improved bool, err error) {
		if err := accumulate(); err != nil {
			return false, err
		}
		acc, loss, pred, err := validate(runner, val, c.NumLabels, cfg.Bucket, 64)
		if err != nil {
			return false, err
		}
		valAcc = acc
		if len(cfg.Watch) > 0 {
			if watchAcc, _, _, err = validate(runner, cfg.Watch, c.NumLabels, cfg.Bucket, 64); err != nil {
				return false, err
			}
		}
		if acc > res.ValAccuracy || (acc == res.ValAccuracy && loss < res.ValLoss) {
			best, err := WeightsFromContext(gctx, c)
			if err != nil {
				return false, err
			}
			res.Weights, res.ValAccuracy, res.ValLoss, res.ValPred = best, acc, loss, pred
			return true, nil
		}
		return false, nil
	}

	stopped := ""
epochs:
	for epoch := 1; epoch <= cfg.Epochs; epoch++ {
		res.Epochs = epoch
		improvedThisEpoch := false
		for _, batch := range makeBatches(oversample(trainSet, c.NumLabels, rng), cfg.BatchSize, cfg.Bucket, c.MaxPositions, rng) {
			if ctx.Err() != nil {
				// Interrupted: keep the best weights so far rather than lose the run.
				stopped = "interrupted"
				break epochs
			}
			ids, mask, s := PadBatch(batch.ids, batch.padTo)
			maskWords(ids, mask, cfg.Continuation, cfg.WordMask, rng)
			dropTokens(ids, mask, cfg.TokenDropout, rng)
			labels := make([]int32, len(batch.labels))
			for i, l := range batch.labels {
				labels[i] = int32(l)
			}
			n := len(batch.ids)
			metrics, err := trainer.TrainStep(nil,
				[]*tensors.Tensor{tensors.FromFlatDataAndDimensions(ids, n, s), tensors.FromFlatDataAndDimensions(mask, n, s)},
				[]*tensors.Tensor{tensors.FromFlatDataAndDimensions(labels, n, 1)})
			if err != nil {
				return nil, fmt.Errorf("train step %d: %w", step, err)
			}
			loss := float64(tensors.ToScalar[float32](metrics[0]))
			for _, m := range metrics {
				m.FinalizeAll()
			}
			if math.IsNaN(loss) || math.IsInf(loss, 0) {
				return nil, fmt.Errorf("train step %d: loss is %v", step, loss)
			}
			step++
			res.Steps = step
			recent = append(recent, loss)
			if len(recent) > 10 {
				recent = recent[1:]
			}
			if step == 10 || (step < 10 && res.FirstLoss == 0) {
				res.FirstLoss = mean(recent)
			}
			if cfg.EvalEvery > 0 && step%cfg.EvalEvery == 0 {
				imp, err := evaluate()
				if err != nil {
					return nil, err
				}
				improvedThisEpoch = improvedThisEpoch || imp
			}
			elapsed := time.Since(start)
			if cfg.Progress != nil {
				remaining := time.Duration(float64(elapsed) / float64(step) * float64(totalSteps-step))
				if cfg.MaxDuration > 0 {
					remaining = min(remaining, cfg.MaxDuration-elapsed)
				}
				cfg.Progress(Progress{Epoch: epoch, Epochs: cfg.Epochs, Step: step, Steps: totalSteps,
					Loss: mean(recent), ValAccuracy: valAcc, WatchAccuracy: watchAcc, Elapsed: elapsed, Remaining: max(remaining, 0)})
			}
			if cfg.MaxDuration > 0 && elapsed > cfg.MaxDuration {
				stopped = "time limit"
				break epochs
			}
			if cfg.MaxSteps > 0 && step >= cfg.MaxSteps {
				stopped = "step limit"
				break epochs
			}
		}
		imp, err := evaluate()
		if err != nil {
			return nil, err
		}
		if imp || improvedThisEpoch {
			bad = 0
		} else if bad++; bad >= cfg.Patience {
			stopped = fmt.Sprintf("no validation improvement for %d epochs", cfg.Patience)
			break
		}
		if res.ValAccuracy == 1 && res.ValLoss < 0.01 {
			stopped = "validation solved"
			break
		}
	}
	if stopped == "" {
		stopped = "epochs done"
	}
	if stopped == "interrupted" && res.Weights == nil {
		return nil, fmt.Errorf("train: %w", ctx.Err())
	}
	if stopped == "time limit" || stopped == "step limit" || (stopped == "interrupted" && step > 0) {
		if _, err := evaluate(); err != nil {
			return nil, err
		}
	}
	if nAvg > 0 {
		// Score the average and return it in place of the best checkpoint.
		for _, p := range avg {
			for i := range p.Data {
				p.Data[i] /= float32(nAvg)
			}
		}
		if err := LoadIntoContext(gctx, avg); err != nil {
			return nil, err
		}
		acc, loss, pred, err := validate(runner, val, c.NumLabels, cfg.Bucket, 64)
		if err != nil {
			return nil, err
		}
		res.Weights, res.ValAccuracy, res.ValLoss, res.ValPred = avg, acc, loss, pred
		res.Averaged = nAvg
		stopped += fmt.Sprintf("; weights averaged over %d checkpoints", nAvg)
	}
	res.LastLoss = mean(recent)
	res.Stopped = stopped
	res.Duration = time.Since(start)
	return res, nil
}

func mean(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// oversample returns indices-expanded examples with every class repeated
// (with random extra draws) up to the size of the largest class.
func oversample(exs []Example, numLabels int, rng *rand.Rand) []Example {
	byClass := make([][]Example, numLabels)
	for _, ex := range exs {
		byClass[ex.Label] = append(byClass[ex.Label], ex)
	}
	most := 0
	for _, cl := range byClass {
		most = max(most, len(cl))
	}
	var out []Example
	for _, cl := range byClass {
		if len(cl) == 0 {
			continue
		}
		out = append(out, cl...)
		for i := len(cl); i < most; i++ {
			out = append(out, cl[rng.IntN(len(cl))])
		}
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

type batch struct {
	ids    [][]int
	labels []int
	padTo  int
}

// makeBatches groups examples of similar length (within windows of 20
// batches, so that order stays random) and pads each batch to a multiple of
// bucket: few distinct shapes, so few compiled graphs, and little padding.
func makeBatches(exs []Example, size, bucket, maxLen int, rng *rand.Rand) []batch {
	var out []batch
	window := size * 20
	for lo := 0; lo+size <= len(exs); lo += window {
		hi := min(lo+window, len(exs))
		chunk := exs[lo:hi]
		sort.SliceStable(chunk, func(i, j int) bool { return len(chunk[i].IDs) < len(chunk[j].IDs) })
		for b := 0; b+size <= len(chunk); b += size {
			var bt batch
			longest := 0
			for _, ex := range chunk[b : b+size] {
				bt.ids = append(bt.ids, ex.IDs)
				bt.labels = append(bt.labels, ex.Label)
				longest = max(longest, len(ex.IDs))
			}
			bt.padTo = min(roundUp(longest, bucket), maxLen)
			out = append(out, bt)
		}
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

func roundUp(n, m int) int { return (n + m - 1) / m * m }

// validate returns accuracy, mean cross-entropy and predictions.
func validate(r *Runner, val []Example, numLabels, bucket, batchSize int) (float64, float64, []int, error) {
	order := make([]int, len(val))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return len(val[order[a]].IDs) < len(val[order[b]].IDs) })
	pred := make([]int, len(val))
	correct, lossSum := 0, 0.0
	for lo := 0; lo < len(order); lo += batchSize {
		hi := min(lo+batchSize, len(order))
		seqs := make([][]int, 0, batchSize)
		longest := 0
		for _, i := range order[lo:hi] {
			seqs = append(seqs, val[i].IDs)
			longest = max(longest, len(val[i].IDs))
		}
		// Pad the batch to a fixed size too, so that shapes repeat.
		for len(seqs) < batchSize {
			seqs = append(seqs, []int{2, 3})
		}
		logits, err := r.Logits(seqs, min(roundUp(longest, bucket), r.cfg.MaxPositions))
		if err != nil {
			return 0, 0, nil, err
		}
		for k, i := range order[lo:hi] {
			l := logits[k]
			best := 0
			for j := range l {
				if l[j] > l[best] {
					best = j
				}
			}
			pred[i] = best
			if best == val[i].Label {
				correct++
			}
			lossSum += crossEntropy(l, val[i].Label)
		}
	}
	return float64(correct) / float64(len(val)), lossSum / float64(len(val)), pred, nil
}

func crossEntropy(logits []float32, label int) float64 {
	m := math.Inf(-1)
	for _, v := range logits {
		m = math.Max(m, float64(v))
	}
	sum := 0.0
	for _, v := range logits {
		sum += math.Exp(float64(v) - m)
	}
	return math.Log(sum) + m - float64(logits[label])
}
