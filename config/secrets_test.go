package config

import (
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestSecretFields: the fields that hold credentials are marked, and each
// secret that is not a hash has a *_file form, so that no deployment
// needs a secret in its YAML file.
func TestSecretFields(t *testing.T) {
	want := []string{"fhir.bearer_token", "fhir.ingest_tokens", "worklist.users"}
	if got := SecretPaths(); !slices.Equal(got, want) {
		t.Errorf("secret fields %v, want %v", got, want)
	}
	vars := strings.Join(EnvVars(), " ")
	for _, v := range []string{"RADFLAG_FHIR_BEARER_TOKEN_FILE", "RADFLAG_FHIR_INGEST_TOKENS_FILE", "RADFLAG_WORKLIST_USERS_FILE",
		"RADFLAG_WORKLIST_SESSION_SECRET_FILE", "RADFLAG_WRITEBACK_ALERT_WEBHOOK_SECRET_FILE", "RADFLAG_FHIR_SMART_KEY_FILE",
		"RADFLAG_NATS_CREDS_FILE", "RADFLAG_FHIR_BEARER_TOKEN", "RADFLAG_FHIR_INGEST_TOKENS"} {
		if !strings.Contains(vars, v) {
			t.Errorf("no %s", v)
		}
	}
}

// TestSecretsNotInConfigErrors: a secret given wrongly — in the file, in
// the environment, or inside a URL — stops radflag with an error naming
// the field, and the error never quotes the secret (not even the first
// characters yaml shows of a value).
func TestSecretsNotInConfigErrors(t *testing.T) {
	const secret = "SeCrEt-9f8e7d6c"
	cases := []struct {
		name  string
		yaml  string
		env   []string
		field string
	}{
		{name: "ingest token not in a list", yaml: "fhir:\n  ingest_tokens: " + secret + "\n", field: "line 2"},
		{name: "users not a map", yaml: "worklist:\n  users: " + secret + "\n", field: "line 2"},
		{name: "users in flow style", yaml: "worklist: {users: " + secret + "}\n", field: "line 1"},
		{name: "user's hash a list", yaml: "worklist:\n  users:\n    alice: [" + secret + "]\n", field: "line 3"},
		{name: "users htpasswd line in env", env: []string{"RADFLAG_WORKLIST_USERS=alice:$2y$10$" + secret}, field: "worklist.users"},
		{name: "user's plain password in env", env: []string{"RADFLAG_WORKLIST_USERS=alice=" + secret}, field: "worklist.users"},
		{name: "NATS URL with a password, wrong scheme", env: []string{"RADFLAG_NATS_URL=natz://radflag:" + secret + "@nats-1:4222"}, field: "nats.url"},
		{name: "NATS URL with a password that does not parse", env: []string{"RADFLAG_NATS_URL=nats://radflag:" + secret + "/x@nats-1:4222,http://y"}, field: "nats.url"},
		{name: "NATS URL list, second bad", env: []string{"RADFLAG_NATS_URL=nats://a:1,nats:/radflag:" + secret + "@b"}, field: "nats.url"},
		{name: "FHIR URL with a password", env: []string{"RADFLAG_FHIR_URL=ftp://radflag:" + secret + "@ehr/fhir"}, field: "fhir.url"},
		{name: "webhook URL holding its credential", env: []string{"RADFLAG_WRITEBACK_ALERT_WEBHOOK_URL=hooks.example.org/services/" + secret}, field: "writeback.alert_webhook_url"},
		{name: "webhook URL with a token", env: []string{"RADFLAG_WRITEBACK_ALERT_WEBHOOK_URL=ftp://hooks.example.org/h?token=" + secret}, field: "writeback.alert_webhook_url"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := []string{"--data-dir", t.TempDir()}
			if c.yaml != "" {
				args = append(args, "--config", writeFile(t, t.TempDir(), "c.yaml", c.yaml))
			}
			_, err := load(t, args, c.env)
			if err == nil {
				t.Fatal("want an error")
			}
			if !strings.Contains(err.Error(), c.field) {
				t.Errorf("error %q does not name %s", err, c.field)
			}
			for _, part := range []string{secret, secret[:7], "9f8e7d6c"} {
				if strings.Contains(err.Error(), part) {
					t.Errorf("error quotes the secret (%q): %v", part, err)
				}
			}
		})
	}
	// Values of other fields are still quoted: they help and are not secret.
	_, err := load(t, []string{"--data-dir", t.TempDir(), "--config", writeFile(t, t.TempDir(), "c.yaml", "mllp:\n  max_conns: many\nfhir:\n  ingest_tokens: "+secret+"\n")}, nil)
	if err == nil || !strings.Contains(err.Error(), "many") || strings.Contains(err.Error(), secret[:7]) {
		t.Errorf("error %v: want `many` quoted and the token not", err)
	}
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"nats://u:pw@host:4222":                "nats://…@host:4222",
		"nats://u:p/w@host:4222":               "nats://…@host:4222",
		"https://hooks.example.org/services/x": "https://hooks.example.org/…",
		"https://ehr/fhir?token=x":             "https://ehr/…",
		"https://ehr/":                         "https://ehr/",
		"host:4222":                            "host:4222",
		"u:pw@host":                            "…@host",
	} {
		if got := redactURL(in); got != want {
			t.Errorf("redactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzEnv: any RADFLAG_* variable and value gives a configuration or a
// FieldError, never a panic; and an error about a secret field never
// quotes the secret (for worklist.users: the hashes after each '=').
func FuzzEnv(f *testing.F) {
	f.Add("WORKLIST_USERS", "alice:$2y$10$abcdefghijklmnopqrstuv")
	f.Add("WORKLIST_USERS", "alice=$2y$10$abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQ,bob=x")
	f.Add("NATS_URL", "nats://u:p@h:1,tls://h2:2")
	f.Add("CLASSIFY_MODEL_DIRS", "pancreas=/m,x")
	f.Add("MLLP_STORE_TIMEOUT", "5s")
	f.Add("FHIR_INGEST_TOKENS", " a, ,b ")
	f.Add("HTTP_TLS_CERT_FILE", "/nonexistent")
	f.Add("ROLES", "mllp,mllp")
	dir := f.TempDir()
	const template = "config worklist.users (env RADFLAG_WORKLIST_USERS): want name=value pairs separated by commas (value not shown: it is a secret) " +
		"user name : use 1-64 letters, digits, '.', '_', '@' or '-' password must be a bcrypt hash ($2y$...; make one with htpasswd -nbB)"
	f.Fuzz(func(t *testing.T, key, value string) {
		cfg := Default()
		err := applyEnv(&cfg, []string{"RADFLAG_" + key + "=" + value})
		if err == nil {
			cfg.DataDir = dir // keep validation's write probe inside the test dir
			err = cfg.Validate()
		}
		if err == nil {
			return
		}
		if _, ok := err.(*FieldError); !ok {
			t.Fatalf("error of type %T: %v", err, err)
		}
		if key != "WORKLIST_USERS" {
			return
		}
		msg := err.Error()
		var hashes, names []string
		for _, item := range strings.Split(value, ",") {
			k, h, ok := strings.Cut(item, "=")
			if ok {
				// User names are quoted in errors (%q); they are not secret.
				if k = strings.TrimSpace(k); k != "" {
					names = append(names, k)
					msg = strings.ReplaceAll(strings.ReplaceAll(msg, strconv.Quote(k), ""), k, "")
				}
				hashes = append(hashes, strings.TrimSpace(h))
			} else {
				hashes = append(hashes, strings.TrimSpace(k))
			}
		}
		for _, h := range hashes {
			// A hash that is also part of a user name may show as part of
			// the name (found by FuzzEnv: testdata/fuzz/FuzzEnv/a58a9eeeb4fe9c61).
			inName := slices.ContainsFunc(names, func(n string) bool { return strings.Contains(n, h) })
			if len(h) >= 8 && !inName && !strings.Contains(template, h) && strings.Contains(msg, h) {
				t.Fatalf("error quotes the hash %q: %v", h, err)
			}
		}
	})
}
