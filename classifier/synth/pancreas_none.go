package synth

import "strings"

// ---------------- 0 none ----------------

func (g *gen) routineIndication() string {
	return g.pick(
		g.x("{Right lower quadrant pain|RLQ pain}, {? appendicitis|rule out appendicitis|r/o appy}."),
		g.x("{Left|Right} flank pain{|, ? renal colic|, hematuria}."),
		g.x("{Left lower quadrant pain|LLQ pain and fever}{|, ? diverticulitis}."),
		g.x("{Abdominal pain|Generalised abdominal pain|Diffuse abdominal pain}{| and vomiting| and distension}{|, ? obstruction}."),
		g.x("{Fever|Sepsis} of unknown source."),
		g.x("{Trauma|MVC|Fall from height}{|, assess for injury}."),
		g.x("{Follow-up|Surveillance} of {renal cyst|adrenal nodule|abdominal aortic aneurysm|hepatic lesion}."),
		g.x("{Anaemia|Iron deficiency anaemia} and weight loss."),
		g.x("Post-operative {fever|pain} after {hernia repair|hysterectomy|colectomy}."),
		g.x("Elevated liver enzymes."),
		g.x("{Diarrhoea|Diarrhea} and {abdominal cramps|weight loss}."),
		g.xf("%s {with|} {epigastric pain|nausea|abdominal bloating}.", g.age()),
	)
}

func pNormal(g *gen) *report {
	f := []string{g.normalPancreas()}
	if g.chance(0.3) {
		f = append(f, g.x("{No peripancreatic fluid or stranding|The pancreatic duct is not dilated|No pancreatic ductal dilatation}."))
	}
	if g.chance(0.2) {
		f = append(f, g.vesselsPatent())
	}
	main := g.pick(
		g.x("{The appendix is {dilated|enlarged} to {9|10|11|12|14} mm with periappendiceal fat stranding|Acute appendicitis with an appendicolith}."),
		g.x("{Sigmoid diverticulitis with pericolic fat stranding|Acute uncomplicated diverticulitis of the descending colon}{| without abscess or perforation}."),
		g.xf("{An obstructing|A} %s calculus in the {left|right} {proximal|distal} ureter with {mild|moderate} hydronephrosis.", g.mm(3, 9)),
		g.x("{Dilated small bowel loops with a transition point in the {right lower quadrant|pelvis}, consistent with small bowel obstruction|No acute abnormality}."),
		g.x("{No acute intra-abdominal abnormality|No acute findings|No cause for the symptoms identified}."),
		g.x("{Colitis involving the {descending|ascending|sigmoid} colon|Terminal ileitis}{, likely infectious or inflammatory|}."),
	)
	f = append(f, main)
	imp := []string{main}
	if g.chance(0.4) {
		imp = append(imp, g.x("{Normal pancreas|Unremarkable pancreas|No pancreatic abnormality}."))
	}
	rep := &report{
		indication: []string{g.routineIndication()},
		technique:  []string{g.techniqueRoutine()},
		findings:   keys("", f...),
		impression: imp,
		ja:         []string{g.pick("膵に異常所見なし。", "膵に明らかな異常なし。")},
	}
	rep.findings[0].organ = "pancreas"
	return g.assemble(rep, "pancreas", "bowel")
}

func pNegated(g *gen) *report {
	ind := g.pick(
		g.x("{Weight loss|Unintentional weight loss|Epigastric pain|New-onset diabetes|Elevated CA 19-9|Elevated lipase|Back pain and weight loss|Jaundice}{|. {Rule out|Evaluate for|? |Exclude} {pancreatic cancer|pancreatic mass|pancreatic malignancy|malignancy}}."),
		g.xf("%s with {weight loss|abdominal pain}. {Concern for|Query} {pancreatic cancer|pancreatic neoplasm}.", g.age()),
		g.x("{Pancreatic lesion suspected on ultrasound|Possible pancreatic mass on outside ultrasound|Pancreatic tail not well seen on ultrasound}, please evaluate."),
		g.x("{Prior EUS-guided biopsy negative for malignancy|EUS-FNA of pancreatic head fullness benign}, {persistent weight loss|follow-up|rising CA 19-9}."),
	)
	f := []string{g.normalPancreas(), g.negatedCancer()}
	if g.chance(0.3) {
		f = append(f, g.vesselsPatent())
	}
	if g.chance(0.4) {
		f = append(f, g.fill("{The common bile duct is not dilated|No biliary dilatation|The pancreatic duct measures {1|2|2.5|3} mm, within normal limits}."))
	}
	if g.chance(0.3) {
		f = append(f, g.x("{Previously questioned|The previously suspected} {pancreatic lesion|pancreatic head fullness} {is not seen on this study|is not confirmed|corresponds to normal pancreatic parenchyma|represents focal fatty infiltration}."))
	}
	imp := []string{g.pick(
		g.negatedCancer(),
		g.x("{No CT evidence of pancreatic malignancy|No pancreatic mass|Normal pancreas; no mass|No explanation for the weight loss on this study; no pancreatic mass}."),
		g.x("{Unremarkable pancreas|Normal pancreas} without {a mass|mass or ductal dilatation}. {Pancreatic cancer is not seen|No evidence of pancreatic cancer}."),
	)}
	if g.chance(0.3) {
		imp = append(imp, g.x("{If clinical concern persists, EUS could be considered|No further imaging required|Consider MRI if symptoms persist}."))
	}
	rep := &report{
		indication:   []string{ind},
		technique:    []string{g.techniquePancreas()},
		findings:     keys("pancreas", f...),
		impression:   imp,
		ja:           []string{g.jaNoMass(), g.jaNoMass()},
		jaImpression: []string{g.pick("膵癌を示唆する所見なし。", "膵に腫瘤性病変なし。")},
	}
	if g.chance(0.1) {
		g.synopticize(rep, synSpec{site: g.site(), noTumour: true}, 0)
	}
	return g.assemble(rep, "pancreas")
}

func pAcutePancreatitis(g *gen) *report {
	kind := g.between(0, 2)
	ind := g.x("{Epigastric pain radiating to the back|Severe epigastric pain|Abdominal pain} {with elevated lipase|and lipase {3 times|5 times|> 3x} the upper limit of normal|}{|, ? pancreatitis|, ? complications of pancreatitis|. Alcohol use.|. Gallstones.}")
	var f []string
	switch kind {
	case 0:
		f = []string{g.x("{Diffuse|Focal} {enlargement|oedema} of the pancreas with peripancreatic fat stranding{| and a small amount of peripancreatic fluid}."), g.x("The pancreas enhances homogeneously{| without necrosis}.")}
	case 1:
		f = []string{g.xf("{Non-enhancing|Non-enhancement of} {approximately %d%%|about %d%%|less than 30%%|30-50%%} of the pancreatic {body|body and tail|head}, {consistent with|in keeping with} necrosis.", g.between(20, 60), g.between(20, 60)), g.x("{Acute necrotic collection|Heterogeneous peripancreatic collection} in the lesser sac measuring %CM.")}
		f[1] = g.fill(f[1])
	default:
		f = []string{g.fill(g.x("{Acute peripancreatic fluid collection|APFC} measuring %CM {adjacent to the pancreatic tail|in the left anterior pararenal space}.")), g.x("Peripancreatic inflammatory changes{| extending into the mesentery}.")}
	}
	if g.chance(0.5) {
		f = append(f, g.negatedCancer())
	}
	imp := []string{[]string{
		g.x("{Acute interstitial oedematous pancreatitis|Acute pancreatitis|Findings consistent with acute pancreatitis}{| without necrosis or collection}."),
		g.x("{Acute necrotising pancreatitis|Necrotizing pancreatitis} with {an acute necrotic collection|partial gland necrosis}."),
		g.x("Acute pancreatitis with {an acute peripancreatic fluid collection|peripancreatic fluid}."),
	}[kind]}
	if g.chance(0.3) {
		imp = append(imp, g.x("{No pancreatic mass is identified, although follow-up after resolution is suggested|Cholelithiasis, possible gallstone aetiology|No underlying mass}."))
	}
	rep := &report{
		indication:   []string{ind},
		technique:    []string{g.techniqueRoutine()},
		findings:     keys("pancreas", f...),
		impression:   imp,
		ja:           []string{"急性膵炎の所見。", "膵周囲に液体貯留あり。"},
		jaImpression: []string{"急性膵炎。"},
	}
	return g.assemble(rep, "pancreas")
}

func pChronicPancreatitis(g *gen) *report {
	kind := g.between(0, 2)
	var f, imp []string
	var ja string
	switch kind {
	case 0:
		f = []string{g.xf("{Coarse|Multiple|Extensive} {parenchymal and intraductal calcifications|pancreatic calcifications} throughout the {gland|pancreas}{| with parenchymal atrophy}."),
			g.xf("{Beaded|Irregular} dilatation of the main pancreatic duct to %s{| with intraductal stones}.", g.mm(4, 10)),
			g.x("{No focal mass|No discrete mass is identified|No mass lesion}.")}
		imp = []string{g.x("{Chronic calcific pancreatitis|Changes of chronic pancreatitis|Chronic pancreatitis}{| without a focal mass|, unchanged}.")}
		ja = "慢性膵炎、膵石を認める。"
	case 1:
		f = []string{g.x("{Soft tissue thickening|Curvilinear hypoenhancing tissue} in the pancreaticoduodenal groove with {cystic change in the duodenal wall|duodenal wall thickening}."), g.x("The pancreatic head parenchyma {is preserved|enhances normally}; no discrete pancreatic mass.")}
		imp = []string{g.x("{Findings most consistent with groove pancreatitis|Groove (paraduodenal) pancreatitis}{| in this patient with alcohol use}.")}
		ja = "groove膵炎の所見。"
	default:
		f = []string{g.x("{Diffuse|Sausage-shaped} enlargement of the pancreas with loss of lobulation and a {capsule-like|hypoenhancing} {rim|halo}."), g.x("{No upstream ductal dilatation|The pancreatic duct is narrowed without upstream dilatation}{|. Renal cortical hypoenhancing lesions}.")}
		imp = []string{g.x("{Findings typical of|Findings consistent with} autoimmune pancreatitis{|; correlate with serum IgG4}{|. Follow-up after steroid therapy}.")}
		ja = "自己免疫性膵炎を疑う。"
	}
	rep := &report{
		indication: []string{g.x("{Chronic epigastric pain|Known chronic pancreatitis|Alcohol use disorder with abdominal pain|Steatorrhoea and weight loss|Recurrent abdominal pain|Follow-up pancreatitis|Elevated IgG4}.")},
		technique:  []string{g.techniquePancreas()},
		findings:   keys("pancreas", f...),
		impression: imp,
		ja:         []string{ja},
	}
	return g.assemble(rep, "pancreas")
}

func pPseudocyst(g *gen) *report {
	walled := g.chance(0.4)
	var f, imp []string
	if walled {
		f = []string{g.fill(g.x("{Encapsulated|Well-defined} heterogeneous collection with {non-liquefied debris|internal debris} in the {lesser sac|pancreatic bed} measuring %CM.")), g.x("{Partial|Interval} decrease compared with the prior study.")}
		imp = []string{g.x("{Walled-off necrosis|WON} {following|after} necrotising pancreatitis{|, decreasing}.")}
	} else {
		f = []string{g.fill(g.x("{Well-circumscribed|Thin-walled|Unilocular} {fluid-attenuation|fluid density} {collection|cyst} {adjacent to the pancreatic tail|in the lesser sac|arising from the pancreatic body} measuring %CM{| with an enhancing wall}.")),
			g.x("{No solid component|No internal septation or solid component|No mural nodule}.")}
		imp = []string{g.x("{Pancreatic pseudocyst|Pseudocyst} {following prior pancreatitis|in keeping with history of pancreatitis|, stable|, decreased in size}.")}
	}
	rep := &report{
		indication: []string{g.x("{History of pancreatitis|Prior acute pancreatitis|Pancreatitis {6 weeks|2 months|3 months} ago}{|, follow-up collection|, persistent pain|, early satiety}.")},
		technique:  []string{g.techniqueRoutine()},
		findings:   keys("pancreas", f...),
		impression: imp,
		ja:         []string{"膵仮性嚢胞。"},
	}
	return g.assemble(rep, "pancreas")
}

func pIPMNBenign(g *gen) *report {
	s := g.site()
	size := g.cm(0.5, 2.4)
	f := []string{
		g.xf("{A cystic lesion|Multiple cystic lesions|Several small cysts|Redemonstrated cystic lesions} in the pancreatic %s, {the largest |measuring }%s, {communicating with|abutting} the {main pancreatic duct|pancreatic duct}{|, unchanged from prior|, stable over %d years}.", s.en, size, g.between(1, 6)),
		g.x("{No enhancing solid component|No mural nodule|No thickened or enhancing walls}{|, main duct not dilated| and the main pancreatic duct measures less than 5 mm}."),
	}
	imp := []string{g.x("{Side-branch|Branch-duct|Small branch-duct} IPMN{s|} {without worrisome features|without worrisome features or high-risk stigmata|, stable}{|. Follow-up per guidelines|. Recommend follow-up MRI in {1|2} years}.")}
	if g.chance(0.3) {
		imp = append(imp, g.x("No pancreatic mass."))
	}
	rep := &report{
		indication: []string{g.x("{Follow-up|Surveillance} {pancreatic cyst|IPMN|of known branch-duct IPMN}{|. Incidental pancreatic cyst on prior CT}.")},
		technique:  []string{g.techniquePancreas()},
		findings:   keys("pancreas", f...),
		impression: imp,
		ja:         []string{"分枝型IPMN疑い、壁在結節なし。", "悪性を示唆する所見なし。"},
	}
	return g.assemble(rep, "pancreas")
}

func pBenignVariant(g *gen) *report {
	var f, imp []string
	switch g.between(0, 4) {
	case 0:
		f = []string{g.x("{Diffuse|Marked|Extensive} fatty {replacement|infiltration} of the pancreas{| with preserved ductal anatomy}.")}
		imp = []string{g.x("{Pancreatic lipomatosis|Fatty replacement of the pancreas}{|; no mass}.")}
	case 1:
		f = []string{g.x("The dorsal pancreatic duct drains {via the minor papilla|separately from the ventral duct}{|, consistent with pancreas divisum}.")}
		imp = []string{g.x("Pancreas divisum{|, an anatomical variant}. {No pancreatic mass.|}")}
	case 2:
		f = []string{g.x("Pancreatic tissue encircles the second part of the duodenum.")}
		imp = []string{g.x("Annular pancreas{| without duodenal obstruction}.")}
	case 3:
		f = []string{g.fill(g.x("A %MMADR well-circumscribed lesion in the pancreatic tail that follows splenic attenuation on all phases."))}
		imp = []string{g.x("{Intrapancreatic accessory spleen|Intrapancreatic splenule}; {no further follow-up required|benign}.")}
	default:
		f = []string{g.x("{Focal fatty sparing|Focal fatty infiltration} of the {pancreatic head|uncinate process|anterior head} {mimicking|simulating} a lesion; {normal enhancement on the venous phase|no mass effect or ductal dilatation}.")}
		imp = []string{g.x("{Focal fatty infiltration of the pancreas, no mass|Pseudolesion due to focal fatty sparing; no pancreatic mass}.")}
	}
	rep := &report{
		indication: []string{g.pick(g.routineIndication(), g.x("{Indeterminate pancreatic finding on ultrasound|Possible pancreatic lesion on prior CT}, please characterise."))},
		technique:  []string{g.techniqueRoutine()},
		findings:   keys("pancreas", f...),
		impression: imp,
		ja:         []string{"膵に腫瘤性病変なし。"},
	}
	return g.assemble(rep, "pancreas")
}

func pNET(g *gen) *report {
	s := g.site()
	size := g.cm(0.8, 3.5)
	var ind string
	var f, imp []string
	switch g.between(0, 2) {
	case 0: // new
		ind = g.x("{Hypoglycaemia|Recurrent hypoglycemia, ? insulinoma|Elevated chromogranin A|Incidental pancreatic lesion on ultrasound|MEN1 surveillance|Flushing and diarrhoea|Biopsy-proven well-differentiated NET, staging|Refractory peptic ulcers and raised gastrin, ? gastrinoma|Necrolytic migratory erythema, ? glucagonoma|Watery diarrhoea and hypokalaemia, ? VIPoma|Von Hippel-Lindau surveillance|DOTATATE-avid pancreatic lesion|EUS-FNA: well-differentiated neuroendocrine tumour, G{1|2}, Ki-67 {2|3|5|8}%}.")
		f = []string{g.xf("{A well-circumscribed|A round|An} {avidly|intensely|brightly} {arterially enhancing|hyperenhancing|hypervascular} {lesion|mass} in the pancreatic %s measuring %s{| with washout on the venous phase| with central calcification}.", s.en, size), g.x("{No pancreatic ductal dilatation|No upstream duct dilatation|The pancreatic duct is normal}.")}
		imp = []string{g.xf("%s {hypervascular|arterially enhancing} pancreatic %s {lesion|mass} %s {a |}{pancreatic neuroendocrine tumour|neuroendocrine tumor|PNET|pNET|insulinoma|well-differentiated neuroendocrine tumour|non-functioning neuroendocrine tumour|panNET|neuroendocrine neoplasm (NET G{1|2})|gastrinoma|glucagonoma}.", size, s.en, g.pick("consistent with", "most consistent with", "likely", "suspicious for", "compatible with", "typical of", "in keeping with", "favoured to represent"))}
		if g.chance(0.25) {
			imp = append(imp, g.x("{Ductal adenocarcinoma is considered unlikely given the hypervascularity and absent ductal dilatation|Correlation with Ga-68 DOTATATE PET suggested|No features of ductal adenocarcinoma}."))
		}
	case 1: // known, on therapy
		ind = g.x("{Known|Metastatic|Well-differentiated} pancreatic neuroendocrine tumour {on octreotide|on lanreotide|after PRRT with Lu-177 DOTATATE|on everolimus|on capecitabine/temozolomide}. Restaging.")
		f = []string{g.xf("The {hypervascular|known} pancreatic %s neuroendocrine tumour {measures|is again seen, measuring} %s, {stable|slightly smaller}.", s.en, size), g.x("{Stable hypervascular liver metastases|No new liver lesions|Hypervascular liver lesions are unchanged}.")}
		imp = []string{g.x("{Stable|Treated} pancreatic neuroendocrine tumour{| with stable hepatic metastases}{| on somatostatin analogue therapy}.")}
	default: // resected
		ind = g.xf("{Status post|s/p} {distal pancreatectomy|enucleation|Whipple procedure} for {pancreatic neuroendocrine tumour|insulinoma|well-differentiated PNET|grade 1 NET} %s. Surveillance.", g.monthsAgo())
		f = []string{g.x("{Postsurgical changes in the pancreas|Surgical clips at the resection site|Redemonstrated postsurgical changes at the resection margin}; no {recurrent|new} hypervascular lesion.")}
		imp = []string{g.x("{No evidence of recurrent neuroendocrine tumour|No recurrence} {following|after} resection of pancreatic NET.")}
	}
	rep := &report{
		indication: []string{ind},
		technique:  []string{g.techniquePancreas()},
		findings:   keys("pancreas", f...),
		impression: imp,
		ja:         []string{"膵神経内分泌腫瘍を疑う。"},
	}
	return g.assemble(rep, "pancreas")
}

func pMetsToPancreas(g *gen) *report {
	s := g.site()
	prim := g.pickIntW([]float64{3, 1.5, 1.5, 0.8, 0.6, 0.4})
	primaryHx := []string{
		g.xf("{Renal cell carcinoma|Clear cell RCC|Clear cell renal cell carcinoma} {s/p|status post} {left|right} nephrectomy %s", g.monthsAgo()),
		g.xf("Metastatic melanoma{| on immunotherapy| on pembrolizumab}"),
		g.xf("{Small cell lung cancer|Non-small cell lung cancer|Lung adenocarcinoma}{| on chemotherapy| on osimertinib}"),
		g.xf("{Metastatic breast cancer|Breast cancer with known bone metastases}"),
		g.xf("{Metastatic colorectal cancer|Sigmoid adenocarcinoma with liver metastases}{| on FOLFOX| on FOLFIRI and bevacizumab}"),
		g.xf("{Leiomyosarcoma of the uterus|Retroperitoneal leiomyosarcoma|Synovial sarcoma of the thigh} {s/p resection %s|with known lung metastases}", g.monthsAgo()),
	}[prim]
	primary := []string{"renal cell carcinoma", "melanoma", "lung cancer", "breast cancer", "colorectal cancer", "the known sarcoma"}[prim]
	enh := []string{"hypervascular", "heterogeneously enhancing", "hypoattenuating", "hypoattenuating", "hypoattenuating", "heterogeneously enhancing"}[prim]
	f := []string{g.xf("{Two|Multiple|Several|A} %s {lesions|lesion|nodules} in the pancreatic %s{| and tail}{| measuring up to %s}.", enh, s.en, g.cm(0.8, 3))}
	if prim == 0 {
		f = append(f, g.x("{Postsurgical nephrectomy bed without recurrence|Absent kidney consistent with prior nephrectomy}."))
	}
	imp := []string{g.xf("{Pancreatic lesions|%s pancreatic %s lesions} {consistent with|most consistent with|in keeping with|likely representing} {metastases|metastatic disease} from %s{| rather than a primary pancreatic neoplasm}.", capFirst(enh), s.en, primary)}
	rep := &report{
		indication: []string{g.x(primaryHx + ". {Restaging|Surveillance|Follow-up}.")},
		technique:  []string{g.techniqueRoutine()},
		findings:   keys("pancreas", f...),
		impression: imp,
		ja:         []string{[]string{"腎細胞癌の膵転移を疑う。", "悪性黒色腫の膵転移を疑う。", "肺癌の膵転移を疑う。", "乳癌の膵転移を疑う。", "大腸癌の膵転移を疑う。", "肉腫の膵転移を疑う。"}[prim]},
	}
	return g.assemble(rep, "pancreas", "kidneys")
}

func pLymphoma(g *gen) *report {
	f := []string{
		g.xf("{Bulky|Confluent|Extensive} {peripancreatic|retroperitoneal and mesenteric|peripancreatic and para-aortic} {lymphadenopathy|lymph node masses} {measuring up to|up to} %s{| encasing but not narrowing the mesenteric vessels}.", g.cm(3, 8)),
		g.x("{Homogeneous soft tissue infiltrating the pancreatic head without ductal dilatation|The pancreas is displaced but not invaded|Diffuse homogeneous enlargement of the pancreas without ductal dilatation}."),
		g.x("{Splenomegaly|Mild splenomegaly}{| measuring {14|15|16} cm}."),
	}
	imp := []string{g.x("{Findings most consistent with lymphoma|Lymphoma involving the pancreas|Extensive lymphadenopathy consistent with lymphoma, with pancreatic involvement|Known diffuse large B-cell lymphoma with peripancreatic disease}{|; tissue sampling of a node recommended}.")}
	rep := &report{
		indication: []string{g.x("{B symptoms|Night sweats and weight loss|Known non-Hodgkin lymphoma, staging|Diffuse large B-cell lymphoma, baseline|Lymphoma restaging}.")},
		technique:  []string{g.techniqueRoutine()},
		findings:   keys("nodes", f...),
		impression: imp,
		ja:         []string{"悪性リンパ腫の膵浸潤を疑う。"},
	}
	return g.assemble(rep, "pancreas", "nodes", "spleen")
}

func pPeriampullary(g *gen) *report {
	k := g.between(0, 2)
	tumour := []string{"ampullary carcinoma", "duodenal adenocarcinoma", "distal cholangiocarcinoma"}[k]
	var f []string
	switch k {
	case 0:
		f = []string{g.xf("{A|An} {%s|small} enhancing {mass|lesion} at the {ampulla|ampulla of Vater} {bulging into the duodenal lumen|measuring %s}, with {dilatation of the common bile duct|double duct dilatation}.", g.cm(0.8, 2.2), g.cm(0.8, 2.2)),
			g.x("The pancreatic parenchyma {is normal|enhances normally} and {no separate pancreatic mass is seen|there is no pancreatic mass}.")}
	case 1:
		f = []string{g.xf("{Irregular|Circumferential} wall thickening of the {second|third} part of the duodenum {measuring %s|over %s}.", g.cm(2, 5), g.cm(2, 5)),
			g.x("The pancreas is separate from the mass{| with a preserved fat plane}.")}
	default:
		f = []string{g.xf("{Abrupt|Irregular} {narrowing|stricture} of the distal common bile duct with {enhancing|thickened} ductal wall {and|with} upstream biliary dilatation to %s.", g.mm(11, 18)),
			g.x("{No pancreatic mass|The pancreatic duct is not dilated}.")}
	}
	imp := []string{g.xf("{%s|Findings %s %s}{| without evidence of pancreatic involvement}.", capFirst(g.hedge()+" "+tumour), g.pick("consistent with", "concerning for", "suspicious for"), tumour)}
	if g.chance(0.3) {
		imp[0] = g.xf("Biopsy-proven %s, {staging|pre-operative staging}: no distant metastases.", tumour)
	}
	rep := &report{
		indication: []string{g.x("{Painless jaundice|Obstructive jaundice|Anaemia and melaena|Abnormal ERCP|Ampullary lesion on endoscopy|Duodenal mass on endoscopy|Biliary stricture on MRCP}{|. Staging}.")},
		technique:  []string{g.techniquePancreas()},
		findings:   keys("pancreas", f...),
		impression: imp,
		ja:         []string{[]string{"十二指腸乳頭部癌を疑う。膵実質に腫瘤なし。", "十二指腸癌を疑う。", "遠位胆管癌を疑う。"}[k]},
	}
	return g.assemble(rep, "pancreas", "biliary")
}

func pWhippleNonPDAC(g *gen) *report {
	why := g.pick("ampullary carcinoma", "ampullary adenoma", "duodenal adenocarcinoma", "distal cholangiocarcinoma", "distal bile duct cholangiocarcinoma",
		"chronic pancreatitis", "pancreatic neuroendocrine tumour", "IPMN with low-grade dysplasia", "non-invasive IPMN", "duodenal GIST", "trauma", "solid pseudopapillary neoplasm")
	op := g.pick("Whipple procedure", "Whipple", "pancreaticoduodenectomy", "pylorus-preserving pancreaticoduodenectomy")
	if why == "chronic pancreatitis" && g.chance(0.5) {
		op = g.pick("total pancreatectomy with islet autotransplantation", "Frey procedure", "Puestow procedure (lateral pancreaticojejunostomy)")
	}
	ind := g.xf("{History of|Hx|} {s/p|status post|post} %s for %s {%s|}. {Surveillance|Follow-up|Abdominal pain|Fever|Routine follow-up}.", op, why, g.monthsAgo())
	anat := g.x("{Postsurgical changes|Expected postoperative changes|Post-operative anatomy} {of|after} the {Whipple procedure|prior surgery|pancreatic resection} {with patent anastomoses|without complication}.")
	if strings.Contains(strings.ToLower(op), "duodenectomy") || strings.HasPrefix(op, "Whipple") {
		if g.chance(0.7) {
			anat = g.postWhippleAnatomy(g.headSite())
		}
	}
	f := []string{anat, g.x("{No soft tissue in the surgical bed|No recurrent mass|The pancreatic remnant is unremarkable|No new lesion}.")}
	if g.chance(0.3) {
		f = append(f, g.vesselsPatent())
	}
	imp := []string{g.xf("{Status post|Post} %s for %s{| without evidence of recurrence|. No recurrence or complication|; stable postoperative appearance}.", op, why)}
	rep := &report{
		indication: []string{ind},
		technique:  []string{g.techniqueRoutine()},
		findings:   keys("pancreas", f...),
		impression: imp,
		ja:         []string{"膵頭十二指腸切除術後（膵癌以外の疾患）。再発なし。"},
	}
	return g.assemble(rep, "pancreas", "biliary")
}

func pSPNSerous(g *gen) *report {
	s := g.site()
	var ind, ja string
	var f, imp []string
	if g.chance(0.5) {
		ja = "充実性偽乳頭状腫瘍（SPN）を疑う。"
		ind = g.x("{Young woman|25-year-old female|31 F|19 yo female} with {abdominal pain|palpable mass|early satiety}{|, incidental pancreatic mass}.")
		f = []string{g.xf("{Well-encapsulated|Large well-circumscribed} {heterogeneous|mixed solid and cystic} mass in the pancreatic %s measuring %s with {internal haemorrhage|peripheral calcification|enhancing solid components}.", s.en, g.cm(4, 10))}
		imp = []string{g.x("{Solid pseudopapillary neoplasm|Findings most consistent with a solid pseudopapillary neoplasm|SPN} {of the pancreas|}{| — surgical consultation}.")}
		if g.chance(0.3) {
			ind = g.xf("{s/p|Status post} {distal pancreatectomy|resection} for solid pseudopapillary neoplasm %s. Surveillance.", g.monthsAgo())
			f = []string{g.x("Postsurgical changes without recurrent mass.")}
			imp = []string{g.x("No recurrence following resection of solid pseudopapillary neoplasm.")}
			ja = "SPN術後、再発なし。"
		}
	} else {
		ja = "漿液性嚢胞腺腫を疑う。"
		ind = g.x("{Incidental pancreatic cyst|Follow-up of pancreatic cystic lesion|Elderly woman with pancreatic cyst}.")
		f = []string{g.xf("{Lobulated|Microcystic} {cystic lesion|mass} in the pancreatic %s measuring %s composed of {innumerable|multiple} tiny cysts{| with a central calcified scar}{| and a honeycomb appearance}.", s.en, g.cm(2, 7)), g.x("No main duct dilatation.")}
		imp = []string{g.x("{Serous cystadenoma|Microcystic serous cystadenoma} of the pancreas{|, benign|, no further follow-up needed unless symptomatic}.")}
	}
	rep := &report{
		indication: []string{ind},
		technique:  []string{g.techniquePancreas()},
		findings:   keys("pancreas", f...),
		impression: imp,
		ja:         []string{ja},
	}
	return g.assemble(rep, "pancreas")
}

// otherCancer is a cancer of another organ described at length; the pancreas
// is normal.
func pOtherCancer(g *gen) *report {
	type oc struct {
		ind, imp []string
		f        []string
		organ    string
		ja       string
	}
	cases := []func() oc{
		func() oc { // colorectal
			return oc{
				ind:   []string{g.xf("{Sigmoid|Rectal|Caecal|Ascending colon} {adenocarcinoma|cancer} {s/p resection %s|on FOLFOX|after chemotherapy with FOLFIRI and bevacizumab|newly diagnosed, staging}.", g.monthsAgo())},
				f:     []string{g.xf("{Multiple|Several|Two} {hypoattenuating|ring-enhancing} liver lesions, the largest in segment {VI|VII|IVa|VIII} measuring %s, {consistent with metastases|compatible with colorectal metastases|increased from prior}.", g.cm(1, 5)), g.x("{Anastomotic site is unremarkable|Irregular wall thickening of the sigmoid colon over %CM consistent with the known primary|Postsurgical changes of right hemicolectomy}.")},
				imp:   []string{g.x("{Hepatic metastases from colorectal cancer|Colorectal liver metastases}{, increased|, decreased in size on chemotherapy|, stable}."), g.x("{No other sites of metastatic disease|New small pulmonary nodules at the lung bases}.")},
				organ: "liver", ja: "大腸癌肝転移。",
			}
		},
		func() oc { // HCC
			return oc{
				ind:   []string{g.x("{Cirrhosis, HCC surveillance|Hepatitis C cirrhosis with rising AFP|Known HCC s/p TACE}.")},
				f:     []string{g.xf("{Arterially enhancing|An arterial phase hyperenhancing} {mass|lesion} in segment {VIII|VII|V|IVa} measuring %s with {washout and capsule|portal venous washout}.", g.cm(1.2, 6)), g.x("{Nodular liver contour consistent with cirrhosis|Cirrhotic liver morphology} with {splenomegaly and varices|small volume ascites}.")},
				imp:   []string{g.x("{LI-RADS 5 observation, consistent with hepatocellular carcinoma|Hepatocellular carcinoma in segment VIII|Residual enhancement at the TACE site, viable HCC}."), g.x("Cirrhosis with portal hypertension.")},
				organ: "liver", ja: "肝細胞癌を疑う。",
			}
		},
		func() oc { // RCC
			return oc{
				ind:   []string{g.x("{Haematuria|Flank pain and haematuria|Incidental renal mass on ultrasound}.")},
				f:     []string{g.xf("{A heterogeneously enhancing|An exophytic enhancing|A solid enhancing} {left|right} renal mass measuring %s{| with tumour thrombus in the renal vein}.", g.cm(2.5, 9)), g.x("{No retroperitoneal lymphadenopathy|Enlarged left para-aortic nodes}.")},
				imp:   []string{g.x("{Solid renal mass most consistent with renal cell carcinoma|Renal cell carcinoma, stage T{1b|2a|3a}}.")},
				organ: "kidneys", ja: "腎細胞癌を疑う。",
			}
		},
		func() oc { // gastric / oesophageal
			return oc{
				ind:   []string{g.x("{Gastric adenocarcinoma on endoscopy, staging|Esophageal cancer after neoadjuvant chemoradiation, restaging|Gastric cancer s/p gastrectomy, surveillance}.")},
				f:     []string{g.x("{Irregular wall thickening of the gastric antrum with perigastric nodes|Thickening of the distal esophagus extending to the gastro-esophageal junction|Postsurgical changes of total gastrectomy with esophagojejunal anastomosis}."), g.x("{The pancreas is separate from the gastric mass with a preserved fat plane|No invasion of the pancreas}.")},
				imp:   []string{g.x("{Gastric cancer, locally advanced, no distant metastases|Esophageal cancer with treatment response|No evidence of recurrent gastric cancer}.")},
				organ: "bowel", ja: "胃癌、膵浸潤なし。",
			}
		},
		func() oc { // lung
			return oc{
				ind:   []string{g.x("{Lung cancer staging|Non-small cell lung cancer on pembrolizumab, restaging|Lung adenocarcinoma s/p lobectomy and adjuvant chemotherapy}.")},
				f:     []string{g.xf("{Spiculated|Lobulated} mass in the {right lower lobe|left lower lobe} measuring %s{| with ipsilateral hilar adenopathy}.", g.cm(1.5, 6)), g.x("{Left adrenal nodule, indeterminate|No adrenal metastases|Lytic lesion in the {T10|L2} vertebral body consistent with metastasis}.")},
				imp:   []string{g.x("{Lung cancer|Known primary lung malignancy} {with osseous metastasis|without abdominal metastases|, stable on treatment}."), g.x("Normal pancreas.")},
				organ: "lungs", ja: "肺癌、腹部転移なし。",
			}
		},
		func() oc { // ovarian / other pelvic
			return oc{
				ind:   []string{g.x("{Ovarian cancer on carboplatin and paclitaxel|Endometrial cancer staging|Cervical cancer after chemoradiation|Bladder cancer staging}.")},
				f:     []string{g.x("{Omental caking and peritoneal nodularity with moderate ascites|Complex adnexal masses bilaterally|Thickened endometrium with myometrial invasion|Irregular bladder wall mass}."), g.x("{Enlarged pelvic sidewall lymph nodes|No lymphadenopathy}.")},
				imp:   []string{g.x("{Peritoneal carcinomatosis in keeping with ovarian cancer|Findings consistent with the known pelvic malignancy|Pelvic malignancy without distant metastases}.")},
				organ: "pelvis", ja: "卵巣癌、腹膜播種。",
			}
		},
		func() oc { // cholangiocarcinoma / gallbladder
			return oc{
				ind:   []string{g.x("{Intrahepatic cholangiocarcinoma staging|Gallbladder cancer|Hilar cholangiocarcinoma, biliary stents in place}.")},
				f:     []string{g.xf("{A|An infiltrative} {mass|lesion} {in the left hepatic lobe|at the hepatic hilum|in the gallbladder fossa} measuring %s with {capsular retraction|delayed enhancement|biliary dilatation}.", g.cm(2, 7))},
				imp:   []string{g.x("{Intrahepatic cholangiocarcinoma|Hilar cholangiocarcinoma (Klatskin tumour)|Gallbladder carcinoma invading the liver}.")},
				organ: "liver", ja: "胆管癌を疑う。膵に異常なし。",
			}
		},
	}
	c := cases[g.r.IntN(len(cases))]()
	for i := range c.f {
		c.f[i] = g.fill(g.x(c.f[i]))
	}
	f := append(c.f, g.normalPancreas())
	if g.chance(0.4) {
		f = append(f, g.negatedCancer())
	}
	rep := &report{
		indication: c.ind,
		technique:  []string{g.techniqueRoutine()},
		findings:   keys(c.organ, f...),
		impression: c.imp,
		ja:         []string{c.ja},
	}
	for i := len(c.f); i < len(rep.findings); i++ {
		rep.findings[i].organ = "pancreas"
	}
	// Long distractor findings: other-cancer reports are the longest.
	rep.nKey = len(rep.findings)
	ex := append([]string{"pancreas", c.organ}, g.keyOrgans(rep)...)
	rep.findings = append(rep.findings, g.distractorFindings(g.nDistractors()+g.between(0, 4), ex...)...)
	rep.comparison = g.comparisonLine()
	return rep
}

func pFamilyScreening(g *gen) *report {
	ind := g.x("{Family history of pancreatic cancer|Strong family history of pancreatic cancer ({mother|father|brother|sister} and {aunt|uncle|grandmother})|BRCA2 mutation carrier|BRCA1 carrier|Lynch syndrome|PALB2 carrier|Peutz-Jeghers syndrome|Hereditary pancreatitis|CDKN2A (p16) mutation} {— pancreatic cancer screening|, high-risk surveillance|, screening|, annual surveillance}.")
	f := []string{g.normalPancreas()}
	if g.chance(0.35) {
		f = append(f, g.xf("{A|A tiny|A small} {%s |}{cyst|cystic lesion} in the pancreatic {body|tail|head} {without worrisome features|likely a small side-branch IPMN|, unchanged}.", g.mm(3, 9)))
	}
	f = append(f, g.negatedCancer())
	imp := []string{g.x("{No pancreatic mass|No evidence of pancreatic neoplasm|No suspicious pancreatic lesion|Negative screening study}{|. Continue surveillance|. Routine surveillance in 12 months}.")}
	rep := &report{
		indication:   []string{ind},
		technique:    []string{g.techniquePancreas()},
		findings:     keys("pancreas", f...),
		impression:   imp,
		ja:           []string{"膵癌の家族歴あり、スクリーニング。", g.jaNoMass()},
		jaIndication: "膵癌家族歴、スクリーニング目的。",
	}
	return g.assemble(rep, "pancreas")
}

func pTrauma(g *gen) *report {
	f := []string{g.x("{Linear low-attenuation cleft through the pancreatic {neck|body}|Laceration of the pancreatic body} {with|and} peripancreatic fluid{| and a fluid collection}."), g.x("{The main pancreatic duct integrity is uncertain|No active extravasation}.")}
	imp := []string{g.x("{Pancreatic laceration|Pancreatic injury (AAST grade {II|III})} {with peripancreatic fluid|}; {recommend MRCP to assess ductal integrity|surgical review}.")}
	rep := &report{
		indication: []string{g.x("{Motor vehicle collision|Handlebar injury|Blunt abdominal trauma|Assault with epigastric blow}.")},
		technique:  []string{g.techniqueRoutine()},
		findings:   keys("pancreas", f...),
		impression: imp,
		ja:         []string{"膵損傷。"},
	}
	return g.assemble(rep, "pancreas")
}

func pFocalPancreatitis(g *gen) *report {
	s := g.site()
	ind := g.x("{Epigastric pain with raised lipase|Recent acute pancreatitis, follow-up|Alcohol-related pancreatitis|Post-ERCP pancreatitis|Abdominal pain; pancreatitis {2|4|6} weeks ago}.")
	f := []string{
		g.xf("{Focal|Ill-defined} {enlargement|hypoattenuation|oedematous swelling} of the pancreatic %s with surrounding fat stranding{| and a small amount of fluid}.", s.en),
		g.x("{No upstream ductal dilatation|The pancreatic duct is not dilated and passes through the area (duct-penetrating sign)|No vascular encasement}."),
	}
	imp := []string{g.pick(
		g.xf("Focal {acute |}pancreatitis of the pancreatic %s. {An underlying mass is considered unlikely|Malignancy is not favoured|Features do not suggest a neoplasm}; {follow-up CT after resolution is suggested|recommend follow-up imaging in {6|8|12} weeks to document resolution}.", s.en),
		g.xf("{Inflammatory|Pancreatitis-related} pseudomass of the pancreatic %s, {favoured over|much more likely than} a neoplasm. Although a small underlying lesion cannot be entirely excluded, {cancer is not suspected|malignancy is considered unlikely}; {short-interval follow-up|follow-up after treatment} recommended.", s.en),
	)}
	rep := &report{
		indication: []string{ind},
		technique:  []string{g.techniquePancreas()},
		findings:   keys("pancreas", f...),
		impression: imp,
		ja:         []string{"限局性膵炎。腫瘍性病変は考えにくい。"},
	}
	return g.assemble(rep, "pancreas")
}

func pBenignStent(g *gen) *report {
	why := g.pick("choledocholithiasis", "CBD stones", "a benign biliary stricture after cholecystectomy", "a post-transplant anastomotic stricture", "a chronic pancreatitis-related distal CBD stricture", "cholangitis due to CBD stones", "a bile leak")
	ind := g.xf("{Status post|s/p|After} ERCP with {plastic |metal |}biliary stent placement for %s{ %s|}. {Abdominal pain|Fever|LFTs improving, follow-up|Check stent position}.", why, g.monthsAgo())
	f := []string{
		g.x("{A|The} biliary stent is {in satisfactory position|in place} with {pneumobilia|decompression of the biliary tree}{| and no biliary dilatation}."),
		g.normalPancreas(),
	}
	if g.chance(0.5) {
		f = append(f, g.negatedCancer())
	}
	imp := []string{g.xf("Biliary stent {in satisfactory position|in place} for %s{|; no biliary dilatation}.", why), g.x("{No pancreatic mass|Normal pancreas|No obstructing mass}.")}
	rep := &report{
		indication: []string{ind},
		technique:  []string{g.techniqueRoutine()},
		findings:   keys("biliary", f...),
		impression: imp,
		ja:         []string{"良性胆道疾患に対し胆管ステント留置後。膵に腫瘤なし。"},
	}
	rep.findings[1].organ = "pancreas"
	return g.assemble(rep, "pancreas", "biliary")
}
