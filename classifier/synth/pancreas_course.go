package synth

// The treatment course of a cancer that is not pancreatic cancer
// (Config.SharedTreatment). In the default corpus the words of a treatment
// course belong to treated pancreatic cancer alone: "partial response" and
// "local recurrence" are only ever label 1, gemcitabine is never label 0,
// and "surgical bed" nine times in ten. A treated ampullary cancer or
// cholangiocarcinoma, or colon cancer restaged on FOLFOX, then reads as
// label 1 by its vocabulary, though the labelling guide makes it 0: what
// decides is which organ the treated cancer is in.

// otherCancer is a cancer of another organ and how it is treated.
type otherCancer struct {
	names   []string // as a history line names it
	surgery []string // "" where the cancer is seldom operated on
	rx      []string // systemic treatment, gemcitabine-based regimens included
	whipple bool     // operated on by pancreaticoduodenectomy
	organ   string   // where its findings are written
	site    []string // where it recurs or spreads, after "in the"/"at the"
	ja      string
}

var otherCancers = []otherCancer{
	{names: []string{"ampullary adenocarcinoma", "ampullary carcinoma (pancreatobiliary type)", "ampullary cancer", "carcinoma of the ampulla of Vater", "ampullary adenocarcinoma, intestinal type"},
		surgery: []string{"Whipple", "Whipple procedure", "pylorus-preserving pancreaticoduodenectomy", "pancreaticoduodenectomy"},
		rx:      []string{"adjuvant capecitabine", "gemcitabine", "gemcitabine and capecitabine", "FOLFOX", "adjuvant gemcitabine", "CAPOX"},
		whipple: true, organ: "pancreas", site: []string{"surgical bed", "Whipple bed", "resection bed", "root of the mesentery"}, ja: "十二指腸乳頭部癌術後。"},
	{names: []string{"distal cholangiocarcinoma", "distal bile duct cancer", "distal CBD cholangiocarcinoma", "extrahepatic cholangiocarcinoma"},
		surgery: []string{"Whipple", "pancreaticoduodenectomy", "Whipple procedure"},
		rx:      []string{"adjuvant capecitabine", "gemcitabine and cisplatin", "gemcitabine/cisplatin", "gemcitabine, cisplatin and durvalumab", "gemcitabine/capecitabine"},
		whipple: true, organ: "pancreas", site: []string{"surgical bed", "Whipple bed", "hepaticojejunostomy", "porta hepatis"}, ja: "遠位胆管癌術後。"},
	{names: []string{"duodenal adenocarcinoma", "duodenal cancer", "adenocarcinoma of the third part of the duodenum"},
		surgery: []string{"Whipple", "pancreaticoduodenectomy", "segmental duodenectomy"},
		rx:      []string{"CAPOX", "FOLFOX", "adjuvant capecitabine", "FOLFIRI"},
		whipple: true, organ: "pancreas", site: []string{"surgical bed", "resection bed", "duodenojejunal anastomosis"}, ja: "十二指腸癌術後。"},
	{names: []string{"hilar cholangiocarcinoma", "intrahepatic cholangiocarcinoma", "gallbladder carcinoma", "perihilar cholangiocarcinoma"},
		surgery: []string{"extended right hepatectomy", "left hepatectomy", "radical cholecystectomy", ""},
		rx:      []string{"gemcitabine and cisplatin", "gemcitabine/cisplatin/durvalumab", "gemcitabine, cisplatin and pembrolizumab", "second-line FOLFOX", "capecitabine"},
		organ:   "liver", site: []string{"resection margin", "hepatic hilum", "liver", "porta hepatis"}, ja: "胆管癌治療中。膵に異常なし。"},
	{names: []string{"sigmoid adenocarcinoma", "rectal cancer", "caecal adenocarcinoma", "colon cancer", "metastatic colorectal cancer", "CRC"},
		surgery: []string{"anterior resection", "right hemicolectomy", "sigmoid colectomy", "low anterior resection", ""},
		rx:      []string{"FOLFOX", "FOLFIRI and bevacizumab", "CAPOX", "capecitabine", "FOLFOXIRI", "FOLFIRI/cetuximab", "5-FU/leucovorin"},
		organ:   "liver", site: []string{"anastomosis", "presacral space", "liver", "resection bed"}, ja: "大腸癌化学療法中。膵に異常なし。"},
	{names: []string{"gastric adenocarcinoma", "gastric cancer", "GOJ adenocarcinoma", "oesophageal adenocarcinoma"},
		surgery: []string{"total gastrectomy", "subtotal gastrectomy", "Ivor Lewis oesophagectomy", ""},
		rx:      []string{"FLOT", "perioperative FLOT", "CAPOX", "nivolumab with FOLFOX", "neoadjuvant chemoradiation"},
		organ:   "bowel", site: []string{"gastric bed", "anastomosis", "peritoneum", "coeliac axis"}, ja: "胃癌術後化学療法。膵浸潤なし。"},
	{names: []string{"breast cancer", "metastatic breast cancer", "ER-positive breast cancer", "triple-negative breast cancer"},
		surgery: []string{"mastectomy", "wide local excision", ""},
		rx:      []string{"capecitabine", "gemcitabine and carboplatin", "paclitaxel", "letrozole and palbociclib", "trastuzumab deruxtecan", "gemcitabine"},
		organ:   "liver", site: []string{"liver", "skeleton", "mastectomy bed"}, ja: "乳癌肝転移、治療中。"},
	{names: []string{"non-small cell lung cancer", "lung adenocarcinoma", "NSCLC", "squamous cell lung cancer"},
		surgery: []string{"right upper lobectomy", "left lower lobectomy", "SBRT", ""},
		rx:      []string{"carboplatin and pemetrexed", "gemcitabine and carboplatin", "pembrolizumab", "osimertinib", "carboplatin/paclitaxel"},
		organ:   "lungs", site: []string{"bronchial stump", "mediastinum", "adrenal glands", "SBRT site"}, ja: "肺癌治療中。膵に異常なし。"},
	{names: []string{"urothelial carcinoma of the bladder", "bladder cancer", "upper tract urothelial carcinoma"},
		surgery: []string{"radical cystectomy", "nephroureterectomy", ""},
		rx:      []string{"gemcitabine and cisplatin", "neoadjuvant gemcitabine/cisplatin", "pembrolizumab", "enfortumab vedotin"},
		organ:   "pelvis", site: []string{"cystectomy bed", "pelvic sidewall", "retroperitoneum"}, ja: "膀胱癌治療後。"},
	{names: []string{"renal cell carcinoma", "clear cell RCC", "metastatic RCC"},
		surgery: []string{"left nephrectomy", "right nephrectomy", "partial nephrectomy", ""},
		rx:      []string{"sunitinib", "pembrolizumab and axitinib", "ipilimumab/nivolumab", "cabozantinib"},
		organ:   "kidneys", site: []string{"nephrectomy bed", "adrenal gland", "lungs"}, ja: "腎細胞癌術後。"},
	{names: []string{"pancreatic neuroendocrine tumour", "well-differentiated pNET", "grade 2 pancreatic NET", "non-functioning pancreatic neuroendocrine tumour"},
		surgery: []string{"distal pancreatectomy", "enucleation", "Whipple", ""},
		rx:      []string{"lanreotide", "octreotide LAR", "everolimus", "capecitabine and temozolomide (CAPTEM)", "Lu-177 DOTATATE (PRRT)", "sunitinib"},
		organ:   "pancreas", site: []string{"liver", "surgical bed", "pancreatic remnant"}, ja: "膵神経内分泌腫瘍、治療中。"},
	{names: []string{"diffuse large B-cell lymphoma", "follicular lymphoma", "DLBCL"},
		rx:    []string{"R-CHOP", "six cycles of R-CHOP", "rituximab maintenance", "R-bendamustine"},
		organ: "nodes", site: []string{"mesentery", "retroperitoneum", "para-aortic nodes"}, ja: "悪性リンパ腫治療後。"},
}

func pOtherCancerCourse(g *gen) *report {
	c := otherCancers[g.r.IntN(len(otherCancers))]
	name := g.pick(c.names...)
	op := ""
	if len(c.surgery) > 0 {
		op = g.pick(c.surgery...)
	}
	rx := g.pick(c.rx...)
	site := g.pick(c.site...)
	cyc := g.cycles()
	var ind string
	operated := op != "" && g.chance(0.55)
	switch {
	case operated:
		ind = g.xf("{%s |}%s, %s %s{, then %s| and %s| followed by %s|}. {Surveillance|Restaging|Rising CA 19-9 (%d U/mL)|Rising CEA|? recurrence|New abdominal pain|Routine follow-up}.",
			g.age(), capFirst(name), g.postOp(op), g.monthsAgo(), rx, rx, rx, g.between(40, 900))
	default:
		ind = g.xf("{%s |}{|Metastatic |Locally advanced |Recurrent }%s {on|receiving|after %s cycles of|having completed|currently on} %s. {Restaging|Response assessment|Interval restaging|Assess response|? progression}.",
			g.age(), name, cyc, rx)
	}
	// f holds the findings with their organs: metastases go under the
	// liver whatever the primary.
	var f []finding
	var imp []string
	add := func(organ string, texts ...string) { f = append(f, keys(organ, texts...)...) }
	whipple := operated && c.whipple && op != "segmental duodenectomy"
	if whipple && g.chance(0.8) {
		add(c.organ, g.postWhippleAnatomy(g.headSite()))
	} else if operated && op != "SBRT" && g.chance(0.5) {
		add(c.organ, g.xf("{Postsurgical changes|Expected postoperative changes|Post-operative appearances} {of|after} %s.", op))
	}
	switch g.between(0, 4) {
	case 0: // response
		add("liver", g.xf("{Hepatic|Liver} metastases {are smaller|have decreased in size}, the largest {now |}%s (previously %s).", g.cm(0.6, 2), g.cm(2.1, 4.5)))
		imp = append(imp, g.xf("{Partial response|Interval response|Treatment response|Partial treatment response} {of|in} the {hepatic metastases|metastatic disease|known disease} {on|to|after} {%s|chemotherapy|treatment}.", rx))
	case 1: // stable
		add(c.organ, g.x("{The known disease is|The treated lesions are|The known metastases are} {stable|unchanged} {since|compared with} the {prior|previous|baseline} {study|CT}."))
		imp = append(imp, g.xf("{Stable disease|No progression|Stable appearances} {on|after} %s.", rx))
	case 2: // local recurrence
		add(c.organ, g.xf("{New|Enlarging} %s soft tissue {mass|nodule} {in|at|along} the %s{, encasing the SMA by about 180 degrees|, abutting the SMV| with central necrosis|}.", g.cm(1.2, 4), site))
		after := ""
		if op != "" {
			after = g.pick("", " after "+op)
		}
		imp = append(imp, g.xf("{Local recurrence|Findings consistent with local recurrence|Recurrent tumour} of %s {in|at} the %s%s.", name, site, after))
	case 3: // progression
		add("liver", g.metastases(true)...)
		imp = append(imp, g.xf("{Progressive disease|Disease progression|Progression} {on|despite} %s{, with new hepatic metastases|}.", rx))
	default: // no recurrence
		add("liver", g.metastases(false)...)
		imp = append(imp, g.xf("No {evidence of |}{recurrent|residual|metastatic} %s.", name))
	}
	if g.chance(0.2) && (op == "SBRT" || g.chance(0.3)) {
		add(c.organ, g.x("{Fiducial markers|Fiducials} {in place|unchanged in position}."))
	}
	// The pancreas itself: normal, its remnant after a Whipple, or not said.
	switch {
	case whipple:
		if g.chance(0.6) {
			add("pancreas", g.x("{The pancreatic remnant is unremarkable|The pancreatic remnant and pancreaticojejunostomy appear unremarkable|No mass in the pancreatic remnant}."))
		}
	case c.organ == "pancreas" && !c.whipple:
		// A pNET: the pancreas is where it is; nothing more to add.
	case g.chance(0.6):
		add("pancreas", g.normalPancreas())
	}
	if g.chance(0.25) {
		imp = append(imp, g.x("{The pancreas is unremarkable|No pancreatic lesion|No pancreatic mass}."))
	}
	rep := &report{
		indication: []string{ind},
		technique:  []string{g.techniqueRoutine()},
		findings:   f,
		impression: imp,
		ja:         []string{c.ja},
	}
	return g.assemble(rep, c.organ, "pancreas", "liver")
}

// twinCancer is a cancer written by a label-1 case type in place of
// pancreatic cancer (gen.twin).
type twinCancer struct {
	names []string
	ja    string
}

// periampullaryTwins are treated like pancreatic head cancer (a Whipple,
// often adjuvant chemotherapy) and recur in the same bed, so only the name
// of the cancer tells their reports apart.
var periampullaryTwins = []twinCancer{
	{names: []string{"ampullary adenocarcinoma", "ampullary carcinoma", "carcinoma of the ampulla of Vater", "ampullary adenocarcinoma (pancreatobiliary type)", "ampullary cancer"}, ja: "十二指腸乳頭部癌"},
	{names: []string{"distal cholangiocarcinoma", "distal bile duct cancer", "distal CBD cholangiocarcinoma", "distal common bile duct adenocarcinoma"}, ja: "遠位胆管癌"},
	{names: []string{"duodenal adenocarcinoma", "duodenal cancer", "adenocarcinoma of the second part of the duodenum"}, ja: "十二指腸癌"},
}

// pPeriampullaryTwin writes a resected pancreatic cancer's report, clear or
// recurrent, for a periampullary cancer (label 0).
func pPeriampullaryTwin(g *gen) *report {
	t := periampullaryTwins[g.r.IntN(len(periampullaryTwins))]
	g.twin = &t
	defer func() { g.twin = nil }()
	if g.chance(0.5) {
		return pPostResectionClear(g)
	}
	return pPostResectionRecurrence(g)
}

// named is def, the words a case type uses for pancreatic cancer, or the
// twin's name when the case writes about a twin.
func (g *gen) named(def string) string {
	if g.twin == nil {
		return def
	}
	return g.pick(g.twin.names...)
}

// namedJA is named for the Japanese sentences.
func (g *gen) namedJA(def string) string {
	if g.twin == nil {
		return def
	}
	return g.twin.ja
}
