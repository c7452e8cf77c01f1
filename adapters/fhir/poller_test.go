package fhir

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/radflag/radflag/pipeline"
)

// searchServer answers DiagnosticReport searches the way servers the peer
// does not imitate do: HAPI-style next links over a snapshot of the
// result, lastUpdated at second precision (so that many reports share
// one), and _lastUpdated=ge filtering. It is here to test paging, which
// the peer (no next links) cannot show.
type searchServer struct {
	mu        sync.Mutex
	reports   []srvReport
	nextLinks bool
	unsorted  bool // ignore _sort (newest first), as some servers do
	snapshots map[string][]srvReport
	srv       *httptest.Server
}

type srvReport struct {
	id, version, lastUpdated string
	at                       time.Time
}

func newSearchServer(t *testing.T, nextLinks bool) *searchServer {
	s := &searchServer{nextLinks: nextLinks, snapshots: map[string][]srvReport{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *searchServer) add(id string, second int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	at := time.Date(2024, 1, 1, 0, 0, second, 0, time.UTC)
	s.reports = append(s.reports, srvReport{id: id, version: "1", lastUpdated: at.Format(time.RFC3339), at: at})
}

func (s *searchServer) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := r.URL.Query()
	var list []srvReport
	offset := 0
	count, _ := strconv.Atoi(q.Get("_count"))
	switch {
	case r.URL.Path == "/" && q.Get("_getpages") != "":
		list = s.snapshots[q.Get("_getpages")]
		offset, _ = strconv.Atoi(q.Get("_getpagesoffset"))
	case r.URL.Path == "/DiagnosticReport":
		var from time.Time
		if v := q.Get("_lastUpdated"); v != "" {
			if !strings.HasPrefix(v, "ge") {
				http.Error(w, "want ge", 400)
				return
			}
			from, _ = time.Parse(time.RFC3339Nano, v[2:])
			from = from.Truncate(time.Second) // the server compares at its precision
		}
		for _, rep := range s.reports {
			if !rep.at.Before(from) {
				list = append(list, rep)
			}
		}
		sort.SliceStable(list, func(i, j int) bool { return list[i].at.Before(list[j].at) != s.unsorted })
	default:
		http.NotFound(w, r)
		return
	}
	end := min(offset+count, len(list))
	b := map[string]any{"resourceType": "Bundle", "type": "searchset"}
	var entries []any
	for _, rep := range list[offset:end] {
		entries = append(entries, map[string]any{"fullUrl": s.srv.URL + "/DiagnosticReport/" + rep.id, "search": map[string]any{"mode": "match"},
			"resource": json.RawMessage(fmt.Sprintf(`{"resourceType":"DiagnosticReport","id":%q,"meta":{"versionId":%q,"lastUpdated":%q},
			"status":"final","code":{"text":"CT CHEST"},"conclusion":"report %s"}`, rep.id, rep.version, rep.lastUpdated, rep.id))})
	}
	b["entry"] = entries
	if s.nextLinks && end < len(list) {
		id := fmt.Sprint(len(s.snapshots) + 1)
		if q.Get("_getpages") != "" {
			id = q.Get("_getpages")
		} else {
			s.snapshots[id] = list
		}
		b["link"] = []any{map[string]any{"relation": "next",
			"url": fmt.Sprintf("%s/?_getpages=%s&_getpagesoffset=%d&_count=%d&_bundletype=searchset", s.srv.URL, id, end, count)}}
	}
	w.Header().Set("Content-Type", ContentType)
	json.NewEncoder(w).Encode(b)
}

// TestPollerPaging: with next links or without, with many reports per
// lastUpdated instant, reports added later at the cursor's very instant,
// and a store that fails part-way, every report is stored exactly once.
func TestPollerPaging(t *testing.T) {
	for _, nextLinks := range []bool{true, false} {
		t.Run(fmt.Sprintf("nextLinks=%v", nextLinks), func(t *testing.T) {
			s := newSearchServer(t, nextLinks)
			for i := range 25 {
				s.add(fmt.Sprintf("r%02d", i), i/5) // five per second
			}
			bus := openBus(t, t.TempDir())
			fs := &failingStore{ReportStore: bus}
			fs.failAt.Store(12)
			p := newPoller(t, PollerConfig{Client: newTestClient(t, s.srv.URL, nil), Store: fs, Cursors: busCursors(t, bus), PageSize: 3})
			if _, err := p.PollOnce(context.Background()); !errors.Is(err, pipeline.ErrUnavailable) {
				t.Fatalf("poll with failing store: %v", err)
			}
			st := pollOnce(t, p)
			if st.Duplicates != 0 {
				t.Errorf("resumed poll stored %d duplicates", st.Duplicates)
			}
			if n := len(messageIDs(t, bus)); n != 25 {
				t.Fatalf("%d stored, want 25", n)
			}
			// More reports at the cursor's instant (the server's clock
			// did not tick) and after it.
			for i := range 4 {
				s.add(fmt.Sprintf("late%d", i), 4)
			}
			s.add("later", 9)
			st = pollOnce(t, p)
			if st.Stored != 5 || st.Duplicates != 0 {
				t.Fatalf("poll after additions: %+v, want 5 stored", st)
			}
			if st := pollOnce(t, p); st.Stored+st.Duplicates != 0 {
				t.Fatalf("idle poll: %+v", st)
			}
			if n := len(messageIDs(t, bus)); n != 30 {
				t.Fatalf("%d stored, want 30", n)
			}
		})
	}
}

// TestPollerUnsortedServer: a server that ignores _sort still has every
// report stored once: the cursor moves only when a poll completes.
func TestPollerUnsortedServer(t *testing.T) {
	s := newSearchServer(t, true)
	s.unsorted = true
	for i := range 10 {
		s.add(fmt.Sprint("u", i), i)
	}
	bus := openBus(t, t.TempDir())
	fs := &failingStore{ReportStore: bus}
	fs.failAt.Store(5)
	p := newPoller(t, PollerConfig{Client: newTestClient(t, s.srv.URL, nil), Store: fs, Cursors: busCursors(t, bus), PageSize: 3})
	if _, err := p.PollOnce(context.Background()); err == nil {
		t.Fatal("poll with failing store succeeded")
	}
	pollOnce(t, p)
	s.add("u10", 20)
	pollOnce(t, p)
	if st := pollOnce(t, p); st.Stored != 0 {
		t.Fatalf("idle poll stored %d", st.Stored)
	}
	if n := len(messageIDs(t, bus)); n != 11 {
		t.Fatalf("%d stored, want 11", n)
	}
}

// TestPollerMaxPages: a backlog bigger than one poll is reported as More
// and finished by the next poll.
func TestPollerMaxPages(t *testing.T) {
	s := newSearchServer(t, true)
	for i := range 10 {
		s.add(fmt.Sprint("m", i), i)
	}
	bus := openBus(t, t.TempDir())
	p := newPoller(t, PollerConfig{Client: newTestClient(t, s.srv.URL, nil), Store: bus, Cursors: busCursors(t, bus), PageSize: 2, MaxPages: 3})
	st := pollOnce(t, p)
	if !st.More || st.Stored != 6 {
		t.Fatalf("first poll: %+v", st)
	}
	st = pollOnce(t, p)
	if st.More || st.Stored != 4 {
		t.Fatalf("second poll: %+v", st)
	}
}

// TestPollerForeignNextLink: a next link to another host is refused (the
// token would go with it), and the poll fails rather than skip pages.
func TestPollerForeignNextLink(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("request reached the foreign host")
	}))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", ContentType)
		fmt.Fprintf(w, `{"resourceType":"Bundle","type":"searchset","link":[{"relation":"next","url":"%s/?page=2"}],"entry":[]}`, other.URL)
	}))
	defer srv.Close()
	bus := openBus(t, t.TempDir())
	p := newPoller(t, PollerConfig{Client: newTestClient(t, srv.URL, nil), Store: bus, Cursors: busCursors(t, bus)})
	if _, err := p.PollOnce(context.Background()); !errors.Is(err, ErrForeignURL) {
		t.Fatalf("poll: %v, want ErrForeignURL", err)
	}
}
