package config

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

type composeFile struct {
	Services map[string]struct {
		Image       string            `yaml:"image"`
		Command     []string          `yaml:"command"`
		Environment map[string]string `yaml:"environment"`
		Volumes     []string          `yaml:"volumes"`
		Secrets     []any             `yaml:"secrets"`
		Ports       []string          `yaml:"ports"`
		DependsOn   map[string]struct {
			Condition string `yaml:"condition"`
		} `yaml:"depends_on"`
		Healthcheck struct {
			Test        []string `yaml:"test"`
			StartPeriod string   `yaml:"start_period"`
		} `yaml:"healthcheck"`
	} `yaml:"services"`
	Secrets map[string]struct {
		File string `yaml:"file"`
	} `yaml:"secrets"`
	Volumes map[string]any `yaml:"volumes"`
}

var interpolation = regexp.MustCompile(`\$\{[A-Z0-9_]+(:?[?-][^}]*)?\}`)

// TestComposeFile keeps docker-compose.yml in production shape without a
// Docker engine: three NATS nodes on their own volumes with the cluster
// config; every service with a health check; every radflag service's
// command and environment loading as radflag's own configuration (so a
// misspelt variable or flag fails here, not at a site); every role
// present; secrets only through files or interpolated variables, never in
// the file, and kept out of git and the image.
func TestComposeFile(t *testing.T) {
	data, err := os.ReadFile("../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	if err := yaml.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"nats-1", "nats-2", "nats-3"} {
		s, ok := c.Services[n]
		if !ok {
			t.Fatalf("no service %s", n)
		}
		if s.Environment["NATS_SERVER_NAME"] != n || !slices.Contains(s.Volumes, n+":/data") ||
			!slices.Contains(s.Volumes, "./deploy/nats.conf:/etc/nats/nats.conf:ro") || strings.Join(s.Command, " ") != "-c /etc/nats/nats.conf" {
			t.Errorf("%s: want its own name, volume %s:/data and deploy/nats.conf: %+v", n, n, s)
		}
		if !interpolation.MatchString(s.Environment["RADFLAG_NATS_PASSWORD"]) {
			t.Errorf("%s: the NATS password must come from the environment (.env), got %q", n, s.Environment["RADFLAG_NATS_PASSWORD"])
		}
	}
	if _, err := os.Stat("../deploy/nats.conf"); err != nil {
		t.Error(err)
	}

	secretFiles := map[string]string{} // /run/secrets/<name> → a test file
	for name, sec := range c.Secrets {
		if !strings.HasPrefix(sec.File, "./secrets/") {
			t.Errorf("secret %s from %q; keep secret files under ./secrets/ (ignored by git and docker)", name, sec.File)
		}
		secretFiles["/run/secrets/"+name] = writeFile(t, t.TempDir(), name, "test-value-of-"+name+"-0123456789abcdef0123456789\n")
	}
	hash := "$2y$10$abcdefghijklmnopqrstuu5Lo2P5dUrYpNKx5LQVZlUNLI6NgTwjm"
	secretFiles["/run/secrets/worklist_users"] = writeFile(t, t.TempDir(), "users", "navigator:"+hash+"\n")

	roles := map[string]bool{}
	secretName := regexp.MustCompile(`(?i)(password|token|secret|creds)s?$`)
	for name, s := range c.Services {
		if len(s.Healthcheck.Test) == 0 {
			t.Errorf("%s has no health check", name)
		}
		for _, v := range s.Volumes {
			src, _, ok := strings.Cut(v, ":")
			if ok && !strings.HasPrefix(src, ".") && !strings.HasPrefix(src, "/") {
				if _, declared := c.Volumes[src]; !declared {
					t.Errorf("%s: volume %s not declared", name, src)
				}
			}
		}
		for _, sec := range s.Secrets {
			src, _ := sec.(string)
			if m, ok := sec.(map[string]any); ok {
				src, _ = m["source"].(string)
			}
			if _, declared := c.Secrets[src]; !declared {
				t.Errorf("%s: secret %q not declared", name, src)
			}
		}
		for k, v := range s.Environment {
			if secretName.MatchString(k) && !strings.HasSuffix(k, "_FILE") && interpolation.ReplaceAllString(v, "") != "" {
				t.Errorf("%s: %s holds a value in the file; use a secret file or ${VAR}", name, k)
			}
			if strings.Contains(v, "://") && strings.Contains(v, "@") {
				for _, u := range strings.Split(v, ",") {
					if userinfo := u[strings.Index(u, "://")+3 : max(strings.Index(u, "://")+3, strings.LastIndex(u, "@"))]; strings.Contains(userinfo, ":") && !interpolation.MatchString(userinfo) {
						t.Errorf("%s: %s has a password in the file", name, k)
					}
				}
			}
		}
		if s.Image != "radflag:latest" {
			continue
		}
		// The service's configuration, as radflag serve would load it.
		if len(s.Command) == 0 || s.Command[0] != "serve" {
			t.Errorf("%s: command %q, want serve ...", name, s.Command)
			continue
		}
		if s.DependsOn["nats-1"].Condition != "service_healthy" {
			t.Errorf("%s: does not wait for a healthy NATS", name)
		}
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		flags := RegisterFlags(fs)
		if err := fs.Parse(s.Command[1:]); err != nil || fs.NArg() > 0 {
			t.Errorf("%s: serve flags %q: %v", name, s.Command[1:], err)
			continue
		}
		var env []string
		for k, v := range s.Environment {
			v = interpolation.ReplaceAllString(v, "pw")
			if f, ok := secretFiles[v]; ok {
				v = f
			} else if strings.HasPrefix(v, "/run/secrets/") {
				t.Errorf("%s: %s=%s is not a declared secret", name, k, v)
			}
			if k == "RADFLAG_DATA_DIR" {
				v = t.TempDir()
			}
			env = append(env, k+"="+v)
		}
		cfg, err := Load(flags, env)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if cfg.NATS.Replicas != 3 || len(strings.Split(cfg.NATS.URL, ",")) != 3 {
			t.Errorf("%s: %d replicas on %q, want 3 on the three nodes", name, cfg.NATS.Replicas, cfg.NATS.URL)
		}
		for _, r := range cfg.Roles {
			roles[r] = true
		}
		if cfg.HasRole(RoleFHIR) && cfg.FHIR.IngestTokensFile == "" && len(cfg.FHIR.IngestTokens) == 0 {
			t.Errorf("%s: the fhir role without ingest tokens refuses every sender", name)
		}
		if cfg.HasRole(RoleWorklist) && (cfg.Worklist.UsersFile == "" || cfg.Worklist.SessionSecretFile == "") {
			t.Errorf("%s: the worklist without users_file and session_secret_file", name)
		}
		if cfg.HasRole(RoleWriteback) && s.DependsOn["fhir"].Condition != "service_healthy" {
			t.Errorf("%s: writeback does not wait for a healthy FHIR server", name)
		}
		if want := []string{"CMD", "/usr/local/bin/radflag", "health", "--url", "http://127.0.0.1:8080/healthz"}; !slices.Equal(s.Healthcheck.Test, want) {
			t.Errorf("%s: health check %q", name, s.Healthcheck.Test)
		}
	}
	for _, r := range AllRoles {
		if !roles[r] {
			t.Errorf("no service takes the role %s", r)
		}
	}
	fhir := c.Services["fhir"]
	if !slices.ContainsFunc(fhir.Ports, func(p string) bool { return strings.HasPrefix(p, "127.0.0.1:") }) || len(fhir.Ports) != 1 {
		t.Errorf("the FHIR server holds patient data without a login: publish it on loopback only, not %q", fhir.Ports)
	}
	if db := c.Services["fhir-db"]; !slices.Contains(db.Volumes, "fhir-db:/var/lib/postgresql/data") || db.Environment["POSTGRES_PASSWORD_FILE"] == "" {
		t.Errorf("fhir-db: want a volume and the password from a secret file: %+v", db)
	}

	for file, want := range map[string][]string{"../.gitignore": {"/secrets/", "/.env"}, "../.dockerignore": {"secrets/", ".env", ".git"}} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Error(err)
			continue
		}
		for _, w := range want {
			if !slices.Contains(strings.Split(string(b), "\n"), w) {
				t.Errorf("%s does not hold %s", filepath.Base(file), w)
			}
		}
	}
}
