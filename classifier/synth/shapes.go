package synth

import (
	"fmt"
	"regexp"
	"strings"
)

// Parts of real reports that carry no label of their own: technique
// paragraphs, comparison paragraphs about outside studies, recommendation
// sections, critical-result communication, addenda. Every label's reports
// draw them alike.

var surnames = []string{"Smith", "Tanaka", "Müller", "Sharma", "Nguyen", "O'Brien", "Patel", "Suzuki", "Schmidt", "Kumar", "Chen",
	"García", "Rossi", "Walker", "Kim", "Yamamoto", "Fischer", "Iyer", "Murphy", "Nakamura", "Wagner", "Reddy", "Taylor", "Sato",
	"Brown", "Lee", "Kowalski", "Dubois", "Okafor", "Hughes", "Watanabe", "Becker", "Singh", "Martin", "Ito", "Jones", "Wilson"}

func (g *gen) doctor() string {
	return g.pf("{Dr|Dr.|Dr.|Doctor} %s", g.pick(surnames...))
}

func (g *gen) clock() string {
	h, m := g.between(0, 23), g.between(0, 59)
	switch g.between(0, 4) {
	case 0:
		return fmt.Sprintf("%02d%02d hrs", h, m)
	case 1:
		hh := h % 12
		if hh == 0 {
			hh = 12
		}
		ap := "am"
		if h >= 12 {
			ap = "pm"
		}
		return fmt.Sprintf("%d:%02d %s", hh, m, ap)
	default:
		return fmt.Sprintf("%02d:%02d", h, m)
	}
}

func (g *gen) service() string {
	return g.pick("surgery", "HPB surgery", "oncology", "gastroenterology", "the ED", "internal medicine", "general surgery", "the ward team", "urology", "hepatology", "the admitting team")
}

// longTechnique is the technique paragraph of a long report.
func (g *gen) longTechnique() []string {
	out := []string{g.xf("{Axial images were acquired at {0.625|1|1.25|2.5|3|5} mm {slice thickness|collimation} with {coronal and sagittal|multiplanar} reformats.|Thin-section axial acquisition with coronal and sagittal MPR.|Helical acquisition from the diaphragm to the symphysis pubis.}")}
	if g.chance(0.6) {
		out = append(out, g.xf("{Contrast|IV contrast}: {%d|%d} mL {Omnipaque 350|Omnipaque 300|iohexol 350|Iopamiro 370|Ultravist 370|Visipaque 320} {at %d mL/s|via a right antecubital cannula|without adverse reaction}.", g.between(60, 130), g.between(80, 120), g.between(3, 5)))
	}
	if g.chance(0.5) {
		out = append(out, g.xf("{Dose reduction techniques including automated exposure control and iterative reconstruction were used.|DLP %d mGy·cm; CTDIvol %d mGy.|Radiation dose: DLP %d mGy*cm.}", g.between(300, 1400), g.between(5, 20), g.between(300, 1400)))
	}
	if g.chance(0.3) {
		out = append(out, g.x("{eGFR {55|62|74|88|>60} mL/min/1.73m2.|Creatinine checked prior to contrast.|Oral contrast {was|was not} administered.}"))
	}
	return out
}

// comparisonParagraph is a comparison section that refers to outside or
// several prior studies.
func (g *gen) comparisonParagraph() string {
	if g.st.dialect == dialectJaEn && g.chance(0.5) {
		return g.pf("{Previous CT|Prior CT|CT} ({%s}){| and MRI (%s)}.", g.jaDate(), g.jaDate())
	}
	hosp := g.pick("St Mary's Hospital", "an outside institution", "the referring hospital", "Memorial Regional", "the district general hospital", "a private imaging centre", "City General", "the university hospital", "an outside facility")
	return g.pick(
		g.xf("{Outside|External} CT {abdomen and pelvis|chest, abdomen and pelvis|abdomen} from %s dated %s{, images uploaded to PACS and reviewed|, images imported and reviewed|}.", hosp, g.date()),
		g.xf("CT performed at %s on %s (report only; images not available for direct comparison).", hosp, g.date()),
		g.xf("Multiple prior studies, most recently {CT|MRI|PET/CT} {of|dated|from} %s.", g.date()),
		g.xf("Compared with {PET/CT|CT} %s and {MRI|MRCP|ultrasound} %s.", g.date(), g.date()),
		g.xf("{Ultrasound|Outside ultrasound} %s{ (report)|}; no prior cross-sectional imaging.", g.date()),
		g.xf("{CT abdomen/pelvis|CT A/P} {%s|of %s}{ and %s|}.", g.date(), g.date(), g.date()),
	)
}

func (g *gen) jaDate() string {
	return fmt.Sprintf("%d/%02d/%02d", g.between(2015, 2025), g.between(1, 12), g.between(1, 28))
}

// compareFinding opens the findings with the comparison, as many reports do
// (it survives extraction, unlike a comparison section).
func (g *gen) compareFinding() string {
	switch g.st.dialect {
	case dialectJaEn:
		return g.pf("{Compared with|Compared to} the previous CT ({%s}){|, the following findings are noted}.", g.jaDate())
	case dialectGerman:
		return g.pf("{In comparison with|Compared with} the {previous examination|prior CT} of %s:", g.date())
	}
	return g.pick(
		g.xf("{Comparison is made with|Compared with|Comparison:} the {outside|prior|previous} {CT|study|examination} {of|dated|from} %s.", g.date()),
		g.xf("{Since|Compared to} the {prior|previous} CT {of|from} %s:", g.date()),
		g.x("No prior imaging is available for comparison."),
		g.xf("The outside study of %s was reviewed for comparison.", g.date()),
	)
}

// communicationLine records that the result was passed on.
func (g *gen) communicationLine() string {
	if g.st.dialect == dialectJaEn && g.chance(0.5) {
		return g.pf("{Reported to|Informed} %s {by phone|by telephone} {at %s|}.", g.doctor(), g.clock())
	}
	return g.pick(
		g.pf("Findings discussed with %s (%s) by telephone at %s on %s.", g.doctor(), g.service(), g.clock(), g.date()),
		g.pf("These results were communicated to %s at %s on %s{ with read-back confirmation|}.", g.doctor(), g.clock(), g.date()),
		g.pf("{Urgent|Significant|Unexpected} finding communicated to the referring clinician, %s, at %s.", g.doctor(), g.clock()),
		g.pf("{Urgent result notification sent via the RIS|Result flagged as significant in the RIS} {at %s|}.", g.clock()),
		g.pf("Discussed with the on-call {surgical|medical} {registrar|resident} at %s.", g.clock()),
		g.pf("{The|These} findings were {discussed with|conveyed to} %s {on %s|at %s}.", g.doctor(), g.date(), g.clock()),
	)
}

// genericAddendum is an addendum that changes nothing that decides a label.
func (g *gen) genericAddendum() string {
	return g.pick(
		g.xf("{Outside|The outside} CT from %s has now been reviewed{; the findings are unchanged and the impression stands|. No change to the conclusion}.", g.date()),
		g.xf("Correction: the {left|right} {adrenal nodule|renal cyst} measures %s, not %s.", g.mm(8, 20), g.mm(8, 20)),
		g.xf("Findings discussed with %s on %s.", g.doctor(), g.date()),
		g.x("The images were reviewed at the multidisciplinary meeting; no change to the report."),
		g.x("Dictation error corrected: \"{left|right} kidney\" in the findings should read \"{right|left} kidney\"."),
		g.x("{Additional comment: |}Please note the incidental findings above for follow-up by the primary care physician."),
		g.xf("Report reviewed and verified by %s.", g.doctor()),
	)
}

// addendumHead is how an addendum starts.
func (g *gen) addendumHead() string {
	return g.pf("{ADDENDUM|Addendum|ADDENDUM|*** ADDENDUM ***|Addendum (%s)|ADDENDUM by %s|Addendum report}:", g.date(), g.doctor())
}

// recHeads name a recommendation section.
func (g *gen) recHead() string {
	switch g.st.dialect {
	case dialectIndian:
		return g.pick("Adv", "Advice", "Suggested", "RECOMMENDATION")
	case dialectJaEn:
		return g.pick("Recommendation", "Comment", "Plan")
	case dialectAus:
		return g.pick("Comment", "Recommendation", "COMMENT")
	}
	h := g.pick("Recommendation", "Recommendations", "Recommendation(s)", "Plan", "Suggestion", "Follow-up recommendation")
	if g.st.upperHead {
		h = strings.ToUpper(h)
	}
	return h
}

// genericRec is a closing recommendation any report may carry.
func (g *gen) genericRec() string {
	switch g.st.dialect {
	case dialectIndian:
		return g.pick("Kindly correlate clinically.", "Suggested clinical correlation.", "Please correlate clinically and with relevant investigations.", "Kindly correlate with clinical findings and lab parameters.")
	case dialectJaEn:
		return g.pick("Follow-up is recommended.", "Further examination is recommended.", "Clinical correlation is recommended.", "Careful follow-up is recommended.")
	case dialectAus:
		return g.pick("Clinical correlation suggested.", "Nil else of note.", "Suggest correlation with clinical findings.")
	case dialectGerman:
		return g.pick("Clinical correlation recommended.", "Further clarification as clinically indicated.", "Follow-up as clinically indicated.")
	}
	return g.pick("Clinical correlation is recommended.", "Follow-up as clinically indicated.", "Correlate clinically.", "Recommend correlation with clinical and laboratory findings.", "No further imaging is required from this study.")
}

// recRe finds impression items that are recommendations, which a report
// may instead put in a section of their own.
var recRe = regexp.MustCompile(`^(Recommend|Suggest|Consider|If clinical|Follow-up|Follow up|Tissue (diagnosis|sampling)|Refer|For MDT|Further|Kindly|Please|Continue surveillance|Routine surveillance|Short-interval|EUS)`)
