package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/radflag/radflag/adapters/fhir"
	"github.com/radflag/radflag/config"
	"github.com/radflag/radflag/writeback"
)

func init() { roleStarters[config.RoleWriteback] = startWriteback }

// startWriteback writes results to the FHIR server at fhir.url as Flags and
// Observations, and sends alerts. Without fhir.url there is nowhere to
// write: the role is skipped with a warning (results wait on the bus).
func startWriteback(_ context.Context, env *serveEnv) ([]component, error) {
	c, wc := env.cfg.FHIR, env.cfg.Writeback
	if c.URL == "" {
		env.log.Warn("writeback: no fhir.url; results are kept on the bus until a writeback runs")
		return nil, nil
	}
	fc, err := writebackFHIRClient(c)
	if err != nil {
		return nil, err
	}
	alerts := writeback.AlertConfig{WebhookURL: wc.AlertWebhookURL, MaxDeliver: wc.AlertWebhookMaxDeliver}
	if wc.AlertWebhookSecretFile != "" {
		b, err := readSmallFile(wc.AlertWebhookSecretFile, 4096)
		if err != nil {
			return nil, fmt.Errorf("writeback.alert_webhook_secret_file: %w", err)
		}
		alerts.Secret = bytes.TrimSpace(b)
	}
	w, err := writeback.New(writeback.Config{
		Bus:            env.bus,
		FHIR:           fc,
		Concurrency:    wc.Concurrency,
		MaxDeliver:     wc.MaxDeliver,
		BackoffMin:     wc.BackoffMin.D(),
		BackoffMax:     wc.BackoffMax.D(),
		ResolvePatient: wc.ResolvePatient,
		Alerts:         alerts,
		Logger:         env.log,
	})
	if err != nil {
		return nil, err
	}
	return []component{{name: "writeback", run: w.Run}}, nil
}

// writebackFHIRClient builds the client that writes Flags and Observations,
// with the bearer token or SMART backend-services credentials of fhir.*.
func writebackFHIRClient(c config.FHIR) (*fhir.Client, error) {
	// Writeback retries through the bus (NAK with back-off); the client
	// retries a little on its own first.
	cc := fhir.ClientConfig{BaseURL: c.URL, BearerToken: c.BearerToken, Timeout: c.Timeout.D(), MaxRetries: 1}
	if c.BearerTokenFile != "" {
		b, err := readSmallFile(c.BearerTokenFile, 64<<10)
		if err != nil {
			return nil, fmt.Errorf("fhir.bearer_token_file: %w", err)
		}
		cc.BearerToken = strings.TrimSpace(string(b))
	}
	if c.SMARTClientID != "" {
		scope := c.SMARTScope
		if scope == "" {
			scope = "system/Flag.cruds system/Observation.cruds system/Patient.rs"
		}
		cc.BearerToken = ""
		cc.SMART = &fhir.SMARTConfig{ClientID: c.SMARTClientID, TokenURL: c.SMARTTokenURL, KeyFile: c.SMARTKeyFile, Scope: scope}
	}
	fc, err := fhir.NewClient(cc)
	if err != nil {
		return nil, fmt.Errorf("writeback fhir client: %w", err)
	}
	return fc, nil
}
