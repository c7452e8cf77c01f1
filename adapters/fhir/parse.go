package fhir

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/google/fhir/go/fhirversion"
	"github.com/google/fhir/go/jsonformat"
	dtpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/datatypes_go_proto"
	bcrpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/bundle_and_contained_resource_go_proto"
	drpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/diagnostic_report_go_proto"
	obspb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/observation_go_proto"
	"google.golang.org/protobuf/proto"
)

// maxNesting bounds how deep a resource may nest, so that a hostile body
// cannot drive the parser into deep recursion.
const maxNesting = 64

var (
	// The google/fhir/go (un)marshallers hold no per-call state; one of
	// each serves every goroutine.
	r4Parser = sync.OnceValue(func() *jsonformat.Unmarshaller {
		u, err := jsonformat.NewUnmarshaller("UTC", fhirversion.R4)
		if err != nil {
			panic(fmt.Sprintf("fhir: R4 unmarshaller: %v", err)) // static configuration
		}
		u.MaxNestingDepth = maxNesting
		return u
	})
	r4Printer = sync.OnceValue(func() *jsonformat.Marshaller {
		m, err := jsonformat.NewMarshaller(false, "", "", fhirversion.R4)
		if err != nil {
			panic(fmt.Sprintf("fhir: R4 marshaller: %v", err))
		}
		return m
	})
)

// MarshalResource encodes an R4 resource proto (a Flag, an Observation, a
// Subscription, an OperationOutcome) as FHIR JSON.
func MarshalResource(r proto.Message) ([]byte, error) { return marshalResource(r) }

func marshalResource(r proto.Message) ([]byte, error) {
	b, err := r4Printer().MarshalResource(r)
	if err != nil {
		return nil, fmt.Errorf("marshal %T as FHIR JSON: %w", r, err)
	}
	return b, nil
}

// Rejection is input that can never be processed: the sender gets Status
// (4xx) with Issues in an OperationOutcome; Reason is the bounded metric label.
type Rejection struct {
	Status int
	Reason string
	Issues []Issue
}

func (r *Rejection) Error() string {
	if len(r.Issues) == 0 {
		return "rejected: " + r.Reason
	}
	return "rejected: " + r.Reason + ": " + r.Issues[0].Diagnostics
}

func reject(status int, reason string, issues ...Issue) *Rejection {
	return &Rejection{Status: status, Reason: reason, Issues: issues}
}

// peekType reads resourceType from a JSON object, refusing what is not a
// JSON object. It is the first, cheap look at a body.
func peekType(b []byte) (string, error) {
	var head struct {
		ResourceType *string `json:"resourceType"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field == "" {
			return "", reject(http.StatusBadRequest, "not_a_resource",
				errorIssue("structure", "the body is JSON but not a FHIR resource (a JSON object)"))
		}
		if errors.As(err, &te) {
			return "", reject(http.StatusBadRequest, "not_a_resource",
				errorIssue("structure", "resourceType must be a string"))
		}
		return "", reject(http.StatusBadRequest, "invalid_json",
			errorIssue("structure", "the body is not valid JSON: %s", jsonErrorText(err)))
	}
	if head.ResourceType == nil || *head.ResourceType == "" {
		return "", reject(http.StatusBadRequest, "not_a_resource",
			errorIssue("required", "the JSON object has no resourceType"))
	}
	return *head.ResourceType, nil
}

// jsonErrorText describes a JSON syntax error by position only; the
// message of encoding/json may quote input, which can be report text.
func jsonErrorText(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		if strings.HasPrefix(se.Error(), "unexpected end") {
			return fmt.Sprintf("unexpected end of input at byte %d (truncated?)", se.Offset)
		}
		return fmt.Sprintf("syntax error at byte %d", se.Offset)
	}
	return "malformed JSON"
}

// parseR4 parses and validates one R4 resource with google/fhir/go. Parse
// and validation errors become a 400 Rejection with one issue per error.
func parseR4(raw []byte, what string) (*bcrpb.ContainedResource, error) {
	msg, err := r4Parser().Unmarshal(raw)
	if err != nil {
		return nil, reject(http.StatusBadRequest, "invalid_r4", r4Issues(err, what)...)
	}
	cr, ok := msg.(*bcrpb.ContainedResource)
	if !ok {
		return nil, reject(http.StatusBadRequest, "invalid_r4", errorIssue("structure", "%s: not an R4 resource", what))
	}
	return cr, nil
}

// r4Issues turns google/fhir/go's error list (one error a line, each "error
// at PATH: what") into issues.
func r4Issues(err error, what string) []Issue {
	var out []Issue
	for _, line := range strings.Split(err.Error(), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		is := Issue{Severity: "error", Code: "invalid", Diagnostics: fmt.Sprintf("%s is not valid FHIR R4: %s", what, truncate(line, 300))}
		if rest, ok := strings.CutPrefix(line, `error at "`); ok {
			if path, _, ok := strings.Cut(rest, `"`); ok {
				is.Expression = path
			}
		}
		if strings.Contains(line, "missing required field") {
			is.Code = "required"
		}
		out = append(out, is)
		if len(out) == 20 {
			break
		}
	}
	if len(out) == 0 {
		out = append(out, errorIssue("invalid", "%s is not valid FHIR R4", what))
	}
	return out
}

// parseDiagnosticReport parses and validates a DiagnosticReport.
func parseDiagnosticReport(raw []byte) (*drpb.DiagnosticReport, error) {
	cr, err := parseR4(raw, "DiagnosticReport")
	if err != nil {
		return nil, err
	}
	dr := cr.GetDiagnosticReport()
	if dr == nil {
		return nil, reject(http.StatusBadRequest, "wrong_resource_type",
			errorIssue("not-supported", "expected a DiagnosticReport"))
	}
	return dr, nil
}

// parseObservation parses and validates an Observation.
func parseObservation(raw []byte) (*obspb.Observation, error) {
	cr, err := parseR4(raw, "Observation")
	if err != nil {
		return nil, err
	}
	o := cr.GetObservation()
	if o == nil {
		return nil, reject(http.StatusBadRequest, "wrong_resource_type", errorIssue("not-supported", "expected an Observation"))
	}
	return o, nil
}

// referenceString gives a reference back its JSON form ("Observation/1",
// "#frag", an absolute URL); google/fhir/go stores it typed.
func referenceString(ref *dtpb.Reference) string {
	if ref == nil {
		return ""
	}
	c := proto.Clone(ref).(*dtpb.Reference)
	if err := jsonformat.DenormalizeReference(c); err != nil {
		return ""
	}
	return c.GetUri().GetValue()
}
