package chaos

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/radflag/radflag/writeback"
)

// Resource is a Flag or Observation as the FHIR server holds it.
type Resource struct {
	Type, ID, Status string
	// ReportTask are its writeback report-task identifiers
	// (<report id>:<task>), Result its result identifiers
	// (<report id>:<task>:<model version>).
	ReportTask, Result []string
}

type fhirResource struct {
	ResourceType string `json:"resourceType"`
	ID           string `json:"id"`
	Status       string `json:"status"`
	Identifier   []struct {
		System string `json:"system"`
		Value  string `json:"value"`
	} `json:"identifier"`
}

func (r fhirResource) resource() Resource {
	out := Resource{Type: r.ResourceType, ID: r.ID, Status: r.Status}
	for _, id := range r.Identifier {
		switch id.System {
		case writeback.SystemReportTask:
			out.ReportTask = append(out.ReportTask, id.Value)
		case writeback.SystemResult:
			out.Result = append(out.Result, id.Value)
		}
	}
	return out
}

// ListResources returns every resource of typ on the FHIR server at base
// (the peer's direct URL, not the proxy), page by page.
func ListResources(ctx context.Context, base, typ string) ([]Resource, error) {
	const page = 1000
	var out []Resource
	for offset := 0; offset < 1_000_000; offset += page {
		q := url.Values{"_count": {strconv.Itoa(page)}, "_offset": {strconv.Itoa(offset)}}
		rs, err := searchFHIR(ctx, base, typ, q)
		if err != nil {
			return nil, err
		}
		out = append(out, rs...)
		if len(rs) < page {
			return out, nil
		}
	}
	return nil, fmt.Errorf("list %s: more than a million resources", typ)
}

// SearchIdentifier searches resources of typ by identifier system|value,
// as writeback itself does.
func SearchIdentifier(ctx context.Context, base, typ, system, value string) ([]Resource, error) {
	return searchFHIR(ctx, base, typ, url.Values{"identifier": {system + "|" + value}})
}

func searchFHIR(ctx context.Context, base, typ string, q url.Values) ([]Resource, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/"+typ+"?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("search %s: %w", typ, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return nil, fmt.Errorf("search %s: %w", typ, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("search %s: HTTP %d", typ, resp.StatusCode)
	}
	var b struct {
		ResourceType string `json:"resourceType"`
		Entry        []struct {
			Resource fhirResource `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(body, &b); err != nil || b.ResourceType != "Bundle" {
		return nil, fmt.Errorf("search %s: not a Bundle (%v)", typ, err)
	}
	out := make([]Resource, 0, len(b.Entry))
	for _, e := range b.Entry {
		if e.Resource.ResourceType == typ {
			out = append(out, e.Resource.resource())
		}
	}
	return out, nil
}
