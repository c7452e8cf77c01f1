package synth

import (
	"fmt"
	"strings"
)

// pancreasCases lists the case types of the pancreas task. The label of each
// follows the guide's decision order: treated pancreatic cancer (1) before
// present or suspected untreated cancer (2) before everything else (0).
func pancreasCases(o caseOptions) []caseType {
	cases := []caseType{
		// ---- 2 pretreatment ----
		{"new_suspicious_mass", 2, 4, "new pancreatic mass with a hedge that makes cancer the leading diagnosis", pNewMass},
		{"known_staging", 2, 3, "biopsy-proven or known cancer, treatment-naive: staging, resectability, awaiting surgery or chemotherapy", pKnownStaging},
		{"stent_only", 2, 2, "pancreatic head mass with a fresh biliary stent and no surgery, chemotherapy or radiation", pStentOnly},
		{"cannot_exclude_leading", 2, 1, `"cannot exclude" with pancreatic cancer the leading concern`, pCannotExclude},
		{"pancreatitis_then_mass", 2, 1.2, "history of pancreatitis (acute/chronic), now a new mass suspicious for cancer", pPancreatitisThenMass},
		{"ipmn_invasive_untreated", 2, 0.8, "IPMN with (suspected) invasive carcinoma, not treated", pIPMNInvasive},
		{"other_cancer_then_pdac", 2, 1, "treated cancer of another organ, now a new primary pancreatic cancer", pOtherCancerThenPDAC},
		{"metastatic_at_diagnosis", 2, 1, "newly diagnosed metastatic pancreatic cancer before any treatment", pMetastaticAtDx},
		{"incidental_mass", 2, 1, "CT for another reason, incidental mass suspicious for pancreatic cancer", pIncidentalMass},
		{"surveillance_new_mass", 2, 0.6, "family history / high-risk surveillance finding a new suspicious mass", pSurveillanceNewMass},
		{"planned_not_given", 2, 1.5, "known cancer with treatment planned, booked or consented but not yet given (port, fiducials, MDT plan)", pPlannedNotGiven},
		{"postop_other_surgery_mass", 2, 0.6, "CT after an unrelated operation finding a mass suspicious for pancreatic cancer", pPostOpOtherMass},
		{"other_chemo_new_mass", 2, 0.8, "patient on chemotherapy or targeted therapy for another cancer, new primary pancreatic mass", pOtherChemoNewMass},
		{"untreated_declined", 2, 0.5, "known cancer, treatment declined or not offered (supportive care), progressing", pUntreatedDeclined},
		{"isoattenuating_secondary_signs", 2, 0.5, "no visible mass, abrupt duct cut-off with upstream dilatation and atrophy: isoattenuating cancer suspected", pIsoattenuating},
		{"addendum_biopsy_confirmed", 2, 0.4, "incidental suspicious mass; addendum: biopsy confirmed adenocarcinoma, referred for treatment", pAddendumConfirmed},
		{"stent_duodenal", 2, 0.4, "untreated head cancer with biliary and duodenal stents (palliation only)", pStentDuodenal},
		{"ct_guided_biopsy_pancreatic_mass", 2, 0.8, "CT-guided biopsy of a hypoenhancing pancreatic mass for tissue diagnosis (suspected cancer, untreated)", pProcedurePancreaticMass},
		// ---- 1 post_treatment ----
		{"post_resection_no_recurrence", 1, 3, "after Whipple / distal / total pancreatectomy for pancreatic cancer, no recurrence", pPostResectionClear},
		{"post_resection_recurrence", 1, 2, "after resection for pancreatic cancer, local recurrence or metastases", pPostResectionRecurrence},
		{"on_chemotherapy", 1, 3, "restaging during or after chemotherapy (FOLFIRINOX, gemcitabine/nab-paclitaxel, ...)", pOnChemo},
		{"neoadjuvant_restaging", 1, 2, "restaging after neoadjuvant therapy before surgery", pNeoadjuvant},
		{"radiation", 1, 1.5, "after radiation, SBRT or chemoradiation", pRadiation},
		{"ablation", 1, 0.8, "after ablation (IRE, RFA, microwave, HIFU)", pAblation},
		{"stent_then_treated", 1, 1.2, "biliary stent placed for a pancreatic cancer that has since been treated", pStentTreated},
		{"treated_history_unrelated_exam", 1, 1, "CT for an unrelated complaint in a patient whose pancreatic cancer was treated", pTreatedHistoryOther},
		{"ipmn_invasive_resected", 1, 0.5, "resected IPMN with invasive carcinoma", pIPMNInvasiveResected},
		{"post_op_complication", 1, 1, "early post-operative CT after resection for pancreatic cancer (leak, collection, bleeding)", pPostOpComplication},
		{"complete_response", 1, 0.6, "treated cancer with no residual mass visible (negation words, still treated)", pCompleteResponse},
		{"stent_occlusion_on_chemo", 1, 0.5, "head cancer on chemotherapy, CT for biliary stent occlusion", pStentOcclusionOnChemo},
		{"addendum_treated", 1, 0.6, "report reads like staging; an addendum says chemotherapy or radiation was given (restaging)", pAddendumTreated},
		// ---- 0 none ----
		{"normal_pancreas", 0, 3, "CT for another reason, normal pancreas", pNormal},
		{"negated_cancer", 0, 3, "cancer asked about, explicitly not seen", pNegated},
		{"acute_pancreatitis", 0, 1.5, "acute pancreatitis (interstitial, necrotising, collections)", pAcutePancreatitis},
		{"chronic_pancreatitis", 0, 1.5, "chronic pancreatitis, groove or autoimmune pancreatitis, no mass", pChronicPancreatitis},
		{"pseudocyst", 0, 1, "pancreatic pseudocyst or walled-off necrosis", pPseudocyst},
		{"ipmn_benign", 0, 1.5, "IPMN or cyst without worrisome features", pIPMNBenign},
		{"benign_variant", 0, 1, "lipomatosis, divisum, annular pancreas, fatty sparing, intrapancreatic splenule", pBenignVariant},
		{"neuroendocrine", 0, 1.2, "pancreatic neuroendocrine tumour, untreated or resected", pNET},
		{"metastasis_to_pancreas", 0, 1, "metastasis to the pancreas from RCC, melanoma, lung or breast", pMetsToPancreas},
		{"lymphoma", 0, 0.6, "lymphoma involving the pancreas or peripancreatic nodes", pLymphoma},
		{"periampullary_non_pancreatic", 0, 1.2, "ampullary, duodenal or distal bile duct carcinoma", pPeriampullary},
		{"whipple_non_pancreatic", 0, 1.2, "Whipple or pancreatectomy for a disease that is not pancreatic cancer", pWhippleNonPDAC},
		{"spn_serous", 0, 0.8, "solid pseudopapillary neoplasm or serous cystadenoma", pSPNSerous},
		{"other_organ_cancer", 0, 2.5, "cancer of another organ (often treated), long findings, pancreas clear", pOtherCancer},
		{"family_history_screening", 0, 1, "family history / genetic risk screening with no finding", pFamilyScreening},
		{"pancreas_trauma", 0, 0.4, "pancreatic injury after trauma", pTrauma},
		{"focal_pancreatitis_not_cancer", 0, 0.8, "focal pancreatitis or pseudomass as the leading diagnosis, malignancy explicitly not favoured", pFocalPancreatitis},
		{"benign_biliary_stent", 0, 0.8, "biliary stent for stones or a benign stricture, normal pancreas", pBenignStent},
		{"pancreas_transplant", 0, 0.4, "pancreas (-kidney) transplant with a normal or mildly inflamed allograft", pTransplant},
		{"postop_other_normal", 0, 0.8, "CT after an unrelated operation (collection, ileus), normal pancreas", pPostOpOtherNormal},
		{"ipmn_worrisome_no_invasion", 0, 0.7, "IPMN with a worrisome feature but no solid component or invasive carcinoma", pIPMNWorrisome},
		{"cannot_exclude_not_leading", 0, 0.8, `"cannot be excluded" where a benign explanation is favoured (fatty infiltration, duodenum, age-related duct)`, pCannotExcludeNotLeading},
		{"family_history_incidental", 0, 0.6, "CT for another reason in a patient with a family history of pancreatic cancer, normal pancreas", pFamilyHxIncidental},
		{"aip_resolved", 0, 0.4, "suspected mass that proved autoimmune pancreatitis, resolved on steroids", pAIPResolved},
		{"addendum_benign", 0, 0.4, "indeterminate tail lesion; addendum: intrapancreatic splenule", pAddendumBenign},
		{"ct_guided_procedure_other", 0, 3, "CT-guided drainage or biopsy of another organ (lung, bone, liver, nodes, collections, pseudocyst): no pancreatic cancer", pProcedureOther},
		{"benign_cyst_other", 0, 1, "mucinous cystic neoplasm without solid component, VHL cysts, simple/retention cysts, age-related atrophy or duct prominence, bulky head", pBenignCyst},
	}
	if o.treatment {
		// Config.SharedTreatment: treated cancers of other organs, in the
		// words of a treatment course (pancreas_course.go).
		cases = append(cases,
			caseType{"periampullary_resected_twin", 0, 2, "ampullary, distal bile duct or duodenal cancer after a Whipple, written by the resected pancreatic cancer case types (no recurrence, or recurrence) [--shared-treatment]", pPeriampullaryTwin},
			caseType{"other_cancer_treatment_course", 0, 2, "cancer of another organ (ampullary, bile duct, duodenal, colorectal, breast, lung, pNET, ...) on or after treatment: regimen, response, local recurrence; pancreas clear [--shared-treatment]", pOtherCancerCourse},
		)
	}
	if o.presentations {
		// Config.SharedPresentations: patients of all three labels seen for
		// an unrelated problem (pancreas_context.go).
		cases = append(cases,
			caseType{"untreated_unrelated_exam", 2, 1, "known cancer not yet treated (awaiting surgery or chemotherapy), CT for an unrelated problem [--shared-presentations]", pUntreatedUnrelated},
			caseType{"on_treatment_unrelated_exam", 1, 1.2, "cancer on or after treatment, CT for an unrelated problem; the tumour mentioned in passing or not at all [--shared-presentations]", pOnTreatmentUnrelated},
			caseType{"unrelated_presentation_normal", 0, 1.5, "CT for an unrelated problem (PE, fracture, stone, abscess, ...), often with another history; pancreas normal or not mentioned [--shared-presentations]", pUnrelatedNormal},
		)
	}
	return cases
}

// assemble adds distractor findings and the usual extras to a report whose
// key findings are set.
func (g *gen) assemble(rep *report, exclude ...string) *report {
	rep.nKey = len(rep.findings)
	exclude = append(exclude, g.keyOrgans(rep)...)
	rep.findings = append(rep.findings, g.distractorFindings(g.nDistractors(), exclude...)...)
	if rep.comparison == "" {
		rep.comparison = g.comparisonLine()
	}
	return rep
}

func keys(org string, texts ...string) []finding {
	out := make([]finding, 0, len(texts))
	for _, t := range texts {
		if t != "" {
			out = append(out, finding{organ: org, text: t})
		}
	}
	return out
}

// ---------------- 2 pretreatment ----------------

func pNewMass(g *gen) *report {
	s := g.site()
	size := g.cm(1.2, 5.5)
	kind := g.pickIntW([]float64{3, 2, 1.5})
	f := []string{g.massSentence(s, size)}
	f = append(f, g.ductSigns(s)...)
	f = append(f, g.vessels(kind)...)
	if g.chance(0.3) {
		f = append(f, g.remainderPancreas())
	}
	if g.chance(0.15) {
		f = append(f, g.stranding())
	}
	if s.head && g.chance(0.2) {
		f = append(f, g.x("The mass {abuts|invades|is inseparable from} the {second part of the |medial wall of the |}duodenum."))
	}
	met := g.chance(0.2)
	f = append(f, g.metastases(met)...)
	if g.chance(0.3) {
		f = append(f, g.nodes())
	}
	imp := []string{g.xf("{%s pancreatic %s mass|Pancreatic %s mass|%s %s mass in the pancreatic %s}{,| } %s %s.", size, s.en, s.en, size, g.hypo(), s.en, g.hedge(), g.pdac())}
	switch x := g.r.Float64(); {
	case x < 0.3:
		imp = []string{g.xf("{Findings|Appearances} {are |}%s %s {of the pancreatic %s|}{| with %s}.", g.hedge(), g.pdac(), s.en, g.pick("upstream ductal dilatation", "double duct sign", "vascular involvement as above", "biliary obstruction"))}
	case x < 0.45:
		imp = []string{g.suspectImp(g.pf("{%s |}%s {mass|lesion} {in the pancreatic %s|of the pancreatic %s}{| with upstream ductal dilatation| with %s}", size, g.hypo(), s.en, s.en, g.pick("double duct sign", "abrupt duct cut-off", "upstream parenchymal atrophy", "biliary obstruction")), g.pdac())}
	case x < 0.55:
		imp = []string{g.xf("{%s |}{Hypoattenuating|Hypoenhancing|Ill-defined} pancreatic %s mass{| with %s}, {concerning for|suspicious for|highly suspicious for|worrisome for|most likely} %s.", size, s.en, g.pick("double duct sign", "an abrupt duct cut-off", "upstream ductal dilatation", "vascular involvement as described"), g.malignantInContext())}
	case x < 0.62 && s.head:
		imp = []string{g.xf("{Double duct sign|Double duct sign with an obstructing pancreatic head lesion|Obstructing pancreatic head lesion with biliary and pancreatic ductal dilatation}{| (%s)}, {most likely|concerning for|in keeping with|suspicious for} %s.", size, g.pdac())}
	case x < 0.68:
		imp = []string{g.xf("%s pancreatic %s mass. {The leading differential is|The primary consideration is|Favour|DDx: favour|Differential diagnosis favours} %s; {a neuroendocrine tumour|focal pancreatitis|metastasis|an atypical neuroendocrine tumour} is {less likely|considered less likely|not favoured}.", size, s.en, g.pdac())}
	}
	if g.chance(0.6) {
		imp = append(imp, g.resectabilityLine(kind))
	}
	if met {
		imp = append(imp, g.x("{Hepatic|Liver} metastases{| as above}."))
	}
	if g.chance(0.4) {
		imp = append(imp, g.x("{Recommend|Suggest} {EUS-guided biopsy|tissue sampling|EUS-FNA|multidisciplinary discussion|referral to the pancreatic MDT|surgical oncology referral}."))
	}
	rep := &report{
		indication:   []string{g.indicationSuspect()},
		technique:    []string{g.techniquePancreas()},
		findings:     keys("pancreas", f...),
		impression:   imp,
		ja:           []string{fmt.Sprintf("%sに%s大の低吸収腫瘤を認める。", s.ja, g.jaMM(15, 50)), g.pick("膵癌を疑う。", "膵癌疑い。", "膵癌として矛盾しない。", "膵管癌を第一に考える。"), "上流の主膵管拡張を伴う。"},
		jaImpression: []string{g.pick("膵癌疑い。", s.ja+"癌疑い。", s.ja+"膵癌を疑う。", "膵癌の可能性が高い。")},
	}
	if met {
		rep.jaImpression = append(rep.jaImpression, "多発肝転移。")
	}
	if g.chance(0.15) {
		g.synopticize(rep, synSpec{site: s, size: size, kind: kind, met: met}, 0)
	}
	return g.assemble(rep, "pancreas", "biliary")
}

func pKnownStaging(g *gen) *report {
	s := g.site()
	kind := g.pickIntW([]float64{3, 2.5, 2})
	op, _ := g.surgery(s)
	how := g.pick("EUS-FNA", "EUS-guided biopsy", "EUS-FNB", "percutaneous biopsy", "ERCP brushings", "biopsy")
	ind := g.pick(
		g.xf("{Biopsy-proven|Newly diagnosed|Recently diagnosed|Histologically confirmed} %s{| ({%s|%s} %s)}{, treatment-naive|, treatment naive|, not yet treated|}. {Staging|Pre-operative staging|Assess resectability|Resectability assessment|Staging prior to treatment planning|Staging before MDT}.", g.pdacAt(s), how, how, g.recently()),
		g.xf("%s with %s {diagnosed on|confirmed by} %s{| last week}. {Surgical planning|Pre-op planning|For surgical consultation|Assess candidacy for %s|Staging}.", g.age(), g.pdacAt(s), how, op),
		g.xf("Known %s, {awaiting|scheduled for|planned for|referred for} {surgery|%s|neoadjuvant chemotherapy|neoadjuvant FOLFIRINOX|oncology review|first cycle of chemotherapy|MDT discussion}. {Baseline|Staging|Pretreatment baseline} CT.", g.pdacAt(s), op),
		g.xf("Pancreatic %s adenocarcinoma on {EUS biopsy|cytology}, {no prior treatment|treatment-naive|untreated}. Baseline {staging|imaging} {before|prior to} {neoadjuvant therapy|surgery|chemotherapy}.", s.en),
	)
	if g.chance(0.12) {
		ind = g.xf("{EUS-FNB|Biopsy|EUS-guided biopsy} {%s |}showing %s{|, treatment-naive|, untreated}. {Staging|Baseline staging|Resectability assessment}.", g.monthsAgo(), g.pdacVariant())
	}
	size := g.cm(1.5, 5)
	f := []string{g.xf("{Known|Biopsy-proven|The known} {%s|pancreatic %s mass} {is again seen, measuring|measures|is redemonstrated, measuring} %s{| as a %s mass}.", g.pdacAt(s), s.en, size, g.hypo())}
	f = append(f, g.ductSigns(s)...)
	f = append(f, g.vessels(kind)...)
	met := kind == locallyAdvanced && g.chance(0.3)
	f = append(f, g.metastases(met)...)
	if s.head && g.chance(0.3) {
		f = append(f, g.x("{A plastic|A metal|A} biliary stent is in place{| with expected pneumobilia}."))
	}
	if g.chance(0.12) {
		f = append(f, g.x("{Fiducial markers have been placed|Gold fiducial markers are noted} in the tumour in preparation for {planned|upcoming} {SBRT|stereotactic radiotherapy}."))
	}
	imp := []string{g.xf("{Known|Biopsy-proven|Untreated|Treatment-naive} %s{| measuring %s}%s. %s", g.pdacAt(s), size, g.tnm(met), g.resectabilityLine(kind))}
	if met {
		imp = append(imp, g.x("{Hepatic metastases|Metastatic disease to the liver}; {stage IV|M1 disease}."))
	} else {
		imp = append(imp, g.x("{No distant metastases|No evidence of metastatic disease|No hepatic or peritoneal metastases}."))
	}
	if g.chance(0.3) {
		imp = append(imp, g.x("{For MDT discussion|Findings to be discussed at the pancreatic tumour board|Candidate for {upfront resection|neoadjuvant therapy} per MDT}."))
	}
	rep := &report{
		indication:   []string{ind},
		technique:    []string{g.techniquePancreas()},
		findings:     keys("pancreas", f...),
		impression:   imp,
		ja:           []string{s.ja + "癌（生検で確認済み、未治療）。", "術前病期診断。", "治療前。"},
		jaImpression: []string{g.pick("未治療の膵癌。", s.ja+"癌、治療前の病期診断。", "膵癌（生検確定）、切除可能性評価。")},
		jaIndication: "膵癌（未治療）、術前精査。",
	}
	if g.chance(0.3) {
		g.synopticize(rep, synSpec{site: s, size: size, kind: kind, met: met}, 0)
	}
	return g.assemble(rep, "pancreas", "biliary")
}

func pStentOnly(g *gen) *report {
	s := g.headSite()
	size := g.cm(1.5, 4.5)
	when := g.pick("2 days ago", "yesterday", "last week", "3 days ago", "on admission", "recently", fmt.Sprintf("on %s", g.date()))
	stent := g.pick("plastic biliary stent", "covered metal biliary stent", "self-expanding metal stent", "CBD stent", "biliary stent", "uncovered metallic biliary stent", "10 Fr plastic stent")
	ind := g.xf("{Painless jaundice|Obstructive jaundice|Jaundice} {with|and} {pancreatic head mass on ultrasound|dilated ducts|biliary obstruction}{|, ERCP with %s %s|; status post ERCP and %s placement %s}.", stent, when, stent, when)
	f := []string{
		g.xf("{A|The} %s is {in place|in satisfactory position|seen} {extending from the common hepatic duct into the duodenum|traversing the distal common bile duct|across the ampulla}{| with pneumobilia| with decompression of the biliary tree}.", stent),
		g.massSentence(s, size),
	}
	f = append(f, g.ductSigns(s)...)
	f = append(f, g.vessels(g.pickIntW([]float64{3, 2, 1}))...)
	f = append(f, g.metastases(false)...)
	imp := []string{g.xf("Pancreatic %s mass {measuring %s |}%s %s.", s.en, size, g.hedge(), g.pdac()), g.x("{Biliary stent in satisfactory position|Biliary stent in place with decompression of the biliary tree|Satisfactory stent position}.")}
	if g.chance(0.3) {
		imp = append(imp, g.x("{Tissue diagnosis recommended|Recommend EUS-guided biopsy|Refer to pancreatic MDT}."))
	}
	rep := &report{
		indication:   []string{ind},
		technique:    []string{g.techniquePancreas()},
		findings:     keys("pancreas", f...),
		impression:   imp,
		ja:           []string{"胆管ステント留置後。", s.ja + "に腫瘤を認め、膵癌を疑う。"},
		jaImpression: []string{"膵頭部癌疑い、胆管ステント留置後（未治療）。"},
	}
	if g.chance(0.15) {
		g.synopticize(rep, synSpec{site: s, size: size, kind: g.pickIntW([]float64{3, 2, 1})}, 1)
	}
	return g.assemble(rep, "pancreas", "biliary")
}

func pCannotExclude(g *gen) *report {
	s := g.site()
	size := g.cm(1.2, 4)
	f := []string{g.massSentence(s, size)}
	f = append(f, g.ductSigns(s)...)
	imp := []string{g.pick(
		g.xf("Pancreatic %s mass with upstream ductal dilatation; %s cannot be excluded and is the {leading|primary|main} {concern|consideration}.", s.en, g.pdac()),
		g.xf("%s pancreatic %s lesion. {Pancreatic adenocarcinoma|Malignancy (pancreatic adenocarcinoma)} cannot be excluded and {is favoured|is the main differential|is the leading differential diagnosis}; focal pancreatitis is less likely.", size, s.en),
		g.xf("Cannot exclude %s, which is the leading diagnosis given the {abrupt duct cut-off|double duct sign|upstream atrophy}. Tissue sampling recommended.", g.pdac()),
	)}
	rep := &report{
		indication: []string{g.indicationSuspect()},
		technique:  []string{g.techniquePancreas()},
		findings:   keys("pancreas", f...),
		impression: imp,
		ja:         []string{"膵癌を否定できず、第一に考える。"},
	}
	return g.assemble(rep, "pancreas")
}

func pPancreatitisThenMass(g *gen) *report {
	s := g.site()
	size := g.cm(1.5, 4.5)
	hx := g.pick("history of pancreatitis", "history of alcohol-related chronic pancreatitis", "prior episodes of acute pancreatitis", "known chronic pancreatitis", "gallstone pancreatitis "+g.monthsAgo(), "recurrent acute pancreatitis")
	ind := g.xf("{%s with |}%s, now {weight loss|new jaundice|worsening pain and weight loss|rising CA 19-9}.", g.age(), hx)
	f := []string{}
	if g.chance(0.6) {
		f = append(f, g.x("{Coarse parenchymal calcifications|Scattered pancreatic calcifications|Atrophy of the gland with calcifications} in keeping with {known |}chronic pancreatitis."))
	}
	f = append(f, g.xf("{New|Interval development of a|There is a new} %s %s in the pancreatic %s measuring %s{, not present on the prior study|, distinct from the calcified parenchyma|}.", g.hypo(), g.massWord(), s.en, size))
	f = append(f, g.ductSigns(s)...)
	imp := []string{g.xf("{New|Interval} %s pancreatic %s mass {on a background of|in a patient with} {chronic pancreatitis|prior pancreatitis}, %s %s{| rather than an inflammatory mass}.", size, s.en, g.pick("suspicious for", "highly suspicious for", "concerning for", "most consistent with", "compatible with"), g.pdac())}
	rep := &report{
		indication:   []string{ind},
		technique:    []string{g.techniquePancreas()},
		findings:     keys("pancreas", f...),
		impression:   imp,
		comparison:   g.xf("CT abdomen %s.", g.date()),
		ja:           []string{"慢性膵炎の既往あり。", s.ja + "に新たな腫瘤を認め、膵癌を疑う。"},
		jaImpression: []string{"慢性膵炎を背景とした膵癌疑い。"},
	}
	return g.assemble(rep, "pancreas")
}

func pIPMNInvasive(g *gen) *report {
	s := g.site()
	f := []string{
		g.xf("{Known|A} {branch-duct|mixed-type|main-duct} IPMN in the pancreatic %s {now measures|measures} %s{|, enlarged from %s}.", s.en, g.cm(2.5, 5), g.cm(1.5, 2.4)),
		g.xf("{There is a new|An} enhancing {solid component|mural nodule|soft tissue mass} {of|measuring} %s {within|arising from} the cyst{| with main duct dilatation to %s}.", g.mm(6, 25), g.mm(7, 14)),
	}
	imp := []string{g.pick(
		g.xf("IPMN with {enhancing solid component|enhancing mural nodule and main duct dilatation}, {%s} invasive carcinoma.", g.pick("concerning for", "highly suspicious for", "consistent with", "suspicious for")),
		g.xf("{Invasive carcinoma arising in an IPMN|IPMN-associated invasive adenocarcinoma|Invasive adenocarcinoma arising from IPMN} {(biopsy-proven)|is likely|is suspected|, untreated}{|. Refer for surgical evaluation}."),
	)}
	rep := &report{
		indication: []string{g.xf("{Follow-up|Surveillance|Interval follow-up} of {known |}IPMN{|. {Weight loss|New jaundice|Rising CA 19-9}}.")},
		technique:  []string{g.techniquePancreas()},
		findings:   keys("pancreas", f...),
		impression: imp,
		ja:         []string{"IPMN内に造影される充実成分を認め、浸潤癌を疑う。"},
	}
	return g.assemble(rep, "pancreas")
}

// otherCancerHx is a treated cancer of another organ (never the pancreas).
func (g *gen) otherCancerHx() string {
	return g.pick(
		g.pf("breast cancer {treated with lumpectomy and radiotherapy|s/p mastectomy and adjuvant chemotherapy|on tamoxifen} %s", g.monthsAgo()),
		"prostate cancer s/p radical prostatectomy",
		"colon cancer s/p right hemicolectomy "+g.monthsAgo(),
		"rectal cancer treated with chemoradiation and low anterior resection",
		"bladder cancer s/p cystectomy",
		"melanoma of the back excised "+g.monthsAgo(),
		"thyroid cancer s/p thyroidectomy",
		"endometrial cancer s/p hysterectomy",
		"lung cancer s/p right upper lobectomy",
		"Hodgkin lymphoma treated with chemotherapy in remission",
	)
}

func pOtherCancerThenPDAC(g *gen) *report {
	s := g.site()
	size := g.cm(1.5, 4.5)
	hx := g.otherCancerHx()
	f := []string{g.massSentence(s, size)}
	f = append(f, g.ductSigns(s)...)
	f = append(f, g.metastases(false)...)
	imp := []string{g.xf("{New|Interval development of a} %s pancreatic %s mass %s {a new primary |primary |}%s{| rather than metastatic disease| (the appearance is not typical of metastasis from the known primary)}.", size, s.en, g.pick("most consistent with", "concerning for", "suspicious for", "favoured to represent", "likely representing"), g.pdac()),
		g.x("No evidence of recurrence of the {known|treated} {primary|malignancy}."),
	}
	rep := &report{
		indication: []string{g.xf("{History of|Hx|Known} %s. {Surveillance|Restaging|Follow-up|Routine follow-up|New abdominal pain}.", hx)},
		technique:  []string{g.techniqueRoutine()},
		findings:   keys("pancreas", f...),
		impression: imp,
		ja:         []string{s.ja + "に新たな腫瘤あり、原発性膵癌を疑う。"},
	}
	return g.assemble(rep, "pancreas")
}

func pMetastaticAtDx(g *gen) *report {
	s := g.site()
	f := []string{g.massSentence(s, g.cm(2, 6))}
	f = append(f, g.ductSigns(s)...)
	f = append(f, g.vessels(locallyAdvanced)...)
	f = append(f, g.metastases(true)...)
	ind := g.pick(
		g.x("{Weight loss, jaundice and liver lesions on ultrasound|Liver lesions on ultrasound, unknown primary|Abdominal pain, CA 19-9 {elevated|over 1000}}."),
		g.x("Liver biopsy showing adenocarcinoma {of pancreaticobiliary origin|consistent with pancreatic primary}. {Staging before starting chemotherapy|Baseline prior to first-line chemotherapy|Treatment-naive; baseline}."),
	)
	imp := []string{g.xf("%s %s with {hepatic|liver} metastases{| and peritoneal disease}.", capFirst(g.pick("", "newly diagnosed ", "untreated ")+g.pick("metastatic ", "")), g.pdacAt(s)),
		g.x("{Stage IV disease|M1 disease|Widespread metastatic disease}{| — baseline for treatment planning}.")}
	if g.chance(0.5) {
		imp[0] = g.xf("Pancreatic %s mass with {multiple|} liver lesions, %s metastatic %s.", s.en, g.pick("consistent with", "compatible with", "highly suspicious for", "in keeping with"), g.pdac())
	}
	rep := &report{
		indication:   []string{ind},
		technique:    []string{g.techniquePancreas()},
		findings:     keys("pancreas", f...),
		impression:   imp,
		ja:           []string{"膵癌、多発肝転移を伴う。", "未治療。"},
		jaImpression: []string{"多発肝転移を伴う膵癌（治療前）。"},
	}
	if g.chance(0.2) {
		g.synopticize(rep, synSpec{site: s, size: g.cm(2, 6), kind: locallyAdvanced, met: true}, 0)
	}
	return g.assemble(rep, "pancreas", "liver")
}

func pIncidentalMass(g *gen) *report {
	s := g.site()
	size := g.cm(1.0, 3.2)
	ind := g.pick(
		g.x("{Right lower quadrant pain, ? appendicitis|Left flank pain, ? renal colic|Haematuria|Fever, ? source|Fall, trauma|Follow-up of renal cyst|Suspected diverticulitis}."),
		g.xf("%s {with|} {abdominal pain|flank pain|constipation|urinary tract infection}.", g.age()),
	)
	f := []string{g.xf("{Incidental note is made of a|Incidentally, there is a|Also noted is a} %s %s in the pancreatic %s measuring %s{| with mild upstream ductal dilatation| with abrupt cut-off of the pancreatic duct}.", g.hypo(), g.massWord(), s.en, size)}
	var u *unrelated
	if g.shared && g.chance(0.6) {
		// the scan answers its own question too (a PE, a stone, a fracture)
		p := g.presentation()
		u = &p
		ind = u.ind
		f = append([]string{u.main}, f...)
	}
	imp := []string{
		g.xf("{Incidental|Incidentally detected} %s pancreatic %s {mass|lesion}, %s %s. {Dedicated pancreas protocol CT or MRI and {EUS with biopsy|tissue sampling} recommended|Recommend {EUS with biopsy|tissue sampling|urgent referral}|{EUS with biopsy|Tissue sampling} is recommended}.", size, s.en, g.hedge(), g.pdac()),
	}
	switch {
	case u != nil:
		imp = append([]string{u.imp}, imp...)
	case g.chance(0.6):
		imp = append([]string{g.x("{No acute appendicitis|No renal calculus or hydronephrosis|No acute intra-abdominal abnormality to explain the symptoms|No diverticulitis}.")}, imp...)
	}
	rep := &report{
		indication: []string{ind},
		technique:  []string{g.techniqueRoutine()},
		findings:   keys("pancreas", f...),
		impression: imp,
		ja:         []string{"偶発的に" + s.ja + "に低吸収腫瘤を認め、膵癌を疑う。"},
	}
	if u == nil {
		return g.assemble(rep, "pancreas")
	}
	rep.technique = []string{u.technique}
	rep.findings[0].organ = ""
	return g.assemble(rep, append([]string{"pancreas"}, u.organs...)...)
}

func pSurveillanceNewMass(g *gen) *report {
	s := g.site()
	size := g.cm(1, 2.8)
	ind := g.xf("{High-risk surveillance|Pancreatic cancer screening|Annual surveillance}: {family history of pancreatic cancer|BRCA2 carrier|Peutz-Jeghers syndrome|CDKN2A mutation|two first-degree relatives with pancreatic cancer}.")
	f := []string{g.xf("{New|Interval development of a} %s %s in the pancreatic %s measuring %s, not present on the prior surveillance study.", g.hypo(), g.massWord(), s.en, size)}
	f = append(f, g.ductSigns(s)...)
	imp := []string{g.xf("New %s pancreatic %s lesion in a high-risk patient, %s %s.", size, s.en, g.hedge(), g.pdac())}
	rep := &report{
		indication: []string{ind},
		technique:  []string{g.techniquePancreas()},
		findings:   keys("pancreas", f...),
		impression: imp,
		ja:         []string{"膵癌の家族歴あり。", s.ja + "に新たな腫瘤を認め、膵癌を疑う。"},
	}
	return g.assemble(rep, "pancreas")
}

// ---------------- 1 post_treatment ----------------

func pPostResectionClear(g *gen) *report {
	s := g.site()
	if g.twin != nil {
		s = g.headSite() // the twins are cancers a Whipple treats
	}
	op, opJA := g.surgery(s)
	when := g.monthsAgo()
	adj := g.pick("", "", " and adjuvant "+g.chemo(), " followed by adjuvant chemotherapy", " and adjuvant gemcitabine/capecitabine")
	ind := g.pick(
		g.xf("{History of|Hx of|Biopsy-proven|} %s {status post|s/p|treated with|post} %s %s%s. {Surveillance|Routine surveillance|Follow-up|Restaging|Post-operative follow-up|Rising CA 19-9? recurrence}.", g.pdacAt(s), op, when, adj),
		g.xf("%s (%s) for %s, {pT%dN%d, R0|pT%dN%d R1|ypT%dN%d}%s. {Surveillance|Follow-up CT|Routine follow-up}.", capFirst(op), g.date(), g.pdac(), g.between(1, 3), g.between(0, 2), g.between(1, 3), g.between(0, 2), g.between(0, 3), g.between(0, 1), adj),
		g.xf("{Post-%s|Post %s} for %s{| %s}. {Surveillance|? recurrence|Follow-up}.", op, op, g.pdac(), when),
		g.xf("%s, %s %s{%s|}. {Surveillance CT|Routine surveillance|Follow-up|CA 19-9 {normal|stable}}.", capFirst(g.pdac()), g.postOp(op), when, adj),
		g.xf("{%s|} %s {for|(}%s{|)}{, %s|}{| on adjuvant %s| after adjuvant %s}. {Surveillance|Restaging|New abdominal pain}.", g.age(), capFirst(g.postOp(op)), g.pdacAt(s), when, g.chemo(), g.chemo()),
	)
	f := []string{g.postOpAnatomy(s, op), g.remnant(true), g.metastases(false)[0]}
	if g.chance(0.4) {
		f = append(f, g.vesselsPatent())
	}
	if g.chance(0.2) {
		f = append(f, g.x("{Mild|Minimal} postoperative fat stranding in the surgical bed."))
	}
	imp := []string{g.xf("{Status post|Post} %s for %s{| with %s} {without evidence of|with no evidence of|no CT evidence of} {local recurrence or metastatic disease|recurrent or metastatic disease|recurrence}.", op, g.pdac(), g.pick("expected postoperative changes", "stable postsurgical appearance"))}
	if g.chance(0.4) {
		imp = []string{g.x("{No evidence of recurrent disease|No evidence of local recurrence or metastases|Stable postoperative appearance without recurrence}."), g.xf("{Status post|Post} %s for %s.", op, g.named("pancreatic cancer"))}
	}
	rep := &report{
		indication:   []string{ind},
		technique:    []string{g.techniqueRoutine()},
		findings:     keys("pancreas", f...),
		impression:   imp,
		ja:           []string{g.namedJA("膵癌") + opJA + "後。", "明らかな再発所見なし。"},
		jaImpression: []string{g.namedJA("膵癌") + "術後、再発・転移なし。"},
		jaIndication: g.namedJA("膵癌") + "術後の経過観察。",
	}
	return g.assemble(rep, "pancreas", "biliary")
}

func pPostResectionRecurrence(g *gen) *report {
	s := g.site()
	if g.twin != nil {
		s = g.headSite() // the twins are cancers a Whipple treats
	}
	op, opJA := g.surgery(s)
	ind := g.pick(
		g.xf("{%s |}{s/p|status post|post} %s for %s %s. {Rising CA 19-9|New abdominal pain|Restaging|Surveillance}.", g.age(), op, g.pdacAt(s), g.monthsAgo()),
		g.xf("%s {%s|}, %s {and adjuvant %s|followed by %s|}. {Rising CA 19-9 (%d U/mL)|? recurrence|New back pain|Weight loss}.", capFirst(g.pdacAt(s)), g.monthsAgo(), g.postOp(op), g.chemo(), g.chemo(), g.between(40, 900)),
	)
	f := []string{g.postOpAnatomy(s, op)}
	liver := g.chance(0.5)
	local := !liver || g.chance(0.5)
	if local {
		f = append(f, g.remnant(false))
	}
	if liver {
		f = append(f, g.metastases(true)...)
	}
	imp := []string{}
	if local {
		imp = append(imp, g.xf("{Local recurrence|Findings consistent with local recurrence|Recurrent tumour} {in the surgical bed|along the SMA|at the resection margin} {after|following|in this patient status post} %s for %s.", op, g.named("pancreatic {adenocarcinoma|cancer}")))
	}
	if liver {
		imp = append(imp, g.x("{New hepatic metastases|New liver metastases|Metastatic recurrence to the liver}{| since the prior study}."))
	}
	rep := &report{
		indication:   []string{ind},
		technique:    []string{g.techniqueRoutine()},
		findings:     keys("pancreas", f...),
		impression:   imp,
		ja:           []string{g.namedJA("膵癌") + opJA + "後。", g.pick("局所再発を疑う。", "肝転移再発。")},
		jaImpression: []string{g.namedJA("膵癌") + "術後再発。"},
	}
	return g.assemble(rep, "pancreas", "liver")
}

func pOnChemo(g *gen) *report {
	s := g.site()
	rx := g.chemo()
	cyc := g.cycles()
	ind := g.xf("{%s|Locally advanced %s|Metastatic %s|Unresectable %s} {on|receiving|currently on|after %s cycles of|having completed %s cycles of|undergoing|on palliative|on second-line} %s{| (cycle %s)| (C%sD1)}. {Restaging|Response assessment|Interval restaging|Assess response|Re-evaluation}.",
		g.pdacAt(s), g.pdac(), g.pdac(), g.pdac(), cyc, cyc, rx, cyc, cyc)
	if g.chance(0.55) {
		ind = g.xf("{%s |}{%s|Locally advanced %s|Metastatic %s|Stage IV %s|LAPC,|Metastatic PDAC,} %s. {Restaging|Response assessment|Interval restaging|Assess response|Re-evaluation|? progression|Restaging CT after %s cycles}.",
			g.age(), g.pdacAt(s), g.pdac(), g.pdac(), g.pdac(), g.chemoCourse(rx), cyc)
	}
	resp := g.between(0, 3)
	f := []string{}
	switch resp {
	case 0:
		f = append(f, g.xf("The {known|primary} pancreatic %s {mass|tumor} has decreased in size, now %s (previously %s).", s.en, g.cm(1, 2.4), g.cm(2.5, 4.5)))
	case 1:
		f = append(f, g.xf("The pancreatic %s {mass|tumor} is {stable|unchanged} at %s.", s.en, g.cm(2, 4.5)))
	case 2:
		f = append(f, g.xf("The pancreatic %s {mass|tumor} has increased, now %s (previously %s).", s.en, g.cm(3.5, 6), g.cm(2, 3.4)))
	default:
		f = append(f, g.xf("{Ill-defined soft tissue|Residual hypoattenuation} at the site of the {known|treated} pancreatic %s tumor, {decreased|smaller} compared with the {pre-treatment|baseline} study.", s.en))
	}
	if g.chance(0.4) {
		f = append(f, g.ductSigns(s)...)
	}
	if g.chance(0.3) {
		f = append(f, g.remainderPancreas())
	}
	liver := g.chance(0.5)
	if liver {
		f = append(f, g.xf("{Hepatic|Liver} metastases {are smaller|have decreased|are stable|have increased in size and number}, the largest {now |}%s.", g.cm(0.8, 3)))
	}
	if strings.Contains(ind, "after progression") {
		// The course moved on to a later line: the impression names the
		// current treatment generically.
		rx = g.pick("second-line therapy", "current therapy", "second-line chemotherapy")
	}
	imp := []string{g.xf("{%s|Pancreatic %s cancer} {on|during|after} %s: %s.", capFirst(g.pdac()), s.en, rx,
		[]string{"partial response", "stable disease", "progressive disease", "treatment response with decreased primary tumour"}[resp])}
	if g.chance(0.3) {
		imp = []string{g.xf("{Partial treatment response|Interval response|Stable disease|Disease progression} {after|on|following} {chemotherapy|%s} for %s.", rx, g.pdac())}
	}
	rep := &report{
		indication:   []string{ind},
		technique:    []string{g.techniquePancreas()},
		findings:     keys("pancreas", f...),
		impression:   imp,
		ja:           []string{"膵癌に対し化学療法中（" + rx + "）。", g.pick("縮小傾向。", "著変なし。", "増大傾向。")},
		jaImpression: []string{"膵癌、化学療法後の効果判定。"},
		jaIndication: "膵癌化学療法中、効果判定。",
	}
	if g.chance(0.12) {
		g.synopticize(rep, synSpec{site: s, size: g.cm(1.5, 5), kind: g.pickIntW([]float64{1, 2, 3}), met: liver, treated: g.chemoCourse(rx)}, 0)
	}
	if liver {
		return g.assemble(rep, "pancreas", "liver")
	}
	return g.assemble(rep, "pancreas")
}

func pNeoadjuvant(g *gen) *report {
	s := g.site()
	rx := g.pick(g.chemo(), g.chemo()+" followed by chemoradiation", "FOLFIRINOX and SBRT", "gemcitabine-based chemoradiation", "total neoadjuvant therapy",
		g.chemo()+" and SBRT", "mFOLFIRINOX followed by capecitabine-based chemoradiotherapy")
	c := g.between(2, 8)
	ind := g.pick(
		g.xf("{Borderline resectable|Locally advanced|Resectable|} %s {s/p|status post|after|following|having completed} {neoadjuvant|preoperative|induction} %s{| x %d cycles}. {Restaging prior to surgery|Pre-operative restaging|Assess resectability after neoadjuvant therapy|Restaging before Whipple}.", g.pdacAt(s), rx, c),
		// Restaging part-way through the neoadjuvant course is still
		// post-treatment.
		g.xf("{Borderline resectable|BR} %s, {after|having received} %d of %d planned cycles of neoadjuvant %s. {Interval restaging|Mid-treatment restaging|Response assessment}.", g.pdac(), c, c+g.between(2, 6), g.chemo()),
		g.xf("%s, {post-neoadjuvant|post neoadjuvant|after neoadjuvant} %s{ %s|}. {Surgical planning|Candidate for Whipple?|Restaging for MDT}.", capFirst(g.pdacAt(s)), rx, g.monthsAgo()),
		g.xf("{%s with |}%s {treated with|on} neoadjuvant %s (C%dD1). {Restaging|Re-staging CT}.", g.age(), g.pdacAt(s), g.chemo(), c),
	)
	kind := g.pickIntW([]float64{1.2, 2, 1})
	before, after := g.cm(2.5, 4.5), g.cm(0.8, 2.5)
	f := []string{
		g.xf("The pancreatic %s {mass|tumor} {is less conspicuous|has decreased in size|is smaller}, now %s{| versus %s pre-treatment}.", s.en, after, before),
		g.x("{Soft tissue contact with the SMV is less extensive|Persistent perivascular soft tissue around the SMA, which may represent post-treatment fibrosis or residual tumour|The fat plane around the SMA has improved|Hazy perivascular soft tissue persists, likely post-treatment change}."),
	}
	if g.chance(0.5) {
		f = append(f, g.ductSigns(s)...)
	}
	vasc := g.chance(0.5)
	if vasc {
		f = append(f, g.vessels(kind)...)
	}
	f = append(f, g.metastases(false)...)
	imp := []string{g.xf("{Treatment response|Interval decrease in size|Partial response} of pancreatic %s {adenocarcinoma|cancer} {after|following} neoadjuvant therapy{|; no new metastatic disease}.", s.en),
		g.x("{Post-treatment changes limit assessment of vascular involvement|Candidate for resection per MDT|Residual tumour versus fibrosis along the SMV}.")}
	if vasc {
		rl := g.resectabilityLine(kind)
		imp = append(imp, g.pick("Remains ", "Now ")+strings.ToLower(rl[:1])+rl[1:])
	}
	rep := &report{
		indication:   []string{ind},
		technique:    []string{g.techniquePancreas()},
		findings:     keys("pancreas", f...),
		impression:   imp,
		ja:           []string{"術前化学療法後の再評価。", "腫瘍は縮小。"},
		jaImpression: []string{"膵癌、術前治療後の効果判定：部分奏効。"},
		jaIndication: "膵癌、術前化学療法後。",
	}
	if g.chance(0.25) {
		g.synopticize(rep, synSpec{site: s, size: after, kind: kind, treated: g.pf("neoadjuvant %s{| x %d cycles}", rx, c)}, 0)
	}
	return g.assemble(rep, "pancreas")
}

func pRadiation(g *gen) *report {
	s := g.site()
	rx := g.radiationRx()
	ind := g.pick(
		g.xf("{%s |}%s {s/p|status post|treated with|after|completed} %s %s{| and %s}. {Restaging|Follow-up|Response assessment}.", g.age(), g.pdacAt(s), rx, g.monthsAgo(), g.chemo()),
		g.xf("{Locally advanced|Unresectable|Borderline resectable} %s, {post-%s|completed %s %s|%s completed %s} {after induction %s|following %s|}. {Restaging|Response assessment|Follow-up}.", g.pdac(), rx, rx, g.monthsAgo(), capFirst(rx), g.monthsAgo(), g.chemo(), g.chemoCourse(g.chemo())),
	)
	f := []string{
		g.xf("{Post-radiation|Post-treatment|Radiation-related} changes {in the pancreatic %s|around the treated tumor|in the radiation field} with {decreased|stable|ill-defined} soft tissue {measuring|of} %s.", s.en, g.cm(1, 3)),
		g.x("{Fiducial markers are in place|Fiducial markers are noted in the pancreas|Mild thickening of the adjacent duodenum in the radiation field}."),
	}
	f = append(f, g.metastases(g.chance(0.2))...)
	imp := []string{g.xf("{Treated|Irradiated} pancreatic %s {adenocarcinoma|cancer} {after|following|s/p} %s: {stable|decreased|no progressive} {local disease|residual soft tissue}{| without new metastases}.", s.en, rx)}
	rep := &report{
		indication:   []string{ind},
		technique:    []string{g.techniqueRoutine()},
		findings:     keys("pancreas", f...),
		impression:   imp,
		ja:           []string{"膵癌、放射線治療後。"},
		jaImpression: []string{"膵癌、化学放射線療法後の変化。"},
	}
	return g.assemble(rep, "pancreas")
}

func pAblation(g *gen) *report {
	s := g.site()
	rx := g.ablationRx()
	ind := g.xf("{Locally advanced|Unresectable|LAPC:} %s {s/p|status post|treated with|post|post-} %s %s{| after induction %s| following %s}. {Follow-up|Post-ablation follow-up|Assess ablation zone|Restaging}.", g.pdacAt(s), rx, g.monthsAgo(), g.chemo(), g.chemoCourse(g.chemo()))
	f := []string{g.xf("{Ablation zone|Post-ablation zone|Treatment zone} in the pancreatic %s measuring %s {without nodular enhancement|with a thin rim of enhancement|with new nodular enhancement at its margin}.", s.en, g.cm(2, 4.5))}
	f = append(f, g.metastases(false)...)
	imp := []string{g.xf("{Expected post-ablation appearance|Post-ablation changes|Evolving ablation zone} {after|following} %s of pancreatic %s {adenocarcinoma|cancer}{| with no evidence of residual or recurrent disease| with marginal nodular enhancement suspicious for residual tumour}.", rx, s.en)}
	rep := &report{
		indication: []string{ind},
		technique:  []string{g.techniquePancreas()},
		findings:   keys("pancreas", f...),
		impression: imp,
		ja:         []string{"膵癌、焼灼療法後。"},
	}
	return g.assemble(rep, "pancreas")
}

func pStentTreated(g *gen) *report {
	s := g.headSite()
	rx := g.pick(g.chemo(), "chemoradiation", "SBRT", g.chemo()+" and SBRT", "neoadjuvant FOLFIRINOX")
	ind := g.xf("%s {s/p|status post|with} {biliary stent placement|metal biliary stent|ERCP and stenting} {for obstructive jaundice|at diagnosis|%s}, {subsequently treated with|now on|after %s cycles of|completed} %s. {Restaging|Stent check and restaging|Assess response}.", g.pdacAt(s), g.monthsAgo(), g.cycles(), rx)
	f := []string{
		g.x("{Biliary stent|Metallic biliary stent|The CBD stent} in {satisfactory|expected} position with pneumobilia{| and no biliary dilatation}."),
		g.xf("The {treated |}pancreatic %s {mass|tumor} measures %s, {decreased|stable|slightly smaller} compared with the pre-treatment study.", s.en, g.cm(1.5, 3.5)),
	}
	f = append(f, g.metastases(false)...)
	imp := []string{g.xf("{Pancreatic head cancer|%s} {after|on|following} %s: {stable disease|partial response|decrease in size of the primary tumour}.", capFirst(g.pdac()), rx), g.x("{Biliary stent in satisfactory position|Stent patent}.")}
	rep := &report{
		indication:   []string{ind},
		technique:    []string{g.techniquePancreas()},
		findings:     keys("pancreas", f...),
		impression:   imp,
		ja:           []string{"胆管ステント留置後、膵癌に対し化学療法施行後。"},
		jaImpression: []string{"膵癌治療後、ステント位置良好。"},
	}
	return g.assemble(rep, "pancreas", "biliary")
}

func pTreatedHistoryOther(g *gen) *report {
	s := g.site()
	op, _ := g.surgery(s)
	tx := g.pick("s/p "+op, "status post "+op+" and adjuvant chemotherapy", "treated with "+g.chemo(), "treated with chemoradiation", "s/p "+op+" "+g.monthsAgo(), "post resection and adjuvant "+g.chemo(),
		g.postOp(op), g.chemoCourse(g.chemo()), "treated with "+g.radiationRx(), g.postOp(op)+" and adjuvant "+g.chemo())
	// terse: the treatment is one phrase of history and nothing below
	// returns to the pancreas (a CT of another region, or a radiologist who
	// does not restate the history): the label rests on that phrase alone.
	terse := g.chance(0.5)
	// With g.shared the complaint, its finding and the CT come from the
	// shared presentations; without, from this case's own lists, drawn in
	// the order the default corpus has always used.
	var u unrelated
	var ind string
	if g.shared {
		u = g.presentation()
		ind = g.xf("{%s. |}%s {History of|PMH:|Background:|Hx} %s %s.", g.age(), u.ind, g.pdac(), tx)
	} else {
		ind = g.xf("{%s. |}{Left flank pain, ? stone|Right lower quadrant pain|Fever and cough|Fall|Haematuria|Abdominal distension|Diarrhoea}. {History of|PMH:|Background:|Hx} %s %s.", g.age(), g.pdac(), tx)
	}
	if terse && g.chance(0.6) {
		who := g.pick("PDAC", "Pancreatic ca", "Panc ca", "Pancreatic adenocarcinoma", "Ca pancreas", g.pdac())
		what := g.pick("post-op and chemo", "s/p "+op, "post "+op+" and adjuvant chemo", "on chemo", "on "+g.chemo(), "completed adjuvant chemo",
			"resected "+g.monthsAgo(), g.chemoCourse(g.chemo()), "post resection", "treated with "+g.radiationRx())
		head := fmt.Sprintf(g.pick("%s, %s.", "%s: %s.", "%s %s.", "PMHx %s, %s."), who, what)
		complaint := u.ind
		if !g.shared {
			complaint = g.x("{Fall, hip pain|Shortness of breath, ? PE|Chest pain|Fall from standing, rib pain|Headache after a fall|Cough and fever|Right iliac fossa pain|Back pain after lifting}.")
		}
		ind = head + " " + complaint
	}
	var f []string
	if op != "" && g.chance(0.6) && tx[0] == 's' && !terse {
		f = append(f, g.postOpAnatomy(s, op))
	}
	if !terse || g.chance(0.3) {
		f = append(f, g.x("{No evidence of recurrent pancreatic cancer|No mass in the pancreatic bed|Stable post-treatment appearance of the pancreas}."))
	}
	main, answer := u.main, u.imp
	if !g.shared {
		main = g.pick(
			g.xf("{A|An obstructing} %s {right|left} {proximal|distal|mid} ureteric calculus with {mild|moderate} hydronephrosis.", g.mm(3, 9)),
			g.x("{Uncomplicated sigmoid diverticulitis|Acute appendicitis without perforation|Small bowel obstruction due to adhesions|Right lower lobe pneumonia}."),
			g.x("{Acute|Bilateral} pulmonary {emboli|embolism} {in the lower lobe segmental arteries|in the right main and lobar arteries}{| without right heart strain}."),
			g.xf("{Non-displaced|Minimally displaced} fractures of the {left|right} %s and %s ribs{| laterally}{| with a small haemothorax|, no pneumothorax}.", g.pick("5th", "6th", "7th"), g.pick("8th", "9th")),
			g.x("{An impacted|A} {left|right} {subcapital|intertrochanteric} femoral neck fracture{| with varus angulation}."),
			g.x("{Acute calculous cholecystitis|Gallbladder distension with wall thickening and pericholecystic fluid, acute cholecystitis}."),
			g.x("{Compression fracture of L1 with 30% height loss, no retropulsion|Acute wedge fracture of T12}{| of osteoporotic appearance}."),
		)
		answer = main
	}
	f = append(f, main)
	imp := []string{answer, g.xf("{History of|Known} %s %s; no evidence of recurrence.", g.pdac(), tx)}
	if terse {
		imp = imp[:1]
	}
	technique, exclude := u.technique, append([]string{"pancreas"}, u.organs...)
	if !g.shared {
		technique, exclude = g.techniqueRoutine(), []string{"pancreas", "kidneys", "bowel"}
	}
	rep := &report{
		indication: []string{ind},
		technique:  []string{technique},
		findings:   keys("", f...),
		impression: imp,
		ja:         []string{"膵癌治療後。"},
	}
	return g.assemble(rep, exclude...)
}

func pIPMNInvasiveResected(g *gen) *report {
	s := g.site()
	op, _ := g.surgery(s)
	ind := g.xf("{s/p|Status post} %s {for|} {IPMN with invasive carcinoma|invasive adenocarcinoma arising in IPMN|IPMN-associated invasive carcinoma} %s. Surveillance.", op, g.monthsAgo())
	f := []string{g.postOpAnatomy(s, op), g.remnant(g.chance(0.75))}
	imp := []string{g.xf("{Status post|Post} %s for invasive carcinoma arising in IPMN{| without evidence of recurrence| — see above}.", op)}
	rep := &report{indication: []string{ind}, technique: []string{g.techniqueRoutine()}, findings: keys("pancreas", f...), impression: imp,
		ja: []string{"IPMN由来浸潤癌の術後。"}}
	return g.assemble(rep, "pancreas")
}

func (g *gen) tnm(metastatic bool) string {
	if metastatic || !g.chance(0.3) {
		return ""
	}
	return fmt.Sprintf(" (cT%dN%dM0)", g.between(1, 4), g.between(0, 2))
}

func pPostOpComplication(g *gen) *report {
	s := g.site()
	op, opJA := g.surgery(s)
	day := g.between(3, 21)
	complaint := g.pick("Fever and rising inflammatory markers", "Amylase-rich drain output, ? pancreatic leak", "Drop in haemoglobin", "Abdominal pain and vomiting", "Sepsis", "Milky drain output", "Abdominal distension", "Rising bilirubin")
	ind := g.xf("{POD %d|Post-operative day %d|Day %d} after %s for %s. %s.", day, day, day, op, g.pdacAt(s), complaint)
	if g.chance(0.4) {
		// Cancer first, operation as a time: "PDAC, Whipple 2 weeks ago, POD 14".
		when := g.pick(fmt.Sprintf("%d days ago", day), fmt.Sprintf("%d weeks ago", max(1, day/7)), fmt.Sprintf("POD %d", day))
		ind = fmt.Sprintf(g.pick("%s, %s %s. %s.", "%s. %s %s. %s."), g.pick("PDAC", "Pancreatic cancer", "Panc head ca", g.pdacAt(s), g.pdac()), g.pick(op, g.postOp(op)), when, complaint)
	}
	comp := g.pick(
		g.xf("{Rim-enhancing|Loculated} collection {adjacent to the pancreaticojejunostomy|in the resection bed|in the left upper quadrant} measuring %s{, containing gas|}, {suspicious for an anastomotic leak|consistent with a postoperative pancreatic fistula|likely infected}.", g.cm(3, 9)),
		g.xf("{Haematoma|High-density fluid} in the {surgical bed|resection bed} measuring %s{| without active extravasation| with a small pseudoaneurysm of the gastroduodenal artery stump}.", g.cm(3, 8)),
		g.x("{Delayed gastric emptying with a distended stomach|Dilated afferent limb suggesting afferent loop syndrome|Small bowel ileus}{| without a collection}."),
		g.x("{Moderate|Large} {volume of |}low-density ascites{| without peritoneal enhancement}, {in keeping with a chyle leak|compatible with chylous ascites}."),
		g.x("{Non-occlusive|Occlusive} thrombus in the {portal vein|superior mesenteric vein} at the {confluence|resection site}{| with normal liver enhancement}."),
	)
	f := []string{g.postOpAnatomy(s, op), comp}
	imp := []string{g.xf("{Early postoperative|Post-operative} {changes|study} after %s for pancreatic {adenocarcinoma|cancer}.", op), comp}
	if g.chance(0.4) {
		// The impression answers the clinical question only.
		imp = []string{comp}
		if g.chance(0.5) {
			imp = append(imp, g.pick("No other complication.", "No collection elsewhere."))
		}
	}
	rep := &report{
		indication:   []string{ind},
		technique:    []string{g.techniqueRoutine()},
		findings:     keys("pancreas", f...),
		impression:   imp,
		ja:           []string{"膵癌" + opJA + "後早期。", "術後合併症を疑う。"},
		jaIndication: "膵癌術後、発熱。",
	}
	return g.assemble(rep, "pancreas")
}
