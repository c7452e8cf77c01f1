package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/radflag/radflag/adapters/fhir"
	"github.com/radflag/radflag/adapters/natsbus"
	"github.com/radflag/radflag/config"
)

func init() { roleStarters[config.RoleFHIR] = startFHIR }

// startFHIR serves POST /fhir/DiagnosticReport and /fhir/notify and, when
// configured, polls the FHIR server for DiagnosticReports.
func startFHIR(ctx context.Context, env *serveEnv) ([]component, error) {
	c := env.cfg.FHIR
	tokens := append([]string(nil), c.IngestTokens...)
	if c.IngestTokensFile != "" {
		b, err := readSmallFile(c.IngestTokensFile, 1<<20)
		if err != nil {
			return nil, fmt.Errorf("fhir.ingest_tokens_file: %w", err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if t := strings.TrimSpace(line); t != "" && !strings.HasPrefix(t, "#") {
				tokens = append(tokens, t)
			}
		}
	}
	if len(tokens) == 0 && !c.AllowAnonymous {
		env.log.Warn("fhir: no ingest tokens configured (fhir.ingest_tokens or ingest_tokens_file); POST /fhir/* answers 401 to everyone")
	}
	var client *fhir.Client
	if c.URL != "" {
		var err error
		if client, err = newFHIRClient(c, "system/DiagnosticReport.read system/Observation.read system/Binary.read", 0); err != nil {
			return nil, err
		}
	}
	var poller *fhir.Poller
	if c.Poll {
		kv, err := env.bus.KeyValue(ctx, natsbus.BucketCursors)
		if err != nil {
			return nil, err
		}
		poller, err = fhir.NewPoller(fhir.PollerConfig{
			Client:   client,
			Store:    env.bus,
			Cursors:  fhir.KVCursors(kv),
			Interval: c.PollInterval.D(),
			Filter:   fhir.SearchFilter{Category: c.PollCategory, Code: c.PollCode},
			Logger:   env.log,
		})
		if err != nil {
			return nil, err
		}
	}
	cfg := fhir.IngestConfig{
		Store:          env.bus,
		Client:         client,
		Tokens:         tokens,
		AllowAnonymous: c.AllowAnonymous,
		MaxBodyBytes:   c.MaxBodyBytes,
		Logger:         env.log,
	}
	if poller != nil {
		cfg.OnPing = poller.Trigger
	}
	if len(tokens) == 0 && !c.AllowAnonymous {
		// Build the handler with a token no one holds rather than fail: the
		// other roles still serve, and the warning above says why senders
		// are refused.
		cfg.Tokens = []string{"\x00unconfigured"}
	}
	h, err := fhir.NewIngestHandler(cfg)
	if err != nil {
		return nil, err
	}
	env.http.Handle("/fhir/", h)
	if poller == nil {
		return nil, nil
	}
	return []component{{name: "fhir-poller", run: poller.Run}}, nil
}
