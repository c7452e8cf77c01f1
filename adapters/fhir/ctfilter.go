package fhir

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	dtpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/datatypes_go_proto"
	drpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/diagnostic_report_go_proto"
)

// Code systems radflag recognises in DiagnosticReport.code and .category.
const (
	SystemLOINC = "http://loinc.org"
	SystemCPT   = "http://www.ama-assn.org/go/cpt"
	SystemDICOM = "http://dicom.nema.org/resources/ontology/DCM"
	SystemV2074 = "http://terminology.hl7.org/CodeSystem/v2-0074" // diagnostic service section
)

// Skip reasons (label values of radflag_reports_skipped_total).
const (
	SkipNotCT        = "not_ct"
	SkipNotRadiology = "not_radiology"
)

// DefaultCTText matches CT in a procedure's name or category text: "CT",
// "CTA", "HRCT", "PET/CT", "computed tomography", "CAT scan".
const DefaultCTText = `(?i)(\b(CT|CTA|CTU|CTE|HRCT|MDCT|PET[/ -]?CT)\b|computed\s+tomograph|\bCAT\s+scan)`

// defaultCTLOINC are LOINC codes of common CT studies whose display text a
// sender may leave out; their long names all contain "CT", which the text
// match catches when it is sent.
var defaultCTLOINC = []string{
	"24627-2", // CT Chest
	"30745-4", // CT Chest W contrast IV
	"24558-9", // CT Abdomen
	"24727-0", // CT Abdomen and Pelvis
	"36813-4", // CT Abdomen and Pelvis W contrast IV
	"79103-8", // CT Abdomen and Pelvis W and WO contrast IV
	"72251-2", // CT Abdomen and Pelvis WO contrast
	"30799-1", // CT Abdomen W contrast IV
	"24725-4", // CT Head
	"30621-7", // CT Head WO contrast
	"44115-4", // CT Chest and Abdomen and Pelvis W contrast IV
	"42274-1", // CT Pancreas
	"24828-6", // CT Guidance for biopsy
	"69133-7", // CT Guidance for drainage
}

// cptCTRanges are the CPT code ranges of CT and CT-guided procedures.
var cptCTRanges = [][2]int{
	{70450, 70498}, // head, neck, orbit, sinus, CTA head/neck
	{71250, 71275}, // chest, CTA chest
	{72125, 72133}, // spine
	{72191, 72194}, // pelvis
	{73200, 73206}, // upper extremity
	{73700, 73706}, // lower extremity
	{74150, 74178}, // abdomen, abdomen and pelvis
	{74261, 74263}, // CT colonography
	{75571, 75574}, // cardiac
	{75635, 75635}, // CTA abdominal aorta
	{76380, 76380}, // limited CT
	{77011, 77014}, // CT guidance
	{78814, 78816}, // PET/CT
}

// CTFilter decides from DiagnosticReport.code and .category whether a
// report is a CT report. The zero value applies the defaults: the text
// pattern, the LOINC list, the CPT ranges, and a DICOM "CT" category.
type CTFilter struct {
	// AcceptAll turns the filter off (every report is treated as CT).
	AcceptAll bool
	// Codes are more codes that mean CT, as "system|code" or "code"
	// (any system).
	Codes []string
	// NoDefaultCodes drops the built-in LOINC list and CPT ranges.
	NoDefaultCodes bool
	// TextPattern is a regular expression matched against code and
	// category text and displays (default DefaultCTText).
	TextPattern string
	// Categories, when set, is required: a report must carry one of these
	// categories ("system|code" or "code") or it is skipped as
	// not_radiology, before the CT test.
	Categories []string
}

// ctMatcher is a compiled CTFilter.
type ctMatcher struct {
	all        bool
	codes      map[string]bool // "system|code" and "|code" (any system)
	cpt        bool
	text       *regexp.Regexp
	categories map[string]bool
}

func (f CTFilter) compile() (*ctMatcher, error) {
	m := &ctMatcher{all: f.AcceptAll, codes: map[string]bool{}, cpt: !f.NoDefaultCodes}
	pat := f.TextPattern
	if pat == "" {
		pat = DefaultCTText
	}
	re, err := regexp.Compile(pat)
	if err != nil {
		return nil, fmt.Errorf("ct filter text pattern: %w", err)
	}
	m.text = re
	if !f.NoDefaultCodes {
		for _, c := range defaultCTLOINC {
			m.codes[SystemLOINC+"|"+c] = true
		}
	}
	for _, c := range f.Codes {
		m.codes[codeKey(c)] = true
	}
	if len(f.Categories) > 0 {
		m.categories = map[string]bool{}
		for _, c := range f.Categories {
			m.categories[codeKey(c)] = true
		}
	}
	return m, nil
}

// codeKey normalises "system|code" or "code" to the map key.
func codeKey(s string) string {
	s = strings.TrimSpace(s)
	if sys, code, ok := strings.Cut(s, "|"); ok {
		return strings.TrimSpace(sys) + "|" + strings.TrimSpace(code)
	}
	return "|" + s
}

func (m *ctMatcher) hasCode(c *dtpb.Coding, set map[string]bool) bool {
	sys, code := c.GetSystem().GetValue(), c.GetCode().GetValue()
	return code != "" && (set[sys+"|"+code] || set["|"+code])
}

// classify returns "" for a CT report, or the skip reason.
func (m *ctMatcher) classify(dr *drpb.DiagnosticReport) string {
	if m.categories != nil {
		ok := false
		for _, cat := range dr.GetCategory() {
			for _, c := range cat.GetCoding() {
				if m.hasCode(c, m.categories) {
					ok = true
				}
			}
		}
		if !ok {
			return SkipNotRadiology
		}
	}
	if m.all || m.ctByCode(dr) {
		return ""
	}
	return SkipNotCT
}

// ctByCode reports whether the report's code or category says CT.
func (m *ctMatcher) ctByCode(dr *drpb.DiagnosticReport) bool {
	if m.isCT(dr.GetCode()) {
		return true
	}
	for _, cat := range dr.GetCategory() {
		// Some servers carry the modality as a category (DICOM "CT").
		for _, c := range cat.GetCoding() {
			if c.GetSystem().GetValue() == SystemDICOM && c.GetCode().GetValue() == "CT" {
				return true
			}
		}
		if m.isCT(cat) {
			return true
		}
	}
	return false
}

func (m *ctMatcher) isCT(cc *dtpb.CodeableConcept) bool {
	if cc == nil {
		return false
	}
	if t := cc.GetText().GetValue(); t != "" && m.text.MatchString(t) {
		return true
	}
	for _, c := range cc.GetCoding() {
		if m.hasCode(c, m.codes) {
			return true
		}
		if m.cpt && isCPTCT(c) {
			return true
		}
		if d := c.GetDisplay().GetValue(); d != "" && m.text.MatchString(d) {
			return true
		}
	}
	return false
}

func isCPTCT(c *dtpb.Coding) bool {
	if c.GetSystem().GetValue() != SystemCPT {
		return false
	}
	n, err := strconv.Atoi(c.GetCode().GetValue())
	if err != nil {
		return false
	}
	for _, r := range cptCTRanges {
		if n >= r[0] && n <= r[1] {
			return true
		}
	}
	return false
}
