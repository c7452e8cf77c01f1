package synth

import "fmt"

// Hard IR cases: procedures whose target or words sit near another
// category's (a lung abscess drained vs a cavity biopsied, a chest-wall mass
// vs a pleural-based lung lesion, paravertebral soft tissue vs a vertebral
// body, a bone lesion sampled through its soft-tissue component). The
// guide decides each: what was sampled or drained, and for a procedure
// doing both, the purpose its impression states.

func (g *gen) prelims(pos ...string) []string {
	return nonEmpty(g.consent(), g.timeout(), g.position(pos...), g.sedation(), g.prep())
}

func (g *gen) side() string { return g.pick("right", "left") }

func (g *gen) lobe() string {
	return g.pick("right upper lobe", "right middle lobe", "right lower lobe", "left upper lobe", "lingula", "left lower lobe")
}

// ---- lung ----

func irLungCavityBiopsy(g *gen) *report {
	lobe := g.lobe()
	ind := g.x("{Cavitating|Thick-walled cavitary} lung lesion, {? abscess vs cavitating carcinoma|? squamous cell carcinoma vs infection|not responding to antibiotics}{|. Tissue diagnosis requested}.")
	pre := []string{g.preLine(g.pf("a %s thick-walled cavitary lesion in the %s with {an irregular nodular wall|a thick irregular wall|no air-fluid level}", g.cm(2.5, 6), lobe), "biopsy")}
	narr := g.prelims("prone", "supine")
	g.proc = &procInfo{target: "wall of the cavitary " + lobe + " lesion", lung: true}
	narr = append(narr, g.coreNarrative(g.p("{posterior|lateral|anterior} intercostal"), "solid wall of the cavitary lesion", false)...)
	narr = append(narr, g.x("{No drain was placed; the cavity contained no fluid.|The cavity was not entered.|No fluid was aspirable; no drain placed.}"), g.x("{No pneumothorax.|Small pneumothorax, stable, no intervention.}"))
	imp := []string{g.xf("{Successful|Uncomplicated} %s core biopsy of the {solid wall of the |}cavitary %s lesion{| for histology and microbiology}.", g.ctGuided(), lobe)}
	return g.irReport(ind, "空洞性肺病変、生検依頼。", narr, pre, imp, []string{"空洞性肺病変に対しCTガイド下肺生検を施行。"}, []string{"CTガイド下肺生検（空洞性病変）。"})
}

func irLungAbscessDrain(g *gen) *report {
	side, lobe := g.side(), g.lobe()
	fr := g.pick("8", "10", "12")
	ml := g.between(3, 40) * 10
	ind := g.xf("{Peripheral|Large} %s lung abscess {not responding to antibiotics|with persistent sepsis}{|, abutting the pleura}. {Request drain|For CT-guided drainage}.", side)
	pre := []string{g.preLine(g.pf("a %s thick-walled cavity with an air-fluid level in the %s abutting the pleura", g.cm(4, 9), lobe), "drainage")}
	narr := g.prelims("prone", "supine", side+" side up decubitus")
	g.proc = &procInfo{target: lobe + " lung abscess", specimens: g.pick("microbiology and cytology", "culture, AFB and cytology", "Gram stain and culture"), lung: true}
	narr = append(narr, g.drainNarrative("abscess cavity", g.p("{posterior|lateral} intercostal, through the area of pleural contact"), g.fluid(), fr, ml, g.chance(0.4))...)
	narr = append(narr, g.x("{No pneumothorax.|No pneumothorax or haemorrhage on post-procedure images.}"))
	imp := []string{g.xf("{Successful|Uncomplicated} %s drainage of the %s lung abscess with {an|a} %s Fr {locking pigtail|pigtail} catheter{|; %d mL of pus aspirated}.", g.ctGuided(), lobe, fr, ml)}
	return g.irReport(ind, "肺膿瘍、ドレナージ依頼。", narr, pre, imp, []string{"肺膿瘍に対しCTガイド下ドレナージを施行。"}, []string{"肺膿瘍ドレナージ。"})
}

// ---- chest wall, paravertebral, bone ----

func irChestWallMass(g *gen) *report {
	side := g.side()
	ind := g.x("{Enlarging chest wall mass|Chest wall mass, ? desmoid vs sarcoma|Palpable chest wall lump, ? metastasis}{|. Request biopsy}.")
	pre := []string{g.preLine(g.pf("a %s soft-tissue mass {arising from the %s intercostal muscles|in the %s chest wall}, {extrapleural, with the extrapleural fat plane preserved|with intact adjacent ribs and no lung involvement}", g.cm(2, 7), side, side), "biopsy")}
	narr := g.prelims("prone", "supine", side+" side up decubitus")
	g.proc = &procInfo{target: "chest wall mass"}
	narr = append(narr, g.coreNarrative(g.p("{tangential|oblique|direct}"), "chest wall mass", false)...)
	narr = append(narr, g.x("{No aerated lung was traversed.|The pleura was not crossed.|The needle path stayed extrapleural.}"), g.noComplication())
	imp := []string{g.xf("{Successful|Uncomplicated} %s core biopsy of the %s chest wall soft-tissue mass{| (extrapleural)}.", g.ctGuided(), side)}
	return g.irReport(ind, "胸壁腫瘤、生検依頼。", narr, pre, imp, []string{"胸壁軟部腫瘤に対しCTガイド下生検を施行。"}, []string{"胸壁軟部腫瘤生検。"})
}

func irParavertebralSoft(g *gen) *report {
	lvl := g.pick("T8", "T9", "T10", "T11", "T12", "L1", "L2", "L3")
	side := g.side()
	ind := g.x("{Paravertebral mass, ? schwannoma vs lymphoma|Paraspinal soft-tissue mass, tissue diagnosis|Paravertebral soft tissue, ? metastasis}.")
	pre := []string{g.preLine(g.pf("a %s %s paravertebral soft-tissue mass at %s{| without osseous destruction|; the adjacent vertebral body is intact}", g.cm(2, 6), side, lvl), "biopsy")}
	narr := g.prelims("prone")
	g.proc = &procInfo{target: "paravertebral soft-tissue mass"}
	narr = append(narr, g.coreNarrative(g.p("{posterior paravertebral|posterolateral} {with saline hydrodissection|}"), "paravertebral soft-tissue mass", false)...)
	narr = append(narr, g.x("{The vertebral body was not sampled.|Bone was not entered.|}"), g.noComplication())
	imp := []string{g.xf("{Successful|Uncomplicated} %s core biopsy of the %s paravertebral soft-tissue mass at %s.", g.ctGuided(), side, lvl)}
	return g.irReport(ind, "傍椎体軟部腫瘤、生検依頼。", narr, pre, imp, []string{"傍椎体軟部腫瘤に対しCTガイド下生検を施行。"}, []string{"傍椎体軟部腫瘤生検。"})
}

func irBoneSoftComponent(g *gen) *report {
	side := g.side()
	var lesion, short string
	switch g.between(0, 3) {
	case 0:
		lvl := g.pick("T10", "T11", "T12", "L1", "L2", "L3")
		lesion = g.pf("a lytic lesion of the %s vertebral body with a paravertebral soft-tissue component", lvl)
		short = lvl + " vertebral lesion"
	case 1:
		lesion = g.pf("an expansile lytic lesion of the %s %s rib with a large soft-tissue component", side, g.pick("6th", "7th", "8th", "9th"))
		short = "lytic " + side + " rib lesion"
	case 2:
		lesion = g.pf("a destructive lytic lesion of the %s iliac bone with an extraosseous soft-tissue mass", side)
		short = "lytic " + side + " iliac bone lesion"
	default:
		lesion = g.pf("a lytic lesion of the %s sacral ala extending into the presacral soft tissues", side)
		short = "lytic sacral lesion"
	}
	ind := g.x("{Lytic bone lesion, ? metastasis vs myeloma|Destructive bone lesion, unknown primary|Known lung cancer, new lytic bone lesion, tissue for molecular testing}.")
	pre := []string{g.preLine(lesion, "biopsy")}
	narr := g.prelims("prone", "supine")
	g.proc = &procInfo{target: short, bone: true}
	narr = append(narr, g.coreNarrative(g.p("{posterior|posterolateral|oblique}"), "soft-tissue component of the "+short, false)...)
	narr = append(narr, g.x("{The soft-tissue component was sampled, so a bone drill was not needed.|Cores were taken from the soft-tissue component and the margin of the lytic bone.|}"), g.noComplication())
	imp := []string{g.xf("{Successful|Uncomplicated} %s biopsy of the %s{ (via its soft-tissue component)|, soft-tissue component sampled|}.", g.ctGuided(), short)}
	return g.irReport(ind, "溶骨性骨病変、生検依頼。", narr, pre, imp, []string{"溶骨性骨病変の軟部成分からCTガイド下骨生検を施行。"}, []string{"骨病変生検（軟部成分）。"})
}

func irSoftMassErodingBone(g *gen) *report {
	side := g.side()
	where := g.pick("gluteal", "paraspinal", "thigh", "chest wall")
	ind := g.x("{Enlarging soft-tissue mass, ? sarcoma|Soft-tissue mass, tissue diagnosis}.")
	pre := []string{g.preLine(g.pf("a %s %s %s soft-tissue mass with pressure erosion of the adjacent {iliac bone|rib|femoral cortex}", g.cm(4, 12), side, where), "biopsy")}
	narr := g.prelims("prone", "supine")
	g.proc = &procInfo{target: where + " soft-tissue mass"}
	narr = append(narr, g.coreNarrative(g.p("{posterior|lateral|direct}"), where+" soft-tissue mass", false)...)
	narr = append(narr, g.x("{The underlying bone was not sampled.|Only the soft-tissue mass was sampled.}"), g.noComplication())
	imp := []string{g.xf("{Successful|Uncomplicated} %s core biopsy of the %s %s soft-tissue mass.", g.ctGuided(), side, where)}
	return g.irReport(ind, "軟部腫瘤、生検依頼。", narr, pre, imp, []string{"軟部腫瘤に対しCTガイド下生検を施行。"}, []string{"軟部腫瘤生検。"})
}

// ---- liver: abscess or mass ----

func irLiverAbscessVsMets(g *gen) *report {
	seg := g.pick("VI", "VII", "VIII", "V", "IVa", "II")
	fr := g.pick("8", "10", "12")
	ml := g.between(3, 30) * 10
	ind := g.xf("{Complex hepatic lesion, ? abscess vs necrotic metastasis|Fever and a rim-enhancing liver lesion, ? abscess|Liver lesion in a patient with colon cancer and fever}. {Aspirate ± drain|Please aspirate and drain if pus}.")
	pre := []string{g.preLine(g.pf("a %s rim-enhancing {multiloculated |}lesion in hepatic segment %s", g.cm(3, 8), seg), "drainage")}
	narr := g.prelims("supine", "left lateral decubitus")
	narr = append(narr, g.x("Initial aspiration yielded {frank pus|thick purulent fluid|foul-smelling pus}, confirming an abscess."))
	g.proc = &procInfo{target: "segment " + seg + " liver abscess"}
	narr = append(narr, g.drainNarrative("abscess cavity", g.p("{right intercostal|subcostal|right lateral intercostal}"), g.fluid(), fr, ml, false)...)
	narr = append(narr, g.noComplication())
	imp := []string{g.xf("{Successful|Uncomplicated} %s drainage of a segment %s {liver|hepatic} abscess with {an|a} %s Fr drain{|; pus sent for culture}.", g.ctGuided(), seg, fr)}
	return g.irReport(ind, "肝膿瘍疑い、ドレナージ依頼。", narr, pre, imp, []string{"肝膿瘍に対しCTガイド下ドレナージを施行。"}, []string{"肝膿瘍ドレナージ。"})
}

func irLiverLesionNotAbscess(g *gen) *report {
	seg := g.pick("VI", "VII", "VIII", "V", "IVa", "II", "III")
	ind := g.x("{Complex liver lesion, ? abscess vs tumour|Rim-enhancing hepatic lesion, ? abscess; please aspirate, biopsy if not pus}.")
	pre := []string{g.preLine(g.pf("a %s heterogeneous rim-enhancing lesion in hepatic segment %s", g.cm(2.5, 7), seg), "biopsy")}
	narr := g.prelims("supine", "left lateral decubitus")
	narr = append(narr, g.x("{Aspiration yielded only blood-stained fluid, no pus.|No pus was aspirated; the lesion is solid.|A trial aspirate was non-purulent.}"))
	g.proc = &procInfo{target: "segment " + seg + " liver lesion"}
	narr = append(narr, g.coreNarrative(g.p("{right intercostal|subcostal|anterior}"), "solid rim of the segment "+seg+" lesion", false)...)
	narr = append(narr, g.x("{No drain was placed.|No drain was left.}"), g.noComplication())
	imp := []string{g.xf("{Successful|Uncomplicated} %s core biopsy of the segment %s liver lesion; {aspirate was non-purulent and no drain was placed|no abscess cavity; no drain left}.", g.ctGuided(), seg)}
	return g.irReport(ind, "肝腫瘤、生検依頼。", narr, pre, imp, []string{"肝腫瘤に対しCTガイド下生検を施行（膿瘍なし、ドレーン留置なし）。"}, []string{"肝腫瘤生検。"})
}

// ---- nodes near a hilum ----

func irHilarNode(g *gen) *report {
	var node, approach string
	switch g.between(0, 3) {
	case 0:
		node = g.pf("{right|left} hilar lymph node")
		approach = g.p("posterior paravertebral {with saline hydrodissection|}, avoiding aerated lung")
	case 1:
		node = "right paratracheal lymph node"
		approach = g.p("{right parasternal|posterior paravertebral} extrapleural")
	case 2:
		node = "porta hepatis lymph node"
		approach = g.p("{anterior|right intercostal transhepatic}")
	default:
		node = g.pf("{left|right} renal hilar lymph node")
		approach = g.p("{posterior|posterolateral}")
	}
	ind := g.xf("{Enlarging|FDG-avid|Bulky} %s, {not accessible by EBUS|? lymphoma|? metastasis}{|. Cores for flow cytometry}.", node)
	pre := []string{g.preLine(g.pf("an enlarged %s measuring %s short axis", node, g.mm(14, 35)), "biopsy")}
	narr := g.prelims("prone", "supine")
	g.proc = &procInfo{target: node}
	narr = append(narr, g.coreNarrative(approach, node, g.chance(0.3))...)
	narr = append(narr, g.x("{No pneumothorax.|No complication.|No haemorrhage on post-procedure images.}"))
	imp := []string{g.xf("{Successful|Uncomplicated} %s core biopsy of the %s{| for histology and flow cytometry}.", g.ctGuided(), node)}
	return g.irReport(ind, "リンパ節腫大、生検依頼。", narr, pre, imp, []string{"リンパ節に対しCTガイド下生検を施行。"}, []string{"リンパ節生検。"})
}

// ---- other drainages ----

func irCholecystostomy(g *gen) *report {
	fr := g.pick("8", "8.5", "10")
	ml := g.between(2, 20) * 10
	ind := g.x("{Acute calculous cholecystitis in a poor surgical candidate|Acalculous cholecystitis in ICU|Gangrenous cholecystitis, unfit for surgery}. {Percutaneous cholecystostomy requested|For cholecystostomy}.")
	pre := []string{g.preLine(g.pf("a distended gallbladder ({%s}) with wall thickening and pericholecystic fluid", g.cm(8, 12)), "drainage")}
	narr := g.prelims("supine")
	g.proc = &procInfo{target: "gallbladder", specimens: "bile for culture"}
	narr = append(narr, g.drainNarrative("gallbladder", g.p("{transhepatic|right intercostal transhepatic|transperitoneal}"), g.pick("bile", "infected bile", "purulent bile", "dark bile"), fr, ml, false)...)
	narr = append(narr, g.noComplication())
	imp := []string{g.xf("{Successful|Uncomplicated} %s percutaneous cholecystostomy{| (%s Fr drain)| with %s Fr drain placement}{|; %d mL of infected bile drained}.", g.ctGuided(), fr, fr, ml)}
	return g.irReport(ind, "胆嚢炎、経皮的胆嚢ドレナージ依頼。", narr, pre, imp, []string{"急性胆嚢炎に対しCTガイド下経皮的胆嚢ドレナージを施行。"}, []string{"経皮的胆嚢ドレナージ。"})
}

func irPleuralAscitesDrain(g *gen) *report {
	side := g.side()
	fr := g.pick("8", "10", "12", "14")
	ml := g.between(3, 25) * 100
	var ind, pre, target, fluid string
	if g.chance(0.5) {
		ind = g.xf("Loculated %s pleural effusion {not accessible by ultrasound|with dyspnoea}{|, ? malignant effusion}.", side)
		pre = g.pf("a loculated %s pleural effusion posteriorly", side)
		target, fluid = side+" pleural effusion", g.pick("straw-coloured", "serous", "blood-stained", "serosanguinous")
	} else {
		ind = g.x("{Loculated ascites|Symptomatic loculated ascites} {not amenable to ultrasound-guided paracentesis|in the left upper quadrant}.")
		pre = g.pf("loculated ascites {in the left upper quadrant|in the pelvis|between bowel loops}")
		target, fluid = "loculated ascites", g.pick("straw-coloured", "clear", "turbid", "chylous")
	}
	narr := g.prelims("supine", "prone", side+" side up decubitus")
	g.proc = &procInfo{target: target, specimens: g.pick("cytology and biochemistry", "cytology, protein and LDH", "culture and cytology")}
	narr = append(narr, g.drainNarrative(target, g.p("{posterior intercostal|lateral|anterior|left lower quadrant}"), fluid, fr, ml, false)...)
	narr = append(narr, g.noComplication())
	imp := []string{g.xf("{Successful|Uncomplicated} %s drainage of %s with {an|a} %s Fr catheter{|; %d mL drained}.", g.ctGuided(), target, fr, ml)}
	return g.irReport(ind, "液体貯留、ドレナージ依頼。", narr, []string{g.preLine(pre, "drainage")}, imp, []string{"CTガイド下ドレナージを施行。"}, []string{"CTガイド下ドレナージ。"})
}

func irCystAspiration(g *gen) *report {
	organ := g.pick("renal", "hepatic", "renal", "lymphocele")
	ml := g.between(5, 60) * 10
	scl := g.chance(0.5)
	ind := g.xf("Symptomatic %s cyst{| causing pain| with obstruction}{|. Aspiration and sclerotherapy requested|. Please aspirate}.", organ)
	pre := []string{g.preLine(g.pf("a %s simple %s cyst", g.cm(5, 12), organ), "aspiration")}
	narr := g.prelims("prone", "supine")
	narr = append(narr, g.xf("Under CT guidance, {an 18G needle|a 5 Fr Yueh catheter|an 18G Chiba needle} was advanced into the cyst via a {posterior|anterior|lateral} approach and %d mL of {clear|straw-coloured|serous} fluid was aspirated.", ml))
	if scl {
		narr = append(narr, g.xf("%d mL of {95%% ethanol|absolute alcohol|doxycycline solution} was instilled for {10|15|20} minutes for sclerotherapy and then aspirated.", ml/5+1))
	}
	narr = append(narr, g.x("{No drain was left.|The needle was removed; no catheter left.}"), g.noComplication())
	g.proc = &procInfo{target: organ + " cyst", needle: "18G needle", output: fmt.Sprintf("%d mL clear fluid", ml), specimens: g.pick("cytology", "none", "biochemistry and cytology"), drain: "none"}
	what := "aspiration"
	if scl {
		what = "aspiration and sclerotherapy"
	}
	imp := []string{g.xf("{Successful|Uncomplicated} %s %s of {the|a} %s cyst; %d mL aspirated.", g.ctGuided(), what, organ, ml)}
	return g.irReport(ind, "嚢胞、穿刺吸引依頼。", narr, pre, imp, []string{"嚢胞に対しCTガイド下穿刺吸引を施行。"}, []string{"嚢胞穿刺吸引。"})
}
