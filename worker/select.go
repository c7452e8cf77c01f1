package worker

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/radflag/radflag/pipeline"
)

// Selector says which reports a task applies to. A report qualifies when
// its modality is one of Modalities (or it has none, or Modalities is
// empty) and — when ProcedurePattern or TextPattern is set — its procedure
// (code or display) matches ProcedurePattern or its text matches
// TextPattern.
type Selector struct {
	Modalities       []string
	ProcedurePattern *regexp.Regexp
	TextPattern      *regexp.Regexp
}

// Default patterns for CT-guided interventional procedure reports. The
// procedure pattern reads the order's code and name (OBR-4, DiagnosticReport
// code); the text pattern recognises how a procedure report describes what
// was done ("under CT guidance", "pre-procedure CT", "successful CT-guided
// ..."), not a diagnostic report that merely recommends a biopsy.
const (
	DefaultIRProcedurePattern = `(?i)guid(?:ed|ance)|biops|\bbx\b|drain|aspirat|\bFNA\b|\bIR\b|interventional|percutaneous`
	DefaultIRTextPattern      = `(?i)\b(?:using|under|with)\s+(?:real-time\s+|intermittent\s+)?CT(?:\s+fluoroscop\w*)?\s+guidance|\b(?:pre|post)-?procedur(?:e|al)\s+(?:CT|imag\w*|scan)|\b(?:successful|uncomplicated|uneventful)\b[^.\n]{0,80}\b(?:CT|image)[- ](?:fluoroscop\w*[- ])?guided|\b(?:needle|drain|catheter|introducer|trocar|cannula|system|guide)\s+(?:was|were)\s+(?:advanced|placed|inserted|positioned|exchanged)|\b(?:cores?|specimens?|samples?|passes)\s+(?:were|was)\s+(?:obtained|acquired|taken)|\bbiops(?:y|ies)\s+(?:were|was)\s+(?:obtained|performed|taken)|\btime-?out\s+(?:was\s+)?(?:performed|completed)|\bplanning\s+CT\b|CT\s*ガイド下`
)

// DefaultSelectors are the built-in rules: pancreas reads every CT report,
// ir_procedure CT-guided procedure reports.
func DefaultSelectors() map[string]Selector {
	return map[string]Selector{
		"pancreas": {Modalities: []string{"CT"}},
		"ir_procedure": {
			Modalities:       []string{"CT"},
			ProcedurePattern: regexp.MustCompile(DefaultIRProcedurePattern),
			TextPattern:      regexp.MustCompile(DefaultIRTextPattern),
		},
	}
}

// NewSelector builds a selector from configuration strings ("" = not set).
func NewSelector(modalities []string, procedurePattern, textPattern string) (Selector, error) {
	s := Selector{Modalities: modalities}
	var err error
	if procedurePattern != "" {
		if s.ProcedurePattern, err = regexp.Compile(procedurePattern); err != nil {
			return s, fmt.Errorf("procedure pattern: %w", err)
		}
	}
	if textPattern != "" {
		if s.TextPattern, err = regexp.Compile(textPattern); err != nil {
			return s, fmt.Errorf("text pattern: %w", err)
		}
	}
	return s, nil
}

// Applies reports whether the task should classify r.
func (s Selector) Applies(r *pipeline.Report) bool {
	if len(s.Modalities) > 0 && r.Modality != "" &&
		!slices.ContainsFunc(s.Modalities, func(m string) bool { return strings.EqualFold(m, r.Modality) }) {
		return false
	}
	if s.ProcedurePattern == nil && s.TextPattern == nil {
		return true
	}
	if s.ProcedurePattern != nil {
		for _, v := range []string{r.Procedure.Code, r.Procedure.Display} {
			if v != "" && s.ProcedurePattern.MatchString(v) {
				return true
			}
		}
	}
	return s.TextPattern != nil && s.TextPattern.MatchString(r.Text)
}
