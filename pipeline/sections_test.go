package pipeline

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSplitSections(t *testing.T) {
	tests := []struct {
		name string
		text string
		want Sections
		ok   bool
	}{
		{
			name: "colon headings",
			text: "INDICATION: Weight loss.\nFINDINGS: Mass in the pancreatic head.\nIMPRESSION: Likely adenocarcinoma.",
			want: Sections{Indication: "Weight loss.", Findings: "Mass in the pancreatic head.", Impression: "Likely adenocarcinoma."},
			ok:   true,
		},
		{
			name: "headings alone on their line, other sections dropped",
			text: "Clinical history\nJaundice.\nTechnique\nPortal venous phase.\nFindings\nDouble duct sign.\nConclusion\nSuspicious for malignancy.",
			want: Sections{Indication: "Jaundice.", Findings: "Double duct sign.", Impression: "Suspicious for malignancy."},
			ok:   true,
		},
		{
			name: "prose word is not a heading",
			text: "History of pancreatitis. No mass.",
			ok:   false,
		},
		{
			name: "dash heading and repeated section",
			text: "Impression - Mass.\nImpression - Second line.",
			want: Sections{Impression: "Mass.\nSecond line."},
			ok:   true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := SplitSections(tc.text)
			if ok != tc.ok || got != tc.want {
				t.Errorf("SplitSections = %+v, %v; want %+v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestMatchHeading(t *testing.T) {
	tests := []struct {
		line string
		sec  Section
		rest string
		ok   bool
	}{
		{"FINDINGS: Mass.", SectionFindings, "Mass.", true},
		{"  Impression:", SectionImpression, "", true},
		{"Clinical Indication - staging", SectionIndication, "staging", true},
		{"Reason for exam: pain", SectionIndication, "pain", true},
		{"TECHNIQUE: Axial.", SectionOther, "Axial.", true},
		{"Conclusions", SectionImpression, "", true},
		{"History of Whipple procedure.", SectionNone, "History of Whipple procedure.", false},
		{"No findings of note.", SectionNone, "No findings of note.", false},
	}
	for _, tc := range tests {
		sec, rest, ok := MatchHeading(tc.line)
		if sec != tc.sec || rest != tc.rest || ok != tc.ok {
			t.Errorf("MatchHeading(%q) = %v, %q, %v; want %v, %q, %v", tc.line, sec, rest, ok, tc.sec, tc.rest, tc.ok)
		}
	}
}

func TestBreakInlineHeadings(t *testing.T) {
	tests := []struct{ in, want string }{
		{
			"CLINICAL HISTORY: Staging. FINDINGS: Mass. IMPRESSION: Cancer.",
			"CLINICAL HISTORY: Staging.\nFINDINGS: Mass.\nIMPRESSION: Cancer.",
		},
		// Lower case, or no sentence end before: left alone.
		{"No history: none. Findings: mass.", "No history: none. Findings: mass."},
		{"CT ABDOMEN FINDINGS: mass", "CT ABDOMEN FINDINGS: mass"},
		{"Recurrence (see prior). IMPRESSION:stable", "Recurrence (see prior).\nIMPRESSION:stable"},
	}
	for _, tc := range tests {
		if got := BreakInlineHeadings(tc.in); got != tc.want {
			t.Errorf("BreakInlineHeadings(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSectionForCode(t *testing.T) {
	tests := []struct {
		code, text string
		want       Section
	}{
		{"18785-6", "", SectionIndication},
		{"18782-3", "Radiology Study observation", SectionFindings},
		{"19005-8", "", SectionImpression},
		{"IMP", "Impression", SectionImpression},
		{"GDT", "", SectionFindings},
		{"", "Clinical history", SectionIndication},
		{"18834-2", "Comparison", SectionOther},
		{"REPORT", "Report text", SectionNone},
	}
	for _, tc := range tests {
		if got := SectionForCode(tc.code, tc.text); got != tc.want {
			t.Errorf("SectionForCode(%q, %q) = %v, want %v", tc.code, tc.text, got, tc.want)
		}
	}
}

// lineHeadingRE is headingRE for one line: MatchHeading must agree with it.
var lineHeadingRE = regexp.MustCompile(`(?i)^[ \t]*(` + headingWords + `)[ \t]*(?::|-{1,2}|$)`)

func matchHeadingRE(line string) (Section, string, bool) {
	loc := lineHeadingRE.FindStringSubmatchIndex(line)
	if loc == nil {
		return SectionNone, line, false
	}
	return SectionForHeading(line[loc[2]:loc[3]]), strings.TrimSpace(line[loc[1]:]), true
}

func TestMatchHeadingAgreesWithRegexp(t *testing.T) {
	heads := []string{"Findings", "FINDINGS", "finding", "Impression", "impressions", "Conclusion", "Clinical  History",
		"clinical\tindication", "Reason for exam", "REASON FOR EXAMINATION", "History", "Technique", "Exam", "Examination",
		"Summary", "Opinion", "Comparison", "Procedure", "Indications", "Clinical details", "Findings of note", "No findings",
		"Historyx", "Reason exam", "CT ABDOMEN", "", "Follow"}
	seps := []string{":", " :", "-", " - ", "--", "---", "", " ", ":-", " x", ". ", "\t:"}
	tails := []string{"", " Mass in the head.", "none", "- dashed", ":colon"}
	for _, lead := range []string{"", "  ", "\t"} {
		for _, h := range heads {
			for _, sep := range seps {
				for _, tail := range tails {
					line := lead + h + sep + tail
					s1, r1, ok1 := MatchHeading(line)
					s2, r2, ok2 := matchHeadingRE(line)
					if s1 != s2 || r1 != r2 || ok1 != ok2 {
						t.Errorf("MatchHeading(%q) = %v %q %v; regexp says %v %q %v", line, s1, r1, ok1, s2, r2, ok2)
					}
				}
			}
		}
	}
}

// FuzzHeadings checks the hand-written heading matchers against the
// regular expressions they stand in for.
func FuzzHeadings(f *testing.F) {
	f.Add("FINDINGS: mass")
	f.Add("Clinical  history -- pain")
	f.Add("CT chest.\tCLINICAL HISTORY: x. IMPRESSION: y")
	f.Fuzz(func(t *testing.T, line string) {
		if !utf8.ValidString(line) {
			return
		}
		if !mayHaveInlineHeading(line) && inlineHeadingRE.MatchString(line) {
			t.Errorf("mayHaveInlineHeading(%q) is false but the regexp matches", line)
		}
		if strings.ContainsAny(line, "\r\n\v\f\u0085\u00a0") {
			return
		}
		s1, r1, ok1 := MatchHeading(line)
		s2, r2, ok2 := matchHeadingRE(line)
		if s1 != s2 || r1 != r2 || ok1 != ok2 {
			t.Errorf("MatchHeading(%q) = %v %q %v; regexp says %v %q %v", line, s1, r1, ok1, s2, r2, ok2)
		}
	})
}
