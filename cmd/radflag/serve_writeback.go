package main

import (
	"bytes"
	"context"
	"fmt"

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
	// Writeback retries through the bus (NAK with back-off); the client
	// retries only once on its own first.
	fc, err := newFHIRClient(c, "system/Flag.cruds system/Observation.cruds system/Patient.rs", 1)
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
