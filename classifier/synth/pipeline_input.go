package synth

import (
	"strings"

	"github.com/radflag/radflag/pipeline"
)

// pipelineInput is the text the classifier reads at run time for a report
// whose full text is text, as the HL7 adapter finds its sections (line by
// line, inline headings broken, a heading's section lasting until the next
// one) and pipeline.Report.ClassifierInput joins them.
func pipelineInput(text string) string {
	var parts [pipeline.SectionOther + 1][]string
	cur := pipeline.SectionNone
	text = strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n")
	for _, l := range strings.Split(text, "\n") {
		for _, sub := range strings.Split(pipeline.BreakInlineHeadings(l), "\n") {
			keep := true
			if sec, after, ok := pipeline.MatchHeading(sub); ok {
				cur, sub, keep = sec, after, after != ""
			}
			if keep && strings.TrimSpace(sub) != "" && cur >= pipeline.SectionIndication && cur <= pipeline.SectionImpression {
				parts[cur] = append(parts[cur], sub)
			}
		}
	}
	r := pipeline.Report{Text: text, Sections: pipeline.Sections{
		Indication: strings.Join(parts[pipeline.SectionIndication], "\n"),
		Findings:   strings.Join(parts[pipeline.SectionFindings], "\n"),
		Impression: strings.Join(parts[pipeline.SectionImpression], "\n"),
	}}
	return r.ClassifierInput()
}

// keepsAll reports whether every non-blank line of the given bodies is in
// in: the pipeline's reading lost none of what decides the label.
func keepsAll(in string, bodies ...string) bool {
	for _, b := range bodies {
		for _, l := range strings.Split(strings.ReplaceAll(b, "\r\n", "\n"), "\n") {
			if l = strings.TrimSpace(l); l != "" && !strings.Contains(in, l) {
				return false
			}
		}
	}
	return true
}
