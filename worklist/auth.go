package worklist

import (
	"bufio"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// AuthConfig says who may use the worklist.
type AuthConfig struct {
	// Users maps local user names to bcrypt password hashes.
	Users map[string]string
	// SessionSecret signs session cookies and CSRF tokens (at least 32
	// bytes). Processes sharing it share sessions; empty makes a random one,
	// so sessions end when the process does.
	SessionSecret []byte
	// SessionTTL is how long a login lasts (default 12h).
	SessionTTL time.Duration
	// TrustedHeader names the header in which a reverse proxy passes the
	// authenticated user; it is believed only from TrustedProxies.
	TrustedHeader  string
	TrustedProxies []netip.Prefix
	// AllowAnonymous lets anyone in as "anonymous" (not recommended).
	AllowAnonymous bool
}

const (
	sessionCookie = "radflag_session"
	loginCookie   = "radflag_login"
	csrfHeader    = "X-CSRF-Token"
)

var userNameRE = regexp.MustCompile(`^[A-Za-z0-9._@-]{1,64}$`)

// ValidUserName reports whether name may be a user or assignee name.
func ValidUserName(name string) bool { return userNameRE.MatchString(name) }

// ReadUsersFile reads "name:bcrypt-hash" lines (htpasswd's bcrypt form);
// blank lines and lines starting with # are skipped.
func ReadUsersFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read users file: %w", err)
	}
	defer f.Close()
	users := map[string]string{}
	sc := bufio.NewScanner(io.LimitReader(f, 4<<20))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, hash, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("users file %s:%d: want name:bcrypt-hash", path, n)
		}
		if err := CheckUser(name, hash); err != nil {
			return nil, fmt.Errorf("users file %s:%d: %w", path, n, err)
		}
		users[name] = hash
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read users file %s: %w", path, err)
	}
	return users, nil
}

// CheckUser validates a user name and its bcrypt hash.
func CheckUser(name, hash string) error {
	if !ValidUserName(name) {
		return fmt.Errorf("user name %q: use 1-64 letters, digits, '.', '_', '@' or '-'", name)
	}
	if _, err := bcrypt.Cost([]byte(hash)); err != nil {
		return fmt.Errorf("user %s: password hash is not bcrypt (make one with `htpasswd -nbB user pass`): %v", name, err)
	}
	return nil
}

// Principal is who is making a request.
type Principal struct {
	User string
	// key binds the CSRF token: the session nonce, or the proxy user.
	key string
}

type auth struct {
	cfg    AuthConfig
	secret []byte
	now    func() time.Time

	mu        sync.Mutex
	failures  map[string][]time.Time // by client address
	bcryptSem chan struct{}
	// dummyHash is compared when the user is unknown, so that a login's
	// timing does not tell which user names exist.
	dummyHash []byte
}

func newAuth(cfg AuthConfig, now func() time.Time) (*auth, error) {
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	for name, hash := range cfg.Users {
		if err := CheckUser(name, hash); err != nil {
			return nil, err
		}
	}
	if cfg.TrustedHeader != "" && len(cfg.TrustedProxies) == 0 {
		return nil, errors.New("a trusted header needs the trusted proxies' addresses")
	}
	secret := cfg.SessionSecret
	if len(secret) == 0 {
		secret = make([]byte, 32)
		if _, err := rand.Read(secret); err != nil {
			return nil, fmt.Errorf("make session secret: %w", err)
		}
	} else if len(secret) < 32 {
		return nil, fmt.Errorf("session secret is %d bytes; at least 32 are needed", len(secret))
	}
	a := &auth{cfg: cfg, secret: secret, now: now, failures: map[string][]time.Time{}, bcryptSem: make(chan struct{}, 4)}
	if len(cfg.Users) > 0 {
		cost := bcrypt.DefaultCost
		for _, h := range cfg.Users {
			if c, err := bcrypt.Cost([]byte(h)); err == nil {
				cost = c
			}
			break
		}
		var err error
		if a.dummyHash, err = bcrypt.GenerateFromPassword([]byte(randomToken()), cost); err != nil {
			return nil, fmt.Errorf("make dummy hash: %w", err)
		}
	}
	return a, nil
}

func (a *auth) mac(parts ...string) []byte {
	m := hmac.New(sha256.New, a.secret)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return m.Sum(nil)
}

var b64 = base64.RawURLEncoding

// newSession makes a session cookie value for user.
func (a *auth) newSession(user string) (string, time.Time) {
	nonce := make([]byte, 16)
	rand.Read(nonce)
	exp := a.now().Add(a.cfg.SessionTTL)
	u, e, n := b64.EncodeToString([]byte(user)), strconv.FormatInt(exp.Unix(), 10), b64.EncodeToString(nonce)
	return "v1." + u + "." + e + "." + n + "." + b64.EncodeToString(a.mac("session", u, e, n)), exp
}

// checkSession returns the principal of a valid, unexpired session of a user
// who still exists.
func (a *auth) checkSession(v string) (Principal, bool) {
	parts := strings.Split(v, ".")
	if len(parts) != 5 || parts[0] != "v1" || len(v) > 512 {
		return Principal{}, false
	}
	mac, err := b64.DecodeString(parts[4])
	if err != nil || !hmac.Equal(mac, a.mac("session", parts[1], parts[2], parts[3])) {
		return Principal{}, false
	}
	exp, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil || a.now().Unix() >= exp {
		return Principal{}, false
	}
	user, err := b64.DecodeString(parts[1])
	if err != nil {
		return Principal{}, false
	}
	if _, ok := a.cfg.Users[string(user)]; !ok {
		return Principal{}, false
	}
	return Principal{User: string(user), key: "s:" + parts[3]}, true
}

// identify returns who makes r, if anyone.
func (a *auth) identify(r *http.Request) (Principal, bool) {
	if a.cfg.TrustedHeader != "" && a.fromTrustedProxy(r) {
		if u := r.Header.Get(a.cfg.TrustedHeader); u != "" {
			if !ValidUserName(u) {
				return Principal{}, false
			}
			return Principal{User: u, key: "h:" + u}, true
		}
	}
	if c, err := r.Cookie(sessionCookie); err == nil {
		if p, ok := a.checkSession(c.Value); ok {
			return p, true
		}
	}
	if a.cfg.AllowAnonymous {
		return Principal{User: "anonymous", key: "a:"}, true
	}
	return Principal{}, false
}

func (a *auth) fromTrustedProxy(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	for _, p := range a.cfg.TrustedProxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// csrfToken is the token a principal's pages send back on every POST.
func (a *auth) csrfToken(p Principal) string {
	return b64.EncodeToString(a.mac("csrf", p.key))
}

func (a *auth) checkCSRF(p Principal, token string) bool {
	want := a.csrfToken(p)
	return token != "" && subtle.ConstantTimeCompare([]byte(token), []byte(want)) == 1
}

// localLogin reports whether users log in with a password here.
func (a *auth) localLogin() bool { return len(a.cfg.Users) > 0 }

const (
	failWindow = 15 * time.Minute
	maxFails   = 10
)

// throttled reports whether client has failed too often lately.
func (a *auth) throttled(client string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	cut := a.now().Add(-failWindow)
	fs := a.failures[client]
	for len(fs) > 0 && fs[0].Before(cut) {
		fs = fs[1:]
	}
	if len(fs) == 0 {
		delete(a.failures, client)
	} else {
		a.failures[client] = fs
	}
	return len(fs) >= maxFails
}

func (a *auth) recordFailure(client string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.failures) > 10000 {
		// Bounded memory under a spray from many addresses.
		a.failures = map[string][]time.Time{}
	}
	a.failures[client] = append(a.failures[client], a.now())
}

// verify checks a password in constant time for known and unknown users,
// with at most a few bcrypt comparisons running at once.
func (a *auth) verify(user, password string) bool {
	a.bcryptSem <- struct{}{}
	defer func() { <-a.bcryptSem }()
	hash, ok := a.cfg.Users[user]
	h := []byte(hash)
	if !ok {
		h = a.dummyHash
	}
	err := bcrypt.CompareHashAndPassword(h, []byte(password))
	return ok && err == nil
}

func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func randomToken() string {
	b := make([]byte, 18)
	rand.Read(b)
	return b64.EncodeToString(b)
}

// safeNext keeps a post-login redirect on this site. Control characters
// are refused, not only CR and LF: browsers delete tabs and newlines from
// a URL, so "/\t/evil.example" would be read as "//evil.example".
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsRune(next, '\\') ||
		strings.ContainsFunc(next, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "/worklist"
	}
	return next
}
