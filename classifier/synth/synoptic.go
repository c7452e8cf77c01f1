package synth

import (
	"fmt"
	"regexp"
	"strings"
)

// Structured (synoptic) pancreatic cancer reports, as the SAR/APA template
// and its local variants lay them out: labelled fields for the tumour, the
// arteries, the veins and extrapancreatic disease, then a resectability
// category. Staging, restaging on treatment and a negative pancreas-protocol
// study all use them, so the template itself says nothing about the label.

// synSpec says what a synoptic block describes.
type synSpec struct {
	site     pSite
	size     string // "" when no tumour is measured (negative study, isoattenuating)
	kind     int    // resectable, borderline, locallyAdvanced
	met      bool
	noTumour bool   // negative study: no mass seen
	treated  string // post-treatment restaging: what was given ("" untreated)
}

// synopticBlock returns the lines of the template (one finding) and the
// resectability line for the impression.
func (g *gen) synopticBlock(sp synSpec) (string, string) {
	if g.st.dialect == dialectJaEn && !sp.noTumour && g.chance(0.5) {
		return g.jpsBlock(sp)
	}
	if g.chance(0.45) {
		return g.compactSynoptic(sp)
	}
	return g.fullSynoptic(sp)
}

func (g *gen) present(p bool) string {
	if p {
		return g.pick("Present", "present", "Yes", "PRESENT")
	}
	return g.pick("Absent", "absent", "No", "None", "ABSENT", "Not present")
}

// contact describes the tumour's relation to one vessel.
func (g *gen) contact(v string, deg int) string {
	switch deg {
	case 0:
		return g.pf("{no contact|no tumour contact|none|clear|fat plane preserved}")
	case 1:
		return g.pf("{≤180°|<180°|less than 180 degrees|%s°} contact{| without narrowing| without contour irregularity}", g.pick("90", "100", "120", "150"))
	case 2:
		return g.pf("{>180°|greater than 180 degrees|%s°} {contact|encasement}{| with focal narrowing| with contour irregularity}", g.pick("200", "220", "270", "360"))
	default:
		return g.pf("{occluded|occlusion}{| over %s| with collaterals}", g.mm(15, 40))
	}
}

// vesselDegrees gives SMA, celiac, CHA, SMV/PV contact for a category.
func (g *gen) vesselDegrees(kind int) (sma, cel, cha, smv int) {
	switch kind {
	case resectable:
		return 0, 0, 0, g.pickIntW([]float64{3, 1})
	case borderline:
		switch g.between(0, 2) {
		case 0:
			return 0, 0, 0, 2 // venous >180 reconstructible
		case 1:
			return 0, 0, 1, g.between(0, 1) // short-segment CHA
		default:
			return 1, 0, 0, g.between(0, 1) // SMA ≤180
		}
	default:
		if g.chance(0.5) {
			return 2, g.between(0, 2), g.between(0, 2), g.between(1, 3)
		}
		return g.between(0, 1), 2, 2, g.between(0, 3)
	}
}

func (g *gen) categoryName(kind int, met bool) string {
	if met {
		return g.pick("Metastatic", "metastatic disease", "Metastatic (M1)", "METASTATIC")
	}
	switch kind {
	case resectable:
		return g.pick("Resectable", "resectable", "RESECTABLE", "Resectable (NCCN)")
	case borderline:
		return g.pick("Borderline resectable", "borderline resectable", "BORDERLINE RESECTABLE", "Borderline resectable (NCCN)", "BR-PV", "BR-A")
	}
	return g.pick("Locally advanced", "locally advanced", "LOCALLY ADVANCED", "Locally advanced (unresectable)", "UR-LA")
}

func (g *gen) fullSynoptic(sp synSpec) (string, string) {
	sma, cel, cha, smv := g.vesselDegrees(sp.kind)
	head := g.pick("PANCREATIC CANCER STAGING (structured report)", "Pancreatic adenocarcinoma staging template", "PANCREAS PROTOCOL — STRUCTURED REPORT",
		"Structured report (SAR/APA pancreatic ductal adenocarcinoma template)", "PANCREATIC MASS: STANDARDISED REPORT", "Pancreas Synoptic Report")
	if sp.treated != "" {
		head = g.pick("PANCREATIC CANCER RESTAGING (structured report)", "Post-treatment pancreatic cancer restaging template", head)
	}
	var l []string
	l = append(l, head)
	if sp.treated != "" {
		l = append(l, "Treatment history: "+sp.treated)
	}
	l = append(l, g.pick("Morphologic evaluation", "MORPHOLOGY", "Primary tumour", "Tumour")+":")
	if sp.noTumour {
		l = append(l,
			g.pf("- Appearance: {no focal mass identified|no discrete mass|not identified}"),
			g.pf("- Size: {N/A|not applicable|-}"),
			g.pf("- Pancreatic duct narrowing/abrupt cut-off: %s", g.present(false)),
			g.pf("- Biliary tree abrupt cut-off: %s", g.present(false)))
	} else {
		size := sp.size
		if size == "" {
			size = g.pick("not measurable (isoattenuating)", "unmeasurable — isoattenuating")
		}
		loc := sp.site.en
		if sp.site.head {
			loc += g.pick(" (right of SMV)", "", " — right of the SMV-PV axis")
		} else {
			loc += g.pick(" (left of SMV)", "", "")
		}
		l = append(l,
			g.pf("- Appearance (pancreatic phase): {hypoattenuating|hypoattenuating|isoattenuating|hypoenhancing}"),
			g.pf("- Size (maximal axial dimension): %s", size),
			g.pf("- Location: %s", loc),
			g.pf("- Pancreatic duct narrowing/abrupt cut-off {with or without upstream dilatation|}: %s", g.present(g.chance(0.8))),
			g.pf("- Biliary tree abrupt cut-off: %s", g.present(sp.site.head && g.chance(0.8))))
	}
	l = append(l, g.pick("Arterial evaluation", "ARTERIAL", "Arteries")+":")
	if sp.noTumour {
		l = append(l, g.pf("- {SMA, celiac axis and CHA|Arteries}: {no abnormality|patent, no contact|N/A}"))
	} else {
		l = append(l,
			g.pf("- SMA: %s", g.contact("SMA", sma)),
			g.pf("- {Celiac|Coeliac} axis: %s", g.contact("celiac", cel)),
			g.pf("- {CHA|Common hepatic artery}: %s{| ; extension to the celiac axis or hepatic bifurcation: absent}", g.contact("CHA", cha)),
			g.pf("- Arterial variant: {absent|none|replaced right hepatic artery from the SMA|replaced left hepatic artery from the left gastric artery}"))
	}
	l = append(l, g.pick("Venous evaluation", "VENOUS", "Veins")+":")
	if sp.noTumour {
		l = append(l, g.pf("- {SMV and portal vein|Veins}: {patent|patent, no contact|N/A}"))
	} else {
		l = append(l,
			g.pf("- {Main portal vein|MPV}: %s", g.contact("PV", min(smv, 1))),
			g.pf("- SMV: %s", g.contact("SMV", smv)),
			g.pf("- Thrombus within vein: {absent|none|bland thrombus absent|tumour thrombus absent}"),
			g.pf("- Venous collaterals: %s", g.present(smv >= 3)))
	}
	l = append(l, g.pick("Extrapancreatic evaluation", "EXTRAPANCREATIC", "Extrapancreatic disease")+":")
	if sp.met {
		l = append(l, g.pf("- Liver lesions: {suspicious|present, suspicious for metastases} ({multiple|%d}, up to %s)", g.between(2, 8), g.cm(0.8, 3.5)))
	} else {
		l = append(l, g.pf("- Liver lesions: {absent|none|indeterminate subcentimetre hypodensity, likely cyst|benign cyst only}"))
	}
	l = append(l,
		g.pf("- Peritoneal or omental nodules: %s", g.present(sp.met && g.chance(0.3))),
		g.pf("- Ascites: %s", g.present(sp.met && g.chance(0.3))),
		g.pf("- Suspicious lymph nodes: {absent|none|%s}", g.pick("peripancreatic", "portocaval", "celiac", "aortocaval", "para-aortic")+" node "+g.mm(10, 16)),
		g.pf("- Other extrapancreatic disease: %s", g.pick("absent", "none", "none identified", map[bool]string{true: "invasion of the duodenum", false: "none"}[sp.site.head && sp.kind != resectable])))
	return strings.Join(l, "\n"), g.resectLine(sp)
}

func (g *gen) compactSynoptic(sp synSpec) (string, string) {
	sma, cel, cha, smv := g.vesselDegrees(sp.kind)
	var l []string
	if sp.treated != "" {
		l = append(l, g.pf("{Treatment|Prior therapy|Therapy}: %s", sp.treated))
	}
	if sp.noTumour {
		l = append(l, g.pf("Tumor: {none seen|not identified|no mass}"), "Location: -", "Size: -",
			g.pf("Arterial: {SMA, celiac and CHA unremarkable|patent}"), g.pf("Venous: {SMV-PV patent|patent}"),
			g.pf("Extrapancreatic: {none|no metastases|nil}"))
		return strings.Join(l, "\n"), ""
	}
	size := sp.size
	if size == "" {
		size = "isoattenuating, not measurable"
	}
	l = append(l,
		g.pf("Tumor: {%s %s mass|%s mass}{| with MPD cut-off| with double duct sign}", g.hypo(), g.pick("solid", "ill-defined", "infiltrative"), g.hypo()),
		g.pf("Location: pancreatic %s", sp.site.en),
		g.pf("Size: %s", size),
		g.pf("Arterial: SMA %s, {celiac|coeliac} %s, CHA %s", g.contact("SMA", sma), g.contact("celiac", cel), g.contact("CHA", cha)),
		g.pf("Venous: SMV-PV %s", g.contact("SMV", smv)))
	if sp.met {
		l = append(l, g.pf("Extrapancreatic: {liver metastases|hepatic metastases ({2|3|several})|liver and peritoneal metastases}"))
	} else {
		l = append(l, g.pf("Extrapancreatic: {none|no distant metastases|nil|no liver or peritoneal disease}"))
	}
	return strings.Join(l, "\n"), g.resectLine(sp)
}

// jpsBlock is the Japanese way: General Rules of the Japan Pancreas Society
// factors and a TNM line.
func (g *gen) jpsBlock(sp synSpec) (string, string) {
	sma, cel, cha, smv := g.vesselDegrees(sp.kind)
	pm := func(b bool) string {
		if b {
			return "(+)"
		}
		return "(-)"
	}
	t := g.between(1, 4)
	if sma == 2 || cel == 2 || cha == 2 {
		t = 4
	}
	n := g.between(0, 1)
	m := 0
	if sp.met {
		m = 1
	}
	l := []string{
		g.pf("{Location|Site}: P%s, size %s", map[bool]string{true: "h", false: "bt"}[sp.site.head], strOr(sp.size, "unmeasurable")),
		fmt.Sprintf("CH%s, DU%s, S%s, RP%s, PV%s, A%s, PL%s, OO%s",
			pm(sp.site.head && g.chance(0.6)), pm(sp.site.head && g.chance(0.3)), pm(g.chance(0.3)), pm(g.chance(0.5)),
			pm(smv >= 1), pm(sma >= 1 || cel >= 1 || cha >= 1), pm(sma == 2 && g.chance(0.5)), pm(false)),
		fmt.Sprintf("cT%dN%dM%d", t, n, m),
	}
	if sp.treated != "" {
		l = append([]string{"Treatment: " + sp.treated}, l...)
	}
	return strings.Join(l, "\n"), g.resectLine(sp)
}

func strOr(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

func (g *gen) resectLine(sp synSpec) string {
	cat := g.categoryName(sp.kind, sp.met)
	if sp.treated != "" {
		return g.pf("{Tumor involvement|Resectability|Category} after treatment: %s{| (post-treatment fibrosis may overestimate vascular involvement)}.", cat)
	}
	return g.pf("{Tumor involvement|Resectability|Resectability status|Category}: %s.", cat)
}

var resectWords = regexp.MustCompile(`(?i)resectab|locally advanced|NCCN`)

// synopticize rewrites a composed report's key findings as a template
// block, keeping the first keep findings (a stent line) before it; the
// impression keeps its diagnosis and gains the template's category line.
func (g *gen) synopticize(rep *report, sp synSpec, keep int) {
	block, rl := g.synopticBlock(sp)
	fs := append([]finding{}, rep.findings[:min(keep, len(rep.findings))]...)
	rep.findings = append(fs, finding{organ: "pancreas", text: block, block: true})
	if len(rep.impression) == 0 {
		return
	}
	imp := []string{rep.impression[0]}
	if rl != "" {
		imp = append(imp, rl)
	}
	for _, it := range rep.impression[1:] {
		if !resectWords.MatchString(it) || rl == "" {
			imp = append(imp, it)
		}
	}
	rep.impression = imp
}
