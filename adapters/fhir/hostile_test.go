package fhir

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestIngestHostileBodies: bodies no sender should send — invalid UTF-8
// (raw bytes, in the id, in a field name), escaped lone surrogates, NUL,
// nesting deep enough to exhaust a recursive parser, huge numbers and
// strings, duplicate keys — are answered 400 with an OperationOutcome that
// says where (by JSON path or byte offset, never by quoting the input), or
// stored as valid UTF-8 when JSON's own rules make them text (an escaped
// lone surrogate becomes U+FFFD; the last of duplicate keys wins, in the
// envelope check and the R4 parser alike). None crashes the handler and
// the log names neither the bytes nor the report text.
func TestIngestHostileBodies(t *testing.T) {
	var logs logBuffer
	bus := openBus(t, t.TempDir())
	srv := newHandler(t, IngestConfig{Store: bus, Logger: logs.logger(), MaxBodyBytes: 4 << 20})
	dr := func(id, conclusion string) []byte {
		return []byte(`{"resourceType":"DiagnosticReport","id":"` + id + `","status":"final","code":{"text":"CT ABDOMEN"},` +
			`"subject":{"identifier":{"system":"urn:mrn","value":"MRN-HOSTILE-4711"}},"conclusion":"` + conclusion + `"}`)
	}
	deep := func(open, close string, n int) []byte {
		return []byte(`{"resourceType":"DiagnosticReport","id":"deep","status":"final","code":{"text":"CT"},"conclusion":"x","extension":` +
			strings.Repeat(open, n) + strings.Repeat(close, n) + `}`)
	}
	tests := []struct {
		name, path string
		body       []byte
		status     int
	}{
		{"invalid UTF-8 in the conclusion", PathDiagnosticReport, dr("u1", "Zebedee Quartermain \xff\xfe mass in the pancreatic head"), 400},
		{"invalid UTF-8 in the id", PathDiagnosticReport, dr("u2\xff", "hypodense lesion of Zebedee Quartermain"), 400},
		{"invalid UTF-8 in a field name", PathDiagnosticReport, []byte(`{"resourceType":"DiagnosticReport","id":"u3","status":"final","code":{"text":"CT"},"conc\xc0\xafusion":"Zebedee Quartermain"}`), 400},
		{"invalid UTF-8 in resourceType", PathDiagnosticReport, []byte(`{"resourceType":"Diagnostic\xffReport","id":"u4"}`), 400},
		{"overlong encoding", PathDiagnosticReport, dr("u5", "Zebedee \xc0\xaf\xe0\x80\xaf Quartermain"), 400},
		{"truncated multi-byte sequence at the end", PathDiagnosticReport, append(dr("u6", "Zebedee Quartermain")[:40], 0xe2, 0x82), 400},
		{"escaped lone surrogate", PathDiagnosticReport, dr("u7", `Zebedee \ud800 Quartermain \udfff`), 200},
		{"NUL bytes", PathDiagnosticReport, dr("u8", "Zebedee\x00Quartermain"), 400},
		{"escaped NUL", PathDiagnosticReport, dr("u9", `Zebedee\u0000Quartermain`), 400},
		{"invalid UTF-8 to notify", PathNotify, []byte(`{"resourceType":"Bundle","type":"history","entry":[{"resource":` + string(dr("n1", "Zebedee \xff Quartermain")) + `}]}`), 400},
		{"invalid UTF-8 in a Bundle type", PathNotify, []byte(`{"resourceType":"Bundle","type":"hist\xffory","entry":[]}`), 400},
		{"deep arrays", PathDiagnosticReport, deep("[", "]", 200000), 400},
		{"deep objects", PathDiagnosticReport, deep(`{"a":`, "}", 100000), 400},
		{"deep arrays to notify", PathNotify, []byte(`{"resourceType":"Bundle","type":"history","entry":` + strings.Repeat("[", 200000) + strings.Repeat("]", 200000) + `}`), 400},
		{"huge number", PathDiagnosticReport, []byte(`{"resourceType":"DiagnosticReport","id":"big","status":"final","code":{"text":"CT"},"conclusion":"x","issued":1` + strings.Repeat("0", 100000) + `}`), 400},
		{"duplicate keys", PathDiagnosticReport, []byte(`{"resourceType":"DiagnosticReport","id":"dup","id":"dup2","status":"final","code":{"text":"CT"},"conclusion":"Zebedee Quartermain"}`), 200},
		{"resourceType twice", PathDiagnosticReport, []byte(`{"resourceType":"Patient","resourceType":"DiagnosticReport","id":"rt2","status":"final","code":{"text":"CT"},"conclusion":"x"}`), 200},
		{"BOM", PathDiagnosticReport, append([]byte("\xef\xbb\xbf"), dr("bom", "x")...), 400},
		{"UTF-16", PathDiagnosticReport, utf16LE(string(dr("u16", "x"))), 400},
		{"long string", PathDiagnosticReport, dr("long", strings.Repeat("Zebedee Quartermain ", 150000)), 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := post(t, srv, tc.path, testToken, tc.body)
			if a.status != tc.status {
				t.Fatalf("status %d, want %d: %s", a.status, tc.status, truncate(a.diagnostics(), 300))
			}
			if !a.outcome {
				t.Errorf("answer is not a valid R4 OperationOutcome: %s", truncate(string(a.body), 300))
			}
			if !utf8.Valid(a.body) {
				t.Errorf("answer is not UTF-8: %q", truncate(string(a.body), 300))
			}
			if bytes.Contains(a.body, []byte("Zebedee")) {
				t.Errorf("answer quotes the report text: %s", truncate(string(a.body), 300))
			}
		})
	}
	for _, r := range storedReports(t, bus) {
		if !utf8.ValidString(r.Text) || !utf8.ValidString(r.ID) {
			t.Errorf("stored report %q holds invalid UTF-8", r.ID)
		}
	}
	out := logs.String()
	if !utf8.ValidString(out) {
		t.Error("the log is not valid UTF-8")
	}
	if leak := containsAny(out, "Zebedee", "Quartermain", "MRN-HOSTILE-4711", "\xff"); leak != "" {
		t.Fatalf("log holds %q:\n%s", leak, out)
	}
	if n := strings.Count(out, "\n"); n < len(tests) {
		t.Errorf("%d log lines for %d requests: every refusal should be logged", n, len(tests))
	}
}

func utf16LE(s string) []byte {
	out := []byte{0xff, 0xfe}
	for _, r := range s {
		out = append(out, byte(r), byte(r>>8))
	}
	return out
}
