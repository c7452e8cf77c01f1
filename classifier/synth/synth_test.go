package synth

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/radflag/radflag/classifier/dataset"
)

func TestGenerateDeterministic(t *testing.T) {
	for _, task := range []string{TaskPancreas, TaskIRProcedure} {
		a, err := Generate(task, 300, 42)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Generate(task, 300, 42)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("%s: same seed gave different corpora", task)
		}
		c, err := Generate(task, 300, 43)
		if err != nil {
			t.Fatal(err)
		}
		if reflect.DeepEqual(a, c) {
			t.Fatalf("%s: different seeds gave the same corpus", task)
		}
	}
}

func TestGenerateLabelsIDsBalance(t *testing.T) {
	tests := []struct {
		task   string
		n      int
		labels []int
	}{
		{TaskPancreas, 901, []int{0, 1, 2}},
		{TaskIRProcedure, 802, []int{1, 2, 3, 4}},
	}
	for _, tc := range tests {
		t.Run(tc.task, func(t *testing.T) {
			exs, err := Generate(tc.task, tc.n, 7)
			if err != nil {
				t.Fatal(err)
			}
			if len(exs) != tc.n {
				t.Fatalf("got %d examples, want %d", len(exs), tc.n)
			}
			if err := Validate(tc.task, exs); err != nil {
				t.Fatal(err)
			}
			counts := map[int]int{}
			ids := map[string]bool{}
			idRe := regexp.MustCompile(`^synth-` + tc.task + `-\d{6}$`)
			for _, e := range exs {
				counts[e.Label]++
				if !idRe.MatchString(e.ID) || ids[e.ID] {
					t.Fatalf("bad or repeated id %q", e.ID)
				}
				ids[e.ID] = true
			}
			if exs[123].ID != fmt.Sprintf("synth-%s-000123", tc.task) {
				t.Errorf("id 123 = %q", exs[123].ID)
			}
			per := tc.n / len(tc.labels)
			for _, l := range tc.labels {
				if c := counts[l]; c < per || c > per+1 {
					t.Errorf("label %d: %d examples, want %d or %d (counts %v)", l, c, per, per+1, counts)
				}
			}
		})
	}
}

func TestGenerateWeighted(t *testing.T) {
	exs, err := GenerateConfig(Config{Task: TaskPancreas, N: 400, Seed: 1, Balance: BalanceWeighted})
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate(TaskPancreas, exs); err != nil {
		t.Fatal(err)
	}
}

func TestGenerateBadInput(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"unknown task", Config{Task: "liver", N: 10}, "unknown task"},
		{"zero n", Config{Task: TaskPancreas, N: 0}, "between 1 and"},
		{"negative n", Config{Task: TaskPancreas, N: -5}, "between 1 and"},
		{"huge n", Config{Task: TaskPancreas, N: MaxN + 1}, "between 1 and"},
		{"bad balance", Config{Task: TaskPancreas, N: 10, Balance: "skewed"}, "unknown balance"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := GenerateConfig(tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
	if _, err := GenerateCase(TaskPancreas, "no_such_case", 1, 1, true); err == nil {
		t.Fatal("unknown case type accepted")
	}
}

// Cues, checked on noise-free text, that follow the guide independently of
// the generator's own bookkeeping.
var (
	// Names of pancreatic ductal adenocarcinoma (the guide's "pancreatic cancer").
	pdacName = `(pancreatic (ductal )?(adeno)?carcinoma|PDAC|pancreatic cancer|pancreas cancer|(adeno)?carcinoma of (the )?pancreas|` +
		`pancreatic ductal carcinoma|invasive ductal carcinoma of the pancreas|pancreatic malignancy|pancreatic adenoCA|` +
		`(ca|carcinoma) pancreas|panc ca|pancreatic ca\b|` +
		`ductal adenocarcinoma of the pancreas|pancreatic (head|body|tail|neck|uncinate process) (adenocarcinoma|cancer|carcinoma))`
	pdacNamed = regexp.MustCompile(`(?i)` + pdacName + `|pancreatic neoplasm|膵癌`)
	// A pancreatic cancer stated as present or leading (labels 1 or 2 only).
	positivePDAC = regexp.MustCompile(`(?i)\b(suspicious (for|of)|concerning for|worrisome for|worrying for|consistent with|compatible with|in keeping with|likely|probable|probably|representing|suggestive of|characteristic of|typical (of|for)|diagnostic of|favou?red to represent|favou?ring|in favou?r of|biopsy-proven|newly diagnosed|known|untreated|treatment-naive|suspicion of|s/o|c/w|in the sense of|considered to be|suspected to be|with features of|w/ features of|most consistent w/)\s+(a |an |the |primary |metastatic |new |second |a second )*` + pdacName +
		`|` + pdacName + `\s+(is|are) (suspected|most likely|favou?red|the leading)|` + pdacName + ` until proven otherwise|膵癌疑い|膵癌を疑う`)
	// Treatment of the pancreatic cancer itself (label 1 only).
	treatedPDAC = regexp.MustCompile(`(?i)(whipple|pancreaticoduodenectomy|pancreatectomy|folfirinox|chemotherapy|chemoradiation|radiation|sbrt|ablation)[^.。]{0,40}(for|of) (pancreatic (ductal )?(adeno)?carcinoma|PDAC|pancreatic cancer)`)
	// Any treatment word the guide lists (a label-1 text must have one):
	// resections, regimens by name or abbreviation, radiation, ablation.
	treatmentCue = regexp.MustCompile(`(?i)whipple|pancreaticoduodenectomy|pancreatoduodenectomy|pancreatectomy|pancreatosplenectomy|\bPPPD\b|\bSSPPD\b|\bPD\b|\bDP\b|DP-CAR|\bTP\b|appleby|\bRAMPS\b|\bresect(ed|ion)\b|` +
		`folfirinox|\bm?FFX\b|nalirifox|gemcitabine|\bGEM\b|\bGnP\b|gem-nab|nab-paclitaxel|nab-PTX|abraxane|GEMCAP|\bS-1\b|nal-IRI|irinotecan|onivyde|5-FU|capecitabine|oxaliplatin|FOLFOX|FOLFIRI|cisplatin|olaparib|erlotinib|pembrolizumab|KRAS inhibitor|chemotherapy|\bchemo\b|` +
		`chemoradiation|chemoradiotherapy|chemoRT|\bCRT\b|radiation|radiotherapy|\bSBRT\b|\bSABR\b|\bIMRT\b|\bproton\b|carbon-ion|` +
		`ablation|electroporation|\bIRE\b|nanoknife|\bRFA\b|\bMWA\b|HIFU|cryoablation|neoadjuvant|術後|化学療法|放射線|焼灼`)
	// Treatment already given with a pancreas-specific word (never in label 2).
	doneTreatment = regexp.MustCompile(`(?i)\b(s/p|status post|post|after|following|underwent|completed|treated with|on|receiving|undergoing|condition after|state after)[\s-]+([^\s.;:]+\s+){0,3}?(whipple|pancreaticoduodenectomy|pancreatectomy|\bpppd\b|ssppd|folfirinox|\bm?ffx\b|\bgnp\b|gem-nab|gem/nab|nab-paclitaxel|nab-ptx|abraxane|gemcitabine|nalirifox|nal-iri|onivyde|olaparib|electroporation|nanoknife|neoadjuvant)`)
	// Words that look like treatment but are not ("radiation dose" of the
	// scan); the rules read the text without them.
	notTreatment = regexp.MustCompile(`(?i)radiation dose`)
	// A sentence about a relative is not about the patient (the guide:
	// family history with no finding is label 0); label rules read the
	// text without such sentences.
	familySentence = regexp.MustCompile(`(?i)[^.\n。]*\b(mother|father|sister|brother|aunt|uncle|grandmother|grandfather|sibling|relatives?|family|first-degree)\b[^.\n。]*`)
	stentCue       = regexp.MustCompile(`(?i)stent|biliary drain|ステント`)
	negationCue    = regexp.MustCompile(`(?i)\bno\b|\bnil\b|\bwithout\b|w/o|not (seen|identified|demonstrated|confirmed|evident)|negative|膵.*なし`)
	nonPDACWhy     = regexp.MustCompile(`(?i)ampullary|duodenal|cholangiocarcinoma|chronic pancreatitis|neuroendocrine|IPMN|GIST|trauma|pseudopapillary`)
	chemoCue       = regexp.MustCompile(`(?i)folfirinox|\bm?FFX\b|gemcitabine|\bGEM\b|\bGnP\b|gem-nab|nab-paclitaxel|nab-PTX|abraxane|GEMCAP|nalirifox|\bS-1\b|nal-IRI|irinotecan|5-FU|oxaliplatin|FOLFOX|FOLFIRI|cisplatin|capecitabine|olaparib|erlotinib|pembrolizumab|KRAS inhibitor|chemotherapy|化学療法`)
	mimicPrimary   = regexp.MustCompile(`(?i)renal cell|RCC|melanoma|lung|breast|colorectal|sigmoid|sarcoma`)
	surgeryCue     = regexp.MustCompile(`(?i)whipple|pancreaticoduodenectomy|pancreatoduodenectomy|pancreatectomy|pancreatosplenectomy|PPPD|SSPPD|\bPD\b|\bDP\b|\bTP\b|DP-CAR|appleby|\bRAMPS\b|切除`)
	radiationCue   = regexp.MustCompile(`(?i)radiation|radiotherapy|SBRT|SABR|IMRT|proton|carbon-ion|chemoradiation|chemoradiotherapy|chemoRT|\bCRT\b|放射線`)
	ablationCue    = regexp.MustCompile(`(?i)ablation|electroporation|\bIRE\b|nanoknife|\bRFA\b|\bMWA\b|HIFU|焼灼`)

	drainCue    = regexp.MustCompile(`(?i)drain|aspirat|cholecystostomy|ドレナージ|穿刺吸引`)
	biopsyCue   = regexp.MustCompile(`(?i)biops|\bbx\b|FNA|fine-needle|core|生検`)
	lungCue     = regexp.MustCompile(`(?i)lung|lobe|lingula|\b(RUL|RLL|LUL|LLL|RML)\b|pulmonary|肺`)
	boneCue     = regexp.MustCompile(`(?i)bone|vertebra|sacral|iliac|acetabul|pubic|rib\b|femoral|humeral|scapular|sternal|endplate|pedicle|clavic|tibia|ischi|骨`)
	boneBiopsy  = regexp.MustCompile(`(?i)bone (biopsy|core)|trephine|骨生検`)
	lungBiopsyR = regexp.MustCompile(`(?i)lung biopsy|肺生検`)
	mainPurpose = regexp.MustCompile(`(?i)(main|primary) (purpose|aim)|主目的`)
)

type rule struct {
	re   *regexp.Regexp
	must bool // must match (true) or must not match (false)
	what string
	when *regexp.Regexp // when set, the rule applies only to texts it matches
}

// Per-case-type rules on top of the per-label rules below.
var caseRules = map[string][]rule{
	"stent_only":                     {{stentCue, true, "stent", nil}, {treatmentCue, false, "no treatment at all", nil}},
	"stent_then_treated":             {{stentCue, true, "stent", nil}, {treatmentCue, true, "treatment", nil}},
	"negated_cancer":                 {{negationCue, true, "negation", nil}},
	"family_history_screening":       {{negationCue, true, "negation", nil}},
	"whipple_non_pancreatic":         {{regexp.MustCompile(`(?i)whipple|pancreaticoduodenectomy|pancreatectomy|frey|puestow`), true, "operation", nil}, {nonPDACWhy, true, "non-PDAC reason", nil}},
	"post_resection_no_recurrence":   {{surgeryCue, true, "resection", nil}},
	"post_resection_recurrence":      {{surgeryCue, true, "resection", nil}, {regexp.MustCompile(`(?i)recurren|metastas|\bmets?\b|再発`), true, "recurrence", nil}},
	"on_chemotherapy":                {{chemoCue, true, "regimen", nil}},
	"neoadjuvant_restaging":          {{regexp.MustCompile(`(?i)neoadjuvant|preoperative|induction|術前`), true, "neoadjuvant", nil}},
	"radiation":                      {{radiationCue, true, "radiation", nil}},
	"ablation":                       {{ablationCue, true, "ablation", nil}},
	"metastasis_to_pancreas":         {{mimicPrimary, true, "other primary", nil}},
	"ipmn_invasive_untreated":        {{regexp.MustCompile(`(?i)IPMN`), true, "IPMN", nil}, {regexp.MustCompile(`(?i)invasive|浸潤`), true, "invasive", nil}},
	"ipmn_benign":                    {{regexp.MustCompile(`(?i)invasive`), false, "no invasive carcinoma", nil}},
	"pancreatitis_then_mass":         {{regexp.MustCompile(`(?i)pancreatitis|膵炎`), true, "pancreatitis", nil}},
	"neuroendocrine":                 {{regexp.MustCompile(`(?i)neuroendocrine|NET|insulinoma|gastrinoma|glucagonoma|VIPoma`), true, "NET", nil}},
	"post_op_complication":           {{surgeryCue, true, "resection", nil}},
	"benign_biliary_stent":           {{stentCue, true, "stent", nil}, {regexp.MustCompile(`(?i)stones?|stricture|choledocholithiasis|bile leak|良性`), true, "benign reason", nil}},
	"focal_pancreatitis_not_cancer":  {{regexp.MustCompile(`(?i)pancreatitis|pseudomass|膵炎`), true, "pancreatitis", nil}, {regexp.MustCompile(`(?i)unlikely|not favoured|not suspected|do not suggest|考えにくい`), true, "malignancy not favoured", nil}},
	"periampullary_non_pancreatic":   {{regexp.MustCompile(`(?i)ampull|duoden|cholangiocarcinoma`), true, "periampullary", nil}},
	"planned_not_given":              {{treatmentCue, true, "a planned treatment is named", nil}, {regexp.MustCompile(`(?i)planned|scheduled|to start|consented|referred|awaiting|not yet|booked|plan:|pending|予定`), true, "planned", nil}},
	"postop_other_surgery_mass":      {{regexp.MustCompile(`(?i)\b(POD|post-operative day|day) \d+`), true, "post-operative", nil}, {pdacNamed, true, "pancreatic cancer named", nil}},
	"other_chemo_new_mass":           {{regexp.MustCompile(`(?i)\bon\b`), true, "current treatment of another cancer", nil}, {pdacNamed, true, "pancreatic cancer named", nil}},
	"untreated_declined":             {{regexp.MustCompile(`(?i)declined|not a candidate|supportive care|not offered|未治療`), true, "no treatment", nil}},
	"isoattenuating_secondary_signs": {{regexp.MustCompile(`(?i)cut-off|change in calibre`), true, "duct cut-off", nil}},
	"addendum_biopsy_confirmed":      {{regexp.MustCompile(`(?i)addendum`), true, "addendum", nil}, {treatmentCue, false, "no treatment word", nil}},
	"stent_duodenal":                 {{regexp.MustCompile(`(?i)duodenal|十二指腸`), true, "duodenal stent", nil}, {treatmentCue, false, "no treatment at all", nil}},
	"complete_response":              {{negationCue, true, "negation", nil}},
	"stent_occlusion_on_chemo":       {{stentCue, true, "stent", nil}, {chemoCue, true, "regimen", nil}},
	"addendum_treated":               {{regexp.MustCompile(`(?is)addendum.*(` + treatmentCue.String()[4:] + `)`), true, "treatment in the addendum", nil}},
	"postop_other_normal":            {{surgeryCue, false, "no pancreatic resection", nil}},
	"ipmn_worrisome_no_invasion":     {{regexp.MustCompile(`(?i)IPMN`), true, "IPMN", nil}, {regexp.MustCompile(`(?i)(suspicious|concerning|consistent|compatible|likely|suspected)[^.]{0,20}invasive`), false, "invasion not suspected", nil}},
	"cannot_exclude_not_leading":     {{regexp.MustCompile(`(?i)cannot be (entirely )?excluded`), true, "cannot exclude", nil}, {regexp.MustCompile(`(?i)unlikely|not suspected|most likely|likely due|likely age|doubtful|not seen`), true, "a benign explanation favoured", nil}},
	"family_history_incidental":      {{familySentence, true, "family history", nil}},
	"addendum_benign":                {{regexp.MustCompile(`(?is)addendum.*(splenule|accessory spleen)`), true, "benign addendum", nil}},
	"unrelated_presentation_normal":  {{surgeryCue, false, "no pancreatic resection", nil}, {pdacNamed, false, "no pancreatic cancer named", nil}},
	"on_treatment_unrelated_exam":    {{regexp.MustCompile(`(?i)pancrea|PDAC|\bpanc\b|膵`), true, "the pancreas named", nil}, {treatmentCue, true, "its treatment", nil}},
	"periampullary_resected_twin":    {{pdacNamed, false, "no pancreatic cancer named", nil}, {regexp.MustCompile(`(?i)ampulla|bile duct|cholangiocarcinoma|duoden|十二指腸|胆管`), true, "the periampullary cancer named", nil}},
	"other_cancer_treatment_course":  {{pdacNamed, false, "no pancreatic cancer named", nil}, {regexp.MustCompile(`(?i)cancer|carcinoma|lymphoma|DLBCL|\bNET\b|pNET|neuroendocrine|RCC|NSCLC|CRC`), true, "another cancer named", nil}},
	"untreated_unrelated_exam":       {{regexp.MustCompile(`(?i)awaiting|not yet|untreated|treatment-naive|no treatment|pending|for MDT|for biopsy|scheduled|未治療`), true, "not yet treated", nil}},

	"biopsy_lung":                 {{lungCue, true, "lung", nil}, {boneBiopsy, false, "no bone biopsy", nil}},
	"biopsy_bone":                 {{boneCue, true, "bone", nil}, {lungBiopsyR, false, "no lung biopsy", nil}},
	"biopsy_soft_tissue":          {{biopsyCue, true, "biopsy", nil}, {boneBiopsy, false, "no bone biopsy", nil}, {lungBiopsyR, false, "no lung biopsy", nil}},
	"biopsy_necrotic_with_drain":  {{biopsyCue, true, "biopsy", nil}, {mainPurpose, true, "main purpose stated", nil}},
	"drain_with_sample":           {{drainCue, true, "drain", nil}, {mainPurpose, true, "tissue cores only with the main aim stated", regexp.MustCompile(`(?i)cores? (sample|of the)`)}},
	"aspiration_only":             {{regexp.MustCompile(`(?i)aspirat|穿刺吸引`), true, "aspiration", nil}},
	"drain_lung_abscess":          {{lungCue, true, "lung", nil}, {regexp.MustCompile(`(?i)abscess|膿瘍`), true, "abscess", nil}},
	"drain_liver_abscess_vs_mets": {{regexp.MustCompile(`(?i)liver|hepatic|肝`), true, "liver", nil}, {regexp.MustCompile(`(?i)pus|purulent|abscess|膿瘍`), true, "pus", nil}},
	"drain_cholecystostomy":       {{regexp.MustCompile(`(?i)cholecyst|gallbladder|胆嚢`), true, "gallbladder", nil}},
	"aspiration_cyst":             {{regexp.MustCompile(`(?i)aspirat|穿刺吸引`), true, "aspiration", nil}},
	"biopsy_chest_wall":           {{regexp.MustCompile(`(?i)chest wall|intercostal|胸壁`), true, "chest wall", nil}, {lungBiopsyR, false, "no lung biopsy", nil}, {boneBiopsy, false, "no bone biopsy", nil}},
	"biopsy_paravertebral":        {{regexp.MustCompile(`(?i)paravertebral|傍椎体`), true, "paravertebral", nil}, {boneBiopsy, false, "no bone biopsy", nil}},
	"biopsy_soft_eroding_bone":    {{regexp.MustCompile(`(?i)soft-tissue mass|軟部腫瘤`), true, "soft-tissue mass", nil}, {boneBiopsy, false, "no bone biopsy", nil}},
	"biopsy_liver_not_abscess":    {{regexp.MustCompile(`(?i)no drain|ドレーン留置なし|no catheter`), true, "no drain left", nil}, {regexp.MustCompile(`(?i)liver|hepatic|肝`), true, "liver", nil}},
	"biopsy_hilar_node":           {{regexp.MustCompile(`(?i)node|リンパ節`), true, "lymph node", nil}, {lungBiopsyR, false, "no lung biopsy", nil}},
	"biopsy_lung_cavity":          {{regexp.MustCompile(`(?i)cavit|空洞`), true, "cavity", nil}, {boneBiopsy, false, "no bone biopsy", nil}},
	"biopsy_bone_soft_component":  {{regexp.MustCompile(`(?i)soft[- ]tissue|軟部`), true, "soft-tissue component", nil}, {lungBiopsyR, false, "no lung biopsy", nil}},
	"drain_empyema":               {{regexp.MustCompile(`(?i)empyema|abscess|膿胸`), true, "empyema", nil}},
}

// labelRules must hold for every case of a label.
var labelRules = map[string]map[int][]rule{
	TaskPancreas: {
		0: {{positivePDAC, false, "no present/suspected pancreatic cancer", nil}, {treatedPDAC, false, "no treated pancreatic cancer", nil}},
		1: {{treatmentCue, true, "a treatment", nil}},
		2: {{doneTreatment, false, "no completed pancreas-specific treatment", nil}, {treatedPDAC, false, "no treated pancreatic cancer", nil}},
	},
	TaskIRProcedure: {
		1: {{drainCue, true, "drainage", nil}},
		2: {{biopsyCue, true, "biopsy", nil}},
		3: {{lungCue, true, "lung", nil}, {biopsyCue, true, "biopsy", nil}},
		4: {{boneCue, true, "bone", nil}, {biopsyCue, true, "biopsy", nil}},
	},
}

// TestCaseTypes generates every case type many times and checks its label
// and the cues the guide ties to that label.
func TestCaseTypes(t *testing.T) {
	n := 150
	if testing.Short() {
		n = 60
	}
	for _, task := range []string{TaskPancreas, TaskIRProcedure} {
		cases, err := Cases(task)
		if err != nil {
			t.Fatal(err)
		}
		labels, _ := Labels(task)
		for _, c := range cases {
			t.Run(task+"/"+c.Name, func(t *testing.T) {
				if _, ok := labels[c.Label]; !ok {
					t.Fatalf("case label %d not a label of %s", c.Label, task)
				}
				exs, err := GenerateCase(task, c.Name, n, 99, true)
				if err != nil {
					t.Fatal(err)
				}
				rules := append([]rule{}, caseRules[c.Name]...)
				lrules := labelRules[task][c.Label]
				fails := 0
				for _, e := range exs {
					text := notTreatment.ReplaceAllString(e.Text, "")
					if e.Label != c.Label {
						t.Fatalf("label %d, want %d", e.Label, c.Label)
					}
					if strings.TrimSpace(e.Text) == "" || strings.Contains(e.Text, "%!") || strings.ContainsAny(e.Text, "{}") || strings.Contains(e.Text, "%CM") || strings.Contains(e.Text, "%MM") {
						t.Fatalf("malformed text: %q", e.Text)
					}
					own := familySentence.ReplaceAllString(text, "")
					check := func(r rule, text string) {
						if r.when != nil && !r.when.MatchString(text) {
							return
						}
						if r.re.MatchString(text) != r.must {
							fails++
							if fails <= 3 {
								t.Errorf("rule %q (must=%v) broken by: %q", r.what, r.must, e.Text)
							}
						}
					}
					for _, r := range lrules {
						check(r, own)
					}
					for _, r := range rules {
						check(r, text)
					}
				}
			})
		}
	}
}

// TestBreadth checks that a default corpus uses every case type's words and
// every style: non-ASCII (Japanese), British spelling, headings and free
// text, numbered impressions, abbreviations and typos.
func TestBreadth(t *testing.T) {
	for _, task := range []string{TaskPancreas, TaskIRProcedure} {
		exs, err := Generate(task, 2000, 3)
		if err != nil {
			t.Fatal(err)
		}
		count := func(f func(string) bool) int {
			k := 0
			for _, e := range exs {
				if f(e.Text) {
					k++
				}
			}
			return k
		}
		hasJapanese := func(s string) bool {
			for _, r := range s {
				if unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Han) {
					return true
				}
			}
			return false
		}
		checks := []struct {
			name     string
			f        func(string) bool
			min, max float64
		}{
			{"japanese", hasJapanese, 0.08, 0.5},
			{"british", func(s string) bool {
				return regexp.MustCompile(`(?i)tumour|haemorrh|haemat|oedema|anaesth|centre|favour|oesoph|characteris|localis`).MatchString(s)
			}, 0.05, 0.8},
			{"headed", func(s string) bool {
				return regexp.MustCompile(`(?i)(impression|conclusion|findings|indication|history|summary|opinion|report|diagnosis|所見|診断)\s*[:】]`).MatchString(s)
			}, 0.3, 1},
			{"numbered", func(s string) bool { return regexp.MustCompile(`(?m)^(1\.|1\)|- )`).MatchString(s) }, 0.05, 0.9},
			{"one line", func(s string) bool { return !strings.ContainsAny(s, "\n") }, 0.02, 0.6},
			{"extracted (no headings, newline-joined)", func(s string) bool {
				return strings.Count(s, "\n") >= 2 && !regexp.MustCompile(`(?i)(impression|conclusion|findings|indication|summary|opinion|所見|診断)\s*[:】]`).MatchString(s)
			}, 0.2, 0.8},
		}
		re := func(p string) func(string) bool { return regexp.MustCompile(p).MatchString }
		checks = append(checks, []struct {
			name     string
			f        func(string) bool
			min, max float64
		}{
			{"addendum", re(`(?i)addendum`), 0.01, 0.2},
			{"dialect phrasing", re(`(?i)is suspected|\bs/o\b|condition after|state after|\bnil\b|kindly|is pointed out|\bSOL\b|no obvious|suspicion of|in the sense of`), 0.03, 0.5},
			{"250+ words", func(s string) bool { return len(strings.Fields(s)) >= 250 }, 0, 0.4},
		}...)
		if task == TaskPancreas {
			checks = append(checks, []struct {
				name     string
				f        func(string) bool
				min, max float64
			}{
				{"synoptic template", re(`(?im)^(- )?(SMA|Arterial|Venous|Tumou?r|ARTERIAL|VENOUS)\b.*:|CH\([+-]\), DU`), 0.02, 0.3},
				{"long report (250+ words)", func(s string) bool { return len(strings.Fields(s)) >= 250 }, 0.03, 0.4},
				{"recommendation section", re(`(?im)^(RECOMMENDATIONS?|Recommendations?|Plan|Comment|COMMENT|Adv|Advice|Suggest\w*)(\(s\))?:`), 0.02, 0.5},
			}...)
		} else {
			checks = append(checks, struct {
				name     string
				f        func(string) bool
				min, max float64
			}{"labelled field block", re(`(?im)^(needle|needle\(s\)|device|equipment|needle/system|complications?|immediate complications|drain|catheter|consent|informed consent)\s*(:|-)`), 0.1, 0.8})
		}
		for _, c := range checks {
			frac := float64(count(c.f)) / float64(len(exs))
			t.Logf("%s: %s in %.3f of reports", task, c.name, frac)
			if frac < c.min || frac > c.max {
				t.Errorf("%s: %s in %.3f of reports, want %.2f..%.2f", task, c.name, frac, c.min, c.max)
			}
		}
		uniq := map[string]bool{}
		for _, e := range exs {
			uniq[e.Text] = true
		}
		if len(uniq) < len(exs)*99/100 {
			t.Errorf("%s: only %d distinct texts of %d", task, len(uniq), len(exs))
		}
	}
}

func TestTyposOnlyWithNoise(t *testing.T) {
	noisy, _ := Generate(TaskPancreas, 500, 5)
	clean, _ := GenerateConfig(Config{Task: TaskPancreas, N: 500, Seed: 5, NoiseFree: true})
	// Noise-free text only uses words the templates hold; noisy text has
	// words that appear nowhere in the clean corpus.
	vocab := map[string]bool{}
	for _, e := range clean {
		for _, w := range strings.Fields(strings.ToLower(e.Text)) {
			vocab[strings.Trim(w, ".,;:()")] = true
		}
	}
	unknown := 0
	for _, e := range noisy {
		for _, w := range strings.Fields(strings.ToLower(e.Text)) {
			if !vocab[strings.Trim(w, ".,;:()")] {
				unknown++
			}
		}
	}
	if unknown == 0 {
		t.Error("noisy corpus has no words outside the clean vocabulary: typos are off")
	}
}

func TestFixArticles(t *testing.T) {
	tests := []struct{ in, want string }{
		{"an hypodense mass", "a hypodense mass"},
		{"a 18-gauge needle", "an 18-gauge needle"},
		{"a 8 Fr drain", "an 8 Fr drain"},
		{"a 1.8 cm lesion", "a 1.8 cm lesion"},
		{"An SMV", "An SMV"},
		{"A SMV", "An SMV"},
		{"an CT", "a CT"},
		{"a abdominal wall mass", "an abdominal wall mass"},
		{"an ureteric calculus", "a ureteric calculus"},
		{"segment IVa lesion", "segment IVa lesion"},
		{"a L1 lesion", "an L1 lesion"},
		{"a 11-gauge needle", "an 11-gauge needle"},
		{"a 110 mL", "a 110 mL"},
	}
	for _, tc := range tests {
		if got := fixArticles(tc.in); got != tc.want {
			t.Errorf("fixArticles(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestExpand(t *testing.T) {
	g := newGen(newRand(1), TaskPancreas, true)
	for i := 0; i < 200; i++ {
		got := g.x("{a|b{c|d}|} e {|f}.")
		switch got {
		case "A e.", "Bc e.", "Bd e.", "E.", "A e f.", "Bc e f.", "Bd e f.", "E f.":
		default:
			t.Fatalf("unexpected expansion %q", got)
		}
	}
}

func TestDatasetRoundTrip(t *testing.T) {
	exs, err := Generate(TaskIRProcedure, 50, 9)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := dataset.Write(&b, exs); err != nil {
		t.Fatal(err)
	}
	back, err := dataset.Read(strings.NewReader(b.String()), "mem", func(l int) bool { return l >= 1 && l <= 4 })
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, exs) {
		t.Fatal("round trip changed the examples")
	}
}

func BenchmarkGeneratePancreas(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := Generate(TaskPancreas, 100, int64(i)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGenerateIR(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := Generate(TaskIRProcedure, 100, int64(i)); err != nil {
			b.Fatal(err)
		}
	}
}

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 1)) }

// TestNoisyCues checks the per-label rules on the default corpus, noise and
// all: noise never makes a text say what its label forbids. A "must" cue
// may rarely be lost to a real-world misspelling ("FOLFIRNOX"), so those
// rules allow 1%.
func TestNoisyCues(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 900
	}
	for _, task := range []string{TaskPancreas, TaskIRProcedure} {
		exs, err := Generate(task, n, 21)
		if err != nil {
			t.Fatal(err)
		}
		mustFails := 0
		for _, e := range exs {
			text := familySentence.ReplaceAllString(notTreatment.ReplaceAllString(e.Text, ""), "")
			for _, r := range labelRules[task][e.Label] {
				if r.re.MatchString(text) == r.must {
					continue
				}
				if r.must {
					mustFails++
					continue
				}
				t.Errorf("%s label %d: rule %q broken by noisy text %q", task, e.Label, r.what, e.Text)
			}
		}
		if mustFails > n/100 {
			t.Errorf("%s: %d of %d noisy texts lost a required cue", task, mustFails, n)
		}
	}
}
