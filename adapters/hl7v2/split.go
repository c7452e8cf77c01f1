package hl7v2

import (
	"bytes"
	"errors"
)

// SplitMessages splits a file of one or many HL7 messages (segments ended
// by CR, LF or CRLF; a new message at each line starting with MSH) into
// messages with CR segment ends. MLLP framing bytes and batch envelope
// segments (FHS, BHS, BTS, FTS) are dropped, blank lines ignored. Text
// before the first MSH is an error.
func SplitMessages(data []byte) ([][]byte, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var out [][]byte
	var cur []byte
	for len(data) > 0 {
		i := bytes.IndexAny(data, "\r\n")
		var line []byte
		if i < 0 {
			line, data = data, nil
		} else {
			line, data = data[:i], data[i+1:]
		}
		// Drop framing bytes byte by byte: the file may not be UTF-8.
		if bytes.IndexByte(line, 0x0b) >= 0 || bytes.IndexByte(line, 0x1c) >= 0 {
			line = bytes.ReplaceAll(bytes.ReplaceAll(line, []byte{0x0b}, nil), []byte{0x1c}, nil)
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		switch {
		case bytes.HasPrefix(line, []byte("MSH")):
			if cur != nil {
				out = append(out, cur)
			}
			cur = append(append([]byte(nil), line...), '\r')
		case hasAnyPrefix(line, "FHS", "BHS", "BTS", "FTS"):
		case cur == nil:
			return nil, errors.New("text before the first MSH segment")
		default:
			cur = append(append(cur, line...), '\r')
		}
	}
	if cur != nil {
		out = append(out, cur)
	}
	if len(out) == 0 {
		return nil, errors.New("no MSH segment: not an HL7 v2 message")
	}
	return out, nil
}

func hasAnyPrefix(b []byte, prefixes ...string) bool {
	for _, p := range prefixes {
		if bytes.HasPrefix(b, []byte(p)) {
			return true
		}
	}
	return false
}
