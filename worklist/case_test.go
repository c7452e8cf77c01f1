package worklist

import (
	"strings"
	"testing"
	"time"

	"github.com/radflag/radflag/pipeline"
)

var t0 = time.Date(2025, 3, 4, 9, 0, 0, 0, time.UTC)

func result(reportID, msgID string, flag bool, received time.Time) *pipeline.Result {
	label, name := 0, "none"
	if flag {
		label, name = 2, "pretreatment"
	}
	return &pipeline.Result{
		ReportID: reportID, ReportMessageID: msgID, ReportStatus: pipeline.StatusFinal, Task: "pancreas",
		Label: label, LabelName: name, Flag: flag,
		Probabilities: map[string]float64{"none": 0.05, "post_treatment": 0.03, "pretreatment": 0.92},
		Model:         pipeline.ModelRef{Name: "pancreas-bert", Version: "1.0.0", Digest: "abc"},
		Text:          "Indication: jaundice.\nA 3 cm hypoenhancing mass in the pancreatic head.\nImpression: suspicious for adenocarcinoma.",
		ReceivedAt:    received, CreatedAt: received.Add(time.Second),
	}
}

func TestCaseID(t *testing.T) {
	a := CaseID("pancreas", "hl7:RIS:ACC1")
	if a != CaseID("pancreas", "hl7:RIS:ACC1") {
		t.Fatal("case id not stable")
	}
	for _, id := range []string{a, CaseID("Odd task.name*", "x"), CaseID("", "")} {
		if !validID(id) {
			t.Errorf("CaseID made invalid id %q", id)
		}
	}
	if a == CaseID("ir_procedure", "hl7:RIS:ACC1") || a == CaseID("pancreas", "hl7:RIS:ACC2") {
		t.Error("case ids collide")
	}
	if !strings.HasPrefix(a, "pancreas-") {
		t.Errorf("id %q lacks task prefix", a)
	}
}

func TestApplyResult(t *testing.T) {
	flagged := result("r1", "m1", true, t0)
	base, _ := applyResult(nil, flagged, t0)
	autoClosed, _ := applyResult(base, result("r1", "m2", false, t0.Add(time.Hour)), t0)
	confirmed, _ := applyRequest(base, Request{Action: ActionConfirm, User: "alice"}, t0)
	cases := []struct {
		name        string
		cur         *Case
		r           *pipeline.Result
		wantChanged bool
		wantStatus  Status
		wantMsg     string
	}{
		{"unflagged, no case", nil, result("r1", "m1", false, t0), false, "", ""},
		{"flagged makes a case", nil, flagged, true, StatusNew, "m1"},
		{"redelivery is a no-op", base, flagged, false, StatusNew, "m1"},
		{"older version ignored", base, result("r1", "m0", true, t0.Add(-time.Hour)), false, StatusNew, "m1"},
		{"corrected, still flagged", base, result("r1", "m2", true, t0.Add(time.Hour)), true, StatusNew, "m2"},
		{"corrected, not flagged closes a new case", base, result("r1", "m2", false, t0.Add(time.Hour)), true, StatusClosed, "m2"},
		{"flagged again reopens an auto-closed case", autoClosed, result("r1", "m3", true, t0.Add(2*time.Hour)), true, StatusNew, "m3"},
		{"corrected, not flagged keeps a decision", confirmed, result("r1", "m2", false, t0.Add(time.Hour)), true, StatusConfirmed, "m2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, changed := applyResult(c.cur, c.r, t0.Add(3*time.Hour))
			if changed != c.wantChanged {
				t.Fatalf("changed = %v, want %v", changed, c.wantChanged)
			}
			if got == nil {
				if c.wantStatus != "" {
					t.Fatal("no case")
				}
				return
			}
			if got.Status != c.wantStatus || got.Result.ReportMessageID != c.wantMsg {
				t.Errorf("status %s msg %s, want %s %s", got.Status, got.Result.ReportMessageID, c.wantStatus, c.wantMsg)
			}
			if c.cur != nil && changed && len(got.History) != len(c.cur.History)+1 {
				t.Errorf("history %d events, want %d", len(got.History), len(c.cur.History)+1)
			}
			if c.cur != nil && len(c.cur.History) > 0 && &c.cur.History[0] == &got.History[0] && changed {
				t.Error("history shared with the input case")
			}
		})
	}
}

func TestApplyRequest(t *testing.T) {
	base, _ := applyResult(nil, result("r1", "m1", true, t0), t0)
	none := LabelDef{0, "none"}
	same := LabelDef{2, "pretreatment"}
	cases := []struct {
		name    string
		req     Request
		status  Status
		label   int
		errCode int
	}{
		{"confirm", Request{Action: ActionConfirm, User: "alice"}, StatusConfirmed, 2, 0},
		{"reject with label", Request{Action: ActionReject, User: "alice", Reason: "cyst", Label: &none}, StatusRejected, 0, 0},
		{"reject without label", Request{Action: ActionReject, User: "alice", Reason: "cyst"}, StatusRejected, -1, 0},
		{"reject needs reason", Request{Action: ActionReject, User: "alice", Reason: "  "}, "", 0, 400},
		{"reject label must differ", Request{Action: ActionReject, User: "alice", Reason: "x", Label: &same}, "", 0, 400},
		{"assign", Request{Action: ActionAssign, User: "alice", Assignee: "bob"}, StatusNew, 0, 0},
		{"close", Request{Action: ActionClose, User: "alice", Reason: "discussed"}, StatusClosed, 0, 0},
		{"reopen a new case", Request{Action: ActionReopen, User: "alice"}, "", 0, 409},
		{"unknown", Request{Action: "delete", User: "alice"}, "", 0, 404},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := applyRequest(base, c.req, t0.Add(time.Minute))
			if c.errCode != 0 {
				re, ok := err.(*RequestError)
				if !ok || re.Code != c.errCode {
					t.Fatalf("err = %v, want code %d", err, c.errCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != c.status {
				t.Errorf("status %s, want %s", got.Status, c.status)
			}
			ev := got.History[len(got.History)-1]
			if ev.User != "alice" || ev.Action != c.req.Action {
				t.Errorf("last event %+v", ev)
			}
			if c.req.Action == ActionConfirm || c.req.Action == ActionReject {
				if ev.Label == nil || *ev.Label != c.label || !ev.FeedbackPending {
					t.Errorf("decision event %+v, want label %d pending", ev, c.label)
				}
				fb := got.feedbackFor(len(got.History) - 1)
				if fb.Label != c.label || fb.ModelLabel != 2 || fb.CaseID != got.ID || fb.Text == "" || fb.User != "alice" {
					t.Errorf("feedback %+v", fb)
				}
			}
			if c.req.Action == ActionAssign && got.Assignee != "bob" {
				t.Errorf("assignee %q", got.Assignee)
			}
			if len(base.History) != 1 {
				t.Error("applyRequest changed its input")
			}
		})
	}
}

func TestSegments(t *testing.T) {
	text := "Indikation: Ikterus.\nRaumforderung im Pankreaskopf, 3 cm.\nBeurteilung: V.a. Pankreaskarzinom."
	s1 := strings.Index(text, "Raumforderung")
	e1 := strings.Index(text, "\nBeurteilung")
	s2 := strings.Index(text, "Beurteilung")
	cases := []struct {
		name string
		text string
		ev   []pipeline.Evidence
		want []Segment
	}{
		{"none", "abc", nil, []Segment{{"abc", -1}}},
		{"two ranges, multibyte text", "Größe: 3 cm. Läsion im Pankreaskopf.",
			[]pipeline.Evidence{{Start: len("Größe: 3 cm. "), End: len("Größe: 3 cm. Läsion im Pankreaskopf.")}},
			[]Segment{{"Größe: 3 cm. ", -1}, {"Läsion im Pankreaskopf.", 0}}},
		{"ordered by start", text,
			[]pipeline.Evidence{{Start: s2, End: len(text)}, {Start: s1, End: e1}},
			[]Segment{{text[:s1], -1}, {text[s1:e1], 1}, {"\n", -1}, {text[s2:], 0}}},
		{"overlap clipped", "aaaa bbbb cccc",
			[]pipeline.Evidence{{Start: 0, End: 9}, {Start: 5, End: 14}},
			[]Segment{{"aaaa bbbb", 0}, {" cccc", 1}}},
		{"split rune falls back to text", "Größe groß",
			[]pipeline.Evidence{{Text: "groß", Start: 3, End: 5}},
			[]Segment{{"Größe ", -1}, {"groß", 0}}},
		{"out of range without text dropped", "abc",
			[]pipeline.Evidence{{Start: 2, End: 99}},
			[]Segment{{"abc", -1}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Segments(c.text, c.ev)
			if len(got) != len(c.want) {
				t.Fatalf("got %+v, want %+v", got, c.want)
			}
			var joined strings.Builder
			for i := range got {
				if got[i] != c.want[i] {
					t.Errorf("segment %d = %+v, want %+v", i, got[i], c.want[i])
				}
				joined.WriteString(got[i].Text)
			}
			if joined.String() != c.text {
				t.Errorf("segments do not rebuild the text")
			}
		})
	}
}

func TestParseFilter(t *testing.T) {
	loc := time.UTC
	f, err := parseFilter(map[string][]string{
		"task": {"pancreas,ir_procedure"}, "status": {"new", "confirmed"}, "assignee": {"me"},
		"from": {"2025-03-01"}, "to": {"2025-03-04"}, "limit": {"10"},
	}, "alice", loc)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Tasks) != 2 || len(f.Statuses) != 2 || f.Assignee != "alice" || f.Limit != 10 {
		t.Errorf("filter %+v", f)
	}
	if !f.From.Equal(time.Date(2025, 3, 1, 0, 0, 0, 0, loc)) || !f.To.Equal(time.Date(2025, 3, 5, 0, 0, 0, 0, loc)) {
		t.Errorf("from %s to %s (to is inclusive)", f.From, f.To)
	}
	for _, bad := range []map[string][]string{
		{"status": {"open"}}, {"from": {"yesterday"}}, {"limit": {"0"}}, {"assignee": {"a b"}},
	} {
		if _, err := parseFilter(bad, "alice", loc); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"": "/worklist", "/worklist/x": "/worklist/x", "//evil.example": "/worklist",
		"https://evil.example": "/worklist", "/\\evil": "/worklist", "/tumor-board?from=1": "/tumor-board?from=1",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBoardCSVEscapesFormulas(t *testing.T) {
	var b strings.Builder
	err := writeBoardCSV(&b, Board{Cases: []Summary{{ID: "p-1", Task: "pancreas", Reason: "=HYPERLINK(\"x\")", Accession: "+1"}}})
	if err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !strings.Contains(out, `"'=HYPERLINK(""x"")"`) || !strings.Contains(out, ",'+1,") {
		t.Errorf("formula cells not neutralised:\n%s", out)
	}
	if !strings.HasPrefix(out, strings.Join(boardCSVHeader, ",")+"\n") {
		t.Errorf("header missing:\n%s", out)
	}
}
