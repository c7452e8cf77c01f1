package httpserver

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/radflag/radflag/internal/testcerts"
)

func tlsGet(url string, tc *tls.Config) error {
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: tc}}
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		return errors.New(resp.Status)
	}
	return nil
}

// TestServerTLS: with a certificate and no client CA, every client that
// trusts the CA is served (with or without a client certificate), one that
// does not trust it or offers only TLS 1.1 is refused, and plain HTTP is
// not served.
func TestServerTLS(t *testing.T) {
	certs := testcerts.New(t)
	s := start(t, Config{CertFile: certs.ServerCert, KeyFile: certs.ServerKey})
	url := "https://" + s.Addr().String() + "/healthz"
	if err := tlsGet(url, certs.ClientTLS(false)); err != nil {
		t.Errorf("client trusting the CA: %v", err)
	}
	if err := tlsGet(url, certs.ClientTLS(true)); err != nil {
		t.Errorf("client with a certificate: %v", err)
	}
	if err := tlsGet(url, &tls.Config{RootCAs: x509.NewCertPool(), ServerName: "127.0.0.1"}); err == nil {
		t.Error("a client that does not trust the CA completed the handshake")
	}
	old := certs.ClientTLS(false)
	old.MinVersion, old.MaxVersion = tls.VersionTLS10, tls.VersionTLS11
	if err := tlsGet(url, old); err == nil {
		t.Error("TLS 1.1 accepted")
	}
	if code, _ := plainGet(t, "http://"+s.Addr().String()+"/healthz"); code == 200 {
		t.Error("plain HTTP served on the TLS port")
	}
	if err := tlsGet("https://"+s.Addr().String()+"/metrics", certs.ClientTLS(false)); err == nil {
		t.Error("/metrics served without a registry")
	}
}

// TestServerTLSConfigErrors: bad TLS files stop New with an error that
// names the problem but never quotes what the files hold.
func TestServerTLSConfigErrors(t *testing.T) {
	certs := testcerts.New(t)
	dir := t.TempDir()
	const secret = "do-not-print-this-key-material"
	junk := filepath.Join(dir, "junk.pem")
	if err := os.WriteFile(junk, []byte("-----BEGIN PRIVATE KEY-----\n"+secret+"\n-----END PRIVATE KEY-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	notPEM := filepath.Join(dir, "ca.txt")
	if err := os.WriteFile(notPEM, []byte(secret), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, cfg := range map[string]Config{
		"missing certificate": {CertFile: filepath.Join(dir, "none.pem"), KeyFile: certs.ServerKey},
		"junk key":            {CertFile: certs.ServerCert, KeyFile: junk},
		"key of another cert": {CertFile: certs.ServerCert, KeyFile: certs.ClientKey},
		"client CA not PEM":   {CertFile: certs.ServerCert, KeyFile: certs.ServerKey, ClientCAFile: notPEM},
		"missing client CA":   {CertFile: certs.ServerCert, KeyFile: certs.ServerKey, ClientCAFile: filepath.Join(dir, "none.pem")},
	} {
		t.Run(name, func(t *testing.T) {
			cfg.Addr = "127.0.0.1:0"
			s, err := New(cfg)
			if err == nil {
				s.ln.Close()
				t.Fatal("New succeeded")
			}
			if !strings.Contains(err.Error(), "http tls") {
				t.Errorf("error %q does not say it is the HTTP TLS configuration", err)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error quotes the file's content: %v", err)
			}
		})
	}
}
