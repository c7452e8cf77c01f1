package fhir

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"
)

// SMARTConfig holds SMART backend-services credentials
// (https://hl7.org/fhir/smart-app-launch/backend-services.html): radflag
// proves who it is with a JWT signed by its private key and gets a
// short-lived access token from the server's token endpoint.
type SMARTConfig struct {
	ClientID string
	TokenURL string
	// PrivateKeyPEM or KeyFile holds the signing key (PKCS#8, PKCS#1 or
	// SEC 1 PEM). RSA keys sign RS384, P-384 keys ES384, P-256 keys ES256.
	PrivateKeyPEM []byte
	KeyFile       string
	// KeyID is the "kid" of the public key in the JWKS registered with the
	// server.
	KeyID string
	// Scope requested (default "system/*.read").
	Scope string
}

type tokenSource struct {
	cfg     SMARTConfig
	key     crypto.Signer
	alg     string
	http    *http.Client
	timeout time.Duration

	mu      sync.Mutex
	token   string
	expires time.Time
	now     func() time.Time
}

// tokenError is a failure to get an access token.
type tokenError struct {
	msg       string
	temporary bool
}

func (e *tokenError) Error() string { return "smart token: " + e.msg }

func newTokenSource(cfg SMARTConfig, hc *http.Client, timeout time.Duration) (*tokenSource, error) {
	if cfg.ClientID == "" || cfg.TokenURL == "" {
		return nil, errors.New("smart: client id and token URL are required")
	}
	if u, err := url.Parse(cfg.TokenURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("smart: token URL %q is not an http(s) URL", cfg.TokenURL)
	}
	pemBytes := cfg.PrivateKeyPEM
	if len(pemBytes) == 0 {
		if cfg.KeyFile == "" {
			return nil, errors.New("smart: no private key (key file or PEM)")
		}
		b, err := os.ReadFile(cfg.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("smart: read key: %w", err)
		}
		pemBytes = b
	}
	key, alg, err := parseSigningKey(pemBytes)
	if err != nil {
		return nil, fmt.Errorf("smart: %w", err)
	}
	if cfg.Scope == "" {
		cfg.Scope = "system/*.read"
	}
	return &tokenSource{cfg: cfg, key: key, alg: alg, http: hc, timeout: timeout, now: time.Now}, nil
}

// parseSigningKey reads a PEM private key and picks the JWS algorithm SMART
// names for it.
func parseSigningKey(b []byte) (crypto.Signer, string, error) {
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, "", errors.New("private key: no PEM block")
	}
	var key any
	var err error
	switch blk.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(blk.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(blk.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(blk.Bytes)
	default:
		return nil, "", fmt.Errorf("private key: unsupported PEM type %q", blk.Type)
	}
	if err != nil {
		return nil, "", fmt.Errorf("private key: %w", err)
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if k.N.BitLen() < 2048 {
			return nil, "", errors.New("private key: RSA keys must have at least 2048 bits")
		}
		return k, "RS384", nil
	case *ecdsa.PrivateKey:
		switch k.Curve {
		case elliptic.P384():
			return k, "ES384", nil
		case elliptic.P256():
			return k, "ES256", nil
		}
		return nil, "", errors.New("private key: EC keys must be P-384 or P-256")
	}
	return nil, "", fmt.Errorf("private key: unsupported key type %T", key)
}

func (ts *tokenSource) invalidate() {
	ts.mu.Lock()
	ts.token = ""
	ts.mu.Unlock()
}

// get returns a valid access token, fetching a new one when the cached one
// is within a minute (or a third of its life) of expiring. Concurrent
// callers wait for one fetch.
func (ts *tokenSource) get(ctx context.Context) (string, error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.token != "" && ts.now().Before(ts.expires) {
		return ts.token, nil
	}
	tok, life, err := ts.fetch(ctx)
	if err != nil {
		return "", err
	}
	margin := min(time.Minute, life/3)
	ts.token, ts.expires = tok, ts.now().Add(life-margin)
	return tok, nil
}

func (ts *tokenSource) fetch(ctx context.Context) (string, time.Duration, error) {
	assertion, err := ts.assertion()
	if err != nil {
		return "", 0, &tokenError{msg: err.Error()}
	}
	form := url.Values{
		"grant_type":            {"client_credentials"},
		"scope":                 {ts.cfg.Scope},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
		"client_assertion":      {assertion},
	}
	ctx, cancel := context.WithTimeout(ctx, ts.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ts.cfg.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", 0, &tokenError{msg: err.Error()}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := ts.http.Do(req)
	if err != nil {
		return "", 0, &tokenError{msg: errText(err), temporary: true}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return "", 0, &tokenError{msg: "read answer: " + err.Error(), temporary: true}
	}
	if resp.StatusCode != http.StatusOK {
		var oe struct {
			Error string `json:"error"`
		}
		json.Unmarshal(body, &oe)
		return "", 0, &tokenError{
			msg:       fmt.Sprintf("token endpoint answered %d %s", resp.StatusCode, truncate(oe.Error, 100)),
			temporary: resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests,
		}
	}
	var tr struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &tr); err != nil || tr.AccessToken == "" {
		return "", 0, &tokenError{msg: "token endpoint answered without an access token"}
	}
	if !strings.EqualFold(tr.TokenType, "bearer") {
		return "", 0, &tokenError{msg: fmt.Sprintf("token type %q is not bearer", truncate(tr.TokenType, 20))}
	}
	life := time.Duration(tr.ExpiresIn) * time.Second
	if life <= 0 {
		life = 5 * time.Minute // SMART's usual lifetime when the server does not say
	}
	return tr.AccessToken, life, nil
}

// assertion builds the signed JWT that authenticates radflag: issuer and
// subject are the client id, the audience the token URL, valid 5 minutes
// (the most SMART allows), with a unique jti against replay.
func (ts *tokenSource) assertion() (string, error) {
	hdr := map[string]string{"alg": ts.alg, "typ": "JWT"}
	if ts.cfg.KeyID != "" {
		hdr["kid"] = ts.cfg.KeyID
	}
	jti := make([]byte, 16)
	if _, err := rand.Read(jti); err != nil {
		return "", err
	}
	now := ts.now()
	claims := map[string]any{
		"iss": ts.cfg.ClientID,
		"sub": ts.cfg.ClientID,
		"aud": ts.cfg.TokenURL,
		"exp": now.Add(5 * time.Minute).Unix(),
		"iat": now.Unix(),
		"jti": hex.EncodeToString(jti),
	}
	hb, _ := json.Marshal(hdr)
	cb, _ := json.Marshal(claims)
	enc := base64.RawURLEncoding
	signing := enc.EncodeToString(hb) + "." + enc.EncodeToString(cb)
	sig, err := signJWS(ts.key, ts.alg, []byte(signing))
	if err != nil {
		return "", err
	}
	return signing + "." + enc.EncodeToString(sig), nil
}

// signJWS signs per RFC 7518: RSASSA-PKCS1-v1_5 for RS*, and for ES* the
// fixed-width r||s, not the ASN.1 form crypto/ecdsa produces by default.
func signJWS(key crypto.Signer, alg string, data []byte) ([]byte, error) {
	switch alg {
	case "RS384":
		h := sha512.Sum384(data)
		return rsa.SignPKCS1v15(rand.Reader, key.(*rsa.PrivateKey), crypto.SHA384, h[:])
	case "ES384", "ES256":
		var digest []byte
		size := 48
		if alg == "ES384" {
			h := sha512.Sum384(data)
			digest = h[:]
		} else {
			h := sha256.Sum256(data)
			digest, size = h[:], 32
		}
		r, s, err := ecdsa.Sign(rand.Reader, key.(*ecdsa.PrivateKey), digest)
		if err != nil {
			return nil, err
		}
		out := make([]byte, 2*size)
		r.FillBytes(out[:size])
		s.FillBytes(out[size:])
		return out, nil
	}
	return nil, fmt.Errorf("unsupported JWS algorithm %s", alg)
}
