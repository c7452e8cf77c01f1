package worklist

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Mux is where the worklist mounts its handlers (httpserver.Server or
// http.ServeMux).
type Mux interface {
	Handle(pattern string, h http.Handler)
}

const (
	maxBodyBytes  = 16 << 10
	maxReasonLen  = 2000
	defaultLimit  = 500
	maxLimit      = 5000
	readyWait     = 5 * time.Second
	liveWriteWait = 10 * time.Second
)

// Mount adds the API and the pages to m.
func (s *Service) Mount(m Mux) {
	api := func(h func(http.ResponseWriter, *http.Request, Principal)) http.Handler {
		return s.secure(s.apiAuth(h))
	}
	m.Handle("GET /api/session", api(s.getSession))
	m.Handle("GET /api/worklist", api(s.listCases))
	m.Handle("GET /api/worklist/events", api(s.events))
	m.Handle("GET /api/worklist/{id}", api(s.getCase))
	m.Handle("POST /api/worklist/{id}/{action}", api(s.postAction))
	m.Handle("GET /api/tumor-board", api(s.tumorBoard))
	m.Handle("POST /api/tumor-board/fhir-list", api(s.writeBoardList))
	s.mountPages(m)
}

// secure sets the headers every worklist response carries: no caching of
// patient data, no framing, and scripts only from this origin.
func (s *Service) secure(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "no-referrer")
		if hd.Get("Cache-Control") == "" {
			hd.Set("Cache-Control", "no-store")
		}
		h.ServeHTTP(w, r)
	})
}

// apiAuth answers 401 to anyone not signed in, and 403 to a state-changing
// request without the principal's CSRF token or from another site.
func (s *Service) apiAuth(h func(http.ResponseWriter, *http.Request, Principal)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := s.auth.identify(r)
		if !ok {
			writeError(w, http.StatusUnauthorized, "authentication required")
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if r.Header.Get("Sec-Fetch-Site") == "cross-site" || !s.auth.checkCSRF(p, r.Header.Get(csrfHeader)) {
				s.log.Warn("request refused: missing or bad CSRF token", "user", p.User, "path", r.URL.Path)
				writeError(w, http.StatusForbidden, "missing or invalid CSRF token (header "+csrfHeader+")")
				return
			}
		}
		h(w, r, p)
	})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	enc.Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}

// fail answers an error from the store or an action.
func (s *Service) fail(w http.ResponseWriter, id string, err error) {
	var re *RequestError
	switch {
	case errors.As(err, &re):
		writeError(w, re.Code, re.Msg)
	case errors.Is(err, ErrNotFound):
		writeError(w, http.StatusNotFound, "no such case")
	default:
		s.log.Error("worklist request failed", "case", id, "err", err)
		writeError(w, http.StatusServiceUnavailable, "worklist storage unavailable; try again")
	}
}

type sessionInfo struct {
	User      string `json:"user"`
	CSRFToken string `json:"csrf_token"`
	// Users are the local users, offered as assignees.
	Users []string `json:"users"`
}

func (s *Service) getSession(w http.ResponseWriter, _ *http.Request, p Principal) {
	users := make([]string, 0, len(s.auth.cfg.Users))
	for u := range s.auth.cfg.Users {
		users = append(users, u)
	}
	sort.Strings(users)
	writeJSON(w, http.StatusOK, sessionInfo{User: p.User, CSRFToken: s.auth.csrfToken(p), Users: users})
}

// ListResponse is the answer of GET /api/worklist.
type ListResponse struct {
	Cases []Summary `json:"cases"`
	// Total is how many cases matched; Cases holds at most Limit of them.
	Total int      `json:"total"`
	Limit int      `json:"limit"`
	Tasks []string `json:"tasks"`
}

// parseFilter reads the list filters from a query: task and status (comma
// separated or repeated), assignee (a user, "me" or "none"), from and to
// (dates, to inclusive, or RFC 3339 times) and limit.
func parseFilter(q map[string][]string, user string, loc *time.Location) (Filter, error) {
	f := Filter{Limit: defaultLimit}
	f.Tasks = append(f.Tasks, splitList(q["task"])...)
	for _, st := range splitList(q["status"]) {
		if !Status(st).valid() {
			return f, fmt.Errorf("unknown status %q (use new, confirmed, rejected, closed)", st)
		}
		f.Statuses = append(f.Statuses, Status(st))
	}
	switch a := first(q["assignee"]); a {
	case "", "any":
	case "me":
		f.Assignee = user
	case "none", "-":
		f.Assignee = "-"
	default:
		if !ValidUserName(a) {
			return f, fmt.Errorf("bad assignee %q", a)
		}
		f.Assignee = a
	}
	var err error
	if f.From, err = parseTime(first(q["from"]), false, loc); err != nil {
		return f, fmt.Errorf("from: %w", err)
	}
	if f.To, err = parseTime(first(q["to"]), true, loc); err != nil {
		return f, fmt.Errorf("to: %w", err)
	}
	if l := first(q["limit"]); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > maxLimit {
			return f, fmt.Errorf("limit must be 1 to %d", maxLimit)
		}
		f.Limit = n
	}
	return f, nil
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return strings.TrimSpace(v[0])
}

func splitList(vs []string) []string {
	var out []string
	for _, v := range vs {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// parseTime reads a date (YYYY-MM-DD, in loc) or an RFC 3339 time. A date
// used as an upper bound includes its whole day.
func parseTime(v string, end bool, loc *time.Location) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseInLocation("2006-01-02", v, loc); err == nil {
		if end {
			d = d.AddDate(0, 0, 1)
		}
		return d, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("want a date (2025-01-31) or an RFC 3339 time, got %q", v)
	}
	return t, nil
}

func (s *Service) waitIndex(w http.ResponseWriter, r *http.Request) bool {
	ctx, cancel := context.WithTimeout(r.Context(), readyWait)
	defer cancel()
	if err := s.store.waitReady(ctx); err != nil {
		writeError(w, http.StatusServiceUnavailable, "worklist is loading; try again")
		return false
	}
	return true
}

func (s *Service) listCases(w http.ResponseWriter, r *http.Request, p Principal) {
	f, err := parseFilter(r.URL.Query(), p.User, time.Local)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if !s.waitIndex(w, r) {
		return
	}
	cases, total := s.store.list(f)
	tasks := s.store.tasks()
	for t := range s.cfg.Labels {
		if !containsStr(tasks, t) {
			tasks = append(tasks, t)
		}
	}
	sort.Strings(tasks)
	writeJSON(w, http.StatusOK, ListResponse{Cases: cases, Total: total, Limit: f.Limit, Tasks: tasks})
}

// Prob is one class probability.
type Prob struct {
	Label string  `json:"label"`
	P     float64 `json:"p"`
}

// CaseView is the answer of GET /api/worklist/{id}: the case with its
// report text split for highlighting and the task's labels.
type CaseView struct {
	Case          *Case      `json:"case"`
	Segments      []Segment  `json:"segments"`
	Probabilities []Prob     `json:"probabilities"`
	Labels        []LabelDef `json:"labels"`
}

func (s *Service) view(c *Case) CaseView {
	v := CaseView{Case: c, Segments: Segments(c.Result.Text, c.Result.Evidence), Labels: s.cfg.Labels[c.Task]}
	for name, p := range c.Result.Probabilities {
		v.Probabilities = append(v.Probabilities, Prob{name, p})
	}
	sort.Slice(v.Probabilities, func(i, j int) bool {
		if v.Probabilities[i].P != v.Probabilities[j].P {
			return v.Probabilities[i].P > v.Probabilities[j].P
		}
		return v.Probabilities[i].Label < v.Probabilities[j].Label
	})
	if v.Labels == nil {
		v.Labels = []LabelDef{}
	}
	return v
}

func (s *Service) getCase(w http.ResponseWriter, r *http.Request, _ Principal) {
	id := r.PathValue("id")
	c, err := s.store.get(r.Context(), id)
	if err != nil {
		s.fail(w, id, err)
		return
	}
	writeJSON(w, http.StatusOK, s.view(c))
}

// ActionBody is the JSON body of POST /api/worklist/{id}/{action}.
type ActionBody struct {
	Reason string `json:"reason"`
	// Label names the correct label on a rejection (optional).
	Label string `json:"label"`
	// Assignee on assign: a user name, "me", or "" to unassign.
	Assignee string `json:"assignee"`
}

func (s *Service) postAction(w http.ResponseWriter, r *http.Request, p Principal) {
	id := r.PathValue("id")
	act := Action(r.PathValue("action"))
	switch act {
	case ActionConfirm, ActionReject, ActionAssign, ActionClose, ActionReopen:
	default:
		writeError(w, http.StatusNotFound, "unknown action "+strconv.Quote(string(act)))
		return
	}
	var body ActionBody
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body larger than %d bytes", maxBodyBytes))
		return
	}
	if len(strings.TrimSpace(string(data))) > 0 {
		if err := json.Unmarshal(data, &body); err != nil {
			writeError(w, http.StatusBadRequest, "body must be a JSON object: "+err.Error())
			return
		}
	}
	body.Reason = strings.TrimSpace(body.Reason)
	if !utf8.ValidString(body.Reason) || utf8.RuneCountInString(body.Reason) > maxReasonLen {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("reason must be valid text of at most %d characters", maxReasonLen))
		return
	}
	req := Request{Action: act, User: p.User, Reason: body.Reason}
	switch act {
	case ActionReject:
		if body.Label != "" {
			c, err := s.store.get(r.Context(), id)
			if err != nil {
				s.fail(w, id, err)
				return
			}
			ld, ok := findLabel(s.cfg.Labels[c.Task], body.Label)
			if !ok {
				writeError(w, http.StatusBadRequest, fmt.Sprintf("%q is not a label of task %s", body.Label, c.Task))
				return
			}
			req.Label = &ld
		}
	case ActionAssign:
		a := strings.TrimSpace(body.Assignee)
		if a == "me" {
			a = p.User
		}
		if a != "" && !ValidUserName(a) {
			writeError(w, http.StatusBadRequest, "bad assignee name")
			return
		}
		// With local users only, an assignee must be one of them; behind
		// a proxy the users are not known here.
		if _, ok := s.auth.cfg.Users[a]; a != "" && !ok && s.auth.cfg.TrustedHeader == "" && !s.auth.cfg.AllowAnonymous {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("no user %q", a))
			return
		}
		req.Assignee = a
	}
	c, err := s.Act(r.Context(), id, req)
	if err != nil {
		s.fail(w, id, err)
		return
	}
	writeJSON(w, http.StatusOK, s.view(c))
}

// events streams case changes as server-sent events ("case" events whose
// data is a Summary) until the client leaves or the service stops.
func (s *Service) events(w http.ResponseWriter, r *http.Request, _ Principal) {
	ch, err := s.store.subscribe()
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	defer s.store.unsubscribe(ch)
	rc := http.NewResponseController(w)
	// The server's read and write timeouts bound ordinary requests; this
	// one lives until the client leaves, with a deadline per write instead.
	rc.SetReadDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	send := func(chunk string) bool {
		rc.SetWriteDeadline(time.Now().Add(liveWriteWait))
		if _, err := io.WriteString(w, chunk); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if !send("retry: 3000\nevent: hello\ndata: {}\n\n") {
		return
	}
	tick := time.NewTicker(s.cfg.KeepAlive)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-s.done:
			return
		case <-tick.C:
			if !send(": keep-alive\n\n") {
				return
			}
		case sum, ok := <-ch:
			if !ok {
				return // fell behind: the client reconnects and reloads
			}
			data, _ := json.Marshal(sum)
			if !send("event: case\ndata: " + string(data) + "\n\n") {
				return
			}
		}
	}
}
