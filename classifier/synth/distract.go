package synth

import "strings"

// Findings about organs other than the one that decides the label: normal
// statements and common benign incidental findings. Real reports spend most
// of their words on these, so the model must learn to look past them. None
// mentions the pancreas or a malignancy.

type distractor struct {
	organ string
	en    string // template
	ja    string // template, "" when none
	imp   string // short impression form, "" when none
}

var distractors = []distractor{
	// liver
	{"liver", "The liver is {normal in size and attenuation|unremarkable|normal in size and contour} {|without focal lesion|with no focal hepatic lesion}.", "肝に異常所見なし。", ""},
	{"liver", "{Diffuse|Mild|Moderate} hepatic steatosis{| without focal lesion}.", "脂肪肝を認める。", "Hepatic steatosis."},
	{"liver", "{Simple|Small} cyst in {segment {II|III|IV|V|VI|VII|VIII}|the right lobe|the left lobe} {measuring|of} %CM{, unchanged|, stable|, benign|}.", "肝嚢胞あり。", ""},
	{"liver", "Hepatic hemangioma in segment {IVa|VI|VII|II}, %CM, with peripheral nodular enhancement.", "肝血管腫あり。", "Hepatic haemangioma."},
	{"liver", "{Subcentimetre|Subcentimeter|Tiny} hypodensities in the liver {too small to characterize|likely representing cysts|unchanged}.", "", ""},
	{"liver", "Nodular liver contour {with|and} {mild|} splenomegaly, suggesting cirrhosis.", "肝硬変の所見。", "Cirrhotic liver morphology."},
	{"liver", "No intrahepatic biliary dilatation.", "肝内胆管拡張なし。", ""},
	{"liver", "Focal fatty sparing adjacent to the gallbladder fossa.", "", ""},
	// gallbladder / biliary
	{"gallbladder", "The gallbladder is {unremarkable|normal|well distended without wall thickening}.", "胆嚢に異常なし。", ""},
	{"gallbladder", "{Cholelithiasis|Gallstones|Multiple gallstones|A {calcified|} gallstone} without {evidence of|} {acute cholecystitis|gallbladder wall thickening|pericholecystic fluid}.", "胆嚢結石あり。", "Cholelithiasis without cholecystitis."},
	{"gallbladder", "{Status post cholecystectomy|Post cholecystectomy|The gallbladder has been removed|Cholecystectomy clips}.", "胆摘後。", ""},
	{"gallbladder", "Gallbladder sludge{| is noted}.", "", ""},
	{"gallbladder", "Small gallbladder polyp %MM{|, unchanged}.", "胆嚢ポリープあり。", ""},
	// spleen
	{"spleen", "The spleen is {normal in size|unremarkable|not enlarged}{| ({9|10|11|12} cm)}.", "脾に異常なし。", ""},
	{"spleen", "{Small |}splenule{| near the splenic hilum}.", "副脾あり。", ""},
	{"spleen", "{Mild|} splenomegaly{|, {13|14|15} cm craniocaudal}.", "脾腫あり。", "Splenomegaly."},
	{"spleen", "Calcified granulomas in the spleen.", "", ""},
	// adrenals
	{"adrenals", "The adrenal glands are {normal|unremarkable}.", "副腎に異常なし。", ""},
	{"adrenals", "{Left|Right} adrenal nodule %MMADR with {low attenuation (below 10 HU)|macroscopic fat|washout characteristics} consistent with {an adenoma|a lipid-rich adenoma|a myelolipoma}.", "副腎腺腫あり。", "Benign adrenal adenoma; no follow-up required."},
	{"adrenals", "{Mild |}{left|right|bilateral} adrenal {thickening|hyperplasia}{|, unchanged}.", "", ""},
	// kidneys
	{"kidneys", "The kidneys {are normal in size and enhance symmetrically|enhance symmetrically|are unremarkable}{| without hydronephrosis}.", "両腎に異常なし。", ""},
	{"kidneys", "{Simple|Bosniak 1|Bosniak I|Bosniak 2|Bosniak II} {cyst|cysts} in the {left|right} kidney{|, largest %CM}.", "腎嚢胞あり。", ""},
	{"kidneys", "Non-obstructing {left|right|bilateral} {renal calculi|nephrolithiasis|renal calculus} {up to |measuring |}%MMSTONE.", "腎結石あり。", "Non-obstructing nephrolithiasis."},
	{"kidneys", "No hydronephrosis{| or hydroureter}.", "水腎症なし。", ""},
	{"kidneys", "{Mild|Moderate} {left|right} hydronephrosis{| due to a %MMSTONE {proximal|distal} ureteric calculus}.", "", "Hydronephrosis, see above."},
	{"kidneys", "Cortical scarring in the {upper|lower} pole of the {left|right} kidney.", "", ""},
	{"kidneys", "{Left|Right} renal atrophy.", "", ""},
	// bowel
	{"bowel", "{Sigmoid|Colonic|Scattered colonic} diverticulosis without {evidence of |}diverticulitis.", "大腸憩室あり。", "Colonic diverticulosis."},
	{"bowel", "No bowel obstruction{|. The appendix is normal}.", "腸閉塞なし。", ""},
	{"bowel", "The {stomach and small bowel are|stomach and large bowel are|small bowel is|large bowel is} unremarkable{| within the limits of this study}.", "", ""},
	{"bowel", "{Small|Moderate} {sliding |}hiatus hernia.", "食道裂孔ヘルニアあり。", "Hiatus hernia."},
	{"bowel", "Normal appendix.", "虫垂に異常なし。", ""},
	{"bowel", "{Moderate|Large} stool burden in the colon.", "", ""},
	{"bowel", "The esophagus is {unremarkable|mildly patulous}.", "", ""},
	// vessels
	{"vessels", "{Mild|Moderate|Extensive|Scattered} {calcific |}atherosclerosis of the {abdominal aorta|aorta and iliac arteries|aorta and its branches}{| without aneurysm}.", "大動脈に石灰化を伴う動脈硬化あり。", "Aortic atherosclerosis."},
	{"vessels", "The abdominal aorta is normal in calibre.", "", ""},
	{"vessels", "{Infrarenal|Fusiform infrarenal} abdominal aortic aneurysm measuring %AAA{|, unchanged}.", "腹部大動脈瘤あり。", "Abdominal aortic aneurysm; recommend vascular surveillance."},
	{"vessels", "The portal vein{|, splenic vein} and hepatic veins are patent.", "門脈開存。", ""},
	{"vessels", "Retroaortic left renal vein{|, a normal variant}.", "", ""},
	// nodes
	{"nodes", "No {enlarged|pathologically enlarged|significant} {abdominal or pelvic |retroperitoneal |}lymph nodes{| by size criteria}.", "リンパ節腫大なし。", ""},
	{"nodes", "{Few|Several|Scattered} {subcentimetre|subcentimeter|small|non-enlarged} mesenteric lymph nodes{, likely reactive|, not pathologically enlarged|}.", "", ""},
	// peritoneum
	{"peritoneum", "No {free fluid|ascites}{| or free air}.", "腹水なし。", ""},
	{"peritoneum", "{Trace|Small amount of} {free fluid|pelvic free fluid}{|, physiologic}.", "少量の腹水あり。", ""},
	{"peritoneum", "{Small |}{fat-containing |}{umbilical|paraumbilical|inguinal|ventral} hernia.", "臍ヘルニアあり。", "Small hernia, see above."},
	// pelvis
	{"pelvis", "The urinary bladder is {unremarkable|decompressed|partially distended and unremarkable}.", "膀胱に異常なし。", ""},
	{"pelvis", "{Enlarged prostate|Prostatomegaly} {measuring|of} {4.8|5.2|5.6|6.1|6.5} cm{| with central calcifications}.", "前立腺肥大あり。", "Prostatomegaly."},
	{"pelvis", "{Uterine fibroids|Fibroid uterus|Calcified uterine fibroid}.", "子宮筋腫あり。", "Fibroid uterus."},
	{"pelvis", "The uterus and adnexa are unremarkable.", "", ""},
	{"pelvis", "{Simple|} {left|right} ovarian cyst %CMSHORT{|, likely physiological}.", "", ""},
	// lung bases
	{"lungs", "The lung bases are clear{| without pleural effusion}.", "肺底部に異常なし。", ""},
	{"lungs", "{Bibasilar|Dependent|Bilateral basal|Left basal|Right basal} {subsegmental |linear |}atelectasis{| or scarring}.", "両側下葉に無気肺あり。", ""},
	{"lungs", "{Small|Trace} {left|right|bilateral} pleural {effusion|effusions}.", "少量胸水あり。", "Small pleural effusion."},
	{"lungs", "{A |}%MMNODULE {solid |ground-glass |calcified |}nodule in the {right|left} lower lobe{|, unchanged| likely benign|; no follow-up required per Fleischner criteria}.", "肺結節あり。", "Small pulmonary nodule, see above."},
	{"lungs", "{Mild |}centrilobular emphysema at the lung bases.", "肺気腫あり。", "Emphysema."},
	{"lungs", "Coronary artery calcification{s|}.", "冠動脈石灰化あり。", "Coronary artery calcification."},
	{"lungs", "The heart is normal in size{| without pericardial effusion}.", "", ""},
	// bones
	{"bones", "{Degenerative changes|Multilevel degenerative changes|Spondylosis} of the {lumbar|thoracolumbar|lower lumbar} spine{| without acute abnormality}.", "腰椎に変性変化あり。", ""},
	{"bones", "No {suspicious|aggressive|destructive} {osseous|bone} lesions.", "骨に異常なし。", ""},
	{"bones", "{Old|Healed} {right|left} rib {fractures|fracture}.", "陳旧性肋骨骨折あり。", ""},
	{"bones", "{Mild|Chronic} {compression deformity|wedge deformity} of {T12|L1|L2|T11}{|, unchanged}.", "", "Chronic vertebral compression deformity."},
	{"bones", "Bone island in the {right|left} {iliac bone|femoral neck}{|, benign}.", "", ""},
	{"bones", "{Severe|Moderate} degenerative change of the {hips|sacroiliac joints}.", "", ""},
	{"bones", "{Grade 1|Grade I} anterolisthesis of {L4 on L5|L5 on S1}.", "", ""},
	// soft tissues
	{"soft tissues", "The soft tissues are unremarkable.", "", ""},
	{"soft tissues", "{Small |}{subcutaneous |}lipoma in the {right|left} {flank|back|thigh}.", "脂肪腫あり。", ""},
	{"soft tissues", "Postsurgical changes of the {anterior abdominal wall|right groin|umbilicus}.", "", ""},
}

// organWords say which organs a key finding talks about; a distractor about
// the same organ ("the liver is normal") could contradict it, so it is left
// out.
var organWords = []struct {
	organ string
	words []string
}{
	{"liver", []string{"liver", "hepat", "segment "}},
	{"biliary", []string{"bile duct", "biliary", "cbd", "stent", "cholang"}},
	{"gallbladder", []string{"gallbladder", "cholecyst"}},
	{"spleen", []string{"spleen", "splen"}},
	{"adrenals", []string{"adrenal"}},
	{"kidneys", []string{"kidney", "renal", "nephr", "ureter", "hydroneph"}},
	{"bowel", []string{"bowel", "duoden", "jejun", "colon", "colitis", "appendi", "gastr", "stomach", "ileus", "diverticul", "ileitis", "oesophag", "esophag"}},
	{"vessels", []string{"vein", "artery", "smv", "sma", "aort", "celiac", "coeliac", "vascular", "portal"}},
	{"nodes", []string{"lymph", "node", "adenopathy"}},
	{"peritoneum", []string{"ascites", "peritone", "omental", "free fluid"}},
	{"pelvis", []string{"pelvi", "bladder", "prostat", "uter", "ovar", "adnex"}},
	{"lungs", []string{"lung", "pleura", "pulmonary", "lobe"}},
	{"bones", []string{"bone", "osseous", "vertebra", "lytic", "sclerotic", "rib"}},
	{"soft tissues", []string{"abdominal wall", "hernia", "subcutaneous"}},
}

// keyOrgans returns the organs the key findings and impression talk about,
// and remembers their text (lower case) for conflicts.
func (g *gen) keyOrgans(rep *report) []string {
	var b strings.Builder
	for _, f := range rep.findings[:min(rep.nKey, len(rep.findings))] {
		b.WriteString(strings.ToLower(f.text))
		b.WriteByte(' ')
	}
	for _, s := range rep.impression {
		b.WriteString(strings.ToLower(s))
		b.WriteByte(' ')
	}
	text := b.String()
	g.keyText = text
	var out []string
	for _, o := range organWords {
		for _, w := range o.words {
			if strings.Contains(text, w) {
				out = append(out, o.organ)
				break
			}
		}
	}
	return out
}

// extra is a further sentence about an organ that fits whatever state the
// organ's main distractor gave it (long reports say several things about
// each organ). avoid lists words of the key findings it could contradict.
type extra struct {
	organ string
	en    string
	avoid []string
}

var distractorExtras = []extra{
	{"liver", "The hepatic veins are patent.", []string{"hepatic vein", "budd"}},
	{"liver", "Liver span {15|16|17|18} cm{| in the midclavicular line}.", nil},
	{"liver", "No perihepatic fluid.", []string{"ascites", "fluid", "collection", "haematoma", "hematoma"}},
	{"liver", "No focal lesion on the {arterial|late arterial} phase to suggest a hypervascular lesion.", []string{"metasta", "hepatic lesion", "liver lesion", "hemangioma", "haemangioma", "cyst", "hypodensit", "lesion in segment", "hypervascular", "hcc", "hepatocellular"}},
	{"biliary", "No intrahepatic or extrahepatic biliary ductal dilatation.", []string{"biliary", "bile duct", "cbd", "double duct", "stent", "jaundice", "cholang"}},
	{"biliary", "The common bile duct measures {4|5|6} mm.", []string{"biliary", "bile duct", "cbd", "double duct", "stent", "jaundice", "cholang", "whipple", "pancreaticoduoden"}},
	{"gallbladder", "No radio-opaque gallstones.", []string{"gallstone", "cholelith"}},
	{"gallbladder", "No pericholecystic fluid or wall thickening.", []string{"cholecyst"}},
	{"spleen", "No focal splenic lesion.", []string{"granuloma", "splenic lesion", "splenic mass", "splenic abscess", "lymphoma", "infarct"}},
	{"spleen", "The splenic vein is patent.", []string{"splenic vein", "portal", "thromb"}},
	{"adrenals", "{No adrenal nodule on the right.|The right adrenal gland is normal.}", []string{"right adrenal", "bilateral adrenal", "adrenal hyperplasia", "adrenal thickening"}},
	{"kidneys", "No renal calculi.", []string{"calcul", "stone", "lithiasis"}},
	{"kidneys", "The ureters are of normal calibre{| throughout their course}.", []string{"ureter", "hydroneph", "stent"}},
	{"kidneys", "Symmetrical corticomedullary differentiation{| and prompt excretion}.", nil},
	{"kidneys", "No perinephric stranding.", []string{"perinephric", "pyelo"}},
	{"bowel", "No bowel wall thickening.", []string{"thicken", "colitis", "ileitis", "duoden"}},
	{"bowel", "No free intraperitoneal gas.", []string{"perforat", "free air", "free gas"}},
	{"bowel", "The appendix is {visualised and normal|not visualised; no secondary signs of appendicitis}.", []string{"appendic", "appendix"}},
	{"bowel", "{Oral contrast has reached the colon.|Enteric contrast opacifies the small bowel.}", []string{"obstruct", "ileus"}},
	{"bowel", "The stomach is {collapsed|moderately distended} and unremarkable.", []string{"gastr", "stomach"}},
	{"vessels", "{No aneurysm|Normal calibre abdominal aorta}.", []string{"aneurysm", "aort"}},
	{"vessels", "The {IVC|inferior vena cava} is unremarkable.", []string{"caval", "ivc", "vena cava"}},
	{"vessels", "The iliac arteries are patent{| with mild calcification}.", nil},
	{"nodes", "No {pelvic|inguinal} lymphadenopathy.", []string{"pelvic", "inguinal", "lymph", "node"}},
	{"nodes", "{No|Normal} {retrocrural|porta hepatis} lymph nodes{| by size criteria}.", []string{"lymph", "node"}},
	{"peritoneum", "No peritoneal nodularity.", []string{"peritone", "omental", "carcinomatosis"}},
	{"peritoneum", "No {pneumoperitoneum|free gas}.", []string{"perforat", "free air", "free gas"}},
	{"pelvis", "No pelvic free fluid.", []string{"fluid", "ascites", "collection"}},
	{"pelvis", "The rectum is {unremarkable|collapsed}.", []string{"rect"}},
	{"pelvis", "No pelvic {sidewall |}lymphadenopathy.", []string{"lymph", "node", "sidewall"}},
	{"pelvis", "The bladder wall is not thickened.", []string{"bladder"}},
	{"lungs", "No {pleural|pericardial} effusion.", []string{"effusion", "pleura", "empyema"}},
	{"lungs", "No consolidation in the visualised lungs.", []string{"consolidation", "pneumonia"}},
	{"lungs", "{The heart is not enlarged.|Normal heart size.} {No pericardial effusion.|}", []string{"cardi", "pericard", "heart"}},
	{"lungs", "{Mild|} coronary artery calcification{| is noted}.", []string{"coronary"}},
	{"bones", "No {lytic or sclerotic|aggressive} osseous lesion.", []string{"bone", "osseous", "lytic", "sclerotic", "metasta"}},
	{"bones", "{Vertebral body heights are maintained.|No vertebral compression fracture.}", []string{"vertebra", "compression", "fracture"}},
	{"bones", "{Degenerative changes of both hips.|Mild facet arthropathy at L4-5 and L5-S1.}", nil},
	{"soft tissues", "No {inguinal|ventral} hernia.", []string{"hernia"}},
	{"soft tissues", "{No subcutaneous collection.|The subcutaneous fat is unremarkable.}", []string{"collection", "subcutaneous", "lipoma"}},
	{"soft tissues", "The {anterior abdominal wall|abdominal wall musculature} is {intact|unremarkable}.", []string{"abdominal wall", "hernia", "postsurgical changes of the anterior"}},
	{"soft tissues", "{No body wall mass.|No soft tissue mass.}", []string{"mass in the", "lipoma", "wall mass"}},
	{"liver", "{Homogeneous|Normal} hepatic enhancement in the portal venous phase.", []string{"steatosis", "fatty", "cirrho", "metasta", "hepatic lesion", "liver lesion", "hemangioma", "haemangioma", "hypodensit", "segment", "hcc", "hepatocellular"}},
	{"liver", "The left lobe is {normal|not enlarged}.", []string{"cirrho", "left lobe", "left hepatic"}},
	{"gallbladder", "The gallbladder {wall is not thickened|is not distended}.", []string{"cholecyst", "gallbladder wall", "removed"}},
	{"spleen", "Splenic attenuation is homogeneous.", []string{"granuloma", "splenic lesion", "splenic mass", "splenic abscess", "lymphoma", "infarct"}},
	{"spleen", "No perisplenic fluid.", []string{"fluid", "ascites", "collection"}},
	{"adrenals", "{Both adrenal limbs are slender.|No adrenal mass.}", []string{"nodule", "hyperplasia", "thickening", "adrenal mass", "adenoma", "myelolipoma", "metasta"}},
	{"kidneys", "{No renal mass.|No solid renal lesion.}", []string{"renal mass", "renal cell", "rcc", "nephrectomy"}},
	{"kidneys", "Kidneys measure {10.5|11|11.2|11.8} cm (right) and {10.9|11.4|11.6|12} cm (left).", []string{"nephrectomy", "atrophy", "transplant"}},
	{"bowel", "The duodenum is unremarkable.", []string{"duoden", "whipple", "pancreaticoduoden", "ampull"}},
	{"bowel", "{No colonic wall thickening.|The colon is {unremarkable|normal in calibre}.}", []string{"colon", "colitis", "diverticulitis", "hemicolectomy"}},
	{"vessels", "{The SMA and coeliac axis are patent at their origins.|Conventional arterial anatomy.}", []string{"sma", "celiac", "coeliac", "artery", "arterial"}},
	{"vessels", "{The portal venous system is patent.|Patent portal, splenic and superior mesenteric veins.}", []string{"vein", "portal", "smv", "thromb"}},
	{"nodes", "No mesenteric lymphadenopathy.", []string{"lymph", "node", "mesenteric"}},
	{"peritoneum", "{No omental stranding.|The omentum is unremarkable.}", []string{"omental", "omentum"}},
	{"pelvis", "{The prostate is not enlarged.|The uterus is anteverted and unremarkable.}", []string{"prostat", "uter", "fibroid"}},
	{"lungs", "{No pulmonary nodule at the lung bases.|No suspicious basal pulmonary nodule.}", []string{"nodule", "metasta"}},
	{"lungs", "{The visualised mediastinum is unremarkable.|No hiatus hernia.}", []string{"hiatus", "mediastin"}},
	{"bones", "{The sacroiliac joints are unremarkable.|No fracture.}", []string{"fracture", "sacroiliac"}},
	{"bones", "{Mild lumbar spondylosis.|Small Schmorl's nodes in the lumbar spine.}", []string{"spondylosis", "degenerative"}},
}

// distractorFindings returns k findings about organs not in exclude.
func (g *gen) distractorFindings(k int, exclude ...string) []finding {
	ex := map[string]bool{}
	for _, e := range exclude {
		ex[e] = true
	}
	used := map[string]bool{}
	var out []finding
	for _, i := range g.r.Perm(len(distractors)) {
		if len(out) >= k {
			break
		}
		d := distractors[i]
		// One statement per organ keeps reports consistent ("the liver is
		// normal" never beside "hepatic steatosis").
		if ex[d.organ] || used[d.organ] {
			continue
		}
		used[d.organ] = true
		out = append(out, finding{organ: d.organ, text: g.fill(d.en), ja: g.fill(d.ja), imp: d.imp})
	}
	// Extras come second, so that they can be checked against every main
	// statement too ("no inguinal hernia" never beside "small inguinal
	// hernia").
	if g.st.long || g.st.verbose {
		var all strings.Builder
		all.WriteString(g.keyText)
		for _, f := range out {
			all.WriteString(" " + strings.ToLower(f.text))
		}
		context := all.String()
		for i := range out {
			if n := g.nExtras(); n > 0 {
				out[i].text = strings.Join(append([]string{out[i].text}, g.extrasFor(out[i].organ, n, context)...), " ")
			}
		}
	}
	return out
}

// nExtras is how many further sentences an organ gets in this style.
func (g *gen) nExtras() int {
	switch {
	case g.st.long:
		return g.pickIntW([]float64{0.3, 1, 3, 3, 2.5})
	case g.st.verbose && g.chance(0.2):
		return 1
	}
	return 0
}

// extrasFor returns up to n extra sentences about organ that contradict
// nothing in context (lower-case text of the report so far).
func (g *gen) extrasFor(organ string, n int, context string) []string {
	var out []string
	for _, i := range g.r.Perm(len(distractorExtras)) {
		if len(out) >= n {
			break
		}
		e := distractorExtras[i]
		if e.organ != organ || conflicts(context, e.avoid) {
			continue
		}
		out = append(out, g.x(e.en))
	}
	return out
}

// conflicts reports whether text uses any of the words.
func conflicts(text string, words []string) bool {
	for _, w := range words {
		if strings.Contains(text, w) {
			return true
		}
	}
	return false
}

// fill expands a template and its size slots.
func (g *gen) fill(t string) string {
	if t == "" {
		return ""
	}
	for _, s := range []struct {
		slot string
		f    func() string
	}{
		{"%CMSHORT", func() string { return g.cm(1.5, 4) }},
		{"%CM", func() string { return g.cm(0.6, 4.5) }},
		{"%MMADR", func() string { return g.mm(8, 28) }},
		{"%MMSTONE", func() string { return g.mm(2, 9) }},
		{"%MMNODULE", func() string { return g.mm(3, 6) }},
		{"%MM", func() string { return g.mm(3, 8) }},
		{"%AAA", func() string { return g.cm(3.0, 4.6) }},
	} {
		for {
			i := strings.Index(t, s.slot)
			if i < 0 {
				break
			}
			t = t[:i] + s.f() + t[i+len(s.slot):]
		}
	}
	return g.x(t)
}

// nDistractors is how many other-organ findings a style writes.
func (g *gen) nDistractors() int {
	switch {
	case g.st.long:
		return g.between(11, 16)
	case g.st.terse:
		return g.between(0, 2)
	case g.st.verbose:
		return g.between(5, 11)
	default:
		return g.between(2, 6)
	}
}
