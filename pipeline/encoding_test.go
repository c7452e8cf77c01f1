package pipeline

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, got, "", "  "); err != nil {
		t.Fatal(err)
	}
	pretty.WriteByte('\n')
	path := filepath.Join("testdata", name)
	if *update {
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

func sampleReport() *Report {
	return &Report{
		ID: "hl7:RIS:ACC123", Source: SourceHL7, MessageID: "hl7:RIS:MSG0001", Version: "MSG0001",
		Accession: "ACC123", Patient: Identifier{System: "urn:oid:1.2.3", Value: "MRN0001", Type: "MR"},
		Modality: "CT", Procedure: Coding{System: "CPT", Code: "74177", Display: "CT ABD/PELVIS W CONTRAST"},
		Status: StatusFinal,
		Sections: Sections{
			Indication: "Epigastric pain, weight loss.",
			Findings:   "3.1 cm hypoenhancing mass in the pancreatic head.",
			Impression: "Pancreatic head mass, suspicious for adenocarcinoma.",
		},
		Text:       "INDICATION: Epigastric pain, weight loss.\nFINDINGS: 3.1 cm hypoenhancing mass in the pancreatic head.\nIMPRESSION: Pancreatic head mass, suspicious for adenocarcinoma.",
		ObservedAt: time.Date(2026, 11, 1, 9, 30, 0, 0, time.UTC),
		ReceivedAt: time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC),
		Raw:        []byte("MSH|^~\\&|RIS|..."), RawType: "x-application/hl7-v2+er7",
	}
}

func TestReportGolden(t *testing.T) {
	b, err := MarshalReport(sampleReport())
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "report_v1.json", b)
	r, err := UnmarshalReport(b)
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := MarshalReport(r)
	if !bytes.Equal(b, b2) {
		t.Error("report does not round-trip")
	}
}

func TestResultGolden(t *testing.T) {
	res := &Result{
		ReportID: "hl7:RIS:ACC123", ReportMessageID: "hl7:RIS:MSG0001", ReportStatus: StatusFinal,
		Task: "pancreas", Label: 2, LabelName: "pretreatment", Flag: true,
		Probabilities: map[string]float64{"pretreatment": 0.91, "none": 0.05, "post_treatment": 0.04},
		Evidence:      []Evidence{{Text: "Pancreatic head mass, suspicious for adenocarcinoma.", Start: 90, End: 143, Weight: 0.62}},
		Model:         ModelRef{Name: "radflag-pancreas", Version: "2026.11.1", Digest: "abc123"},
		Patient:       Identifier{System: "urn:oid:1.2.3", Value: "MRN0001"},
		Accession:     "ACC123",
		ReceivedAt:    time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC),
		CreatedAt:     time.Date(2026, 11, 1, 10, 0, 1, 0, time.UTC),
	}
	b, err := MarshalResult(res)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "result_v1.json", b)
	if got := res.MsgID(); got != "hl7:RIS:MSG0001:pancreas:abc123" {
		t.Errorf("MsgID = %q", got)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	if _, err := UnmarshalReport([]byte(`{"schema": 99, "id": "x"}`)); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("report: err = %v", err)
	}
	if _, err := UnmarshalResult([]byte(`{"schema": 99}`)); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("result: err = %v", err)
	}
}

func TestValidate(t *testing.T) {
	r := sampleReport()
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	r.Text, r.Status = " ", "draft"
	err := r.Validate()
	if err == nil || !strings.Contains(err.Error(), "text") || !strings.Contains(err.Error(), "status") {
		t.Errorf("err = %v", err)
	}
}

func TestClassifierInput(t *testing.T) {
	r := sampleReport()
	want := "Epigastric pain, weight loss.\n3.1 cm hypoenhancing mass in the pancreatic head.\nPancreatic head mass, suspicious for adenocarcinoma."
	if got := r.ClassifierInput(); got != want {
		t.Errorf("got %q", got)
	}
	r.Sections = Sections{}
	if got := r.ClassifierInput(); got != r.Text {
		t.Errorf("no sections: got %q", got)
	}
}

func TestStatusRank(t *testing.T) {
	if !(StatusPreliminary.Rank() < StatusFinal.Rank() && StatusFinal.Rank() < StatusCorrected.Rank()) {
		t.Error("status ranks out of order")
	}
}
