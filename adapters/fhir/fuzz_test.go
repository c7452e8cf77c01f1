package fhir

import (
	"context"
	"errors"
	"testing"
	"unicode/utf8"

	"github.com/radflag/radflag/pipeline"
)

// FuzzDecode feeds arbitrary bodies through everything radflag does with
// what a sender posts, short of storing: payload and notification decoding,
// R4 parsing and validation, conversion to a Report (text, sections, HTML),
// and the OperationOutcome for a rejection. None may panic; every refusal
// must be a 4xx Rejection; every Report must be valid and encodable. Seeds
// are in testdata/fuzz/FuzzDecode (the fixtures of testdata/fhir, whole and
// truncated, and odd shapes).
func FuzzDecode(f *testing.F) {
	conv := testConverter(f, CTFilter{})
	ctx := context.Background()
	checkRejection := func(t *testing.T, err error) {
		var rej *Rejection
		if !errors.As(err, &rej) {
			t.Fatalf("refusal is not a Rejection: %v", err)
		}
		if rej.Status < 400 || rej.Status >= 500 || rej.Reason == "" || len(rej.Issues) == 0 {
			t.Fatalf("bad rejection: %+v", rej)
		}
		if _, err := marshalResource(OperationOutcome(rej.Issues...)); err != nil {
			t.Fatalf("outcome for %+v: %v", rej, err)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := decodePayload(data, 100)
		if err != nil {
			checkRejection(t, err)
			return
		}
		for _, it := range p.items {
			dr, err := parseDiagnosticReport(it.raw)
			if err != nil {
				checkRejection(t, err)
				continue
			}
			r, skip, err := conv.convert(ctx, it.raw, dr, p.included)
			switch {
			case err != nil:
				checkRejection(t, err) // no client: nothing transient can happen
			case skip != "":
			case r == nil:
				t.Fatal("no report, no skip, no error")
			default:
				if err := r.Validate(); err != nil {
					t.Fatalf("invalid report: %v", err)
				}
				if !utf8.ValidString(r.Text) {
					t.Fatal("report text is not UTF-8")
				}
				if _, err := pipeline.MarshalReport(r); err != nil {
					t.Fatal(err)
				}
			}
		}
		if s := HTMLText(string(data)); utf8.Valid(data) && !utf8.ValidString(s) {
			t.Fatal("HTMLText made invalid UTF-8 from valid input")
		}
	})
}
