package hl7v2

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/radflag/radflag/pipeline"
)

// FuzzParse feeds arbitrary bytes through the parser, the normaliser and
// the ACK builder: nothing may panic, every answer must be a readable ACK
// with AA, AE or AR that names the message's control id, and every stored
// report must be valid UTF-8 and pass Validate.
func FuzzParse(f *testing.F) {
	entries, _ := os.ReadDir(hl7Dir)
	for _, e := range entries {
		if b, err := os.ReadFile(filepath.Join(hl7Dir, e.Name())); err == nil && !e.IsDir() {
			f.Add(b)
		}
	}
	f.Add([]byte("MSH|^~\\&#|A|B|||1||ORU^R01|X|P|2.7\rOBR|1||A1|74177\rOBX|1|FT|I||\\.sp5\\\\X00\\\\C2842\\|||||F"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var stored *pipeline.Report
		store := pipeline.ReportStoreFunc(func(_ context.Context, r *pipeline.Report) (pipeline.StoreOutcome, error) {
			stored = r
			return pipeline.StoreOutcome{Sequence: 1}, nil
		})
		in := testIngest(t, store, nil)
		out := in.Process(context.Background(), data)
		ack, err := Parse(out.Reply, Limits{})
		if err != nil {
			t.Fatalf("ACK %q does not parse: %v", out.Reply, err)
		}
		if code := AckCode(ack.Get("MSA-1")); code != out.Ack || (code != AA && code != AE && code != AR) {
			t.Fatalf("ACK code %q, outcome %q", code, out.Ack)
		}
		if m, err := Parse(data, Limits{}); err == nil && m != nil {
			if got, want := ack.First("MSA").Field(2), m.First("MSH").Field(10); got != want {
				t.Fatalf("MSA-2 %q, MSH-10 %q", got, want)
			}
			for _, p := range []string{"MSH-9.2", "PID-3(2).4.2", "OBX(3)-5(2).1.1", "ZZZ-1"} {
				_ = m.Get(p)
			}
		}
		if stored != nil {
			if out.Ack != AA {
				t.Fatalf("stored a report but answered %s", out.Ack)
			}
			if err := stored.Validate(); err != nil {
				t.Fatalf("stored an invalid report: %v", err)
			}
			for _, s := range []string{stored.Text, stored.ID, stored.MessageID, stored.Sections.Findings} {
				if !utf8.ValidString(s) {
					t.Fatalf("report holds invalid UTF-8 %q", s)
				}
			}
			if _, err := pipeline.MarshalReport(stored); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// FuzzUnescape checks that decoding never panics, always yields valid
// UTF-8, and undoes Escape.
func FuzzUnescape(f *testing.F) {
	f.Add(`a\F\b\S\c\T\d\R\e\E\f\.br\\X0D0A\\H\x\N\\.sp3\\Zz\`, "x")
	f.Add(`C:\scans\`, `\`)
	f.Fuzz(func(t *testing.T, s, plain string) {
		d := DefaultDelimiters
		d.Truncation = '#'
		for _, cs := range []charset{csAuto, csLatin1, csLatin9} {
			out := unescape(cs.decode([]byte(s)), d, cs)
			if !utf8.ValidString(out) {
				t.Fatalf("unescape(%q) = invalid UTF-8 %q", s, out)
			}
		}
		if !utf8.ValidString(plain) {
			return
		}
		want := strings.ReplaceAll(strings.ReplaceAll(plain, "\r\n", "\n"), "\r", "\n")
		if got := unescape(Escape(plain, d), d, csAuto); got != want {
			t.Fatalf("unescape(Escape(%q)) = %q", plain, got)
		}
	})
}
