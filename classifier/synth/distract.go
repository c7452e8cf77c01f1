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

func keyOrgans(rep *report) []string {
	var b strings.Builder
	for _, f := range rep.findings[:rep.nKey] {
		b.WriteString(strings.ToLower(f.text))
		b.WriteByte(' ')
	}
	for _, s := range rep.impression {
		b.WriteString(strings.ToLower(s))
		b.WriteByte(' ')
	}
	text := b.String()
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
	return out
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
	case g.st.terse:
		return g.between(0, 2)
	case g.st.verbose:
		return g.between(5, 11)
	default:
		return g.between(2, 6)
	}
}
