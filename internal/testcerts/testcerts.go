// Package testcerts makes real X.509 certificates for tests: a CA, a server
// certificate for 127.0.0.1/localhost, and a client certificate, written as
// PEM files so that code under test loads them exactly as in production.
package testcerts

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Set is a CA with a server and a client certificate, as PEM files in Dir.
type Set struct {
	Dir                       string
	CAFile                    string
	ServerCert, ServerKey     string
	ClientCert, ClientKey     string
	CAPool                    *x509.CertPool
	ClientPair, OtherCAClient tls.Certificate // OtherCAClient is signed by an unrelated CA
}

// New creates the set under t.TempDir().
func New(t testing.TB) *Set {
	t.Helper()
	dir := t.TempDir()
	ca, caKey := makeCA(t, "radflag test CA")
	s := &Set{Dir: dir, CAPool: x509.NewCertPool()}
	s.CAPool.AddCert(ca)
	s.CAFile = writePEM(t, dir, "ca.pem", "CERTIFICATE", ca.Raw)
	srvDER, srvKey := makeLeaf(t, ca, caKey, "radflag server", x509.ExtKeyUsageServerAuth)
	s.ServerCert = writePEM(t, dir, "server.pem", "CERTIFICATE", srvDER)
	s.ServerKey = writeKey(t, dir, "server-key.pem", srvKey)
	cliDER, cliKey := makeLeaf(t, ca, caKey, "interface engine", x509.ExtKeyUsageClientAuth)
	s.ClientCert = writePEM(t, dir, "client.pem", "CERTIFICATE", cliDER)
	s.ClientKey = writeKey(t, dir, "client-key.pem", cliKey)
	s.ClientPair = tls.Certificate{Certificate: [][]byte{cliDER}, PrivateKey: cliKey}
	other, otherKey := makeCA(t, "unrelated CA")
	oDER, oKey := makeLeaf(t, other, otherKey, "intruder", x509.ExtKeyUsageClientAuth)
	s.OtherCAClient = tls.Certificate{Certificate: [][]byte{oDER}, PrivateKey: oKey}
	return s
}

// ClientTLS is a client configuration trusting the CA, presenting the
// client certificate when withCert.
func (s *Set) ClientTLS(withCert bool) *tls.Config {
	c := &tls.Config{RootCAs: s.CAPool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
	if withCert {
		c.Certificates = []tls.Certificate{s.ClientPair}
	}
	return c
}

func makeCA(t testing.TB, cn string) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(t), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

func makeLeaf(t testing.TB, ca *x509.Certificate, caKey *ecdsa.PrivateKey, cn string, usage x509.ExtKeyUsage) ([]byte, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(t), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}, DNSNames: []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return der, key
}

func serial(t testing.TB) *big.Int {
	n, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func writePEM(t testing.TB, dir, name, typ string, der []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func writeKey(t testing.TB, dir, name string, key *ecdsa.PrivateKey) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return writePEM(t, dir, name, "PRIVATE KEY", der)
}
