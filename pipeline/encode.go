package pipeline

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// AppendReport appends r in the stable, versioned JSON form to dst and
// returns the extended buffer; MarshalReport is AppendReport to a new one.
//
// It is written by hand, not with encoding/json, because every report
// received is encoded once on the ingest hot path, and reflection, the
// base64 copy of Raw and the growing buffer cost more there than parsing
// the HL7 message does. Its output is byte for byte what json.Marshal gives
// for Report (field order, omitempty and omitzero, HTML-safe string
// escaping, invalid UTF-8 as U+FFFD, base64 Raw, RFC 3339 times), which
// TestAppendReportMatchesEncodingJSON and FuzzAppendReport check, so that
// readers see no difference. A field added to Report must be added here too
// (TestAppendReportCoversFields fails until it is).
func AppendReport(dst []byte, r *Report) ([]byte, error) {
	if n := encodedReportSize(r); cap(dst)-len(dst) < n {
		grown := make([]byte, len(dst), len(dst)+n)
		copy(grown, dst)
		dst = grown
	}
	dst = append(dst, `{"schema":`...)
	dst = strconv.AppendInt(dst, SchemaVersion, 10)
	dst = append(dst, `,"id":`...)
	dst = appendJSONString(dst, r.ID)
	dst = append(dst, `,"source":`...)
	dst = appendJSONString(dst, string(r.Source))
	dst = append(dst, `,"message_id":`...)
	dst = appendJSONString(dst, r.MessageID)
	if r.Version != "" {
		dst = append(dst, `,"version":`...)
		dst = appendJSONString(dst, r.Version)
	}
	if r.Accession != "" {
		dst = append(dst, `,"accession":`...)
		dst = appendJSONString(dst, r.Accession)
	}
	dst = append(dst, `,"patient":{`...)
	comma := false
	if r.Patient.System != "" {
		dst = append(dst, `"system":`...)
		dst = appendJSONString(dst, r.Patient.System)
		comma = true
	}
	if comma {
		dst = append(dst, ',')
	}
	dst = append(dst, `"value":`...)
	dst = appendJSONString(dst, r.Patient.Value)
	if r.Patient.Type != "" {
		dst = append(dst, `,"type":`...)
		dst = appendJSONString(dst, r.Patient.Type)
	}
	dst = append(dst, '}')
	if r.Modality != "" {
		dst = append(dst, `,"modality":`...)
		dst = appendJSONString(dst, r.Modality)
	}
	dst = append(dst, `,"procedure":`...)
	dst = appendOptionalFields(dst, [...]string{"system", r.Procedure.System, "code", r.Procedure.Code, "display", r.Procedure.Display})
	dst = append(dst, `,"status":`...)
	dst = appendJSONString(dst, string(r.Status))
	dst = append(dst, `,"sections":`...)
	dst = appendOptionalFields(dst, [...]string{"indication", r.Sections.Indication, "findings", r.Sections.Findings, "impression", r.Sections.Impression})
	dst = append(dst, `,"text":`...)
	dst = appendJSONString(dst, r.Text)
	var err error
	if !r.ObservedAt.IsZero() {
		dst = append(dst, `,"observed_at":"`...)
		if dst, err = r.ObservedAt.AppendText(dst); err != nil {
			return nil, fmt.Errorf("encode report %s: observed_at: %w", r.ID, err)
		}
		dst = append(dst, '"')
	}
	dst = append(dst, `,"received_at":"`...)
	if dst, err = r.ReceivedAt.AppendText(dst); err != nil {
		return nil, fmt.Errorf("encode report %s: received_at: %w", r.ID, err)
	}
	dst = append(dst, '"')
	if len(r.Raw) > 0 {
		dst = append(dst, `,"raw":"`...)
		dst = base64.StdEncoding.AppendEncode(dst, r.Raw)
		dst = append(dst, '"')
	}
	if r.RawType != "" {
		dst = append(dst, `,"raw_type":`...)
		dst = appendJSONString(dst, r.RawType)
	}
	return append(dst, '}'), nil
}

// appendOptionalFields writes an object of string fields that are all
// omitempty, given as name, value pairs.
func appendOptionalFields(dst []byte, kv [6]string) []byte {
	dst = append(dst, '{')
	comma := false
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == "" {
			continue
		}
		if comma {
			dst = append(dst, ',')
		}
		dst = append(dst, '"')
		dst = append(dst, kv[i]...)
		dst = append(dst, `":`...)
		dst = appendJSONString(dst, kv[i+1])
		comma = true
	}
	return append(dst, '}')
}

// encodedReportSize is an upper bound of AppendReport's output for
// ordinary text (escapes may need more; append then grows the buffer), so
// that the common case writes into one allocation: field names and
// punctuation take about 340 bytes and the two times up to 35 each.
func encodedReportSize(r *Report) int {
	n := 448 + len(r.ID) + len(r.Source) + len(r.MessageID) + len(r.Version) + len(r.Accession) +
		len(r.Patient.System) + len(r.Patient.Value) + len(r.Patient.Type) + len(r.Modality) +
		len(r.Procedure.System) + len(r.Procedure.Code) + len(r.Procedure.Display) + len(r.Status) +
		len(r.RawType) + base64.StdEncoding.EncodedLen(len(r.Raw))
	// Line breaks in the text and sections become two bytes each.
	for _, s := range [...]string{r.Sections.Indication, r.Sections.Findings, r.Sections.Impression, r.Text} {
		n += len(s) + len(s)/8
	}
	return n
}

const hexDigits = "0123456789abcdef"

// jsonSafe marks the ASCII bytes encoding/json writes as they are with
// HTML escaping on: printable, except '"', '\\', '<', '>' and '&'.
var jsonSafe = func() (t [utf8.RuneSelf]bool) {
	for c := ' '; c < utf8.RuneSelf; c++ {
		t[c] = true
	}
	for _, c := range `"\<>&` {
		t[c] = false
	}
	return t
}()

// appendJSONString is encoding/json's string encoding with HTML escaping
// (json.Marshal's default), copied so that the output is identical.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if jsonSafe[b] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		// U+2028 and U+2029 are valid in JSON but not in JavaScript;
		// encoding/json escapes them, so do we.
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
