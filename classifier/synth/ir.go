package synth

import (
	"fmt"
	"regexp"
	"strings"
)

// irCases lists the case types of the ir_procedure task. The label is the
// kind of procedure: drainage (1), soft-tissue biopsy (2), lung biopsy (3),
// bone biopsy (4); a procedure that does two things is labelled by the main
// purpose its impression states.
func irCases() []caseType {
	return []caseType{
		{"drain_abscess", 1, 4, "catheter drainage of an abscess (hepatic, subphrenic, pelvic, psoas, perirenal, appendiceal, ...)", irDrainAbscess},
		{"drain_collection", 1, 2.5, "drainage of a biloma, urinoma, lymphocele, seroma, pseudocyst, necrotic collection or infected haematoma", irDrainCollection},
		{"drain_empyema", 1, 1, "CT-guided chest drain for empyema or lung abscess", irDrainEmpyema},
		{"aspiration_only", 1, 1.2, "needle aspiration of a collection without leaving a drain", irAspiration},
		{"drain_exchange", 1, 0.5, "repositioning or upsizing of an existing drain", irDrainExchange},
		{"drain_with_sample", 1, 0.8, "drainage whose impression states drainage as the main purpose, with a sample also taken", irDrainWithSample},
		{"biopsy_soft_tissue", 2, 6, "biopsy of liver, kidney, adrenal, pancreas, spleen, nodes, peritoneum, omentum, retroperitoneum, muscle or a soft-tissue mass", irSoftBiopsy},
		{"biopsy_necrotic_with_drain", 2, 0.8, "biopsy of a necrotic mass whose impression states tissue diagnosis as the main purpose, a drain or aspiration secondary", irBiopsyWithDrain},
		{"biopsy_lung", 3, 6, "biopsy of a lung nodule, mass, consolidation or pleural-based lung lesion, with or without pneumothorax", irLungBiopsy},
		{"biopsy_bone", 4, 6, "biopsy of vertebra, sacrum, pelvis, rib, long bone, sternum, scapula; lytic or sclerotic lesions; iliac bone marrow; discitis endplate", irBoneBiopsy},
		{"drain_lung_abscess", 1, 0.6, "drainage of a peripheral lung abscess (lung words, but a drain)", irLungAbscessDrain},
		{"drain_liver_abscess_vs_mets", 1, 0.5, "complex liver lesion, ? abscess vs necrotic metastasis: pus aspirated, drain placed", irLiverAbscessVsMets},
		{"drain_cholecystostomy", 1, 0.5, "percutaneous cholecystostomy", irCholecystostomy},
		{"drain_pleural_ascites", 1, 0.5, "drainage of a loculated pleural effusion or loculated ascites", irPleuralAscitesDrain},
		{"aspiration_cyst", 1, 0.4, "aspiration (and sclerotherapy) of a renal or hepatic cyst or lymphocele", irCystAspiration},
		{"biopsy_chest_wall", 2, 0.6, "extrapleural chest-wall soft-tissue mass (not a pleural-based lung lesion)", irChestWallMass},
		{"biopsy_paravertebral", 2, 0.5, "paravertebral soft-tissue mass, vertebral body not sampled", irParavertebralSoft},
		{"biopsy_soft_eroding_bone", 2, 0.4, "soft-tissue mass with pressure erosion of bone; the mass sampled", irSoftMassErodingBone},
		{"biopsy_liver_not_abscess", 2, 0.5, "? liver abscess: aspirate non-purulent, cores of the lesion, no drain", irLiverLesionNotAbscess},
		{"biopsy_hilar_node", 2, 0.6, "lymph node near a hilum (lung hilum, paratracheal, porta hepatis, renal hilum)", irHilarNode},
		{"biopsy_lung_cavity", 3, 0.6, "cavitary lung lesion, ? abscess vs carcinoma: wall biopsied, no drain", irLungCavityBiopsy},
		{"biopsy_bone_soft_component", 4, 0.6, "lytic bone lesion (vertebra, rib, ilium, sacrum) sampled through its soft-tissue component", irBoneSoftComponent},
	}
}

// ---- shared procedure fragments ----

func (g *gen) consent() string {
	return g.x("{The risks, benefits and alternatives of the procedure were {explained to|discussed with} the patient and {written |}informed consent was obtained.|Informed consent was obtained.|Written informed consent obtained.|Consent: {written|verbal and written} informed consent was obtained after discussion of risks including bleeding and infection.|}")
}

func (g *gen) timeout() string {
	return g.x("{A time-out was performed{| to confirm patient identity, procedure and site}.|Universal protocol was followed.|Pre-procedure time-out completed.|}")
}

func (g *gen) sedation() string {
	return g.xf("{Local anaesthesia was achieved with %d {mL|cc} of {1%%|2%%} lidocaine.|Under local anesthesia with {1%%|2%%} lidocaine.|Moderate sedation was administered using {IV midazolam %d mg and fentanyl %d mcg|midazolam and fentanyl} with continuous monitoring{| by a registered nurse}{| for %d minutes of intraservice time}.|The procedure was performed under general anesthesia {administered by|provided by} the anesthesia team.|Monitored anesthesia care was provided.|Conscious sedation with midazolam and fentanyl; local lidocaine.|Local anaesthetic only.|Local anaesthetic ({5|10|20} ml 1%% lignocaine).|Sedation: none; local lignocaine.}",
		g.between(5, 20), g.between(1, 4), g.between(50, 150), g.between(15, 60))
}

func (g *gen) prep() string {
	return g.x("{The skin was prepped and draped in the usual sterile fashion.|Sterile preparation and draping.|Under sterile conditions.|The {site|skin} was cleaned with chlorhexidine and draped.|Under aseptic technique.|Aseptic technique with chlorhexidine skin preparation.|}")
}

func (g *gen) position(pos ...string) string {
	p := g.pick(pos...)
	placed := p
	if strings.Contains(p, "decubitus") || strings.Contains(p, "oblique") {
		placed = "in the " + p + " position"
	}
	return g.xf("{The patient was placed %s on the CT table.|Patient positioned %s.|The patient was positioned %s.|Position: %s.}", placed, p, placed, p)
}

func (g *gen) noComplication() string {
	return g.x("{No immediate complications.|There were no immediate complications.|The patient tolerated the procedure well{| without immediate complication}.|No complications.|Post-procedure images show no complication.|Post-procedure CT shows no haematoma.|The patient left the department in stable condition.}")
}

func (g *gen) ctGuided() string {
	return g.pick("CT-guided", "CT guided", "CT-guided percutaneous", "percutaneous CT-guided", "CT fluoroscopy-guided", "image-guided (CT)")
}

// irReport decides how the procedure is told and where: a PROCEDURE
// section or the findings, as a long narrative, a block of labelled
// fields, both, or a brief note, as different departments write it. The
// builder's g.proc, when set, says what was done.
func (g *gen) irReport(ind, jaInd string, narrative, pre []string, imp []string, ja []string, jaImp []string) *report {
	rep := &report{indication: []string{ind}, jaIndication: jaInd, procedure: true, ja: ja, jaImpression: jaImp}
	p := g.proc
	g.proc = nil
	if p != nil && p.title == "" && len(imp) > 0 {
		p.title = procTitle(imp[0])
	}
	switch x := g.r.Float64(); {
	case p != nil && x < 0.12:
		narrative = []string{g.fieldBlock(p)}
	case p != nil && x < 0.32:
		narrative = append([]string{g.fieldBlock(p)}, dropPrelims(narrative)...)
	case p != nil && x < 0.40:
		narrative = append(dropPrelims(narrative), g.fieldBlock(p))
	case p != nil && x < 0.58:
		narrative = []string{g.narrativeNote(p)}
	case len(imp) > 0 && x < 0.66:
		narrative = append(g.procedureFields(imp[0], narrative), narrative...)
	}
	if g.chance(0.55) {
		rep.technique = narrative
		rep.findings = keys("", pre...)
	} else {
		rep.findings = keys("", append(pre, narrative...)...)
	}
	for i := range rep.findings {
		rep.findings[i].block = strings.Contains(rep.findings[i].text, "\n")
	}
	rep.nKey = len(rep.findings)
	if !g.st.terse && g.chance(0.3) {
		rep.findings = append(rep.findings, g.distractorFindings(g.between(1, 3), "liver", "kidneys", "lungs", "bones", "pancreas", "adrenals", "spleen", "peritoneum", "nodes", "soft tissues", "pelvis")...)
	}
	rep.impression = imp
	if g.chance(0.3) {
		rep.comparison = g.comparisonLine()
	}
	if g.chance(0.04) {
		rep.addendum = []string{g.irAddendum(imp)}
	}
	return rep
}

// prelimRe finds the consent, time-out and sedation sentences of a
// narrative, which a field block states instead.
var prelimRe = regexp.MustCompile(`(?i)consent|time-out|universal protocol|sedation|anaesthe|anesthe|lidocaine|lignocaine|midazolam`)

func dropPrelims(narr []string) []string {
	var out []string
	for _, s := range narr {
		if !prelimRe.MatchString(s) {
			out = append(out, s)
		}
	}
	return out
}

// irAddendum is an addendum an IR report gets later: the result of what
// was sent, which agrees with what the procedure was.
func (g *gen) irAddendum(imp []string) string {
	first := ""
	if len(imp) > 0 {
		first = strings.ToLower(imp[0])
	}
	if strings.Contains(first, "drain") || strings.Contains(first, "aspirat") {
		return g.pf("{Culture|Fluid culture|Microbiology} {grew|result:} {Escherichia coli|Klebsiella pneumoniae|Streptococcus anginosus|mixed anaerobes|Staphylococcus aureus|no growth at 48 hours}; {antibiotics adjusted by the team|results conveyed to the ward|for clinical correlation}.")
	}
	return g.pf("{Pathology|Histology|Final pathology}: {metastatic adenocarcinoma|diffuse large B-cell lymphoma|non-small cell carcinoma, favour adenocarcinoma|granulomatous inflammation|benign tissue, no malignancy|metastatic renal cell carcinoma|plasma cell neoplasm|squamous cell carcinoma}{|; concordant with imaging|, discussed with the referring team}.")
}

// procTitle is a procedure's title from its impression's first sentence.
func procTitle(firstImp string) string {
	title := firstImp
	for _, p := range []string{"Technically successful ", "Successful ", "Uncomplicated "} {
		title = strings.TrimPrefix(title, p)
	}
	title = strings.TrimSuffix(capFirst(title), ".")
	if i := strings.IndexAny(title, ";."); i > 0 {
		title = title[:i]
	}
	return title
}

func nonEmpty(xs ...string) []string {
	var out []string
	for _, x := range xs {
		if strings.TrimSpace(x) != "" {
			out = append(out, x)
		}
	}
	return out
}

// ---- drainage ----

type collectionSite struct {
	en, ja   string
	kind     string // abscess word used
	pos      []string
	approach []string
	ind      []string
}

var abscessSites = []collectionSite{
	{"right hepatic lobe", "肝右葉", "liver abscess", []string{"supine", "left lateral decubitus"}, []string{"right intercostal", "subcostal", "anterior subcostal", "right lateral intercostal"}, []string{"Fever, right upper quadrant pain and a hepatic collection", "Pyogenic liver abscess on ultrasound", "Klebsiella bacteraemia with liver abscess"}},
	{"right subphrenic space", "右横隔膜下", "subphrenic abscess", []string{"supine", "left lateral decubitus"}, []string{"right intercostal", "subcostal"}, []string{"Fever after laparoscopic cholecystectomy", "Post-operative fever and subphrenic collection"}},
	{"left subphrenic space", "左横隔膜下", "subphrenic abscess", []string{"supine", "right lateral decubitus"}, []string{"left intercostal", "left subcostal"}, []string{"Fever after splenectomy", "Post-gastrectomy collection with fever"}},
	{"pelvis", "骨盤腔", "pelvic abscess", []string{"prone", "supine"}, []string{"transgluteal", "anterior transabdominal", "right transgluteal through the greater sciatic foramen"}, []string{"Perforated diverticulitis with pelvic abscess", "Post-operative pelvic collection and rising CRP", "Fever after low anterior resection"}},
	{"right psoas muscle", "右腸腰筋", "psoas abscess", []string{"prone"}, []string{"posterior", "posterolateral"}, []string{"Back pain, fever and right psoas collection", "Crohn's disease with psoas abscess"}},
	{"left psoas muscle", "左腸腰筋", "psoas abscess", []string{"prone"}, []string{"posterior", "posterolateral"}, []string{"Fever and left hip pain, psoas collection", "MRSA bacteraemia with psoas abscess"}},
	{"right lower quadrant", "右下腹部", "periappendiceal abscess", []string{"supine"}, []string{"anterior", "right anterolateral"}, []string{"Perforated appendicitis with abscess", "Appendiceal abscess, for drainage"}},
	{"left paracolic gutter", "左傍結腸溝", "paracolic abscess", []string{"supine", "right lateral decubitus"}, []string{"left anterolateral", "anterior"}, []string{"Diverticular abscess", "Complicated diverticulitis with collection"}},
	{"right perinephric space", "右腎周囲", "perinephric abscess", []string{"prone"}, []string{"posterior", "right posterior flank"}, []string{"Pyelonephritis not responding to antibiotics, perinephric collection"}},
	{"spleen", "脾", "splenic abscess", []string{"supine", "right lateral decubitus"}, []string{"left intercostal", "left lateral"}, []string{"Endocarditis with splenic abscess"}},
	{"lesser sac", "網嚢", "infected collection", []string{"supine"}, []string{"anterior transgastric-avoiding", "left anterior"}, []string{"Infected walled-off necrosis", "Necrotising pancreatitis with gas in the collection"}},
	{"presacral space", "仙骨前面", "presacral abscess", []string{"prone"}, []string{"transgluteal", "trans-sacral notch"}, []string{"Anastomotic leak after anterior resection", "Presacral collection after rectal surgery"}},
	{"interloop mesentery", "腸間膜", "interloop abscess", []string{"supine"}, []string{"anterior"}, []string{"Crohn's disease with interloop abscess"}},
	{"abdominal wall", "腹壁", "abdominal wall abscess", []string{"supine"}, []string{"anterior"}, []string{"Post-operative wound collection with fever"}},
	{"subhepatic space", "肝下面", "subhepatic abscess", []string{"supine", "left lateral decubitus"}, []string{"right anterior subcostal"}, []string{"Fever after cholecystectomy with subhepatic collection"}},
}

func (g *gen) frSize() string { return g.pick("8", "8.5", "10", "10.2", "12", "12", "14", "16") }

func (g *gen) drainNarrative(siteEN, approach, fluid, fr string, ml int, sample bool) []string {
	cath := g.pick("locking pigtail drainage catheter", "multipurpose drainage catheter", "pigtail catheter", "Cook drainage catheter", "Dawson-Mueller catheter", "all-purpose drainage catheter", "Skater drain")
	named := g.drainCatheter(fr)
	tech := g.pick(
		g.xf("Using CT guidance, an {18-gauge|19-gauge|21-gauge} {needle|trocar needle|Yueh needle|Chiba needle} was advanced via a %s approach into the collection. {A guidewire was coiled within the collection and the tract dilated (Seldinger technique).|Over an Amplatz wire, the tract was serially dilated.|}", approach),
		g.xf("Via a %s approach, a %s French %s was placed into the collection using {trocar|tandem trocar|direct trocar} technique.", approach, fr, cath),
		g.xf("%s. {A|An} %s was {placed|deployed} {and its loop formed|and locked} within the collection.", capFirst(g.drainTechnique(approach)), named),
	)
	out := []string{tech}
	if !strings.Contains(tech, "French") && !strings.Contains(tech, named) {
		out = append(out, g.xf("A %s {Fr|French|F} %s was {placed|advanced|deployed} with its {loop|pigtail} {formed|locked} in the %s.", fr, cath, siteEN))
	}
	if p := g.proc; p != nil {
		p.approach, p.drain = approach, named
		p.needle = g.pick("18G trocar needle", "19G Yueh needle", "18G Chiba needle", "trocar", "Neff introducer set", "18G access needle, 0.035 wire")
		p.output = fmt.Sprintf("%d mL %s fluid", ml, fluid)
		if p.specimens == "" {
			p.specimens = g.pick("microbiology", "Gram stain and culture", "culture and sensitivity", "microbiology, cell count")
		}
		if p.target == "" {
			p.target = "collection in the " + siteEN
		}
	}
	out = append(out, g.xf("{Approximately |}%d {mL|ml|cc} of %s fluid was aspirated{| and the cavity irrigated}{| and sent for {Gram stain and culture|culture and sensitivity|microbiology|culture, cell count and amylase}}.", ml, fluid))
	if sample {
		out = append(out, g.x("A sample was sent for {cytology|culture and cytology|microbiology and cytology}."))
	}
	out = append(out, g.x("{The catheter was secured to the skin {with a suture|with a StatLock device|with a retention disc} and connected to {a drainage bag|gravity drainage|bulb suction}.|The drain was sutured in place and connected to bag drainage.|Catheter secured.}"))
	return out
}

func (g *gen) fluid() string {
	return g.pick("purulent", "frank pus", "turbid", "foul-smelling purulent", "brown purulent", "thick yellow", "cloudy", "blood-stained purulent", "seropurulent")
}

func irDrainAbscess(g *gen) *report {
	s := abscessSites[g.r.IntN(len(abscessSites))]
	approach := g.pick(s.approach...)
	size := g.cm(3, 12)
	ml := g.between(5, 60) * 10
	ind := g.xf("%s{|, for CT-guided drainage|. Request drain|. Please drain}.", g.pick(s.ind...))
	pre := []string{g.preLine(g.pf("a {rim-enhancing|gas-containing|loculated|multiloculated|} fluid collection in the %s measuring {approximately |}%s{| with an enhancing wall| containing foci of gas}", s.en, size), "drainage")}
	narr := nonEmpty(g.consent(), g.timeout(), g.position(s.pos...), g.sedation(), g.prep())
	fr := g.frSize()
	g.proc = &procInfo{target: s.kind}
	narr = append(narr, g.drainNarrative(s.en, approach, g.fluid(), fr, ml, false)...)
	narr = append(narr, g.noComplication())
	imp := []string{g.xf("{Successful|Uncomplicated|Technically successful} %s {drainage|percutaneous drainage|catheter drainage|drain placement} of {a|the} %s {with placement of a %s Fr drain|}{|; %d mL of pus aspirated}.", g.ctGuided(), s.kind, fr, ml)}
	if g.chance(0.4) {
		imp = append(imp, g.x("{Samples sent for microbiology|Fluid sent for culture}{|. Drain to gravity; flush with 10 mL saline {daily|three times daily}}."))
	}
	if g.chance(0.2) {
		imp = append(imp, g.x("{Follow-up CT or sinogram in {5|7|10} days before removal|IR will follow the patient for drain care}."))
	}
	return g.irReport(ind, s.ja+"膿瘍、ドレナージ依頼。", narr, pre, imp,
		[]string{s.ja + "膿瘍に対しCTガイド下ドレナージを施行。", "排膿あり、培養提出。", "合併症なし。"},
		[]string{s.ja + "膿瘍、CTガイド下ドレナージ術。"})
}

func irDrainCollection(g *gen) *report {
	type coll struct{ name, site, fluid, ind, ja string }
	cs := []coll{
		{"biloma", g.pick("gallbladder fossa", "right subhepatic space", "hepatectomy bed", "perihepatic space"), g.pick("bilious", "bile-stained", "green bilious"), g.pick("Bile leak after laparoscopic cholecystectomy", "Post-hepatectomy bile leak", "Biloma after liver transplant"), "胆汁漏（ビローマ）"},
		{"urinoma", g.pick("left retroperitoneum", "perirenal space", "pelvis adjacent to the transplant kidney", "right perinephric space"), g.pick("clear yellow", "straw-coloured", "serous"), g.pick("Urinoma after partial nephrectomy", "Renal transplant with perigraft collection, creatinine-rich", "Ureteric injury with urinoma"), "尿瘤"},
		{"lymphocele", g.pick("left pelvic sidewall", "right pelvic sidewall", "transplant kidney region"), g.pick("clear", "serous", "straw-coloured"), g.pick("Lymphocele after pelvic lymph node dissection", "Symptomatic lymphocele after renal transplant"), "リンパ嚢腫"},
		{"infected haematoma", g.pick("right rectus sheath", "pelvis", "retroperitoneum", "splenic bed"), g.pick("old blood", "dark haemorrhagic", "altered blood and pus"), g.pick("Fever with a post-operative haematoma", "Infected pelvic haematoma after hysterectomy"), "感染性血腫"},
		{"pseudocyst", g.pick("lesser sac", "pancreatic tail region", "left anterior pararenal space"), g.pick("brown", "turbid", "amylase-rich"), g.pick("Symptomatic pancreatic pseudocyst", "Enlarging pseudocyst with early satiety"), "膵仮性嚢胞"},
		{"infected necrotic collection", g.pick("lesser sac", "left paracolic gutter", "peripancreatic region"), g.pick("purulent and necrotic", "turbid with debris"), g.pick("Infected walled-off pancreatic necrosis", "Necrotising pancreatitis with sepsis"), "感染性膵壊死"},
		{"seroma", g.pick("right groin", "abdominal wall", "axilla"), g.pick("serous", "straw-coloured"), g.pick("Enlarging symptomatic seroma after hernia repair", "Seroma after groin dissection"), "漿液腫"},
		{"fluid collection", g.pick("pelvis", "left subphrenic space", "right paracolic gutter", "Morison's pouch"), g.pick("serous", "serosanguinous", "cloudy"), g.pick("Post-operative fluid collection with fever", "Persistent collection after bowel surgery"), "液体貯留"},
	}
	c := cs[g.r.IntN(len(cs))]
	ml := g.between(3, 80) * 10
	approach := g.pick("anterior", "posterior", "right lateral", "left lateral", "transgluteal", "subcostal", "intercostal", "anterolateral")
	ind := g.xf("%s{|. CT-guided drainage requested|. Please drain}.", c.ind)
	pre := []string{g.preLine(g.pf("a {well-defined|loculated|simple|} %s in the %s measuring {approximately |}%s", c.name, c.site, g.cm(3, 14)), "drainage")}
	narr := nonEmpty(g.consent(), g.timeout(), g.position("supine", "prone", "left lateral decubitus", "right lateral decubitus"), g.sedation(), g.prep())
	fr := g.frSize()
	g.proc = &procInfo{target: c.name + " in the " + c.site}
	narr = append(narr, g.drainNarrative(c.site, approach, c.fluid, fr, ml, false)...)
	narr = append(narr, g.noComplication())
	imp := []string{g.xf("{Successful|Uncomplicated} %s drainage of {a|the} %s %s{| with a %s Fr catheter}{|; %d mL of %s fluid drained}.", g.ctGuided(), c.site, c.name, fr, ml, c.fluid)}
	return g.irReport(ind, c.ja+"、ドレナージ依頼。", narr, pre, imp, []string{c.ja + "に対しCTガイド下ドレナージを施行。"}, []string{c.ja + "ドレナージ術。"})
}

func irDrainEmpyema(g *gen) *report {
	side := g.pick("right", "left")
	abscess := g.chance(0.25)
	what := "empyema"
	if abscess {
		what = "lung abscess"
	}
	ind := g.xf("{Loculated|Complex} {%s pleural effusion|%s empyema|%s parapneumonic collection} {not amenable to ultrasound-guided drainage|with fever|despite antibiotics}{|. CT-guided chest drain}.", side, side, side)
	if abscess {
		ind = g.xf("{Peripheral|Large} %s lung abscess not responding to antibiotics.", side)
	}
	pre := []string{g.xf("{Loculated|Multiloculated|Rim-enhancing} {pleural|} {fluid collection|collection} {in the %s hemithorax|at the %s lung base|posteriorly in the %s pleural space} measuring %s{| with the split pleura sign}.", side, side, side, g.cm(4, 12))}
	if abscess {
		pre = []string{g.xf("Thick-walled cavitary lesion in the %s lower lobe abutting the pleura, measuring %s, with an air-fluid level.", side, g.cm(4, 9))}
	}
	fr := g.pick("10", "12", "14", "16")
	eml, efl := g.between(10, 90)*10, g.pick("purulent", "turbid", "thick")
	g.proc = &procInfo{target: side + " " + what, approach: side + " intercostal", needle: g.pick("18G needle, Seldinger", "trocar", "Wayne pneumothorax kit", "Thal-Quick set"),
		drain: fr + " Fr " + g.pick("pigtail chest drain", "chest tube", "locking pigtail catheter", "Thal-Quick chest tube"), output: fmt.Sprintf("%d mL %s fluid", eml, efl),
		specimens: g.pick("microbiology", "pH, LDH and culture", "culture and cytology"), lung: true}
	narr := nonEmpty(g.consent(), g.timeout(), g.position("prone", "supine", side+" side up decubitus"), g.sedation(), g.prep(),
		g.xf("Via a %s {intercostal|posterior intercostal|lateral intercostal} approach {above the rib|along the superior margin of the rib}, a %s Fr {pigtail chest drain|chest tube|locking pigtail catheter} was placed into the %s{| using Seldinger technique}.", side, fr, what),
		g.xf("%d mL of %s fluid was aspirated and sent for {culture|pH, LDH and culture|microbiology}.", eml, efl),
		g.x("The drain was connected to an underwater seal{| and secured}."),
		g.x("{No pneumothorax on post-procedure images|Small pneumothorax, expected, with drain in situ|No immediate complications}."))
	imp := []string{g.xf("{Successful|Uncomplicated} %s %s Fr {chest drain|pigtail drain} {placement|insertion} {into|for} {the|a} %s %s.", g.ctGuided(), fr, side, what)}
	return g.irReport(ind, "膿胸、胸腔ドレナージ依頼。", narr, pre, imp, []string{"膿胸に対しCTガイド下胸腔ドレナージを施行。"}, []string{"膿胸ドレナージ。"})
}

func irAspiration(g *gen) *report {
	s := abscessSites[g.r.IntN(len(abscessSites))]
	other := g.pick("", "small collection", "cyst", "fluid collection")
	what := s.kind
	if other != "" && g.chance(0.5) {
		what = other
	}
	ml := g.between(1, 40) * 5
	ind := g.xf("{%s|Collection in the %s}{|, too small for drain placement|, for aspiration and culture|. Diagnostic aspiration requested}.", g.pick(s.ind...), s.en)
	pre := []string{g.preLine(g.pf("a {small |}{fluid collection|collection} {in the %s|measuring %s in the %s}", s.en, g.cm(1.5, 4.5), s.en), "aspiration")}
	afl := g.fluid()
	g.proc = &procInfo{target: what, approach: g.pick(s.approach...), needle: g.pick("18G needle", "20G spinal needle", "22G Chiba needle", "18G Yueh needle"),
		output: fmt.Sprintf("%d mL %s fluid", ml, afl), specimens: g.pick("Gram stain and culture", "microbiology"), drain: g.pick("none (aspiration only)", "none", "not placed — aspirated to dryness")}
	narr := nonEmpty(g.consent(), g.timeout(), g.position(s.pos...), g.sedation(), g.prep(),
		g.xf("Under CT guidance, an {18-gauge|20-gauge|22-gauge} {needle|spinal needle|Chiba needle} was advanced via a %s approach into the collection and %d mL of %s fluid was aspirated{| to dryness}.", g.proc.approach, ml, afl),
		g.x("{The collection was aspirated to near completion; no drain was left as the residual was minimal.|No drain was placed given the small size.|Aspiration only; no catheter placed.}"),
		g.x("Samples sent for {Gram stain and culture|microbiology|culture}."),
		g.noComplication())
	imp := []string{g.xf("{Successful|Uncomplicated} %s {needle aspiration|aspiration} of {the|a} %s {in the %s|}{; %d mL aspirated| with near-complete evacuation}. {No drain left.|Fluid sent for culture.|}", g.ctGuided(), what, s.en, ml)}
	return g.irReport(ind, s.ja+"の液体貯留、穿刺吸引依頼。", narr, pre, imp, []string{"CTガイド下穿刺吸引を施行、ドレーン留置せず。"}, nil)
}

func irDrainExchange(g *gen) *report {
	s := abscessSites[g.r.IntN(len(abscessSites))]
	from := g.between(8, 12)
	to := from + 2 + 2*g.between(0, 2)
	ind := g.xf("{Existing|Indwelling} %s drain {not draining|poorly draining|dislodged|with persistent collection}. {Reposition or upsize|Drain check and exchange}.", s.kind)
	pre := []string{g.xf("{Residual|Persistent} {collection|abscess} in the %s measuring %s with the existing drain {retracted to its margin|kinked|outside the cavity}.", s.en, g.cm(2.5, 8))}
	ml, fluid := g.between(2, 30)*10, g.pick("purulent", "turbid")
	g.proc = &procInfo{target: s.kind, approach: "via the existing tract", needle: g.pick("0.035 Amplatz wire", "Amplatz Super Stiff wire", "over-the-wire exchange"),
		drain: fmt.Sprintf("%d Fr locking pigtail (upsized from %d Fr)", to, from), output: fmt.Sprintf("%d mL %s fluid", ml, fluid)}
	narr := nonEmpty(g.consent(), g.sedation(),
		g.xf("The existing %d Fr drain was {exchanged over a wire|removed over an Amplatz wire} for a %d Fr {locking pigtail|drainage} catheter repositioned within the collection under CT guidance.", from, to),
		g.xf("{A further |}%d mL of %s fluid drained.", ml, fluid),
		g.noComplication())
	imp := []string{g.xf("{Successful|Uncomplicated} CT-guided {upsizing|exchange and repositioning} of the %s drain {to %d Fr|}{|; residual collection now drained}.", s.kind, to)}
	return g.irReport(ind, "ドレーン不良、入れ替え依頼。", narr, pre, imp, []string{"ドレーン入れ替え（膿瘍ドレナージ）。"}, nil)
}

func irDrainWithSample(g *gen) *report {
	s := abscessSites[g.r.IntN(len(abscessSites))]
	ml := g.between(5, 40) * 10
	ind := g.xf("%s. {Drainage; please also send fluid for cytology|Drain and send samples|Collection for drainage, ? underlying lesion}.", g.pick(s.ind...))
	pre := []string{g.xf("{Thick-walled|Rim-enhancing} collection in the %s measuring %s.", s.en, g.cm(4, 10))}
	narr := nonEmpty(g.consent(), g.timeout(), g.position(s.pos...), g.sedation(), g.prep())
	fr := g.frSize()
	g.proc = &procInfo{target: s.kind, specimens: g.pick("microbiology and cytology", "culture; cytology", "Gram stain, culture and cytology")}
	narr = append(narr, g.drainNarrative(s.en, g.pick(s.approach...), g.fluid(), fr, ml, true)...)
	cores := g.chance(0.4)
	if cores {
		narr = append(narr, g.x("{An 18-gauge core sample of the collection wall was also obtained.|Two 18G cores of the thickened wall were taken to exclude an underlying lesion.}"))
	}
	narr = append(narr, g.noComplication())
	imp := []string{
		g.xf("{Successful|Uncomplicated} %s drainage of %s with a %s Fr {drain|pigtail catheter}{|; %d mL drained}.", g.ctGuided(), s.kind, fr, ml),
		g.x("{Fluid also sent for cytology|Additional wall sample sent for histology}{| — the main aim was drainage of the collection}."),
	}
	if cores {
		// A sample of tissue as well: the impression says which was the point.
		imp[1] = g.x("{A wall sample was also sent for histology|Additional cores of the wall were sent for histology}; the {main|primary} {aim|purpose} was drainage of the collection.")
	}
	return g.irReport(ind, s.ja+"膿瘍、ドレナージ依頼。", narr, pre, imp, []string{"膿瘍ドレナージ（細胞診も提出）。"}, nil)
}

// ---- soft tissue biopsy ----

type softTarget struct {
	en, short, ja string
	pos           []string
	approach      []string
	ind           []string
}

func (g *gen) softTargets() []softTarget {
	seg := g.pick("II", "III", "IVa", "IVb", "V", "VI", "VII", "VIII")
	side := g.pick("right", "left")
	return []softTarget{
		{fmt.Sprintf("a %s hypoattenuating lesion in hepatic segment %s", g.cm(1, 6), seg), "liver lesion", "肝腫瘤", []string{"supine", "left lateral decubitus"}, []string{"right intercostal", "subcostal", "anterior", "right lateral"}, []string{"Multiple liver lesions, unknown primary", "Liver lesion in a patient with colon cancer", "Hepatic mass, tissue diagnosis", "Suspected liver metastases, for biopsy", "Liver mass with elevated AFP, non-diagnostic MRI"}},
		{"the liver parenchyma (random, non-targeted)", "liver", "肝実質", []string{"supine"}, []string{"right intercostal", "right lateral"}, []string{"Abnormal liver function tests, ? NASH", "Suspected autoimmune hepatitis, random liver biopsy", "Unexplained cirrhosis, liver biopsy"}},
		{fmt.Sprintf("a %s solid %s renal mass", g.cm(1.5, 5), side), "renal mass", side + "腎腫瘤", []string{"prone", side + " side up oblique"}, []string{"posterior", "posterolateral"}, []string{"Indeterminate solid renal mass", "Small renal mass, biopsy before ablation", "Renal mass in a patient with lymphoma"}},
		{fmt.Sprintf("the lower pole of the %s kidney", side), "kidney", side + "腎", []string{"prone"}, []string{"posterior"}, []string{"Acute kidney injury and proteinuria, native renal biopsy", "Nephrotic syndrome, renal biopsy", "Transplant dysfunction, allograft biopsy"}},
		{fmt.Sprintf("a %s %s adrenal mass", g.cm(2, 6), side), "adrenal mass", side + "副腎腫瘤", []string{"prone"}, []string{"posterior", "posterior paravertebral", "transhepatic"}, []string{"Enlarging adrenal mass in a patient with lung cancer", "Adrenal nodule, ? metastasis", "Indeterminate adrenal mass"}},
		{fmt.Sprintf("a %s hypoenhancing mass in the pancreatic %s", g.cm(2, 5), g.pick("head", "body", "tail", "uncinate process")), "pancreatic mass", "膵腫瘤", []string{"supine", "prone"}, []string{"anterior", "anterior transhepatic", "posterior paravertebral", "anterior transgastric"}, []string{"Pancreatic mass, non-diagnostic EUS", "Pancreatic mass not accessible by EUS", "Pancreatic lesion, tissue diagnosis"}},
		{fmt.Sprintf("an enlarged %s retroperitoneal lymph node (%s short axis)", g.pick("left para-aortic", "aortocaval", "retrocaval", "interaortocaval"), g.mm(15, 40)), "retroperitoneal lymph node", "後腹膜リンパ節", []string{"prone", "supine"}, []string{"posterior paravertebral", "anterior", "left posterior", "transcaval"}, []string{"Retroperitoneal lymphadenopathy, ? lymphoma", "Para-aortic nodes, ? recurrence of testicular cancer", "Lymphadenopathy, tissue for flow cytometry"}},
		{fmt.Sprintf("an enlarged %s iliac lymph node measuring %s", g.pick("right external", "left external", "left common", "right internal"), g.cm(1.5, 4)), "iliac lymph node", "腸骨リンパ節", []string{"supine", "prone"}, []string{"anterior", "transgluteal"}, []string{"Pelvic lymphadenopathy, ? recurrence", "Enlarging pelvic node in a patient with prostate cancer"}},
		{fmt.Sprintf("a %s mesenteric lymph node mass", g.cm(2, 7)), "mesenteric lymph node", "腸間膜リンパ節", []string{"supine"}, []string{"anterior"}, []string{"Mesenteric mass, ? lymphoma", "Mesenteric adenopathy, tissue diagnosis"}},
		{fmt.Sprintf("a %s inguinal lymph node", g.cm(1.5, 3.5)), "inguinal lymph node", "鼠径リンパ節", []string{"supine"}, []string{"anterior"}, []string{"Inguinal lymphadenopathy, ? melanoma recurrence", "Enlarged inguinal node"}},
		{fmt.Sprintf("a %s subcarinal lymph node", g.cm(1.5, 3.5)), "mediastinal lymph node", "縦隔リンパ節", []string{"prone"}, []string{"right paravertebral", "posterior paravertebral with saline hydrodissection"}, []string{"Mediastinal lymphadenopathy not accessible by EBUS", "Subcarinal node, ? sarcoidosis"}},
		{fmt.Sprintf("a %s anterior mediastinal mass", g.cm(3, 10)), "anterior mediastinal mass", "前縦隔腫瘤", []string{"supine"}, []string{"left parasternal", "right parasternal", "anterior extrapleural"}, []string{"Anterior mediastinal mass, ? lymphoma vs thymoma", "Mediastinal mass, tissue diagnosis"}},
		{fmt.Sprintf("an axillary lymph node measuring %s", g.cm(1.5, 3)), "axillary lymph node", "腋窩リンパ節", []string{"supine"}, []string{"anterior", "lateral"}, []string{"Axillary lymphadenopathy, ? lymphoma"}},
		{fmt.Sprintf("a peritoneal nodule measuring %s", g.cm(1, 3)), "peritoneal nodule", "腹膜結節", []string{"supine"}, []string{"anterior", "left anterior"}, []string{"Ascites and peritoneal nodularity, unknown primary", "Peritoneal thickening, ? carcinomatosis", "Peritoneal nodules, ? tuberculosis"}},
		{fmt.Sprintf("omental caking in the %s upper quadrant (%s thick)", g.pick("left", "right"), g.cm(1.5, 4)), "omentum", "大網", []string{"supine"}, []string{"anterior"}, []string{"Omental cake and raised CA-125, tissue diagnosis", "Omental thickening, ? ovarian primary"}},
		{fmt.Sprintf("a %s retroperitoneal mass", g.cm(4, 15)), "retroperitoneal mass", "後腹膜腫瘤", []string{"prone", "supine"}, []string{"posterior", "anterior", "posterolateral"}, []string{"Retroperitoneal mass, ? sarcoma", "Large retroperitoneal mass, tissue diagnosis"}},
		{fmt.Sprintf("a %s intramuscular mass in the %s %s", g.cm(3, 12), side, g.pick("thigh", "gluteal region", "vastus lateralis", "iliopsoas", "paraspinal muscle", "calf")), "soft-tissue mass", "軟部腫瘤", []string{"supine", "prone"}, []string{"anterolateral", "posterior", "lateral"}, []string{"Enlarging soft-tissue mass, ? sarcoma", "Thigh mass, tissue diagnosis"}},
		{fmt.Sprintf("the %s %s muscle", side, g.pick("vastus lateralis", "deltoid", "quadriceps")), "muscle", "筋", []string{"supine"}, []string{"lateral", "anterior"}, []string{"Suspected myositis, muscle biopsy", "Proximal weakness and elevated CK"}},
		{fmt.Sprintf("a %s chest wall soft-tissue mass", g.cm(2, 6)), "chest wall mass", "胸壁腫瘤", []string{"prone", "supine"}, []string{"direct", "tangential"}, []string{"Chest wall mass, ? desmoid", "Enlarging chest wall mass"}},
		{fmt.Sprintf("a %s abdominal wall mass", g.cm(1.5, 6)), "abdominal wall mass", "腹壁腫瘤", []string{"supine"}, []string{"anterior", "tangential"}, []string{"Abdominal wall mass, ? desmoid", "Abdominal wall nodule after colectomy"}},
		{fmt.Sprintf("a %s presacral soft-tissue mass", g.cm(2, 7)), "presacral mass", "仙骨前腫瘤", []string{"prone"}, []string{"transgluteal", "trans-sacral notch"}, []string{"Presacral mass, ? recurrent rectal cancer", "Presacral soft tissue after rectal surgery"}},
		{fmt.Sprintf("a %s splenic lesion", g.cm(1.5, 5)), "splenic lesion", "脾腫瘤", []string{"supine", "right lateral decubitus"}, []string{"left intercostal", "left lateral"}, []string{"Splenic mass, ? lymphoma"}},
		{fmt.Sprintf("a %s pelvic side-wall mass", g.cm(2, 6)), "pelvic mass", "骨盤内腫瘤", []string{"prone", "supine"}, []string{"transgluteal", "anterior"}, []string{"Pelvic mass after hysterectomy, ? recurrence", "Pelvic side-wall mass"}},
		{fmt.Sprintf("an enlarged gastrohepatic ligament lymph node (%s)", g.mm(15, 30)), "gastrohepatic lymph node", "小網リンパ節", []string{"supine"}, []string{"anterior", "anterior transhepatic", "left anterior"}, []string{"Gastrohepatic adenopathy, ? lymphoma", "Upper abdominal nodes, tissue diagnosis"}},
		{fmt.Sprintf("an enlarged retrocrural lymph node (%s)", g.mm(12, 25)), "retrocrural lymph node", "後脚部リンパ節", []string{"prone"}, []string{"posterior paravertebral", "right paravertebral with hydrodissection"}, []string{"Retrocrural adenopathy, ? recurrence"}},
		{fmt.Sprintf("a %s mass in the %s psoas muscle", g.cm(2, 8), side), "psoas mass", "腸腰筋腫瘤", []string{"prone"}, []string{"posterior", "posterolateral"}, []string{"Psoas mass, ? sarcoma vs lymphoma"}},
		{fmt.Sprintf("the renal allograft (lower pole) in the %s iliac fossa", side), "renal allograft", "移植腎", []string{"supine"}, []string{"anterior", "anterolateral"}, []string{"Rising creatinine after renal transplant, allograft biopsy", "Suspected rejection, transplant kidney biopsy"}},
		{fmt.Sprintf("a %s %s mass in the pancreatic %s", g.cm(2, 5), g.pick("hypoenhancing", "hypervascular"), g.pick("head", "body", "tail")), "pancreatic lesion", "膵腫瘤", []string{"supine"}, []string{"anterior transgastric", "anterior transhepatic", "anterior, between bowel loops"}, []string{"Pancreatic lesion, EUS not possible (altered anatomy)", "Pancreatic mass, tissue for diagnosis"}},
	}
}

func (g *gen) coreNarrative(approach, targetEN string, fna bool) []string {
	intro := g.pick("17", "17", "19", "15", "16")
	core := g.pick("18", "18", "20", "16")
	n := g.between(2, 6)
	device := g.pick("", " using a {Temno|Bard Monopty|BioPince|Achieve|Max-Core|SuperCore|Tru-Cut|Mission|Quick-Core|Marquee} device", "")
	introNeedle := g.pf("a %s-gauge coaxial {introducer|guide needle|needle}", intro)
	needleName := intro + "G coaxial / " + core + "G core"
	if g.chance(0.5) {
		// A named coaxial system and its core needle.
		in, cn := g.coaxialSystem()
		introNeedle, needleName = "a "+in, in+" with "+cn
		device = " with the " + cn + " needle"
	}
	out := []string{g.coaxialAdvance(approach, "", introNeedle, targetEN)}
	rose := false
	passes := 0
	if fna {
		passes = n + 1
		rose = g.chance(0.5)
		roseText := ""
		if rose {
			roseText = " with on-site cytopathology assessment confirming adequate cellularity"
		}
		out = append(out, g.xf("%d {fine-needle aspiration passes|FNA passes|aspirates} were {made|obtained} with a {22|25}-gauge needle%s{| together with core samples}.", passes, roseText))
		if g.chance(0.5) {
			out = append(out, g.xf("Followed by %d %s-gauge core {samples|specimens}%s.", n, core, device))
		} else {
			n = 0
		}
	} else {
		out = append(out, g.xf("{%d|A total of %d} %s-gauge core {biopsy specimens|samples|cores|biopsies} {were obtained|were taken|were acquired}%s.", n, n, core, device))
	}
	if g.chance(0.5) {
		out = append(out, g.specimenLine())
	}
	if g.chance(0.3) {
		out = append(out, g.x("{Gelfoam slurry was injected along the tract|The tract was embolised with Gelfoam|Hemostasis was achieved with manual compression}."))
	}
	if p := g.proc; p != nil {
		p.approach, p.needle, p.cores, p.passes, p.rose = approach, needleName, n, passes, rose
		if p.target == "" {
			p.target = targetEN
		}
		if p.specimens == "" {
			p.specimens = g.pick("histopathology", "histology (formalin)", "pathology", "histology and flow cytometry", "histology; one core for microbiology", "pathology, fresh for flow")
		}
	}
	return out
}

func irSoftBiopsy(g *gen) *report {
	ts := g.filterSoft(g.softTargets())
	t := ts[g.r.IntN(len(ts))]
	approach := g.pick(t.approach...)
	fna := g.chance(0.2)
	ind := g.xf("%s%s.", g.pick(t.ind...), g.pleaseLine("biopsy"))
	pre := []string{g.preLine(t.en, "biopsy")}
	narr := nonEmpty(g.consent(), g.timeout(), g.position(t.pos...), g.sedation(), g.prep(),
		g.x("{Local anaesthetic was infiltrated down to the {capsule|fascia|lesion}.|}"))
	g.proc = &procInfo{target: t.short}
	narr = append(narr, g.coreNarrative(approach, t.short, fna)...)
	comp := g.noComplication()
	if strings.Contains(t.short, "mediastinal") && g.chance(0.6) {
		comp = g.x("{No pneumothorax.|No pneumothorax or haemorrhage on post-procedure images.|Tiny pneumothorax, no intervention required.}")
	} else if g.chance(0.15) {
		comp = g.x("{A small {perihepatic|perirenal|subcapsular|retroperitoneal} haematoma|A small amount of haemorrhage along the needle tract} on post-procedure images{, stable|; the patient was observed for {2|4} hours without change}.")
	}
	narr = append(narr, comp)
	if p := g.proc; p != nil && !strings.HasPrefix(comp, "No ") && !strings.HasPrefix(comp, "The patient") && !strings.HasPrefix(comp, "There were") && !strings.HasPrefix(comp, "Post-procedure") {
		p.compl = comp
	}
	what := g.pick("core needle biopsy", "core biopsy", "biopsy", "percutaneous biopsy", "needle biopsy")
	if fna {
		what = g.pick("fine-needle aspiration", "FNA and core biopsy", "fine-needle aspiration biopsy")
	}
	imp := []string{g.xf("{Successful|Technically successful|Uncomplicated} %s %s of {the|a} %s{|. Pathology pending|. Specimens sent to pathology|, %d cores obtained}.", g.ctGuided(), what, t.short, g.between(2, 6))}
	if g.chance(0.3) {
		imp = append(imp, g.x("{No immediate complication|No post-procedure complication|Small haematoma, no intervention required}."))
	}
	return g.irReport(ind, t.ja+"、生検依頼。", narr, pre, imp, []string{"CTガイド下" + t.ja + "生検を施行。", "合併症なし。"}, []string{t.ja + "に対するCTガイド下生検。"})
}

func irBiopsyWithDrain(g *gen) *report {
	site := g.pick("pelvic", "retroperitoneal", "hepatic", "mesenteric", "renal")
	ind := g.xf("{Necrotic|Partly cystic|Centrally necrotic} %s mass{, tissue diagnosis required|, ? sarcoma vs lymphoma|, biopsy requested}.", site)
	pre := []string{g.xf("{Heterogeneous|Centrally necrotic|Partly cystic} %s mass measuring %s with an enhancing solid rim.", site, g.cm(5, 14))}
	narr := nonEmpty(g.consent(), g.timeout(), g.sedation(), g.prep())
	g.proc = &procInfo{target: "solid rim of the " + site + " mass"}
	narr = append(narr, g.coreNarrative(g.pick("anterior", "posterior", "transgluteal", "lateral"), "enhancing solid rim of the "+site+" mass", false)...)
	drain := g.chance(0.5)
	if drain {
		g.proc.drain = g.pick("8 Fr pigtail in the necrotic centre (secondary)", "10 Fr pigtail, left for decompression")
	} else {
		g.proc.output = g.pick("necrotic fluid aspirated from the centre", "small volume of necrotic fluid")
	}
	if drain {
		narr = append(narr, g.xf("The necrotic component was then decompressed with an {8|10} Fr pigtail catheter left in situ; %d mL of necrotic fluid drained.", g.between(5, 40)*10))
	} else {
		narr = append(narr, g.xf("{%d mL of necrotic fluid was also aspirated from the centre and sent for culture.|The cystic centre was aspirated (%d mL).}", g.between(5, 40)*5, g.between(5, 40)*5))
	}
	narr = append(narr, g.noComplication())
	imp := []string{g.xf("{Successful|Technically successful} %s core biopsy of the {solid rim of the|} %s mass for tissue diagnosis.", g.ctGuided(), site)}
	if drain {
		imp = append(imp, g.x("{A secondary|An additional} drain was left in the necrotic centre for {symptom relief|decompression}; the primary purpose of the procedure was tissue diagnosis."))
	} else {
		imp = append(imp, g.x("{Aspiration of the necrotic centre was also performed|Fluid aspirated for culture}; the main purpose was biopsy."))
	}
	return g.irReport(ind, "壊死性腫瘤、組織診断目的。", narr, pre, imp, []string{"壊死性腫瘤に対するCTガイド下生検（主目的は組織診断）。"}, nil)
}

// ---- lung biopsy ----

func irLungBiopsy(g *gen) *report {
	lobe := g.pick("right upper lobe", "right middle lobe", "right lower lobe", "left upper lobe", "lingula", "left lower lobe", "superior segment of the right lower lobe", "apicoposterior segment of the left upper lobe")
	var lesion, short string
	switch g.between(0, 5) {
	case 0, 1:
		lesion = g.pf("a %s {spiculated|solid|lobulated|irregular} {nodule|mass} in the %s", g.cm(0.8, 5), lobe)
		short = g.pick("lung nodule", "pulmonary nodule", lobe+" nodule", "lung mass")
	case 2:
		lesion = g.pf("a %s pleural-based {mass|lesion} in the %s{| abutting the chest wall}", g.cm(1.5, 6), lobe)
		short = g.pick("pleural-based lung lesion", "pleural-based lung mass", "peripheral lung mass")
	case 3:
		lesion = g.pf("a %s part-solid {ground-glass |}nodule in the %s", g.cm(1, 3), lobe)
		short = g.pick("part-solid lung nodule", "lung nodule")
	case 4:
		lesion = g.pf("{persistent|non-resolving} consolidation in the %s", lobe)
		short = g.pick("consolidation", "lung consolidation", "non-resolving consolidation")
	default:
		lesion = g.pf("a %s cavitary lesion in the %s", g.cm(2, 5), lobe)
		short = g.pick("cavitary lung lesion", "lung lesion")
	}
	ind := g.x(g.pick(
		"{Enlarging|New|Growing|FDG-avid|PET-avid} {lung nodule|pulmonary nodule|lung mass}{|, ? primary lung cancer|, ? metastasis|, tissue diagnosis}.",
		"{Smoker|Ex-smoker|History of breast cancer|History of colon cancer} with {a lung mass|an enlarging lung nodule}{|, for biopsy}.",
		"Non-resolving pneumonia, ? malignancy or organising pneumonia.",
		"{Lung-RADS 4B|Lung-RADS 4X} nodule on screening CT.",
	)) + g.pleaseLine("biopsy")
	if ind = tidy(ind); !strings.HasSuffix(ind, ".") {
		ind += "."
	}
	pre := []string{g.preLine(lesion, "biopsy")}
	pos := g.pick("prone", "supine", "right lateral decubitus", "left lateral decubitus", "prone oblique")
	needle := g.pick("19-gauge coaxial introducer", "17-gauge coaxial needle", "19G coaxial guide", "18-gauge coaxial system", "17G/18G coaxial system", "19G/20G Bard Mission coaxial set")
	nCores, coreG := g.between(1, 6), g.pick("20-gauge", "18-gauge", "20G", "18G")
	g.proc = &procInfo{target: short, needle: needle + " / " + coreG + " core needle", cores: nCores, lung: true,
		specimens: g.pick("histopathology", "histology and molecular testing (EGFR/ALK/PD-L1)", "histology; one core in saline for microbiology", "pathology")}
	narr := nonEmpty(g.consent(), g.timeout(), g.position(pos), g.sedation(), g.prep(),
		g.coaxialAdvance(g.p("{posterior|anterior|lateral|posterolateral} {intercostal|}"), g.pf("{|, avoiding the fissure|, traversing %s of aerated lung|, with no aerated lung traversed}", g.mm(5, 40)), "a "+needle, short),
		g.xf("{%d|A total of %d} %s core {biopsies|specimens|samples|cores} {were obtained|were taken|were acquired}{| with a {Bard Monopty|Temno|Tru-Cut|Mission|BioPince} device}{| together with FNA for cytology|; {2|3} FNA passes were also made}.", nCores, nCores, coreG))
	if g.chance(0.5) {
		narr = append(narr, g.specimenLine())
	}
	ptx := g.between(0, 9)
	var compl string
	switch {
	case ptx <= 4:
		compl = g.x("{No pneumothorax|There is no pneumothorax} on post-procedure images{| or on the follow-up chest radiograph}.")
	case ptx <= 6:
		compl = g.x("{Small|Trace|Tiny} {apical|anterior|} pneumothorax{, stable on repeat imaging|, not requiring intervention|, managed conservatively}.")
	case ptx == 7:
		compl = g.xf("{Moderate|Enlarging} pneumothorax, {treated with|requiring} {aspiration through the coaxial needle|placement of a %s Fr pleural catheter|a small-bore chest tube}.", g.pick("8", "10", "12"))
	case ptx == 8:
		compl = g.x("{Mild perilesional pulmonary haemorrhage|Small amount of alveolar haemorrhage along the tract}{| with transient haemoptysis}; patient stable.")
	default:
		compl = g.x("{An autologous blood patch was injected on withdrawal.|The tract was sealed with a hydrogel plug.} No pneumothorax.")
	}
	narr = append(narr, compl)
	if !strings.HasPrefix(compl, "No pneumothorax") && !strings.HasPrefix(compl, "There is no") {
		g.proc.compl = compl
	}
	imp := []string{g.xf("{Successful|Technically successful|Uncomplicated} %s {core needle biopsy|biopsy|lung biopsy|core biopsy} of {the|a} %s{| in the %s}.", g.ctGuided(), short, lobe)}
	if strings.Contains(compl, "neumothorax,") || strings.Contains(compl, "chest tube") || strings.Contains(compl, "aspiration") || strings.Contains(compl, "catheter") {
		imp = append(imp, compl)
	} else if g.chance(0.5) {
		imp = append(imp, g.x("{No pneumothorax|No immediate complication}."))
	}
	return g.irReport(ind, "肺結節、CTガイド下生検依頼。", narr, pre, imp, []string{"CTガイド下肺生検を施行。", g.pick("気胸なし。", "少量の気胸あり、経過観察。")}, []string{"CTガイド下肺生検。"})
}

// ---- bone biopsy ----

func irBoneBiopsy(g *gen) *report {
	type bt struct {
		en, short, ja string
		pos           []string
		approach      []string
	}
	lvl := g.pick("T8", "T10", "T11", "T12", "L1", "L2", "L3", "L4", "L5")
	side := g.pick("right", "left")
	kind := g.pick("lytic", "sclerotic", "mixed lytic-sclerotic", "expansile lytic", "destructive", "permeative")
	ts := []bt{
		{fmt.Sprintf("a %s lesion in the %s vertebral body", kind, lvl), lvl + " vertebral body lesion", "椎体", []string{"prone"}, []string{"transpedicular", "parapedicular", fmt.Sprintf("%s transpedicular", side), "posterolateral"}},
		{fmt.Sprintf("a %s lesion in the %s sacral ala", kind, side), "sacral lesion", "仙骨", []string{"prone"}, []string{"posterior", "posterior oblique"}},
		{fmt.Sprintf("a %s lesion in the %s iliac bone", kind, side), "iliac bone lesion", "腸骨", []string{"prone", "supine"}, []string{"posterior", "anterior", "lateral"}},
		{fmt.Sprintf("the %s posterior iliac crest", side), "iliac crest (bone marrow)", "腸骨（骨髄）", []string{"prone"}, []string{"posterior"}},
		{fmt.Sprintf("a %s lesion in the %s acetabulum", kind, side), "acetabular lesion", "寛骨臼", []string{"supine", "prone"}, []string{"anterior", "posterior", "lateral"}},
		{fmt.Sprintf("a %s lesion of the %s superior pubic ramus", kind, side), "pubic ramus lesion", "恥骨", []string{"supine"}, []string{"anterior"}},
		{fmt.Sprintf("an expansile %s lesion in the %s %s rib", kind, side, g.pick("6th", "7th", "8th", "9th", "10th", "posterior 5th")), "rib lesion", "肋骨", []string{"prone", "supine", "lateral decubitus"}, []string{"tangential", "oblique"}},
		{fmt.Sprintf("a %s lesion in the %s proximal femur", kind, side), "femoral lesion", "大腿骨", []string{"supine"}, []string{"lateral", "anterolateral"}},
		{fmt.Sprintf("a %s lesion in the %s humeral head", kind, side), "humeral lesion", "上腕骨", []string{"supine"}, []string{"anterolateral"}},
		{fmt.Sprintf("a %s lesion of the %s scapula", kind, side), "scapular lesion", "肩甲骨", []string{"prone"}, []string{"posterior"}},
		{fmt.Sprintf("a %s lesion in the sternal body", kind), "sternal lesion", "胸骨", []string{"supine"}, []string{"anterior", "oblique"}},
		{fmt.Sprintf("the %s/%s endplates with adjacent disc space narrowing", lvl, nextLevel(lvl)), lvl + " vertebral endplate", "椎体終板", []string{"prone"}, []string{"transpedicular", "posterolateral"}},
		{fmt.Sprintf("a %s lesion of the %s %s pedicle", kind, side, lvl), lvl + " pedicle lesion", "椎弓根", []string{"prone"}, []string{"posterior", "transpedicular"}},
		{fmt.Sprintf("a %s lesion of the %s clavicle", kind, side), "clavicular lesion", "鎖骨", []string{"supine"}, []string{"anterior", "superior"}},
		{fmt.Sprintf("a %s lesion of the %s proximal tibia", kind, side), "tibial lesion", "脛骨", []string{"supine"}, []string{"anteromedial", "lateral"}},
		{fmt.Sprintf("a %s lesion in the %s ischium", kind, side), "ischial lesion", "坐骨", []string{"prone"}, []string{"posterior", "transgluteal"}},
	}
	t := ts[g.r.IntN(len(ts))]
	ind := g.x(g.pick(
		"{Bone lesion|"+capFirst(kind)+" bone lesion} {in a patient with|; history of} {breast cancer|prostate cancer|lung cancer|renal cell carcinoma|unknown primary|myeloma}{|, ? metastasis|, tissue for receptor status}.",
		"{Suspected|? } {multiple myeloma|lymphoma|metastatic disease}, bone biopsy.",
		"{Enlarging|Indeterminate} bone lesion on {MRI|bone scan|PET}{|, tissue diagnosis}.",
	)) + g.pleaseLine("biopsy")
	if ind = tidy(ind); !strings.HasSuffix(ind, ".") {
		ind += "."
	}
	if strings.Contains(t.short, "marrow") {
		ind = g.x("{Pancytopenia|Suspected myelofibrosis|Lymphoma staging|Suspected myeloma} — bone marrow biopsy {requested|under CT guidance (body habitus)}.")
	}
	if strings.Contains(t.short, "endplate") {
		ind = g.x("{Suspected|MRI shows} {spondylodiscitis|discitis-osteomyelitis} {with negative blood cultures|}{|, bone biopsy for culture}.")
	}
	pre := []string{g.preLine(g.pf("%s{| measuring {approximately |}%s}", t.en, g.cm(1, 5)), "biopsy")}
	if strings.Contains(t.short, "marrow") {
		pre = []string{g.preLine(g.pf("%s{| with preserved cortex| with diffusely heterogeneous marrow density| with diffuse sclerosis}", t.en), "biopsy")}
	} else if strings.Contains(t.short, "endplate") {
		pre = []string{g.preLine(g.pf("{erosion of|irregularity and erosion of} %s{| and a small paraspinal phlegmon}", t.en), "biopsy")}
	}
	needle := g.pick("11-gauge bone biopsy needle", "13-gauge Jamshidi needle", "11G Jamshidi needle", "OnControl powered bone drill (11G)", "10-gauge Osteo-Site needle", "13G coaxial bone biopsy system", "Arrow OnControl 11-gauge needle", "14-gauge Bonopty system")
	if g.chance(0.5) {
		needle = g.boneNeedle()
	}
	nCores := g.between(1, 4)
	approach := g.pick(t.approach...)
	g.proc = &procInfo{target: t.short, approach: approach, needle: needle, cores: nCores, bone: true,
		specimens: g.pick("histology (decalcification)", "histology and microbiology", "pathology; one core to microbiology", "histology, flow cytometry", "histopathology")}
	narr := nonEmpty(g.consent(), g.timeout(), g.position(t.pos...), g.sedation(), g.prep(),
		g.x("{The periosteum was anaesthetised with lidocaine.|Local anaesthetic was infiltrated down to the periosteum.|}"),
		g.coaxialAdvance(approach, "", "a "+needle, g.pick("", "cortex of the ")+t.short),
		g.xf("{%d|A total of %d} {bone cores|core specimens|cores|bone biopsies} {were obtained|were taken|were acquired}{| measuring up to %d mm in length}{|; additional aspirate for flow cytometry}.", nCores, nCores, g.between(8, 25)),
		g.specimenLine(),
		g.noComplication())
	imp := []string{g.xf("{Successful|Technically successful|Uncomplicated} %s {bone biopsy|core biopsy|trephine biopsy|biopsy} of the %s{|. Samples to histology{| and microbiology}}.", g.ctGuided(), t.short)}
	return g.irReport(ind, t.ja+"病変、骨生検依頼。", narr, pre, imp, []string{"CTガイド下骨生検（" + t.ja + "）を施行。", "合併症なし。"}, []string{t.ja + "のCTガイド下骨生検。"})
}

func nextLevel(l string) string {
	order := []string{"T8", "T9", "T10", "T11", "T12", "L1", "L2", "L3", "L4", "L5", "S1"}
	for i, x := range order {
		if x == l && i+1 < len(order) {
			return order[i+1]
		}
	}
	return "S1"
}

// procedureFields is the block of labelled fields many IR templates start
// with: what was done (restated from the impression), operator, blood loss
// and complications.
func (g *gen) procedureFields(firstImp string, narrative []string) []string {
	title := firstImp
	for _, p := range []string{"Technically successful ", "Successful ", "Uncomplicated "} {
		title = strings.TrimPrefix(title, p)
	}
	title = strings.TrimSuffix(capFirst(title), ".")
	if i := strings.IndexAny(title, ";."); i > 0 {
		title = title[:i]
	}
	out := []string{g.xf("{Procedure performed|Procedure|Examination|Procedure title}: %s.", title)}
	if g.chance(0.5) {
		out = append(out, g.x("{Operator|Performed by|Radiologist}: {consultant radiologist|attending interventional radiologist|IR fellow under direct supervision|interventional radiology consultant}."))
	}
	if g.chance(0.5) {
		out = append(out, g.x("{Estimated blood loss|EBL}: {minimal|<5 mL|none|negligible}."))
	}
	joined := strings.ToLower(strings.Join(narrative, " "))
	if !strings.Contains(joined, "pneumothorax") && !strings.Contains(joined, "haem") && !strings.Contains(joined, "hem") && g.chance(0.6) {
		out = append(out, g.x("{Complications|Immediate complications}: {none|none immediate|nil}."))
	}
	return out
}

// Shared fragments: every procedure type uses the same wording for what is
// not specific to it, so that a model learns the target and the procedure,
// not which template wrote the report.

// preLine introduces the pre-procedure images; what is one of "biopsy",
// "drainage" or "aspiration".
func (g *gen) preLine(target, what string) string {
	return g.xf("{Pre-procedure|Planning|Limited|Initial|Limited pre-procedure|Non-contrast planning} {CT images demonstrate|CT images show|CT demonstrates|CT shows|CT confirms|images show|images demonstrate|CT again shows} %s{| suitable for %s| amenable to percutaneous %s}.", target, what, what)
}

// coaxialAdvance is the needle reaching the target; mod, when not empty,
// qualifies the approach (", avoiding the fissure").
func (g *gen) coaxialAdvance(approach, mod, needle, target string) string {
	return g.xf("{Using CT guidance and a %s approach|Via a %s approach|Under intermittent CT guidance, via a %s approach}%s, %s was advanced {to the margin of|into|to the edge of|up to} the %s.", approach, approach, approach, mod, needle, target)
}

// specimenLine says what happened to biopsy specimens.
func (g *gen) specimenLine() string {
	return g.x("{Specimens were placed in formalin and sent to pathology.|Samples were sent fresh for flow cytometry and in formalin for histology.|Touch preparation showed adequate tissue.|One sample was sent for microbiology.|Specimens sent to pathology; pathology pending.|The specimens were of good quality, up to {10|15|20} mm in length.|Adequacy confirmed on site by cytopathology.}")
}

func (g *gen) pleaseLine(what string) string {
	return g.xf("{|. Please %s|. Request CT-guided %s|. For CT-guided %s|. Please perform %s}", what, what, what, what)
}
