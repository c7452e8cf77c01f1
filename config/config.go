// Package config is radflag's one typed configuration. It is loaded from a
// YAML file, then RADFLAG_* environment variables, then command-line flags
// (each overriding the one before), and validated once at start so that a
// wrong value stops radflag with a message naming the field.
package config

import (
	"fmt"
	"strings"
	"time"
)

// Roles a process can take. A single process takes them all by default;
// on a cluster each can run in its own process.
const (
	RoleMLLP      = "mllp"
	RoleFHIR      = "fhir"
	RoleClassify  = "classify"
	RoleWriteback = "writeback"
	RoleWorklist  = "worklist"
)

// AllRoles in their canonical order.
var AllRoles = []string{RoleMLLP, RoleFHIR, RoleClassify, RoleWriteback, RoleWorklist}

// Config is the whole configuration. YAML keys are the snake_case names in
// the tags; the environment variable of a field is RADFLAG_ followed by its
// path in upper case joined by '_' (nats.url → RADFLAG_NATS_URL). Fields
// tagged secret:"true" hold credentials: an error about one never quotes
// its value (each also has a *_file form, or is a bcrypt hash).
type Config struct {
	DataDir   string    `yaml:"data_dir"`
	Roles     []string  `yaml:"roles"`
	Log       Log       `yaml:"log"`
	HTTP      HTTP      `yaml:"http"`
	MLLP      MLLP      `yaml:"mllp"`
	NATS      NATS      `yaml:"nats"`
	FHIR      FHIR      `yaml:"fhir"`
	Classify  Classify  `yaml:"classify"`
	Worklist  Worklist  `yaml:"worklist"`
	Writeback Writeback `yaml:"writeback"`
}

// Log configures logging.
type Log struct {
	Level  string `yaml:"level"`  // debug, info, warn, error
	Format string `yaml:"format"` // text, json
}

// TLS configures a TLS server side. Cert and key enable TLS; ClientCA
// enables mutual TLS (client certificates required and verified).
type TLS struct {
	CertFile     string `yaml:"cert_file"`
	KeyFile      string `yaml:"key_file"`
	ClientCAFile string `yaml:"client_ca_file"`
}

// Enabled reports whether TLS is configured.
func (t TLS) Enabled() bool { return t.CertFile != "" || t.KeyFile != "" }

// HTTP configures the HTTP server (health, metrics, FHIR endpoints, worklist).
type HTTP struct {
	Addr              string   `yaml:"addr"`
	TLS               TLS      `yaml:"tls"`
	ReadHeaderTimeout Duration `yaml:"read_header_timeout"`
	ReadTimeout       Duration `yaml:"read_timeout"`
	WriteTimeout      Duration `yaml:"write_timeout"`
	IdleTimeout       Duration `yaml:"idle_timeout"`
	ShutdownTimeout   Duration `yaml:"shutdown_timeout"`
}

// MLLP configures the HL7 v2 listener.
type MLLP struct {
	Addr          string   `yaml:"addr"`
	TLS           TLS      `yaml:"tls"`
	MaxFrameBytes int      `yaml:"max_frame_bytes"`
	MaxConns      int      `yaml:"max_conns"`
	IdleTimeout   Duration `yaml:"idle_timeout"`
	ReadTimeout   Duration `yaml:"read_timeout"`
	// StoreTimeout bounds the wait for the bus before answering AE.
	StoreTimeout Duration `yaml:"store_timeout"`
	// CTPattern is a regular expression matched against OBR-4 (code and
	// text) to decide that a report is CT when OBR-24 does not say.
	CTPattern string `yaml:"ct_pattern"`
}

// NATS configures the bus.
type NATS struct {
	// URL of an external cluster; empty runs an embedded server.
	URL            string   `yaml:"url"`
	CredsFile      string   `yaml:"creds_file"`
	EmbeddedListen string   `yaml:"embedded_listen"`
	Replicas       int      `yaml:"replicas"`
	DedupWindow    Duration `yaml:"dedup_window"`
	MaxAge         Duration `yaml:"max_age"`
	MaxBytes       int64    `yaml:"max_bytes"`
	PublishTimeout Duration `yaml:"publish_timeout"`
}

// FHIR configures the FHIR server radflag reads from and writes to, and the
// FHIR endpoints radflag serves.
type FHIR struct {
	// URL is the FHIR server's base URL; empty means no writeback and no reads.
	URL string `yaml:"url"`
	// BearerToken (or BearerTokenFile) authenticates radflag to the server.
	BearerToken     string `yaml:"bearer_token" secret:"true"`
	BearerTokenFile string `yaml:"bearer_token_file"`
	// SMART backend-services credentials, used instead of a bearer token.
	SMARTClientID string   `yaml:"smart_client_id"`
	SMARTTokenURL string   `yaml:"smart_token_url"`
	SMARTKeyFile  string   `yaml:"smart_key_file"`
	SMARTScope    string   `yaml:"smart_scope"`
	Timeout       Duration `yaml:"timeout"`
	// IngestTokens are the bearer tokens senders must present on
	// /fhir/DiagnosticReport and /fhir/notify (or IngestTokensFile, one a line).
	IngestTokens     []string `yaml:"ingest_tokens" secret:"true"`
	IngestTokensFile string   `yaml:"ingest_tokens_file"`
	// AllowAnonymous accepts unauthenticated senders (not recommended).
	AllowAnonymous bool  `yaml:"allow_anonymous"`
	MaxBodyBytes   int64 `yaml:"max_body_bytes"`
	// Poll enables polling the server for DiagnosticReports.
	Poll         bool     `yaml:"poll"`
	PollInterval Duration `yaml:"poll_interval"`
	PollCategory string   `yaml:"poll_category"`
	PollCode     string   `yaml:"poll_code"`
}

// Classify configures the classifier worker.
type Classify struct {
	BatchSize  int      `yaml:"batch_size"`
	MaxWait    Duration `yaml:"max_wait"`
	MaxDeliver int      `yaml:"max_deliver"`
	// Concurrency is how many batches one classify process runs at once
	// (about one per core; each shares the loaded models).
	Concurrency int `yaml:"concurrency"`
	// EvidenceScreen is how many sentences of a flagged report are removed
	// in turn to weigh them after each was scored alone; -1 removes every
	// sentence the model sees (slower, for auditing the screen).
	EvidenceScreen int `yaml:"evidence_screen"`
	// TransformerOnly ignores the models' n-gram companions: results come
	// from the transformers alone, under their own model versions.
	TransformerOnly bool `yaml:"transformer_only"`
	// Tasks enables tasks by name (default: pancreas, ir_procedure).
	Tasks []string `yaml:"tasks"`
	// ModelDirs overrides a task's model directory: task=dir.
	ModelDirs map[string]string `yaml:"model_dirs"`
	// AckWait is how long a report may stay with a worker that stopped
	// answering before another worker gets it.
	AckWait Duration `yaml:"ack_wait"`
	// ProcedurePatterns and TextPatterns (task=regexp) say which CT reports
	// a task reads: those whose procedure code or name, or whose text,
	// matches. A task with neither reads every CT report; ir_procedure has
	// a built-in rule for CT-guided procedure reports.
	ProcedurePatterns map[string]string `yaml:"procedure_patterns"`
	TextPatterns      map[string]string `yaml:"text_patterns"`
}

// Writeback configures the FHIR writeback (role writeback) and its alerts.
type Writeback struct {
	Concurrency int `yaml:"concurrency"`
	// MaxDeliver gives up on a result (dead letter) after this many failed
	// deliveries; 0 retries a FHIR server that is down for as long as it takes.
	MaxDeliver int      `yaml:"max_deliver"`
	BackoffMin Duration `yaml:"backoff_min"`
	BackoffMax Duration `yaml:"backoff_max"`
	// ResolvePatient references Patient/<id> found by identifier search
	// instead of the identifier itself.
	ResolvePatient bool `yaml:"resolve_patient"`
	// AlertWebhookURL receives every new flag as JSON, signed with
	// HMAC-SHA256 (header X-Radflag-Signature) by the key in
	// AlertWebhookSecretFile.
	AlertWebhookURL        string `yaml:"alert_webhook_url"`
	AlertWebhookSecretFile string `yaml:"alert_webhook_secret_file"`
	AlertWebhookMaxDeliver int    `yaml:"alert_webhook_max_deliver"`
}

// Worklist configures the navigators' worklist (role worklist). Nobody gets
// in unless users, a trusted proxy header or allow_anonymous say so.
type Worklist struct {
	// Users maps local user names to bcrypt password hashes
	// (`htpasswd -nbB name password`).
	Users map[string]string `yaml:"users" secret:"true"`
	// UsersFile adds users from a file of "name:bcrypt-hash" lines.
	UsersFile string `yaml:"users_file"`
	// SessionSecretFile holds the key (32 bytes or more) signing session
	// cookies and CSRF tokens; processes sharing it share sessions. Empty:
	// a random key per process (sessions end on restart).
	SessionSecretFile string   `yaml:"session_secret_file"`
	SessionTTL        Duration `yaml:"session_ttl"`
	// TrustedHeader names the header in which an authenticating reverse
	// proxy passes the user; it is believed only from TrustedProxies
	// (IP addresses or CIDR prefixes).
	TrustedHeader  string   `yaml:"trusted_header"`
	TrustedProxies []string `yaml:"trusted_proxies"`
	// AllowAnonymous lets anyone use the worklist (not recommended).
	AllowAnonymous bool `yaml:"allow_anonymous"`
}

// Default returns the configuration that runs everything on one machine.
func Default() Config {
	return Config{
		DataDir: "./radflag-data",
		Roles:   append([]string(nil), AllRoles...),
		Log:     Log{Level: "info", Format: "text"},
		HTTP: HTTP{
			Addr:              "127.0.0.1:8080",
			ReadHeaderTimeout: Duration(5 * time.Second),
			ReadTimeout:       Duration(30 * time.Second),
			WriteTimeout:      Duration(60 * time.Second),
			IdleTimeout:       Duration(120 * time.Second),
			ShutdownTimeout:   Duration(20 * time.Second),
		},
		MLLP: MLLP{
			Addr:          "127.0.0.1:2575",
			MaxFrameBytes: 1 << 20,
			MaxConns:      256,
			IdleTimeout:   Duration(10 * time.Minute),
			ReadTimeout:   Duration(30 * time.Second),
			StoreTimeout:  Duration(5 * time.Second),
		},
		NATS: NATS{
			Replicas:       1,
			DedupWindow:    Duration(24 * time.Hour),
			PublishTimeout: Duration(5 * time.Second),
		},
		FHIR: FHIR{
			Timeout:      Duration(15 * time.Second),
			MaxBodyBytes: 5 << 20,
			PollInterval: Duration(30 * time.Second),
		},
		Classify: Classify{
			BatchSize:      32,
			MaxWait:        Duration(200 * time.Millisecond),
			MaxDeliver:     5,
			Concurrency:    2,
			EvidenceScreen: 6,
			Tasks:          []string{"pancreas", "ir_procedure"},
			AckWait:        Duration(time.Minute),
		},
		Writeback: Writeback{
			Concurrency:            8,
			BackoffMin:             Duration(time.Second),
			BackoffMax:             Duration(time.Minute),
			AlertWebhookMaxDeliver: 10,
		},
		Worklist: Worklist{SessionTTL: Duration(12 * time.Hour)},
	}
}

// HasRole reports whether role is among c.Roles.
func (c *Config) HasRole(role string) bool {
	for _, r := range c.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// Duration is a time.Duration written as "24h", "500ms" in YAML and env.
type Duration time.Duration

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

func (d Duration) String() string { return time.Duration(d).String() }

// UnmarshalText parses a Go duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(strings.TrimSpace(string(b)))
	if err != nil {
		return fmt.Errorf("not a duration (like 30s, 5m, 24h): %q", string(b))
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes a Go duration string.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }
