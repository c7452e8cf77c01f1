package synth

import "strings"

// Hard pancreas cases: reports whose words pull towards another label than
// the guide gives them (treatment planned but not given, an operation for
// something else, chemotherapy for another cancer, "cannot exclude" that is
// not the leading concern, decisive addenda). Each keeps to the guide.

// famHx is a family-history sentence; it never says anything about the
// patient's own pancreas (family members' treatment included, as real
// histories say it).
func (g *gen) famHx() string {
	rel := g.pick("mother", "father", "brother", "sister", "maternal aunt", "paternal uncle", "grandmother", "two first-degree relatives")
	return g.xf("{Family history|FHx|FH}: %s {with|had|died of} pancreatic cancer{| at age %d|, treated with a Whipple procedure| who underwent chemotherapy}.", rel, g.between(48, 80))
}

// ---- 2 pretreatment ----

func pPlannedNotGiven(g *gen) *report {
	s := g.site()
	op, _ := g.surgery(s)
	rx := g.chemo()
	kind := g.pickIntW([]float64{2, 2, 1.5})
	plan := g.pick(
		g.pf("{Planned|Scheduled} for %s on %s", op, g.date()),
		g.pf("{Chemotherapy|%s} to start next week{; port placed %s|}", rx, g.recently()),
		g.pf("Consented for neoadjuvant %s; baseline CT before C1D1", rx),
		g.pf("Referred for {SBRT|stereotactic radiotherapy} planning{; fiducials placed %s|}", g.recently()),
		g.pf("Awaiting {oncology|medical oncology} consultation regarding %s", rx),
		g.pf("MDT recommendation: neoadjuvant %s followed by surgery; treatment not yet started", rx),
		g.pf("Surgery (%s) booked; pre-operative staging", op),
		g.pf("Plan: %s{, first cycle pending| pending insurance approval| pending port insertion}", rx),
	)
	ind := g.xf("{%s with |}%s{, biopsy-proven| (EUS-FNB %s)|, cytology-confirmed|}. %s.", g.age(), g.pdacAt(s), g.recently(), plan)
	size := g.cm(1.5, 4.5)
	f := []string{g.xf("{The known|Biopsy-proven|The} pancreatic %s {mass|tumour|adenocarcinoma} {measures|is again seen, measuring} %s{| as a %s mass}.", s.en, size, g.hypo())}
	f = append(f, g.ductSigns(s)...)
	f = append(f, g.vessels(kind)...)
	f = append(f, g.metastases(false)...)
	if g.chance(0.3) {
		f = append(f, g.x("{A right chest wall port is in place with its tip at the cavoatrial junction|A port catheter is in place in the right chest|Fiducial markers are seen within the pancreatic mass}."))
	}
	imp := []string{g.xf("{Untreated|Treatment-naive|Known, untreated|Biopsy-proven} %s, {pre-treatment baseline|baseline before planned therapy|staging before treatment}. %s", g.pdacAt(s), g.resectabilityLine(kind))}
	if g.chance(0.4) {
		imp = append(imp, g.x("{No interval change since the diagnostic CT|No metastatic disease|No new findings since the outside study}."))
	}
	rep := &report{
		indication:   []string{ind},
		technique:    []string{g.techniquePancreas()},
		findings:     keys("pancreas", f...),
		impression:   imp,
		ja:           []string{"膵癌（未治療）、治療開始前の評価。"},
		jaIndication: "膵癌、治療前（化学療法予定）。",
	}
	if g.chance(0.2) {
		g.synopticize(rep, synSpec{site: s, size: size, kind: kind}, 0)
	}
	return g.assemble(rep, "pancreas", "biliary")
}

// otherSurgery is an operation that is not for pancreatic cancer.
func (g *gen) otherSurgery() string {
	return g.pick("laparoscopic cholecystectomy", "right hemicolectomy", "inguinal hernia repair", "total knee replacement", "hysterectomy",
		"appendicectomy", "laparoscopic appendectomy", "anterior resection", "CABG", "TURP", "ventral hernia repair", "nephrectomy", "sleeve gastrectomy")
}

func pPostOpOtherMass(g *gen) *report {
	s := g.site()
	size := g.cm(1.2, 3.8)
	day := g.between(2, 14)
	ind := g.xf("{POD %d|Post-operative day %d|Day %d} {after|following|post} %s. {Fever|Abdominal pain and ileus|Rising CRP|Wound collection?|Tachycardia, ? leak}.", day, day, day, g.otherSurgery())
	main := g.pick(
		g.x("{Expected postoperative changes|Post-operative changes} without a drainable collection."),
		g.xf("Small {postoperative|pelvic} fluid collection measuring %s without gas.", g.cm(2, 5)),
		g.x("Dilated small bowel loops without a transition point, consistent with postoperative ileus."),
	)
	f := []string{main, g.massSentence(s, size)}
	f = append(f, g.ductSigns(s)...)
	imp := []string{main,
		g.xf("{Incidental|Unexpected} %s pancreatic %s mass, %s %s{|; not related to the recent surgery}.", size, s.en, g.hedge(), g.pdac())}
	if g.chance(0.5) {
		imp = append(imp, g.x("{Recommend pancreas protocol CT or MRI and EUS once recovered from surgery|Refer to the pancreatic MDT}."))
	}
	rep := &report{
		indication: []string{ind},
		technique:  []string{g.techniqueRoutine()},
		findings:   keys("", f...),
		impression: imp,
		ja:         []string{s.ja + "に腫瘤あり、膵癌を疑う（他疾患術後）。"},
	}
	for i := 1; i < len(rep.findings); i++ {
		rep.findings[i].organ = "pancreas"
	}
	return g.assemble(rep, "pancreas", "bowel", "peritoneum")
}

// otherChemo is a current treatment of another cancer (never one used for
// pancreatic cancer alone).
func (g *gen) otherChemo() (hx, organ string) {
	switch g.between(0, 7) {
	case 0:
		return g.pf("{Sigmoid|Rectal|Colon} cancer {on|receiving} {FOLFOX|CAPOX|adjuvant FOLFOX|capecitabine} (cycle %d)", g.between(2, 10)), "bowel"
	case 1:
		return g.pf("Breast cancer on {docetaxel and trastuzumab|letrozole|paclitaxel|AC-T chemotherapy|palbociclib and letrozole}"), "soft tissues"
	case 2:
		return g.pf("{Non-small cell lung cancer|Lung adenocarcinoma} on {pembrolizumab|osimertinib|carboplatin and pemetrexed|durvalumab}"), "lungs"
	case 3:
		return g.pf("{Diffuse large B-cell lymphoma|Follicular lymphoma} on {R-CHOP|R-CHOP cycle %d|bendamustine-rituximab}", g.between(2, 6)), "nodes"
	case 4:
		return g.pf("Prostate cancer on {enzalutamide|androgen deprivation therapy|abiraterone} with {bone metastases|rising PSA}"), "pelvis"
	case 5:
		return g.pf("Ovarian cancer on {carboplatin and paclitaxel|maintenance niraparib|bevacizumab}"), "pelvis"
	case 6:
		return g.pf("Renal cell carcinoma on {sunitinib|pazopanib|nivolumab and ipilimumab|cabozantinib}"), "kidneys"
	default:
		return g.pf("Multiple myeloma on {lenalidomide|daratumumab|bortezomib}"), "bones"
	}
}

func pOtherChemoNewMass(g *gen) *report {
	s := g.site()
	size := g.cm(1.2, 4)
	hx, organ := g.otherChemo()
	ind := g.xf("%s. {Restaging|Response assessment|Routine restaging CT|Surveillance}{| — new abdominal pain| — weight loss}.", hx)
	f := []string{g.xf("{New|Interval development of a|There is a new} %s %s {in|within} the pancreatic %s measuring %s, not present on the prior study.", g.hypo(), g.massWord(), s.en, size)}
	f = append(f, g.ductSigns(s)...)
	imp := []string{
		g.xf("New %s pancreatic %s mass, %s {a new primary|a second primary|primary} %s{| rather than metastasis}.", size, s.en, g.pick("concerning for", "suspicious for", "most consistent with", "favoured to represent", "likely representing"), g.pdac()),
		g.x("{Otherwise stable disease|The known malignancy is otherwise stable|No other new sites of disease}."),
	}
	rep := &report{
		indication: []string{ind},
		technique:  []string{g.techniqueRoutine()},
		findings:   keys("pancreas", f...),
		impression: imp,
		ja:         []string{s.ja + "に新たな腫瘤あり、原発性膵癌を疑う。"},
	}
	return g.assemble(rep, "pancreas", organ)
}

func pUntreatedDeclined(g *gen) *report {
	s := g.site()
	ind := g.xf("{%s with |}%s{, biopsy-proven|, diagnosed %s}. {Patient declined surgery and chemotherapy|Not a candidate for treatment; best supportive care|Declined treatment; palliative care input only|Frail, treatment not offered; symptom control}. {Worsening pain|New vomiting|Assess disease extent|Jaundice}.", g.age(), g.pdacAt(s), g.monthsAgo())
	size := g.cm(3, 6.5)
	f := []string{g.xf("The {known|untreated} pancreatic %s {mass|tumour} {has enlarged, now|measures} %s.", s.en, size)}
	f = append(f, g.ductSigns(s)...)
	f = append(f, g.vessels(locallyAdvanced)...)
	met := g.chance(0.5)
	f = append(f, g.metastases(met)...)
	imp := []string{g.xf("{Progression of|Enlarging} untreated %s{| with new hepatic metastases}.", g.pdacAt(s))}
	if g.chance(0.4) {
		imp = append(imp, g.x("{Gastric outlet obstruction from duodenal invasion|Malignant ascites|No biliary obstruction}."))
	}
	rep := &report{
		indication: []string{ind},
		technique:  []string{g.techniqueRoutine()},
		findings:   keys("pancreas", f...),
		impression: imp,
		ja:         []string{"未治療の膵癌、増大傾向。"},
	}
	return g.assemble(rep, "pancreas", "liver", "vessels")
}

func pIsoattenuating(g *gen) *report {
	s := g.site()
	f := []string{
		g.xf("{No discrete mass is seen|No conspicuous mass is identified|The pancreatic parenchyma appears isoattenuating}, but there is {abrupt cut-off of the main pancreatic duct|an abrupt change in calibre of the pancreatic duct} at the pancreatic %s with upstream dilatation to %s and atrophy of the {distal gland|body and tail}.", s.en, g.mm(5, 10)),
		g.x("{Subtle convex contour bulge|Subtle loss of the normal fatty lobulation} at the site of the cut-off."),
	}
	if s.head {
		f = append(f, g.xf("Common bile duct dilated to %s with abrupt termination at the same level.", g.mm(10, 16)))
	}
	imp := []string{g.xf("Abrupt pancreatic duct cut-off in the %s with upstream dilatation and atrophy; {an isoattenuating %s is suspected|findings are suspicious for an isoattenuating %s|%s is the leading concern despite no visible mass}.", s.en, g.pdac(), g.pdac(), g.pdac()),
		g.x("{Recommend EUS|EUS-guided tissue sampling recommended|MRI and EUS are recommended}.")}
	rep := &report{
		indication: []string{g.indicationSuspect()},
		technique:  []string{g.techniquePancreas()},
		findings:   keys("pancreas", f...),
		impression: imp,
		ja:         []string{"主膵管の途絶と尾側の拡張あり、等吸収の膵癌を疑う。"},
	}
	return g.assemble(rep, "pancreas", "biliary")
}

// addendumConfirmed: the addendum reports the biopsy after the CT; still
// untreated.
func pAddendumConfirmed(g *gen) *report {
	rep := pIncidentalMass(g)
	rep.addendum = []string{g.xf("{EUS-FNB|EUS-guided biopsy|Percutaneous biopsy} performed {%s|after this study} confirmed {adenocarcinoma|ductal adenocarcinoma}; the patient has been referred to the {HPB surgeons|pancreatic MDT|oncology team}{| for treatment planning}.", g.recently())}
	return rep
}

// ---- 1 post_treatment ----

// addendumTreated: the body reads like a staging study; the addendum says
// treatment was given, which decides the label.
func pAddendumTreated(g *gen) *report {
	s := g.site()
	size := g.cm(1.2, 3.5)
	kind := g.pickIntW([]float64{1, 2, 1})
	f := []string{g.xf("{The known|Known} pancreatic %s {mass|tumour} measures %s{, smaller than on the outside baseline study|}.", s.en, size)}
	f = append(f, g.ductSigns(s)...)
	f = append(f, g.vessels(kind)...)
	f = append(f, g.metastases(false)...)
	imp := []string{g.xf("Known pancreatic %s {adenocarcinoma|cancer} measuring %s. %s", s.en, size, g.resectabilityLine(kind))}
	rx := g.chemo()
	add := g.pick(
		g.pf("Clinical history clarified with the oncology team: the patient has completed %s cycles of neoadjuvant %s; this is a restaging study, and the decrease in size represents treatment response.", g.cycles(), rx),
		g.pf("The patient is on %s (cycle %s), which was not stated on the request; findings are consistent with treatment response.", rx, g.cycles()),
		g.pf("Further history: %s {completed|finished} %s; this examination is post-treatment restaging.", g.radiationRx(), g.monthsAgo()),
		g.pf("Correction to the clinical history: the patient {received|completed} {induction|neoadjuvant} %s {and SBRT|}; appearances are post-treatment.", rx),
	)
	rep := &report{
		indication: []string{g.x("{Pancreatic cancer, restaging|Known pancreatic cancer|Pancreatic mass, follow-up|PDAC}{|. Assess resectability}.")},
		technique:  []string{g.techniquePancreas()},
		findings:   keys("pancreas", f...),
		impression: imp,
		addendum:   []string{add},
		ja:         []string{"膵癌、治療後の再評価（追記参照）。"},
	}
	return g.assemble(rep, "pancreas")
}

// ---- 0 none ----

func pPostOpOtherNormal(g *gen) *report {
	day := g.between(2, 14)
	op := g.otherSurgery()
	ind := g.xf("{POD %d|Post-operative day %d|Day %d} {after|following|post} %s. {Fever|Abdominal pain|Rising CRP|Ileus|? collection}.", day, day, day, op)
	main := g.pick(
		g.xf("{Rim-enhancing|Loculated} collection {in the surgical bed|in the pelvis|adjacent to the anastomosis} measuring %s{, containing gas|}.", g.cm(2, 7)),
		g.x("Dilated small bowel loops without a transition point, consistent with postoperative ileus."),
		g.x("{Expected postoperative changes|Post-operative free fluid and gas} without a drainable collection."),
		g.xf("Small haematoma in the {surgical bed|abdominal wall} measuring %s without active extravasation.", g.cm(2, 6)),
	)
	f := []string{main, g.normalPancreas()}
	if g.chance(0.3) {
		f = append(f, g.negatedCancer())
	}
	rep := &report{
		indication: []string{ind},
		technique:  []string{g.techniqueRoutine()},
		findings:   keys("", f...),
		impression: []string{main},
		ja:         []string{"術後変化。膵に異常なし。"},
	}
	rep.findings[1].organ = "pancreas"
	return g.assemble(rep, "pancreas", "bowel", "peritoneum")
}

func pIPMNWorrisome(g *gen) *report {
	s := g.site()
	feat := g.pick(
		g.pf("measures %s (≥3 cm)", g.cm(3, 4.5)),
		g.pf("has thickened, enhancing walls"),
		g.pf("is associated with main duct dilatation to %s", g.mm(5, 9)),
		g.pf("contains a non-enhancing mural nodule (likely mucin)"),
		g.pf("has grown by %s in %d years", g.mm(3, 8), g.between(1, 3)),
	)
	f := []string{
		g.xf("{Known|The} {branch-duct|side-branch|mixed-type} IPMN in the pancreatic %s %s.", s.en, feat),
		g.x("{No enhancing solid component|No enhancing mural nodule or solid component} to suggest invasive carcinoma{| or high-grade dysplasia}."),
	}
	imp := []string{g.xf("{Branch-duct|Side-branch|Mixed-type} IPMN with a worrisome feature ({%s|Fukuoka criteria}); {no features of invasive malignancy|no high-risk stigmata|no solid component}.", feat),
		g.x("{EUS is recommended|Recommend EUS ± FNA|Recommend MRI/MRCP in 6 months and EUS|Surgical referral for discussion}.")}
	rep := &report{
		indication: []string{g.x("{Follow-up|Surveillance} of {known |}IPMN{|. Growth on the last MRI}.")},
		technique:  []string{g.techniquePancreas()},
		findings:   keys("pancreas", f...),
		impression: imp,
		ja:         []string{"分枝型IPMN、worrisome featureあり、浸潤癌を示唆する所見なし。"},
	}
	return g.assemble(rep, "pancreas")
}

func pCannotExcludeNotLeading(g *gen) *report {
	s := g.site()
	var f, imp []string
	switch g.between(0, 2) {
	case 0:
		f = []string{g.xf("Subtle {hypoattenuation|relative hypoenhancement} of the pancreatic %s without mass effect or ductal dilatation, {most likely|favoured to represent} focal fatty infiltration.", s.en)}
		imp = []string{g.xf("Subtle hypoattenuation of the pancreatic %s, most likely focal fatty infiltration; a small lesion cannot be entirely excluded, {and MRI could be considered|MRI is suggested if clinical concern persists|but malignancy is considered unlikely}.", s.en)}
	case 1:
		f = []string{g.x("{Apparent fullness|Apparent enlargement} of the pancreatic head {related to|due to} adjacent unopacified duodenum{| and partial volume}.")}
		imp = []string{g.x("Pancreatic head fullness, likely due to unopacified duodenum; an underlying mass is not suspected, although it cannot be excluded on this non-dedicated study. {Dedicated pancreatic protocol CT if clinically indicated|No further imaging unless clinically indicated}.")}
	default:
		f = []string{g.xf("{Mild|Minimal} dilatation of the main pancreatic duct to %s, tapering smoothly to the ampulla without an obstructing lesion{| in an elderly patient}.", g.mm(3, 5))}
		imp = []string{g.x("Mild pancreatic duct prominence, {most likely age-related|likely related to prior cholecystectomy|of doubtful significance}; an obstructing lesion is not seen, although a tiny lesion cannot be excluded by CT. {MRCP may be considered|No further action needed}.")}
	}
	rep := &report{
		indication: []string{g.pick(g.routineIndication(), g.x("{Weight loss|Epigastric pain|Abnormal LFTs}."))},
		technique:  []string{g.techniqueRoutine()},
		findings:   keys("pancreas", f...),
		impression: imp,
		ja:         []string{"膵に軽度の所見あるも腫瘍性病変は考えにくい。"},
	}
	return g.assemble(rep, "pancreas")
}

func pFamilyHxIncidental(g *gen) *report {
	rep := pNormal(g)
	// The family history joins the clinical indication of a CT for
	// something else.
	fh := g.famHx()
	if g.chance(0.5) {
		rep.indication = append(rep.indication, fh)
	} else {
		rep.indication = append([]string{fh}, rep.indication...)
	}
	if g.chance(0.4) {
		rep.impression = append(rep.impression, g.x("{No pancreatic mass|Normal pancreas}{|; consider referral to a high-risk surveillance programme given the family history}."))
	}
	return rep
}

func pAIPResolved(g *gen) *report {
	s := g.site()
	ind := g.x("{Autoimmune pancreatitis (IgG4-related) on steroids|Suspected pancreatic head mass on prior CT; EUS-FNB showed IgG4-related pancreatitis, no malignancy|Type 1 autoimmune pancreatitis}, follow-up{| after {6|8|12} weeks of prednisolone}.")
	f := []string{
		g.xf("The previously seen {focal enlargement|hypoenhancing swelling} of the pancreatic %s has {resolved|markedly decreased} {after steroid therapy|on treatment}.", s.en),
		g.x("{The capsule-like rim has resolved|The pancreatic duct is of normal calibre|No upstream ductal dilatation}."),
	}
	imp := []string{g.xf("{Resolution|Marked improvement} of focal autoimmune pancreatitis in the %s after steroids; {no pancreatic mass|no residual mass to suggest a neoplasm}.", s.en)}
	rep := &report{
		indication: []string{ind},
		technique:  []string{g.techniquePancreas()},
		findings:   keys("pancreas", f...),
		impression: imp,
		ja:         []string{"自己免疫性膵炎、ステロイド治療後改善。腫瘤なし。"},
	}
	return g.assemble(rep, "pancreas")
}

// addendumBenign: an indeterminate lesion that the addendum settles as
// benign.
func pAddendumBenign(g *gen) *report {
	size := g.mm(8, 16)
	f := []string{g.xf("{An|A} %s {arterially enhancing|well-circumscribed} {lesion|nodule} in the pancreatic tail{| adjacent to the splenic hilum}.", size),
		g.x("{No pancreatic ductal dilatation|The pancreatic duct is normal}.")}
	imp := []string{g.xf("%s indeterminate {enhancing |}pancreatic tail lesion; {an intrapancreatic splenule is the main consideration|differential includes intrapancreatic splenule and a small neuroendocrine tumour}. {Comparison with prior imaging or MRI suggested|Correlate with prior imaging}.", capFirst(size))}
	add := g.pick(
		g.pf("Outside MRI of %s reviewed: the pancreatic tail lesion follows splenic signal on all sequences, consistent with an intrapancreatic accessory spleen. No further follow-up required.", g.date()),
		g.pf("Heat-damaged red cell scintigraphy on %s confirms an intrapancreatic splenule.", g.date()),
		g.pf("Prior CT from %s shows the lesion unchanged over {4|5|6} years, consistent with an intrapancreatic splenule.", g.date()),
	)
	rep := &report{
		indication: []string{g.routineIndication()},
		technique:  []string{g.techniqueRoutine()},
		findings:   keys("pancreas", f...),
		impression: imp,
		addendum:   []string{add},
		ja:         []string{"膵尾部の副脾。"},
	}
	return g.assemble(rep, "pancreas", "spleen")
}

// stentDuodenal: biliary and duodenal stents for an untreated head cancer
// (palliation, not treatment of the cancer).
func pStentDuodenal(g *gen) *report {
	rep := pStentOnly(g)
	line := g.x("{A duodenal stent is also in place across D2|An uncovered duodenal self-expanding stent traverses the second part of the duodenum} {for gastric outlet obstruction|with the stomach decompressed}.")
	var fs []finding
	for i, f := range rep.findings {
		if i >= rep.nKey && strings.Contains(strings.ToLower(f.text), "duoden") {
			continue // a distractor must not call the stented duodenum normal
		}
		fs = append(fs, f)
		if i == 0 {
			fs = append(fs, finding{organ: "pancreas", text: line})
		}
	}
	rep.findings = fs
	rep.nKey++
	rep.ja = append(rep.ja, "十二指腸ステント留置後。")
	if len(rep.impression) > 0 && !strings.Contains(rep.impression[len(rep.impression)-1], "duodenal") {
		rep.impression = append(rep.impression, g.x("{Duodenal stent in satisfactory position|Satisfactory position of the duodenal stent}."))
	}
	return rep
}

// completeResponse: a treated cancer with no tumour left to see; the
// report's negations ("no residual mass") do not make it label 0.
func pCompleteResponse(g *gen) *report {
	s := g.site()
	rx := g.pick(g.chemoCourse(g.chemo()), g.chemoCourse(g.chemo())+" and "+g.radiationRx(), "completed "+g.radiationRx()+" after "+g.chemo())
	ind := g.xf("{%s|Locally advanced %s|Borderline resectable %s}, %s. {Restaging|Response assessment|CA 19-9 normalised, restaging}.", g.pdacAt(s), g.pdac(), g.pdac(), rx)
	f := []string{
		g.xf("{No measurable residual mass|No residual mass is identified|The previously seen mass is no longer visible} in the pancreatic %s{| ; only faint residual hypoattenuation remains| ; minimal ill-defined soft tissue at the site, likely fibrosis}.", s.en),
		g.x("{The pancreatic duct has decompressed|Upstream ductal dilatation has resolved|The pancreatic duct is now of normal calibre}."),
	}
	f = append(f, g.metastases(false)...)
	imp := []string{g.xf("{Complete|Near-complete|Marked} {radiological |}response of pancreatic %s {adenocarcinoma|cancer} {after|following|on} treatment{|; no residual mass and no metastases}.", s.en),
		g.x("{No evidence of local progression or metastatic disease|No new lesion}.")}
	rep := &report{
		indication:   []string{ind},
		technique:    []string{g.techniquePancreas()},
		findings:     keys("pancreas", f...),
		impression:   imp,
		ja:           []string{"膵癌、化学療法後に腫瘍は同定できない（著効）。"},
		jaIndication: "膵癌化学療法後、効果判定。",
	}
	return g.assemble(rep, "pancreas")
}

// stentOcclusionOnChemo: the stent is the reason for the CT, but the
// cancer is on chemotherapy (treated).
func pStentOcclusionOnChemo(g *gen) *report {
	s := g.headSite()
	rx := g.chemo()
	ind := g.xf("{%s|Pancreatic head cancer} {on|receiving} %s{ (cycle %s)|} with {a metal biliary stent|a SEMS|a plastic CBD stent}; {fever and rising bilirubin|cholangitis|jaundice recurred}, ? stent occlusion.", capFirst(g.pdacAt(s)), rx, g.cycles())
	f := []string{
		g.xf("The biliary stent is in place but there is {recurrent intrahepatic biliary dilatation|loss of the previous pneumobilia with biliary dilatation}{| and sludge within the stent}, the CBD measuring %s above the stent.", g.mm(9, 16)),
		g.xf("The {treated |}pancreatic head {mass|tumour} measures %s, {stable|slightly smaller} on treatment.", g.cm(1.8, 4)),
	}
	f = append(f, g.metastases(false)...)
	imp := []string{g.x("{Biliary dilatation in keeping with stent occlusion|Stent dysfunction with recurrent biliary obstruction}{|; ERCP suggested}."),
		g.xf("Pancreatic head cancer on %s: {stable disease|partial response}.", rx)}
	rep := &report{
		indication: []string{ind},
		technique:  []string{g.techniqueRoutine()},
		findings:   keys("pancreas", f...),
		impression: imp,
		ja:         []string{"膵癌化学療法中、胆管ステント閉塞を疑う。"},
	}
	return g.assemble(rep, "pancreas", "biliary")
}
