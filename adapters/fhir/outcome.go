package fhir

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	cpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/codes_go_proto"
	dtpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/datatypes_go_proto"
	oopb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/operation_outcome_go_proto"
)

// ContentType is the media type of FHIR JSON.
const ContentType = "application/fhir+json"

// Issue is one entry of an OperationOutcome. Severity is a FHIR
// issue-severity (fatal, error, warning, information) and Code a FHIR
// issue-type (invalid, structure, required, value, security, login,
// not-supported, too-long, too-costly, business-rule, not-found, transient,
// processing, informational, ...).
type Issue struct {
	Severity    string
	Code        string
	Diagnostics string
	// Expression is the FHIRPath of the element at fault, when known.
	Expression string
}

func errorIssue(code, format string, args ...any) Issue {
	return Issue{Severity: "error", Code: code, Diagnostics: fmt.Sprintf(format, args...)}
}

// OperationOutcome builds an R4 OperationOutcome with google/fhir/go, so
// that what radflag answers is valid R4 by construction.
func OperationOutcome(issues ...Issue) *oopb.OperationOutcome {
	oo := &oopb.OperationOutcome{}
	for _, is := range issues {
		sev := cpb.IssueSeverityCode_Value(cpb.IssueSeverityCode_Value_value[enumName(is.Severity)])
		if sev == cpb.IssueSeverityCode_INVALID_UNINITIALIZED {
			sev = cpb.IssueSeverityCode_ERROR
		}
		code := cpb.IssueTypeCode_Value(cpb.IssueTypeCode_Value_value[enumName(is.Code)])
		if code == cpb.IssueTypeCode_INVALID_UNINITIALIZED {
			code = cpb.IssueTypeCode_PROCESSING
		}
		pi := &oopb.OperationOutcome_Issue{
			Severity: &oopb.OperationOutcome_Issue_SeverityCode{Value: sev},
			Code:     &oopb.OperationOutcome_Issue_CodeType{Value: code},
		}
		if is.Diagnostics != "" {
			pi.Diagnostics = &dtpb.String{Value: is.Diagnostics}
		}
		if is.Expression != "" {
			pi.Expression = []*dtpb.String{{Value: is.Expression}}
		}
		oo.Issue = append(oo.Issue, pi)
	}
	if len(oo.Issue) == 0 {
		// An OperationOutcome needs at least one issue.
		oo.Issue = append(oo.Issue, &oopb.OperationOutcome_Issue{
			Severity: &oopb.OperationOutcome_Issue_SeverityCode{Value: cpb.IssueSeverityCode_INFORMATION},
			Code:     &oopb.OperationOutcome_Issue_CodeType{Value: cpb.IssueTypeCode_INFORMATIONAL},
		})
	}
	return oo
}

// enumName turns a FHIR code ("business-rule") into the proto enum name
// ("BUSINESS_RULE").
func enumName(code string) string {
	return strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(code), "-", "_"))
}

// writeOutcome answers with an OperationOutcome in FHIR JSON.
func writeOutcome(w http.ResponseWriter, status int, issues ...Issue) {
	body, err := marshalResource(OperationOutcome(issues...))
	if err != nil {
		// Cannot happen for the outcomes built above; answer anyway.
		body = []byte(`{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"exception"}]}`)
	}
	w.Header().Set("Content-Type", ContentType+"; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(body)
}

// outcomeIssues reads the issue codes and diagnostics of an
// OperationOutcome a server answered with. It is lenient (encoding/json)
// because it reads error bodies, which may be anything.
func outcomeIssues(body []byte) []Issue {
	var oo struct {
		ResourceType string `json:"resourceType"`
		Issue        []struct {
			Severity    string   `json:"severity"`
			Code        string   `json:"code"`
			Diagnostics string   `json:"diagnostics"`
			Expression  []string `json:"expression"`
		} `json:"issue"`
	}
	if json.Unmarshal(body, &oo) != nil || oo.ResourceType != "OperationOutcome" {
		return nil
	}
	var out []Issue
	for i, is := range oo.Issue {
		if i == 20 {
			break
		}
		x := Issue{Severity: is.Severity, Code: is.Code, Diagnostics: truncate(is.Diagnostics, 500)}
		if len(is.Expression) > 0 {
			x.Expression = truncate(is.Expression[0], 200)
		}
		out = append(out, x)
	}
	return out
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// Cut on a rune boundary.
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}
