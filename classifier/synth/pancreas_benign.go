package synth

// More label-0 pancreas reports: benign findings that real reports describe
// at length and that a model must not take for cancer.

func pTransplant(g *gen) *report {
	yrs := g.between(1, 15)
	ind := g.xf("{Simultaneous pancreas-kidney transplant|SPK transplant|Pancreas transplant alone|Pancreas after kidney transplant} {for type 1 diabetes |}%d years ago. {Rising amylase and lipase|Abdominal pain|Graft dysfunction|Fever|Hyperglycaemia, ? graft thrombosis|Routine post-transplant assessment}.", yrs)
	f := []string{
		g.x("The pancreatic allograft in the {right iliac fossa|right lower quadrant|right abdomen} {enhances homogeneously|enhances normally|is normal in size and enhancement}{| with enteric drainage to the small bowel}."),
		g.x("{The arterial Y-graft and the venous anastomosis are patent|No thrombosis of the graft splenic vein|The graft vessels are patent}."),
		g.x("{The native pancreas is atrophic|Atrophic native pancreas}{| without focal lesion}."),
	}
	if g.chance(0.5) {
		f = append(f, g.x("{The renal allograft in the left iliac fossa enhances normally|Renal allograft without hydronephrosis}."))
	}
	imp := []string{g.x("{Normal appearance of the pancreatic allograft|No CT evidence of graft thrombosis or collection|Patent graft vasculature}{|; no peri-graft collection}.")}
	if g.chance(0.3) {
		f = append(f, g.x("Mild peri-graft fat stranding and a small amount of fluid."))
		imp = append(imp, g.x("{Mild graft pancreatitis is possible|Findings could reflect mild graft pancreatitis}; {correlate with lipase|correlate clinically}."))
	}
	rep := &report{
		indication: []string{ind},
		technique:  []string{g.techniqueRoutine()},
		findings:   keys("pancreas", f...),
		impression: imp,
		ja:         []string{"膵移植後、移植膵に異常なし。"},
	}
	return g.assemble(rep, "pancreas", "kidneys", "vessels")
}

func pBenignCyst(g *gen) *report {
	s := g.site()
	size := g.cm(0.8, 5)
	var ind string
	var f, imp []string
	switch g.between(0, 4) {
	case 0: // mucinous cystic neoplasm without solid component
		ind = g.x("{Middle-aged woman|48F|52-year-old female|Woman} with {an incidental pancreatic cyst|left upper quadrant discomfort|a pancreatic tail cyst on ultrasound}.")
		f = []string{g.xf("{Unilocular|Thin-septated|Macrocystic} cystic lesion in the pancreatic {tail|body} measuring %s{| with peripheral eggshell calcification}, not communicating with the pancreatic duct.", size),
			g.x("{No enhancing solid component or mural nodule|No solid component|No mural nodule and no ductal dilatation}.")}
		imp = []string{g.x("{Cystic lesion most consistent with a mucinous cystic neoplasm|Likely mucinous cystic neoplasm} without {solid component|worrisome features}{|; EUS and surgical opinion suggested}.")}
	case 1: // VHL
		ind = g.x("{Von Hippel-Lindau disease|VHL syndrome}{, surveillance|, annual imaging}.")
		f = []string{g.x("{Multiple|Innumerable|Several} simple-appearing cysts throughout the pancreas{, the largest %CM|}."), g.x("{No hypervascular pancreatic lesion|No solid pancreatic lesion}."),
			g.x("{Bilateral simple renal cysts|Small bilateral renal cysts}{| without solid component}.")}
		f[0] = g.fill(f[0])
		imp = []string{g.x("{Multiple pancreatic cysts in keeping with VHL|VHL-related pancreatic cysts}; {no solid pancreatic lesion|no pancreatic neuroendocrine tumour}.")}
	case 2: // lymphoepithelial / simple / retention cyst
		ind = g.x("{Incidental pancreatic cyst on prior imaging|Follow-up pancreatic cyst|Abdominal pain}.")
		f = []string{g.xf("{Well-circumscribed|Simple-appearing|Thin-walled} {cyst|cystic lesion} in the pancreatic %s {measuring|of} %s{| without septation or solid component}{|, unchanged over %d years}.", s.en, size, g.between(2, 6))}
		imp = []string{g.x("{Simple-appearing pancreatic cyst|Small pancreatic cyst, likely a retention cyst|Likely lymphoepithelial cyst|Benign-appearing pancreatic cyst}{, stable|}{|; follow-up per ACR white paper}.")}
	case 3: // age-related atrophy and duct prominence
		ind = g.x("{Elderly patient with abdominal pain|Weight loss in an elderly patient|Follow-up of renal cyst|Abdominal pain}.")
		f = []string{g.x("{Diffuse|Age-appropriate} atrophy of the pancreas{| with fatty replacement}."),
			g.xf("The main pancreatic duct is {mildly prominent|minimally prominent} ({%s}), smoothly tapering {to the ampulla|}, without an obstructing lesion.", g.mm(3, 4)),
			g.x("{Scattered punctate calcifications|No calcifications}.")}
		imp = []string{g.x("{Age-related pancreatic atrophy|Mild prominence of the pancreatic duct, likely age-related}; no {pancreatic mass|obstructing lesion}.")}
	default: // bulky head, normal variant
		ind = g.routineIndication()
		f = []string{g.x("The pancreatic head {appears bulky|is prominent} but {enhances homogeneously|is of uniform attenuation} on all phases{| without a discrete mass}{| and the duct is not dilated}."),
			g.x("No {ductal dilatation|biliary dilatation} or peripancreatic stranding.")}
		imp = []string{g.x("{Prominent pancreatic head, likely a normal variant|Bulky pancreatic head without a focal lesion}; {no discrete mass|no mass}.")}
	}
	rep := &report{
		indication: []string{ind},
		technique:  []string{g.techniquePancreas()},
		findings:   keys("pancreas", f...),
		impression: imp,
		ja:         []string{g.pick("膵嚢胞、悪性所見なし。", "膵萎縮、腫瘤なし。")},
	}
	return g.assemble(rep, "pancreas")
}
