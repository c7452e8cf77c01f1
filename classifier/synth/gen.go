package synth

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"unicode"
	"unicode/utf8"
)

// finding is one sentence of the findings section, with the organ it is
// about (used by the organ-by-organ structured style; "" = general).
type finding struct {
	organ string
	text  string
	ja    string // optional Japanese rendering of the same statement
	imp   string // optional short form for the impression (incidental findings)
	block bool   // a multi-line template block (synoptic report)
}

// report is a composed report before rendering. Every field holds English
// sentences; the renderer chooses headings, order, spelling and noise.
type report struct {
	indication []string
	technique  []string
	comparison string
	findings   []finding
	// keyFirst keeps findings[0:nKey] at the top (a procedure narrative
	// must not be shuffled below distractors).
	nKey       int
	impression []string
	// ja holds Japanese sentences saying what the key findings say; mixed
	// in for a fraction of reports. jaImpression, when set, may replace the
	// impression entirely.
	ja           []string
	jaIndication string
	jaImpression []string
	// irTechnique marks a procedure report: technique goes under
	// PROCEDURE-like headings.
	procedure bool
	// addendum, when set, is appended as an ADDENDUM after the impression;
	// its content is part of what decides the label.
	addendum []string
}

// style is how one report is written.
type style struct {
	headed     bool
	upperHead  bool
	headNL     bool // heading on its own line
	sectionSep string
	structured bool // organ-by-organ findings
	numbered   int  // 0 plain sentences, 1 "1.", 2 "1)", 3 "- "
	british    bool
	abbrev     float64
	typoRate   float64
	artefacts  bool
	ja         int // 0 none, 1 headings and some distractors, 2 + key sentences, 3 + Japanese impression, 4 mostly Japanese
	terse      bool
	verbose    bool
	long       bool // long organ-by-organ report (250-450 words)
	lower      bool // whole report lower-case (some RIS exports)
	upper      bool // whole report upper-case (old RIS)
	technique  bool
	comparison bool
	extracted  bool // sections' bodies only, as the pipeline feeds the model
	pipeline   bool // full text read by the pipeline's own section finder
	dialect    int  // dialectStandard, dialectJaEn, ...: habits of where the report was written
	// bullet marks dashed impression items (and structured findings lines
	// when bulletFindings).
	bullet         string
	bulletFindings bool
	decimalComma   bool // "3,2 cm"
	// Noise (off when noiseFree): run-on sentences (per sentence end), lower
	// case sentence starts, sloppy spacing.
	runOn     float64
	runHeads  bool // headings dictated into the text without colons
	caseNoise bool
	spacing   bool
}

// Dialects: English as radiologists of different countries write it. They
// change phrasing only ("is suspected.", "condition after", "s/o", "nil"),
// never what a sentence says.
const (
	dialectStandard = iota
	dialectJaEn     // English written by Japanese radiologists or translated from Japanese
	dialectGerman   // German habits translated ("condition after", "suspicion of")
	dialectIndian   // Indian habits ("s/o", "SOL", "kindly correlate")
	dialectAus      // Australian / NZ habits ("nil", "comment")
)

type gen struct {
	r         *rand.Rand
	task      string
	st        style
	noiseFree bool
	// keyText is the lower-case text of the key findings and impression,
	// so that distractors never contradict it.
	keyText string
	// proc is what the IR procedure being composed did (see irReport).
	proc *procInfo
	// soft restricts the soft-tissue biopsy targets (pancreas_procedure.go).
	soft softPick
	// shared draws unrelated presentations from one pool for every label
	// (Config.SharedPresentations, pancreas_context.go).
	shared bool
	// twin, when set, is the cancer a label-1 case type writes about in
	// place of pancreatic cancer (pancreas_course.go): the same report of
	// another organ's cancer, which the guide makes label 0.
	twin *twinCancer
}

func newGen(r *rand.Rand, task string, noiseFree bool) *gen {
	g := &gen{r: r, task: task, noiseFree: noiseFree}
	g.st = g.drawStyle()
	return g
}

func (g *gen) drawStyle() style {
	s := style{}
	s.headed = g.chance(0.72)
	s.upperHead = g.chance(0.65)
	s.headNL = g.chance(0.45)
	s.sectionSep = g.pickW([]string{"\n\n", "\n", " ", "\r\n"}, []float64{4, 4, 2, 0.5})
	s.structured = s.headed && g.chance(0.3)
	s.numbered = g.pickIntW([]float64{4, 3, 1.5, 1.5})
	s.british = g.chance(0.35)
	if g.chance(0.55) {
		s.abbrev = 0.2 + 0.7*g.r.Float64()
	}
	if !g.noiseFree && g.chance(0.3) {
		s.typoRate = 0.004 + 0.02*g.r.Float64()
	}
	s.artefacts = !g.noiseFree && g.chance(0.12)
	switch x := g.r.Float64(); {
	case x < 0.08:
		s.ja = 1
	case x < 0.15:
		s.ja = 2
	case x < 0.19:
		s.ja = 3
	case x < 0.21:
		s.ja = 4
	}
	s.terse = g.chance(0.22)
	s.verbose = !s.terse && g.chance(0.35)
	// Long reports list every organ, often with headings per organ.
	s.long = !s.terse && g.chance(0.16)
	if s.long {
		s.verbose = true
		s.structured = s.structured || (s.headed && g.chance(0.5))
	}
	switch x := g.r.Float64(); {
	case x < 0.03:
		s.lower = true
	case x < 0.06:
		s.upper = true
	}
	s.technique = g.chance(0.3)
	s.comparison = g.chance(0.45)
	// Most hospitals' reports are headed, so the pipeline usually hands the
	// model the extracted sections rather than the full text.
	s.extracted = s.headed && g.chance(0.5)
	s.pipeline = s.headed && !s.extracted && g.chance(0.4)
	s.bullet = g.pickW([]string{"- ", "• ", "* ", "> ", "· ", "-- "}, []float64{5, 2, 1, 0.3, 0.3, 0.3})
	s.bulletFindings = s.structured && g.chance(0.1)
	if !g.noiseFree {
		if g.chance(0.1) {
			s.runOn = 0.1 + 0.4*g.r.Float64()
		}
		s.caseNoise = g.chance(0.06)
		s.runHeads = s.headed && !s.extracted && g.chance(0.05)
		s.spacing = g.chance(0.08)
	}
	switch x := g.r.Float64(); {
	case x < 0.10:
		s.dialect = dialectJaEn
	case x < 0.16:
		s.dialect = dialectGerman
		s.british = true
		s.decimalComma = g.chance(0.5)
	case x < 0.23:
		s.dialect = dialectIndian
		s.british = true
	case x < 0.30:
		s.dialect = dialectAus
		s.british = true
	}
	return s
}

// ---- random helpers ----

func (g *gen) chance(p float64) bool { return g.r.Float64() < p }

// between returns an int in [lo, hi].
func (g *gen) between(lo, hi int) int {
	if hi <= lo {
		return lo
	}
	return lo + g.r.IntN(hi-lo+1)
}

func (g *gen) pick(xs ...string) string { return xs[g.r.IntN(len(xs))] }

func (g *gen) pickW(xs []string, w []float64) string { return xs[g.pickIntW(w)] }

func (g *gen) pickIntW(w []float64) int {
	t := 0.0
	for _, v := range w {
		t += v
	}
	x := g.r.Float64() * t
	for i, v := range w {
		x -= v
		if x < 0 {
			return i
		}
	}
	return len(w) - 1
}

// some returns k distinct items of xs in random order.
func (g *gen) some(k int, xs ...string) []string {
	idx := g.r.Perm(len(xs))
	if k > len(xs) {
		k = len(xs)
	}
	out := make([]string, k)
	for i := 0; i < k; i++ {
		out[i] = xs[idx[i]]
	}
	return out
}

// x expands a template: "{a|b|c}" picks one alternative (alternatives may
// nest and may be empty, "{| optional}" ), then tidies spacing.
func (g *gen) x(tpl string) string {
	out, _ := g.expand(tpl, 0)
	return tidy(out)
}

// xf is x over fmt.Sprintf(format, args...).
func (g *gen) xf(format string, args ...any) string { return g.x(fmt.Sprintf(format, args...)) }

// p expands a phrase used inside a sentence: like x, without capitalising.
func (g *gen) p(tpl string) string {
	out, _ := g.expand(tpl, 0)
	return tidyPhrase(out)
}

// pf is p over fmt.Sprintf(format, args...).
func (g *gen) pf(format string, args ...any) string { return g.p(fmt.Sprintf(format, args...)) }

// expand expands from position i until the end or an unmatched '}' / '|' at
// the current depth; returns the text and the position after it.
func (g *gen) expand(s string, i int) (string, int) {
	var b strings.Builder
	for i < len(s) {
		c := s[i]
		switch c {
		case '{':
			var alts []string
			j := i + 1
			for {
				alt, k := g.expandRaw(s, j)
				alts = append(alts, alt)
				if k >= len(s) {
					j = k
					break
				}
				if s[k] == '|' {
					j = k + 1
					continue
				}
				j = k + 1 // past '}'
				break
			}
			chosen := alts[g.r.IntN(len(alts))]
			sub, _ := g.expand(chosen, 0)
			b.WriteString(sub)
			i = j
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String(), i
}

// expandRaw returns the raw text of one alternative starting at i, up to the
// '|' or '}' closing it at depth 0.
func (g *gen) expandRaw(s string, i int) (string, int) {
	depth := 0
	start := i
	for i < len(s) {
		switch s[i] {
		case '{':
			depth++
		case '}':
			if depth == 0 {
				return s[start:i], i
			}
			depth--
		case '|':
			if depth == 0 {
				return s[start:i], i
			}
		}
		i++
	}
	return s[start:i], i
}

// tidy fixes the spacing and punctuation left by empty alternatives and
// capitalises the sentence.
func tidy(s string) string { return capFirst(tidyPhrase(s)) }

func tidyPhrase(s string) string {
	for _, p := range [][2]string{{"  ", " "}, {" ,", ","}, {" .", "."}, {",.", "."}, {"..", "."}, {" ;", ";"}, {"( ", "("}, {" )", ")"}, {",,", ","}} {
		for strings.Contains(s, p[0]) {
			s = strings.ReplaceAll(s, p[0], p[1])
		}
	}
	return dedupeWords(strings.TrimSpace(s))
}

// dedupeWords drops a word that repeats the one before it ("percutaneous
// percutaneous"), which slot filling can produce.
func dedupeWords(s string) string {
	if !strings.Contains(s, " ") {
		return s
	}
	words := strings.Split(s, " ")
	out := words[:1]
	for _, w := range words[1:] {
		prev := out[len(out)-1]
		if w != "" && strings.EqualFold(w, prev) && !unicode.IsDigit(rune(w[0])) {
			continue
		}
		out = append(out, w)
	}
	return strings.Join(out, " ")
}

func capFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError || !unicode.IsLower(r) {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// ---- measurements ----

// cm returns a size between lo and hi centimetres written in one of the many
// ways reports write sizes.
func (g *gen) cm(lo, hi float64) string {
	a := lo + (hi-lo)*g.r.Float64()
	b := a * (0.55 + 0.4*g.r.Float64())
	c := a * (0.6 + 0.4*g.r.Float64())
	x := "x"
	switch {
	case g.chance(0.15):
		x = "×"
	case g.chance(0.03):
		x = "X"
	}
	useMM := g.chance(0.4)
	f := func(v float64) string {
		if useMM {
			return fmt.Sprintf("%.0f", v*10)
		}
		return fmt.Sprintf("%.1f", v)
	}
	unit := " cm"
	if useMM {
		unit = " mm"
	}
	if g.chance(0.15) || g.st.dialect == dialectJaEn && g.chance(0.5) {
		unit = strings.TrimSpace(unit)
	}
	suffix := ""
	if g.chance(0.05) {
		suffix = g.pick(" in maximal dimension", " in axial dimension", " (axial)", " in greatest dimension", " (AP x TR)", " (long axis)")
	}
	prefix := ""
	if g.chance(0.03) {
		prefix = g.pick("~", "approx. ", "up to ")
	}
	var out string
	switch g.between(0, 8) {
	case 0, 1:
		out = f(a) + unit
	case 2, 3:
		out = f(a) + " " + x + " " + f(b) + unit
	case 4:
		out = f(a) + " " + x + " " + f(b) + " " + x + " " + f(c) + unit
		if g.chance(0.2) {
			suffix = g.pick(" (AP x TR x CC)", " (TR x AP x CC)", " (AP x LR x CC)")
		}
	case 5:
		out = f(a) + x + f(b) + unit
	case 6:
		// "3.2 cm x 2.1 cm"
		u := strings.TrimSpace(unit)
		out = f(a) + " " + u + " " + x + " " + f(b) + " " + u
	case 7:
		out = f(a) + " by " + f(b) + unit
	default:
		out = f(a) + x + f(b) + x + f(c) + unit
	}
	return prefix + out + suffix
}

// mm returns a whole number of millimetres.
func (g *gen) mm(lo, hi int) string {
	v := g.between(lo, hi)
	if g.chance(0.2) {
		return fmt.Sprintf("%.1f cm", float64(v)/10)
	}
	if g.chance(0.1) {
		return fmt.Sprintf("%dmm", v)
	}
	return fmt.Sprintf("%d mm", v)
}

// jaMM is a size as Japanese reports write it.
func (g *gen) jaMM(lo, hi int) string { return fmt.Sprintf("%dmm", g.between(lo, hi)) }

func (g *gen) date() string {
	y := g.between(2015, 2025)
	m := g.between(1, 12)
	d := g.between(1, 28)
	switch {
	case g.st.dialect == dialectGerman:
		return g.pick(fmt.Sprintf("%02d.%02d.%d", d, m, y), fmt.Sprintf("%d.%d.%d", d, m, y))
	case g.st.dialect == dialectJaEn:
		return g.pick(fmt.Sprintf("%d/%02d/%02d", y, m, d), fmt.Sprintf("%d.%d.%d", y, m, d), fmt.Sprintf("%d-%02d-%02d", y, m, d))
	case g.st.british:
		return g.pick(fmt.Sprintf("%02d/%02d/%d", d, m, y), fmt.Sprintf("%d %s %d", d, monthName(m), y), fmt.Sprintf("%d/%d/%d", d, m, y), fmt.Sprintf("%d-%s-%d", d, monthName(m)[:3], y))
	}
	return g.pick(fmt.Sprintf("%d/%d/%d", m, d, y), fmt.Sprintf("%d-%02d-%02d", y, m, d), fmt.Sprintf("%s %d, %d", monthName(m), d, y))
}

func monthName(m int) string {
	return [...]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}[m-1]
}

func (g *gen) monthsAgo() string {
	return g.pick(fmt.Sprintf("%d months ago", g.between(2, 18)), fmt.Sprintf("in %d", g.between(2012, 2024)), fmt.Sprintf("%d years ago", g.between(1, 8)), "last year")
}

// recently is a time in the last weeks (a new diagnosis, a fresh stent).
func (g *gen) recently() string {
	return g.pick("last week", "2 weeks ago", "3 weeks ago", "10 days ago", "on "+g.date(), "recently", "this month", "yesterday")
}

func (g *gen) age() string {
	a := g.between(38, 89)
	sex := g.pick("M", "F", "male", "female", "man", "woman")
	switch g.between(0, 3) {
	case 0:
		return fmt.Sprintf("%d%s", a, sex[:1])
	case 1:
		return fmt.Sprintf("%d-year-old %s", a, sex)
	case 2:
		return fmt.Sprintf("%d yo %s", a, sex)
	default:
		return fmt.Sprintf("%d y/o %s", a, sex)
	}
}

// comparisonLine says what the study was compared with.
func (g *gen) comparisonLine() string {
	if g.chance(0.25) {
		return g.pick("None.", "None available.", "No prior imaging.", "No previous studies for comparison.")
	}
	return g.xf("{CT abdomen and pelvis|CT abdomen/pelvis|CT chest, abdomen and pelvis|MRI abdomen|Prior CT|CT A/P|PET/CT|MRCP} {dated |from |of |}%s.", g.date())
}
