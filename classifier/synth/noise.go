package synth

import (
	"regexp"
	"strings"
)

// Dialect rewrites and dictation noise applied to a finished report. None
// of them touches a word that decides a label: the rewrites swap phrasing
// for phrasing that says the same, the noise only breaks punctuation,
// spacing and case, and mis-hears words no label depends on.

type rewrite struct {
	lit  string // literal that must occur (lower case) for re to run
	re   *regexp.Regexp
	to   []string // replacements, one drawn per occurrence
	rate float64
}

func rw(lit, pat string, rate float64, to ...string) rewrite {
	return rewrite{lit, regexp.MustCompile(pat), to, rate}
}

var dialectRewrites = map[int][]rewrite{
	dialectJaEn: {
		rw("no evidence of", `\bNo evidence of\b`, 0.5, "No obvious", "There is no obvious", "No apparent"),
		rw("unchanged", `\bunchanged\b`, 0.5, "no remarkable change", "no significant change"),
		rw("is seen", `\bis seen\b`, 0.4, "is pointed out", "is observed", "is recognized"),
		rw("is noted", `\bis noted\b`, 0.4, "is recognized", "is pointed out"),
		rw("lymphadenopathy", `\blymphadenopathy\b`, 0.6, "lymph node swelling", "LN swelling"),
		rw("enlarged lymph node", `\b[Ee]nlarged lymph nodes?\b`, 0.5, "swollen lymph nodes", "lymph node swelling"),
		rw("consistent with", `\bconsistent with\b`, 0.3, "compatible with", "suggesting"),
		rw("dilatation", `\b(\w+) duct dilatation\b`, 0.3, "dilatation of $1 duct"),
		rw(" the ", ` the `, 0.12, " "),
		rw(" a ", ` a `, 0.15, " "),
		rw("recommend", `\b[Rr]ecommend(ed)?\b`, 0.2, "recommended"),
	},
	dialectGerman: {
		rw("status post", `\b[Ss]tatus post\b`, 0.6, "condition after", "state after", "status after"),
		rw("no evidence of", `\b[Nn]o evidence of\b`, 0.4, "no indication of", "no evidence for"),
		rw("consistent with", `\bconsistent with\b`, 0.3, "in the sense of", "compatible with"),
		rw("suspicious for", `\bsuspicious for\b`, 0.4, "suspicious of"),
		rw("differential", `\b[Tt]he leading differential is\b`, 0.5, "DD:", "Differential diagnosis:"),
		rw("unchanged", `\bunchanged\b`, 0.4, "constant", "unchanged in size", "stationary"),
		rw("lymph node", `\blymph nodes\b`, 0.3, "lymph nodes", "LN"),
	},
	dialectIndian: {
		rw("suggestive of", `\bsuggestive of\b`, 0.6, "s/o"),
		rw("evidence of", `\b[Nn]o evidence of\b`, 0.4, "No e/o", "No obvious"),
		rw("bilateral", `\bbilateral\b`, 0.5, "B/L", "bilateral"),
		rw("right", `\bright\b`, 0.25, "rt", "Rt."),
		rw("left", `\bleft\b`, 0.25, "lt", "Lt."),
		rw("normal in size", `\bnormal in size\b`, 0.5, "normal in size and echotexture", "grossly normal in size"),
		rw("approximately", `\bapproximately\b`, 0.6, "approx.", "~"),
		rw("is seen", `\bis seen\b`, 0.4, "is noted", "is visualised"),
		rw("mass", `\bmass\b`, 0.25, "SOL", "mass lesion"),
	},
	dialectAus: {
		rw("no ", `(^|[.:]\s+|\n)No (free|focal|ascites|lymphadenopathy|suspicious|pancreatic|collection|pneumothorax|hydronephrosis|bowel|biliary)`, 0.35, "${1}Nil ${2}"),
		rw("no other", `\b[Nn]o other abnormality\b`, 0.6, "Nil else of note"),
		rw("unremarkable", `\bunremarkable\b`, 0.3, "normal", "unremarkable"),
	},
}

func (g *gen) applyRewrites(s string, rs []rewrite) string {
	lower := strings.ToLower(s)
	for _, r := range rs {
		if !strings.Contains(lower, r.lit) {
			continue
		}
		s = r.re.ReplaceAllStringFunc(s, func(m string) string {
			if !g.chance(r.rate) {
				return m
			}
			return r.re.ReplaceAllString(m, g.pick(r.to...))
		})
	}
	return s
}

// decimalComma writes "3,2 cm" as German reports do (only numbers followed
// by a unit or "x", so dates and versions keep their points).
var decimalRe = regexp.MustCompile(`(\d)\.(\d+)(\s?(cm|mm|x|×|Gy|HU|mL|ml|cc))`)

// Noise that dictation and hurried typing leave.

// missing punctuation: a sentence end dropped so two sentences run on.
// (Not after a digit: "1. Pancreatic" is a list number.)
var sentenceEnd = regexp.MustCompile(`([a-z)])\. ([A-Z][a-z])`)

func (g *gen) dictationNoise(s string) string {
	if g.st.runOn > 0 {
		s = sentenceEnd.ReplaceAllStringFunc(s, func(m string) string {
			if !g.chance(g.st.runOn) {
				return m
			}
			prev, next := m[:1], m[3:]
			switch g.between(0, 3) {
			case 0:
				return prev + ", " + strings.ToLower(next[:1]) + next[1:]
			case 1:
				return prev + " " + strings.ToLower(next[:1]) + next[1:]
			case 2:
				return prev + " and " + strings.ToLower(next[:1]) + next[1:]
			default:
				return prev + "  " + next
			}
		})
	}
	if g.st.caseNoise {
		// Sentences that start in lower case, a word in capitals.
		s = sentenceEnd.ReplaceAllStringFunc(s, func(m string) string {
			if g.chance(0.2) {
				return m[:3] + strings.ToLower(m[3:4]) + m[4:]
			}
			return m
		})
	}
	if g.st.spacing {
		s = strings.ReplaceAll(s, ", ", g.pick(",", ", ", " ,"))
		if g.chance(0.5) {
			s = strings.ReplaceAll(s, ". ", ".  ")
		}
	}
	return s
}

// Voice-recognition errors seen in radiology dictation. Each replaces a
// word no label depends on.
var voiceErrors = [][2]string{
	{"pleural", "plural"}, {"ileum", "ilium"}, {"perineal", "peroneal"}, {"there is", "there is is"},
	{"the ", "the the "}, {"mucosal", "mucous all"}, {"calcified", "calcify"}, {"hypodense", "hypo dense"},
	{"hypoattenuating", "hypo attenuating"}, {"hypoenhancing", "hypo-enhancing"}, {"cyst", "cysts"},
	{"nodule", "module"}, {"lesion", "legion"}, {"hilum", "hylum"}, {"biliary", "billiary"}, {"splenule", "spleen you'll"},
	{"subcentimeter", "sub centimeter"}, {"adenopathy", "and adenopathy"}, {"no evidence", "know evidence"},
	{"atelectasis", "a telectasis"}, {"diverticulosis", "diverticular sis"},
	{"gauge", "gage"}, {"pigtail", "pig tail"}, {"fluoroscopy", "floor oscopy"}, {"coaxial", "co-axial"},
	{"sclerotic", "sclerotic sclerotic"}, {"calculus", "calculous"}, {"measuring", "measure in"}, {"enhancing", "in hancing"}, {"heterogeneous", "heterogenous"},
	{"parenchyma", "parent kima"}, {"periportal", "peri portal"}, {"hepatic", "epatic"},
	{"unremarkable", "unremarkable unremarkable"}, {"mesenteric", "mess enteric"}, {"stranding", "standing"},
}

// Misspellings real reports make of words that decide a label, which keep
// the word recognisable to a reader (a model must cope with them).
var realMisspellings = [][2]string{
	{"gemcitabine", "gemcitibine"}, {"FOLFIRINOX", "FOLFIRNOX"}, {"FOLFIRINOX", "Folfirinox"}, {"Whipple", "Whipples"},
	{"Whipple", "whipple"}, {"pancreaticoduodenectomy", "pancreatico-duodenectomy"}, {"pancreaticoduodenectomy", "pancreaticoduodenoctomy"},
	{"adenocarcinoma", "adeno-carcinoma"}, {"adenocarcinoma", "adenocarcnoma"}, {"nab-paclitaxel", "nab paclitaxel"},
	{"nab-paclitaxel", "nabpaclitaxel"}, {"chemoradiation", "chemo-radiation"}, {"chemotherapy", "chemo therapy"},
	{"pancreatic", "pancreatc"}, {"pancreatic", "pancratic"}, {"neoadjuvant", "neo-adjuvant"}, {"neoadjuvant", "neoadjuvent"},
	{"biopsy", "bioposy"}, {"biopsy", "biospy"}, {"drainage", "drainge"}, {"catheter", "cathether"}, {"aspiration", "aspriation"},
	{"vertebral", "vertibral"}, {"pneumothorax", "pneumothroax"}, {"electroporation", "electro-poration"}, {"stent", "stnet"},
}

// decisive words are never given a random typo (the curated misspellings
// above are the only ones they get).
var decisive = map[string]bool{
	"pancreatic": true, "pancreas": true, "adenocarcinoma": true, "carcinoma": true, "cancer": true, "malignancy": true,
	"whipple": true, "pancreaticoduodenectomy": true, "pancreatectomy": true, "folfirinox": true, "mfolfirinox": true,
	"gemcitabine": true, "nab-paclitaxel": true, "chemotherapy": true, "chemoradiation": true, "radiotherapy": true,
	"radiation": true, "ablation": true, "neoadjuvant": true, "adjuvant": true, "resection": true, "stent": true,
	"biopsy": true, "drainage": true, "drain": true, "catheter": true, "aspiration": true, "aspirated": true, "pigtail": true,
	"lung": true, "pulmonary": true, "bone": true, "vertebral": true, "abscess": true, "empyema": true, "collection": true,
	"suspected": true, "suspicion": true, "treated": true, "untreated": true, "treatment": true, "recurrence": true,
	"neuroendocrine": true, "metastasis": true, "metastases": true, "lymphoma": true, "ampullary": true, "ipmn": true,
	"invasive": true, "pancreatitis": true, "cholangiocarcinoma": true, "electroporation": true, "stereotactic": true,
	"nalirifox": true, "irinotecan": true, "capecitabine": true, "olaparib": true, "cores": true, "specimens": true,
}

func (g *gen) misspell(s string) string {
	for _, m := range realMisspellings {
		if strings.Contains(s, m[0]) && g.chance(0.04) {
			s = strings.Replace(s, m[0], m[1], 1)
		}
	}
	return s
}

func (g *gen) voiceNoise(s string) string {
	for _, d := range voiceErrors {
		if strings.Contains(s, d[0]) && g.chance(0.2) {
			s = strings.Replace(s, d[0], d[1], 1)
		}
	}
	if g.chance(0.1) {
		// Spoken punctuation the recogniser wrote out.
		s = strings.Replace(s, ". ", g.pick(" period. ", " full stop ", ". new paragraph "), 1)
	}
	return s
}
