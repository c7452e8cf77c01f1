package synth

import "strings"

// Fragments shared by the pancreas case types. Each helper says one thing;
// the case type decides which things a report says, and so its label.

type pSite struct {
	en   string
	ja   string
	head bool // head/uncinate: obstructs the bile duct, Whipple territory
}

var pSites = []pSite{
	{"head", "膵頭部", true},
	{"head", "膵頭部", true},
	{"uncinate process", "膵鈎部", true},
	{"neck", "膵頸部", false},
	{"body", "膵体部", false},
	{"tail", "膵尾部", false},
	{"body-tail junction", "膵体尾部", false},
	{"head/neck junction", "膵頭頸部", true},
}

func (g *gen) site() pSite { return pSites[g.r.IntN(len(pSites))] }

func (g *gen) headSite() pSite {
	for {
		s := g.site()
		if s.head {
			return s
		}
	}
}

// Resectability categories (NCCN): what the vessel relations look like.
const (
	resectable = iota
	borderline
	locallyAdvanced
)

func (g *gen) vessels(kind int) []string {
	switch kind {
	case resectable:
		return []string{g.x("{No arterial or venous involvement|No contact with the SMA, celiac axis or common hepatic artery|The SMA and celiac axis are free|Fat planes around the superior mesenteric artery and vein are preserved}{|; the SMV and portal vein are patent without contour deformity}.")}
	case borderline:
		return []string{g.xf("{The mass abuts|Tumour contact with|There is %s contact with} the {superior mesenteric vein|SMV-portal vein confluence|portal vein} {with|without} contour irregularity{| over %s}.", g.pick("less than 180 degrees", "<180°", "about 120 degrees", "180 degrees"), g.mm(15, 30)),
			g.x("{Abutment of the gastroduodenal artery|Short-segment contact with the common hepatic artery|The SMA fat plane is preserved|Less than 180° contact with the superior mesenteric artery}.")}
	default:
		return []string{g.x("{Encasement|Circumferential encasement|Greater than 180 degree encasement|>180° encasement} of the {superior mesenteric artery|celiac axis|SMA and celiac trunk|common hepatic artery} {with soft tissue extending along the vessel|with narrowing|}."),
			g.x("{The splenic vein is occluded with perigastric collaterals|The SMV is occluded with mesenteric collaterals|Portal vein narrowing|Soft tissue infiltration of the mesenteric root}.")}
	}
}

func (g *gen) resectabilityLine(kind int) string {
	switch kind {
	case resectable:
		return g.x("{Resectable|Potentially resectable|Appears resectable} {by NCCN criteria|per NCCN|}{| (no vascular involvement)}.")
	case borderline:
		return g.x("{Borderline resectable|Borderline resectable disease} {by NCCN criteria|per NCCN guidelines|}{| due to venous involvement| given SMV abutment}.")
	default:
		return g.x("{Locally advanced|Unresectable, locally advanced} {disease|} {by NCCN criteria|}{| due to arterial encasement| (SMA encasement)}.")
	}
}

// metastases describes (or denies) spread.
func (g *gen) metastases(present bool) []string {
	if !present {
		return []string{g.x("{No {evidence of |}{hepatic|liver} {metastases|metastatic disease}|No suspicious liver lesions|No ascites or peritoneal nodularity|No distant metastatic disease is identified|No suspicious lymphadenopathy or liver lesion}.")}
	}
	out := []string{g.xf("{Multiple|Several|At least %d|Numerous} {hypoattenuating|ring-enhancing|hypodense} {hepatic|liver} {lesions|masses} {up to|measuring up to|the largest} %s, {consistent with|compatible with|suspicious for|in keeping with} {metastases|metastatic disease}.", g.between(3, 9), g.cm(0.8, 4))}
	if g.chance(0.4) {
		out = append(out, g.x("{Peritoneal nodularity|Omental nodularity|Small volume ascites with peritoneal nodules} {suspicious for|concerning for} peritoneal {carcinomatosis|metastases}."))
	}
	return out
}

func (g *gen) nodes() string {
	return g.xf("{Enlarged|Prominent|Suspicious} {peripancreatic|portocaval|aortocaval|celiac|retroperitoneal} lymph {node|nodes} {up to|measuring} %s{| short axis}.", g.mm(9, 18))
}

// Indications.

func (g *gen) indicationSuspect() string {
	return g.xf("{%s with |}{painless jaundice|obstructive jaundice|epigastric pain radiating to the back|weight loss and abdominal pain|unintentional weight loss|new-onset diabetes and weight loss|elevated CA 19-9 (%d U/mL)|rising CA 19-9|abnormal LFTs and jaundice|pancreatic lesion on ultrasound|dilated bile duct on ultrasound|anorexia, weight loss and back pain|pruritus and dark urine}{|. {Evaluate for|Rule out|Assess for|?} {pancreatic mass|malignancy|pancreatic cancer|obstructing lesion}|. Pancreas protocol}{|. Please assess}.", g.age(), g.between(60, 4000))
}

func (g *gen) techniquePancreas() string {
	return g.x("{Multiphasic pancreas protocol CT|Pancreatic protocol CT|Biphasic CT of the abdomen|CT abdomen and pelvis|CT chest, abdomen and pelvis} {with|following} {intravenous|IV} contrast{| in the late arterial and portal venous phases}{| ({80|100|120} mL {Omnipaque 350|iohexol|Visipaque|Isovue 370})}{|. Oral contrast {was given|was not given|: water}}{|. Multiplanar reformats were reviewed}.")
}

func (g *gen) techniqueRoutine() string {
	return g.x("{CT abdomen and pelvis|CT of the abdomen and pelvis|Contrast-enhanced CT of the abdomen and pelvis|Non-contrast CT abdomen and pelvis|CT chest, abdomen and pelvis} {with intravenous contrast in the portal venous phase|with IV contrast|without contrast|following oral and IV contrast}.")
}

func (g *gen) normalPancreas() string {
	return g.x("{The pancreas is {normal|unremarkable|normal in size and enhancement|normal in size and attenuation|of normal bulk and enhancement}|The pancreas enhances homogeneously|Normal pancreas}{| without focal lesion| with no focal mass| without ductal dilatation| without peripancreatic stranding| and the pancreatic duct is not dilated}.")
}

func (g *gen) jaNoMass() string {
	return g.pick("膵に明らかな腫瘤は認めない。", "膵癌を示唆する所見なし。", "膵に異常所見なし。", "主膵管拡張なし。", "膵腫瘤なし。")
}

// postOpAnatomy is what a report sees after the operation op.
func (g *gen) postOpAnatomy(s pSite, op string) string {
	lo := strings.ToLower(op)
	if strings.Contains(lo, "total") || op == "TP" {
		return g.x("{Postsurgical changes of total pancreatectomy|Status post total pancreatectomy{| and splenectomy}}: the pancreas is absent, with {hepaticojejunostomy and gastrojejunostomy|a hepaticojejunostomy and duodenojejunostomy} {in place|patent}.")
	}
	return g.postWhippleAnatomy(s)
}

// postWhippleAnatomy is what a report sees after the operation.
func (g *gen) postWhippleAnatomy(s pSite) string {
	if s.head {
		return g.x("{Postsurgical changes of|Expected postoperative appearance after} {Whipple procedure|pancreaticoduodenectomy} with {intact|patent} {pancreaticojejunostomy|pancreaticojejunal anastomosis}, {hepaticojejunostomy|choledochojejunostomy} and {gastrojejunostomy|duodenojejunostomy}{| and mild pneumobilia}.")
	}
	return g.x("{Postsurgical changes|Surgical changes|Expected postoperative changes} of distal pancreatectomy{| and splenectomy} with {surgical clips|staple line} at the pancreatic resection margin{| and a small amount of fluid in the resection bed}.")
}

func (g *gen) remnant(normal bool) string {
	if normal {
		return g.x("{The pancreatic remnant is {atrophic but |}{unremarkable|without focal lesion}|No soft tissue in the surgical bed|No mass in the resection bed|No new pancreatic lesion}.")
	}
	return g.xf("{New|Enlarging|Interval development of} {ill-defined |infiltrative |}soft tissue {in the surgical bed|along the SMA|around the superior mesenteric artery|at the pancreaticojejunostomy|in the pancreatic remnant} {measuring|of} %s, {suspicious for|concerning for|consistent with|compatible with} {local recurrence|recurrent disease|recurrent tumor}.", g.cm(1, 4))
}

// Sentences that any case may say, so that no label owns them (a model must
// not learn "enhances homogeneously" as "no cancer").

func (g *gen) remainderPancreas() string {
	return g.x("The {remainder|rest} of the {pancreas|gland|pancreatic parenchyma} {enhances homogeneously|is unremarkable|enhances normally|is atrophic}.")
}

func (g *gen) vesselsPatent() string {
	return g.x("{The celiac axis, SMA and SMV are patent|The coeliac axis and superior mesenteric artery are patent|The SMV and portal vein are patent}{| without encasement| without narrowing}.")
}

func (g *gen) stranding() string {
	return g.x("{Mild|Minimal|Slight} {peripancreatic|surrounding} fat stranding{| without fluid collection}.")
}
