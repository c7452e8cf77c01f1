package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// Validate checks every value and returns the first problem, naming the
// field. It also proves the data directory writable, so that radflag fails
// at start rather than at the first report.
func (c *Config) Validate() error {
	bad := func(field, format string, args ...any) error {
		return &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
	}
	if len(c.Roles) == 0 {
		return bad("roles", "no role given; use some of %s", strings.Join(AllRoles, ","))
	}
	seen := map[string]bool{}
	for _, r := range c.Roles {
		if !contains(AllRoles, r) {
			return bad("roles", "unknown role %q; roles are %s", r, strings.Join(AllRoles, ","))
		}
		if seen[r] {
			return bad("roles", "role %q given twice", r)
		}
		seen[r] = true
	}
	if !contains([]string{"debug", "info", "warn", "error"}, c.Log.Level) {
		return bad("log.level", "must be debug, info, warn or error, not %q", c.Log.Level)
	}
	if !contains([]string{"text", "json"}, c.Log.Format) {
		return bad("log.format", "must be text or json, not %q", c.Log.Format)
	}
	if err := checkAddr(c.HTTP.Addr); err != nil {
		return bad("http.addr", "%v", err)
	}
	if c.HasRole(RoleMLLP) {
		if err := checkAddr(c.MLLP.Addr); err != nil {
			return bad("mllp.addr", "%v", err)
		}
	}
	for field, t := range map[string]TLS{"http.tls": c.HTTP.TLS, "mllp.tls": c.MLLP.TLS} {
		if err := checkTLS(t); err != nil {
			return bad(field, "%v", err)
		}
	}
	if c.MLLP.MaxFrameBytes < 1024 || c.MLLP.MaxFrameBytes > 64<<20 {
		return bad("mllp.max_frame_bytes", "must be between 1024 and 67108864, got %d", c.MLLP.MaxFrameBytes)
	}
	if c.MLLP.MaxConns < 1 {
		return bad("mllp.max_conns", "must be at least 1, got %d", c.MLLP.MaxConns)
	}
	for field, d := range map[string]Duration{
		"mllp.idle_timeout": c.MLLP.IdleTimeout, "mllp.read_timeout": c.MLLP.ReadTimeout,
		"mllp.store_timeout": c.MLLP.StoreTimeout, "http.read_header_timeout": c.HTTP.ReadHeaderTimeout,
		"http.shutdown_timeout": c.HTTP.ShutdownTimeout, "nats.dedup_window": c.NATS.DedupWindow,
		"nats.publish_timeout": c.NATS.PublishTimeout, "fhir.timeout": c.FHIR.Timeout,
		"classify.max_wait": c.Classify.MaxWait, "classify.ack_wait": c.Classify.AckWait,
		"writeback.backoff_min": c.Writeback.BackoffMin, "writeback.backoff_max": c.Writeback.BackoffMax,
	} {
		if d <= 0 {
			return bad(field, "must be a positive duration, got %s", d)
		}
	}
	if c.MLLP.CTPattern != "" {
		if _, err := regexp.Compile(c.MLLP.CTPattern); err != nil {
			return bad("mllp.ct_pattern", "not a regular expression: %v", err)
		}
	}
	if c.NATS.URL != "" {
		for _, u := range strings.Split(c.NATS.URL, ",") {
			pu, err := url.Parse(strings.TrimSpace(u))
			if err != nil || pu.Host == "" || !contains([]string{"nats", "tls", "ws", "wss"}, pu.Scheme) {
				return bad("nats.url", "want nats://host:port (comma-separated for a cluster), got %q", redactURL(u))
			}
		}
	}
	if c.NATS.EmbeddedListen != "" {
		if err := checkAddr(c.NATS.EmbeddedListen); err != nil {
			return bad("nats.embedded_listen", "%v", err)
		}
	}
	if c.NATS.Replicas < 1 || c.NATS.Replicas > 5 {
		return bad("nats.replicas", "must be 1 to 5, got %d", c.NATS.Replicas)
	}
	if c.NATS.MaxBytes < 0 {
		return bad("nats.max_bytes", "must not be negative")
	}
	if c.FHIR.URL != "" {
		pu, err := url.Parse(c.FHIR.URL)
		if err != nil || pu.Host == "" || (pu.Scheme != "http" && pu.Scheme != "https") {
			return bad("fhir.url", "want an http(s) base URL, got %q", redactURL(c.FHIR.URL))
		}
	}
	if c.FHIR.Poll && c.FHIR.URL == "" {
		return bad("fhir.poll", "polling needs fhir.url")
	}
	if c.FHIR.MaxBodyBytes < 1024 || c.FHIR.MaxBodyBytes > 256<<20 {
		return bad("fhir.max_body_bytes", "must be between 1024 and 268435456, got %d", c.FHIR.MaxBodyBytes)
	}
	if c.Classify.BatchSize < 1 || c.Classify.BatchSize > 1024 {
		return bad("classify.batch_size", "must be 1 to 1024, got %d", c.Classify.BatchSize)
	}
	if c.Classify.Concurrency < 1 || c.Classify.Concurrency > 64 {
		return bad("classify.concurrency", "must be 1 to 64, got %d", c.Classify.Concurrency)
	}
	if e := c.Classify.EvidenceScreen; e != -1 && (e < 1 || e > 64) {
		return bad("classify.evidence_screen", "must be 1 to 64, or -1 for every sentence, got %d", e)
	}
	if c.Classify.MaxDeliver < 1 {
		return bad("classify.max_deliver", "must be at least 1, got %d", c.Classify.MaxDeliver)
	}
	if err := c.Worklist.validate(); err != nil {
		return err
	}
	for field, pats := range map[string]map[string]string{
		"classify.procedure_patterns": c.Classify.ProcedurePatterns, "classify.text_patterns": c.Classify.TextPatterns,
	} {
		for task, p := range pats {
			if _, err := regexp.Compile(p); err != nil {
				return bad(field, "%s: not a regular expression: %v", task, err)
			}
		}
	}
	if c.Writeback.Concurrency < 1 || c.Writeback.Concurrency > 256 {
		return bad("writeback.concurrency", "must be 1 to 256, got %d", c.Writeback.Concurrency)
	}
	if c.Writeback.MaxDeliver < 0 {
		return bad("writeback.max_deliver", "must not be negative (0: retry until written)")
	}
	if c.Writeback.BackoffMax < c.Writeback.BackoffMin {
		return bad("writeback.backoff_max", "must not be less than backoff_min")
	}
	if c.Writeback.AlertWebhookURL != "" {
		pu, err := url.Parse(c.Writeback.AlertWebhookURL)
		if err != nil || pu.Host == "" || (pu.Scheme != "http" && pu.Scheme != "https") {
			return bad("writeback.alert_webhook_url", "want an http(s) URL, got %q", redactURL(c.Writeback.AlertWebhookURL))
		}
		if c.Writeback.AlertWebhookSecretFile == "" {
			return bad("writeback.alert_webhook_secret_file", "a webhook needs a secret to sign alerts with")
		}
		if _, err := os.Stat(c.Writeback.AlertWebhookSecretFile); err != nil {
			return bad("writeback.alert_webhook_secret_file", "cannot read: %v", errors.Unwrap(err))
		}
	}
	if c.Writeback.AlertWebhookMaxDeliver < 1 {
		return bad("writeback.alert_webhook_max_deliver", "must be at least 1, got %d", c.Writeback.AlertWebhookMaxDeliver)
	}
	if c.NATS.URL == "" || c.HasRole(RoleClassify) {
		if err := checkWritableDir(c.DataDir); err != nil {
			return bad("data_dir", "%v", err)
		}
	}
	return nil
}

// redactURL is a URL as an error may show it: no user information (NATS
// and FHIR URLs may carry a password), no path or query beyond the first
// segment (a webhook URL often is its own credential).
func redactURL(raw string) string {
	raw = strings.TrimSpace(raw)
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		scheme, rest = "", raw
	}
	// The host ends at the first '/', '?' or '#' after the last '@'.
	if i := strings.LastIndex(rest, "@"); i >= 0 {
		rest = "…@" + rest[i+1:]
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		if rest[i+1:] != "" {
			rest = rest[:i+1] + "…"
		}
	}
	if ok {
		return scheme + "://" + rest
	}
	return rest
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func checkAddr(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("want host:port, got %q", addr)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("bad port in %q", addr)
	}
	if host != "" && net.ParseIP(host) == nil && !validHostname(host) {
		return fmt.Errorf("bad host in %q", addr)
	}
	return nil
}

var hostnameRE = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$`)

func validHostname(h string) bool { return hostnameRE.MatchString(h) }

func checkTLS(t TLS) error {
	if (t.CertFile == "") != (t.KeyFile == "") {
		return errors.New("cert_file and key_file go together")
	}
	if t.ClientCAFile != "" && t.CertFile == "" {
		return errors.New("client_ca_file needs cert_file and key_file")
	}
	for _, f := range []string{t.CertFile, t.KeyFile, t.ClientCAFile} {
		if f == "" {
			continue
		}
		if _, err := os.Stat(f); err != nil {
			return fmt.Errorf("cannot read %s: %v", f, errors.Unwrap(err))
		}
	}
	return nil
}

// checkWritableDir creates dir if needed and writes a probe file in it.
func checkWritableDir(dir string) error {
	if strings.TrimSpace(dir) == "" {
		return errors.New("must not be empty")
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("cannot create %s: %v", dir, errors.Unwrap(err))
	}
	f, err := os.CreateTemp(dir, ".radflag-write-probe-*")
	if err != nil {
		return fmt.Errorf("%s is not writable: %v", dir, errors.Unwrap(err))
	}
	name := f.Name()
	f.Close()
	os.Remove(name)
	if abs, err := filepath.Abs(dir); err == nil && abs == "/" {
		return errors.New("must not be the file system root")
	}
	return nil
}

var (
	bcryptRE     = regexp.MustCompile(`^\$2[aby]\$[0-3][0-9]\$[./A-Za-z0-9]{53}$`)
	userNameRE   = regexp.MustCompile(`^[A-Za-z0-9._@-]{1,64}$`)
	headerNameRE = regexp.MustCompile("^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")
)

func (w *Worklist) validate() error {
	bad := func(field, format string, args ...any) error {
		return &FieldError{Field: "worklist." + field, Reason: fmt.Sprintf(format, args...)}
	}
	for name, hash := range w.Users {
		if !userNameRE.MatchString(name) {
			return bad("users", "user name %q: use 1-64 letters, digits, '.', '_', '@' or '-'", name)
		}
		if !bcryptRE.MatchString(hash) {
			return bad("users", "user %s: password must be a bcrypt hash ($2y$...; make one with htpasswd -nbB)", name)
		}
	}
	for field, f := range map[string]string{"users_file": w.UsersFile, "session_secret_file": w.SessionSecretFile} {
		if f == "" {
			continue
		}
		if _, err := os.Stat(f); err != nil {
			return bad(field, "cannot read %s: %v", f, errors.Unwrap(err))
		}
	}
	if w.SessionTTL <= 0 {
		return bad("session_ttl", "must be a positive duration, got %s", w.SessionTTL)
	}
	if w.TrustedHeader != "" {
		if !headerNameRE.MatchString(w.TrustedHeader) {
			return bad("trusted_header", "not a header name: %q", w.TrustedHeader)
		}
		if len(w.TrustedProxies) == 0 {
			return bad("trusted_proxies", "trusted_header needs the addresses of the proxies allowed to set it")
		}
	}
	for _, p := range w.TrustedProxies {
		if _, _, err := net.ParseCIDR(p); err != nil && net.ParseIP(p) == nil {
			return bad("trusted_proxies", "want an IP address or CIDR prefix, got %q", p)
		}
	}
	return nil
}
