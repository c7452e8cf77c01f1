package fhir

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	cpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/codes_go_proto"
	dtpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/datatypes_go_proto"
	subpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/subscription_go_proto"
)

// EnsureSubscription creates the R4 rest-hook Subscription unless the
// server already has one for the same endpoint (a conditional create on
// url=<endpoint>), so that restarts do not pile up subscriptions. It
// returns the Subscription's id and whether it was created now.
func (c *Client) EnsureSubscription(ctx context.Context, sc SubscriptionConfig) (string, bool, error) {
	if sc.Endpoint == "" {
		return "", false, errors.New("subscription: no endpoint")
	}
	if u, err := url.Parse(sc.Endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", false, fmt.Errorf("subscription: endpoint %q is not an http(s) URL", sc.Endpoint)
	}
	criteria := sc.Criteria
	if criteria == "" {
		criteria = "DiagnosticReport"
	}
	reason := sc.Reason
	if reason == "" {
		reason = "radflag: classify CT radiology reports"
	}
	ch := &subpb.Subscription_Channel{
		Type:     &subpb.Subscription_Channel_TypeCode{Value: cpb.SubscriptionChannelTypeCode_REST_HOOK},
		Endpoint: &dtpb.Url{Value: sc.Endpoint},
	}
	switch sc.Payload {
	case "":
		ch.Payload = &subpb.Subscription_Channel_PayloadCode{Value: ContentType}
	case "none":
	default:
		ch.Payload = &subpb.Subscription_Channel_PayloadCode{Value: sc.Payload}
	}
	for _, h := range sc.Header {
		ch.Header = append(ch.Header, &dtpb.String{Value: h})
	}
	sub := &subpb.Subscription{
		Status:   &subpb.Subscription_StatusCode{Value: cpb.SubscriptionStatusCode_REQUESTED},
		Reason:   &dtpb.String{Value: reason},
		Criteria: &dtpb.String{Value: criteria},
		Channel:  ch,
	}
	body, err := marshalResource(sub)
	if err != nil {
		return "", false, err
	}
	resp, err := c.Create(ctx, "Subscription", body, url.Values{"url": {sc.Endpoint}}.Encode())
	if err != nil {
		return "", false, fmt.Errorf("create subscription: %w", err)
	}
	id := jsonID(resp.Body)
	if id == "" {
		// return=minimal: the id is in the Location header.
		if typ, lid, _, ok := splitReference(strings.SplitN(resp.Location(), "/_history/", 2)[0]); ok && typ == "Subscription" {
			id = lid
		}
	}
	return id, resp.StatusCode == http.StatusCreated, nil
}
