package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

func init() {
	register(command{name: "health", usage: "ask a running radflag's /healthz (for container health checks)", run: runHealth})
}

func runHealth(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("health", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("url", "http://127.0.0.1:8080/healthz", "health URL")
	timeout := fs.Duration("timeout", 3*time.Second, "how long to wait")
	caFile := fs.String("ca", "", "PEM file of CAs that sign the server's certificate (https; default: system roots)")
	certFile := fs.String("cert", "", "PEM client certificate, for a server with http.tls.client_ca_file")
	keyFile := fs.String("key", "", "PEM key of --cert")
	serverName := fs.String("server-name", "", "name to verify in the server's certificate (default: the host of --url)")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if (*certFile == "") != (*keyFile == "") {
		return fmt.Errorf("%w: --cert and --key go together", errUsage)
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	client := http.DefaultClient
	if *caFile != "" || *certFile != "" || *serverName != "" {
		tc, err := sendTLS(req.URL.Host, *serverName, *caFile, *certFile, *keyFile)
		if err != nil {
			return err
		}
		client = &http.Client{Transport: &http.Transport{TLSClientConfig: tc}}
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("ask %s: %w", *url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	fmt.Fprintln(stdout, strings.TrimSpace(string(body)))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %s", *url, resp.Status)
	}
	return nil
}
