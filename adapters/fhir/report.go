package fhir

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	cpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/codes_go_proto"
	dtpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/datatypes_go_proto"
	bcrpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/bundle_and_contained_resource_go_proto"
	drpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/diagnostic_report_go_proto"
	obspb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/observation_go_proto"
	"google.golang.org/protobuf/proto"

	"github.com/radflag/radflag/pipeline"
)

const (
	defaultMaxResults         = 50
	defaultMaxAttachmentBytes = 5 << 20
	maxTextBytes              = 1 << 20
)

// converter turns DiagnosticReports into pipeline.Reports. It reads
// referenced Observations and attachment URLs from the server when it has a
// client; without one it uses only what came with the report.
type converter struct {
	ct                 *ctMatcher
	client             *Client
	now                func() time.Time
	log                *slog.Logger
	maxResults         int
	maxAttachmentBytes int64
}

// statusMap maps FHIR report statuses to report versions. Statuses absent
// here (registered, cancelled, entered-in-error, unknown) have no report
// text to classify and are skipped.
var statusMap = map[cpb.DiagnosticReportStatusCode_Value]pipeline.Status{
	cpb.DiagnosticReportStatusCode_PRELIMINARY: pipeline.StatusPreliminary,
	cpb.DiagnosticReportStatusCode_PARTIAL:     pipeline.StatusPreliminary,
	cpb.DiagnosticReportStatusCode_FINAL:       pipeline.StatusFinal,
	cpb.DiagnosticReportStatusCode_AMENDED:     pipeline.StatusCorrected,
	cpb.DiagnosticReportStatusCode_CORRECTED:   pipeline.StatusCorrected,
	cpb.DiagnosticReportStatusCode_APPENDED:    pipeline.StatusCorrected,
}

// convert turns one parsed DiagnosticReport into a Report. It returns a
// skip reason (and no report) for a report radflag does not process, a
// *Rejection for one it never can, and other errors (the server could not
// be read) for ones worth trying again. included holds resources that came
// with it ("Observation/1" → JSON), read before asking the server.
func (c *converter) convert(ctx context.Context, raw []byte, dr *drpb.DiagnosticReport, included map[string][]byte) (*pipeline.Report, string, error) {
	id := dr.GetId().GetValue()
	if id == "" {
		return nil, "", reject(http.StatusUnprocessableEntity, "no_id",
			Issue{Severity: "error", Code: "required", Expression: "DiagnosticReport.id",
				Diagnostics: "DiagnosticReport.id is required: radflag identifies a report by its id on the sending server"})
	}
	sv := dr.GetStatus().GetValue()
	status, ok := statusMap[sv]
	if !ok {
		return nil, "status_" + strings.ToLower(sv.String()), nil
	}
	if reason := c.ct.classify(dr); reason != "" {
		return nil, reason, nil
	}
	text, secs, err := c.text(ctx, id, dr, included)
	if err != nil {
		return nil, "", err
	}
	if strings.TrimSpace(text) == "" {
		return nil, "", reject(http.StatusUnprocessableEntity, "no_text", Issue{Severity: "error", Code: "required",
			Expression:  "DiagnosticReport",
			Diagnostics: "DiagnosticReport/" + id + " has no report text radflag can read: no text/plain or text/html presentedForm, conclusion, narrative or Observation valueString"})
	}
	if len(text) > maxTextBytes {
		// Radiology reports are kilobytes; this bound keeps a stored
		// report (text plus the raw resource) within the bus's message size.
		return nil, "", reject(http.StatusRequestEntityTooLarge, "too_large", errorIssue("too-long",
			"DiagnosticReport/%s has %d bytes of text, more than the %d radflag stores", id, len(text), maxTextBytes))
	}
	version := dr.GetMeta().GetVersionId().GetValue()
	if version == "" {
		// Without meta.versionId the id alone cannot be the key: a
		// corrected report keeps its id, and would be dropped as a
		// duplicate of the first version. A digest of the resource
		// (meta.lastUpdated included) keeps a resend of the same content
		// a duplicate while any change makes a new version.
		version = "sha256-" + digest(dr)
	}
	r := &pipeline.Report{
		ID:         "fhir:" + id,
		Source:     pipeline.SourceFHIR,
		MessageID:  "fhir:" + id + ":" + version,
		Version:    version,
		Accession:  accession(dr),
		Patient:    patient(dr),
		Procedure:  procedure(dr.GetCode()),
		Status:     status,
		Sections:   secs,
		Text:       text,
		ObservedAt: observedAt(dr),
		ReceivedAt: c.now().UTC(),
		Raw:        raw,
		RawType:    ContentType,
	}
	if c.ct.ctByCode(dr) {
		r.Modality = "CT"
	}
	if err := r.Validate(); err != nil {
		return nil, "", reject(http.StatusUnprocessableEntity, "invalid_report", errorIssue("processing", "%v", err))
	}
	return r, "", nil
}

func digest(m proto.Message) string {
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		return "unhashable"
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:12])
}

// text assembles a report's text and sections, in this order of trust:
// presentedForm (the report as the radiologist signed it), else the string
// values of its Observations, else the narrative; the conclusion is added
// when the text does not already hold it.
func (c *converter) text(ctx context.Context, id string, dr *drpb.DiagnosticReport, included map[string][]byte) (string, pipeline.Sections, error) {
	var secs pipeline.Sections
	found := false
	body, err := c.presentedForm(ctx, id, dr)
	if err != nil {
		return "", secs, err
	}
	if body != "" {
		secs, found = pipeline.SplitSections(body)
	}
	if body == "" {
		obs, err := c.observations(ctx, id, dr, included)
		if err != nil {
			return "", secs, err
		}
		var b strings.Builder
		for _, o := range obs {
			sec := pipeline.SectionForCode(o.code, o.heading)
			switch sec {
			case pipeline.SectionIndication, pipeline.SectionFindings, pipeline.SectionImpression:
				secs.Add(sec, o.value)
				found = true
			default:
				if s, ok := pipeline.SplitSections(o.value); ok {
					secs.Add(pipeline.SectionIndication, s.Indication)
					secs.Add(pipeline.SectionFindings, s.Findings)
					secs.Add(pipeline.SectionImpression, s.Impression)
					found = true
				}
			}
			if b.Len() > 0 {
				b.WriteString("\n\n")
			}
			if h := sectionHeading(sec, o.heading); h != "" {
				b.WriteString(h)
				b.WriteString(":\n")
			}
			b.WriteString(o.value)
		}
		body = b.String()
	}
	conclusion := plainText(dr.GetConclusion().GetValue())
	if body == "" {
		narr := dr.GetText()
		// A generated narrative only restates the structured fields
		// (status, code, conclusion): use it when nothing else is there.
		if div := narr.GetDiv().GetValue(); div != "" && (narr.GetStatus().GetValue() != cpb.NarrativeStatusCode_GENERATED || conclusion == "") {
			body = HTMLText(div)
			secs, found = pipeline.SplitSections(body)
		}
	}
	switch {
	case conclusion == "":
	case body == "":
		body = conclusion
		secs = pipeline.Sections{Impression: conclusion}
	case !strings.Contains(normSpace(body), normSpace(conclusion)):
		body += "\n\nCONCLUSION:\n" + conclusion
		// Without headings the text is classified whole; only a sectioned
		// report gets the conclusion as its missing impression.
		if found && secs.Impression == "" {
			secs.Impression = conclusion
		}
	}
	return body, secs, nil
}

// presentedForm reads the text attachments: text/plain ones if any, else
// text/html ones; PDF, RTF and images are passed over.
func (c *converter) presentedForm(ctx context.Context, id string, dr *drpb.DiagnosticReport) (string, error) {
	var plain, htmlParts []string
	seen := map[string]bool{}
	skipped := 0
	for i, a := range dr.GetPresentedForm() {
		ct := a.GetContentType().GetValue()
		data := a.GetData().GetValue()
		if len(data) == 0 && a.GetUrl().GetValue() != "" && readableType(ct) {
			var err error
			data, ct, err = c.fetchAttachment(ctx, id, i, a)
			if err != nil {
				return "", err
			}
		}
		if len(data) == 0 {
			continue
		}
		t := bytesToText(ct, data)
		if t == "" {
			skipped++
			continue
		}
		if key := normSpace(t); !seen[key] {
			seen[key] = true
			if kind, _ := textKind(ct, data); kind == "html" {
				htmlParts = append(htmlParts, t)
			} else {
				plain = append(plain, t)
			}
		}
	}
	if skipped > 0 && len(plain)+len(htmlParts) == 0 {
		c.log.Info("fhir report attachments not readable as text", "report", "fhir:"+id, "attachments", skipped)
	}
	if len(plain) > 0 {
		return strings.Join(plain, "\n\n"), nil
	}
	return strings.Join(htmlParts, "\n\n"), nil
}

// fetchAttachment reads an attachment URL from the configured server (never
// from anywhere else: the request carries radflag's token). A Binary
// resource answer is unwrapped.
func (c *converter) fetchAttachment(ctx context.Context, id string, i int, a *dtpb.Attachment) ([]byte, string, error) {
	u := a.GetUrl().GetValue()
	ct := a.GetContentType().GetValue()
	if c.client == nil {
		c.log.Warn("fhir report attachment has a URL but no FHIR server is configured to read it", "report", "fhir:"+id, "attachment", i)
		return nil, "", nil
	}
	rel, err := c.client.RelativeReference(u)
	if err != nil {
		c.log.Warn("fhir report attachment not on the configured server, not read", "report", "fhir:"+id, "attachment", i)
		return nil, "", nil
	}
	accept := ContentType + ";q=0.9"
	if ct != "" {
		accept = ct + ", " + accept
	}
	resp, err := c.client.Do(ctx, Request{Method: http.MethodGet, Path: rel, Accept: accept, MaxBytes: c.maxAttachmentBytes})
	if err != nil {
		if IsRetryable(err) {
			return nil, "", fmt.Errorf("read attachment %d of DiagnosticReport/%s: %w", i, id, err)
		}
		c.log.Warn("fhir report attachment could not be read", "report", "fhir:"+id, "attachment", i, "err", err)
		return nil, "", nil
	}
	rct := resp.Header.Get("Content-Type")
	if strings.Contains(rct, "json") {
		if cr, err := parseR4(resp.Body, "Binary"); err == nil && cr.GetBinary() != nil {
			b := cr.GetBinary()
			return b.GetData().GetValue(), b.GetContentType().GetValue(), nil
		}
	}
	if ct == "" {
		ct = rct
	}
	return resp.Body, ct, nil
}

// sectionHeading is the heading an Observation's text is written under: the
// section's own name when its code says which, so that the text reads (and
// splits) like a dictated report, else the code's text.
func sectionHeading(sec pipeline.Section, heading string) string {
	switch sec {
	case pipeline.SectionIndication:
		return "INDICATION"
	case pipeline.SectionFindings:
		return "FINDINGS"
	case pipeline.SectionImpression:
		return "IMPRESSION"
	}
	return strings.ToUpper(heading)
}

// readableType reports whether an attachment of this declared type may
// hold text worth fetching: no PDF, RTF or image is read only to be thrown
// away.
func readableType(ct string) bool {
	if ct == "" {
		return true
	}
	kind, _ := textKind(ct, nil)
	return kind != ""
}

// obsText is one Observation (or component) string value with its code.
type obsText struct {
	code, heading, value string
}

// observations collects the string values of the report's result
// Observations: contained (#id), came with the report (included), or read
// from the server, in the order the report lists them.
func (c *converter) observations(ctx context.Context, id string, dr *drpb.DiagnosticReport, included map[string][]byte) ([]obsText, error) {
	contained := map[string]*obspb.Observation{}
	for _, a := range dr.GetContained() {
		cr := &bcrpb.ContainedResource{}
		if a.UnmarshalTo(cr) != nil {
			continue
		}
		if o := cr.GetObservation(); o != nil && o.GetId().GetValue() != "" {
			contained[o.GetId().GetValue()] = o
		}
	}
	var out []obsText
	fetched := 0
	for _, ref := range dr.GetResult() {
		rs := referenceString(ref)
		var o *obspb.Observation
		switch {
		case strings.HasPrefix(rs, "#"):
			o = contained[rs[1:]]
		case rs != "":
			key := rs
			if c.client != nil {
				if rel, err := c.client.RelativeReference(rs); err == nil {
					key = rel
				}
			}
			if t, oid, _, ok := splitReference(key); ok && t == "Observation" {
				key = "Observation/" + oid
			}
			if raw, ok := included[key]; ok {
				var err error
				if o, err = parseObservation(raw); err != nil {
					c.log.Warn("fhir report result Observation is not valid R4, ignored", "report", "fhir:"+id, "observation", key)
					continue
				}
				break
			}
			if c.client == nil || fetched >= c.maxResults {
				continue
			}
			fetched++
			raw, err := c.client.ReadReference(ctx, rs)
			if err != nil {
				if IsRetryable(err) {
					return nil, fmt.Errorf("read result %s of DiagnosticReport/%s: %w", key, id, err)
				}
				c.log.Warn("fhir report result Observation could not be read, ignored", "report", "fhir:"+id, "observation", key, "err", err)
				continue
			}
			if o, err = parseObservation(raw); err != nil {
				c.log.Warn("fhir report result Observation is not valid R4, ignored", "report", "fhir:"+id, "observation", key)
				continue
			}
		}
		if o == nil {
			continue
		}
		switch o.GetStatus().GetValue() {
		case cpb.ObservationStatusCode_ENTERED_IN_ERROR, cpb.ObservationStatusCode_CANCELLED:
			continue
		}
		if v := plainText(o.GetValue().GetStringValue().GetValue()); v != "" {
			code, heading := conceptCode(o.GetCode())
			out = append(out, obsText{code: code, heading: heading, value: v})
		}
		for _, comp := range o.GetComponent() {
			if v := plainText(comp.GetValue().GetStringValue().GetValue()); v != "" {
				code, heading := conceptCode(comp.GetCode())
				out = append(out, obsText{code: code, heading: heading, value: v})
			}
		}
	}
	return out, nil
}

// conceptCode picks a code (LOINC first) and a heading (text, else
// display) from a CodeableConcept.
func conceptCode(cc *dtpb.CodeableConcept) (code, heading string) {
	heading = cc.GetText().GetValue()
	for _, c := range cc.GetCoding() {
		if code == "" || c.GetSystem().GetValue() == SystemLOINC {
			code = c.GetCode().GetValue()
			if heading == "" || c.GetSystem().GetValue() == SystemLOINC && cc.GetText().GetValue() == "" {
				heading = c.GetDisplay().GetValue()
			}
		}
	}
	return code, strings.TrimSpace(heading)
}

// procedure picks the code of the study: LOINC, then CPT, then the first.
func procedure(cc *dtpb.CodeableConcept) pipeline.Coding {
	var best *dtpb.Coding
	rank := func(c *dtpb.Coding) int {
		switch c.GetSystem().GetValue() {
		case SystemLOINC:
			return 3
		case SystemCPT:
			return 2
		}
		return 1
	}
	for _, c := range cc.GetCoding() {
		if c.GetCode().GetValue() == "" {
			continue
		}
		if best == nil || rank(c) > rank(best) {
			best = c
		}
	}
	out := pipeline.Coding{Display: cc.GetText().GetValue()}
	if best != nil {
		out.System, out.Code = best.GetSystem().GetValue(), best.GetCode().GetValue()
		if d := best.GetDisplay().GetValue(); d != "" {
			out.Display = d
		}
	}
	return out
}

// accession is the identifier typed ACSN (v2-0203), else one whose system
// names an accession number.
func accession(dr *drpb.DiagnosticReport) string {
	for _, id := range dr.GetIdentifier() {
		for _, c := range id.GetType().GetCoding() {
			if c.GetCode().GetValue() == "ACSN" {
				return id.GetValue().GetValue()
			}
		}
	}
	for _, id := range dr.GetIdentifier() {
		if strings.Contains(strings.ToLower(id.GetSystem().GetValue()), "accession") {
			return id.GetValue().GetValue()
		}
	}
	return ""
}

// patient is who the report is about: the subject's identifier (the
// subject's reference's, or a contained Patient's), else the literal
// reference itself with Type "reference" ("Patient/123" on the sending
// server).
func patient(dr *drpb.DiagnosticReport) pipeline.Identifier {
	subj := dr.GetSubject()
	if id := subj.GetIdentifier(); id.GetValue().GetValue() != "" {
		return identifier(id)
	}
	ref := referenceString(subj)
	if strings.HasPrefix(ref, "#") {
		for _, a := range dr.GetContained() {
			cr := &bcrpb.ContainedResource{}
			if a.UnmarshalTo(cr) != nil {
				continue
			}
			if p := cr.GetPatient(); p != nil && "#"+p.GetId().GetValue() == ref {
				for _, id := range p.GetIdentifier() {
					if id.GetValue().GetValue() != "" {
						return identifier(id)
					}
				}
			}
		}
		return pipeline.Identifier{}
	}
	if ref != "" {
		return pipeline.Identifier{Value: ref, Type: "reference"}
	}
	return pipeline.Identifier{}
}

func identifier(id *dtpb.Identifier) pipeline.Identifier {
	out := pipeline.Identifier{System: id.GetSystem().GetValue(), Value: id.GetValue().GetValue()}
	for _, c := range id.GetType().GetCoding() {
		if c.GetCode().GetValue() != "" {
			out.Type = c.GetCode().GetValue()
			break
		}
	}
	return out
}

// observedAt is when the study was done (effective), else when the report
// was issued.
func observedAt(dr *drpb.DiagnosticReport) time.Time {
	if dt := dr.GetEffective().GetDateTime(); dt != nil && dt.GetValueUs() != 0 {
		return time.UnixMicro(dt.GetValueUs()).UTC()
	}
	if p := dr.GetEffective().GetPeriod(); p.GetStart().GetValueUs() != 0 {
		return time.UnixMicro(p.GetStart().GetValueUs()).UTC()
	}
	if is := dr.GetIssued(); is.GetValueUs() != 0 {
		return time.UnixMicro(is.GetValueUs()).UTC()
	}
	return time.Time{}
}
