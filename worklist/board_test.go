package worklist

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/radflag/radflag/pipeline"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run with -update after checking):\n%s", name, got)
	}
}

func TestBuildBoardListGolden(t *testing.T) {
	loc := time.UTC
	b := Board{
		From: time.Date(2025, 3, 1, 0, 0, 0, 0, loc), To: time.Date(2025, 3, 8, 0, 0, 0, 0, loc), Task: "pancreas",
		Cases: []Summary{
			{ID: "pancreas-aaa", Task: "pancreas", ReportID: "hl7:RIS:ACC1", Accession: "ACC1", Procedure: "CT abdomen",
				Patient: pipeline.Identifier{Value: "MRN1"}, DecidedAt: time.Date(2025, 3, 3, 10, 0, 0, 0, loc), DecidedBy: "alice"},
			{ID: "pancreas-bbb", Task: "pancreas", ReportID: "fhir:dr-42", Accession: "ACC2", Procedure: "CT pancreas",
				DecidedAt: time.Date(2025, 3, 4, 11, 0, 0, 0, loc), DecidedBy: "bob"},
		},
	}
	data, ident, err := BuildBoardList(b, "alice", time.Date(2025, 3, 8, 9, 0, 0, 0, loc))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(ident, BoardListSystem+"|pancreas:2025-03-01:2025-03-07:") {
		t.Errorf("identifier %q", ident)
	}
	var pretty bytes.Buffer
	json.Indent(&pretty, data, "", "  ")
	pretty.WriteByte('\n')
	golden(t, "board_list.json", pretty.Bytes())

	// The same board gives the same identifier; another case, another one.
	_, again, _ := BuildBoardList(b, "bob", time.Now())
	b.Cases = b.Cases[:1]
	_, fewer, _ := BuildBoardList(b, "alice", time.Now())
	if again != ident || fewer == ident {
		t.Errorf("identifiers: same board %q vs %q; changed board %q", ident, again, fewer)
	}
	// An empty board is a List with an empty reason, not entries.
	b.Cases = nil
	data, _, _ = BuildBoardList(b, "alice", time.Now())
	if !strings.Contains(string(data), `"emptyReason"`) || strings.Contains(string(data), `"entry"`) {
		t.Errorf("empty list: %s", data)
	}
}
