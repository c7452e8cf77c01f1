package synth

import (
	"fmt"
	"strings"
	"unicode"
)

// Why a CT was done, when the reason has nothing to do with the pancreas.
// Patients of every class come in with these: a man on chemotherapy for
// pancreatic cancer falls and breaks ribs, a woman awaiting her Whipple has a
// PE, a patient with a normal pancreas has diverticulitis. Before this pool
// each case type listed its own complaints, so some of them belonged to one
// label only: in a 30,000-report corpus "pulmonary embolism" appeared only
// in treated cancers, "abscess" and "iron deficiency" only in label 0, a
// trauma scan never in a treated cancer. A model learnt the reason for the
// scan as the answer. Every case type that sees a patient for an unrelated
// problem draws it here, whatever its label (TestPresentationCarriesNoLabel).

type presentation struct {
	marker string // a phrase every expansion of main contains (for the test)
	region string // "abdomen", "chest" or "trauma": which CT was done
	organs []string
	ind    []string // indication templates
	main   string   // the finding that answers the clinical question
	imp    string   // impression template; "" repeats main
}

var presentations = []presentation{
	{"pulmonary embol", "chest", []string{"lungs", "vessels"},
		[]string{"{Shortness of breath|Pleuritic chest pain|Dyspnoea and tachycardia|Sudden breathlessness}{, ? PE|, D-dimer raised|, rule out pulmonary embolism|}.", "? PE{|, hypoxic|, tachycardic}."},
		"{Acute|Bilateral|Acute bilateral} pulmonary {emboli|embolism} {in the lower lobe segmental arteries|in the right main and lobar pulmonary arteries|in the left lower lobe subsegmental arteries}{| without CT evidence of right heart strain|; the RV/LV ratio is below 1}.",
		"{Acute|Bilateral} pulmonary {emboli|embolism}{| without right heart strain}."},
	{"consolidation", "chest", []string{"lungs"},
		[]string{"{Fever and cough|Productive cough and fever|Cough, raised CRP}{|, ? pneumonia|, ? source of sepsis}."},
		"{Right|Left} lower lobe consolidation {with air bronchograms|with a small parapneumonic effusion|and volume loss}, {consistent with|in keeping with|suggestive of} pneumonia.",
		"{Lower lobe pneumonia|Pneumonia, as above}{| with a small parapneumonic effusion}."},
	{"ribs", "trauma", []string{"bones", "lungs"},
		[]string{"{Fall from standing|Fall down stairs|Pedestrian struck by a car|Motor vehicle collision|Fall, right-sided rib pain|Trauma call}{|, assess for injury|. GCS 15}."},
		"{Non-displaced|Minimally displaced|Acute} fractures of the {left|right} {5th to 7th|6th and 7th|8th and 9th|4th to 6th} ribs{| laterally| anterolaterally}{| with a small haemothorax|, no pneumothorax| and a small pneumothorax}.",
		"{Acute rib fractures|Rib fractures, as described}{| without solid organ injury|; no other traumatic injury}."},
	{"fracture of the", "trauma", []string{"bones", "pelvis"},
		[]string{"{Fall, hip pain|Fall, unable to weight bear|Fall at home, groin pain}{|, X-ray equivocal}."},
		"{Impacted|Minimally displaced|Comminuted} fracture of the {left|right} {femoral neck|superior pubic ramus|inferior pubic ramus|intertrochanteric femur}{| with a small haematoma}.",
		""},
	{"compression fracture", "abdomen", []string{"bones"},
		[]string{"{Back pain after lifting|Acute back pain|Back pain after a fall}{|, ? fracture}."},
		"Acute {L1|T12|L2|L3} compression fracture with {20|30|40}% height loss{| and no retropulsion| of osteoporotic appearance}.",
		""},
	{"ureter", "abdomen", []string{"kidneys"},
		[]string{"{Left|Right} flank pain{|, haematuria|, ? renal colic|, ? stone}."},
		"{An obstructing|A} %MMSTONE calculus in the {left|right} {proximal|mid|distal} ureter with {mild|moderate} hydronephrosis.",
		""},
	{"pyelonephritis", "abdomen", []string{"kidneys"},
		[]string{"{Fever, dysuria and loin pain|Urosepsis|Fever and {left|right} loin pain}{|, ? collection}."},
		"Striated nephrogram of the {left|right} kidney with perinephric stranding, {consistent with|in keeping with} pyelonephritis{|; no renal abscess}.",
		"{Pyelonephritis|Acute pyelonephritis}{| without abscess}."},
	{"append", "abdomen", []string{"bowel"},
		[]string{"{Right lower quadrant pain|RLQ pain|Right iliac fossa pain}{, ? appendicitis|, rule out appendicitis|, raised WCC}."},
		"{Acute appendicitis with an appendicolith|The appendix is dilated to {10|11|13} mm with periappendiceal stranding, acute appendicitis}{| without perforation| with a small periappendiceal abscess}.",
		""},
	{"diverticulitis", "abdomen", []string{"bowel", "peritoneum"},
		[]string{"{LLQ pain and fever|Left iliac fossa pain, ? diverticulitis|Left lower quadrant pain, raised CRP}."},
		"Acute sigmoid diverticulitis {with a %CMSHORT pericolic abscess|with pericolic fat stranding|without perforation or abscess}.",
		"Acute sigmoid diverticulitis{| — the collection is amenable to percutaneous drainage| — the collection is too small to drain}."},
	{"abscess", "abdomen", []string{"liver"},
		[]string{"{Fever and rigors|Fever, right upper quadrant pain|Sepsis, raised inflammatory markers}{|, ? collection|, ? source}."},
		"{A|There is a} %CMSHORT rim-enhancing {multiloculated |}collection in {the right hepatic lobe|segment 6|segment 7|segment 4} {with an air-fluid level|with surrounding oedema|}, {consistent with|suspicious for} a liver abscess.",
		"Liver abscess{|, amenable to percutaneous drainage|; CT-guided drainage could be considered}."},
	{"cholecystitis", "abdomen", []string{"gallbladder"},
		[]string{"{RUQ pain and fever|Right upper quadrant pain, Murphy's positive}{|, ? cholecystitis}."},
		"{Acute calculous cholecystitis|Gallbladder distension with wall thickening and pericholecystic fluid, acute cholecystitis}.",
		""},
	{"small bowel", "abdomen", []string{"bowel"},
		[]string{"{Vomiting and abdominal distension|Colicky abdominal pain, not opened bowels}{|, ? obstruction}."},
		"{Dilated small bowel loops with a transition point in the {right lower quadrant|pelvis}, consistent with small bowel obstruction|Small bowel obstruction with a transition point in the pelvis}{, likely adhesional|}.",
		""},
	{"colitis", "abdomen", []string{"bowel"},
		[]string{"{Diarrhoea and fever|Bloody diarrhoea|Diarrhoea, abdominal cramps}{|, ? colitis}."},
		"{Colitis of the {descending|sigmoid|ascending} colon|Pancolitis with mucosal hyperenhancement}{, likely infective|, ? C. difficile|}.",
		""},
	{"source of bleeding", "abdomen", []string{"bowel"},
		[]string{"{Iron deficiency anaemia|Anaemia, ? GI bleed|Melaena, Hb 78}{|. Gastroscopy normal|. Colonoscopy normal}."},
		"No source of bleeding {is identified|identified}{| and no bowel wall thickening|; no active contrast extravasation}.",
		""},
	{"aneurysm", "abdomen", []string{"vessels"},
		[]string{"{Back pain, known aortic aneurysm|Pulsatile abdominal mass|Abdominal aortic aneurysm surveillance}."},
		"Infrarenal abdominal aortic aneurysm {measuring|of} %AAA{| without rupture| with no periaortic stranding}.",
		""},
	{"hernia", "abdomen", []string{"soft tissues", "bowel"},
		[]string{"{Painful groin lump|Tender irreducible groin swelling|Painful umbilical swelling}."},
		"{Left|Right} {inguinal|femoral} hernia containing a loop of small bowel{| without obstruction| with early obstruction}.",
		""},
	{"nodule", "chest", []string{"lungs"},
		[]string{"{Follow-up of a lung nodule|Lung nodule surveillance|Incidental lung nodule on a previous CT}."},
		"{Stable|Unchanged} %MMNODULE {solid|part-solid|ground-glass} nodule in the {right|left} {upper|lower} lobe{|, benign appearance|; no further follow-up needed}.",
		""},
}

// unrelated is one drawn presentation.
type unrelated struct {
	ind, main, imp, technique string
	region                    string
	organs                    []string
}

func (g *gen) presentation() unrelated {
	p := presentations[g.r.IntN(len(presentations))]
	u := unrelated{ind: g.x(p.ind[g.r.IntN(len(p.ind))]), main: g.fill(p.main), region: p.region, organs: p.organs}
	u.imp = u.main
	if p.imp != "" {
		u.imp = g.fill(p.imp)
	}
	switch p.region {
	case "chest":
		u.technique = g.x("{CT pulmonary angiogram|CT chest with {IV|intravenous} contrast|CTPA}{| (the upper abdomen is partly included)}.")
	case "trauma":
		u.technique = g.x("{Trauma CT of the chest, abdomen and pelvis|CT chest, abdomen and pelvis (trauma protocol)|Whole-body trauma CT} with {IV|intravenous} contrast{|; head and cervical spine reported separately}.")
	default:
		u.technique = g.techniqueRoutine()
	}
	return u
}

// pancreasLine is what a report of this region says about a pancreas with
// nothing wrong with it, or "" when it says nothing.
func (g *gen) pancreasLine(region string) string {
	switch {
	case region == "chest" && g.chance(0.5):
		return g.x("{Upper abdomen: limited assessment; the visualised|The imaged} {liver, spleen, adrenals and pancreas are|pancreatic body and tail are|upper abdominal organs including the pancreas are} unremarkable.")
	case g.chance(0.25):
		return ""
	}
	return g.normalPancreas()
}

// background is the history a label-0 patient brings: nothing, another
// cancer (on treatment or treated), another operation.
func (g *gen) background() (string, string) {
	switch g.between(0, 9) {
	case 0, 1, 2, 3:
		return "", ""
	case 4, 5:
		hx, organ := g.otherChemo()
		if g.chance(0.25) {
			hx += fmt.Sprintf(" (last cycle %d days ago)", g.between(2, 20))
		}
		return hx, organ
	case 6, 7:
		return g.pick("History of ", "Hx ", "PMH: ", "Background: ") + g.otherCancerHx(), ""
	default:
		d := g.between(3, 14)
		return g.pf("{POD %d|Post-operative day %d|Day %d} {after|following} %s", d, d, d, g.otherSurgery()), ""
	}
}

// withHistory puts a history phrase before or after the complaint.
func (g *gen) withHistory(hx, complaint string) string {
	if hx == "" {
		return complaint
	}
	if g.chance(0.6) {
		return fmt.Sprintf(g.pick("%s. %s", "%s; %s", "%s, now %s"), hx, lowerFirstWord(complaint))
	}
	if g.chance(0.4) {
		return fmt.Sprintf("%s %s.", complaint, capFirst(hx))
	}
	return fmt.Sprintf(g.pick("%s Known %s.", "%s Background: %s."), complaint, lowerFirstWord(hx))
}

// portLine: a chest port, which any patient on (or about to start)
// chemotherapy has, whatever the cancer.
func (g *gen) portLine() string {
	return g.x("{A right|A left|A} chest port {catheter |}{terminates|with its tip} in the SVC{| in satisfactory position}.")
}

// ---- the three labels ----

func pUnrelatedNormal(g *gen) *report {
	u := g.presentation()
	hx, organ := g.background()
	f := keys("", u.main)
	if pl := g.pancreasLine(u.region); pl != "" {
		f = append(f, finding{organ: "pancreas", text: pl})
	}
	if organ != "" && g.chance(0.5) {
		f = append(f, finding{text: g.portLine()}) // on chemotherapy for another cancer
	}
	imp := []string{u.imp}
	if g.chance(0.3) {
		imp = append(imp, g.pick("No other acute abnormality.", "No other acute findings.", "Otherwise unremarkable."))
	}
	rep := &report{
		indication: []string{g.withHistory(hx, u.ind)},
		technique:  []string{u.technique},
		findings:   f,
		impression: imp,
		ja:         []string{g.pick("膵に異常所見なし。", "膵に明らかな異常なし。")},
	}
	return g.assemble(rep, append([]string{"pancreas", organ}, u.organs...)...)
}

// pOnTreatmentUnrelated: pancreatic cancer under treatment (or treated), CT
// for something else; the tumour may be mentioned in passing or not at all.
func pOnTreatmentUnrelated(g *gen) *report {
	u := g.presentation()
	s := g.site()
	rx := g.chemo()
	op, _ := g.surgery(s)
	hx := g.pick(
		g.pf("{Metastatic|Locally advanced|Known|} %s on %s{| (last cycle %d days ago)| (cycle %d)}", g.pdacAt(s), rx, g.between(2, 12), g.between(2, 12)),
		g.pf("%s, %s", capFirst(g.pdac()), g.chemoCourse(rx)),
		g.pf("{PDAC|Pancreatic cancer|Panc ca} {on chemo|on %s|receiving chemotherapy}", rx),
		g.pf("%s {s/p|post} %s {and adjuvant|followed by adjuvant} %s", capFirst(g.pdac()), op, rx),
		g.pf("%s treated with %s", capFirst(g.pdac()), g.radiationRx()),
	)
	f := []string{u.main}
	var imp []string
	switch g.between(0, 4) {
	case 0, 1:
		f = append(f, g.xf("The {known|treated|primary} pancreatic %s {mass|tumour|tumor} is {again seen|stable|unchanged|grossly stable}{| at %s| measuring %s}{|, not reassessed in detail on this study}.", s.en, g.cm(1.5, 4), g.cm(1.5, 4)))
		if g.chance(0.5) {
			f = append(f, g.x("{Hepatic lesions consistent with known metastases|Known liver metastases, grossly unchanged|Several liver lesions in keeping with the known metastases}."))
		}
		imp = append(imp, u.imp, g.x("{Known pancreatic cancer on treatment, grossly stable|Stable appearance of the treated pancreatic tumour|Known pancreatic malignancy, not reassessed}."))
	case 2:
		if strings.Contains(hx, "s/p") || strings.Contains(hx, "post ") {
			f = append(f, g.postOpAnatomy(s, op))
		}
		imp = append(imp, u.imp)
	default:
		// the history is the only sign of the cancer and its treatment
		imp = append(imp, u.imp)
	}
	if g.chance(0.25) {
		f = append(f, g.portLine())
	}
	rep := &report{
		indication: []string{g.withHistory(hx, u.ind)},
		technique:  []string{u.technique},
		findings:   keys("", f...),
		impression: imp,
		ja:         []string{"膵癌に対し化学療法中。"},
	}
	for i := 1; i < len(rep.findings); i++ {
		rep.findings[i].organ = "pancreas"
	}
	return g.assemble(rep, append([]string{"pancreas", "liver"}, u.organs...)...)
}

// pUntreatedUnrelated: a known cancer not yet treated (awaiting surgery,
// chemotherapy or a clinic), CT for something else.
func pUntreatedUnrelated(g *gen) *report {
	u := g.presentation()
	s := g.site()
	op, _ := g.surgery(s)
	hx := g.pick(
		g.pf("{Biopsy-proven|Newly diagnosed|Recently diagnosed|Known} %s, {awaiting %s|awaiting the first cycle of chemotherapy|awaiting oncology review|for MDT discussion next week|treatment not yet started|scheduled for %s}", g.pdacAt(s), op, op),
		g.pf("{Known|New} %s {diagnosed %s|on EUS biopsy %s}, {untreated|treatment-naive|no treatment yet}", g.pdacAt(s), g.recently(), g.recently()),
		g.pf("{Pancreatic mass|Pancreatic head mass|Pancreatic tail mass} {on recent CT|seen last week}, {EUS biopsy pending|awaiting EUS|for biopsy}"),
	)
	f := []string{u.main}
	imp := []string{u.imp}
	if g.chance(0.15) {
		f = append(f, g.portLine()) // placed for the chemotherapy to come
	}
	if g.chance(0.7) {
		f = append(f, g.xf("The {known|recently diagnosed|} pancreatic %s {mass|tumour|tumor} is {again seen|redemonstrated}{| measuring %s}{|, staged separately|, see the dedicated staging CT}.", s.en, g.cm(1.5, 4.5)))
		if g.chance(0.5) {
			imp = append(imp, g.x("{Known untreated pancreatic cancer, see the staging CT|Known pancreatic mass, awaiting treatment|The known pancreatic tumour is unchanged}."))
		}
	}
	rep := &report{
		indication: []string{g.withHistory(hx, u.ind)},
		technique:  []string{u.technique},
		findings:   keys("", f...),
		impression: imp,
		ja:         []string{"膵癌（未治療）。"},
	}
	for i := 1; i < len(rep.findings); i++ {
		rep.findings[i].organ = "pancreas"
	}
	return g.assemble(rep, append([]string{"pancreas"}, u.organs...)...)
}

// lowerFirstWord lower-cases the first letter of s unless its first word is
// an abbreviation ("PDAC", "POD 5", "RLQ pain").
func lowerFirstWord(s string) string {
	w, _, _ := strings.Cut(s, " ")
	up := 0
	for _, r := range w {
		if unicode.IsUpper(r) {
			up++
		}
	}
	if up > 1 || s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToLower(r[0])
	return string(r)
}
