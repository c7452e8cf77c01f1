package fhir

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestClientRetries(t *testing.T) {
	var calls atomic.Int64
	fail := atomic.Int64{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if fail.Add(-1) >= 0 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", ContentType)
		fmt.Fprint(w, `{"resourceType":"DiagnosticReport","id":"1"}`)
	}))
	defer srv.Close()
	c, err := NewClient(ClientConfig{BaseURL: srv.URL + "/fhir/", BearerToken: "t", RetryBackoff: time.Millisecond, MaxRetries: 3, Logger: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tests := []struct {
		name      string
		failures  int64
		do        func() error
		wantCalls int64
		wantErr   bool
	}{
		{"GET retried until it works", 2, func() error { _, err := c.Read(ctx, "DiagnosticReport", "1"); return err }, 3, false},
		{"GET gives up", 10, func() error { _, err := c.Read(ctx, "DiagnosticReport", "1"); return err }, 4, true},
		{"plain POST never retried", 1, func() error { _, err := c.Create(ctx, "Flag", []byte(`{}`), ""); return err }, 1, true},
		{"conditional POST retried", 1, func() error { _, err := c.Create(ctx, "Flag", []byte(`{}`), "identifier=a|b"); return err }, 2, false},
		{"PUT retried", 1, func() error { _, err := c.Update(ctx, "Flag", "1", []byte(`{}`), ""); return err }, 2, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			calls.Store(0)
			fail.Store(tc.failures)
			err := tc.do()
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v", err)
			}
			if calls.Load() != tc.wantCalls {
				t.Errorf("%d calls, want %d", calls.Load(), tc.wantCalls)
			}
			var se *StatusError
			if err != nil && (!errors.As(err, &se) || !se.Temporary() || !IsRetryable(err)) {
				t.Errorf("error %v is not a temporary StatusError", err)
			}
		})
	}
}

func TestClientErrorsAndBounds(t *testing.T) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		switch {
		case strings.HasPrefix(r.URL.Path, "/Patient/"):
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"invalid","diagnostics":"name Quixote is wrong"}]}`)
		case r.URL.Path == "/big":
			w.Write([]byte(strings.Repeat("x", 2000)))
		case r.URL.Path == "/redirect":
			http.Redirect(w, r, "http://example.invalid/", http.StatusFound)
		case r.URL.Path == "/slow":
			time.Sleep(300 * time.Millisecond)
		default:
			if r.Header.Get("Authorization") != "Bearer tok" {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			fmt.Fprint(w, `{}`)
		}
	}))
	defer srv.Close()
	c, err := NewClient(ClientConfig{BaseURL: srv.URL, BearerToken: "tok", MaxResponseBytes: 1000, Timeout: 100 * time.Millisecond,
		RetryBackoff: time.Millisecond, MaxRetries: 1, Logger: quietLog()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	calls.Store(0)
	_, err = c.Search(ctx, "Patient/x", nil)
	if err == nil {
		t.Fatal("bad resource type accepted")
	}
	_, err = c.Do(ctx, Request{Path: "Patient/p-123", Query: url.Values{"name": {"Quixote"}}})
	var se *StatusError
	if !errors.As(err, &se) || se.StatusCode != 400 || se.Temporary() || IsRetryable(err) || calls.Load() != 1 {
		t.Fatalf("400: %v (%d calls)", err, calls.Load())
	}
	if strings.Contains(err.Error(), "p-123") || strings.Contains(err.Error(), "Quixote") || !strings.Contains(err.Error(), "Patient/…") ||
		len(se.Issues) != 1 || se.Issues[0].Code != "invalid" || !strings.Contains(string(se.Body), "Quixote") {
		t.Errorf("error %q, issues %+v", err, se.Issues)
	}
	if _, err := c.Do(ctx, Request{Path: "big"}); err == nil || IsRetryable(err) {
		t.Errorf("oversize answer: %v", err)
	}
	if _, err := c.Do(ctx, Request{Path: "redirect"}); !errors.As(err, &se) || se.StatusCode != http.StatusFound {
		t.Errorf("redirect followed or lost: %v", err)
	}
	calls.Store(0)
	if _, err := c.Do(ctx, Request{Path: "slow"}); err == nil || !IsRetryable(err) || calls.Load() != 2 {
		t.Errorf("timeout: %v after %d calls", err, calls.Load())
	}
	calls.Store(0)
	for _, u := range []string{"http://example.org/fhir/DiagnosticReport/1", "https" + strings.TrimPrefix(srv.URL, "http") + "/x", srv.URL + "@evil.example/x"} {
		if _, err := c.GetURL(ctx, u, "", 0); !errors.Is(err, ErrForeignURL) {
			t.Errorf("%s: %v, want ErrForeignURL", u, err)
		}
	}
	if _, err := c.Do(ctx, Request{Path: "../../etc/passwd"}); err == nil {
		t.Error("path escaping the base accepted")
	}
	if calls.Load() != 0 {
		t.Errorf("%d requests went out for refused URLs", calls.Load())
	}
	if _, err := c.GetURL(ctx, srv.URL+"/DiagnosticReport/1", "", 0); err != nil {
		t.Errorf("own URL: %v", err)
	}
	if rel, err := c.RelativeReference(srv.URL + "/DiagnosticReport/7/_history/2"); err != nil || rel != "DiagnosticReport/7/_history/2" {
		t.Errorf("relative reference: %q %v", rel, err)
	}
}

func TestClientConfig(t *testing.T) {
	for _, cfg := range []ClientConfig{
		{},
		{BaseURL: "ftp://x"},
		{BaseURL: "http://"},
		{BaseURL: "http://x", BearerToken: "a", SMART: &SMARTConfig{ClientID: "c", TokenURL: "http://x/token", PrivateKeyPEM: ecKeyPEM(t)}},
		{BaseURL: "http://x", SMART: &SMARTConfig{ClientID: "c", TokenURL: "http://x/token", PrivateKeyPEM: []byte("nope")}},
		{BaseURL: "http://x", SMART: &SMARTConfig{TokenURL: "http://x/token", PrivateKeyPEM: ecKeyPEM(t)}},
	} {
		if _, err := NewClient(cfg); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
}

func ecKeyPEM(t testing.TB) []byte {
	k, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// tokenServer is a SMART backend-services token endpoint that verifies the
// client's JWT assertion with its public key, as an authorization server
// does, and a FHIR endpoint that wants the token it issued.
type tokenServer struct {
	t        *testing.T
	pub      crypto.PublicKey
	clientID string
	issued   atomic.Int64
	revoke   atomic.Bool
	srv      *httptest.Server
	jtis     map[string]bool
}

func newTokenServer(t *testing.T, pub crypto.PublicKey) *tokenServer {
	ts := &tokenServer{t: t, pub: pub, clientID: "radflag-client", jtis: map[string]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", ts.token)
	mux.HandleFunc("GET /fhir/DiagnosticReport/1", func(w http.ResponseWriter, r *http.Request) {
		want := fmt.Sprintf("Bearer access-%d", ts.issued.Load())
		if ts.revoke.Swap(false) || r.Header.Get("Authorization") != want {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, `{"resourceType":"DiagnosticReport","id":"1"}`)
	})
	ts.srv = httptest.NewServer(mux)
	t.Cleanup(ts.srv.Close)
	return ts
}

func (ts *tokenServer) token(w http.ResponseWriter, r *http.Request) {
	t := ts.t
	if err := r.ParseForm(); err != nil {
		t.Error(err)
	}
	f := r.PostForm
	if f.Get("grant_type") != "client_credentials" || f.Get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" ||
		f.Get("scope") != "system/DiagnosticReport.rs" {
		t.Errorf("token request form: %v", f)
	}
	parts := strings.Split(f.Get("client_assertion"), ".")
	if len(parts) != 3 {
		t.Fatalf("assertion has %d parts", len(parts))
	}
	dec := base64.RawURLEncoding
	hb, _ := dec.DecodeString(parts[0])
	cb, _ := dec.DecodeString(parts[1])
	sig, _ := dec.DecodeString(parts[2])
	var hdr map[string]string
	var claims map[string]any
	json.Unmarshal(hb, &hdr)
	json.Unmarshal(cb, &claims)
	h := sha512.Sum384([]byte(parts[0] + "." + parts[1]))
	ok := false
	switch k := ts.pub.(type) {
	case *rsa.PublicKey:
		ok = hdr["alg"] == "RS384" && rsa.VerifyPKCS1v15(k, crypto.SHA384, h[:], sig) == nil
	case *ecdsa.PublicKey:
		ok = hdr["alg"] == "ES384" && len(sig) == 96 &&
			ecdsa.Verify(k, h[:], new(big.Int).SetBytes(sig[:48]), new(big.Int).SetBytes(sig[48:]))
	}
	exp, _ := claims["exp"].(float64)
	jti, _ := claims["jti"].(string)
	if !ok || hdr["kid"] != "key-1" || hdr["typ"] != "JWT" || claims["iss"] != ts.clientID || claims["sub"] != ts.clientID ||
		claims["aud"] != ts.srv.URL+"/token" || exp < float64(time.Now().Unix()) || exp > float64(time.Now().Add(5*time.Minute+time.Second).Unix()) ||
		jti == "" || ts.jtis[jti] {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"error":"invalid_client"}`)
		return
	}
	ts.jtis[jti] = true
	n := ts.issued.Add(1)
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"access_token":"access-%d","token_type":"bearer","expires_in":300,"scope":"system/DiagnosticReport.rs"}`, n)
}

func TestClientSMART(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rsaPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey)})
	ecDER, _ := x509.MarshalECPrivateKey(ecKey)
	ecPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: ecDER})
	for _, tc := range []struct {
		name string
		pub  crypto.PublicKey
		pem  []byte
	}{{"RS384", &rsaKey.PublicKey, rsaPEM}, {"ES384", &ecKey.PublicKey, ecPEM}} {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTokenServer(t, tc.pub)
			c, err := NewClient(ClientConfig{BaseURL: ts.srv.URL + "/fhir", Logger: quietLog(), RetryBackoff: time.Millisecond,
				SMART: &SMARTConfig{ClientID: ts.clientID, TokenURL: ts.srv.URL + "/token", PrivateKeyPEM: tc.pem, KeyID: "key-1", Scope: "system/DiagnosticReport.rs"}})
			if err != nil {
				t.Fatal(err)
			}
			for range 3 {
				if _, err := c.Read(context.Background(), "DiagnosticReport", "1"); err != nil {
					t.Fatal(err)
				}
			}
			if n := ts.issued.Load(); n != 1 {
				t.Fatalf("%d tokens fetched for 3 reads, want 1 (cached)", n)
			}
			// A revoked token: one 401, a new token, success.
			ts.revoke.Store(true)
			if _, err := c.Read(context.Background(), "DiagnosticReport", "1"); err != nil {
				t.Fatalf("after revocation: %v", err)
			}
			if n := ts.issued.Load(); n != 2 {
				t.Fatalf("%d tokens, want 2", n)
			}
		})
	}
	// A client the server does not know gets a clear, permanent error.
	ts := newTokenServer(t, &ecKey.PublicKey)
	c, err := NewClient(ClientConfig{BaseURL: ts.srv.URL + "/fhir", Logger: quietLog(),
		SMART: &SMARTConfig{ClientID: "stranger", TokenURL: ts.srv.URL + "/token", PrivateKeyPEM: ecPEM, KeyID: "key-1", Scope: "system/DiagnosticReport.rs"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Read(context.Background(), "DiagnosticReport", "1")
	if err == nil || IsRetryable(err) || !strings.Contains(err.Error(), "invalid_client") {
		t.Fatalf("unknown client: %v", err)
	}
}
