package writeback

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/radflag/radflag/adapters/fhir"
	"github.com/radflag/radflag/internal/metrics"
)

// Doer sends one HTTP request (the alert webhook's client).
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// FHIRClient is what writeback needs of a FHIR server connection;
// *adapters/fhir.Client (with its bearer or SMART auth, bounds and retries)
// is one.
type FHIRClient interface {
	Do(ctx context.Context, req fhir.Request) (*fhir.Response, error)
	BaseURL() string
}

var fhirRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "radflag_fhir_requests_total",
	Help: "Requests writeback made to the FHIR server, by operation and status class (2xx, 4xx, 5xx, error).",
}, []string{"op", "status"})

// fhirSeconds is how long the FHIR server takes to answer writeback, by
// operation (retries included): a slow server shows here before it shows
// in radflag_e2e_latency_seconds.
var fhirSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
	Name:    "radflag_fhir_request_seconds",
	Help:    "Time writeback waits for the FHIR server, by operation (read, search, create, update), retries included.",
	Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
}, []string{"op"})

func init() { metrics.MustRegister(fhirRequests, fhirSeconds) }

// HTTPError is a FHIR server's refusal: the status and the body (usually an
// OperationOutcome).
type HTTPError struct {
	Op      string
	Status  int
	Outcome []byte
}

func (e *HTTPError) Error() string {
	// Only the issue codes: a server's diagnostics may quote the resource
	// (patient identifiers), and errors end up in logs. The whole
	// OperationOutcome goes with a dead letter.
	msg := fmt.Sprintf("fhir %s: HTTP %d %s", e.Op, e.Status, http.StatusText(e.Status))
	if codes := outcomeCodes(e.Outcome); codes != "" {
		msg += " (" + codes + ")"
	}
	return msg
}

// Permanent tells a refusal that a retry cannot fix (a 4xx other than the
// ones that mean "later", "conflict" or "re-authenticate") from a transient one.
func (e *HTTPError) Permanent() bool {
	if e.Status < 400 || e.Status >= 500 {
		return false
	}
	switch e.Status {
	case http.StatusUnauthorized, // token expired: the client renews it
		http.StatusRequestTimeout, http.StatusConflict, http.StatusPreconditionFailed,
		http.StatusTooEarly, http.StatusTooManyRequests:
		return false
	}
	return true
}

// isPermanent reports whether err can never succeed on retry.
func isPermanent(err error) bool {
	var he *HTTPError
	if errors.As(err, &he) {
		return he.Permanent()
	}
	var pe *permanentError
	return errors.As(err, &pe)
}

// isConflict reports a lost optimistic-locking race (If-Match failed).
func isConflict(err error) bool {
	var he *HTTPError
	return errors.As(err, &he) && (he.Status == http.StatusPreconditionFailed || he.Status == http.StatusConflict)
}

// permanentError marks input that will never be written (bad result data).
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

func permanent(format string, args ...any) error {
	return &permanentError{err: fmt.Errorf(format, args...)}
}

// outcomeCodes lists the issue codes of an OperationOutcome.
func outcomeCodes(b []byte) string {
	var oo struct {
		ResourceType string `json:"resourceType"`
		Issue        []struct {
			Code string `json:"code"`
		} `json:"issue"`
	}
	if json.Unmarshal(b, &oo) != nil || oo.ResourceType != "OperationOutcome" {
		return ""
	}
	var codes []string
	for _, is := range oo.Issue {
		if is.Code != "" && len(codes) < 5 {
			codes = append(codes, is.Code)
		}
	}
	return strings.Join(codes, ", ")
}

// rest is the handful of FHIR REST interactions writeback uses.
type rest struct {
	c FHIRClient
}

// stored is a resource as the server returned it: the JSON and the few
// fields writeback decides on.
type stored struct {
	JSON         []byte
	ResourceType string
	ID           string
	VersionID    string
	Status       string
	Identifier   []identifier
	Extension    []jsonExtension
}

type identifier struct {
	System string `json:"system"`
	Value  string `json:"value"`
}

type jsonExtension struct {
	URL            string          `json:"url"`
	ValueString    *string         `json:"valueString,omitempty"`
	ValueCode      *string         `json:"valueCode,omitempty"`
	ValueDateTime  *string         `json:"valueDateTime,omitempty"`
	ValueDecimal   *json.Number    `json:"valueDecimal,omitempty"`
	ValueInteger   *int64          `json:"valueInteger,omitempty"`
	ValueReference json.RawMessage `json:"valueReference,omitempty"`
	Extension      []jsonExtension `json:"extension,omitempty"`
}

func parseStored(b []byte) (*stored, error) {
	var r struct {
		ResourceType string `json:"resourceType"`
		ID           string `json:"id"`
		Meta         struct {
			VersionID string `json:"versionId"`
		} `json:"meta"`
		Status     string          `json:"status"`
		Identifier []identifier    `json:"identifier"`
		Extension  []jsonExtension `json:"extension"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("decode resource: %w", err)
	}
	if r.ResourceType == "" || r.ID == "" {
		return nil, errors.New("decode resource: no resourceType or id")
	}
	return &stored{JSON: b, ResourceType: r.ResourceType, ID: r.ID, VersionID: r.Meta.VersionID,
		Status: r.Status, Identifier: r.Identifier, Extension: r.Extension}, nil
}

func (s *stored) hasIdentifier(system, value string) bool {
	for _, id := range s.Identifier {
		if id.System == system && id.Value == value {
			return true
		}
	}
	return false
}

func (s *stored) ext(url string) *jsonExtension {
	for i := range s.Extension {
		if s.Extension[i].URL == url {
			return &s.Extension[i]
		}
	}
	return nil
}

func (e *jsonExtension) sub(url string) *jsonExtension {
	if e == nil {
		return nil
	}
	for i := range e.Extension {
		if e.Extension[i].URL == url {
			return &e.Extension[i]
		}
	}
	return nil
}

func (e *jsonExtension) str() string {
	switch {
	case e == nil:
		return ""
	case e.ValueString != nil:
		return *e.ValueString
	case e.ValueCode != nil:
		return *e.ValueCode
	case e.ValueDateTime != nil:
		return *e.ValueDateTime
	case e.ValueDecimal != nil:
		return e.ValueDecimal.String()
	case e.ValueInteger != nil:
		return strconv.FormatInt(*e.ValueInteger, 10)
	}
	return ""
}

// tokenParam is a token search value system|value with FHIR search escaping.
func tokenParam(system, value string) string {
	esc := strings.NewReplacer(`\`, `\\`, `|`, `\|`, `,`, `\,`, `$`, `\$`)
	return esc.Replace(system) + "|" + esc.Replace(value)
}

func (c *rest) request(ctx context.Context, op string, req fhir.Request) (int, []byte, error) {
	start := time.Now()
	resp, err := c.c.Do(ctx, req)
	fhirSeconds.WithLabelValues(op).Observe(time.Since(start).Seconds())
	if err != nil {
		var se *fhir.StatusError
		if errors.As(err, &se) {
			fhirRequests.WithLabelValues(op, strconv.Itoa(se.StatusCode/100)+"xx").Inc()
			return se.StatusCode, se.Body, &HTTPError{Op: op, Status: se.StatusCode, Outcome: se.Body}
		}
		fhirRequests.WithLabelValues(op, "error").Inc()
		if errors.Is(err, fhir.ErrForeignURL) {
			return 0, nil, permanent("fhir %s: %w", op, err)
		}
		// A transport error names the URL, whose query may hold a patient
		// identifier: keep only its cause, for logs.
		var ue *url.Error
		if errors.As(err, &ue) {
			return 0, nil, fmt.Errorf("fhir %s %s: %w", op, req.Path, ue.Err)
		}
		return 0, nil, fmt.Errorf("fhir %s: %w", op, err)
	}
	fhirRequests.WithLabelValues(op, strconv.Itoa(resp.StatusCode/100)+"xx").Inc()
	return resp.StatusCode, resp.Body, nil
}

// search returns the resources of a searchset (first page; writeback's
// searches match a handful of resources at most).
func (c *rest) search(ctx context.Context, typ string, params url.Values) ([]*stored, error) {
	params.Set("_count", "100")
	_, body, err := c.request(ctx, "search", fhir.Request{Method: http.MethodGet, Path: typ, Query: params})
	if err != nil {
		return nil, err
	}
	var b struct {
		ResourceType string `json:"resourceType"`
		Entry        []struct {
			Resource json.RawMessage `json:"resource"`
			Search   struct {
				Mode string `json:"mode"`
			} `json:"search"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(body, &b); err != nil || b.ResourceType != "Bundle" {
		return nil, fmt.Errorf("fhir search %s: response is not a Bundle", typ)
	}
	var out []*stored
	for _, e := range b.Entry {
		if e.Search.Mode != "" && e.Search.Mode != "match" {
			continue
		}
		s, err := parseStored(e.Resource)
		if err != nil {
			return nil, fmt.Errorf("fhir search %s: %w", typ, err)
		}
		if s.ResourceType == typ {
			out = append(out, s)
		}
	}
	return out, nil
}

// read fetches a resource by its reference ("Flag/123").
func (c *rest) read(ctx context.Context, ref string) (*stored, error) {
	typ, id, ok := strings.Cut(ref, "/")
	if !ok || !validID(id) {
		return nil, permanent("bad resource reference %q", ref)
	}
	_, data, err := c.request(ctx, "read", fhir.Request{Method: http.MethodGet, Path: typ + "/" + id})
	if err != nil {
		return nil, err
	}
	s, err := parseStored(data)
	if err != nil {
		return nil, fmt.Errorf("fhir read %s: %w", typ, err)
	}
	return s, nil
}

// isNotFound reports a 404 or 410 answer.
func isNotFound(err error) bool {
	var he *HTTPError
	return errors.As(err, &he) && (he.Status == http.StatusNotFound || he.Status == http.StatusGone)
}

// createIfNoneExist creates a resource unless one matches ifNoneExist
// (a search query). created is false when the server found a match.
func (c *rest) createIfNoneExist(ctx context.Context, typ string, body []byte, ifNoneExist url.Values) (created bool, res *stored, err error) {
	hdr := http.Header{}
	hdr.Set("If-None-Exist", ifNoneExist.Encode())
	hdr.Set("Prefer", "return=representation")
	status, data, err := c.request(ctx, "create", fhir.Request{Method: http.MethodPost, Path: typ, Header: hdr, Body: body, Idempotent: true})
	if err != nil {
		return false, nil, err
	}
	if len(bytes.TrimSpace(data)) > 0 {
		if res, err = parseStored(data); err != nil {
			return false, nil, fmt.Errorf("fhir create %s: %w", typ, err)
		}
	}
	return status == http.StatusCreated, res, nil
}

// update replaces a resource, only if it is still at versionID (optimistic
// locking: a concurrent writer makes it fail with 412 and the caller
// re-reads).
func (c *rest) update(ctx context.Context, typ, id, versionID string, body []byte) (*stored, error) {
	hdr := http.Header{}
	if versionID != "" {
		hdr.Set("If-Match", `W/"`+versionID+`"`)
	}
	hdr.Set("Prefer", "return=representation")
	_, data, err := c.request(ctx, "update", fhir.Request{Method: http.MethodPut, Path: typ + "/" + url.PathEscape(id), Header: hdr, Body: body})
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil
	}
	res, err := parseStored(data)
	if err != nil {
		return nil, fmt.Errorf("fhir update %s/%s: %w", typ, id, err)
	}
	return res, nil
}
