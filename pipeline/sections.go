package pipeline

import (
	"regexp"
	"strings"
)

// Section is which part of a report a piece of text belongs to.
type Section int

const (
	SectionNone Section = iota
	SectionIndication
	SectionFindings
	SectionImpression
	// SectionOther is a recognised heading that is none of the three
	// (technique, comparison): its text is kept in the full text only.
	SectionOther
)

// headingWords are the section headings radflag recognises.
const headingWords = `clinical\s+indications?|clinical\s+history|clinical\s+information|clinical\s+details|indications?|history|reason\s+for\s+(?:exam(?:ination)?|study|request)|findings?|impressions?|conclusions?|summary|opinion|technique|comparison|procedure|exam(?:ination)?`

// headingRE matches a section heading at the start of a line: a known word
// or phrase, then a colon or dash, or the heading alone on its line.
var headingRE = regexp.MustCompile(`(?im)^[ \t]*(` + headingWords + `)[ \t]*(?::|-{1,2}|\n|$)`)

// inlineHeadingRE finds an upper-case heading with a colon in the middle of
// a line, after the end of a sentence: "...contrast. FINDINGS: ...". Only
// upper case and a colon count, so that "no history: ..." in prose is left
// alone.
var inlineHeadingRE = regexp.MustCompile(`([.;!?)])[ \t]+(CLINICAL (?:INDICATIONS?|HISTORY|INFORMATION|DETAILS)|INDICATIONS?|HISTORY|REASON FOR (?:EXAM(?:INATION)?|STUDY|REQUEST)|FINDINGS?|IMPRESSIONS?|CONCLUSIONS?|SUMMARY|OPINION|TECHNIQUE|COMPARISON|PROCEDURE|EXAM(?:INATION)?)[ \t]*:`)

// BreakInlineHeadings starts a new line before each upper-case heading
// that follows a sentence on the same line, for senders that put a whole
// report on one line. Headings at the start of a line are left as they are.
func BreakInlineHeadings(text string) string {
	if !mayHaveInlineHeading(text) || !inlineHeadingRE.MatchString(text) {
		return text
	}
	return inlineHeadingRE.ReplaceAllString(text, "$1\n$2:")
}

// MatchHeading reports whether line starts with a section heading, and if
// so which section it opens and the text after the heading on that line.
// Adapters whose text arrives line by line (one HL7 OBX per line) use it to
// carry a heading's section over the following lines.
func MatchHeading(line string) (sec Section, rest string, ok bool) {
	// Written out by hand rather than with a regular expression (the tests
	// check it agrees with headingRE): it runs on every line of every report.
	head := strings.TrimLeft(line, " \t")
	end := strings.IndexAny(head, ":-")
	after := ""
	if end >= 0 {
		after = head[end+1:]
		if head[end] == '-' {
			after = strings.TrimPrefix(after, "-")
		}
	} else {
		end = len(head)
	}
	word := strings.TrimRight(head[:end], " \t")
	sec, ok = headingSection(word)
	if !ok {
		return SectionNone, line, false
	}
	return sec, strings.TrimSpace(after), true
}

// headingForms are the headings headingWords matches, lower case, single
// spaces, with the section each opens (SectionForHeading's answer, looked
// up rather than computed: it allocates, and runs on every line).
var headingForms = map[string]Section{}

func init() {
	for _, h := range []string{
		"clinical indication", "clinical indications", "clinical history", "clinical information", "clinical details",
		"indication", "indications", "history",
		"reason for exam", "reason for examination", "reason for study", "reason for request",
		"finding", "findings", "impression", "impressions", "conclusion", "conclusions", "summary", "opinion",
		"technique", "comparison", "procedure", "exam", "examination",
	} {
		headingForms[h] = SectionForHeading(h)
	}
}

// headingSection reports whether w is a heading and which section it
// opens.
func headingSection(w string) (Section, bool) {
	if w == "" || len(w) > 40 {
		return SectionNone, false
	}
	// Lower-case ASCII with single spaces, in a stack buffer: no allocation.
	var buf [40]byte
	n := 0
	space := false
	for i := 0; i < len(w); i++ {
		c := w[i]
		switch {
		case c == ' ' || c == '\t':
			space = n > 0
			continue
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		case c < 'a' || c > 'z':
			return SectionNone, false
		}
		if space {
			buf[n] = ' '
			n++
			space = false
		}
		buf[n] = c
		n++
	}
	sec, ok := headingForms[string(buf[:n])]
	return sec, ok
}

// SectionForHeading maps a heading word to a section.
func SectionForHeading(h string) Section {
	h = strings.ToLower(strings.Join(strings.Fields(h), " "))
	switch {
	case strings.HasPrefix(h, "clinical"), strings.HasPrefix(h, "indication"), h == "history", strings.HasPrefix(h, "reason for"):
		return SectionIndication
	// An interventional report's procedure section is what it found and
	// did: the procedure category lives there, so it reads as findings.
	case strings.HasPrefix(h, "finding"), h == "procedure":
		return SectionFindings
	case strings.HasPrefix(h, "impression"), strings.HasPrefix(h, "conclusion"), h == "summary", h == "opinion":
		return SectionImpression
	case h == "":
		return SectionNone
	}
	return SectionOther
}

// SplitSections recognises headed sections in free text. Text before the
// first heading, and under headings that are none of the three, is not
// assigned. ok is false when no indication, findings or impression heading
// was found.
func SplitSections(text string) (s Sections, ok bool) {
	locs := headingRE.FindAllStringSubmatchIndex(text, -1)
	if len(locs) == 0 {
		return Sections{}, false
	}
	for i, loc := range locs {
		sec := SectionForHeading(text[loc[2]:loc[3]])
		end := len(text)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		body := strings.TrimSpace(text[loc[1]:end])
		if body == "" {
			continue
		}
		s.Add(sec, body)
	}
	return s, s.Indication != "" || s.Findings != "" || s.Impression != ""
}

// Add appends text to a section, separated by a newline from what is there.
func (s *Sections) Add(sec Section, text string) {
	var dst *string
	switch sec {
	case SectionIndication:
		dst = &s.Indication
	case SectionFindings:
		dst = &s.Findings
	case SectionImpression:
		dst = &s.Impression
	default:
		return
	}
	text = strings.TrimSpace(text)
	if text == "" {
		return
	}
	if *dst != "" {
		*dst += "\n"
	}
	*dst += text
}

// LOINC codes of report sections as OBX-3 or Observation.code carry them.
var loincSections = map[string]Section{
	"18785-6": SectionIndication, // Radiology study: reason for exam
	"55752-0": SectionIndication, // Clinical information
	"11329-0": SectionIndication, // History general
	"18782-3": SectionFindings,   // Radiology study observation (findings)
	"59776-5": SectionFindings,   // Procedure findings
	"19005-8": SectionImpression, // Radiology: impression
	"59773-2": SectionImpression, // Procedure impression (older use)
	"55110-1": SectionImpression, // Conclusions
	"18783-1": SectionOther,      // Study recommendation
	"55111-9": SectionOther,      // Current imaging procedure descriptions (technique)
	"18834-2": SectionOther,      // Comparison
}

// SectionForCode maps a section code (LOINC, or a local code's text such as
// "IMP", "FINDINGS", "GDT&IMP") to a section.
func SectionForCode(code, text string) Section {
	if s, ok := loincSections[strings.TrimSpace(code)]; ok {
		return s
	}
	for _, t := range []string{code, text} {
		t = strings.ToUpper(strings.TrimSpace(t))
		switch {
		case t == "":
			continue
		case strings.Contains(t, "IMP") || strings.Contains(t, "CONCL"):
			return SectionImpression
		case strings.Contains(t, "FIND") || strings.HasSuffix(t, "GDT") || strings.Contains(t, "BODY"):
			return SectionFindings
		case strings.Contains(t, "INDIC") || strings.Contains(t, "HIST") || strings.Contains(t, "REASON") || strings.Contains(t, "CLIN"):
			return SectionIndication
		}
	}
	return SectionNone
}

// mayHaveInlineHeading is a cheap test for BreakInlineHeadings: a colon
// after an upper-case word that follows the end of a sentence.
func mayHaveInlineHeading(text string) bool {
	for i := 1; i < len(text); i++ {
		if text[i] != ':' {
			continue
		}
		j := i - 1
		for j >= 0 && (text[j] == ' ' || text[j] == '\t') {
			j--
		}
		upper := 0
		for j >= 0 && (text[j] >= 'A' && text[j] <= 'Z' || text[j] == ' ' || text[j] == '\t') {
			if text[j] != ' ' && text[j] != '\t' {
				upper++
			}
			j--
		}
		if upper > 0 && j >= 0 && strings.IndexByte(".;!?)", text[j]) >= 0 {
			return true
		}
	}
	return false
}
