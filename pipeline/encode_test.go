package pipeline

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// stdMarshalReport is what MarshalReport was before AppendReport: the
// reference its output must equal byte for byte.
func stdMarshalReport(r *Report) ([]byte, error) {
	c := *r
	c.Schema = SchemaVersion
	return json.Marshal(&c)
}

func checkSameEncoding(t *testing.T, r *Report) {
	t.Helper()
	want, werr := stdMarshalReport(r)
	got, gerr := MarshalReport(r)
	if (werr != nil) != (gerr != nil) {
		t.Fatalf("encoding/json error %v, AppendReport error %v", werr, gerr)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("AppendReport differs from encoding/json:\n got: %s\nwant: %s", got, want)
	}
	// Appending to a buffer that already holds bytes keeps them.
	pre := []byte("prefix")
	got2, err := AppendReport(pre[:len(pre):len(pre)], r)
	if gerr == nil && (err != nil || !bytes.Equal(got2, append([]byte("prefix"), want...))) {
		t.Fatalf("AppendReport after a prefix: %q, %v", got2, err)
	}
}

// fill sets every field of v, recursively, to a value derived from seed, so
// that a field added to Report shows up in encoding/json's output and the
// comparison fails until AppendReport writes it too.
func fill(t *testing.T, v reflect.Value, seed string) {
	t.Helper()
	switch v.Kind() {
	case reflect.String:
		v.SetString(seed)
	case reflect.Int:
		v.SetInt(int64(len(seed)))
	case reflect.Slice:
		if v.Type().Elem().Kind() != reflect.Uint8 {
			t.Fatalf("fill: slice of %s", v.Type().Elem())
		}
		v.SetBytes([]byte("raw " + seed + "\x00\xff"))
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.Date(2026, 1, 2, 3, 4, 5, len(seed), time.FixedZone("", 3600))))
			return
		}
		for i := 0; i < v.NumField(); i++ {
			fill(t, v.Field(i), seed+"-"+v.Type().Field(i).Name)
		}
	default:
		t.Fatalf("fill: %s fields are not handled; teach fill and AppendReport", v.Kind())
	}
}

func TestAppendReportCoversFields(t *testing.T) {
	var r Report
	fill(t, reflect.ValueOf(&r).Elem(), "x")
	checkSameEncoding(t, &r)
}

func TestAppendReportMatchesEncodingJSON(t *testing.T) {
	tricky := "<b>&amp;</b> \"quoted\" back\\slash \x00\x01\x1f\x7f tab\t cr\r lf\n \b\f " +
		"\u2028\u2029 é 漢字 😀 bad\xff\xfe utf8 \xe2\x82 trunc"
	cases := map[string]*Report{
		"sample":                      sampleReport(),
		"zero":                        {},
		"empty raw and zero observed": {ID: "a", Raw: []byte{}, ReceivedAt: time.Unix(0, 1).UTC()},
		"tricky strings": {
			ID: tricky, Source: Source(tricky), MessageID: tricky, Version: tricky, Accession: tricky,
			Patient:   Identifier{System: tricky, Value: tricky, Type: tricky},
			Modality:  tricky,
			Procedure: Coding{System: tricky, Code: tricky, Display: tricky},
			Status:    Status(tricky),
			Sections:  Sections{Indication: tricky, Findings: tricky, Impression: tricky},
			Text:      strings.Repeat(tricky, 50),
			Raw:       []byte(tricky), RawType: tricky,
		},
		"only some optional fields": {
			Patient:   Identifier{Type: "MR"},
			Procedure: Coding{Display: "CT"},
			Sections:  Sections{Findings: "f"},
		},
		"zones and nanoseconds": {
			ObservedAt: time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC),
			ReceivedAt: time.Date(2026, 3, 29, 1, 59, 59, 999999999, time.FixedZone("", -(9*3600+30*60))),
		},
		"year out of range": {ReceivedAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
		"observed out of range": {
			ObservedAt: time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
		},
		"binary raw": {Raw: bytes.Repeat([]byte{0, 1, 2, 0xfd, 0xfe, 0xff}, 333)},
	}
	for name, r := range cases {
		t.Run(name, func(t *testing.T) { checkSameEncoding(t, r) })
	}
}

func FuzzAppendReport(f *testing.F) {
	f.Add("hl7:RIS:ACC1", "MRN1", "INDICATION: pain.\nIMPRESSION: <normal> & fine", []byte("MSH|^~\\&|"), int64(1700000000), int64(0))
	f.Add("\u2028", "\xff", "\x00\x1f\"\\", []byte(nil), int64(-62135596801), int64(3600))
	f.Fuzz(func(t *testing.T, id, value, text string, raw []byte, unix, offset int64) {
		at := time.Unix(unix, unix%1e9).In(time.FixedZone("", int(offset%(15*3600))))
		r := &Report{
			ID: id, Source: SourceHL7, MessageID: id + value, Version: value, Accession: id,
			Patient:   Identifier{System: value, Value: value, Type: id},
			Modality:  "CT",
			Procedure: Coding{System: id, Code: value, Display: text},
			Status:    Status(value),
			Sections:  Sections{Indication: text, Findings: value, Impression: id},
			Text:      text, ObservedAt: at, ReceivedAt: at.UTC(),
			Raw: raw, RawType: value,
		}
		checkSameEncoding(t, r)
	})
}

func BenchmarkMarshalReport(b *testing.B) {
	r := sampleReport()
	r.Raw = bytes.Repeat([]byte("OBX|1|TX|18782-3^Radiology Study observation^LN||FINDINGS: ...||||||F\r"), 16)
	r.Text = strings.Repeat("FINDINGS: 3.1 cm hypoenhancing mass in the pancreatic head.\n", 16)
	b.Run("encoding/json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := stdMarshalReport(r); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("AppendReport", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			var err error
			if buf, err = AppendReport(buf[:0], r); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestAppendReportOneAllocation: the size estimate holds for an ordinary
// report, so encoding it allocates only its buffer.
func TestAppendReportOneAllocation(t *testing.T) {
	r := sampleReport()
	r.Raw = bytes.Repeat([]byte("OBX|1|TX|18782-3^Radiology Study observation^LN||FINDINGS: a\\.br\\b||||||F\r"), 20)
	r.Text = strings.Repeat("FINDINGS: 3.1 cm hypoenhancing mass in the pancreatic head.\n", 10)
	if n := testing.AllocsPerRun(100, func() { _, _ = AppendReport(nil, r) }); n != 1 {
		t.Errorf("AppendReport(nil) allocates %v times, want 1", n)
	}
	buf := make([]byte, 0, 64<<10)
	if n := testing.AllocsPerRun(100, func() { _, _ = AppendReport(buf[:0], r) }); n != 0 {
		t.Errorf("AppendReport into a large enough buffer allocates %v times, want 0", n)
	}
}
