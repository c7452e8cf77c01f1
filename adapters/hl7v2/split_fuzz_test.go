package hl7v2

import (
	"bytes"
	"testing"
)

// FuzzSplitMessages feeds arbitrary files to the splitter `radflag send`
// uses: it must never panic; every message it returns starts with MSH,
// ends with CR, holds no MLLP framing byte, LF or empty segment; and
// splitting the messages joined again gives them back.
func FuzzSplitMessages(f *testing.F) {
	f.Add([]byte("MSH|a\rPID|1\r"))
	f.Add([]byte("\xef\xbb\xbfFHS|x\r\nBHS|y\n\x0bMSH|a\rPID|1\r\x1c\r\x0bMSH|b\r\x1c\rBTS|2\rFTS|1\r"))
	f.Add([]byte("MSH|a\n\n  \nOBX|1|TX|||M\xfcller\r\nMSH|b"))
	f.Add([]byte("hello\rMSH|a\r"))
	f.Fuzz(func(t *testing.T, data []byte) {
		msgs, err := SplitMessages(data)
		if err != nil {
			if msgs != nil {
				t.Fatal("messages and an error")
			}
			return
		}
		if len(msgs) == 0 {
			t.Fatal("no messages and no error")
		}
		for _, m := range msgs {
			if !bytes.HasPrefix(m, []byte("MSH")) || m[len(m)-1] != '\r' || bytes.ContainsAny(m, "\x0b\x1c\n") {
				t.Fatalf("bad message %q", m)
			}
			for _, seg := range bytes.Split(m[:len(m)-1], []byte("\r")) {
				if len(bytes.TrimSpace(seg)) == 0 {
					t.Fatalf("empty segment in %q", m)
				}
			}
		}
		again, err := SplitMessages(bytes.Join(msgs, nil))
		if err != nil || len(again) != len(msgs) {
			t.Fatalf("re-split: %d messages, %v; want %d", len(again), err, len(msgs))
		}
		for i := range msgs {
			if !bytes.Equal(again[i], msgs[i]) {
				t.Fatalf("re-split message %d: %q, want %q", i, again[i], msgs[i])
			}
		}
	})
}
