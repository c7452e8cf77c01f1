package hl7v2

import (
	"fmt"
	"strings"
	"time"

	"github.com/radflag/radflag/pipeline"
)

// RawType is the media type of Report.Raw for HL7 v2 messages.
const RawType = "x-application/hl7-v2+er7"

// Skip is returned for a valid message that radflag does not process (not
// ORU^R01, not CT, no result yet): the sender gets AA, nothing is stored.
type Skip struct {
	// Reason is a short, bounded token for metrics ("not_oru", "not_ct").
	Reason string
	Text   string
}

func (s *Skip) Error() string { return "skipped (" + s.Reason + "): " + s.Text }

// ReportOptions are what ToReport needs besides the message.
type ReportOptions struct {
	// ReceivedAt is stamped on the report.
	ReceivedAt time.Time
	// Location reads HL7 timestamps that carry no UTC offset (default UTC).
	Location *time.Location
	// OBR is the order the report is about; nil means the message's first.
	OBR *Segment
}

// supportedVersion reports whether v (MSH-12.1) is an HL7 version radflag
// reads: 2.3 to 2.8, with an optional one- or two-digit third part
// (^2\.[3-8](?:\.[0-9]{1,2})?$, checked by hand as it runs for every
// message; TestSupportedVersion holds the two together).
func supportedVersion(v string) bool {
	if len(v) < 3 || v[0] != '2' || v[1] != '.' || v[2] < '3' || v[2] > '8' {
		return false
	}
	rest := v[3:]
	if rest == "" {
		return true
	}
	if rest[0] != '.' || len(rest) < 2 || len(rest) > 3 {
		return false
	}
	for i := 1; i < len(rest); i++ {
		if rest[i] < '0' || rest[i] > '9' {
			return false
		}
	}
	return true
}

// CheckHeader checks what every message needs before it can be answered
// meaningfully: a control id, a version radflag reads, a message type and
// a sender. These are strict: a wrong control id or sender would make the
// ACK or the de-duplication key wrong.
func CheckHeader(m *Message) error {
	switch {
	case strings.TrimSpace(m.ControlID()) == "":
		return &Error{Code: CodeRequiredMissing, Reason: "no_control_id", Segment: "MSH", Seq: 1, Field: 10, Text: "MSH-10 message control id is empty"}
	case m.msh().v(9, 0, 1, 0) == "":
		return &Error{Code: CodeRequiredMissing, Reason: "no_message_type", Segment: "MSH", Seq: 1, Field: 9, Text: "MSH-9 message type is empty"}
	case m.Version() == "":
		return &Error{Code: CodeRequiredMissing, Reason: "no_version", Segment: "MSH", Seq: 1, Field: 12, Text: "MSH-12 version id is empty"}
	case !supportedVersion(m.Version()):
		return &Error{Code: CodeUnsupportedVersion, Reason: "version", Segment: "MSH", Seq: 1, Field: 12,
			Text: fmt.Sprintf("version %q is not supported (2.3 to 2.8)", truncate(m.Version(), 20))}
	case sender(m) == "":
		return &Error{Code: CodeRequiredMissing, Reason: "no_sender", Segment: "MSH", Seq: 1, Field: 4, Text: "MSH-4 sending facility and MSH-3 sending application are both empty"}
	}
	return nil
}

// sender is who the control id is unique for: MSH-4 (sending facility),
// or MSH-3 (sending application) when a sender leaves MSH-4 empty.
func sender(m *Message) string {
	if s := idToken(m.msh().v(4, 0, 1, 0)); s != "" {
		return s
	}
	return idToken(m.msh().v(3, 0, 1, 0))
}

// issuer is who assigned the accession number: MSH-4 (the facility), or
// when a sender leaves it empty the filler's namespace (OBR-3.2, ORC-3.2),
// or MSH-3. It must not change between versions of a report.
func issuer(m *Message, obr *Segment) string {
	if s := idToken(m.msh().v(4, 0, 1, 0)); s != "" {
		return s
	}
	if s := idToken(obr.v(3, 0, 2, 0)); s != "" {
		return s
	}
	if s := idToken(m.First("ORC").v(3, 0, 2, 0)); s != "" {
		return s
	}
	return idToken(m.msh().v(3, 0, 1, 0))
}

// MessageID is the de-duplication key of a message: hl7:<MSH-4>:<MSH-10>.
func MessageID(m *Message) string {
	return "hl7:" + sender(m) + ":" + idToken(m.ControlID())
}

// idToken makes a value safe inside an id that also travels as a NATS
// header: no control characters or spaces at the ends.
func idToken(s string) string {
	s = strings.TrimSpace(s)
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return '_'
		}
		return r
	}, s)
}

// IsORU reports whether m is an ORU^R01.
func IsORU(m *Message) bool {
	code, event := m.Type()
	return strings.EqualFold(code, "ORU") && strings.EqualFold(event, "R01")
}

// ToReport normalises an ORU^R01 into a Report. It returns an *Error when
// the message lacks what a report needs (accession, status, text) and a
// *Skip when the order has no result yet or was cancelled.
func ToReport(m *Message, raw []byte, opts ReportOptions) (*pipeline.Report, error) {
	obr := opts.OBR
	if obr == nil {
		obr = m.First("OBR")
	}
	if obr == nil {
		return nil, &Error{Code: CodeSegmentSequence, Reason: "no_obr", Segment: "OBR", Seq: 1, Text: "ORU^R01 has no OBR segment"}
	}
	loc := opts.Location
	if loc == nil {
		loc = time.UTC
	}
	r := &pipeline.Report{
		Schema:     pipeline.SchemaVersion,
		Source:     pipeline.SourceHL7,
		MessageID:  MessageID(m),
		Version:    idToken(m.ControlID()),
		Modality:   "CT",
		Procedure:  coding(obr, 4),
		Patient:    patient(m.First("PID")),
		ReceivedAt: opts.ReceivedAt,
		Raw:        raw,
		RawType:    RawType,
	}
	obrSeq := occurrenceOf(m, obr)
	r.Accession = idToken(obr.v(3, 0, 1, 0))
	if r.Accession == "" {
		r.Accession = idToken(m.First("ORC").v(3, 0, 1, 0))
	}
	if r.Accession == "" {
		return nil, &Error{Code: CodeRequiredMissing, Reason: "no_accession", Segment: "OBR", Seq: obrSeq, Field: 3,
			Text: "OBR-3 filler order number (accession) and ORC-3 are empty"}
	}
	r.ID = "hl7:" + issuer(m, obr) + ":" + r.Accession

	status, err := resultStatus(m, obr, obrSeq)
	if err != nil {
		return nil, err
	}
	r.Status = status

	r.Text, r.Sections = reportText(m)
	if strings.TrimSpace(r.Text) == "" {
		return nil, &Error{Code: CodeRequiredMissing, Reason: "no_text", Segment: "OBX", Seq: 1, Field: 5,
			Text: "no report text in any OBX-5 (value types TX, FT, ST, CE, CWE, ED)"}
	}
	for _, f := range []int{7, 22} {
		if t, ok := ParseTime(obr.v(f, 0, 1, 0), loc); ok {
			r.ObservedAt = t.UTC()
			break
		}
	}
	return r, nil
}

func occurrenceOf(m *Message, seg *Segment) int {
	n := 0
	for _, s := range m.segments {
		if s.Name == seg.Name {
			n++
		}
		if s == seg {
			return n
		}
	}
	return 1
}

// resultStatus reads OBR-25, or the most advanced OBX-11 when OBR-25 says
// nothing radflag knows.
func resultStatus(m *Message, obr *Segment, obrSeq int) (pipeline.Status, error) {
	v := strings.ToUpper(strings.TrimSpace(obr.v(25, 0, 0, 0)))
	switch v {
	case "P", "A", "R":
		return pipeline.StatusPreliminary, nil
	case "F":
		return pipeline.StatusFinal, nil
	case "C":
		return pipeline.StatusCorrected, nil
	case "O", "I", "S", "X", "Y", "Z":
		return "", &Skip{Reason: "no_result", Text: fmt.Sprintf("OBR-25 result status %q carries no report", v)}
	}
	best := pipeline.Status("")
	for _, obx := range m.All("OBX") {
		var s pipeline.Status
		switch strings.ToUpper(strings.TrimSpace(obx.v(11, 0, 0, 0))) {
		case "P", "R", "S":
			s = pipeline.StatusPreliminary
		case "F", "U":
			s = pipeline.StatusFinal
		case "C":
			s = pipeline.StatusCorrected
		}
		if s.Rank() > best.Rank() {
			best = s
		}
	}
	if best == "" {
		return "", &Error{Code: CodeRequiredMissing, Reason: "no_status", Segment: "OBR", Seq: obrSeq, Field: 25,
			Text: "no result status: OBR-25 and OBX-11 hold none of P, F, C"}
	}
	return best, nil
}

// patient reads PID-3: the repetition typed MR (medical record number), or
// the first. System is the assigning authority: its OID when it has one.
func patient(pid *Segment) pipeline.Identifier {
	if pid == nil {
		return pipeline.Identifier{}
	}
	reps := pid.Reps(3)
	if len(reps) == 0 {
		return pipeline.Identifier{}
	}
	pick := 1
	for i := range reps {
		if strings.EqualFold(pid.v(3, i+1, 5, 0), "MR") {
			pick = i + 1
			break
		}
	}
	id := pipeline.Identifier{Value: pid.v(3, pick, 1, 0), Type: pid.v(3, pick, 5, 0)}
	if oid, typ := pid.v(3, pick, 4, 2), pid.v(3, pick, 4, 3); oid != "" && strings.EqualFold(typ, "ISO") {
		id.System = "urn:oid:" + oid
	} else {
		id.System = pid.v(3, pick, 4, 1)
	}
	return id
}

// codeSystems maps HL7 coding system names (table 0396) to the URIs FHIR
// uses, so that both adapters describe a procedure the same way.
var codeSystems = map[string]string{
	"C4":     "http://www.ama-assn.org/go/cpt",
	"CPT":    "http://www.ama-assn.org/go/cpt",
	"CPT4":   "http://www.ama-assn.org/go/cpt",
	"LN":     "http://loinc.org",
	"SCT":    "http://snomed.info/sct",
	"SNM":    "http://snomed.info/sct",
	"I10P":   "http://www.cms.gov/Medicare/Coding/ICD10",
	"RADLEX": "http://radlex.org",
	"RID":    "http://radlex.org",
}

// coding reads a CE/CWE field: the primary code, or the alternate one when
// the primary is empty.
func coding(seg *Segment, field int) pipeline.Coding {
	for _, c := range [][3]int{{1, 2, 3}, {4, 5, 6}} {
		code, text, sys := seg.v(field, 0, c[0], 0), seg.v(field, 0, c[1], 0), seg.v(field, 0, c[2], 0)
		if code == "" && text == "" {
			continue
		}
		if uri, ok := codeSystems[strings.ToUpper(sys)]; ok {
			sys = uri
		}
		if text == "" {
			text = seg.v(field, 0, 9, 0) // CWE original text
		}
		return pipeline.Coding{System: sys, Code: code, Display: text}
	}
	return pipeline.Coding{}
}
