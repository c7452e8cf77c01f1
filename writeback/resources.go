package writeback

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/fhir/go/fhirversion"
	"github.com/google/fhir/go/jsonformat"
	cpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/codes_go_proto"
	dpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/datatypes_go_proto"
	flagpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/flag_go_proto"
	obspb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/observation_go_proto"
	"google.golang.org/protobuf/proto"

	"github.com/radflag/radflag/pipeline"
)

// Identifier systems, code systems and extensions radflag writes. They are
// stable: changing one makes radflag blind to what it wrote before.
const (
	Base = "https://radflag.org/fhir"
	// SystemResult identifies the resource for one report, task and model
	// version ("<report id>:<task>:<model version>"): the conditional-create key.
	SystemResult = Base + "/sid/result"
	// SystemReportTask identifies every resource radflag wrote for one report
	// and task ("<report id>:<task>"), whatever the version or model, so that
	// a corrected report finds the earlier resource.
	SystemReportTask = Base + "/sid/report-task"
	// SystemModel identifies a model ("<name>@<version>").
	SystemModel = Base + "/sid/model"
	// ExtResult records which result a resource reflects (report version,
	// status, label, model): writeback orders versions by it.
	ExtResult = Base + "/StructureDefinition/radflag-result"
	// ExtEvidence is one evidence sentence with its weight.
	ExtEvidence = Base + "/StructureDefinition/radflag-evidence"
	// ExtReview is a navigator's confirmation or rejection.
	ExtReview = Base + "/StructureDefinition/radflag-review"
	// ExtFlagDetail is the standard Flag extension pointing at the source.
	ExtFlagDetail = "http://hl7.org/fhir/StructureDefinition/flag-detail"

	systemV2ID       = "http://terminology.hl7.org/CodeSystem/v2-0203"
	systemFlagCat    = "http://terminology.hl7.org/CodeSystem/flag-category"
	systemObsCat     = "http://terminology.hl7.org/CodeSystem/observation-category"
	maxEvidence      = 5
	maxEvidenceChars = 1000
)

// CodeSystem is the code system of a task's labels.
func CodeSystem(task string) string { return Base + "/CodeSystem/" + task }

// resultKey and reportTaskKey are the identifier values.
func resultKey(r *pipeline.Result) string {
	return r.ReportID + ":" + r.Task + ":" + r.Model.Version
}

func reportTaskKey(reportID, task string) string { return reportID + ":" + task }

var marshaller *jsonformat.Marshaller

func init() {
	var err error
	if marshaller, err = jsonformat.NewMarshaller(false, "", "", fhirversion.R4); err != nil {
		panic(fmt.Sprintf("fhir marshaller: %v", err))
	}
}

func fstr(s string) *dpb.String { return &dpb.String{Value: s} }
func furi(s string) *dpb.Uri    { return &dpb.Uri{Value: s} }
func fcode(s string) *dpb.Code  { return &dpb.Code{Value: s} }

func fdateTime(t time.Time) *dpb.DateTime {
	return &dpb.DateTime{ValueUs: t.UnixMicro(), Timezone: "UTC", Precision: dpb.DateTime_MILLISECOND}
}

func fcoding(system, code, display string) *dpb.Coding {
	c := &dpb.Coding{System: furi(system), Code: fcode(code)}
	if display != "" {
		c.Display = fstr(display)
	}
	return c
}

func fdecimal(v float64) *dpb.Decimal {
	return &dpb.Decimal{Value: strconv.FormatFloat(v, 'f', 4, 64)}
}

func fident(system, value string) *dpb.Identifier {
	return &dpb.Identifier{System: furi(system), Value: fstr(value)}
}

func extValue(url string, v *dpb.Extension_ValueX) *dpb.Extension {
	return &dpb.Extension{Url: furi(url), Value: v}
}

func extString(url, s string) *dpb.Extension {
	return extValue(url, &dpb.Extension_ValueX{Choice: &dpb.Extension_ValueX_StringValue{StringValue: fstr(s)}})
}

func extCode(url, s string) *dpb.Extension {
	return extValue(url, &dpb.Extension_ValueX{Choice: &dpb.Extension_ValueX_Code{Code: fcode(s)}})
}

func extDateTime(url string, t time.Time) *dpb.Extension {
	return extValue(url, &dpb.Extension_ValueX{Choice: &dpb.Extension_ValueX_DateTime{DateTime: fdateTime(t)}})
}

func extDecimal(url string, v float64) *dpb.Extension {
	return extValue(url, &dpb.Extension_ValueX{Choice: &dpb.Extension_ValueX_Decimal{Decimal: fdecimal(v)}})
}

func extInt(url string, v int) *dpb.Extension {
	return extValue(url, &dpb.Extension_ValueX{Choice: &dpb.Extension_ValueX_Integer{Integer: &dpb.Integer{Value: int32(v)}}})
}

// marker is what a resource records about the result it reflects.
type marker struct {
	ResultID      string
	ReportVersion string
	ReportStatus  pipeline.Status
	Received      time.Time
	Label         string
	ModelVersion  string
	// Why is set when writeback changed the status for a reason other than
	// the result's own answer ("corrected report", "model revised").
	Why string
}

func markerOf(r *pipeline.Result, why string) marker {
	// Received is kept to the millisecond, as the extension stores it.
	return marker{ResultID: r.MsgID(), ReportVersion: r.ReportMessageID, ReportStatus: r.ReportStatus,
		Received: r.ReceivedAt.Truncate(time.Millisecond), Label: r.LabelName, ModelVersion: r.Model.Version, Why: why}
}

// compare orders report versions: by status (preliminary < final <
// corrected), then by when radflag received them.
func (m marker) compare(o marker) int {
	if d := m.ReportStatus.Rank() - o.ReportStatus.Rank(); d != 0 {
		return d
	}
	if !m.Received.Equal(o.Received) {
		if m.Received.Before(o.Received) {
			return -1
		}
		return 1
	}
	return strings.Compare(m.ReportVersion, o.ReportVersion)
}

// resultExtension is the radflag-result extension for r.
func resultExtension(r *pipeline.Result, why string) *dpb.Extension {
	e := &dpb.Extension{Url: furi(ExtResult), Extension: []*dpb.Extension{
		extString("resultId", r.MsgID()),
		extString("reportId", r.ReportID),
		extString("reportVersion", r.ReportMessageID),
		extCode("reportStatus", string(r.ReportStatus)),
		extDateTime("reportReceived", r.ReceivedAt),
		extCode("task", r.Task),
		extCode("label", r.LabelName),
		extDecimal("probability", r.Probabilities[r.LabelName]),
		extString("modelName", r.Model.Name),
		extString("modelVersion", r.Model.Version),
		extString("modelDigest", r.Model.Digest),
	}}
	if why != "" {
		e.Extension = append(e.Extension, extString("statusReason", why))
	}
	return e
}

// markerFromStored reads the radflag-result extension of a stored resource.
func markerFromStored(s *stored) (marker, bool) {
	e := s.ext(ExtResult)
	if e == nil {
		return marker{}, false
	}
	m := marker{
		ResultID:      e.sub("resultId").str(),
		ReportVersion: e.sub("reportVersion").str(),
		ReportStatus:  pipeline.Status(e.sub("reportStatus").str()),
		Label:         e.sub("label").str(),
		ModelVersion:  e.sub("modelVersion").str(),
		Why:           e.sub("statusReason").str(),
	}
	if t, err := time.Parse(time.RFC3339Nano, e.sub("reportReceived").str()); err == nil {
		m.Received = t
	}
	return m, true
}

func evidenceExtensions(ev []pipeline.Evidence) []*dpb.Extension {
	ev = append([]pipeline.Evidence(nil), ev...)
	sort.SliceStable(ev, func(i, j int) bool { return ev[i].Weight > ev[j].Weight })
	if len(ev) > maxEvidence {
		ev = ev[:maxEvidence]
	}
	var out []*dpb.Extension
	for _, e := range ev {
		text := strings.TrimSpace(e.Text)
		if len(text) > maxEvidenceChars {
			text = text[:maxEvidenceChars] + "…"
		}
		if text == "" {
			continue
		}
		out = append(out, &dpb.Extension{Url: furi(ExtEvidence), Extension: []*dpb.Extension{
			extString("text", text),
			extInt("start", e.Start),
			extInt("end", e.End),
			extDecimal("weight", e.Weight),
		}})
	}
	return out
}

// subjectRef points at the patient: by resolved id when there is one, else
// by identifier (Reference.identifier, which FHIR servers accept without a
// Patient resource).
func subjectRef(p pipeline.Identifier, patientID string) (*dpb.Reference, error) {
	ref := &dpb.Reference{Type: furi("Patient")}
	if patientID != "" {
		ref.Reference = &dpb.Reference_PatientId{PatientId: &dpb.ReferenceId{Value: patientID}}
		return ref, nil
	}
	if strings.TrimSpace(p.Value) == "" {
		return nil, permanent("result has no patient identifier")
	}
	id := fident(p.System, p.Value)
	if p.System == "" {
		id.System = nil
	}
	if p.Type != "" {
		id.Type = &dpb.CodeableConcept{Coding: []*dpb.Coding{fcoding(systemV2ID, p.Type, "")}}
	}
	ref.Identifier = id
	return ref, nil
}

// reportRef points at the source report: the DiagnosticReport itself when it
// came from this FHIR server, else by its accession number.
func reportRef(r *pipeline.Result) *dpb.Reference {
	ref := &dpb.Reference{Type: furi("DiagnosticReport")}
	if r.Source == pipeline.SourceFHIR || strings.HasPrefix(r.ReportID, "fhir:") {
		id := strings.TrimPrefix(r.ReportID, "fhir:")
		if i := strings.Index(id, "/_history/"); i >= 0 {
			id = id[:i]
		}
		id = strings.TrimPrefix(id, "DiagnosticReport/")
		if validID(id) {
			ref.Reference = &dpb.Reference_DiagnosticReportId{DiagnosticReportId: &dpb.ReferenceId{Value: id}}
		}
	}
	if r.Accession != "" {
		ref.Identifier = &dpb.Identifier{
			Type:  &dpb.CodeableConcept{Coding: []*dpb.Coding{fcoding(systemV2ID, "ACSN", "Accession ID")}},
			Value: fstr(r.Accession),
		}
	}
	disp := "Radiology report"
	if r.Procedure.Display != "" {
		disp = r.Procedure.Display
	}
	ref.Display = fstr(disp)
	return ref
}

// validID is FHIR's id syntax.
func validID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// deviceRef names radflag and the model that produced the result.
func deviceRef(m pipeline.ModelRef) *dpb.Reference {
	digest := m.Digest
	if len(digest) > 12 {
		digest = digest[:12]
	}
	return &dpb.Reference{
		Type:       furi("Device"),
		Identifier: fident(SystemModel, m.Name+"@"+m.Version),
		Display:    fstr(fmt.Sprintf("radflag %s model %s (sha256 %s)", m.Name, m.Version, digest)),
	}
}

// buildFlag is the Flag for a flagging result.
func buildFlag(tc TaskConfig, r *pipeline.Result, patientID string, now time.Time) (*flagpb.Flag, error) {
	subj, err := subjectRef(r.Patient, patientID)
	if err != nil {
		return nil, err
	}
	code := &dpb.CodeableConcept{Text: fstr(tc.text(r.LabelName))}
	for _, c := range tc.Codes {
		code.Coding = append(code.Coding, fcoding(c.System, c.Code, c.Display))
	}
	code.Coding = append(code.Coding, fcoding(CodeSystem(r.Task), r.LabelName, tc.display(r.LabelName)))
	start := r.ReceivedAt
	if start.IsZero() {
		start = now
	}
	f := &flagpb.Flag{
		Identifier: []*dpb.Identifier{
			fident(SystemResult, resultKey(r)),
			fident(SystemReportTask, reportTaskKey(r.ReportID, r.Task)),
		},
		Status:   &flagpb.Flag_StatusCode{Value: cpb.FlagStatusCode_ACTIVE},
		Category: []*dpb.CodeableConcept{{Coding: []*dpb.Coding{fcoding(systemFlagCat, "clinical", "Clinical")}}},
		Code:     code,
		Subject:  subj,
		Period:   &dpb.Period{Start: fdateTime(start)},
		Author:   deviceRef(r.Model),
		Extension: append([]*dpb.Extension{
			extValue(ExtFlagDetail, &dpb.Extension_ValueX{Choice: &dpb.Extension_ValueX_Reference{Reference: reportRef(r)}}),
			resultExtension(r, ""),
		}, evidenceExtensions(r.Evidence)...),
	}
	return f, nil
}

// observationStatus maps a report status to an Observation status.
func observationStatus(s pipeline.Status) cpb.ObservationStatusCode_Value {
	switch s {
	case pipeline.StatusPreliminary:
		return cpb.ObservationStatusCode_PRELIMINARY
	case pipeline.StatusCorrected:
		return cpb.ObservationStatusCode_CORRECTED
	}
	return cpb.ObservationStatusCode_FINAL
}

// buildObservation is the Observation recording a result's category.
func buildObservation(tc TaskConfig, r *pipeline.Result, patientID string, now time.Time) (*obspb.Observation, error) {
	subj, err := subjectRef(r.Patient, patientID)
	if err != nil {
		return nil, err
	}
	code := &dpb.CodeableConcept{Text: fstr(tc.Text)}
	for _, c := range tc.Codes {
		code.Coding = append(code.Coding, fcoding(c.System, c.Code, c.Display))
	}
	if len(code.Coding) == 0 {
		code.Coding = []*dpb.Coding{fcoding(Base+"/CodeSystem/task", r.Task, tc.Text)}
	}
	eff := r.ReceivedAt
	if eff.IsZero() {
		eff = now
	}
	o := &obspb.Observation{
		Identifier: []*dpb.Identifier{
			fident(SystemResult, resultKey(r)),
			fident(SystemReportTask, reportTaskKey(r.ReportID, r.Task)),
		},
		Status:    &obspb.Observation_StatusCode{Value: observationStatus(r.ReportStatus)},
		Category:  []*dpb.CodeableConcept{{Coding: []*dpb.Coding{fcoding(systemObsCat, "procedure", "Procedure")}}},
		Code:      code,
		Subject:   subj,
		Effective: &obspb.Observation_EffectiveX{Choice: &obspb.Observation_EffectiveX_DateTime{DateTime: fdateTime(eff)}},
		Issued:    &dpb.Instant{ValueUs: now.UnixMicro(), Timezone: "UTC", Precision: dpb.Instant_MILLISECOND},
		Value: &obspb.Observation_ValueX{Choice: &obspb.Observation_ValueX_CodeableConcept{CodeableConcept: &dpb.CodeableConcept{
			Coding: []*dpb.Coding{fcoding(CodeSystem(r.Task), r.LabelName, tc.display(r.LabelName))},
			Text:   fstr(tc.display(r.LabelName)),
		}}},
		DerivedFrom: []*dpb.Reference{reportRef(r)},
		Device:      deviceRef(r.Model),
		Component: []*obspb.Observation_Component{{
			Code: &dpb.CodeableConcept{Coding: []*dpb.Coding{fcoding(Base+"/CodeSystem/measure", "probability", "Model probability of the category")}},
			Value: &obspb.Observation_Component_ValueX{Choice: &obspb.Observation_Component_ValueX_Quantity{Quantity: &dpb.Quantity{
				Value: fdecimal(r.Probabilities[r.LabelName]), Unit: fstr("probability"),
				System: furi("http://unitsofmeasure.org"), Code: fcode("1"),
			}}},
		}},
		Extension: append([]*dpb.Extension{resultExtension(r, "")}, evidenceExtensions(r.Evidence)...),
	}
	return o, nil
}

// marshalResource writes a resource proto as FHIR JSON.
func marshalResource(m proto.Message) ([]byte, error) {
	b, err := marshaller.MarshalResource(m)
	if err != nil {
		return nil, permanent("encode %T: %w", m, err)
	}
	return b, nil
}

// marshalElement writes a datatype proto (an extension) as FHIR JSON.
func marshalElement(m proto.Message) (json.RawMessage, error) {
	b, err := marshaller.MarshalElement(m)
	if err != nil {
		return nil, permanent("encode %T: %w", m, err)
	}
	return b, nil
}

// patch edits a stored resource's JSON in place of a full rebuild, so that
// whatever else the server or a person put on it is kept.
type patch struct {
	m map[string]json.RawMessage
}

func newPatch(s *stored) (*patch, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(s.JSON, &m); err != nil {
		return nil, fmt.Errorf("decode %s/%s: %w", s.ResourceType, s.ID, err)
	}
	return &patch{m: m}, nil
}

func (p *patch) set(key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	p.m[key] = b
	return nil
}

// setExtension replaces every extension with url by the given ones (built
// with the FHIR protos), keeping the others.
func (p *patch) setExtension(url string, exts ...*dpb.Extension) error {
	var cur []json.RawMessage
	if raw, ok := p.m["extension"]; ok {
		if err := json.Unmarshal(raw, &cur); err != nil {
			return fmt.Errorf("decode extensions: %w", err)
		}
	}
	var out []json.RawMessage
	for _, e := range cur {
		var h struct {
			URL string `json:"url"`
		}
		if json.Unmarshal(e, &h) == nil && h.URL == url {
			continue
		}
		out = append(out, e)
	}
	for _, e := range exts {
		b, err := marshalElement(e)
		if err != nil {
			return err
		}
		out = append(out, b)
	}
	return p.set("extension", out)
}

// addIdentifier appends an identifier unless present.
func (p *patch) addIdentifier(system, value string) error {
	var cur []json.RawMessage
	if raw, ok := p.m["identifier"]; ok {
		if err := json.Unmarshal(raw, &cur); err != nil {
			return fmt.Errorf("decode identifiers: %w", err)
		}
	}
	for _, e := range cur {
		var id identifier
		if json.Unmarshal(e, &id) == nil && id.System == system && id.Value == value {
			return nil
		}
	}
	b, err := marshalElement(fident(system, value))
	if err != nil {
		return err
	}
	return p.set("identifier", append(cur, b))
}

// setPeriodEnd closes a Flag's period.
func (p *patch) setPeriodEnd(t time.Time) error {
	var per map[string]json.RawMessage
	if raw, ok := p.m["period"]; ok {
		_ = json.Unmarshal(raw, &per)
	}
	if per == nil {
		per = map[string]json.RawMessage{}
	}
	// A primitive cannot be marshalled alone: marshal a Period holding it.
	b, err := marshalElement(&dpb.Period{End: fdateTime(t)})
	if err != nil {
		return err
	}
	var tmp map[string]json.RawMessage
	if err := json.Unmarshal(b, &tmp); err != nil {
		return err
	}
	per["end"] = tmp["end"]
	return p.set("period", per)
}

func (p *patch) bytes() ([]byte, error) { return json.Marshal(p.m) }

// rebuild replaces the content of a stored resource by a freshly built one,
// keeping its id and every identifier and review it had.
func rebuild(s *stored, fresh []byte) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(fresh, &m); err != nil {
		return nil, err
	}
	p := &patch{m: m}
	if err := p.set("id", s.ID); err != nil {
		return nil, err
	}
	for _, id := range s.Identifier {
		if err := p.addIdentifier(id.System, id.Value); err != nil {
			return nil, err
		}
	}
	old, err := newPatch(s)
	if err != nil {
		return nil, err
	}
	// Keep the navigators' reviews and other parties' extensions.
	var oldExt []json.RawMessage
	if raw, ok := old.m["extension"]; ok {
		_ = json.Unmarshal(raw, &oldExt)
	}
	var newExt []json.RawMessage
	if raw, ok := p.m["extension"]; ok {
		_ = json.Unmarshal(raw, &newExt)
	}
	for _, e := range oldExt {
		var h struct {
			URL string `json:"url"`
		}
		if json.Unmarshal(e, &h) != nil {
			continue
		}
		switch h.URL {
		case ExtResult, ExtEvidence, ExtFlagDetail:
			continue
		}
		newExt = append(newExt, e)
	}
	if err := p.set("extension", newExt); err != nil {
		return nil, err
	}
	return p.bytes()
}

// setStatusReason records why writeback changed the status, inside the
// radflag-result extension (replacing an earlier reason).
func (p *patch) setStatusReason(why string) error {
	var cur []map[string]json.RawMessage
	if raw, ok := p.m["extension"]; ok {
		if err := json.Unmarshal(raw, &cur); err != nil {
			return fmt.Errorf("decode extensions: %w", err)
		}
	}
	reason, err := marshalElement(extString("statusReason", why))
	if err != nil {
		return err
	}
	for _, e := range cur {
		var url string
		_ = json.Unmarshal(e["url"], &url)
		if url != ExtResult {
			continue
		}
		var subs []json.RawMessage
		_ = json.Unmarshal(e["extension"], &subs)
		kept := subs[:0]
		for _, s := range subs {
			var h struct {
				URL string `json:"url"`
			}
			if json.Unmarshal(s, &h) == nil && h.URL == "statusReason" {
				continue
			}
			kept = append(kept, s)
		}
		b, err := json.Marshal(append(kept, reason))
		if err != nil {
			return err
		}
		e["extension"] = b
	}
	return p.set("extension", cur)
}

// clearPeriodEnd reopens a Flag's period.
func (p *patch) clearPeriodEnd() {
	var per map[string]json.RawMessage
	if raw, ok := p.m["period"]; ok && json.Unmarshal(raw, &per) == nil {
		delete(per, "end")
		_ = p.set("period", per)
	}
}
