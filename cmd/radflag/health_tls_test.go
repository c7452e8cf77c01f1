package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"testing"

	"github.com/radflag/radflag/internal/testcerts"
)

// TestHealthCommandTLS: `radflag health` (the container health check)
// asks a server with TLS and mutual TLS, presenting the client
// certificate; without it, or without trusting the CA, it fails.
func TestHealthCommandTLS(t *testing.T) {
	certs := testcerts.New(t)
	dir := t.TempDir()
	httpAddr := freeAddr(t)
	cfg := fmt.Sprintf("data_dir: %s\nroles: [worklist]\nhttp:\n  addr: %s\n  tls: {cert_file: %s, key_file: %s, client_ca_file: %s}\n",
		filepath.Join(dir, "data"), httpAddr, certs.ServerCert, certs.ServerKey, certs.CAFile)
	s := startServeConfig(t, writeSecret(t, dir, "c.yaml", cfg), httpAddr, freeAddr(t), certs)
	url := s.base + "/healthz"
	for _, c := range []struct {
		name string
		args []string
		want int
	}{
		{"CA and client certificate", []string{"--ca", certs.CAFile, "--cert", certs.ClientCert, "--key", certs.ClientKey}, 0},
		{"server name given", []string{"--ca", certs.CAFile, "--cert", certs.ClientCert, "--key", certs.ClientKey, "--server-name", "localhost"}, 0},
		{"no client certificate", []string{"--ca", certs.CAFile}, 1},
		{"CA not trusted", []string{"--cert", certs.ClientCert, "--key", certs.ClientKey}, 1},
		{"cert without key", []string{"--ca", certs.CAFile, "--cert", certs.ClientCert}, 2},
		{"plain HTTP", nil, 1},
	} {
		u := url
		if c.name == "plain HTTP" {
			u = "http://" + httpAddr + "/healthz"
		}
		args := append([]string{"health", "--url", u}, c.args...)
		if got := runMain(context.Background(), args, io.Discard, io.Discard); got != c.want {
			t.Errorf("%s: exit %d, want %d", c.name, got, c.want)
		}
	}
}
