package worklist

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// fuzzAuth is an auth with one user, a fixed key and a fixed clock, and a
// session cookie it made.
func fuzzAuth(t testing.TB) (*auth, string) {
	hash, err := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return time.Unix(1767225600, 0) }
	a, err := newAuth(AuthConfig{Users: map[string]string{"alice": string(hash)},
		SessionSecret: []byte("fuzz-session-secret-0123456789abcdef")}, now)
	if err != nil {
		t.Fatal(err)
	}
	// As newSession makes one, with a fixed nonce: every fuzzing process
	// must issue the same cookie.
	u, e, n := b64.EncodeToString([]byte("alice")), strconv.FormatInt(now().Add(time.Hour).Unix(), 10), b64.EncodeToString([]byte("fixed-nonce-0001"))
	v := "v1." + u + "." + e + "." + n + "." + b64.EncodeToString(a.mac("session", u, e, n))
	if _, ok := a.checkSession(v); !ok {
		t.Fatal("the test's session cookie is refused")
	}
	return a, v
}

// FuzzSession feeds arbitrary session cookie values to the check every
// worklist request makes: it must never panic, and it may accept only a
// value whose user, expiry and nonce are those of a session it issued
// (the MAC binds them: a changed user or a later expiry is refused).
func FuzzSession(f *testing.F) {
	a, valid := fuzzAuth(f)
	parts := strings.Split(valid, ".")
	f.Add(valid)
	f.Add(strings.Join([]string{"v1", b64.EncodeToString([]byte("mallory")), parts[2], parts[3], parts[4]}, "."))
	f.Add(strings.Join([]string{"v1", parts[1], "99999999999", parts[3], parts[4]}, "."))
	f.Add("v1....")
	f.Add("v1." + strings.Repeat("A", 600))
	f.Fuzz(func(t *testing.T, v string) {
		p, ok := a.checkSession(v)
		if !ok {
			return
		}
		got := strings.Split(v, ".")
		if p.User != "alice" || len(got) != 5 || got[1] != parts[1] || got[2] != parts[2] || got[3] != parts[3] {
			t.Fatalf("accepted a session cookie it did not issue: %q (user %q)", v, p.User)
		}
		if !a.checkCSRF(p, a.csrfToken(p)) || a.checkCSRF(p, "") {
			t.Fatal("CSRF token check inconsistent")
		}
	})
}

// FuzzQuery feeds arbitrary query strings to what the worklist reads from
// a URL: the list filters and the post-login redirect. Neither may panic;
// a filter's limit stays within bounds and its statuses are known ones;
// and the redirect always stays on this site, as a browser reads it
// (browsers drop tabs and newlines anywhere in a URL, and take '\' for
// '/': "/\t/evil" is "//evil", another site).
func FuzzQuery(f *testing.F) {
	for _, s := range []string{
		"task=pancreas&status=new,confirmed&assignee=me&from=2025-01-01&to=2025-12-31&limit=50",
		"status=bogus", "limit=0", "limit=99999999999999999999", "from=2025-02-30", "to=2025-01-01T00:00:00Z&from=2026-01-01",
		"assignee=%00", "task=,,,&status=,", "next=/worklist/x", "next=//evil.example", "next=/%09/evil.example",
		"next=https://evil.example", "next=/\\evil", "next=%2F%09%2Fevil.example", "next=%0A/evil",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		flt, err := parseFilter(q, "alice", time.UTC)
		if err == nil {
			if flt.Limit < 1 || flt.Limit > maxLimit {
				t.Fatalf("limit %d out of bounds", flt.Limit)
			}
			for _, st := range flt.Statuses {
				if !st.valid() {
					t.Fatalf("unknown status %q accepted", st)
				}
			}
		} else if !utf8.ValidString(err.Error()) && utf8.ValidString(raw) {
			t.Fatalf("error is not UTF-8: %q", err)
		}
		next := safeNext(q.Get("next"))
		if !staysOnSite(next) {
			t.Fatalf("safeNext(%q) = %q leaves the site", q.Get("next"), next)
		}
	})
}

// staysOnSite reports whether a Location value is a path on this site as
// a browser (the WHATWG URL parser) resolves it.
func staysOnSite(loc string) bool {
	s := strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, loc)
	s = strings.TrimLeft(s, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ")
	s = strings.ReplaceAll(s, "\\", "/")
	return strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//")
}

// TestSafeNextControlCharacters: a redirect target with a tab, newline or
// other control character is refused. Browsers delete tabs and newlines
// from URLs, so "/\t/evil.example" sent as a Location is read as
// "//evil.example": an open redirect from the sign-in page. Found by
// FuzzQuery (seed testdata/fuzz/FuzzQuery/tab_open_redirect).
func TestSafeNextControlCharacters(t *testing.T) {
	for _, in := range []string{"/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", "/\x00/x", "/\x7f", "\t//evil.example", "/ok\x1b"} {
		if got := safeNext(in); got != "/worklist" {
			t.Errorf("safeNext(%q) = %q, want /worklist", in, got)
		}
	}
	for _, in := range []string{"/worklist/pancreas-1", "/tumor-board?from=2025-01-01&to=2025-02-01", "/worklist/Müller"} {
		if got := safeNext(in); got != in {
			t.Errorf("safeNext(%q) = %q", in, got)
		}
	}
}
