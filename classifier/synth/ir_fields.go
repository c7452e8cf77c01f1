package synth

import (
	"fmt"
	"strings"
)

// What an IR procedure was, in parts: builders fill it in, and the report
// says it as a block of labelled fields (in one of many orders and
// subsets), as a compact narrative note, or both alongside the long
// narrative. Every label's procedures use the same fields, so the field
// names say nothing of the label; their values do.
type procInfo struct {
	title     string // "CT-guided drainage of the right subphrenic abscess"
	target    string // short target ("right subphrenic abscess", "RUL nodule")
	approach  string
	needle    string // needle or coaxial system
	cores     int    // core specimens (0 none)
	passes    int    // FNA passes (0 none)
	specimens string // where specimens went
	rose      bool   // on-site cytology assessment was done
	drain     string // catheter left ("" none)
	output    string // what was aspirated or drained ("" none)
	compl     string // complications ("" none)
	lung      bool   // a lung procedure: pneumothorax fields, chest radiograph
	bone      bool
}

// ---- devices ----

// drainCatheter names a drainage catheter of fr French.
func (g *gen) drainCatheter(fr string) string {
	return g.pf("%s {Fr|French|F} {Cook Ultrathane locking pigtail|Flexima locking pigtail|Navarre|Dawson-Mueller|Skater|multipurpose locking pigtail|all-purpose drainage|Merit ReSolve locking|Boston Scientific Flexima APDL|locking pigtail|pigtail|Cope loop|Malecot} {catheter|drain}", fr)
}

// drainTechnique is how the catheter got in: trocar or Seldinger, with the
// kit's parts.
func (g *gen) drainTechnique(approach string) string {
	if g.chance(0.45) {
		return g.pf("{Direct trocar|Tandem trocar|Trocar} technique via a %s approach{| alongside an 18G {localising|reference} needle}", approach)
	}
	return g.pf("Seldinger technique via a %s approach: {18G|19G} {Yueh|Chiba|trocar|diamond-tip} needle, {0.035\" Amplatz Super Stiff|0.035-inch Rosen|0.018\" Cope mandril|0.035 J} wire{, {Neff|AccuStick} introducer set|}, {serial dilatation to %d Fr|tract dilated to %d Fr|dilated over the wire}{| and a %d Fr peel-away sheath}", approach, g.between(8, 14), g.between(8, 14), g.between(8, 14))
}

// coaxialSystem names a soft-tissue or lung coaxial biopsy system.
func (g *gen) coaxialSystem() (needle string, core string) {
	switch g.between(0, 8) {
	case 0:
		return "17G coaxial introducer", g.pick("18G Temno Evolution", "18G Temno", "18G BioPince", "18G Achieve")
	case 1:
		return "19G coaxial introducer", g.pick("20G Bard Mission", "20G Temno", "20G Max-Core")
	case 2:
		return "15G coaxial introducer", g.pick("16G BioPince full-core", "16G SuperCore", "16G Marquee")
	case 3:
		return "17G/18G coaxial system", "18G Bard Monopty"
	case 4:
		return "19G/20G coaxial system", "20G Quick-Core"
	case 5:
		return "13G coaxial guide", "14G Spirotome"
	case 6:
		return "18G Tru-Cut", "18G Tru-Cut"
	case 7:
		return "20G Chiba needle", "22G Chiba FNA needle"
	default:
		return "16G coaxial introducer", "18G Max-Core"
	}
}

// boneNeedle names a bone biopsy needle or drill.
func (g *gen) boneNeedle() string {
	return g.pick("11G Jamshidi needle", "13G Jamshidi needle", "OnControl powered bone drill (11G)", "Arrow OnControl 13G drill",
		"14G Bonopty coaxial system", "15G Bonopty system", "10G Murphy needle", "14G Ackermann needle", "11G T-Lok needle",
		"11G Osteo-Site needle", "13G Laurane needle", "10G Madison drill", "11G bone biopsy needle", "8G Jamshidi trephine")
}

// ---- fields ----

type field struct{ label, value string }

func (g *gen) fieldLabel(names ...string) string {
	l := g.pick(names...)
	if g.st.upperHead && g.chance(0.6) {
		l = strings.ToUpper(l)
	}
	return l
}

// fieldBlock writes p as labelled fields, one a line.
func (g *gen) fieldBlock(p *procInfo) string {
	var fs []field
	add := func(v string, names ...string) {
		if v != "" {
			fs = append(fs, field{g.fieldLabel(names...), v})
		}
	}
	add(p.title, "Procedure", "Procedure performed", "Procedure title", "Examination", "Exam")
	if g.chance(0.6) {
		add(g.pf("%s {(consultant interventional radiologist)|(attending)|, IR consultant|(IR fellow, supervised)|}", g.doctor()), "Operator", "Performed by", "Radiologist", "Operator(s)")
	}
	if g.chance(0.35) {
		add(g.pf("{%s (IR fellow)|%s (registrar)|radiographer %s|nurse %s}", g.doctor(), g.doctor(), g.pick(surnames...), g.pick(surnames...)), "Assistant", "Assisted by", "Assistant(s)")
	}
	add(g.pick("local anaesthesia (1% lidocaine)", "local only, 10 mL 1% lignocaine", "moderate sedation (midazolam 2 mg, fentanyl 50 mcg) and local", "general anaesthesia", "conscious sedation + local",
		"MAC", "none; local lidocaine", "local anaesthetic, 2% lidocaine 5 mL"), "Anaesthesia", "Sedation", "Anesthesia/sedation", "Analgesia/sedation")
	if g.chance(0.6) {
		risk := "bleeding and infection"
		if p.lung {
			risk = "pneumothorax, haemoptysis and bleeding"
		}
		add(g.pf("{written, obtained|written informed consent obtained|obtained after discussion of risks including %s|verbal and written|Yes}", risk), "Consent", "Informed consent")
	}
	if g.chance(0.5) {
		add(g.pick("performed", "completed", "yes", "done, all in agreement", "performed per universal protocol"), "Time-out", "Time out", "Timeout")
	}
	if g.chance(0.4) {
		add(g.pick("CT (intermittent)", "CT fluoroscopy", "CT", "CT with ultrasound", "CT, low-dose protocol"), "Guidance", "Imaging guidance", "Modality")
	}
	if p.approach != "" && g.chance(0.6) {
		add(p.approach, "Approach", "Route", "Access")
	}
	add(p.needle, "Needle", "Needle(s)", "Device", "Equipment", "Needle/system")
	if p.cores > 0 {
		add(g.pf("{%d|%d cores|%d x cores|%d specimens}", p.cores, p.cores, p.cores, p.cores), "Number of cores", "Cores", "No. of passes", "Samples", "Specimens obtained")
	}
	if p.passes > 0 {
		add(fmt.Sprintf("%d", p.passes), "FNA passes", "Number of passes", "Passes")
	}
	if p.specimens != "" {
		add(p.specimens, "Specimens sent to", "Specimens", "Samples sent to", "Sent for")
	}
	if p.rose {
		add(g.pick("adequate", "adequate cellularity", "lesional tissue present", "diagnostic material obtained", "adequate (cytopathologist present)"), "ROSE", "ROSE adequacy", "On-site cytology")
	}
	switch {
	case p.drain != "":
		add(p.drain, "Drain", "Catheter", "Drain placed", "Drain type")
	case g.chance(0.25):
		add(g.pick("none", "N/A", "not placed", "nil"), "Drain", "Drain placed")
	}
	if p.output != "" {
		add(p.output, "Output", "Aspirate", "Fluid aspirated", "Volume drained", "Aspirated")
	}
	if p.lung && g.chance(0.6) {
		add(g.pick("CXR at 1 h and 4 h", "chest radiograph at 2 hours", "bed rest, puncture site down, 2 h", "observe 4 h, then CXR"), "Post-procedure", "Post-procedure care", "Plan")
	}
	compl := p.compl
	if compl == "" {
		compl = g.pick("none", "none immediate", "nil", "no immediate complication", "None.")
	}
	add(compl, "Complications", "Immediate complications", "Complication")
	if g.chance(0.5) {
		add(g.pick("minimal", "<5 mL", "negligible", "nil", "none", "5 mL"), "EBL", "Estimated blood loss", "Blood loss")
	}
	if g.chance(0.4) {
		add(g.pf("DLP %d mGy·cm", g.between(150, 1200)), "Dose", "Radiation dose", "DLP")
	}
	if g.chance(0.45) {
		v := g.pick("returned to the ward", "day unit, discharge after 4 h observation if stable", "stable, back to ward", "recovery then home", "inpatient ward")
		if p.drain != "" && g.chance(0.5) {
			v = g.pick("ward; drain care per IR protocol", "ward, flush drain 10 mL saline TDS", "drain to free drainage; ward")
		}
		add(v, "Disposition", "Disposal", "Post-procedure disposition", "Discharge")
	}
	// Templates keep their own order; departments differ, and some fields
	// drift (a few swaps of neighbours).
	for k := g.between(0, 4); k > 0; k-- {
		if len(fs) > 2 {
			i := g.between(1, len(fs)-2)
			fs[i], fs[i+1] = fs[i+1], fs[i]
		}
	}
	sep := g.pick(": ", ": ", ": ", " - ", ":\t")
	lines := make([]string, len(fs))
	for i, f := range fs {
		lines[i] = f.label + sep + f.value
	}
	return strings.Join(lines, "\n")
}

// narrativeNote says the whole procedure in a few sentences, as a brief
// dictated note does.
func (g *gen) narrativeNote(p *procInfo) string {
	who := g.pick("", "", "I performed", "The procedure was performed by", "Under my supervision,")
	var b []string
	lead := g.p("{Under CT guidance|Using intermittent CT guidance|Under CT fluoroscopy} and {local anaesthesia|local anaesthetic|moderate sedation|conscious sedation}")
	switch who {
	case "I performed":
		b = append(b, g.pf("I performed %s {under CT guidance and local anaesthesia|with CT guidance}{| via a %s approach}.", strings.ToLower(p.title[:1])+p.title[1:], p.approach))
	case "The procedure was performed by":
		b = append(b, g.pf("%s {was performed|was carried out} by %s{| with a fellow} {under CT guidance|under CT fluoroscopic guidance}.", p.title, g.doctor()))
	default:
		if p.approach != "" {
			b = append(b, g.pf("%s, %s was {advanced|placed} via a %s approach {to|into} the %s.", lead, a(p.needle), p.approach, p.target))
		} else {
			b = append(b, g.pf("%s, %s was {advanced|placed} {to|into} the %s.", lead, a(p.needle), p.target))
		}
	}
	if p.passes > 0 {
		b = append(b, g.pf("%d FNA passes were made{| with on-site assessment}.", p.passes))
	}
	switch {
	case p.cores == 1:
		b = append(b, g.pf("{One|A single} core {was obtained|was taken}{| and sent for histology| and placed in formalin}."))
	case p.cores > 1:
		b = append(b, g.pf("{%d|A total of %d} core{s| specimens} {were obtained|were taken}{| and sent for histology| and placed in formalin}.", p.cores, p.cores))
	}
	if p.output != "" {
		b = append(b, g.pf("{Aspirated|Aspirate}: %s.", p.output))
	}
	if p.drain != "" {
		b = append(b, g.pf("{A|An} %s was left {in situ|on free drainage|to bag drainage}.", p.drain))
	}
	if p.compl != "" {
		b = append(b, capFirst(strings.TrimSuffix(p.compl, "."))+".")
	} else {
		b = append(b, g.pick("No complications.", "No immediate complication.", "Tolerated well.", "Uncomplicated."))
	}
	return strings.Join(b, " ")
}

// a puts an indefinite article before a noun phrase (fixArticles makes it
// agree later).
func a(s string) string {
	if s == "" {
		return s
	}
	return "a " + s
}
