package fhir

import (
	"encoding/json"
	"testing"
)

func TestHTMLText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"narrative div", `<div xmlns="http://www.w3.org/1999/xhtml"><p><b>FINDINGS:</b> mass   in
			head</p><p>IMPRESSION: cancer</p></div>`, "FINDINGS: mass in head\n\nIMPRESSION: cancer"},
		{"br and entities", `a&amp;b<br/>c&lt;d&gt;&#x41;&#66;&nbsp;e`, "a&b\nc<d>AB e"},
		{"script and style dropped", `<style>p{x:1}</style>x<SCRIPT type="t">alert(1)</ScRiPt>y`, "xy"},
		{"comment and doctype", `<!DOCTYPE html><!-- secret -->text<?xml x?>`, "text"},
		{"attributes with >", `<p title="a>b">t</p>`, "t"},
		{"pre keeps lines", "<pre>FINDINGS:\n  a\nIMPRESSION:\n  b</pre>", "FINDINGS:\na\nIMPRESSION:\nb"},
		{"table cells", `<table><tr><th>Exam</th><td>CT</td></tr></table>`, "Exam CT"},
		{"lone angle bracket", `size < 2 cm`, "size < 2 cm"},
		{"unclosed tag", `text <b`, "text"},
		{"unclosed comment", `a<!-- b`, "a"},
		{"cdata", `<![CDATA[x<y]]>z`, "x<yz"},
		{"namespaced tags", `<xhtml:p>one</xhtml:p><xhtml:p>two</xhtml:p>`, "one\n\ntwo"},
		{"blank lines collapse", `<p>a</p><p></p><p></p><div>b</div>`, "a\n\nb"},
		{"Kelvin sign in script name", "<script>x</\u212acript>y", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := HTMLText(tc.in); got != tc.want {
				t.Errorf("HTMLText(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestBytesToText(t *testing.T) {
	tests := []struct {
		name, ct string
		data     []byte
		want     string
	}{
		{"plain crlf", "text/plain", []byte("A:\r\n b  \r\n\r\n\r\nc"), "A:\nb\n\nc"},
		{"latin-1", "text/plain; charset=ISO-8859-1", []byte("caf\xe9"), "café"},
		{"windows-1252 html", "text/html;charset=windows-1252", []byte("<p>\x93quoted\x94</p>"), "\u201cquoted\u201d"},
		{"unknown charset read as utf-8", "text/plain; charset=x-nonsense", []byte("ok"), "ok"},
		{"invalid utf-8 replaced", "text/plain", []byte("a\xffb"), "a\uFFFDb"},
		{"pdf unread", "application/pdf", []byte("%PDF-1.4"), ""},
		{"rtf unread", "text/rtf", []byte(`{\rtf1 x}`), ""},
		{"sniffed html", "", []byte("<p>x</p>"), "x"},
		{"sniffed text", "", []byte("IMPRESSION: x"), "IMPRESSION: x"},
		{"sniffed pdf", "", []byte("%PDF-1.7 ..."), ""},
		{"broken type sniffed", "text/", []byte("hello"), "hello"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := bytesToText(tc.ct, tc.data); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestCTFilter(t *testing.T) {
	dr := func(code, category string) []byte {
		s := `{"resourceType":"DiagnosticReport","id":"x","status":"final","code":` + code
		if category != "" {
			s += `,"category":[` + category + `]`
		}
		return []byte(s + `,"conclusion":"c"}`)
	}
	rad := `{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0074","code":"RAD"}]}`
	tests := []struct {
		name         string
		filter       CTFilter
		code, cat    string
		wantSkip     string
		wantModality bool
	}{
		{"LOINC display", CTFilter{}, `{"coding":[{"system":"http://loinc.org","code":"99999-9","display":"CT Abdomen"}]}`, "", "", true},
		{"LOINC code without display", CTFilter{}, `{"coding":[{"system":"http://loinc.org","code":"36813-4"}]}`, "", "", true},
		{"CPT range", CTFilter{}, `{"coding":[{"system":"http://www.ama-assn.org/go/cpt","code":"74177"}]}`, "", "", true},
		{"CPT outside the range", CTFilter{}, `{"coding":[{"system":"http://www.ama-assn.org/go/cpt","code":"74181"}]}`, "", SkipNotCT, false},
		{"text", CTFilter{}, `{"text":"CTA CHEST PE PROTOCOL"}`, "", "", true},
		{"computed tomography", CTFilter{}, `{"text":"Computed tomography of the abdomen"}`, "", "", true},
		{"PET/CT", CTFilter{}, `{"text":"PET/CT skull base to thigh"}`, "", "", true},
		{"not a word inside another", CTFilter{}, `{"text":"ULTRASOUND ABDOMEN, DUCT STONES"}`, "", SkipNotCT, false},
		{"MR", CTFilter{}, `{"text":"MRI PANCREAS"}`, "", SkipNotCT, false},
		{"DICOM modality category", CTFilter{}, `{"text":"ABDOMEN"}`, `{"coding":[{"system":"http://dicom.nema.org/resources/ontology/DCM","code":"CT"}]}`, "", true},
		{"local code configured", CTFilter{Codes: []string{"urn:oid:1.2.3|IMG9"}}, `{"coding":[{"system":"urn:oid:1.2.3","code":"IMG9"}]}`, "", "", true},
		{"local code any system", CTFilter{Codes: []string{"IMG9"}}, `{"coding":[{"system":"urn:x","code":"IMG9"}]}`, "", "", true},
		{"no default codes", CTFilter{NoDefaultCodes: true}, `{"coding":[{"system":"http://www.ama-assn.org/go/cpt","code":"74177"}]}`, "", SkipNotCT, false},
		{"custom pattern", CTFilter{TextPattern: `(?i)\bTDM\b`}, `{"text":"TDM THORAX"}`, "", "", true},
		{"category required, present", CTFilter{Categories: []string{"RAD"}}, `{"text":"CT HEAD"}`, rad, "", true},
		{"category required, absent", CTFilter{Categories: []string{"RAD"}}, `{"text":"CT HEAD"}`, "", SkipNotRadiology, true},
		{"accept all", CTFilter{AcceptAll: true}, `{"text":"XR CHEST"}`, "", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := tc.filter.compile()
			if err != nil {
				t.Fatal(err)
			}
			d, err := parseDiagnosticReport(dr(tc.code, tc.cat))
			if err != nil {
				t.Fatal(err)
			}
			if got := m.classify(d); got != tc.wantSkip {
				t.Errorf("classify = %q, want %q", got, tc.wantSkip)
			}
			if got := m.ctByCode(d); got != tc.wantModality {
				t.Errorf("ctByCode = %v, want %v", got, tc.wantModality)
			}
		})
	}
	if _, err := (CTFilter{TextPattern: "("}).compile(); err == nil {
		t.Error("bad pattern accepted")
	}
}

// TestMessageIDWithoutVersion: without meta.versionId the message id is a
// digest, equal for a resend of the same content, different for a change.
func TestMessageIDWithoutVersion(t *testing.T) {
	conv := testConverter(t, CTFilter{})
	id := func(s string) string {
		dr, err := parseDiagnosticReport([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		r, _, err := conv.convert(t.Context(), []byte(s), dr, nil)
		if err != nil {
			t.Fatal(err)
		}
		return r.MessageID
	}
	a := id(`{"resourceType":"DiagnosticReport","id":"v","status":"final","code":{"text":"CT"},"conclusion":"one"}`)
	a2 := id(`{"id":"v","resourceType":"DiagnosticReport", "status":"final","code":{"text":"CT"},"conclusion":"one"}`)
	b := id(`{"resourceType":"DiagnosticReport","id":"v","status":"corrected","code":{"text":"CT"},"conclusion":"two"}`)
	c := id(`{"resourceType":"DiagnosticReport","id":"v","meta":{"lastUpdated":"2024-01-01T00:00:00Z"},"status":"final","code":{"text":"CT"},"conclusion":"one"}`)
	if a != a2 || a == b || a == c || len(a) < len("fhir:v:sha256-") {
		t.Errorf("ids: same %s %s, changed %s, touched %s", a, a2, b, c)
	}
}

// TestOperationOutcomeShape: the outcome radflag answers is R4 JSON with
// the codes given.
func TestOperationOutcomeShape(t *testing.T) {
	b, err := marshalResource(OperationOutcome(
		Issue{Severity: "error", Code: "business-rule", Diagnostics: "d", Expression: "DiagnosticReport.status"},
		Issue{Severity: "bogus", Code: "bogus"}))
	if err != nil {
		t.Fatal(err)
	}
	var oo struct {
		ResourceType string `json:"resourceType"`
		Issue        []struct {
			Severity, Code, Diagnostics string
			Expression                  []string
		} `json:"issue"`
	}
	if err := json.Unmarshal(b, &oo); err != nil {
		t.Fatal(err)
	}
	if oo.ResourceType != "OperationOutcome" || len(oo.Issue) != 2 || oo.Issue[0].Code != "business-rule" ||
		oo.Issue[0].Expression[0] != "DiagnosticReport.status" || oo.Issue[1].Severity != "error" || oo.Issue[1].Code != "processing" {
		t.Errorf("%s", b)
	}
	if _, err := marshalResource(OperationOutcome()); err != nil {
		t.Errorf("empty outcome: %v", err)
	}
}
