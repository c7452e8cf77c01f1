package hl7v2

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// CTRule decides whether an order (OBR) is a CT study: OBR-24 (diagnostic
// service section) is one of Modalities, or an OBR-4 code (identifier or
// alternate identifier) falls in Codes, or an OBR-4 code or text matches
// Pattern. Each field left zero (nil, "") takes DefaultCTRule's value; an
// empty non-nil slice turns that test off.
type CTRule struct {
	// Modalities are OBR-24 values that mean CT (table 0074 says "CT").
	Modalities []string
	// Codes are procedure codes or inclusive ranges of numeric codes
	// ("74150-74178", "77012").
	Codes []string
	// Pattern is a regular expression, matched case-insensitively against
	// OBR-4's codes and texts.
	Pattern string
}

// DefaultCTPattern finds CT in a procedure's code or text.
const DefaultCTPattern = `\b(?:CT|CTA|HRCT|MDCT|CBCT|PET[/ -]?CT|CT[/ -]?PET)\b|computed\s+tomograph|\bCAT\s+scan|\btomodensitom`

// DefaultCTRule is OBR-24 "CT", CPT's CT codes, and DefaultCTPattern.
func DefaultCTRule() CTRule {
	return CTRule{
		Modalities: []string{"CT"},
		Codes: []string{
			"70450-70498", // head, orbit, sinus, neck, CTA head and neck
			"71250-71275", // chest, CTA chest
			"72125-72133", // spine
			"72191-72194", // pelvis, CTA pelvis
			"73200-73206", // upper extremity
			"73700-73706", // lower extremity
			"74150-74178", // abdomen, abdomen and pelvis, CTA
			"74261-74263", // CT colonography
			"75571-75574", // cardiac CT, coronary CTA
			"75635",       // CTA abdominal aorta and runoff
			"76380",       // CT limited or localized follow-up
			"76497",       // unlisted CT procedure
			"77011-77014", // CT guidance (stereotactic, needle placement, ablation, radiotherapy fields)
			"77078",       // CT bone mineral density
		},
		Pattern: DefaultCTPattern,
	}
}

// ctMatcher is a compiled CTRule.
type ctMatcher struct {
	modalities map[string]bool
	codes      map[string]bool
	ranges     [][2]int
	re         *regexp.Regexp
}

func (r CTRule) compile() (*ctMatcher, error) {
	def := DefaultCTRule()
	if r.Modalities == nil {
		r.Modalities = def.Modalities
	}
	if r.Codes == nil {
		r.Codes = def.Codes
	}
	if r.Pattern == "" {
		r.Pattern = def.Pattern
	}
	m := &ctMatcher{modalities: map[string]bool{}, codes: map[string]bool{}}
	for _, mod := range r.Modalities {
		m.modalities[strings.ToUpper(strings.TrimSpace(mod))] = true
	}
	for _, c := range r.Codes {
		c = strings.TrimSpace(c)
		if lo, hi, ok := strings.Cut(c, "-"); ok {
			a, err1 := strconv.Atoi(strings.TrimSpace(lo))
			b, err2 := strconv.Atoi(strings.TrimSpace(hi))
			if err1 != nil || err2 != nil || a > b {
				return nil, fmt.Errorf("ct rule: code range %q: want two numbers low-high", c)
			}
			m.ranges = append(m.ranges, [2]int{a, b})
			continue
		}
		if c != "" {
			m.codes[strings.ToUpper(c)] = true
		}
	}
	if r.Pattern != "" {
		re, err := regexp.Compile("(?i)" + r.Pattern)
		if err != nil {
			return nil, fmt.Errorf("ct rule: pattern: %w", err)
		}
		m.re = re
	}
	return m, nil
}

// match reports whether obr is a CT order.
func (m *ctMatcher) match(obr *Segment) bool {
	if obr == nil {
		return false
	}
	if mod := strings.ToUpper(strings.TrimSpace(obr.v(24, 0, 1, 0))); mod != "" && m.modalities[mod] {
		return true
	}
	for _, c := range []string{obr.v(4, 0, 1, 0), obr.v(4, 0, 4, 0)} {
		if m.matchCode(c) {
			return true
		}
	}
	if m.re != nil {
		for _, c := range []int{1, 2, 4, 5, 9} {
			if v := obr.v(4, 0, c, 0); v != "" && m.re.MatchString(v) {
				return true
			}
		}
	}
	return false
}

func (m *ctMatcher) matchCode(c string) bool {
	c = strings.ToUpper(strings.TrimSpace(c))
	if c == "" {
		return false
	}
	if m.codes[c] {
		return true
	}
	if len(m.ranges) == 0 || len(c) > 9 {
		return false
	}
	n, err := strconv.Atoi(c)
	if err != nil {
		return false
	}
	for _, r := range m.ranges {
		if n >= r[0] && n <= r[1] {
			return true
		}
	}
	return false
}
