package hl7v2

import "fmt"

// ErrorCode is an HL7 error code from table 0357 (message error condition
// codes), as ERR-3 (v2.5+) or ERR-1.4 (v2.3, v2.4) carry it.
type ErrorCode int

const (
	CodeSegmentSequence    ErrorCode = 100
	CodeRequiredMissing    ErrorCode = 101
	CodeDataType           ErrorCode = 102
	CodeTableValue         ErrorCode = 103
	CodeUnsupportedType    ErrorCode = 200
	CodeUnsupportedEvent   ErrorCode = 201
	CodeUnsupportedVersion ErrorCode = 203
	CodeInternal           ErrorCode = 207
)

// Text is the code's name in table 0357.
func (c ErrorCode) Text() string {
	switch c {
	case CodeSegmentSequence:
		return "Segment sequence error"
	case CodeRequiredMissing:
		return "Required field missing"
	case CodeDataType:
		return "Data type error"
	case CodeTableValue:
		return "Table value not found"
	case CodeUnsupportedType:
		return "Unsupported message type"
	case CodeUnsupportedEvent:
		return "Unsupported event code"
	case CodeUnsupportedVersion:
		return "Unsupported version id"
	case CodeInternal:
		return "Application internal error"
	}
	return "Error"
}

// Error is why a message is rejected: what the ACK's ERR segment says.
// Text is for the sender's interface analyst and the operator's log; it
// never holds a value from the message other than MSH header fields.
type Error struct {
	Code ErrorCode
	// Reason is a short, bounded token for metrics ("no_msh", "missing_text").
	Reason string
	// Segment, Seq (1-based occurrence) and Field locate the error; zero
	// when unknown.
	Segment string
	Seq     int
	Field   int
	Text    string
}

func (e *Error) Error() string {
	loc := ""
	if e.Segment != "" {
		loc = e.Segment
		if e.Field > 0 {
			loc = fmt.Sprintf("%s-%d", e.Segment, e.Field)
		}
		loc += ": "
	}
	return fmt.Sprintf("hl7 %d %s: %s%s", int(e.Code), e.Code.Text(), loc, e.Text)
}
