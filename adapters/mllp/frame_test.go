package mllp

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

func frame(s string) string { return "\x0b" + s + "\x1c\r" }

func readAll(t *testing.T, in string, max int) ([]string, error) {
	t.Helper()
	r := NewReader(strings.NewReader(in), max)
	var out []string
	for {
		f, err := r.ReadFrame()
		var tl *FrameTooLargeError
		if errors.As(err, &tl) {
			out = append(out, "TOO LARGE:"+string(tl.Prefix))
			continue
		}
		if err != nil {
			return out, err
		}
		out = append(out, string(f))
	}
}

func TestReader(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		max     int
		want    []string
		wantErr error
	}{
		{"one frame", frame("MSH|a"), 0, []string{"MSH|a"}, io.EOF},
		{"many frames", frame("a") + frame("b") + frame("c"), 0, []string{"a", "b", "c"}, io.EOF},
		{"no final CR", "\x0ba\x1c\x0bb\x1c", 0, []string{"a", "b"}, io.EOF},
		{"whitespace between", "\r\n " + frame("a") + "\n\n" + frame("b"), 0, []string{"a", "b"}, io.EOF},
		{"junk between", "garbage" + frame("a") + "more junk" + frame("b"), 0, []string{"a", "b"}, io.EOF},
		{"empty frame", frame(""), 0, []string{""}, io.EOF},
		{"start block inside a frame restarts it", "\x0babandoned\x0bnew\x1c\r", 0, []string{"new"}, io.EOF},
		{"segments keep their CRs", frame("MSH|1\rPID|2\r"), 0, []string{"MSH|1\rPID|2\r"}, io.EOF},
		{"too large then fine", frame("0123456789ABC") + frame("ok"), 10, []string{"TOO LARGE:0123456789ABC", "ok"}, io.EOF},
		{"exactly the limit", frame("0123456789"), 10, []string{"0123456789"}, io.EOF},
		{"ends inside a frame", frame("a") + "\x0bhalf", 0, []string{"a"}, ErrIncompleteFrame},
		{"only junk", "not mllp at all", 0, nil, ErrJunk},
		{"too much junk", strings.Repeat("x", 20) + frame("a"), 10, nil, ErrJunk},
		{"empty stream", "", 0, nil, io.EOF},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readAll(t, tc.in, tc.max)
			if !errors.Is(err, tc.wantErr) {
				t.Errorf("error = %v, want %v", err, tc.wantErr)
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") || len(got) != len(tc.want) {
				t.Errorf("frames = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestReaderLargeFrameAcrossBuffers(t *testing.T) {
	big := strings.Repeat("0123456789", 20000) // 200 kB, larger than the bufio buffer
	got, err := readAll(t, frame(big)+frame(big), 0)
	if err != io.EOF || len(got) != 2 || got[0] != big || got[1] != big {
		t.Fatalf("got %d frames, err %v", len(got), err)
	}
	got, err = readAll(t, frame(big)+frame("x"), 1000)
	if err != io.EOF || len(got) != 2 || got[1] != "x" || !strings.HasPrefix(got[0], "TOO LARGE:0123") || len(got[0]) != len("TOO LARGE:")+prefixBytes {
		t.Fatalf("oversize: got %d frames (first %d bytes), err %v", len(got), len(got[0]), err)
	}
}

func TestReaderHooks(t *testing.T) {
	r := NewReader(strings.NewReader("junk"+frame("a")), 0)
	var junk, starts int
	r.OnJunk = func() { junk++ }
	r.OnFrameStart = func() { starts++ }
	if _, err := r.ReadFrame(); err != nil {
		t.Fatal(err)
	}
	if junk != 1 || starts != 1 {
		t.Errorf("OnJunk called %d times, OnFrameStart %d; want 1, 1", junk, starts)
	}
}

// FuzzFramer feeds arbitrary bytes to the frame reader: it must never
// panic, never return a frame over the limit or one holding framing bytes,
// and must read back any message written with WriteFrame.
func FuzzFramer(f *testing.F) {
	f.Add([]byte(frame("MSH|^~\\&|A|B\rPID|1\r")), 64)
	f.Add([]byte("junk\x0ba\x1c\x0bb\x1c\r\x0bhalf"), 8)
	f.Add([]byte("\x0b\x0b\x1c\x1c\r\r"), 1)
	f.Fuzz(func(t *testing.T, data []byte, max int) {
		if max <= 0 || max > 1<<16 {
			max = 1 << 16
		}
		r := NewReader(bytes.NewReader(data), max)
		for i := 0; i <= len(data); i++ {
			fr, err := r.ReadFrame()
			if err != nil {
				var tl *FrameTooLargeError
				if errors.As(err, &tl) {
					if tl.Size <= int64(max) || len(tl.Prefix) > prefixBytes {
						t.Fatalf("bad FrameTooLargeError %+v for limit %d", tl, max)
					}
					continue
				}
				break
			}
			if len(fr) > max || bytes.IndexByte(fr, VT) >= 0 || bytes.IndexByte(fr, FS) >= 0 {
				t.Fatalf("bad frame %q (limit %d)", fr, max)
			}
		}
		// Round trip: any message without framing bytes comes back intact.
		msg := bytes.Map(func(r rune) rune {
			if r == VT || r == FS {
				return -1
			}
			return r
		}, data)
		if !bytes.Equal(msg, data) || len(msg) > max {
			return
		}
		var buf bytes.Buffer
		if err := WriteFrame(&buf, msg); err != nil {
			t.Fatal(err)
		}
		got, err := NewReader(&buf, max).ReadFrame()
		if err != nil || !bytes.Equal(got, msg) {
			t.Fatalf("round trip of %q: got %q, %v", msg, got, err)
		}
	})
}
