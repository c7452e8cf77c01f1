// Package baseline is radflag's simple reference classifier: word unigram and
// bigram TF-IDF features and multinomial logistic regression, in pure Go and
// deterministic for a given seed. It exists so the transformer's figures can
// be compared with a bag of n-grams trained on the same data.
package baseline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"time"

	"github.com/radflag/radflag/classifier/dataset"
)

// Label is one class of the task.
type Label struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// Config says what to train and how. Zero values take the defaults.
type Config struct {
	Task   string
	Labels []Label
	// MinDF drops n-grams found in fewer training reports (default 2).
	MinDF int
	// MaxFeatures keeps the most frequent n-grams (default 200000).
	MaxFeatures int
	// Epochs over the training set (default 20).
	Epochs int
	// LearningRate is AdaGrad's step (default 0.5).
	LearningRate float64
	// L2 is the weight penalty per update (default 1e-6).
	L2 float64
	// Seed orders the examples each epoch (default 1).
	Seed uint64
	// NoRebalance turns off class weights inversely proportional to class
	// frequency (on by default, as the source studies rebalanced classes).
	NoRebalance bool
}

func (c *Config) defaults() {
	if c.MinDF <= 0 {
		c.MinDF = 2
	}
	if c.MaxFeatures <= 0 {
		c.MaxFeatures = 200000
	}
	if c.Epochs <= 0 {
		c.Epochs = 20
	}
	if c.LearningRate <= 0 {
		c.LearningRate = 0.5
	}
	if c.L2 < 0 {
		c.L2 = 0
	} else if c.L2 == 0 {
		c.L2 = 1e-6
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
}

// Prediction is the model's answer for one report.
type Prediction struct {
	Label         int                // the label ID with the highest probability
	LabelName     string             //
	Probabilities map[string]float64 // label name → probability
}

// Model is a trained baseline. It is safe for concurrent use.
type Model struct {
	task      string
	labels    []Label
	vocab     map[string]int
	terms     []string
	idf       []float64
	weights   [][]float64 // [class][feature]
	bias      []float64
	cfg       Config
	trainedOn TrainingInfo
}

// TrainingInfo records what a model was trained on.
type TrainingInfo struct {
	Examples int       `json:"examples"`
	Digest   string    `json:"digest"` // sha256 over ids, labels and texts
	Seconds  float64   `json:"seconds"`
	Created  time.Time `json:"created"`
}

// Train fits a model to examples. It stops with ctx's error when ctx is
// cancelled.
func Train(ctx context.Context, cfg Config, examples []dataset.Example) (*Model, error) {
	start := time.Now()
	cfg.defaults()
	if len(cfg.Labels) < 2 {
		return nil, errors.New("baseline: need at least two labels")
	}
	if len(examples) == 0 {
		return nil, errors.New("baseline: no training examples")
	}
	labels := slices.Clone(cfg.Labels)
	slices.SortFunc(labels, func(a, b Label) int { return a.ID - b.ID })
	classOf := map[int]int{}
	for i, l := range labels {
		if _, dup := classOf[l.ID]; dup {
			return nil, fmt.Errorf("baseline: label %d listed twice", l.ID)
		}
		classOf[l.ID] = i
	}
	k := len(labels)
	y := make([]int, len(examples))
	classCount := make([]int, k)
	for i, ex := range examples {
		c, ok := classOf[ex.Label]
		if !ok {
			return nil, fmt.Errorf("baseline: example %s: label %d is not a label of the task", ex.ID, ex.Label)
		}
		y[i] = c
		classCount[c]++
	}

	// Vocabulary: document frequency of every n-gram.
	df := map[string]int{}
	grams := make([]map[string]int, len(examples))
	for i, ex := range examples {
		grams[i] = ngrams(ex.Text)
		for g := range grams[i] {
			df[g]++
		}
	}
	terms := make([]string, 0, len(df))
	for g, n := range df {
		if n >= cfg.MinDF {
			terms = append(terms, g)
		}
	}
	if len(terms) == 0 {
		return nil, fmt.Errorf("baseline: no n-gram occurs in %d or more training reports", cfg.MinDF)
	}
	sort.Slice(terms, func(i, j int) bool {
		if df[terms[i]] != df[terms[j]] {
			return df[terms[i]] > df[terms[j]]
		}
		return terms[i] < terms[j]
	})
	if len(terms) > cfg.MaxFeatures {
		terms = terms[:cfg.MaxFeatures]
	}
	slices.Sort(terms)
	vocab := make(map[string]int, len(terms))
	idf := make([]float64, len(terms))
	n := float64(len(examples))
	for i, g := range terms {
		vocab[g] = i
		idf[i] = math.Log((1+n)/(1+float64(df[g]))) + 1
	}
	grams = nil

	xs := make([][]feature, len(examples))
	for i, ex := range examples {
		xs[i] = vectorize(ex.Text, vocab, idf)
	}

	classWeight := make([]float64, k)
	for c := range k {
		classWeight[c] = 1
		if !cfg.NoRebalance && classCount[c] > 0 {
			classWeight[c] = n / (float64(k) * float64(classCount[c]))
		}
	}

	m := &Model{
		task: cfg.Task, labels: labels, vocab: vocab, terms: terms, idf: idf,
		weights: make([][]float64, k), bias: make([]float64, k), cfg: cfg,
	}
	g2 := make([][]float64, k) // AdaGrad accumulators
	for c := range k {
		m.weights[c] = make([]float64, len(terms))
		g2[c] = make([]float64, len(terms))
	}
	b2 := make([]float64, k)

	rng := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))
	order := make([]int, len(examples))
	for i := range order {
		order[i] = i
	}
	probs := make([]float64, k)
	const eps = 1e-8
	for epoch := 0; epoch < cfg.Epochs; epoch++ {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("baseline: training stopped at epoch %d: %w", epoch, err)
		}
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			x := xs[i]
			m.scores(x, probs)
			softmax(probs)
			w := classWeight[y[i]]
			for c := range k {
				g := probs[c]
				if c == y[i] {
					g -= 1
				}
				g *= w
				for _, f := range x {
					grad := g*f.value + cfg.L2*m.weights[c][f.index]
					g2[c][f.index] += grad * grad
					m.weights[c][f.index] -= cfg.LearningRate * grad / (math.Sqrt(g2[c][f.index]) + eps)
				}
				b2[c] += g * g
				m.bias[c] -= cfg.LearningRate * g / (math.Sqrt(b2[c]) + eps)
			}
		}
	}
	m.trainedOn = TrainingInfo{
		Examples: len(examples),
		Digest:   digest(examples),
		Seconds:  time.Since(start).Seconds(),
		Created:  time.Now().UTC().Truncate(time.Second),
	}
	return m, nil
}

// scores writes the class logits of x into out.
func (m *Model) scores(x []feature, out []float64) {
	for c := range m.weights {
		s := m.bias[c]
		wc := m.weights[c]
		for _, f := range x {
			s += wc[f.index] * f.value
		}
		out[c] = s
	}
}

func softmax(v []float64) {
	mx := math.Inf(-1)
	for _, x := range v {
		mx = max(mx, x)
	}
	var sum float64
	for i, x := range v {
		v[i] = math.Exp(x - mx)
		sum += v[i]
	}
	for i := range v {
		v[i] /= sum
	}
}

// Predict classifies one report.
func (m *Model) Predict(text string) Prediction { return m.predictCounts(ngrams(text)) }

// predictCounts classifies a text by its n-gram counts.
func (m *Model) predictCounts(counts map[string]int) Prediction {
	p := make([]float64, len(m.labels))
	m.scores(vectorizeCounts(counts, m.vocab, m.idf), p)
	softmax(p)
	best := 0
	for c := range p {
		if p[c] > p[best] {
			best = c
		}
	}
	out := Prediction{Label: m.labels[best].ID, LabelName: m.labels[best].Name, Probabilities: make(map[string]float64, len(p))}
	for c, v := range p {
		out.Probabilities[m.labels[c].Name] = v
	}
	return out
}

// PredictBatch classifies texts in order, checking ctx between reports.
func (m *Model) PredictBatch(ctx context.Context, texts []string) ([]Prediction, error) {
	out := make([]Prediction, len(texts))
	for i, t := range texts {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("baseline predict: %w", err)
		}
		out[i] = m.Predict(t)
	}
	return out, nil
}

// Labels returns the task's labels ordered by ID.
func (m *Model) Labels() []Label { return slices.Clone(m.labels) }

// Fits reports whether the model was trained for task with exactly these
// labels (in any order): a model saved for another task, or with other
// label ids or names, would answer in the wrong classes.
func (m *Model) Fits(task string, labels []Label) error {
	if m.task != "" && m.task != task {
		return fmt.Errorf("trained for task %q, not %q", m.task, task)
	}
	want := slices.Clone(labels)
	slices.SortFunc(want, func(a, b Label) int { return a.ID - b.ID })
	if !slices.Equal(m.labels, want) {
		return fmt.Errorf("labels %v do not match task %s labels %v", m.labels, task, want)
	}
	return nil
}

// Task returns the task the model was trained for.
func (m *Model) Task() string { return m.task }

// Features returns the vocabulary size.
func (m *Model) Features() int { return len(m.terms) }

// TrainedOn says what the model was trained on.
func (m *Model) TrainedOn() TrainingInfo { return m.trainedOn }

// digest identifies a training set: order-sensitive, like training itself.
func digest(examples []dataset.Example) string {
	h := sha256.New()
	for _, ex := range examples {
		fmt.Fprintf(h, "%d:%s\x00%d\x00%d:%s\x00", len(ex.ID), ex.ID, ex.Label, len(ex.Text), ex.Text)
	}
	return hex.EncodeToString(h.Sum(nil))
}
