package main

import (
	"context"

	"github.com/radflag/radflag/adapters/hl7v2"
	"github.com/radflag/radflag/adapters/mllp"
	"github.com/radflag/radflag/config"
)

func init() { roleStarters[config.RoleMLLP] = startMLLP }

// startMLLP binds the HL7 v2 listener at start (a taken port fails serve at
// once) and stores every accepted report on the bus before its ACK.
func startMLLP(_ context.Context, env *serveEnv) ([]component, error) {
	c := env.cfg.MLLP
	rule := hl7v2.DefaultCTRule()
	if c.CTPattern != "" {
		rule.Pattern = c.CTPattern
	}
	ingest, err := hl7v2.NewIngest(hl7v2.IngestConfig{
		Store:        env.bus,
		StoreTimeout: c.StoreTimeout.D(),
		CTRule:       rule,
		Logger:       env.log,
	})
	if err != nil {
		return nil, err
	}
	srv, err := mllp.NewServer(mllp.Config{
		Addr:          c.Addr,
		CertFile:      c.TLS.CertFile,
		KeyFile:       c.TLS.KeyFile,
		ClientCAFile:  c.TLS.ClientCAFile,
		MaxFrameBytes: c.MaxFrameBytes,
		MaxConns:      c.MaxConns,
		IdleTimeout:   c.IdleTimeout.D(),
		ReadTimeout:   c.ReadTimeout.D(),
		BadFrame:      ingest.BadFrame,
		Logger:        env.log,
	}, ingest)
	if err != nil {
		return nil, err
	}
	if err := srv.Listen(); err != nil {
		return nil, err
	}
	return []component{{name: "mllp", run: srv.Serve}}, nil
}
