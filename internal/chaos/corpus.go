package chaos

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/radflag/radflag/classifier/synth"
	"github.com/radflag/radflag/worker"
)

// Facility is MSH-4 of every generated message: report ids are
// hl7:<Facility>:<accession>, message ids hl7:<Facility>:<control id>.
const Facility = "CITYHOSP"

// Mix is the share of each kind of report in a corpus, in percent of 100
// consecutive messages; the rest are other CT reports (otherCTCases).
type Mix struct {
	// Procedure: CT-guided procedure reports (pancreas and ir_procedure
	// read them; every ir_procedure result writes an Observation).
	Procedure int
	// Pretreatment: untreated pancreatic cancer (a Flag when the model
	// agrees; each flag also costs an evidence run per sentence).
	Pretreatment int
	// PostTreatment: treated pancreatic cancer (no resource).
	PostTreatment int
}

// ClinicalMix is close to what a CT feed carries (an assumption, not a
// measured case mix) and keeps the FHIR resources written to about 6% of
// the reports, so the FHIR peer's linear searches stay affordable.
var ClinicalMix = Mix{Procedure: 4, Pretreatment: 2, PostTreatment: 6}

// otherCTCases are the synthetic pancreas case types (label none) the other
// CT reports are drawn from, in equal parts.
var otherCTCases = []string{"normal_pancreas", "other_organ_cancer", "postop_other_normal"}

// Corpus builds n distinct ORU^R01 CT messages with synthetic report texts
// (classifier/synth, deterministic for a seed). Control ids are
// <prefix>M<i>, accessions <prefix>A<i>.
func Corpus(prefix string, n int, seed int64, mix Mix) ([]Message, error) {
	if mix.Procedure+mix.Pretreatment+mix.PostTreatment > 100 {
		return nil, fmt.Errorf("mix %+v adds up to more than 100%%", mix)
	}
	need := map[int]int{}
	nProc := 0
	kinds := make([]int, n) // -1 procedure, else the pancreas label
	for i := range kinds {
		switch k := i % 100; {
		case k < mix.Procedure:
			kinds[i] = -1
			nProc++
		case k < mix.Procedure+mix.Pretreatment:
			kinds[i] = 2
		case k < mix.Procedure+mix.Pretreatment+mix.PostTreatment:
			kinds[i] = 1
		default:
			kinds[i] = 0
		}
		if kinds[i] >= 0 {
			need[kinds[i]]++
		}
	}
	most := max(need[1], need[2])
	pan, err := synth.Generate(synth.TaskPancreas, 3*most+3, seed)
	if err != nil {
		return nil, fmt.Errorf("synthetic pancreas reports: %w", err)
	}
	// The generator's CT-guided biopsies of a pancreatic mass are
	// pretreatment too, but they are procedure reports (ir_procedure reads
	// them): left out, so the mix's shares mean what they say.
	irText := worker.DefaultSelectors()["ir_procedure"].TextPattern
	byLabel := map[int][]string{}
	for _, ex := range pan {
		if ex.Label != 0 && !irText.MatchString(ex.Text) {
			byLabel[ex.Label] = append(byLabel[ex.Label], ex.Text)
		}
	}
	// The other CT reports of a feed mostly do not discuss the pancreas:
	// drawn from those case types, not from the generator's even mix of
	// pancreatic look-alikes (pancreatitis, cysts, ...), which would make
	// the mix neither clinical nor cheap (every flag costs an evidence run
	// per sentence, and a FHIR write).
	for k, name := range otherCTCases {
		exs, err := synth.GenerateCase(synth.TaskPancreas, name, need[0]/len(otherCTCases)+1, seed+int64(10+k), false)
		if err != nil {
			return nil, fmt.Errorf("synthetic %s reports: %w", name, err)
		}
		for _, ex := range exs {
			byLabel[0] = append(byLabel[0], ex.Text)
		}
	}
	rand.New(rand.NewPCG(uint64(seed), 1)).Shuffle(len(byLabel[0]), func(i, j int) {
		byLabel[0][i], byLabel[0][j] = byLabel[0][j], byLabel[0][i]
	})
	var ir []string
	if nProc > 0 {
		exs, err := synth.Generate(synth.TaskIRProcedure, nProc, seed+1)
		if err != nil {
			return nil, fmt.Errorf("synthetic procedure reports: %w", err)
		}
		for _, ex := range exs {
			ir = append(ir, ex.Text)
		}
	}
	msgs := make([]Message, n)
	used := map[int]int{}
	for i, kind := range kinds {
		ctrl := fmt.Sprintf("%sM%06d", prefix, i)
		acc := fmt.Sprintf("%sA%06d", prefix, i)
		proc, text := "74177^CT ABD/PELVIS W CONTRAST^C4", ""
		if kind < 0 {
			proc, text = "IRCT^CT GUIDED PROCEDURE^L", ir[0]
			ir = ir[1:]
		} else {
			xs := byLabel[kind]
			text = xs[used[kind]%len(xs)]
			used[kind]++
		}
		msgs[i] = Message{ControlID: ctrl, Data: ORU(ctrl, acc, proc, text)}
	}
	return msgs, nil
}

// ORU is a final CT ORU^R01 for one report: control id, accession,
// procedure (OBR-4) and text (one OBX per line).
func ORU(controlID, accession, procedure, text string) []byte {
	segs := []string{
		"MSH|^~\\&|RIS|" + Facility + "|RADFLAG|" + Facility + "|20260115103000||ORU^R01^ORU_R01|" + controlID + "|P|2.5.1",
		"PID|1||MRN-" + accession + "^^^" + Facility + "^MR||Doe^Jane||19580312|F",
		"ORC|RE|ORD-" + accession + "^EPIC|" + accession + "^RIS||CM",
		"OBR|1|ORD-" + accession + "^EPIC|" + accession + "^RIS|" + procedure + "|||20260115093000|||||||||||||||20260115102500||CT|F",
	}
	n := 0
	for _, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		n++
		segs = append(segs, fmt.Sprintf("OBX|%d|TX|18782-3^Radiology Study observation^LN||%s||||||F", n, escape(line)))
	}
	return []byte(strings.Join(segs, "\r") + "\r")
}

func escape(s string) string {
	return strings.NewReplacer(`\`, `\E\`, `|`, `\F\`, `^`, `\S\`, `&`, `\T\`, `~`, `\R\`).Replace(s)
}

// MessageID is the bus's de-duplication key of a generated message.
func MessageID(controlID string) string { return "hl7:" + Facility + ":" + controlID }
