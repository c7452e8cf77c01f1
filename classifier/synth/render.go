package synth

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

var organOrder = []string{"", "liver", "biliary", "gallbladder", "pancreas", "spleen", "adrenals", "kidneys", "bowel", "vessels", "nodes", "peritoneum", "pelvis", "lungs", "bones", "soft tissues"}

var organHeading = map[string][]string{
	"liver":        {"Liver", "LIVER", "Hepatic"},
	"biliary":      {"Biliary", "Bile ducts", "BILIARY"},
	"gallbladder":  {"Gallbladder", "GALLBLADDER"},
	"pancreas":     {"Pancreas", "PANCREAS"},
	"spleen":       {"Spleen", "SPLEEN"},
	"adrenals":     {"Adrenals", "Adrenal glands", "ADRENALS"},
	"kidneys":      {"Kidneys", "Kidneys/ureters", "GU", "KIDNEYS"},
	"bowel":        {"Bowel", "GI tract", "Bowel/mesentery", "BOWEL"},
	"vessels":      {"Vessels", "Vasculature", "VASCULAR"},
	"nodes":        {"Lymph nodes", "Nodes", "LYMPH NODES"},
	"peritoneum":   {"Peritoneum", "Peritoneum/ascites", "PERITONEUM"},
	"pelvis":       {"Pelvis", "Pelvic organs", "PELVIS"},
	"lungs":        {"Lung bases", "Lower chest", "Lungs", "LUNG BASES"},
	"bones":        {"Bones", "Osseous structures", "Musculoskeletal", "BONES"},
	"soft tissues": {"Soft tissues", "Body wall", "SOFT TISSUES"},
}

// render writes the report in the drawn style: indication, (technique,
// comparison,) findings and impression, in that order, then what may follow
// an impression (recommendations, communication, addenda).
//
// In the "extracted" style it writes what the pipeline hands the classifier
// for a headed report (pipeline.Report.ClassifierInput): the three sections'
// bodies without headings, joined by newlines, technique and comparison
// left out. Text after the impression under headings the pipeline does not
// know (RECOMMENDATION, ADDENDUM) stays in the impression body, as the
// pipeline's section splitter leaves it.
func (g *gen) render(rep *report) string {
	st := g.st
	fullJA := st.ja >= 4 && len(rep.ja) > 0
	var sections []string

	ind := strings.Join(rep.indication, " ")
	switch {
	case fullJA && rep.jaIndication != "":
		ind = rep.jaIndication
	case st.ja >= 2 && rep.jaIndication != "" && g.chance(0.5):
		if g.chance(0.5) {
			ind = rep.jaIndication
		} else {
			ind += " " + rep.jaIndication
		}
	}
	// A top addendum (full text only: the pipeline drops text before the
	// first heading, so one that decides the label must not go there).
	if !st.extracted && st.headed && len(rep.addendum) == 0 && g.chance(0.015) {
		sections = append(sections, g.addendumHead()+" "+g.genericAddendum())
	}
	var bodies []string // indication, findings and impression as written
	if ind != "" {
		sections = append(sections, g.section(g.head("indication"), ind))
		bodies = append(bodies, ind)
	}
	if !st.extracted && !fullJA && len(rep.technique) > 0 && (rep.procedure || st.technique || st.long) {
		name := "technique"
		if rep.procedure {
			name = g.pick("procedure", "technique", "technique")
		}
		tech := rep.technique
		if st.long && !rep.procedure {
			tech = append(append([]string{}, tech...), g.longTechnique()...)
		}
		sections = append(sections, g.section(g.head(name), joinParts(tech)))
	}
	if !st.extracted && (st.comparison || st.long) && rep.comparison != "" {
		cmp := rep.comparison
		if st.long || g.chance(0.25) {
			cmp = g.comparisonParagraph()
		}
		sections = append(sections, g.section(g.head("comparison"), cmp))
	}

	fs := g.orderFindings(rep)
	if st.extracted && rep.procedure && len(rep.technique) > 0 && !fullJA && g.chance(0.75) {
		// The pipeline reads a PROCEDURE section as findings (a TECHNIQUE
		// one it drops): the narrative leads the findings.
		fs = append([]finding{{text: joinParts(rep.technique), block: strings.Contains(joinParts(rep.technique), "\n")}}, fs...)
	}
	if fullJA {
		// Key findings said in Japanese, distractors in Japanese where a
		// rendering exists (the others dropped).
		var out []finding
		out = append(out, finding{organ: "pancreas", text: strings.Join(rep.ja, "")})
		for _, f := range fs[min(rep.nKey, len(fs)):] {
			if f.ja != "" {
				out = append(out, finding{organ: f.organ, text: f.ja})
			}
		}
		fs = out
	} else {
		// Image references follow measured findings of any kind.
		for i := range fs {
			t := fs[i].text
			if !fs[i].block && (strings.Contains(t, " cm") || strings.Contains(t, " mm")) && strings.HasSuffix(t, ".") && g.chance(0.08) {
				if g.chance(0.7) {
					fs[i].text = strings.TrimSuffix(t, ".") + " (" + g.imageRef() + ")."
				} else {
					fs[i].text = strings.TrimSuffix(t, ".") + " [" + g.imageRef() + "]."
				}
			}
		}
		if st.ja >= 1 {
			for i := range fs {
				if fs[i].ja != "" && g.chance(0.5) {
					fs[i].text = fs[i].ja
				}
			}
		}
		if st.ja >= 2 && len(rep.ja) > 0 {
			at := g.between(0, len(fs))
			extra := finding{organ: "", text: strings.Join(g.some(g.between(1, len(rep.ja)), rep.ja...), "")}
			if st.structured && g.task == TaskPancreas {
				extra.organ = "pancreas"
			}
			fs = append(fs[:at], append([]finding{extra}, fs[at:]...)...)
		}
		if !rep.procedure && g.chance(0.12+0.2*b2f(st.long)) {
			fs = append([]finding{{text: g.compareFinding()}}, fs...)
		}
	}
	if len(fs) > 0 {
		ft := g.findingsText(fs)
		sections = append(sections, g.section(g.head("findings"), ft))
		bodies = append(bodies, ft)
	}

	imp := append([]string(nil), rep.impression...)
	switch {
	case fullJA && len(rep.jaImpression) > 0:
		imp = rep.jaImpression
	case st.ja >= 3 && len(rep.jaImpression) > 0:
		if g.chance(0.5) {
			imp = rep.jaImpression
		} else {
			imp = append(imp, rep.jaImpression...)
		}
	}
	// Recommendations may leave the impression for a section of their own.
	var recs []string
	if st.headed && !fullJA && g.chance(0.4) {
		var keep []string
		for _, it := range imp {
			if recRe.MatchString(it) && len(imp) > 1 {
				recs = append(recs, it)
			} else {
				keep = append(keep, it)
			}
		}
		imp = keep
	}
	if !fullJA && !st.terse && g.chance(0.12+0.25*b2f(st.long)) {
		recs = append(recs, g.genericRec())
	}
	// Real impressions often end (or start) with incidental findings; they
	// never bear on the label. Long reports number four to six items with
	// the key item anywhere.
	if inc := g.incidentalImpressions(rep); len(inc) > 0 && !fullJA {
		switch {
		case st.long && g.chance(0.55):
			at := g.between(1, len(inc))
			imp = append(append(append([]string{}, inc[:at]...), imp...), inc[at:]...)
		case g.chance(0.15):
			imp = append(inc, imp...)
		default:
			imp = append(imp, inc...)
		}
	}
	var tail []string // what follows the impression, in order
	if len(recs) > 0 {
		if g.chance(0.6) {
			tail = append(tail, g.section(g.recHead(), g.list(recs)))
		} else {
			imp = append(imp, recs...)
		}
	}
	switch {
	case fullJA:
	case rep.procedure && g.chance(0.05):
		tail = append(tail, g.pf("{Results|The procedure and its findings} {communicated to|discussed with} %s{| (%s)}{| at %s}.", g.doctor(), g.service(), g.clock()))
	case !rep.procedure && g.chance(0.07+0.1*b2f(st.long)):
		tail = append(tail, g.communicationLine())
	}
	switch {
	case len(rep.addendum) > 0:
		tail = append(tail, g.addendumHead()+" "+strings.Join(rep.addendum, " "))
	case !fullJA && !rep.procedure && g.chance(0.03):
		tail = append(tail, g.addendumHead()+" "+g.genericAddendum())
	}
	if len(imp) > 0 || len(tail) > 0 {
		body := g.list(imp)
		if st.extracted && len(tail) > 0 {
			// The pipeline's impression runs on to the end of the report.
			body = strings.TrimSpace(body + "\n" + strings.Join(tail, "\n"))
			tail = nil
		}
		sections = append(sections, g.section(g.head("impression"), body))
		bodies = append(bodies, g.list(imp))
	}
	sections = append(sections, tail...)
	if st.artefacts && !st.extracted && g.chance(0.5) {
		sections = append(sections, g.pick(
			"This report was generated using voice recognition software; minor transcription errors may be present.",
			"Dictated but not read.",
			"[Electronically signed]",
			"Findings discussed with the referring team.",
			"End of report.",
			"Results communicated to the ordering clinician by telephone.",
		))
	}

	sep := st.sectionSep
	if st.extracted {
		sep = "\n"
	}
	text := strings.Join(sections, sep)
	if st.pipeline && keepsAll(pipelineInput(text), bodies...) {
		// What the pipeline hands the model for this report; used only when
		// it keeps every line of indication, findings and impression.
		return pipelineInput(g.postProcess(text))
	}
	return g.postProcess(text)
}

// joinParts joins sentences with spaces, and puts a multi-line block (a
// field list) on lines of its own.
func joinParts(parts []string) string {
	var b strings.Builder
	for i, p := range parts {
		if i > 0 {
			if strings.Contains(p, "\n") || strings.Contains(parts[i-1], "\n") {
				b.WriteString("\n")
			} else {
				b.WriteString(" ")
			}
		}
		b.WriteString(p)
	}
	return b.String()
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// incidentalImpressions picks distractor findings that have a short
// impression form: up to two, up to four in long reports.
func (g *gen) incidentalImpressions(rep *report) []string {
	maxN, p := 2, 0.35
	if g.st.long {
		maxN, p = 4, 0.85
	}
	if g.st.terse || !g.chance(p) {
		return nil
	}
	var out []string
	for _, f := range rep.findings[min(rep.nKey, len(rep.findings)):] {
		if f.imp != "" && len(out) < maxN && g.chance(0.6) {
			out = append(out, f.imp)
		}
	}
	if len(out) == 0 && len(rep.findings) > rep.nKey && g.chance(0.3) {
		out = append(out, g.x("{Other|Incidental} findings as above."))
	}
	return out
}

func (g *gen) orderFindings(rep *report) []finding {
	fs := append([]finding(nil), rep.findings...)
	if g.st.structured {
		// Group by organ in the usual order; stable within an organ.
		var out []finding
		for _, o := range organOrder {
			for _, f := range fs {
				if f.organ == o {
					out = append(out, f)
				}
			}
		}
		for _, f := range fs {
			if !knownOrgan(f.organ) {
				out = append(out, f)
			}
		}
		return out
	}
	nKey := rep.nKey
	if nKey > len(fs) {
		nKey = len(fs)
	}
	rest := fs[nKey:]
	g.r.Shuffle(len(rest), func(i, j int) { rest[i], rest[j] = rest[j], rest[i] })
	// Key findings first most of the time; sometimes after some distractors
	// (reports that go organ by organ in prose).
	if nKey > 0 && len(rest) > 0 && !rep.procedure && g.chance(0.35) {
		k := g.between(1, len(rest))
		out := append([]finding{}, rest[:k]...)
		out = append(out, fs[:nKey]...)
		return append(out, rest[k:]...)
	}
	return fs
}

func knownOrgan(o string) bool {
	for _, k := range organOrder {
		if k == o {
			return true
		}
	}
	return false
}

func (g *gen) findingsText(fs []finding) string {
	if g.st.structured {
		var lines []string
		cur := ""
		var buf []string
		flush := func() {
			if len(buf) == 0 {
				return
			}
			t := strings.Join(buf, " ")
			if cur != "" {
				t = g.pick(organHeading[cur]...) + ": " + t
			}
			if g.st.bulletFindings {
				t = g.st.bullet + t
			}
			lines = append(lines, t)
			buf = nil
		}
		for _, f := range fs {
			if f.block {
				// A template block stands on its own lines.
				flush()
				lines = append(lines, f.text)
				cur = ""
				continue
			}
			if f.organ != cur {
				flush()
				cur = f.organ
			}
			buf = append(buf, f.text)
		}
		flush()
		return strings.Join(lines, "\n")
	}
	texts := make([]string, len(fs))
	hasBlock := false
	for i, f := range fs {
		texts[i] = f.text
		hasBlock = hasBlock || f.block
	}
	if hasBlock {
		var b strings.Builder
		for i, f := range fs {
			switch {
			case i == 0:
			case f.block || fs[i-1].block:
				b.WriteString("\n")
			default:
				b.WriteString(" ")
			}
			b.WriteString(f.text)
		}
		return b.String()
	}
	if g.st.verbose && len(texts) > 3 && g.chance(0.5) {
		// paragraphs
		k := g.between(1, len(texts)-1)
		return strings.Join(texts[:k], " ") + "\n" + strings.Join(texts[k:], " ")
	}
	return strings.Join(texts, " ")
}

// list writes impression items, numbered or not.
func (g *gen) list(items []string) string {
	if len(items) == 1 && g.chance(0.7) {
		return items[0]
	}
	var b strings.Builder
	for i, it := range items {
		switch g.st.numbered {
		case 0:
			if i > 0 {
				b.WriteString(" ")
			}
			b.WriteString(it)
			continue
		case 1:
			fmt.Fprintf(&b, "%d. %s", i+1, it)
		case 2:
			fmt.Fprintf(&b, "%d) %s", i+1, it)
		default:
			b.WriteString(g.st.bullet + it)
		}
		if i < len(items)-1 {
			b.WriteString("\n")
		}
	}
	return b.String()
}

var headings = map[string][]string{
	"indication": {"Clinical indication", "Indication", "History", "Clinical history", "Reason for exam", "Clinical information", "Clinical details", "Reason for study", "Indications", "Clinical data"},
	"technique":  {"Technique", "Protocol", "Technique and protocol", "Examination"},
	"procedure":  {"Procedure", "Procedure details", "Technique", "Description of procedure", "Procedure performed"},
	"comparison": {"Comparison", "Prior studies", "Comparison studies", "Comparisons"},
	"findings":   {"Findings", "Report", "Observations", "Findings and discussion"},
	"impression": {"Impression", "Conclusion", "Summary", "Opinion", "Diagnosis", "Impression/recommendation", "Impressions", "Conclusions"},
}

var jaHeadings = map[string]string{
	"indication": "臨床情報",
	"technique":  "検査方法",
	"procedure":  "手技",
	"comparison": "比較",
	"findings":   "所見",
	"impression": "診断",
}

// head returns the heading for a section ("" for free text).
func (g *gen) head(name string) string {
	if g.st.extracted {
		return ""
	}
	if !g.st.headed {
		// Free text: a few still carry a lone "Impression:".
		if name == "impression" && g.chance(0.3) {
			return g.pick("Impression", "IMPRESSION", "Conclusion")
		}
		if name == "indication" && g.chance(0.3) {
			return g.pick("History", "Hx", "Indication")
		}
		return ""
	}
	if g.st.ja >= 1 && g.chance(0.6) {
		ja := jaHeadings[name]
		switch g.between(0, 2) {
		case 0:
			return "【" + ja + "】"
		case 1:
			return ja
		default:
			return ja + " / " + strings.ToUpper(headings[name][0])
		}
	}
	h := g.pick(headings[name]...)
	if g.st.upperHead {
		h = strings.ToUpper(h)
	}
	return h
}

func (g *gen) section(head, body string) string {
	if head == "" {
		return body
	}
	if g.st.runHeads && !strings.HasPrefix(head, "【") {
		// "FINDINGS the liver is ... IMPRESSION no ..." as dictated.
		return head + g.pick(" ", " ", ", ", " - ") + body
	}
	if strings.HasPrefix(head, "【") {
		if g.st.headNL {
			return head + "\n" + body
		}
		return head + body
	}
	if g.st.headNL {
		return head + ":\n" + body
	}
	return head + ": " + body
}

// ---- post-processing: spelling, abbreviations, noise ----

type spell struct {
	lit string // lower-case literal: the regexp runs only when it occurs
	re  *regexp.Regexp
	to  string
}

var britishPairs = [][2]string{
	{"tumor", "tumour"}, {"hemorrhag", "haemorrhag"}, {"hematoma", "haematoma"}, {"hemangioma", "haemangioma"},
	{"hemostasis", "haemostasis"}, {"hemoptysis", "haemoptysis"}, {"hemodynamic", "haemodynamic"}, {"hematuria", "haematuria"},
	{"esophag", "oesophag"}, {"edema", "oedema"}, {"anesthe", "anaesthe"}, {"center$", "centre"},
	{"favor", "favour"}, {"color$", "colour"}, {"colored", "coloured"}, {"ischemi", "ischaemi"}, {"anemi", "anaemi"}, {"leukemi", "leukaemi"},
	{"celiac", "coeliac"}, {"fiber", "fibre"}, {"centered", "centred"}, {"localized", "localised"}, {"characterized", "characterised"},
	{"organized", "organised"}, {"visualized", "visualised"}, {"recognized", "recognised"}, {"utilized", "utilised"},
	{"gray$", "grey"}, {"behavior", "behaviour"}, {"liter$", "litre"}, {"liters$", "litres"}, {"estrogen", "oestrogen"}, {"orthopedic", "orthopaedic"},
	{"diarrhea", "diarrhoea"}, {"leukocyt", "leucocyt"}, {"pediatric", "paediatric"}, {"anesthesia", "anaesthesia"},
	{"catheterization", "catheterisation"}, {"localization", "localisation"}, {"randomized", "randomised"},
	{"sulfate", "sulphate"},
}

var britishRes = func() []spell {
	var out []spell
	for _, p := range britishPairs {
		// Word start only, so "tumor" never matches inside another word; a
		// trailing "$" means the whole word ("liter" must not touch "literature").
		pat := `(?i)\b` + p[0]
		if strings.HasSuffix(p[0], "$") {
			pat = `(?i)\b` + strings.TrimSuffix(p[0], "$") + `\b`
		}
		out = append(out, spell{strings.TrimSuffix(p[0], "$"), regexp.MustCompile(pat), p[1]})
	}
	return out
}()

type abbr struct {
	lit string // lower-case literal: the regexp runs only when it occurs
	re  *regexp.Regexp
	to  string
	max float64 // cap on the per-occurrence probability
}

var abbrevs = func() []abbr {
	pairs := []struct {
		from, to string
		max      float64
	}{
		{"pancreatic ductal adenocarcinoma", "PDAC", 1},
		{"superior mesenteric artery", "SMA", 1},
		{"superior mesenteric vein", "SMV", 1},
		{"common bile duct", "CBD", 1},
		{"main pancreatic duct", "MPD", 1},
		{"common hepatic artery", "CHA", 1},
		{"inferior vena cava", "IVC", 1},
		{"portal vein", "PV", 0.3},
		{"status post", "s/p", 1},
		{"history of", "h/o", 0.6},
		{"rule out", "r/o", 1},
		{"lymphadenopathy", "LAD", 0.5},
		{"metastases", "mets", 0.4},
		{"metastasis", "met", 0.2},
		{"biopsy", "bx", 0.25},
		{"without", "w/o", 0.3},
		{"with", "w/", 0.15},
		{"evaluate", "eval", 0.4},
		{"evaluation", "eval", 0.4},
		{"hepatocellular carcinoma", "HCC", 1},
		{"renal cell carcinoma", "RCC", 1},
		{"intraductal papillary mucinous neoplasm", "IPMN", 1},
		{"endoscopic ultrasound", "EUS", 1},
		{"fine-needle aspiration", "FNA", 1},
		{"fine needle aspiration", "FNA", 1},
		{"endoscopic retrograde cholangiopancreatography", "ERCP", 1},
		{"approximately", "approx.", 0.5},
		{"patient", "pt", 0.3},
		{"pneumothorax", "PTX", 0.2},
		{"right upper lobe", "RUL", 0.7},
		{"right lower lobe", "RLL", 0.7},
		{"left upper lobe", "LUL", 0.7},
		{"left lower lobe", "LLL", 0.7},
		{"right middle lobe", "RML", 0.7},
		{"stereotactic body radiation therapy", "SBRT", 1},
		{"neuroendocrine tumor", "NET", 0.6},
		{"carbohydrate antigen 19-9", "CA 19-9", 1},
		{"weight loss", "wt loss", 0.2},
		{"hepatic flexure", "HF", 0.1},
		{"gastroduodenal artery", "GDA", 1},
		{"abdomen and pelvis", "A/P", 0.4},
		{"diameter", "diam.", 0.2},
		{"compared", "cf.", 0.1},
	}
	out := make([]abbr, len(pairs))
	for i, p := range pairs {
		out[i] = abbr{p.from, regexp.MustCompile(`(?i)\b` + regexp.QuoteMeta(p.from) + `\b`), p.to, p.max}
	}
	return out
}()

func (g *gen) postProcess(s string) string {
	// Regexps are the cost of generation; skip those whose literal is absent.
	lower := strings.ToLower(s)
	if g.st.british {
		for _, sp := range britishRes {
			if !strings.Contains(lower, sp.lit) {
				continue
			}
			s = sp.re.ReplaceAllStringFunc(s, func(m string) string { return matchCase(m, sp.to) })
		}
	}
	if g.st.abbrev > 0 {
		for _, a := range abbrevs {
			if !strings.Contains(lower, a.lit) {
				continue
			}
			p := g.st.abbrev * a.max
			s = a.re.ReplaceAllStringFunc(s, func(m string) string {
				if g.chance(p) {
					return a.to
				}
				return m
			})
		}
	}
	if rs := dialectRewrites[g.st.dialect]; len(rs) > 0 {
		s = g.applyRewrites(s, rs)
	}
	if g.st.decimalComma {
		s = decimalRe.ReplaceAllString(s, "$1,$2$3")
	}
	s = fixArticles(s)
	if g.st.artefacts {
		s = g.voiceNoise(s)
	}
	if g.st.typoRate > 0 {
		s = g.typos(s, g.st.typoRate)
		s = g.misspell(s)
	}
	s = g.dictationNoise(s)
	switch {
	case g.st.lower:
		s = strings.ToLower(s)
	case g.st.upper:
		s = strings.ToUpper(s)
	}
	return s
}

// matchCase writes to in the case pattern of m (lower, Capitalised, UPPER).
func matchCase(m, to string) string {
	if m == strings.ToUpper(m) && strings.ToLower(m) != m {
		return strings.ToUpper(to)
	}
	r, _ := utf8.DecodeRuneInString(m)
	if unicode.IsUpper(r) {
		return capFirst(to)
	}
	return to
}

// protected words never get a typo: negations and hedges whose misspelling
// could change what the sentence says.
var protected = map[string]bool{
	"without": true, "negative": true, "absent": true, "likely": true, "unlikely": true,
	"cannot": true, "excluded": true, "exclude": true, "suspicious": true, "concerning": true,
	"consistent": true, "compatible": true, "resolved": true, "neither": true,
}

// typos swaps, drops or doubles a letter in a small fraction of longer words.
func (g *gen) typos(s string, rate float64) string {
	words := strings.Split(s, " ")
	for i, w := range words {
		if len(w) < 6 || !g.chance(rate) {
			continue
		}
		if lw := strings.ToLower(strings.Trim(w, ".,;:()")); protected[lw] || decisive[lw] {
			continue
		}
		b := []byte(w)
		ok := true
		for _, c := range b {
			if c >= 0x80 || (c >= '0' && c <= '9') {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		j := g.between(1, len(b)-3)
		switch g.between(0, 2) {
		case 0:
			b[j], b[j+1] = b[j+1], b[j]
		case 1:
			b = append(b[:j], b[j+1:]...)
		default:
			b = append(b[:j+1], b[j:]...)
		}
		words[i] = string(b)
	}
	return strings.Join(words, " ")
}

var articleRe = regexp.MustCompile(`(^|[\s(])(a|an|A|An)(\s+)([A-Za-z0-9][\w.-]*)`)

// fixArticles makes "a"/"an" agree with the word after it, since slots fill
// templates with words of either kind ("an 18-gauge", "a hypodense",
// "an SMV").
func fixArticles(s string) string {
	return articleRe.ReplaceAllStringFunc(s, func(m string) string {
		sm := articleRe.FindStringSubmatch(m)
		pre, art, sp, word := sm[1], sm[2], sm[3], sm[4]
		an := wantsAn(word)
		var out string
		switch {
		case an && (art == "a" || art == "an"):
			out = "an"
		case an:
			out = "An"
		case art == "a" || art == "an":
			out = "a"
		default:
			out = "A"
		}
		return pre + out + sp + word
	})
}

func wantsAn(w string) bool {
	c := w[0]
	switch {
	case c >= '0' && c <= '9':
		if c == '8' {
			return true
		}
		if len(w) >= 2 && (w[:2] == "11" || w[:2] == "18") && (len(w) == 2 || w[2] < '0' || w[2] > '9') {
			return true
		}
		return false
	}
	upper := 0
	for i := 0; i < len(w) && i < 4; i++ {
		if w[i] >= 'A' && w[i] <= 'Z' {
			upper++
		}
	}
	if upper >= 2 || (len(w) >= 2 && upper == 1 && w[1] >= '0' && w[1] <= '9') || len(w) == 1 {
		// An initialism read letter by letter: "an SMV", "an L1", "a CT".
		return strings.ContainsRune("AEFHILMNORSX", rune(w[0]&^0x20))
	}
	lw := strings.ToLower(w)
	for _, p := range []string{"uni", "use", "usu", "ure", "uro", "eu", "one", "once"} {
		if strings.HasPrefix(lw, p) {
			return false
		}
	}
	for _, p := range []string{"hour", "honest"} {
		if strings.HasPrefix(lw, p) {
			return true
		}
	}
	return strings.ContainsRune("aeiou", rune(lw[0]))
}
