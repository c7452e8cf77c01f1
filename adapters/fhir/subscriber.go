package fhir

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/radflag/radflag/pipeline"
)

// Paths of the endpoints (contracts).
const (
	PathDiagnosticReport = "/fhir/DiagnosticReport"
	PathNotify           = "/fhir/notify"
)

// IngestConfig configures the FHIR endpoints.
type IngestConfig struct {
	// Store receives the reports; the answer waits for it.
	Store pipeline.ReportStore
	// Client reads what notifications only name (id-only content),
	// referenced Observations and attachment URLs. Optional: without it an
	// id-only notification is answered 501.
	Client *Client
	// Tokens are the bearer tokens senders may present.
	Tokens []string
	// AllowAnonymous accepts requests without a token; it must be set
	// explicitly when Tokens is empty.
	AllowAnonymous bool
	// MaxBodyBytes bounds a request body (default 5 MiB; more is 413).
	MaxBodyBytes int64
	CTFilter     CTFilter
	// RetryAfter is what a 503 asks the sender to wait (default 10s).
	RetryAfter time.Duration
	// StoreTimeout bounds the wait for the store (default 10s).
	StoreTimeout time.Duration
	// MaxEntries bounds the entries of a Bundle (default 1000); MaxResolve
	// the reports an id-only notification may make radflag read (default
	// 100).
	MaxEntries int
	MaxResolve int
	// OnPing is called for a notification that carries no events (an
	// empty R4 rest-hook POST, a heartbeat): wire Poller.Trigger to poll
	// at once.
	OnPing func()
	Logger *slog.Logger
	// Now is the clock for ReceivedAt (default time.Now).
	Now func() time.Time
}

// IngestHandler serves POST /fhir/DiagnosticReport and POST /fhir/notify.
// Mount it on "/fhir/" (or on both paths).
type IngestHandler struct {
	cfg    IngestConfig
	tokens [][sha256.Size]byte
	in     *ingester
	log    *slog.Logger
}

// NewIngestHandler checks the configuration and builds the handler.
func NewIngestHandler(cfg IngestConfig) (*IngestHandler, error) {
	if cfg.Store == nil {
		return nil, errors.New("fhir ingest: no report store")
	}
	var tokens [][sha256.Size]byte
	for _, t := range cfg.Tokens {
		if t = strings.TrimSpace(t); t != "" {
			tokens = append(tokens, sha256.Sum256([]byte(t)))
		}
	}
	if len(tokens) == 0 && !cfg.AllowAnonymous {
		return nil, errors.New("fhir ingest: no bearer tokens configured and anonymous access not allowed")
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 5 << 20
	}
	if cfg.RetryAfter <= 0 {
		cfg.RetryAfter = 10 * time.Second
	}
	if cfg.StoreTimeout <= 0 {
		cfg.StoreTimeout = 10 * time.Second
	}
	if cfg.MaxEntries <= 0 {
		cfg.MaxEntries = defaultMaxEntries
	}
	if cfg.MaxResolve <= 0 {
		cfg.MaxResolve = 100
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	ct, err := cfg.CTFilter.compile()
	if err != nil {
		return nil, fmt.Errorf("fhir ingest: %w", err)
	}
	log := cfg.Logger.With("component", "fhir-ingest")
	return &IngestHandler{
		cfg:    cfg,
		tokens: tokens,
		log:    log,
		in: &ingester{
			reports:      cfg.Store,
			client:       cfg.Client,
			log:          log,
			storeTimeout: cfg.StoreTimeout,
			maxResolve:   cfg.MaxResolve,
			conv: &converter{ct: ct, client: cfg.Client, now: cfg.Now, log: log,
				maxResults: defaultMaxResults, maxAttachmentBytes: defaultMaxAttachmentBytes},
		},
	}, nil
}

func (h *IngestHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var endpoint string
	switch strings.TrimRight(r.URL.Path, "/") {
	case PathDiagnosticReport:
		endpoint = "DiagnosticReport"
	case PathNotify:
		endpoint = "notify"
	default:
		h.answer(w, "other", http.StatusNotFound, errorIssue("not-found", "no such endpoint; radflag takes POST %s and POST %s", PathDiagnosticReport, PathNotify))
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.answer(w, endpoint, http.StatusMethodNotAllowed, errorIssue("not-supported", "only POST is supported here"))
		return
	}
	if !h.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="radflag"`)
		h.log.Warn("fhir request refused: missing or wrong bearer token", "endpoint", endpoint, "remote", r.RemoteAddr)
		h.answer(w, endpoint, http.StatusUnauthorized, errorIssue("login", "a valid bearer token is required"))
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || !(mt == ContentType || mt == "application/json" || mt == "application/json+fhir" || mt == "text/json") {
			countRejected("unsupported_media_type")
			h.answer(w, endpoint, http.StatusUnsupportedMediaType, errorIssue("not-supported", "send FHIR JSON (Content-Type: %s)", ContentType))
			return
		}
	}
	body, ok := h.readBody(w, r, endpoint)
	if !ok {
		return
	}
	var p *payload
	if endpoint == "DiagnosticReport" {
		rt, err := peekType(body)
		if err == nil && rt != "DiagnosticReport" {
			err = reject(http.StatusBadRequest, "wrong_resource_type", Issue{Severity: "error", Code: "not-supported",
				Expression: "resourceType", Diagnostics: fmt.Sprintf("expected a DiagnosticReport, got %s", truncate(rt, 64))})
		}
		if err != nil {
			h.rejected(w, endpoint, "", err)
			return
		}
		p = &payload{kind: kindResource, items: []rawItem{{raw: body, path: "DiagnosticReport"}}}
	} else {
		var err error
		if p, err = decodePayload(body, h.cfg.MaxEntries); err != nil {
			h.rejected(w, endpoint, "", err)
			return
		}
	}
	h.process(r.Context(), w, endpoint, p)
}

// authorized checks the bearer token in constant time (comparing digests,
// so that neither content nor length leaks through timing).
func (h *IngestHandler) authorized(r *http.Request) bool {
	auth := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(auth, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		return auth == "" && h.cfg.AllowAnonymous
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(tok)))
	match := 0
	for _, t := range h.tokens {
		match |= subtle.ConstantTimeCompare(sum[:], t[:])
	}
	return match == 1
}

func (h *IngestHandler) readBody(w http.ResponseWriter, r *http.Request, endpoint string) ([]byte, bool) {
	limit := h.cfg.MaxBodyBytes
	tooLarge := func() {
		countRejected("too_large")
		// The rest of an oversize body is not read; closing the connection
		// spares the client sending it.
		w.Header().Set("Connection", "close")
		h.answer(w, endpoint, http.StatusRequestEntityTooLarge, errorIssue("too-long", "the body is larger than %d bytes", limit))
	}
	if r.ContentLength > limit {
		tooLarge()
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			tooLarge()
			return nil, false
		}
		h.log.Warn("fhir request body could not be read", "endpoint", endpoint, "err", err)
		h.answer(w, endpoint, http.StatusBadRequest, errorIssue("structure", "the body could not be read"))
		return nil, false
	}
	return body, true
}

// rejected answers a Rejection (or, for other errors, a 500) and counts it.
func (h *IngestHandler) rejected(w http.ResponseWriter, endpoint, id string, err error) {
	var rej *Rejection
	if !errors.As(err, &rej) {
		h.log.Error("fhir request failed", "endpoint", endpoint, "err", err)
		h.answer(w, endpoint, http.StatusInternalServerError, errorIssue("exception", "internal error"))
		return
	}
	countRejected(rej.Reason)
	h.in.logRejected(endpoint, id, rej)
	h.answer(w, endpoint, rej.Status, rej.Issues...)
}

// process resolves, converts and stores what a body holds. It is
// all-or-nothing for bad input: when any report is rejected none is
// stored, so that the sender can fix and resend the whole. It answers 200
// only after every report is stored.
func (h *IngestHandler) process(ctx context.Context, w http.ResponseWriter, endpoint string, p *payload) {
	if p.kind == kindEmpty || p.notifyType == notifyHeartbeat || p.notifyType == notifyHandshake {
		if h.cfg.OnPing != nil && p.notifyType != notifyHandshake {
			h.cfg.OnPing()
		}
		what := "empty notification"
		if p.notifyType != "" {
			what = p.notifyType
		}
		h.log.Info("fhir notification without events", "endpoint", endpoint, "type", what)
		h.answer(w, endpoint, http.StatusOK, Issue{Severity: "information", Code: "informational", Diagnostics: what + " received"})
		return
	}
	items := p.items
	fetched, notFound, err := h.in.resolve(ctx, p.refs)
	if err != nil {
		h.upstreamFailed(w, endpoint, err)
		return
	}
	items = append(items, fetched...)

	preps := make([]prepared, 0, len(items))
	var issues []Issue
	status := 0
	for _, it := range items {
		pr, err := h.in.prepare(ctx, it, p.included)
		if err != nil {
			h.upstreamFailed(w, endpoint, err)
			return
		}
		if pr.rej != nil {
			countRejected(pr.rej.Reason)
			h.in.logRejected(endpoint, pr.id, pr.rej)
			issues = append(issues, pr.rej.Issues...)
			status = max(status, pr.rej.Status)
			continue
		}
		preps = append(preps, pr)
	}
	if status != 0 {
		if len(items) > 1 {
			issues = append(issues, Issue{Severity: "information", Code: "informational",
				Diagnostics: "nothing in this request was stored; fix the reports named and send it again"})
		}
		h.answer(w, endpoint, status, issues...)
		return
	}

	stored, dups := 0, 0
	skips := map[string]int{}
	for _, pr := range preps {
		if pr.report == nil {
			continue
		}
		out, err := h.in.store(ctx, pr.report)
		if err != nil {
			if errors.Is(err, pipeline.ErrUnavailable) {
				h.log.Warn("fhir report not stored: store unavailable", "endpoint", endpoint, "report", pr.report.ID, "err", err)
				w.Header().Set("Retry-After", strconv.Itoa(int((h.cfg.RetryAfter+time.Second-1)/time.Second)))
				h.answer(w, endpoint, http.StatusServiceUnavailable, errorIssue("transient", "radflag cannot store reports right now; send again later"))
				return
			}
			h.log.Error("fhir report not stored", "endpoint", endpoint, "report", pr.report.ID, "err", err)
			h.answer(w, endpoint, http.StatusInternalServerError, errorIssue("exception", "radflag could not store DiagnosticReport/%s", pr.id))
			return
		}
		h.in.logStored(endpoint, pr.report, out)
		if out.Duplicate {
			dups++
		} else {
			stored++
		}
	}
	// Count only once everything is stored, so that a retried request is
	// not counted twice.
	for _, pr := range preps {
		switch {
		case pr.report != nil:
		case pr.skip != "":
			skips[pr.skip]++
			countSkipped(pr.skip)
			h.in.logSkipped(endpoint, pr.id, pr.skip)
		}
	}
	for range stored {
		countStored(false)
	}
	for range dups {
		countStored(true)
	}
	if notFound > 0 {
		skips["not_found"] += notFound
		for range notFound {
			countSkipped("not_found")
		}
	}
	if p.ignored > 0 {
		skips["not_diagnostic_report"] += p.ignored
	}
	h.answer(w, endpoint, http.StatusOK, summary(stored, dups, skips))
}

func summary(stored, dups int, skips map[string]int) Issue {
	parts := []string{fmt.Sprintf("stored %d", stored)}
	if dups > 0 {
		parts = append(parts, fmt.Sprintf("already stored %d", dups))
	}
	for _, reason := range sortedKeys(skips) {
		parts = append(parts, fmt.Sprintf("not processed (%s) %d", reason, skips[reason]))
	}
	return Issue{Severity: "information", Code: "informational", Diagnostics: strings.Join(parts, ", ")}
}

// upstreamFailed answers a failure to read from the FHIR server or to
// convert: 503 when it may pass, 501 when no server is configured, 502
// when the server refused, and a rejection's own status.
func (h *IngestHandler) upstreamFailed(w http.ResponseWriter, endpoint string, err error) {
	var rej *Rejection
	switch {
	case errors.As(err, &rej):
		h.rejected(w, endpoint, "", err)
	case errors.Is(err, errNoServer):
		h.log.Warn("fhir id-only notification refused: no FHIR server configured", "endpoint", endpoint)
		h.answer(w, endpoint, http.StatusNotImplemented, errorIssue("not-supported", "%v", err))
	case IsRetryable(err):
		h.log.Warn("fhir server could not be read; asking the sender to retry", "endpoint", endpoint, "err", err)
		w.Header().Set("Retry-After", strconv.Itoa(int((h.cfg.RetryAfter+time.Second-1)/time.Second)))
		h.answer(w, endpoint, http.StatusServiceUnavailable, errorIssue("transient", "the FHIR server could not be read; send again later"))
	default:
		h.log.Warn("fhir server refused a read", "endpoint", endpoint, "err", err)
		h.answer(w, endpoint, http.StatusBadGateway, errorIssue("exception", "the FHIR server refused to give radflag a resource this notification names: %v", err))
	}
}

func (h *IngestHandler) answer(w http.ResponseWriter, endpoint string, status int, issues ...Issue) {
	requestsTotal.WithLabelValues(endpoint, strconv.Itoa(status)).Inc()
	writeOutcome(w, status, issues...)
}
