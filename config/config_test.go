package config

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func load(t *testing.T, args []string, env []string) (*Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	f := RegisterFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return Load(f, env)
}

func TestDefaultsAreValid(t *testing.T) {
	dir := t.TempDir()
	cfg, err := load(t, []string{"--data-dir", dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HTTP.Addr != "127.0.0.1:8080" || cfg.MLLP.Addr != "127.0.0.1:2575" || cfg.NATS.URL != "" {
		t.Errorf("unexpected defaults: %+v", cfg)
	}
	if strings.Join(cfg.Roles, ",") != "mllp,fhir,classify,writeback,worklist" {
		t.Errorf("roles = %v", cfg.Roles)
	}
	if cfg.NATS.DedupWindow.D() != 24*time.Hour {
		t.Errorf("dedup window = %s", cfg.NATS.DedupWindow)
	}
}

// TestPrecedence: file < env < flags.
func TestPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "c.yaml", "data_dir: "+dir+"\nhttp:\n  addr: 127.0.0.1:9001\nmllp:\n  addr: 127.0.0.1:9002\n  store_timeout: 2s\nnats:\n  dedup_window: 1h\n")
	env := []string{"RADFLAG_MLLP_ADDR=127.0.0.1:9003", "RADFLAG_FHIR_URL=http://127.0.0.1:9004/fhir", "RADFLAG_CLASSIFY_TASKS=pancreas", "PATH=/bin"}
	cfg, err := load(t, []string{"--config", file, "--fhir-url", "http://127.0.0.1:9005/", "--roles", "mllp,classify"}, env)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, got, want string }{
		{"http.addr from file", cfg.HTTP.Addr, "127.0.0.1:9001"},
		{"mllp.addr env over file", cfg.MLLP.Addr, "127.0.0.1:9003"},
		{"fhir.url flag over env", cfg.FHIR.URL, "http://127.0.0.1:9005/"},
		{"roles flag", strings.Join(cfg.Roles, ","), "mllp,classify"},
		{"tasks env", strings.Join(cfg.Classify.Tasks, ","), "pancreas"},
		{"store timeout file", cfg.MLLP.StoreTimeout.String(), "2s"},
		{"dedup file", cfg.NATS.DedupWindow.String(), "1h0m0s"},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
		}
	}
}

func TestBadConfigFailsWithFieldName(t *testing.T) {
	dir := t.TempDir()
	roFile := filepath.Join(dir, "afile")
	writeFile(t, dir, "afile", "x")
	cases := []struct {
		name    string
		yaml    string
		args    []string
		env     []string
		wantErr []string
	}{
		{name: "unknown field", yaml: "mllp:\n  adress: 127.0.0.1:1\n", wantErr: []string{"line 2", "adress", "not found"}},
		{name: "bad address", args: []string{"--mllp-addr", "localhost"}, wantErr: []string{"mllp.addr", "host:port"}},
		{name: "bad port", args: []string{"--http-addr", "127.0.0.1:99999"}, wantErr: []string{"http.addr", "bad port"}},
		{name: "unwritable data dir", args: []string{"--data-dir", filepath.Join(roFile, "sub")}, wantErr: []string{"data_dir", "cannot create"}},
		{name: "unknown role", args: []string{"--roles", "mllp,cook"}, wantErr: []string{"roles", `"cook"`}},
		{name: "bad env duration", env: []string{"RADFLAG_NATS_DEDUP_WINDOW=soon"}, wantErr: []string{"nats.dedup_window", "RADFLAG_NATS_DEDUP_WINDOW", "duration"}},
		{name: "misspelt env", env: []string{"RADFLAG_NATS_URLL=nats://x:1"}, wantErr: []string{"RADFLAG_NATS_URLL", "unknown variable"}},
		{name: "bad nats url", args: []string{"--nats-url", "http://x"}, wantErr: []string{"nats.url"}},
		{name: "bad fhir url", args: []string{"--fhir-url", "ftp://x"}, wantErr: []string{"fhir.url"}},
		{name: "negative batch", yaml: "classify:\n  batch_size: 0\n", wantErr: []string{"classify.batch_size"}},
		{name: "zero evidence screen", env: []string{"RADFLAG_CLASSIFY_EVIDENCE_SCREEN=0"}, wantErr: []string{"classify.evidence_screen", "-1"}},
		{name: "tls half", yaml: "mllp:\n  tls:\n    cert_file: /nonexistent.pem\n", wantErr: []string{"mllp.tls", "go together"}},
		{name: "wrong type", yaml: "mllp:\n  max_conns: many\n", wantErr: []string{"line 2", "many"}},
		{name: "worklist plain password", env: []string{"RADFLAG_WORKLIST_USERS=alice=hunter2"}, wantErr: []string{"worklist.users", "bcrypt"}},
		{name: "worklist header without proxies", yaml: "worklist:\n  trusted_header: X-Remote-User\n", wantErr: []string{"worklist.trusted_proxies"}},
		{name: "worklist bad proxy", yaml: "worklist:\n  trusted_proxies: [10.0.0.0/33]\n", wantErr: []string{"worklist.trusted_proxies", "10.0.0.0/33"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"--data-dir", t.TempDir()}, c.args...)
			if c.yaml != "" {
				args = append(args, "--config", writeFile(t, t.TempDir(), "c.yaml", c.yaml))
			}
			_, err := load(t, args, c.env)
			if err == nil {
				t.Fatal("want an error, got none")
			}
			for _, w := range c.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestEnvVarsCoverFlags(t *testing.T) {
	vars := strings.Join(EnvVars(), " ")
	for _, v := range []string{"RADFLAG_DATA_DIR", "RADFLAG_NATS_URL", "RADFLAG_MLLP_ADDR", "RADFLAG_HTTP_ADDR", "RADFLAG_FHIR_URL", "RADFLAG_ROLES"} {
		if !strings.Contains(vars, v) {
			t.Errorf("EnvVars lacks %s", v)
		}
	}
}

// TestExampleFileIsCompleteAndValid keeps radflag.example.yaml in step with
// the Config struct: it must load strictly, name every field, and hold the
// defaults.
func TestExampleFileIsCompleteAndValid(t *testing.T) {
	data, err := os.ReadFile("../radflag.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cfg Config
	if err := decodeYAML(&cfg, data, "radflag.example.yaml"); err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, v := range EnvVars() {
		path := strings.ToLower(strings.TrimPrefix(v, "RADFLAG_"))
		leaf := path[strings.LastIndex(path, "_")+1:]
		if !strings.Contains(text, leaf) {
			t.Errorf("example file does not mention %s", path)
		}
	}
	def := Default()
	cfg.Classify.ModelDirs = def.Classify.ModelDirs
	cfg.FHIR.IngestTokens = def.FHIR.IngestTokens
	if fmt.Sprintf("%+v", cfg) != fmt.Sprintf("%+v", def) {
		t.Errorf("example file values differ from Default():\n file %+v\n code %+v", cfg, def)
	}
}

// FuzzDecodeYAML: any file content gives a config or an error, never a
// panic; and a decoded config validates or fails with a FieldError.
func FuzzDecodeYAML(f *testing.F) {
	f.Add([]byte("http:\n  addr: 127.0.0.1:1\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg := Default()
		if err := decodeYAML(&cfg, data, "fuzz.yaml"); err != nil {
			return
		}
		cfg.DataDir = dir // keep validation's write probe inside the test dir
		if err := cfg.Validate(); err != nil {
			if _, ok := err.(*FieldError); !ok {
				t.Fatalf("validation error of type %T: %v", err, err)
			}
		}
	})
}
