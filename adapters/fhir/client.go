package fhir

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ClientConfig configures a client of one FHIR R4 server.
type ClientConfig struct {
	// BaseURL is the server's base, e.g. https://fhir.example.org/R4.
	BaseURL string
	// BearerToken is sent on every request; leave empty with SMART.
	BearerToken string
	// SMART, when set, gets access tokens by SMART backend-services
	// (client credentials with a signed JWT assertion) instead.
	SMART *SMARTConfig
	// Timeout bounds one attempt, response body included (default 15s).
	Timeout time.Duration
	// MaxResponseBytes bounds a response body (default 16 MiB).
	MaxResponseBytes int64
	// MaxRetries is how often an idempotent request is retried after a
	// network error, 408, 429 or 5xx (default 3; negative: never).
	MaxRetries int
	// RetryBackoff is the first wait between attempts (default 250ms),
	// doubled each time, with jitter, up to 10s; a Retry-After answer is
	// honoured up to 30s.
	RetryBackoff time.Duration
	// Transport carries the requests (default: a clone of
	// http.DefaultTransport with TLS, when set).
	Transport http.RoundTripper
	TLS       *tls.Config
	UserAgent string
	Logger    *slog.Logger
}

// Client is a small FHIR R4 REST client: reads, searches, paging,
// conditional creates and updates, with bounded bodies, timeouts, retries
// where they are safe, and bearer or SMART backend-services auth. It is
// safe for concurrent use.
type Client struct {
	cfg   ClientConfig
	base  *url.URL
	http  *http.Client
	token *tokenSource // nil without SMART
	log   *slog.Logger
}

const (
	defaultTimeout          = 15 * time.Second
	defaultMaxResponseBytes = 16 << 20
	maxBackoff              = 10 * time.Second
	maxRetryAfter           = 30 * time.Second
)

// NewClient checks the configuration and builds a client.
func NewClient(cfg ClientConfig) (*Client, error) {
	if cfg.BaseURL == "" {
		return nil, errors.New("fhir client: no base URL")
	}
	base, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("fhir client: base URL %q: want http(s)://host/path", cfg.BaseURL)
	}
	base.RawQuery, base.Fragment = "", ""
	if cfg.BearerToken != "" && cfg.SMART != nil {
		return nil, errors.New("fhir client: set a bearer token or SMART credentials, not both")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = defaultTimeout
	}
	if cfg.MaxResponseBytes <= 0 {
		cfg.MaxResponseBytes = defaultMaxResponseBytes
	}
	if cfg.MaxRetries == 0 {
		cfg.MaxRetries = 3
	} else if cfg.MaxRetries < 0 {
		cfg.MaxRetries = 0
	}
	if cfg.RetryBackoff <= 0 {
		cfg.RetryBackoff = 250 * time.Millisecond
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "radflag"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	rt := cfg.Transport
	if rt == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		if cfg.TLS != nil {
			t.TLSClientConfig = cfg.TLS.Clone()
		}
		t.ResponseHeaderTimeout = cfg.Timeout
		rt = t
	}
	c := &Client{
		cfg:  cfg,
		base: base,
		// Redirects are not followed: a FHIR server does not need them,
		// and following one could carry the token elsewhere.
		http: &http.Client{Transport: rt, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		log:  cfg.Logger.With("component", "fhir-client"),
	}
	if cfg.SMART != nil {
		if c.token, err = newTokenSource(*cfg.SMART, c.http, cfg.Timeout); err != nil {
			return nil, fmt.Errorf("fhir client: %w", err)
		}
	}
	return c, nil
}

// BaseURL is the server's base URL, without a trailing slash.
func (c *Client) BaseURL() string { return c.base.String() }

// Request is one call to the server.
type Request struct {
	Method string
	// Path is relative to the base URL ("DiagnosticReport/1",
	// "Observation") or an absolute URL on the same server (a paging link).
	Path  string
	Query url.Values
	Body  []byte
	// Header adds headers (If-None-Exist, If-Match, Prefer).
	Header http.Header
	// Accept defaults to application/fhir+json.
	Accept string
	// Idempotent allows retries of a POST (a conditional create); GET,
	// HEAD, PUT and DELETE are retried anyway.
	Idempotent bool
	// MaxBytes overrides the client's response bound.
	MaxBytes int64
}

// Response is a 2xx answer.
type Response struct {
	StatusCode int
	Header     http.Header
	Body       []byte
}

// Location is the Location (or Content-Location) header of a create or
// update, "Type/id/_history/vid" relative to the base when it is on it.
func (r *Response) Location() string {
	loc := r.Header.Get("Location")
	if loc == "" {
		loc = r.Header.Get("Content-Location")
	}
	return loc
}

// StatusError is a non-2xx answer. Its message names the method, the
// resource type and the status, never the query or the body, which may hold
// patient data; Body keeps the answer (bounded) for a dead-letter record.
type StatusError struct {
	Method     string
	Resource   string // redacted path: "DiagnosticReport/123", "Patient/…"
	StatusCode int
	RetryAfter time.Duration
	// Issues are the codes and diagnostics of an OperationOutcome answer.
	Issues []Issue
	Body   []byte
}

func (e *StatusError) Error() string {
	var codes []string
	for _, is := range e.Issues {
		if is.Code != "" {
			codes = append(codes, is.Code)
		}
	}
	msg := fmt.Sprintf("fhir %s %s: %d %s", e.Method, e.Resource, e.StatusCode, http.StatusText(e.StatusCode))
	if len(codes) > 0 {
		msg += " (" + strings.Join(codes, ", ") + ")"
	}
	return msg
}

// Temporary reports whether trying again later may succeed.
func (e *StatusError) Temporary() bool {
	return e.StatusCode >= 500 || e.StatusCode == http.StatusTooManyRequests || e.StatusCode == http.StatusRequestTimeout
}

// ErrForeignURL refuses a URL that is not on the configured server: the
// client would otherwise send its token to whoever a document names.
var ErrForeignURL = errors.New("url is not on the configured FHIR server")

// IsNotFound reports whether err is a 404 or 410 answer.
func IsNotFound(err error) bool {
	var se *StatusError
	return errors.As(err, &se) && (se.StatusCode == http.StatusNotFound || se.StatusCode == http.StatusGone)
}

// IsRetryable reports whether a failed call may succeed later: the server
// was unreachable, timed out, or answered 408, 429 or 5xx.
func IsRetryable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, ErrForeignURL) {
		return false
	}
	var se *StatusError
	if errors.As(err, &se) {
		return se.Temporary()
	}
	var re *responseTooLarge
	if errors.As(err, &re) {
		return false
	}
	var te *tokenError
	if errors.As(err, &te) {
		return te.temporary
	}
	return true // transport errors, timeouts
}

type responseTooLarge struct{ limit int64 }

func (e *responseTooLarge) Error() string { return fmt.Sprintf("response over %d bytes", e.limit) }

// Do sends a request, retrying an idempotent one on temporary failures.
// Any answer but 2xx is a *StatusError.
func (c *Client) Do(ctx context.Context, req Request) (*Response, error) {
	u, err := c.resolve(req.Path, req.Query)
	if err != nil {
		return nil, err
	}
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	retryable := req.Idempotent || method == http.MethodGet || method == http.MethodHead ||
		method == http.MethodPut || method == http.MethodDelete
	attempts := 1
	if retryable {
		attempts += c.cfg.MaxRetries
	}
	what := redactPath(c.relPath(u))
	backoff := c.cfg.RetryBackoff
	reauthed := false
	for attempt := 1; ; attempt++ {
		resp, err := c.once(ctx, method, u, req)
		if err == nil {
			return resp, nil
		}
		var se *StatusError
		if errors.As(err, &se) {
			se.Method, se.Resource = method, what
			if se.StatusCode == http.StatusUnauthorized && c.token != nil && !reauthed {
				// The access token may have been revoked or expired
				// early: get a new one and try once more. A 401 means the
				// request was not acted on, so this is safe for any method.
				reauthed = true
				c.token.invalidate()
				attempt--
				continue
			}
		}
		if attempt >= attempts || !IsRetryable(err) || ctx.Err() != nil {
			if se != nil {
				return nil, se
			}
			return nil, fmt.Errorf("fhir %s %s: %w", method, what, err)
		}
		wait := backoff/2 + rand.N(backoff/2+1)
		if se != nil && se.RetryAfter > 0 {
			wait = min(se.RetryAfter, maxRetryAfter)
		}
		backoff = min(backoff*2, maxBackoff)
		c.log.Warn("fhir request failed, retrying", "op", method+" "+what, "attempt", attempt, "wait", wait, "err", errText(err))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("fhir %s %s: %w (after %d attempts: %w)", method, what, ctx.Err(), attempt, err)
		case <-t.C:
		}
	}
}

// errText is an error for a log line: a transport error names the URL,
// whose query may hold search values, so only its cause is kept.
func errText(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

func (c *Client) once(ctx context.Context, method string, u *url.URL, req Request) (*Response, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	var body io.Reader
	if req.Body != nil {
		body = bytes.NewReader(req.Body)
	}
	hr, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, err
	}
	for k, vs := range req.Header {
		for _, v := range vs {
			hr.Header.Add(k, v)
		}
	}
	accept := req.Accept
	if accept == "" {
		accept = ContentType
	}
	hr.Header.Set("Accept", accept)
	hr.Header.Set("User-Agent", c.cfg.UserAgent)
	if req.Body != nil {
		hr.Header.Set("Content-Type", ContentType)
	}
	if err := c.authorize(ctx, hr); err != nil {
		return nil, err
	}
	resp, err := c.http.Do(hr)
	if err != nil {
		clientRequestsTotal.WithLabelValues(method, "error").Inc()
		return nil, err
	}
	defer resp.Body.Close()
	clientRequestsTotal.WithLabelValues(method, statusClass(resp.StatusCode)).Inc()
	limit := c.cfg.MaxResponseBytes
	if req.MaxBytes > 0 {
		limit = req.MaxBytes
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read response: %w", err)
	}
	if int64(len(data)) > limit {
		if resp.StatusCode/100 != 2 {
			data = data[:limit]
		} else {
			return nil, &responseTooLarge{limit: limit}
		}
	}
	if resp.StatusCode/100 != 2 {
		se := &StatusError{StatusCode: resp.StatusCode, Issues: outcomeIssues(data), Body: data[:min(len(data), 64<<10)]}
		if ra := resp.Header.Get("Retry-After"); ra != "" {
			if secs, err := strconv.Atoi(ra); err == nil && secs >= 0 {
				se.RetryAfter = time.Duration(secs) * time.Second
			} else if t, err := http.ParseTime(ra); err == nil {
				se.RetryAfter = max(time.Until(t), 0)
			}
		}
		return nil, se
	}
	return &Response{StatusCode: resp.StatusCode, Header: resp.Header, Body: data}, nil
}

func (c *Client) authorize(ctx context.Context, hr *http.Request) error {
	switch {
	case c.token != nil:
		tok, err := c.token.get(ctx)
		if err != nil {
			return err
		}
		hr.Header.Set("Authorization", "Bearer "+tok)
	case c.cfg.BearerToken != "":
		hr.Header.Set("Authorization", "Bearer "+c.cfg.BearerToken)
	}
	return nil
}

// resolve makes the URL of a request: a path relative to the base, or an
// absolute URL that must lie under the base.
func (c *Client) resolve(path string, q url.Values) (*url.URL, error) {
	var u *url.URL
	if strings.HasPrefix(path, "http://") || strings.HasPrefix(path, "https://") {
		p, err := url.Parse(path)
		if err != nil {
			return nil, fmt.Errorf("fhir url: %w", err)
		}
		if !c.onServer(p) {
			return nil, ErrForeignURL
		}
		u = p
	} else {
		rel, err := url.Parse(strings.TrimLeft(path, "/"))
		if err != nil || rel.IsAbs() || rel.Host != "" || strings.Contains(rel.Path, "..") {
			return nil, fmt.Errorf("fhir path %q: not a relative FHIR path", redactPath(path))
		}
		u = &url.URL{Scheme: c.base.Scheme, Host: c.base.Host, User: c.base.User,
			Path: strings.TrimRight(c.base.Path, "/") + "/" + rel.Path, RawQuery: rel.RawQuery}
	}
	if len(q) > 0 {
		if u.RawQuery != "" {
			u.RawQuery += "&" + q.Encode()
		} else {
			u.RawQuery = q.Encode()
		}
	}
	return u, nil
}

// onServer reports whether u is under the base URL (same scheme, host and
// path prefix).
func (c *Client) onServer(u *url.URL) bool {
	if !strings.EqualFold(u.Scheme, c.base.Scheme) || !strings.EqualFold(hostPort(u), hostPort(c.base)) {
		return false
	}
	bp := strings.TrimRight(c.base.Path, "/")
	return bp == "" || u.Path == bp || strings.HasPrefix(u.Path, bp+"/")
}

func hostPort(u *url.URL) string {
	h, p := u.Hostname(), u.Port()
	if p == "" {
		p = map[string]string{"http": "80", "https": "443"}[strings.ToLower(u.Scheme)]
	}
	return net.JoinHostPort(strings.ToLower(h), p)
}

// relPath is u's path relative to the base ("DiagnosticReport/1").
func (c *Client) relPath(u *url.URL) string {
	p := strings.TrimPrefix(u.Path, strings.TrimRight(c.base.Path, "/"))
	return strings.TrimLeft(p, "/")
}

// RelativeReference turns a reference into "Type/id" or
// "Type/id/_history/vid" on this server: a relative reference is kept, an
// absolute one on this server is made relative, one elsewhere is refused.
func (c *Client) RelativeReference(ref string) (string, error) {
	if strings.HasPrefix(ref, "http://") || strings.HasPrefix(ref, "https://") {
		u, err := url.Parse(ref)
		if err != nil {
			return "", fmt.Errorf("reference: %w", err)
		}
		if !c.onServer(u) {
			return "", ErrForeignURL
		}
		return c.relPath(u), nil
	}
	return strings.TrimLeft(ref, "/"), nil
}

// patientTypes name resources whose ids identify a person: they are not
// written in logs or errors.
var patientTypes = map[string]bool{"Patient": true, "Person": true, "RelatedPerson": true, "Practitioner": true}

// redactPath keeps what a log may show of a request path: the resource
// type, and the id unless it names a person. Queries are dropped.
func redactPath(p string) string {
	p, _, _ = strings.Cut(p, "?")
	p = strings.Trim(p, "/")
	typ, rest, _ := strings.Cut(p, "/")
	if rest == "" {
		return typ
	}
	if patientTypes[typ] {
		return typ + "/…"
	}
	return truncate(typ+"/"+rest, 200)
}

// Read gets a resource by type and id.
func (c *Client) Read(ctx context.Context, resourceType, id string) ([]byte, error) {
	if !validID(resourceType) || !validID(id) {
		return nil, fmt.Errorf("fhir read: bad resource type or id")
	}
	resp, err := c.Do(ctx, Request{Method: http.MethodGet, Path: resourceType + "/" + id})
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

// ReadReference gets the resource a reference names ("Type/id",
// "Type/id/_history/vid", or an absolute URL on this server).
func (c *Client) ReadReference(ctx context.Context, ref string) ([]byte, error) {
	rel, err := c.RelativeReference(ref)
	if err != nil {
		return nil, err
	}
	typ, id, vid, ok := splitReference(rel)
	if !ok {
		return nil, fmt.Errorf("fhir read: %q is not a Type/id reference", redactPath(rel))
	}
	path := typ + "/" + id
	if vid != "" {
		path += "/_history/" + vid
	}
	resp, err := c.Do(ctx, Request{Method: http.MethodGet, Path: path})
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

// Search runs a type search (GET [base]/Type?params) and returns the Bundle.
func (c *Client) Search(ctx context.Context, resourceType string, params url.Values) ([]byte, error) {
	if !validID(resourceType) {
		return nil, fmt.Errorf("fhir search: bad resource type")
	}
	resp, err := c.Do(ctx, Request{Method: http.MethodGet, Path: resourceType, Query: params})
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

// GetURL gets an absolute URL on this server (a Bundle's next link, an
// attachment), refusing any other host.
func (c *Client) GetURL(ctx context.Context, rawURL, accept string, maxBytes int64) (*Response, error) {
	return c.Do(ctx, Request{Method: http.MethodGet, Path: rawURL, Accept: accept, MaxBytes: maxBytes})
}

// Create posts a resource. With ifNoneExist (a search query such as
// "identifier=sys|val") it is a conditional create, which the server turns
// into a no-op when a match exists, so it is retried like a read; a plain
// create is never retried, as a retry could create it twice.
func (c *Client) Create(ctx context.Context, resourceType string, body []byte, ifNoneExist string) (*Response, error) {
	if !validID(resourceType) {
		return nil, fmt.Errorf("fhir create: bad resource type")
	}
	req := Request{Method: http.MethodPost, Path: resourceType, Body: body, Header: http.Header{}}
	req.Header.Set("Prefer", "return=representation")
	if ifNoneExist != "" {
		req.Header.Set("If-None-Exist", ifNoneExist)
		req.Idempotent = true
	}
	return c.Do(ctx, req)
}

// Update puts a resource at Type/id; ifMatch (a version, W/"3") makes it
// conditional on the current version.
func (c *Client) Update(ctx context.Context, resourceType, id string, body []byte, ifMatch string) (*Response, error) {
	if !validID(resourceType) || !validID(id) {
		return nil, fmt.Errorf("fhir update: bad resource type or id")
	}
	req := Request{Method: http.MethodPut, Path: resourceType + "/" + id, Body: body, Header: http.Header{}}
	req.Header.Set("Prefer", "return=representation")
	if ifMatch != "" {
		req.Header.Set("If-Match", ifMatch)
	}
	return c.Do(ctx, req)
}

// validID accepts FHIR ids and type names: [A-Za-z0-9-.]{1,64}.
func validID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// splitReference splits "Type/id" or "Type/id/_history/vid".
func splitReference(ref string) (typ, id, vid string, ok bool) {
	ref, _, _ = strings.Cut(ref, "?")
	parts := strings.Split(strings.Trim(ref, "/"), "/")
	// An absolute URL made relative may keep leading path segments; the
	// reference is the tail.
	switch {
	case len(parts) >= 4 && parts[len(parts)-2] == "_history":
		typ, id, vid = parts[len(parts)-4], parts[len(parts)-3], parts[len(parts)-1]
	case len(parts) >= 2:
		typ, id = parts[len(parts)-2], parts[len(parts)-1]
	default:
		return "", "", "", false
	}
	if !validID(typ) || !validID(id) || (vid != "" && !validID(vid)) || typ[0] < 'A' || typ[0] > 'Z' {
		return "", "", "", false
	}
	return typ, id, vid, true
}
