package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/radflag/radflag/adapters/fhir"
	"github.com/radflag/radflag/config"
)

// newFHIRClient builds the client every role uses to reach the configured
// FHIR server: a bearer token (inline or from a file) or SMART backend
// services. defaultScope is the SMART scope when none is configured;
// maxRetries bounds the client's own retries (0: the client's default).
func newFHIRClient(c config.FHIR, defaultScope string, maxRetries int) (*fhir.Client, error) {
	cc := fhir.ClientConfig{BaseURL: c.URL, BearerToken: c.BearerToken, Timeout: c.Timeout.D(), MaxRetries: maxRetries}
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
			scope = defaultScope
		}
		cc.BearerToken = ""
		cc.SMART = &fhir.SMARTConfig{ClientID: c.SMARTClientID, TokenURL: c.SMARTTokenURL, KeyFile: c.SMARTKeyFile, Scope: scope}
	}
	fc, err := fhir.NewClient(cc)
	if err != nil {
		return nil, fmt.Errorf("fhir client: %w", err)
	}
	return fc, nil
}

// readSmallFile reads a secret or list file, refusing one larger than max.
func readSmallFile(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, max)
	}
	return b, nil
}
