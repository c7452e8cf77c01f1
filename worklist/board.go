package worklist

import (
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/radflag/radflag/pipeline"
)

// boardDefaultDays is the tumour board's window when from is not given.
const boardDefaultDays = 14

// Board is the tumour-board list: cases confirmed in [From, To) whose
// latest result still flags (for pancreas: confirmed pretreatment cancer).
type Board struct {
	From  time.Time `json:"from"`
	To    time.Time `json:"to"`
	Task  string    `json:"task,omitempty"`
	Cases []Summary `json:"cases"`
}

func (s *Service) board(q map[string][]string) (Board, error) {
	var b Board
	var err error
	if b.To, err = parseTime(first(q["to"]), true, time.Local); err != nil {
		return b, fmt.Errorf("to: %w", err)
	}
	if b.To.IsZero() {
		y, m, d := s.cfg.Now().In(time.Local).Date()
		b.To = time.Date(y, m, d+1, 0, 0, 0, 0, time.Local)
	}
	if b.From, err = parseTime(first(q["from"]), false, time.Local); err != nil {
		return b, fmt.Errorf("from: %w", err)
	}
	if b.From.IsZero() {
		b.From = b.To.AddDate(0, 0, -boardDefaultDays)
	}
	if !b.From.Before(b.To) {
		return b, errors.New("from must be before to")
	}
	b.Task = first(q["task"])
	f := Filter{Statuses: []Status{StatusConfirmed}}
	if b.Task != "" {
		f.Tasks = []string{b.Task}
	}
	all, _ := s.store.list(f)
	b.Cases = []Summary{}
	for _, c := range all {
		if c.Flagged && !c.DecidedAt.Before(b.From) && c.DecidedAt.Before(b.To) {
			b.Cases = append(b.Cases, c)
		}
	}
	sort.Slice(b.Cases, func(i, j int) bool {
		if !b.Cases[i].DecidedAt.Equal(b.Cases[j].DecidedAt) {
			return b.Cases[i].DecidedAt.Before(b.Cases[j].DecidedAt)
		}
		return b.Cases[i].ID < b.Cases[j].ID
	})
	return b, nil
}

// tumorBoard answers GET /api/tumor-board?from=&to=&task=[&format=csv].
func (s *Service) tumorBoard(w http.ResponseWriter, r *http.Request, p Principal) {
	if !s.waitIndex(w, r) {
		return
	}
	b, err := s.board(r.URL.Query())
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if r.URL.Query().Get("format") == "csv" {
		name := fmt.Sprintf("tumor-board_%s_%s.csv", b.From.Format("2006-01-02"), b.To.AddDate(0, 0, -1).Format("2006-01-02"))
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
		if err := writeBoardCSV(w, b); err != nil {
			s.log.Warn("write tumour-board csv", "err", err)
		}
		s.log.Info("tumour board exported", "user", p.User, "format", "csv", "cases", len(b.Cases))
		return
	}
	writeJSON(w, http.StatusOK, b)
}

var boardCSVHeader = []string{
	"case_id", "task", "report_id", "accession", "patient_system", "patient_id", "procedure",
	"report_received", "label", "probability", "model_version", "confirmed_at", "confirmed_by",
	"assignee", "reason",
}

// writeBoardCSV writes the board as CSV. Cells that a spreadsheet would run
// as a formula are prefixed with a quote.
func writeBoardCSV(w io.Writer, b Board) error {
	cw := csv.NewWriter(w)
	cw.Write(boardCSVHeader)
	for _, c := range b.Cases {
		row := []string{
			c.ID, c.Task, c.ReportID, c.Accession, c.Patient.System, c.Patient.Value, c.Procedure,
			c.ReceivedAt.Format(time.RFC3339), c.LabelName, strconv.FormatFloat(c.Probability, 'f', 3, 64),
			c.ModelVersion, c.DecidedAt.Format(time.RFC3339), c.DecidedBy, c.Assignee, c.Reason,
		}
		for i, v := range row {
			row[i] = csvSafe(v)
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func csvSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

// ListWriter stores a FHIR List on the FHIR server.
type ListWriter interface {
	// CreateList creates the List unless one with the identifier
	// (system|value) exists, and returns the server's id for it.
	CreateList(ctx context.Context, list []byte, identifier string) (ListRef, error)
}

// ListRef is where a List was stored.
type ListRef struct {
	ID      string `json:"id,omitempty"`
	Created bool   `json:"created"`
}

// BoardListSystem is the identifier system of tumour-board Lists.
const BoardListSystem = "urn:radflag:tumor-board"

// BuildBoardList builds the FHIR R4 List of a board. Its identifier names the
// task, the period and a digest of the cases, so that writing the same board
// twice stores one List and a changed board a new snapshot.
func BuildBoardList(b Board, user string, now time.Time) ([]byte, string, error) {
	h := sha256.New()
	for _, c := range b.Cases {
		fmt.Fprintf(h, "%s\x00%s\x00", c.ID, c.DecidedAt.UTC().Format(time.RFC3339Nano))
	}
	task := b.Task
	if task == "" {
		task = "all"
	}
	from, to := b.From.Format("2006-01-02"), b.To.AddDate(0, 0, -1).Format("2006-01-02")
	value := task + ":" + from + ":" + to + ":" + hex.EncodeToString(h.Sum(nil))[:16]
	type m = map[string]any
	entries := make([]m, 0, len(b.Cases))
	for _, c := range b.Cases {
		entries = append(entries, m{
			"date": c.DecidedAt.UTC().Format(time.RFC3339),
			"item": reportReference(c),
		})
	}
	list := m{
		"resourceType": "List",
		"identifier":   []m{{"system": BoardListSystem, "value": value}},
		"status":       "current",
		"mode":         "snapshot",
		"title":        fmt.Sprintf("Tumour board candidates (%s), confirmed %s to %s", task, from, to),
		"code":         m{"text": "Tumour board candidates confirmed by oncology navigation"},
		"date":         now.UTC().Format(time.RFC3339),
		"source":       m{"display": "radflag worklist, written by " + user},
		"orderedBy":    m{"text": "Sorted by confirmation time"},
		"entry":        entries,
	}
	if len(entries) == 0 {
		list["emptyReason"] = m{"coding": []m{{"system": "http://terminology.hl7.org/CodeSystem/list-empty-reason", "code": "nilknown"}}}
		delete(list, "entry")
	}
	data, err := json.Marshal(list)
	if err != nil {
		return nil, "", fmt.Errorf("encode tumour-board list: %w", err)
	}
	return data, BoardListSystem + "|" + value, nil
}

// reportReference points at the case's DiagnosticReport: by id when the
// report came from FHIR, else by its accession number.
func reportReference(c Summary) map[string]any {
	display := strings.TrimSpace(c.Procedure + " " + c.Accession)
	if c.Patient.Value != "" {
		display += " (patient " + c.Patient.Value + ")"
	}
	if id, ok := strings.CutPrefix(c.ReportID, string(pipeline.SourceFHIR)+":"); ok && id != "" && !strings.Contains(id, "/") {
		return map[string]any{"reference": "DiagnosticReport/" + id, "display": display}
	}
	ref := map[string]any{"type": "DiagnosticReport", "display": display}
	if c.Accession != "" {
		ref["identifier"] = map[string]any{
			"type": map[string]any{"coding": []map[string]any{{
				"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "ACSN",
			}}},
			"value": c.Accession,
		}
	}
	return ref
}

// writeBoardList answers POST /api/tumor-board/fhir-list?from=&to=&task=.
func (s *Service) writeBoardList(w http.ResponseWriter, r *http.Request, p Principal) {
	if s.cfg.Lists == nil {
		writeError(w, http.StatusNotImplemented, "no FHIR server configured (fhir.url)")
		return
	}
	if !s.waitIndex(w, r) {
		return
	}
	b, err := s.board(r.URL.Query())
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	data, ident, err := BuildBoardList(b, p.User, s.cfg.Now())
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	ref, err := s.cfg.Lists.CreateList(r.Context(), data, ident)
	if err != nil {
		s.log.Warn("write tumour-board list", "user", p.User, "err", err)
		writeError(w, http.StatusBadGateway, "the FHIR server did not store the list: "+err.Error())
		return
	}
	s.log.Info("tumour board written to FHIR", "user", p.User, "list", ref.ID, "created", ref.Created, "cases", len(b.Cases))
	writeJSON(w, http.StatusOK, map[string]any{"list": ref, "identifier": ident, "cases": len(b.Cases)})
}
