// Package synth generates labelled synthetic CT radiology reports for the
// radflag tasks, following ../shared/labeling-guide.md.
//
// No real reports or pretrained weights can be had, so the default models are
// trained only on this corpus and judged on real reports they never see. The
// generator therefore aims at breadth and realism rather than volume: every
// report is composed from many small interchangeable fragments with random
// slots (sizes, sites, hedges, treatments, distractor findings about other
// organs), rendered in one of many report styles, and every case type knows
// its own label, fixed by the guide's rules, so no generated text has an
// ambiguous label. See README.md for the list of case types.
package synth

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"sort"
	"strings"

	"github.com/radflag/radflag/classifier/dataset"
)

// Task names accepted by Generate.
const (
	TaskPancreas    = "pancreas"
	TaskIRProcedure = "ir_procedure"
)

// MaxN bounds one call: far more than a useful synthetic corpus, small enough
// that a typo in --n cannot exhaust memory.
const MaxN = 2_000_000

// Balance says how labels are distributed over the generated examples.
type Balance string

const (
	// BalanceEven gives every label of the task the same share (± 1).
	BalanceEven Balance = "even"
	// BalanceWeighted draws case types by their weights, so labels follow
	// the case mix (a rougher, less even distribution).
	BalanceWeighted Balance = "weighted"
)

// Config selects what Generate produces.
type Config struct {
	Task    string  // TaskPancreas or TaskIRProcedure
	N       int     // number of examples, 1..MaxN
	Seed    int64   // same seed, same corpus
	Balance Balance // "" means BalanceEven
	// NoiseFree turns off typos and dictation artefacts (used by tests that
	// check label cues in the text; the corpus itself keeps them).
	NoiseFree bool
	// SharedPresentations draws the unrelated reasons for a pancreas CT (a
	// PE, a fracture, a stone) from one pool for all three labels and adds
	// three case types that use it (pancreas_context.go). Off by default: the
	// shipped pancreas model was trained on the corpus without it, and a
	// model trained with it did not score higher on dev (BENCHMARKS.md).
	SharedPresentations bool
	// SharedTreatment adds two label-0 pancreas case types in which a
	// cancer of another organ is on or after treatment, written in the words
	// of a treated pancreatic cancer's course (regimens, response, local
	// recurrence in a surgical bed: pancreas_course.go). Off by default: the
	// models trained with it scored lower on dev (BENCHMARKS.md).
	SharedTreatment bool
}

// caseOptions are the Config switches that add case types.
type caseOptions struct{ presentations, treatment bool }

// Generate returns n labelled reports for task, deterministic for a seed,
// with labels evenly balanced.
func Generate(task string, n int, seed int64) ([]dataset.Example, error) {
	return GenerateConfig(Config{Task: task, N: n, Seed: seed})
}

// Labels returns the label numbers and names of a task, as in the guide.
func Labels(task string) (map[int]string, error) {
	switch task {
	case TaskPancreas:
		return map[int]string{0: "none", 1: "post_treatment", 2: "pretreatment"}, nil
	case TaskIRProcedure:
		return map[int]string{1: "drainage", 2: "soft_tissue_biopsy", 3: "lung_biopsy", 4: "bone_biopsy"}, nil
	}
	return nil, fmt.Errorf("unknown task %q (want %s or %s)", task, TaskPancreas, TaskIRProcedure)
}

// CaseInfo describes one case type of the generator.
type CaseInfo struct {
	Name        string
	Label       int
	Description string
}

// Cases lists the case types of a task, in a stable order.
func Cases(task string) ([]CaseInfo, error) {
	cs, err := casesFor(task, caseOptions{presentations: true, treatment: true})
	if err != nil {
		return nil, err
	}
	out := make([]CaseInfo, len(cs))
	for i, c := range cs {
		out[i] = CaseInfo{Name: c.name, Label: c.label, Description: c.desc}
	}
	return out, nil
}

// caseType is one kind of report whose label the guide fixes. build composes
// a report from random fragments; whatever it draws, the label stays right.
type caseType struct {
	name   string
	label  int
	weight float64
	desc   string
	build  func(g *gen) *report
}

// casesFor lists the task's case types, with the pancreas case types that
// Config.SharedPresentations and Config.SharedTreatment add.
func casesFor(task string, o caseOptions) ([]caseType, error) {
	switch task {
	case TaskPancreas:
		return pancreasCases(o), nil
	case TaskIRProcedure:
		return irCases(), nil
	}
	return nil, fmt.Errorf("unknown task %q (want %s or %s)", task, TaskPancreas, TaskIRProcedure)
}

// GenerateConfig is Generate with all options.
func GenerateConfig(cfg Config) ([]dataset.Example, error) {
	cases, err := casesFor(cfg.Task, caseOptions{presentations: cfg.SharedPresentations, treatment: cfg.SharedTreatment})
	if err != nil {
		return nil, err
	}
	if cfg.N < 1 || cfg.N > MaxN {
		return nil, fmt.Errorf("n must be between 1 and %d, got %d", MaxN, cfg.N)
	}
	switch cfg.Balance {
	case "":
		cfg.Balance = BalanceEven
	case BalanceEven, BalanceWeighted:
	default:
		return nil, fmt.Errorf("unknown balance %q (want %s or %s)", cfg.Balance, BalanceEven, BalanceWeighted)
	}
	r := rand.New(rand.NewPCG(uint64(cfg.Seed), 0x7261646661676c))
	plan := planCases(r, cases, cfg.N, cfg.Balance)

	width := 6
	if d := len(fmt.Sprint(cfg.N - 1)); d > width {
		width = d
	}
	out := make([]dataset.Example, 0, cfg.N)
	seen := make(map[uint64]bool, cfg.N)
	for i, c := range plan {
		var text string
		// A few retries keep exact duplicates (likely only for terse cases)
		// from over-weighting one text.
		for try := 0; try < 8; try++ {
			text = renderCase(r, c, cfg.Task, cfg.NoiseFree, cfg.SharedPresentations)
			h := fnv.New64a()
			h.Write([]byte(text))
			if k := h.Sum64(); !seen[k] {
				seen[k] = true
				break
			}
		}
		out = append(out, dataset.Example{
			ID:    fmt.Sprintf("synth-%s-%0*d", cfg.Task, width, i),
			Text:  text,
			Label: c.label,
		})
	}
	return out, nil
}

// GenerateCase returns n reports of one named case type (for tests and for
// inspecting what a case looks like), drawn as with SharedPresentations, and
// with every optional case type on offer.
func GenerateCase(task, name string, n int, seed int64, noiseFree bool) ([]dataset.Example, error) {
	cases, err := casesFor(task, caseOptions{presentations: true, treatment: true})
	if err != nil {
		return nil, err
	}
	if n < 1 || n > MaxN {
		return nil, fmt.Errorf("n must be between 1 and %d, got %d", MaxN, n)
	}
	for _, c := range cases {
		if c.name != name {
			continue
		}
		r := rand.New(rand.NewPCG(uint64(seed), 0x636173650a))
		out := make([]dataset.Example, n)
		for i := range out {
			out[i] = dataset.Example{
				ID:    fmt.Sprintf("synth-%s-%s-%06d", task, name, i),
				Text:  renderCase(r, c, task, noiseFree, true),
				Label: c.label,
			}
		}
		return out, nil
	}
	return nil, errors.New("unknown case type " + name)
}

// planCases chooses the case type of every example. Even balance deals
// labels round-robin in a shuffled order, then draws a case of that label by
// weight.
func planCases(r *rand.Rand, cases []caseType, n int, b Balance) []caseType {
	byLabel := map[int][]caseType{}
	var labels []int
	for _, c := range cases {
		if _, ok := byLabel[c.label]; !ok {
			labels = append(labels, c.label)
		}
		byLabel[c.label] = append(byLabel[c.label], c)
	}
	sort.Ints(labels)
	plan := make([]caseType, n)
	if b == BalanceWeighted {
		for i := range plan {
			plan[i] = pickWeighted(r, cases)
		}
		return plan
	}
	for i := range plan {
		l := labels[i%len(labels)]
		plan[i] = pickWeighted(r, byLabel[l])
	}
	r.Shuffle(len(plan), func(i, j int) { plan[i], plan[j] = plan[j], plan[i] })
	return plan
}

func pickWeighted(r *rand.Rand, cs []caseType) caseType {
	total := 0.0
	for _, c := range cs {
		total += c.weight
	}
	x := r.Float64() * total
	for _, c := range cs {
		x -= c.weight
		if x < 0 {
			return c
		}
	}
	return cs[len(cs)-1]
}

func renderCase(r *rand.Rand, c caseType, task string, noiseFree, shared bool) string {
	g := newGen(r, task, noiseFree)
	g.shared = shared
	rep := c.build(g)
	return g.render(rep)
}

// Validate reports whether every example has a label of the task; train and
// tests use it on generated or hand-written files.
func Validate(task string, exs []dataset.Example) error {
	labels, err := Labels(task)
	if err != nil {
		return err
	}
	for _, e := range exs {
		if _, ok := labels[e.Label]; !ok {
			return fmt.Errorf("example %s: label %d is not a label of %s", e.ID, e.Label, task)
		}
		if strings.TrimSpace(e.Text) == "" {
			return fmt.Errorf("example %s: empty text", e.ID)
		}
	}
	return nil
}
