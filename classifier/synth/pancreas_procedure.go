package synth

import "strings"

// CT-guided procedure reports are CT reports too, and a site may run the
// pancreas task on them. Without them in the corpus the model had never seen
// biopsy wording ("mass", "core biopsy", "tissue diagnosis") outside a
// pancreatic cancer work-up, and flagged half of all CT-guided lung, bone and
// soft-tissue biopsies as pretreatment pancreatic cancer. The guide labels
// them like any other report: cancer of another organ or a benign pancreatic
// collection is none; a biopsy of a pancreatic mass suspected to be cancer is
// pretreatment.

// softPick restricts the soft-tissue biopsy targets an IR builder may draw.
type softPick int

const (
	softAny softPick = iota
	softNotPancreatic
	softPancreaticMass // hypoenhancing pancreatic masses only (not a NET-like hypervascular one)
)

// isPancreaticTarget says whether a soft-tissue biopsy target is in the pancreas.
func isPancreaticTarget(t softTarget) bool { return strings.Contains(t.short, "pancrea") }

// filterSoft applies the gen's softPick to the soft-tissue targets.
func (g *gen) filterSoft(ts []softTarget) []softTarget {
	var out []softTarget
	for _, t := range ts {
		switch pan := isPancreaticTarget(t); g.soft {
		case softNotPancreatic:
			if pan {
				continue
			}
		case softPancreaticMass:
			if !pan || !strings.Contains(t.en, "hypoenhancing") {
				continue
			}
		}
		out = append(out, t)
	}
	return out
}

// pProcedureOther is any CT-guided procedure of the ir_procedure task that
// is not a biopsy of a pancreatic mass: label 0 whatever organ it treats,
// including the drainage of a pseudocyst or of pancreatic necrosis (benign
// pancreatic disease).
func pProcedureOther(g *gen) *report {
	g.soft = softNotPancreatic
	defer func() { g.soft = softAny }()
	return pickWeighted(g.r, irCases()).build(g)
}

// pProcedurePancreaticMass is a CT-guided biopsy of a hypoenhancing
// pancreatic mass for tissue diagnosis: a suspected cancer not yet treated.
func pProcedurePancreaticMass(g *gen) *report {
	g.soft = softPancreaticMass
	defer func() { g.soft = softAny }()
	return irSoftBiopsy(g)
}
