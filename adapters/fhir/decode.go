package fhir

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// Payload kinds.
const (
	kindEmpty        = "empty"        // an R4 rest-hook ping without payload
	kindResource     = "resource"     // one DiagnosticReport
	kindBundle       = "bundle"       // a Bundle (R4 rest-hook, searchset, history, collection)
	kindNotification = "notification" // an R4B/R5 or R4-backport topic notification Bundle
)

// Notification types of topic-based subscriptions that carry no events.
const (
	notifyHandshake = "handshake"
	notifyHeartbeat = "heartbeat"
)

const defaultMaxEntries = 1000

// payload is a decoded body: DiagnosticReports present in full, those only
// named (id-only notifications), and the other resources beside them.
type payload struct {
	kind string
	// notifyType is the SubscriptionStatus type (event-notification,
	// handshake, heartbeat, query-status, query-event) of a notification.
	notifyType string
	items      []rawItem
	// refs name DiagnosticReports to read ("DiagnosticReport/1" or with
	// "/_history/v"), each once.
	refs []string
	// included holds other resources by "Type/id" (and by fullUrl), so
	// that a report's result Observations need not be read again.
	included map[string][]byte
	// ignored counts resources and event foci that are not
	// DiagnosticReports.
	ignored int
	// next is the Bundle's next-page link (searchset).
	next string
}

// rawItem is one DiagnosticReport as JSON, and where it was in the body.
type rawItem struct {
	raw  []byte
	path string // "DiagnosticReport", "Bundle.entry[3].resource"
}

type bundleJSON struct {
	ResourceType string `json:"resourceType"`
	Type         string `json:"type"`
	Link         []struct {
		Relation string `json:"relation"`
		URL      string `json:"url"`
	} `json:"link"`
	Entry []struct {
		FullURL  string          `json:"fullUrl"`
		Resource json.RawMessage `json:"resource"`
		Search   *struct {
			Mode string `json:"mode"`
		} `json:"search"`
		Request *struct {
			Method string `json:"method"`
			URL    string `json:"url"`
		} `json:"request"`
	} `json:"entry"`
}

// decodePayload reads a body posted to /fhir/notify (or a search page).
// The Bundle envelope is read with encoding/json, because R4B/R5
// notification Bundles (type subscription-notification, a SubscriptionStatus
// entry) are not R4 and google/fhir/go's R4 parser refuses them; every
// DiagnosticReport inside is parsed and validated with google/fhir/go R4
// later, one by one, so that an error names its entry.
func decodePayload(b []byte, maxEntries int) (*payload, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return &payload{kind: kindEmpty}, nil
	}
	rt, err := peekType(b)
	if err != nil {
		return nil, err
	}
	switch rt {
	case "DiagnosticReport":
		return &payload{kind: kindResource, items: []rawItem{{raw: b, path: "DiagnosticReport"}}}, nil
	case "Bundle":
		return decodeBundle(b, maxEntries)
	}
	return nil, reject(http.StatusBadRequest, "wrong_resource_type",
		Issue{Severity: "error", Code: "not-supported", Expression: "resourceType",
			Diagnostics: fmt.Sprintf("expected a DiagnosticReport or a notification Bundle, got %s", truncate(rt, 64))})
}

func decodeBundle(b []byte, maxEntries int) (*payload, error) {
	if maxEntries <= 0 {
		maxEntries = defaultMaxEntries
	}
	var bj bundleJSON
	if err := json.Unmarshal(b, &bj); err != nil {
		return nil, reject(http.StatusBadRequest, "invalid_r4",
			errorIssue("structure", "the Bundle does not have the R4 shape (type, link, entry with fullUrl and resource)"))
	}
	if len(bj.Entry) > maxEntries {
		return nil, reject(http.StatusUnprocessableEntity, "too_many_entries",
			errorIssue("too-costly", "the Bundle has %d entries, more than the %d radflag takes at once", len(bj.Entry), maxEntries))
	}
	p := &payload{kind: kindBundle, included: map[string][]byte{}}
	for _, l := range bj.Link {
		if l.Relation == "next" {
			p.next = l.URL
		}
	}
	type pending struct {
		ref  string
		path string
	}
	var named []pending // DiagnosticReports named without their content
	full := map[string]bool{}
	for i, e := range bj.Entry {
		path := fmt.Sprintf("Bundle.entry[%d]", i)
		if len(e.Resource) == 0 || bytes.Equal(bytes.TrimSpace(e.Resource), []byte("null")) {
			// id-only content: the entry names the resource.
			ref := e.FullURL
			if ref == "" && e.Request != nil {
				ref = e.Request.URL
			}
			if ref != "" {
				named = append(named, pending{ref, path})
			}
			continue
		}
		rt, err := peekType(e.Resource)
		if err != nil {
			return nil, entryRejection(err, path+".resource")
		}
		if i == 0 {
			switch {
			case rt == "SubscriptionStatus":
				st, foci, err := subscriptionStatus(e.Resource)
				if err != nil {
					return nil, entryRejection(err, path+".resource")
				}
				p.kind, p.notifyType = kindNotification, st
				for _, f := range foci {
					named = append(named, pending{f, path + ".resource.notificationEvent.focus"})
				}
				continue
			case rt == "Parameters" && (bj.Type == "history" || bj.Type == "subscription-notification"):
				if st, foci, ok := backportStatus(e.Resource); ok {
					p.kind, p.notifyType = kindNotification, st
					for _, f := range foci {
						named = append(named, pending{f, path + ".resource.parameter"})
					}
					continue
				}
			}
		}
		if bj.Type == "subscription-notification" && i == 0 {
			return nil, reject(http.StatusBadRequest, "invalid_notification",
				Issue{Severity: "error", Code: "structure", Expression: path + ".resource",
					Diagnostics: "a subscription-notification Bundle must start with a SubscriptionStatus"})
		}
		id := jsonID(e.Resource)
		if rt == "DiagnosticReport" && (e.Search == nil || e.Search.Mode != "include") {
			p.items = append(p.items, rawItem{raw: e.Resource, path: path + ".resource"})
			if id != "" {
				full["DiagnosticReport/"+id] = true
			}
			continue
		}
		if id != "" {
			p.included[rt+"/"+id] = e.Resource
		}
		if rt != "DiagnosticReport" && rt != "Observation" && rt != "Binary" && rt != "Patient" {
			p.ignored++
		}
	}
	if bj.Type == "subscription-notification" && p.kind != kindNotification {
		return nil, reject(http.StatusBadRequest, "invalid_notification",
			errorIssue("structure", "a subscription-notification Bundle must start with a SubscriptionStatus"))
	}
	seen := map[string]bool{}
	for _, n := range named {
		typ, id, vid, ok := splitReference(referenceTail(n.ref))
		if !ok {
			return nil, reject(http.StatusBadRequest, "invalid_notification",
				Issue{Severity: "error", Code: "value", Expression: n.path,
					Diagnostics: "a notification names a resource by a reference that is not Type/id"})
		}
		if typ != "DiagnosticReport" {
			p.ignored++
			continue
		}
		key := typ + "/" + id
		if full[key] || seen[key] {
			continue
		}
		seen[key] = true
		if vid != "" {
			key += "/_history/" + vid
		}
		p.refs = append(p.refs, key)
	}
	return p, nil
}

// referenceTail drops the scheme and host of an absolute reference; the
// Type/id tail is what matters, and it is always read from the configured
// server.
func referenceTail(ref string) string {
	if i := strings.Index(ref, "://"); i >= 0 {
		rest := ref[i+3:]
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			return rest[j+1:]
		}
		return ""
	}
	return ref
}

func entryRejection(err error, path string) error {
	if r, ok := err.(*Rejection); ok {
		for i := range r.Issues {
			if r.Issues[i].Expression == "" || r.Issues[i].Expression == "resourceType" {
				r.Issues[i].Expression = path
			}
		}
		return r
	}
	return err
}

func jsonID(b []byte) string {
	var v struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(b, &v) != nil {
		return ""
	}
	return v.ID
}

// subscriptionStatus reads an R4B/R5 SubscriptionStatus: its type and the
// focus of each event.
func subscriptionStatus(b []byte) (string, []string, error) {
	var s struct {
		Type              string `json:"type"`
		NotificationEvent []struct {
			Focus *struct {
				Reference string `json:"reference"`
			} `json:"focus"`
		} `json:"notificationEvent"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return "", nil, reject(http.StatusBadRequest, "invalid_notification",
			errorIssue("structure", "the SubscriptionStatus does not have the R4B/R5 shape"))
	}
	var foci []string
	for _, ev := range s.NotificationEvent {
		if ev.Focus != nil && ev.Focus.Reference != "" {
			foci = append(foci, ev.Focus.Reference)
		}
	}
	return s.Type, foci, nil
}

// backportStatus reads the R4 backport's status Parameters
// (backport-subscription-status-r4): the type parameter and the focus part
// of each notification-event. ok is false when the Parameters is not one.
func backportStatus(b []byte) (string, []string, bool) {
	type param struct {
		Name           string `json:"name"`
		ValueCode      string `json:"valueCode"`
		ValueReference *struct {
			Reference string `json:"reference"`
		} `json:"valueReference"`
		Part []json.RawMessage `json:"part"`
	}
	var ps struct {
		Parameter []param `json:"parameter"`
	}
	if json.Unmarshal(b, &ps) != nil {
		return "", nil, false
	}
	var typ string
	var foci []string
	isStatus := false
	for _, p := range ps.Parameter {
		switch p.Name {
		case "subscription", "topic", "status":
			isStatus = true
		case "type":
			typ = p.ValueCode
		case "notification-event":
			for _, raw := range p.Part {
				var part param
				if json.Unmarshal(raw, &part) == nil && part.Name == "focus" && part.ValueReference != nil && part.ValueReference.Reference != "" {
					foci = append(foci, part.ValueReference.Reference)
				}
			}
		}
	}
	return typ, foci, isStatus
}
