package writeback

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/fhir/go/fhirversion"
	"github.com/google/fhir/go/jsonformat"

	"github.com/radflag/radflag/pipeline"
)

var update = flag.Bool("update", false, "rewrite golden files")

func sampleResult(task, label string) *pipeline.Result {
	return &pipeline.Result{
		ReportID: "hl7:RIS:ACC123", ReportMessageID: "hl7:RIS:MSG0001", ReportStatus: pipeline.StatusFinal,
		Task: task, LabelName: label, Flag: label == "pretreatment",
		Probabilities: map[string]float64{label: 0.91},
		Evidence: []pipeline.Evidence{
			{Text: "Pancreatic head mass, suspicious for adenocarcinoma.", Start: 90, End: 143, Weight: 0.62},
			{Text: "3.1 cm hypoenhancing mass.", Start: 10, End: 36, Weight: 0.2},
		},
		Model:      pipeline.ModelRef{Name: "radflag-" + task, Version: "2026.11.1", Digest: "abc123def4567890"},
		Patient:    pipeline.Identifier{System: "urn:oid:1.2.3", Value: "MRN0001", Type: "MR"},
		Accession:  "ACC123",
		Procedure:  pipeline.Coding{Code: "74177", Display: "CT ABD/PELVIS W CONTRAST"},
		Source:     pipeline.SourceHL7,
		ReceivedAt: time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC),
		CreatedAt:  time.Date(2026, 11, 1, 10, 0, 1, 0, time.UTC),
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, got, "", "  "); err != nil {
		t.Fatal(err)
	}
	pretty.WriteByte('\n')
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run with -update to create): %v", err)
	}
	if !bytes.Equal(pretty.Bytes(), want) {
		t.Errorf("%s differs from golden:\n got: %s\nwant: %s", name, pretty.Bytes(), want)
	}
}

// TestResourcesGoldenAndValid: the resources are what the golden files say,
// and google/fhir's validating parser accepts them as R4.
func TestResourcesGoldenAndValid(t *testing.T) {
	tasks := map[string]TaskConfig{}
	for _, tc := range DefaultTasks() {
		tasks[tc.Task] = tc
	}
	now := time.Date(2026, 11, 1, 10, 0, 2, 0, time.UTC)
	um, err := jsonformat.NewUnmarshaller("UTC", fhirversion.R4)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, task, label, patientID string
		source                       pipeline.Source
	}{
		{"flag_pretreatment.json", "pancreas", "pretreatment", "", pipeline.SourceHL7},
		{"flag_resolved_patient_fhir_source.json", "pancreas", "pretreatment", "pat-1", pipeline.SourceFHIR},
		{"observation_lung_biopsy.json", "ir_procedure", "lung_biopsy", "", pipeline.SourceHL7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := sampleResult(tc.task, tc.label)
			if tc.source == pipeline.SourceFHIR {
				r.Source, r.ReportID = tc.source, "fhir:dr-42"
			}
			var b []byte
			if tasks[tc.task].Resource == ResourceFlag {
				f, err := buildFlag(tasks[tc.task], r, tc.patientID, now)
				if err != nil {
					t.Fatal(err)
				}
				b, err = marshalResource(f)
				if err != nil {
					t.Fatal(err)
				}
			} else {
				o, err := buildObservation(tasks[tc.task], r, tc.patientID, now)
				if err != nil {
					t.Fatal(err)
				}
				b, err = marshalResource(o)
				if err != nil {
					t.Fatal(err)
				}
			}
			golden(t, tc.name, b)
			if _, err := um.Unmarshal(b); err != nil {
				t.Errorf("not valid R4: %v", err)
			}
			s, err := parseStored(append([]byte(`{"id":"x",`), b[1:]...))
			if err != nil {
				t.Fatal(err)
			}
			m, ok := markerFromStored(s)
			if !ok || m.compare(markerOf(r, "")) != 0 || m.Label != tc.label || m.ModelVersion != "2026.11.1" {
				t.Errorf("marker does not round-trip: %+v", m)
			}
		})
	}
}

func TestSubjectNeedsPatient(t *testing.T) {
	r := sampleResult("pancreas", "pretreatment")
	r.Patient = pipeline.Identifier{}
	_, err := buildFlag(DefaultTasks()[0], r, "", time.Now())
	if err == nil || !isPermanent(err) {
		t.Errorf("err = %v, want a permanent error", err)
	}
}

func TestMarkerOrder(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m := func(st pipeline.Status, at time.Duration, v string) marker {
		return marker{ReportStatus: st, Received: t0.Add(at), ReportVersion: v}
	}
	for _, tc := range []struct {
		name string
		a, b marker
		want int
	}{
		{"corrected after final", m(pipeline.StatusCorrected, 0, "b"), m(pipeline.StatusFinal, time.Hour, "a"), 1},
		{"preliminary before final", m(pipeline.StatusPreliminary, time.Hour, "b"), m(pipeline.StatusFinal, 0, "a"), -1},
		{"later correction", m(pipeline.StatusCorrected, 2*time.Hour, "c"), m(pipeline.StatusCorrected, time.Hour, "b"), 1},
		{"same version", m(pipeline.StatusFinal, 0, "a"), m(pipeline.StatusFinal, 0, "a"), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.a.compare(tc.b); sign(got) != tc.want {
				t.Errorf("compare = %d, want %d", got, tc.want)
			}
		})
	}
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

func TestPermanentStatuses(t *testing.T) {
	for status, want := range map[int]bool{
		400: true, 403: true, 404: true, 405: true, 410: true, 422: true,
		401: false, 408: false, 409: false, 412: false, 429: false, 500: false, 502: false, 503: false,
	} {
		if got := (&HTTPError{Status: status}).Permanent(); got != want {
			t.Errorf("%d: permanent = %v, want %v", status, got, want)
		}
	}
}

func TestTokenParam(t *testing.T) {
	for _, tc := range []struct{ sys, val, want string }{
		{"https://x/sid", "hl7:RIS:A1:pancreas", "https://x/sid|hl7:RIS:A1:pancreas"},
		{"s", `a,b|c$d\e`, `s|a\,b\|c\$d\\e`},
	} {
		if got := tokenParam(tc.sys, tc.val); got != tc.want {
			t.Errorf("tokenParam(%q, %q) = %q, want %q", tc.sys, tc.val, got, tc.want)
		}
	}
}

func TestBackoffBounds(t *testing.T) {
	lo, hi := 100*time.Millisecond, 2*time.Second
	for n := uint64(1); n < 40; n++ {
		d := backoff(lo, hi, n)
		if d < lo*8/10 || d > hi*12/10 {
			t.Fatalf("delivery %d: backoff %s out of [%s, %s]", n, d, lo, hi)
		}
	}
	if d := backoff(lo, hi, 30); d < hi*8/10 {
		t.Errorf("backoff does not reach the cap: %s", d)
	}
}

func TestSignature(t *testing.T) {
	secret, body := []byte("s3cret"), []byte(`{"id":"x"}`)
	now := time.Unix(1_800_000_000, 0)
	h := Sign(secret, body, now)
	if !strings.HasPrefix(h, "t=1800000000,v1=") {
		t.Fatalf("header = %q", h)
	}
	for _, tc := range []struct {
		name   string
		secret []byte
		body   []byte
		header string
		at     time.Time
		ok     bool
	}{
		{"good", secret, body, h, now, true},
		{"other secret", []byte("x"), body, h, now, false},
		{"tampered body", secret, []byte(`{"id":"y"}`), h, now, false},
		{"replayed late", secret, body, h, now.Add(10 * time.Minute), false},
		{"malformed", secret, body, "v1=abc", now, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := VerifySignature(tc.secret, tc.body, tc.header, tc.at, 5*time.Minute)
			if (err == nil) != tc.ok {
				t.Errorf("err = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func TestHTTPErrorKeepsDiagnosticsOutOfMessage(t *testing.T) {
	oo := []byte(`{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"invalid","diagnostics":"Patient MRN0001 unknown"}]}`)
	msg := (&HTTPError{Op: "create", Status: 422, Outcome: oo}).Error()
	if msg != "fhir create: HTTP 422 Unprocessable Entity (invalid)" {
		t.Errorf("message %q", msg)
	}
	if got := (&HTTPError{Op: "read", Status: 502, Outcome: []byte("<html>")}).Error(); got != "fhir read: HTTP 502 Bad Gateway" {
		t.Errorf("non-outcome: %q", got)
	}
}
