package synth

import "fmt"

// The words that decide a pancreas label, in as many of the forms real
// reports use as we know: names of the cancer, hedges, imaging signs,
// negations and treatments. Case types draw from here, so every case of a
// label meets the whole vocabulary of its cue.

// pdac names pancreatic ductal adenocarcinoma the ways reports do.
func (g *gen) pdac() string {
	if g.twin != nil {
		return g.pick(g.twin.names...)
	}
	switch g.st.dialect {
	case dialectJaEn:
		if g.chance(0.35) {
			return g.pick("pancreatic cancer", "invasive ductal carcinoma of the pancreas", "pancreatic ductal carcinoma", "pancreatic carcinoma", "PDAC", "pancreas cancer")
		}
	case dialectIndian:
		if g.chance(0.3) {
			return g.pick("carcinoma pancreas", "Ca pancreas", "pancreatic malignancy", "pancreatic neoplasm (carcinoma)", "malignant pancreatic neoplasm")
		}
	}
	return g.pickW([]string{
		"pancreatic adenocarcinoma", "pancreatic ductal adenocarcinoma", "pancreatic cancer", "pancreatic carcinoma",
		"PDAC", "adenocarcinoma of the pancreas", "pancreatic malignancy", "primary pancreatic adenocarcinoma", "pancreatic neoplasm (adenocarcinoma)",
		"pancreatic Ca", "Ca pancreas", "carcinoma of the pancreas", "ductal adenocarcinoma of the pancreas",
		"primary pancreatic malignancy", "pancreatic ductal carcinoma", "pancreatic ductal adenocarcinoma (PDAC)", "pancreatic adenoCA",
		"panc ca", "malignant pancreatic neoplasm", "adenocarcinoma of pancreas", "primary pancreatic carcinoma", "pancreas cancer",
		"invasive ductal carcinoma of the pancreas", "primary pancreatic neoplasm (adenocarcinoma)", "pancreatic cancer (PDAC)",
	}, []float64{5, 3, 3, 2, 2, 1.5, 0.8, 1, 0.3, 0.4, 0.3, 0.8, 0.5,
		0.8, 0.4, 0.5, 0.2, 0.2, 0.4, 0.3, 0.4, 0.3, 0.3, 0.2, 0.3})
}

// pdacAt names the cancer with its site ("pancreatic head adenocarcinoma").
func (g *gen) pdacAt(s pSite) string {
	if g.twin != nil {
		return g.pick(g.twin.names...)
	}
	switch g.between(0, 7) {
	case 0:
		return g.pf("pancreatic %s {adenocarcinoma|cancer|carcinoma|PDAC|ductal adenocarcinoma}", s.en)
	case 1:
		return g.pf("{adenocarcinoma|carcinoma|cancer|ductal adenocarcinoma} of the pancreatic %s", s.en)
	case 2:
		return g.pf("{carcinoma|adenocarcinoma|Ca} of the %s of {the |}pancreas", s.en)
	case 3:
		if s.en == "head" || s.en == "body" || s.en == "tail" {
			return g.pf("{Ca|carcinoma} %s of pancreas", s.en)
		}
		return g.pf("%s PDAC", s.en)
	default:
		return g.pdac()
	}
}

// pdacVariant is a histological variant of ductal adenocarcinoma (the guide
// counts them as pancreatic cancer).
func (g *gen) pdacVariant() string {
	return g.pick("adenosquamous carcinoma of the pancreas", "colloid (mucinous non-cystic) carcinoma of the pancreas",
		"undifferentiated carcinoma of the pancreas with osteoclast-like giant cells", "poorly differentiated pancreatic ductal adenocarcinoma",
		"moderately differentiated pancreatic ductal adenocarcinoma", "well-differentiated pancreatic adenocarcinoma",
		"signet-ring cell variant of pancreatic adenocarcinoma", "pancreatic adenocarcinoma (KRAS G12D)", "pancreatic adenocarcinoma, BRCA2-associated")
}

// malignantInContext is a cancer word that names pancreatic cancer only
// because the sentence is about a pancreatic mass ("concerning for
// malignancy").
func (g *gen) malignantInContext() string {
	return g.pick("malignancy", "primary pancreatic malignancy", "a primary pancreatic neoplasm", "a malignant neoplasm",
		"neoplasm, most likely ductal adenocarcinoma", "primary pancreatic carcinoma", "malignancy (adenocarcinoma)", "a pancreatic primary")
}

// hedge is a phrase that, before a cancer term, makes it the leading
// diagnosis (every hedge the guide lists, and their everyday relatives).
func (g *gen) hedge() string {
	switch g.st.dialect {
	case dialectJaEn:
		if g.chance(0.4) {
			return g.pick("suspicious of", "suggesting", "s/o", "considered to be", "compatible with", "suspected to be", "probably")
		}
	case dialectIndian:
		if g.chance(0.4) {
			return g.pick("s/o", "suggestive of", "likely", "most likely", "likely to be")
		}
	case dialectGerman:
		if g.chance(0.4) {
			return g.pick("suspicious for", "highly suspicious of", "in the sense of", "most likely", "consistent with", "with suspicion of")
		}
	}
	return g.pickW([]string{"suspicious for", "highly suspicious for", "concerning for", "worrisome for", "consistent with",
		"compatible with", "in keeping with", "most consistent with", "most likely", "likely", "probably",
		"characteristic of", "typical of", "suggestive of", "highly suggestive of", "most compatible with",
		"strongly suggestive of", "representing", "favoured to represent", "most in keeping with", "diagnostic of",
		"highly concerning for", "worrying for", "raising concern for", "most suggestive of", "likely representing",
		"most likely representing", "in favour of", "favouring", "suspected to represent", "with features of",
		"typical for", "highly likely to represent", "presumably", "probably representing", "c/w", "strongly favouring",
	}, []float64{4, 2, 4, 1, 3, 2, 2, 1.5, 1.5, 2, 0.8, 0.6, 0.8, 1, 0.6, 0.5, 0.5, 0.6, 0.5, 0.5, 0.3,
		0.6, 0.3, 0.4, 0.4, 0.6, 0.5, 0.3, 0.3, 0.4, 0.3, 0.3, 0.3, 0.2, 0.3, 0.3, 0.2})
}

func (g *gen) hypo() string {
	if g.st.dialect == dialectJaEn && g.chance(0.3) {
		return g.pick("low density", "hypovascular", "poorly enhanced", "low-density")
	}
	return g.pick("hypoattenuating", "hypoenhancing", "hypodense", "low-attenuation", "poorly enhancing",
		"hypovascular", "ill-defined hypoattenuating", "infiltrative hypoenhancing", "ill-defined hypodense",
		"heterogeneously hypoenhancing", "irregular hypoattenuating", "poorly marginated hypoenhancing",
		"relatively hypoenhancing", "hypoattenuating, infiltrative", "ill-defined, hypovascular", "low-density",
		"faintly enhancing", "irregular hypoenhancing")
}

func (g *gen) massWord() string {
	switch g.st.dialect {
	case dialectJaEn:
		if g.chance(0.4) {
			return g.pick("mass lesion", "tumor", "SOL", "low density area (LDA)", "tumorous lesion")
		}
	case dialectIndian:
		if g.chance(0.4) {
			return g.pick("SOL", "space-occupying lesion", "mass lesion", "soft tissue density mass")
		}
	}
	return g.pickW([]string{"mass", "lesion", "solid mass", "tumor", "soft tissue mass", "focal mass", "mass lesion", "tumour mass", "solid lesion", "infiltrative mass"},
		[]float64{5, 3, 2, 1, 1, 1, 0.7, 0.3, 0.8, 0.6})
}

// massSentence describes a pancreatic adenocarcinoma-like mass.
func (g *gen) massSentence(s pSite, size string) string {
	where := g.pick("pancreatic "+s.en, s.en+" of the pancreas", s.en+" of pancreas", "pancreas "+s.en)
	switch g.st.dialect {
	case dialectJaEn:
		if g.chance(0.5) {
			return g.xf("{A |}%s %s {of %s in size |measuring %s |}is {seen|pointed out|observed|recognized} {in|at} {the |}%s.", g.hypo(), g.massWord(), size, size, where)
		}
	case dialectIndian:
		if g.chance(0.5) {
			return g.xf("{A |An |}{ill-defined |irregular |}{hypodense|heterogeneously enhancing hypodense|hypoenhancing} %s {measuring|of size|approx.} %s is {seen|noted} {in|involving} the %s{| with loss of fat planes}.", g.massWord(), size, where)
		}
	case dialectGerman:
		if g.chance(0.5) {
			return g.xf("{Hypodense|Hypovascular|Poorly demarcated, hypodense} {lesion|mass} {in the|of the} %s {measuring|of} %s{| with infiltration of the peripancreatic fat}.", where, size)
		}
	}
	switch g.between(0, 7) {
	case 0, 1, 2:
		verb := g.pick("is seen ", "is noted ", "is present ", "is identified ", "")
		lead := g.pick("A", "An", "Redemonstrated", "New")
		if verb == "" {
			lead = g.pick("There is a", "There is an", "Interval development of a", "Redemonstrated", "New", "A")
		}
		return g.xf("%s %s %s %s{in|within|arising from|centred in} the %s {measuring|which measures|of approximately|,} %s{| in maximal dimension| in axial dimension| (series 3, image %d)}.",
			lead, g.hypo(), g.massWord(), verb, where, size, g.between(20, 140))
	case 3:
		return g.xf("In the %s there is {a|an} %s %s {of|measuring} %s{| with indistinct margins| with ill-defined margins| infiltrating the peripancreatic fat| extending to the peripancreatic fat}.", where, g.hypo(), g.massWord(), size)
	case 4:
		return g.xf("{An |A |}{ill-defined|poorly marginated|irregular|infiltrative} {hypoenhancing|hypoattenuating|hypovascular} {mass|lesion|tumour} {centred on|at|involving} the %s, %s{, best seen on the pancreatic phase|, relatively hypoenhancing compared with the background parenchyma|, less conspicuous on the portal venous phase|}.", where, size)
	case 5:
		return g.xf("{Focal|Relative|Ill-defined} {hypoattenuation|hypoenhancement} {in|of} the %s measuring %s{| with loss of the normal fatty lobulation}{|, most conspicuous on the pancreatic phase}{|, corresponding to a mass}.", where, size)
	case 6:
		return g.xf("The %s is {expanded|replaced|expanded and replaced} by {an infiltrative|a|an ill-defined} {hypoenhancing|hypodense|hypoattenuating} {soft tissue mass|tumour|mass} ({approximately |}%s).", where, size)
	default:
		return g.xf("%s {hypoattenuating|hypoenhancing|hypodense} {mass|lesion} {in|at} the %s{| (%s)}{| with upstream pancreatic duct dilatation}.", capFirst(size), where, g.imageRef())
	}
}

// imageRef is a series/image reference as PACS users write it.
func (g *gen) imageRef() string {
	se, im := g.between(2, 9), g.between(12, 260)
	return g.pick(fmt.Sprintf("series %d, image %d", se, im), fmt.Sprintf("se %d im %d", se, im), fmt.Sprintf("image %d/%d", im, im+g.between(20, 200)),
		fmt.Sprintf("%d:%d", se, im), fmt.Sprintf("S%d I%d", se, im), fmt.Sprintf("image %d of series %d", im, se), fmt.Sprintf("img %d", im), fmt.Sprintf("#%d", im))
}

// ductSigns are the indirect signs of a ductal adenocarcinoma.
func (g *gen) ductSigns(s pSite) []string {
	var out []string
	if g.chance(0.7) {
		out = append(out, g.pick(
			g.xf("{{Upstream|Upstream main|Main} pancreatic duct {dilatation|dilation} to %s|Abrupt cut-off of the main pancreatic duct with upstream dilatation to %s}{| and atrophy of the {body and tail|distal gland|upstream parenchyma}}.", g.mm(4, 11), g.mm(4, 11)),
			g.xf("The main pancreatic duct is {dilated|abruptly cut off} {at the level of the mass|at the mass} {and measures|with upstream dilatation to} %s{| in the body}.", g.mm(4, 12)),
			g.xf("{Abrupt duct cut-off|Abrupt termination of the pancreatic duct|Interrupted duct sign} at the %s with {upstream ductal dilatation|a dilated upstream duct} ({%s|%s}){| and parenchymal atrophy}.", s.en, g.mm(4, 12), g.mm(4, 12)),
			g.xf("{Dilatation of MPD|MPD dilatation} ({%s}) {distal to|upstream of} the {lesion|tumor} {is seen|is also seen|}{| with atrophy of the pancreatic parenchyma}.", g.mm(4, 10)),
		))
	}
	if s.head && g.chance(0.7) {
		out = append(out, g.pick(
			g.xf("{Dilated common bile duct|Common bile duct dilatation|The common bile duct is dilated} {to|measuring} %s{| with intrahepatic biliary ductal dilatation| and abrupt tapering at the level of the mass}{|, the double duct sign}.", g.mm(10, 19)),
			g.xf("{Double duct sign|\"Double duct\" sign|Double-duct sign}: {CBD|common bile duct} %s and {MPD|pancreatic duct} %s{, both abruptly cut off at the mass|, obstructed by the head lesion|}.", g.mm(10, 19), g.mm(5, 11)),
			g.xf("{Intra- and extrahepatic biliary dilatation|Marked biliary dilatation} {with the CBD measuring|, CBD} %s, {abruptly terminating|with abrupt termination} at the {obstructing |}{head lesion|level of the pancreatic head mass}.", g.mm(11, 20)),
		))
	}
	if g.chance(0.25) {
		out = append(out, g.x("{Loss of the normal lobulation|Focal contour deformity|Focal contour bulge} of the adjacent pancreas."))
	}
	if g.chance(0.12) {
		out = append(out, g.x("{Soft tissue stranding extends along the {celiac|coeliac} plexus and SMA, suggesting perineural spread|Infiltration of the peripancreatic fat|Soft tissue extension into the retroperitoneal fat|The splenic vein is {narrowed|occluded} at the level of the mass with {perigastric|short gastric} collaterals}."))
	}
	return out
}

// negatedCancer denies a pancreatic cancer outright.
func (g *gen) negatedCancer() string {
	switch g.st.dialect {
	case dialectJaEn:
		if g.chance(0.5) {
			return g.x("{There is no obvious {mass|tumor|mass lesion} in the pancreas|No apparent pancreatic {tumor|mass} is seen|No obvious findings suggesting pancreatic cancer|Pancreatic cancer is not evident|No LDA in the pancreas|No obvious tumorous lesion is pointed out in the pancreas}.")
		}
	case dialectIndian:
		if g.chance(0.5) {
			return g.x("{No obvious pancreatic SOL|No focal pancreatic SOL is seen|No evidence of pancreatic mass lesion|No obvious pancreatic mass or ductal dilatation}.")
		}
	case dialectGerman:
		if g.chance(0.5) {
			return g.x("{No evidence of a pancreatic mass|No indication of a pancreatic malignancy|No evidence of a tumour of the pancreas|No suspicious pancreatic lesion}.")
		}
	case dialectAus:
		if g.chance(0.4) {
			return g.x("{Nil pancreatic mass|No pancreatic mass identified|Nil focal pancreatic lesion}.")
		}
	}
	return g.x("{No {pancreatic mass|focal pancreatic mass|pancreatic lesion|discrete pancreatic mass|CT evidence of pancreatic malignancy|evidence of pancreatic cancer|evidence of a pancreatic neoplasm|pancreatic ductal dilatation or mass|focal pancreatic lesion} {is seen|is identified|is demonstrated|}" +
		"|Pancreatic cancer is not seen|There is no pancreatic mass|No findings to suggest pancreatic {cancer|malignancy|adenocarcinoma}|No evidence of pancreatic {malignancy|cancer}" +
		"|Negative for pancreatic mass|A pancreatic mass is not identified|No CT findings of pancreatic carcinoma|Pancreatic adenocarcinoma is not demonstrated" +
		"|No imaging evidence of pancreatic adenocarcinoma|No discrete mass to suggest malignancy|Pancreatic malignancy is not identified|No pancreatic mass or ductal cut-off to suggest an occult neoplasm" +
		"|The pancreas shows no focal abnormality|PDAC is not seen|No double duct sign or pancreatic mass|No hypoenhancing pancreatic lesion|Without evidence of a pancreatic mass" +
		"|No mass is seen in the pancreas|No suspicious pancreatic lesion|No solid pancreatic lesion}.")
}

// ---- treatments ----

func (g *gen) cycles() string {
	return fmt.Sprintf("%d", g.between(2, 12))
}

// chemo names a regimen used for pancreatic cancer, in the forms orders,
// notes and reports use.
func (g *gen) chemo() string {
	if g.st.dialect == dialectJaEn && g.chance(0.4) {
		return g.pick("GnP", "GEM+nab-PTX", "GEM", "S-1", "GS (gemcitabine + S-1)", "FOLFIRINOX", "mFOLFIRINOX", "GEM/nab-PTX", "nal-IRI+5-FU/LV")
	}
	return g.pickW([]string{"FOLFIRINOX", "modified FOLFIRINOX", "mFOLFIRINOX", "gemcitabine and nab-paclitaxel", "gemcitabine/nab-paclitaxel",
		"gemcitabine/Abraxane", "gemcitabine", "gemcitabine and capecitabine", "NALIRIFOX", "S-1", "nal-IRI/5-FU", "gemcitabine plus cisplatin",
		"FFX", "mFFX", "GnP", "Gem/nab-P", "gem-nab", "gemcitabine-nab-paclitaxel", "single-agent gemcitabine", "GEMCAP",
		"liposomal irinotecan with 5-FU/leucovorin", "nal-IRI/5-FU/LV", "gemcitabine monotherapy", "gemcitabine + nab-paclitaxel",
		"FOLFOX", "OFF (oxaliplatin, folinic acid, 5-FU)", "5-FU/leucovorin", "capecitabine", "gemcitabine and erlotinib", "gemcitabine/S-1"},
		[]float64{4, 2, 1.5, 3, 2, 1.5, 2, 1, 1, 1, 0.7, 0.5,
			0.5, 0.4, 1, 0.5, 0.3, 0.3, 0.5, 0.4,
			0.4, 0.4, 0.3, 0.6,
			0.3, 0.2, 0.3, 0.3, 0.2, 0.3})
}

// secondLine is a later-line or maintenance treatment.
func (g *gen) secondLine() string {
	return g.pick("second-line nal-IRI/5-FU", "second-line gemcitabine/nab-paclitaxel", "second-line FOLFOX", "second-line liposomal irinotecan and 5-FU",
		"maintenance olaparib", "olaparib maintenance (germline BRCA2)", "maintenance capecitabine", "maintenance 5-FU/leucovorin",
		"third-line FOLFIRI", "pembrolizumab (MSI-high)", "a KRAS inhibitor on a clinical trial", "second-line mFOLFIRINOX", "maintenance FOLFIRI")
}

// chemoCourse is where a patient is in a course of chemotherapy that has
// been given ("cycle 4 of mFOLFIRINOX", "after 6 cycles of GnP").
func (g *gen) chemoCourse(rx string) string {
	c := g.between(2, 12)
	switch g.between(0, 13) {
	case 0:
		return g.pf("on %s", rx)
	case 1:
		return g.pf("on {first-line|palliative|first line|1st line} %s", rx)
	case 2:
		return g.pf("{cycle %d of|C%dD1|C%dD15 of} %s", c, c, c, rx)
	case 3:
		return g.pf("after %d cycles of %s", c, rx)
	case 4:
		return g.pf("{s/p|status post|post} %d cycles {of |}%s", c, rx)
	case 5:
		return g.pf("{completed|having completed} %d cycles of %s %s", c, rx, g.monthsAgo())
	case 6:
		return g.pf("%s {x %d cycles|x%d|× %d}", rx, c, c, c)
	case 7:
		return g.pf("currently receiving %s (cycle %d)", rx, c)
	case 8:
		return g.pf("on %s since %s", rx, g.date())
	case 9:
		return g.pf("{on|receiving} %s, last dose %s", rx, g.date())
	case 10:
		return g.pf("{switched to|now on} %s after progression on %s", g.secondLine(), rx)
	case 11:
		return g.pf("on a treatment break after %d cycles of %s", c, rx)
	case 12:
		return g.pf("on %s{, dose-reduced for neutropenia|, dose-reduced|, delayed for toxicity}", rx)
	default:
		return g.pf("post-%s", rx)
	}
}

func (g *gen) surgery(s pSite) (en, ja string) {
	if g.st.dialect == dialectJaEn && g.chance(0.35) {
		if s.head {
			return g.pick("PD", "SSPPD", "PPPD", "pancreaticoduodenectomy (PD)", "SSPPD (subtotal stomach-preserving pancreaticoduodenectomy)"), "膵頭十二指腸切除術"
		}
		return g.pick("DP", "distal pancreatectomy (DP)", "DP-CAR", "TP"), "膵体尾部切除術"
	}
	if s.head {
		return g.pickW([]string{"Whipple procedure", "Whipple", "pancreaticoduodenectomy", "pylorus-preserving pancreaticoduodenectomy", "PPPD", "Whipple resection", "total pancreatectomy",
			"classic Whipple", "robotic Whipple", "laparoscopic pancreaticoduodenectomy", "Whipple with SMV resection and reconstruction", "pancreaticoduodenectomy with portal vein resection", "PD", "Whipple's procedure", "pancreatoduodenectomy"},
			[]float64{4, 3, 3, 1.5, 0.8, 1, 0.7, 0.4, 0.4, 0.3, 0.4, 0.3, 0.3, 0.4, 0.3}), "膵頭十二指腸切除術"
	}
	if s.en == "neck" && g.chance(0.4) {
		return g.pick("total pancreatectomy", "extended distal pancreatectomy", "total pancreatectomy and splenectomy"), "膵切除術"
	}
	return g.pick("distal pancreatectomy", "distal pancreatectomy and splenectomy", "distal pancreatosplenectomy", "laparoscopic distal pancreatectomy",
		"RAMPS (radical antegrade modular pancreatosplenectomy)", "robotic distal pancreatectomy", "DP-CAR (distal pancreatectomy with celiac axis resection)",
		"modified Appleby procedure", "distal pancreatectomy with splenectomy", "spleen-preserving distal pancreatectomy"), "膵体尾部切除術"
}

// postOp says a resection was done, in the forms indications use
// ("post-Whipple", "following distal pancreatectomy and splenectomy").
func (g *gen) postOp(op string) string {
	return g.pf("{s/p|status post|post|post-|after|following|S/P|status-post|Post} %s", op)
}

// radiationRx is a radiation treatment of the pancreas.
func (g *gen) radiationRx() string {
	return g.pick("SBRT", "stereotactic body radiation therapy", "chemoradiation with capecitabine", "chemoradiotherapy", "concurrent chemoradiation with 5-FU",
		"radiotherapy (50.4 Gy)", "IMRT", "proton therapy", "radiation therapy", "chemoradiation", "SBRT (33 Gy in 5 fractions)", "SBRT 40 Gy/5 fx",
		"stereotactic ablative radiotherapy (SABR)", "CRT", "chemoRT", "capecitabine-based chemoradiotherapy (50.4 Gy/28 fractions)",
		"MR-guided adaptive SBRT", "carbon-ion radiotherapy", "consolidative chemoradiation", "radiotherapy to the pancreatic bed")
}

// ablationRx is a local ablative treatment of the pancreas.
func (g *gen) ablationRx() string {
	return g.pick("irreversible electroporation (IRE)", "IRE", "radiofrequency ablation", "EUS-guided radiofrequency ablation", "microwave ablation",
		"HIFU ablation", "NanoKnife IRE", "percutaneous IRE", "open IRE", "cryoablation", "EUS-RFA", "MWA")
}

// suspectImp writes an impression that makes a (hedged) pancreatic cancer
// the leading diagnosis, in the dialect of the report.
func (g *gen) suspectImp(subject, dx string) string {
	switch g.st.dialect {
	case dialectJaEn:
		if g.chance(0.6) {
			return g.pick(
				g.pf("%s. %s is suspected.", capFirst(subject), capFirst(dx)),
				g.pf("%s, %s is suspected.", capFirst(subject), dx),
				g.pf("%s: s/o %s.", capFirst(subject), dx),
				g.pf("%s. {At first, |First of all, |}%s is considered.", capFirst(subject), dx),
				g.pf("%s. %s is {most likely|considered most likely}.", capFirst(subject), capFirst(dx)),
			)
		}
	case dialectGerman:
		if g.chance(0.6) {
			return g.pick(
				g.pf("%s, highly suspicious for %s.", capFirst(subject), dx),
				g.pf("Suspicion of %s ({%s}).", dx, subject),
				g.pf("%s in the sense of %s.", capFirst(subject), dx),
				g.pf("%s, most likely %s (differential diagnosis: neuroendocrine tumour).", capFirst(subject), dx),
			)
		}
	case dialectIndian:
		if g.chance(0.6) {
			return g.pick(
				g.pf("%s - s/o %s.", capFirst(subject), dx),
				g.pf("Features are s/o %s ({%s}).", dx, subject),
				g.pf("%s - likely %s. Suggested HPE correlation.", capFirst(subject), dx),
				g.pf("{Imaging features are|Features are} suggestive of %s ({%s}).", dx, subject),
			)
		}
	}
	return g.pick(
		g.pf("%s, %s %s.", capFirst(subject), g.hedge(), dx),
		g.pf("%s {%s|%s} %s.", capFirst(subject), g.hedge(), g.hedge(), dx),
		g.pf("%s — %s until proven otherwise.", capFirst(subject), dx),
		g.pf("%s. {Findings are|Appearances are|This is} %s %s.", capFirst(subject), g.hedge(), dx),
		g.pf("%s; {the imaging features are|features are} {typical of|those of|most in keeping with} %s.", capFirst(subject), dx),
		g.pf("%s, {most likely|in all likelihood|probably} %s.", capFirst(subject), dx),
	)
}
