package classifier

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/knights-analytics/hugot"
	"github.com/knights-analytics/hugot/backends"
	"github.com/knights-analytics/hugot/options"
	"github.com/knights-analytics/hugot/pipelines"
	"github.com/knights-analytics/hugot/util/vectorutil"

	"github.com/radflag/radflag/classifier/baseline"
	"github.com/radflag/radflag/classifier/gemm"
	"github.com/radflag/radflag/classifier/tokenizer"
	"github.com/radflag/radflag/models"
)

// Config configures Load.
type Config struct {
	Task      Task
	BatchSize int    // texts per model call; default 32
	MaxTokens int    // default: the model's max_position_embeddings (at most 512)
	Evidence  bool   // compute evidence sentences with each prediction
	CacheDir  string // where built-in models are extracted; default: user cache dir
	// MaxEvidenceSentences bounds the sentences scored per text (the
	// longest are kept); default 24.
	MaxEvidenceSentences int
	// TopEvidence is how many evidence sentences a prediction keeps; default 3.
	TopEvidence int
	// EvidenceScreen bounds the occlusion runs per text. When a text has
	// more sentences the model sees than this, each is first scored on its
	// own (a short row, a fraction of a full one) and only this many, those
	// rated highest for the predicted class alone, are removed in turn.
	// Default 2 × TopEvidence; negative: remove every sentence in turn.
	EvidenceScreen int
	// TransformerOnly ignores the model directory's n-gram companion (see
	// Ensemble): the transformer's answers alone, as before the companion
	// was added, under the transformer's own version and digest.
	TransformerOnly bool
}

// ModelInfo identifies a loaded model.
type ModelInfo struct {
	Task    string `json:"task"`
	Name    string `json:"name"`
	Version string `json:"version"`
	// Digest is the sha256 of model.onnx, hex; with an n-gram companion, a
	// digest of the pair (ensembleDigest).
	Digest       string `json:"digest"`
	Architecture string `json:"architecture"`
	Dir          string `json:"dir"`
	MaxTokens    int    `json:"max_tokens"`
	// Companion describes the n-gram companion in use, "" when none.
	Companion string `json:"companion,omitempty"`
}

// Prediction is the answer for one text.
type Prediction struct {
	Label         int                `json:"label"`
	LabelName     string             `json:"label_name"`
	Probabilities map[string]float64 `json:"probabilities"`
	Evidence      []Evidence         `json:"evidence,omitempty"`
}

// Evidence is a sentence that drove a prediction.
type Evidence struct {
	Sentence string  `json:"sentence"`
	Start    int     `json:"start"` // byte offsets in the input text
	End      int     `json:"end"`
	Weight   float64 `json:"weight"` // drop of the predicted class's probability when the sentence is removed
}

// Model is a loaded classifier. It is safe for concurrent use; concurrent
// calls run at once (see mu).
type Model struct {
	cfg      Config
	info     ModelInfo
	labelIdx []int // labelIdx[i]: index into Task.Labels of hugot class i
	names    []string
	tk       *tokenizer.Tokenizer
	// mu guards session and pipe against Close. Model calls share it: the
	// Go backend runs concurrent executions of a compiled graph, each with
	// its own buffers, so calls from several goroutines overlap (a worker
	// classifying two batches at once keeps both cores busy through the
	// model's single-threaded ops).
	mu      sync.RWMutex
	session *hugot.Session
	pipe    *pipelines.TextClassificationPipeline
	// seqBuckets are the sequence lengths hugot pads a batch to.
	seqBuckets []int
	// ng is the n-gram companion, nil when none (or TransformerOnly).
	ng *companion
}

// maxTextBytes bounds one input text; reports are a few KiB.
const maxTextBytes = 1 << 20

// Load opens the task's model directory (or the built-in default) and
// checks that it fits the task before anyone relies on it.
func Load(ctx context.Context, cfg Config) (*Model, error) {
	task := cfg.Task
	if err := task.Validate(); err != nil {
		return nil, err
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 32
	}
	if cfg.MaxEvidenceSentences <= 0 {
		cfg.MaxEvidenceSentences = 24
	}
	if cfg.TopEvidence <= 0 {
		cfg.TopEvidence = 3
	}
	if cfg.EvidenceScreen == 0 {
		cfg.EvidenceScreen = 2 * cfg.TopEvidence
	}
	dir := task.ModelDir
	if dir == "" {
		d, err := models.Extract(task.Name, cfg.CacheDir)
		if err != nil {
			return nil, fmt.Errorf("task %s: built-in model: %w", task.Name, err)
		}
		dir = d
	}
	m, err := open(ctx, cfg, dir)
	if err != nil {
		return nil, fmt.Errorf("load model %s for task %s: %w", dir, task.Name, err)
	}
	return m, nil
}

func open(ctx context.Context, cfg Config, dir string) (*Model, error) {
	task := cfg.Task
	for _, f := range []string{"model.onnx", "config.json", "tokenizer.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			return nil, fmt.Errorf("model directory needs %s: %w", f, err)
		}
	}
	var hf struct {
		ID2Label     map[string]string `json:"id2label"`
		MaxPositions int               `json:"max_position_embeddings"`
		ModelType    string            `json:"model_type"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &hf); err != nil {
		return nil, fmt.Errorf("parse config.json: %w", err)
	}
	if len(hf.ID2Label) != len(task.Labels) {
		return nil, fmt.Errorf("config.json id2label has %d labels but task %s has %d", len(hf.ID2Label), task.Name, len(task.Labels))
	}
	man, err := readManifest(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		man = nil // a model brought by a site: config.json alone names its labels
	case err != nil:
		return nil, err
	default:
		if man.Task != "" && man.Task != task.Name {
			return nil, fmt.Errorf("radflag.json is for task %q, not %q", man.Task, task.Name)
		}
		if len(man.Labels) != len(task.Labels) {
			return nil, fmt.Errorf("radflag.json has %d labels but config.json id2label has %d and task %s has %d",
				len(man.Labels), len(hf.ID2Label), task.Name, len(task.Labels))
		}
		for i, l := range man.Labels {
			if l != task.Labels[i] {
				return nil, fmt.Errorf("radflag.json label %d is %d %q, task %s says %d %q", i, l.ID, l.Name, task.Name, task.Labels[i].ID, task.Labels[i].Name)
			}
		}
	}
	// Map hugot's classes to task labels: by name when config.json uses the
	// task's names, else by position.
	names := make([]string, len(task.Labels))
	labelIdx := make([]int, len(task.Labels))
	byName := true
	for k, v := range hf.ID2Label {
		i, err := strconv.Atoi(k)
		if err != nil || i < 0 || i >= len(task.Labels) {
			return nil, fmt.Errorf("config.json id2label key %q is not a class index below %d", k, len(task.Labels))
		}
		names[i] = v
		if task.index(labelIDByName(task, v)) < 0 {
			byName = false
		}
	}
	for i := range names {
		labelIdx[i] = i
		if byName {
			labelIdx[i] = task.index(labelIDByName(task, names[i]))
		}
	}
	maxTokens := cfg.MaxTokens
	if hf.MaxPositions > 0 && (maxTokens <= 0 || maxTokens > hf.MaxPositions) {
		maxTokens = hf.MaxPositions
	}
	if maxTokens <= 0 || maxTokens > 512 {
		maxTokens = 512
	}
	tj, err := os.ReadFile(filepath.Join(dir, "tokenizer.json"))
	if err != nil {
		return nil, err
	}
	tk, err := tokenizer.New(tj)
	if err != nil {
		return nil, err
	}
	digest, err := fileSHA256(filepath.Join(dir, "model.onnx"))
	if err != nil {
		return nil, err
	}
	// Pad batches and lengths to a few bucket sizes: without buckets hugot's
	// Go backend compiles and keeps a graph for every distinct shape it
	// meets, without bound. Padding is masked, so results do not change.
	var batchBuckets, seqBuckets []int
	for b := 1; ; b *= 2 {
		if b >= cfg.BatchSize {
			batchBuckets = append(batchBuckets, cfg.BatchSize)
			break
		}
		batchBuckets = append(batchBuckets, b)
	}
	// 16 first: evidence screening scores single sentences, most of which
	// fit it, and a row padded to 16 tokens costs less than one padded to 32.
	seqBuckets = append(seqBuckets, min(16, maxTokens))
	for s := 32; maxTokens > 16; s += 32 {
		if s >= maxTokens {
			seqBuckets = append(seqBuckets, maxTokens)
			break
		}
		seqBuckets = append(seqBuckets, s)
	}
	gemm.Install() // before hugot creates its "go" backend: matmuls on the AVX2 kernel
	session, err := hugot.NewGoSession(ctx, options.WithGoMLXBatchBuckets(batchBuckets), options.WithGoMLXSequenceBuckets(seqBuckets))
	if err != nil {
		return nil, fmt.Errorf("start hugot session: %w", err)
	}
	pipe, err := hugot.NewPipeline(session, hugot.TextClassificationConfig{
		ModelPath: dir,
		Name:      task.Name,
		Options:   []hugot.TextClassificationOption{pipelines.WithMultiLabel(), pipelines.WithSoftmax()},
	})
	if err != nil {
		_ = session.Destroy()
		if strings.Contains(err.Error(), "id2label") {
			return nil, fmt.Errorf("config.json id2label does not match the model's logits: %w", err)
		}
		return nil, fmt.Errorf("load model.onnx: %w", err)
	}
	info := ModelInfo{Task: task.Name, Name: filepath.Base(dir), Digest: digest, Architecture: hf.ModelType, Dir: dir, MaxTokens: maxTokens}
	var ng *companion
	if man != nil {
		if man.Name != "" {
			info.Name = man.Name
		}
		info.Version = man.Version
		if e := man.Ensemble; e != nil {
			if cfg.TransformerOnly {
				info.Version = e.Transformer
			} else {
				c, cd, err := loadCompanion(dir, task, e)
				if err != nil {
					_ = session.Destroy()
					return nil, err
				}
				ng = c
				info.Digest = ensembleDigest(digest, cd, e.Weight)
				info.Companion = fmt.Sprintf("n-gram LR, %d n-grams, weight %g", e.Features, e.Weight)
			}
		}
		if man.Architecture.Type != "" {
			info.Architecture = fmt.Sprintf("%s L%d H%d A%d F%d", man.Architecture.Type, man.Architecture.Layers,
				man.Architecture.Hidden, man.Architecture.Heads, man.Architecture.FFN)
		}
	}
	if info.Version == "" {
		info.Version = digest[:12]
	}
	return &Model{cfg: cfg, info: info, labelIdx: labelIdx, names: names, tk: tk, session: session, pipe: pipe, seqBuckets: seqBuckets, ng: ng}, nil
}

func labelIDByName(t Task, name string) int {
	for _, l := range t.Labels {
		if l.Name == name {
			return l.ID
		}
	}
	return -1 << 31
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Info describes the loaded model.
func (m *Model) Info() ModelInfo { return m.info }

// Task is the model's task.
func (m *Model) Task() Task { return m.cfg.Task }

// Close releases the model.
func (m *Model) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.session == nil {
		return nil
	}
	err := m.session.Destroy()
	m.session, m.pipe = nil, nil
	return err
}

// Predict classifies texts, in batches of Config.BatchSize.
func (m *Model) Predict(ctx context.Context, texts []string) ([]Prediction, error) {
	for i, t := range texts {
		if len(t) > maxTextBytes {
			return nil, fmt.Errorf("text %d is %d bytes, limit %d", i, len(t), maxTextBytes)
		}
	}
	probs, err := m.probabilities(ctx, texts)
	if err != nil {
		return nil, err
	}
	out := make([]Prediction, len(texts))
	for i, p := range probs {
		out[i] = m.prediction(p)
	}
	if m.cfg.Evidence {
		for i := range out {
			ev, err := m.evidence(ctx, texts[i], probs[i])
			if err != nil {
				return nil, err
			}
			out[i].Evidence = ev
		}
	}
	return out, nil
}

// Explain returns the evidence sentences for one text's prediction. The
// text itself runs in the same model call as its perturbed copies: a call of
// its own would cost about as much as several more rows.
func (m *Model) Explain(ctx context.Context, text string) ([]Evidence, error) {
	if len(text) > maxTextBytes {
		return nil, fmt.Errorf("text is %d bytes, limit %d", len(text), maxTextBytes)
	}
	return m.evidence(ctx, text, nil)
}

func (m *Model) prediction(p []float64) Prediction {
	l := m.cfg.Task.Labels[argmax(p)]
	pr := Prediction{Label: l.ID, LabelName: l.Name, Probabilities: map[string]float64{}}
	for i, v := range p {
		pr.Probabilities[m.cfg.Task.Labels[i].Name] = v
	}
	return pr
}

// probabilities returns, per text, probabilities in task label order.
//
// It tokenises each text once (tokenizer.FitIDs gives the ids hugot's own
// tokenizer would for the fitted text) and hands hugot ready input tensors,
// rather than fitted strings that hugot would tokenise again. The texts run
// shortest first, in groups planned by planBatches, since hugot pads a
// batch to its longest text; results go back in the caller's order.
//
// With an n-gram companion, each text's probabilities are the mix of the
// transformer's on the fitted text and the companion's on the whole text.
func (m *Model) probabilities(ctx context.Context, texts []string) ([][]float64, error) {
	seqs := make([][]int, len(texts))
	for i, t := range texts {
		_, seqs[i] = m.tk.FitIDs(t, m.info.MaxTokens)
	}
	out, err := m.probabilitiesIDs(ctx, seqs)
	if err != nil || m.ng == nil {
		return out, err
	}
	for i, t := range texts {
		out[i] = m.ng.mix(out[i], m.ng.probs(t))
	}
	return out, nil
}

// probabilitiesIDs is probabilities for texts already fitted and encoded.
func (m *Model) probabilitiesIDs(ctx context.Context, seqs [][]int) ([][]float64, error) {
	order := make([]int, len(seqs))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return len(seqs[order[a]]) < len(seqs[order[b]]) })
	lens := make([]int, len(order))
	for i, o := range order {
		lens[i] = len(seqs[o])
	}
	out := make([][]float64, len(seqs))
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.pipe == nil {
		return nil, errors.New("model is closed")
	}
	lo := 0
	for _, n := range planBatches(lens, m.cfg.BatchSize, m.seqBuckets) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		hi := lo + n
		group := make([][]int, n)
		for j := range group {
			group[j] = seqs[order[lo+j]]
		}
		logits, err := m.run(ctx, group)
		if err != nil {
			return nil, fmt.Errorf("run model on %d texts: %w", n, err)
		}
		for j, row := range logits {
			if len(row) != len(m.cfg.Task.Labels) {
				return nil, fmt.Errorf("model returned %d classes, task has %d", len(row), len(m.cfg.Task.Labels))
			}
			p := make([]float64, len(row))
			for i, v := range vectorutil.SoftMax(row) { // what hugot's WithSoftmax applies
				p[m.labelIdx[i]] = float64(v)
			}
			out[order[lo+j]] = p
		}
		lo = hi
	}
	return out, nil
}

// run feeds hugot's Go backend one batch of token ids, as its text
// classification pipeline would after tokenising (type ids 0, attention
// mask 1, padded to the batch's longest sequence by CreateInputTensors),
// and returns the logits.
func (m *Model) run(ctx context.Context, seqs [][]int) (_ [][]float32, err error) {
	batch := backends.NewBatch(len(seqs))
	defer func() { err = errors.Join(err, batch.Destroy()) }()
	batch.Input = make([]backends.TokenizedInput, len(seqs))
	longest := 0
	for i, ids := range seqs {
		tok := make([]uint32, len(ids))
		mask := make([]uint32, len(ids))
		for j, id := range ids {
			tok[j], mask[j] = uint32(id), 1
		}
		batch.Input[i] = backends.TokenizedInput{
			TokenIDs: tok, TypeIDs: make([]uint32, len(ids)), AttentionMask: mask, MaxAttentionIndex: len(ids) - 1,
		}
		longest = max(longest, len(ids))
	}
	batch.MaxSequenceLength = longest
	if err := backends.CreateInputTensors(batch, m.pipe.Model, m.pipe.Runtime); err != nil {
		return nil, err
	}
	if err := backends.RunSessionOnBatch(ctx, batch, m.pipe.BasePipeline); err != nil {
		return nil, err
	}
	if len(batch.OutputValues) == 0 {
		return nil, errors.New("model gave no output")
	}
	logits, ok := batch.OutputValues[0].([][]float32)
	if !ok || len(logits) != len(seqs) {
		return nil, fmt.Errorf("model output is %T, want %d rows of logits", batch.OutputValues[0], len(seqs))
	}
	return logits, nil
}

// planBatches splits texts sorted by token count (lens, ascending) into
// consecutive groups of at most maxBatch, returning the group sizes. Each
// group costs what hugot runs for it: its size rounded up to a power of
// two (the batch buckets Load configures) times its longest text rounded
// up to a sequence bucket, so a few long texts no longer pad a whole batch
// of short ones, while groups are not split so small that per-call
// overhead dominates.
func planBatches(lens []int, maxBatch int, seqBuckets []int) []int {
	n := len(lens)
	if n == 0 {
		return nil
	}
	bucket := func(l int) int {
		for _, b := range seqBuckets {
			if l <= b {
				return b
			}
		}
		return l
	}
	batchBucket := func(k int) int {
		b := 1
		for b < k {
			b *= 2
		}
		return min(b, maxBatch)
	}
	// best[i]: cost of the first i texts; cut[i]: size of the last group.
	best := make([]float64, n+1)
	cut := make([]int, n+1)
	for i := 1; i <= n; i++ {
		best[i] = math.Inf(1)
		for k := 1; k <= min(maxBatch, i); k++ {
			c := best[i-k] + batchCost(batchBucket(k), bucket(lens[i-1]))
			if c < best[i] {
				best[i], cut[i] = c, k
			}
		}
	}
	var sizes []int
	for i := n; i > 0; i -= cut[i] {
		sizes = append(sizes, cut[i])
	}
	slices.Reverse(sizes)
	return sizes
}

// batchCost estimates the CPU time of one model call on rows×seq tokens, in
// units of one token's share of a short batch: the per-token work grows
// with the sequence (attention: its products and softmax), plus a fixed
// cost per call. Fitted to CPU time per batch of the shipped architecture
// (hidden 128, 2 layers, 4 heads, FFN 256) on the 2-core benchmark machine:
// about 49 µs a token at 32 tokens, 73 µs at 128, and 1–2 ms more a call
// for the smallest batches. Through Predict, groups of one or two texts
// cost more than that (hugot's tensors, a compiled graph and buffers per
// shape): a call is charged 400 tokens (about 16 ms), so texts are split
// off only to save a few rows of padding at the longest bucket or many
// rows of a shorter one.
func batchCost(rows, seq int) float64 {
	const (
		perCall = 400.0       // tokens' worth of fixed cost per call: see below
		attnPer = 1.0 / 163.0 // growth of a token's cost per token of sequence
	)
	return perCall + float64(rows*seq)*(1+float64(seq)*attnPer)
}

// evidence scores each sentence by how much the predicted class's
// probability drops when it is removed, and keeps the top ones. probs are
// the text's own probabilities, or nil to compute them in the same call.
//
// A sentence whose removal leaves the model's input unchanged (it lies in
// the part of a long report that Fit cuts out) costs no model run: for the
// transformer alone it scores exactly 0, and only sentences the model can
// see are scored, the cap on scored sentences applying to those. For long
// reports this is most of the cost of explaining a flag.
//
// With an n-gram companion the weights are drops of the mixed probability.
// The companion reads the whole text, so a sentence the transformer does
// not see still moves it: such a sentence weighs the companion's share of
// the drop, w·(p_ngram(text) − p_ngram(text without it)).
func (m *Model) evidence(ctx context.Context, text string, probs []float64) ([]Evidence, error) {
	sents := SplitSentences(text)
	if len(sents) == 0 {
		return nil, nil
	}
	_, base := m.tk.FitIDs(text, m.info.MaxTokens)
	var seen, unseen []occlusion
	for _, s := range sents {
		_, ids := m.tk.FitIDs(without(text, s), m.info.MaxTokens)
		if slices.Equal(ids, base) {
			unseen = append(unseen, occlusion{s, nil})
		} else {
			seen = append(seen, occlusion{s, ids})
		}
	}
	seen = longest(seen, m.cfg.MaxEvidenceSentences)
	var ngText []float64 // the companion's reading of the whole text
	var occ *baseline.Occlusion
	if m.ng != nil {
		// Read once; each sentence's removal then costs its neighbourhood.
		occ = m.ng.m.Occlude(text)
		ngText = m.ng.order(occ.Predict())
	}
	if k := m.cfg.EvidenceScreen; k > 0 && len(seen) > k {
		var err error
		if seen, probs, err = m.screen(ctx, text, base, probs, ngText, seen, k); err != nil {
			return nil, err
		}
	}
	seqs := make([][]int, 0, len(seen)+1)
	for _, c := range seen {
		seqs = append(seqs, c.ids)
	}
	if probs == nil {
		seqs = append(seqs, base)
	}
	pp, err := m.probabilitiesIDs(ctx, seqs)
	if err != nil {
		return nil, fmt.Errorf("evidence: %w", err)
	}
	if probs == nil {
		probs = pp[len(seen)]
		if m.ng != nil {
			probs = m.ng.mix(probs, ngText)
		}
	}
	pred := argmax(probs)
	ev := make([]Evidence, 0, len(seen)+len(unseen))
	for i, c := range seen {
		p := pp[i]
		if m.ng != nil {
			p = m.ng.mix(p, m.ng.order(occ.Without(c.s.Start, c.s.End)))
		}
		ev = append(ev, Evidence{Sentence: text[c.s.Start:c.s.End], Start: c.s.Start, End: c.s.End, Weight: probs[pred] - p[pred]})
	}
	if m.ng != nil {
		// Bounded like the transformer's share: a huge text has no more
		// sentences scored than the cap; the rest weigh 0.
		unseen = longest(unseen, m.cfg.MaxEvidenceSentences)
	}
	for _, c := range unseen {
		e := Evidence{Sentence: text[c.s.Start:c.s.End], Start: c.s.Start, End: c.s.End}
		if m.ng != nil {
			e.Weight = m.ng.weight * (ngText[pred] - m.ng.order(occ.Without(c.s.Start, c.s.End))[pred])
		}
		ev = append(ev, e)
	}
	sort.SliceStable(ev, func(i, j int) bool { return ev[i].Weight > ev[j].Weight })
	keep := 0
	for keep < len(ev) && keep < m.cfg.TopEvidence && (ev[keep].Weight > 0 || keep == 0) {
		keep++
	}
	return ev[:keep], nil
}

// without is text with the sentence s taken out.
func without(text string, s Span) string { return text[:s.Start] + " " + text[s.End:] }

// longest keeps the n longest sentences of cs (all when n is larger), in
// text order.
func longest(cs []occlusion, n int) []occlusion {
	if len(cs) <= n {
		return cs
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].s.End-cs[i].s.Start > cs[j].s.End-cs[j].s.Start })
	cs = cs[:n]
	sort.Slice(cs, func(i, j int) bool { return cs[i].s.Start < cs[j].s.Start })
	return cs
}

// occlusion is a sentence of a text and the fitted ids of the text without it.
type occlusion struct {
	s   Span
	ids []int
}

// screen keeps the k sentences of seen that the model, reading each on its
// own, rates highest for the text's predicted class, in text order. Scoring
// a sentence alone costs a row of a few dozen tokens where its occlusion
// costs a full one: a long report's evidence takes about two thirds of the
// time of removing every sentence in turn (BenchmarkExplain). It returns the text's
// probabilities too, computed in the same call when probs is nil (mixed
// with ngText, the companion's reading of the text, when there is one).
func (m *Model) screen(ctx context.Context, text string, base []int, probs, ngText []float64, seen []occlusion, k int) ([]occlusion, []float64, error) {
	seqs := make([][]int, 0, len(seen)+1)
	for _, c := range seen {
		_, ids := m.tk.FitIDs(text[c.s.Start:c.s.End], m.info.MaxTokens)
		seqs = append(seqs, ids)
	}
	if probs == nil {
		seqs = append(seqs, base)
	}
	pp, err := m.probabilitiesIDs(ctx, seqs)
	if err != nil {
		return nil, nil, fmt.Errorf("evidence screen: %w", err)
	}
	if probs == nil {
		probs = pp[len(seen)]
		if m.ng != nil {
			probs = m.ng.mix(probs, ngText)
		}
	}
	if m.ng != nil {
		// Rank by the pair's reading of each sentence alone, as the answer.
		for i, c := range seen {
			pp[i] = m.ng.mix(pp[i], m.ng.probs(text[c.s.Start:c.s.End]))
		}
	}
	pred := argmax(probs)
	idx := make([]int, len(seen))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return pp[idx[a]][pred] > pp[idx[b]][pred] })
	idx = idx[:k]
	sort.Ints(idx)
	kept := make([]occlusion, len(idx))
	for i, j := range idx {
		kept[i] = seen[j]
	}
	return kept, probs, nil
}

func argmax(p []float64) int {
	best := 0
	for i := range p {
		if p[i] > p[best] {
			best = i
		}
	}
	return best
}
