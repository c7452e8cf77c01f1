package fhir

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/radflag/radflag/pipeline"
)

// SearchFilter narrows the poller's search on the server.
type SearchFilter struct {
	// Category and Code are DiagnosticReport search tokens
	// ("http://loinc.org|LP29684-5", "RAD", "http://loinc.org|36813-4").
	Category string
	Code     string
	// Params are more search parameters, sent as given.
	Params url.Values
}

func (f SearchFilter) values() url.Values {
	v := url.Values{}
	if f.Category != "" {
		v.Set("category", f.Category)
	}
	if f.Code != "" {
		v.Set("code", f.Code)
	}
	for k, vs := range f.Params {
		for _, x := range vs {
			v.Add(k, x)
		}
	}
	return v
}

// PollerConfig configures polling a FHIR server for DiagnosticReports.
type PollerConfig struct {
	Client  *Client
	Store   pipeline.ReportStore
	Cursors CursorStore
	// CursorKey names this poller's cursor (default: derived from the
	// base URL and the filter, so that a new filter starts afresh).
	CursorKey string
	// Interval between polls (default 30s).
	Interval time.Duration
	Filter   SearchFilter
	CTFilter CTFilter
	// PageSize is the _count asked for (default 100).
	PageSize int
	// MaxPages bounds one poll (default 50); a backlog is worked through
	// in successive polls without waiting for the interval.
	MaxPages int
	// Since is where to start when no cursor is stored (zero: from the
	// oldest report the server has).
	Since time.Time
	// StoreTimeout bounds the wait for the store (default 10s).
	StoreTimeout time.Duration
	// Subscription, when set, is created on the server at start (once:
	// a conditional create on its endpoint).
	Subscription *SubscriptionConfig
	Logger       *slog.Logger
	Now          func() time.Time
}

// Poller searches the server for DiagnosticReports updated since its
// cursor, stores the new ones, and moves the cursor after each page.
type Poller struct {
	cfg     PollerConfig
	in      *ingester
	key     string
	log     *slog.Logger
	trigger chan struct{}
	mu      sync.Mutex // one poll at a time
}

// PollStats says what one poll did.
type PollStats struct {
	Pages, Stored, Duplicates, Skipped, Rejected, AlreadySeen int
	// More is true when the poll stopped at MaxPages with more to read.
	More bool
}

// NewPoller checks the configuration and builds a poller.
func NewPoller(cfg PollerConfig) (*Poller, error) {
	switch {
	case cfg.Client == nil:
		return nil, errors.New("fhir poller: no FHIR client")
	case cfg.Store == nil:
		return nil, errors.New("fhir poller: no report store")
	case cfg.Cursors == nil:
		return nil, errors.New("fhir poller: no cursor store")
	}
	if cfg.Interval <= 0 {
		cfg.Interval = 30 * time.Second
	}
	if cfg.PageSize <= 0 {
		cfg.PageSize = 100
	}
	if cfg.MaxPages <= 0 {
		cfg.MaxPages = 50
	}
	if cfg.StoreTimeout <= 0 {
		cfg.StoreTimeout = 10 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	ct, err := cfg.CTFilter.compile()
	if err != nil {
		return nil, fmt.Errorf("fhir poller: %w", err)
	}
	key := cfg.CursorKey
	if key == "" {
		sum := sha256.Sum256([]byte(cfg.Client.BaseURL() + "?" + cfg.Filter.values().Encode()))
		key = "fhir_poll_" + hex.EncodeToString(sum[:8])
	}
	log := cfg.Logger.With("component", "fhir-poller")
	return &Poller{
		cfg: cfg,
		key: key,
		log: log,
		in: &ingester{
			reports: cfg.Store, client: cfg.Client, log: log, storeTimeout: cfg.StoreTimeout,
			conv: &converter{ct: ct, client: cfg.Client, now: cfg.Now, log: log,
				maxResults: defaultMaxResults, maxAttachmentBytes: defaultMaxAttachmentBytes},
		},
		trigger: make(chan struct{}, 1),
	}, nil
}

// CursorKey is the key the poller keeps its cursor under.
func (p *Poller) CursorKey() string { return p.key }

// Trigger asks a running poller to poll now (a rest-hook ping arrived).
func (p *Poller) Trigger() {
	select {
	case p.trigger <- struct{}{}:
	default:
	}
}

// Run polls at once and then every interval until ctx is cancelled, and
// returns nil then. A failed poll is logged and tried again at the next
// interval; nothing it had not stored is lost, as the cursor only moves
// past what is stored.
func (p *Poller) Run(ctx context.Context) error {
	p.log.Info("fhir poller started", "cursor_key", p.key, "interval", p.cfg.Interval, "page_size", p.cfg.PageSize)
	subscribed := p.cfg.Subscription == nil
	for {
		if !subscribed {
			id, created, err := p.cfg.Client.EnsureSubscription(ctx, *p.cfg.Subscription)
			if err != nil {
				p.log.Warn("fhir subscription not created; polling meanwhile", "err", err)
			} else {
				subscribed = true
				p.log.Info("fhir subscription in place", "subscription", id, "created", created)
			}
		}
		stats, err := p.PollOnce(ctx)
		if ctx.Err() != nil {
			p.log.Info("fhir poller stopped")
			return nil
		}
		wait := p.cfg.Interval
		if err != nil {
			pollErrorsTotal.Inc()
			p.log.Warn("fhir poll failed; trying again at the next interval", "err", err, "stored", stats.Stored, "pages", stats.Pages)
		} else {
			pollLastSuccess.Set(float64(p.cfg.Now().Unix()))
			if stats.Stored+stats.Duplicates+stats.Skipped+stats.Rejected > 0 {
				p.log.Info("fhir poll done", "pages", stats.Pages, "stored", stats.Stored, "duplicates", stats.Duplicates,
					"skipped", stats.Skipped, "rejected", stats.Rejected)
			}
			if stats.More {
				wait = 0
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			p.log.Info("fhir poller stopped")
			return nil
		case <-p.trigger:
			t.Stop()
		case <-t.C:
		}
	}
}

// PollOnce runs one poll: it searches from the cursor, follows the pages
// (the server's next links, or, where it gives none, a new search from the
// advanced cursor), stores each new report, and saves the cursor after
// every page whose reports are all stored.
func (p *Poller) PollOnce(ctx context.Context) (PollStats, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var st PollStats
	raw, err := p.cfg.Cursors.Get(ctx, p.key)
	if err != nil {
		return st, err
	}
	cur, err := parseCursor(raw)
	if err != nil {
		// A cursor radflag cannot read would otherwise stop polling for
		// good; starting over is safe, as the bus drops what it has.
		p.log.Error("fhir poll cursor unreadable; starting from the configured start", "cursor_key", p.key, "err", err)
		cur = cursor{}
	}
	sorted := true
	changed := false // cur moved since it was last saved
	var lastAt time.Time
	next := ""
pages:
	for page := 0; ; page++ {
		if page == p.cfg.MaxPages {
			st.More = true
			break
		}
		body, asked, err := p.fetchPage(ctx, cur, next)
		if err != nil {
			p.saveIf(ctx, changed && sorted, &cur)
			return st, fmt.Errorf("search DiagnosticReports: %w", err)
		}
		// Included Observations come beside the reports: allow for them.
		pl, err := decodePayload(body, 10*max(asked, p.cfg.PageSize)+100)
		if err != nil {
			return st, fmt.Errorf("search DiagnosticReports: the server's answer is not a usable Bundle: %w", err)
		}
		if pl.kind != kindBundle {
			return st, errors.New("search DiagnosticReports: the server did not answer with a Bundle")
		}
		st.Pages++
		pollPagesTotal.Inc()
		fresh := 0
		for _, it := range pl.items {
			m := peekMeta(it.raw)
			key := m.ID + "/" + m.VersionID
			if m.VersionID == "" {
				key = m.ID + "@" + m.LastUpdated
			}
			at, atErr := parseInstant(m.LastUpdated)
			if atErr == nil && cur.LastUpdated != "" && at.Equal(cur.at) && cur.seen(key) {
				st.AlreadySeen++
				continue
			}
			fresh++
			if err := p.handle(ctx, it, pl.included, &st); err != nil {
				// Keep what is stored; an unsorted server's cursor is
				// not trusted until a poll completes.
				p.saveIf(ctx, changed && sorted, &cur)
				return st, err
			}
			if atErr != nil {
				p.log.Warn("fhir report without a readable meta.lastUpdated; the cursor does not move for it", "report", reportRef(m.ID))
				continue
			}
			if at.Before(lastAt) && sorted {
				sorted = false
				p.log.Warn("fhir server does not sort by _lastUpdated; the cursor is saved at the end of the poll only")
			}
			lastAt = maxTime(lastAt, at)
			if cur.advance(m.LastUpdated, at, key) {
				changed = true
			}
		}
		if changed && sorted {
			if err := p.save(ctx, &cur); err != nil {
				return st, err
			}
			changed = false
		}
		switch {
		case pl.next != "":
			next = pl.next
		case asked > 0 && len(pl.items) >= asked && fresh > 0:
			// A full page and no next link: search again from the
			// advanced cursor (keyset paging).
			next = ""
		case asked > 0 && len(pl.items) >= asked:
			p.log.Warn("fhir poll: a full page of reports already handled and no next link; stopping this poll",
				"page_size", asked)
			break pages
		default:
			break pages
		}
	}
	if changed {
		if err := p.save(ctx, &cur); err != nil {
			return st, err
		}
	}
	return st, nil
}

// handle stores one report of a page, or counts why not. Rejected reports
// are logged and passed over (they are the server's, and would block the
// poller for good); an error means stop and try again later.
func (p *Poller) handle(ctx context.Context, it rawItem, included map[string][]byte, st *PollStats) error {
	pr, err := p.in.prepare(ctx, it, included)
	if err != nil {
		return err
	}
	switch {
	case pr.rej != nil:
		st.Rejected++
		countRejected(pr.rej.Reason)
		p.in.logRejected("poll", pr.id, pr.rej)
	case pr.skip != "":
		st.Skipped++
		countSkipped(pr.skip)
		p.in.logSkipped("poll", pr.id, pr.skip)
	default:
		out, err := p.in.store(ctx, pr.report)
		if err != nil {
			return fmt.Errorf("store %s: %w", pr.report.ID, err)
		}
		p.in.logStored("poll", pr.report, out)
		countStored(out.Duplicate)
		if out.Duplicate {
			st.Duplicates++
		} else {
			st.Stored++
		}
	}
	return nil
}

// fetchPage gets the next page: the server's next link, or a search from
// the cursor. For a search it returns the _count asked for: the page size
// plus the reports already handled at the cursor's instant, which come
// first again, so that each search makes progress even when many reports
// share one lastUpdated.
func (p *Poller) fetchPage(ctx context.Context, cur cursor, next string) ([]byte, int, error) {
	if next != "" {
		resp, err := p.cfg.Client.GetURL(ctx, next, "", 0)
		if err != nil {
			return nil, 0, err
		}
		return resp.Body, 0, nil
	}
	q := p.cfg.Filter.values()
	switch {
	case cur.LastUpdated != "":
		q.Set("_lastUpdated", "ge"+cur.LastUpdated)
	case !p.cfg.Since.IsZero():
		q.Set("_lastUpdated", "ge"+p.cfg.Since.UTC().Format(time.RFC3339Nano))
	}
	count := p.cfg.PageSize
	if cur.LastUpdated != "" {
		count += len(cur.Seen)
	}
	q.Set("_sort", "_lastUpdated")
	q.Set("_count", strconv.Itoa(count))
	// Servers that support it send the result Observations on the page.
	q.Set("_include", "DiagnosticReport:result")
	body, err := p.cfg.Client.Search(ctx, "DiagnosticReport", q)
	return body, count, err
}

func (p *Poller) save(ctx context.Context, cur *cursor) error {
	if err := p.cfg.Cursors.Put(ctx, p.key, cur.encode(p.cfg.Now())); err != nil {
		return fmt.Errorf("save poll cursor: %w", err)
	}
	pollCursor.Set(float64(cur.at.UnixMilli()) / 1000)
	return nil
}

// saveIf saves the cursor on the way out of a failed poll, so that the
// reports stored before the failure are not handled again.
func (p *Poller) saveIf(ctx context.Context, ok bool, cur *cursor) {
	if !ok {
		return
	}
	if err := p.save(ctx, cur); err != nil {
		p.log.Warn("fhir poll cursor not saved", "err", err)
	}
}

type resourceMeta struct {
	ID          string
	VersionID   string
	LastUpdated string
}

// peekMeta reads id, meta.versionId and meta.lastUpdated.
func peekMeta(b []byte) resourceMeta {
	var v struct {
		ID   string `json:"id"`
		Meta struct {
			VersionID   string `json:"versionId"`
			LastUpdated string `json:"lastUpdated"`
		} `json:"meta"`
	}
	json.Unmarshal(b, &v)
	return resourceMeta{ID: v.ID, VersionID: v.Meta.VersionID, LastUpdated: v.Meta.LastUpdated}
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// SubscriptionConfig describes the R4 rest-hook Subscription radflag asks
// the server to create, so that it pushes DiagnosticReports to
// /fhir/notify.
type SubscriptionConfig struct {
	// Endpoint is radflag's notify URL as the server reaches it.
	Endpoint string
	// Criteria is the search the server watches (default "DiagnosticReport").
	Criteria string
	// Header lines the server sends with each notification, e.g.
	// "Authorization: Bearer <one of the ingest tokens>".
	Header []string
	// Payload is the MIME type of the notification body (default
	// application/fhir+json: the full resource). "none" asks for empty
	// pings, which trigger a poll.
	Payload string
	Reason  string
}
