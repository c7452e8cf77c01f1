package config

import (
	"bytes"
	"encoding"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// maxFileBytes bounds the configuration file: a config is a few KiB.
const maxFileBytes = 1 << 20

// FieldError names the configuration field that is wrong and why.
type FieldError struct {
	Field  string // YAML path, e.g. "mllp.addr"
	Source string // "file config.yaml", "env RADFLAG_MLLP_ADDR", "flag --mllp-addr", or "" for validation
	Reason string
}

func (e *FieldError) Error() string {
	if e.Source != "" {
		return fmt.Sprintf("config %s (%s): %s", e.Field, e.Source, e.Reason)
	}
	return fmt.Sprintf("config %s: %s", e.Field, e.Reason)
}

// Flags are the command-line flags that override configuration. Register
// them on a FlagSet with RegisterFlags, parse, then pass the set to Load.
type Flags struct {
	ConfigFile string
	fs         *flag.FlagSet
	values     map[string]*string // flag name → value
}

// flagFields maps each flag to the field it sets (by YAML path).
var flagFields = []struct{ name, path, usage string }{
	{"data-dir", "data_dir", "directory for the embedded NATS server's data and extracted models"},
	{"mllp-addr", "mllp.addr", "address the MLLP (HL7 v2) listener binds"},
	{"http-addr", "http.addr", "address the HTTP server (health, metrics, FHIR endpoints, worklist) binds"},
	{"fhir-url", "fhir.url", "base URL of the FHIR server for writeback and reads (empty: no writeback)"},
	{"nats-url", "nats.url", "NATS server or cluster URL (empty: embedded server)"},
	{"roles", "roles", "comma-separated roles this process takes: " + strings.Join(AllRoles, ",")},
}

// RegisterFlags adds --config and the override flags to fs. Defaults shown
// in -h are the built-in ones.
func RegisterFlags(fs *flag.FlagSet) *Flags {
	f := &Flags{fs: fs, values: map[string]*string{}}
	fs.StringVar(&f.ConfigFile, "config", "", "YAML configuration file")
	def := Default()
	for _, ff := range flagFields {
		v, _ := fieldByPath(reflect.ValueOf(&def).Elem(), ff.path)
		f.values[ff.name] = fs.String(ff.name, formatValue(v), ff.usage)
	}
	return f
}

// Load builds the configuration: defaults, then the file (if any), then
// RADFLAG_* variables from env, then flags explicitly set on the command
// line; then validates it.
func Load(flags *Flags, env []string) (*Config, error) {
	cfg := Default()
	if flags != nil && flags.ConfigFile != "" {
		if err := loadFile(&cfg, flags.ConfigFile); err != nil {
			return nil, err
		}
	}
	if err := applyEnv(&cfg, env); err != nil {
		return nil, err
	}
	if flags != nil && flags.fs != nil {
		var ferr error
		flags.fs.Visit(func(fl *flag.Flag) {
			if ferr != nil {
				return
			}
			for _, ff := range flagFields {
				if ff.name == fl.Name {
					ferr = setPath(&cfg, ff.path, *flags.values[ff.name], "flag --"+ff.name)
				}
			}
		})
		if ferr != nil {
			return nil, ferr
		}
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &cfg, nil
}

func loadFile(cfg *Config, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("read config file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileBytes+1))
	if err != nil {
		return fmt.Errorf("read config file %s: %w", path, err)
	}
	if len(data) > maxFileBytes {
		return fmt.Errorf("config file %s: larger than %d bytes", path, maxFileBytes)
	}
	return decodeYAML(cfg, data, path)
}

// decodeYAML decodes strictly: an unknown field is an error naming the line.
func decodeYAML(cfg *Config, data []byte, name string) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil {
		if errors.Is(err, io.EOF) {
			return nil // empty file: defaults
		}
		return fmt.Errorf("config file %s: %s", name, strings.TrimPrefix(redactYAMLError(err, data), "yaml: "))
	}
	return nil
}

// secretPaths are the YAML paths of the fields tagged secret:"true".
var secretPaths = func() map[string]bool {
	out := map[string]bool{}
	var walkType func(t reflect.Type, prefix string)
	walkType = func(t reflect.Type, prefix string) {
		for i := 0; i < t.NumField(); i++ {
			sf := t.Field(i)
			tag := strings.Split(sf.Tag.Get("yaml"), ",")[0]
			if tag == "" || tag == "-" {
				continue
			}
			path := tag
			if prefix != "" {
				path = prefix + "." + tag
			}
			if sf.Tag.Get("secret") == "true" {
				out[path] = true
			}
			if sf.Type.Kind() == reflect.Struct {
				walkType(sf.Type, path)
			}
		}
	}
	walkType(reflect.TypeOf(Config{}), "")
	return out
}()

// SecretPaths lists the YAML paths of the fields that hold credentials.
func SecretPaths() []string {
	out := make([]string, 0, len(secretPaths))
	for p := range secretPaths {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// yamlQuoted is how yaml.v3 quotes a value in a type error: `abcdefg...`.
var yamlQuoted = regexp.MustCompile("`[^`]*`")

// redactYAMLError keeps yaml's error but drops the values it quotes on the
// lines of secret fields ("cannot unmarshal !!str `tok-abc...` into
// []string" would show a token's first characters).
func redactYAMLError(err error, data []byte) string {
	msg := err.Error()
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return msg
	}
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil {
		return yamlQuoted.ReplaceAllString(msg, "(value not shown)")
	}
	lines := map[int]bool{}
	var mark func(n *yaml.Node)
	mark = func(n *yaml.Node) {
		lines[n.Line] = true
		for _, c := range n.Content {
			mark(c)
		}
	}
	var find func(n *yaml.Node, prefix string)
	find = func(n *yaml.Node, prefix string) {
		for n.Kind == yaml.DocumentNode || n.Kind == yaml.AliasNode {
			if n.Kind == yaml.AliasNode {
				n = n.Alias
			} else if len(n.Content) == 1 {
				n = n.Content[0]
			} else {
				return
			}
		}
		if n.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			path := n.Content[i].Value
			if prefix != "" {
				path = prefix + "." + path
			}
			if secretPaths[path] {
				mark(n.Content[i+1])
				continue
			}
			find(n.Content[i+1], path)
		}
	}
	find(&doc, "")
	out := make([]string, 0, len(te.Errors))
	for _, e := range te.Errors {
		var line int
		if _, err := fmt.Sscanf(e, "line %d:", &line); err == nil && lines[line] {
			e = yamlQuoted.ReplaceAllString(e, "(value not shown: a secret)")
		}
		out = append(out, e)
	}
	return "unmarshal errors:\n  " + strings.Join(out, "\n  ")
}

// EnvVars lists every RADFLAG_* variable the configuration understands, for
// documentation and for refusing misspelt ones.
func EnvVars() []string {
	var out []string
	walk(reflect.ValueOf(&Config{}).Elem(), "", func(path string, _ reflect.Value) {
		out = append(out, envName(path))
	})
	sort.Strings(out)
	return out
}

func envName(path string) string {
	return "RADFLAG_" + strings.ToUpper(strings.ReplaceAll(path, ".", "_"))
}

func applyEnv(cfg *Config, env []string) error {
	known := map[string]string{}
	walk(reflect.ValueOf(cfg).Elem(), "", func(path string, _ reflect.Value) {
		known[envName(path)] = path
	})
	keys := make([]string, 0)
	vals := map[string]string{}
	for _, kv := range env {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(k, "RADFLAG_") {
			continue
		}
		keys = append(keys, k)
		vals[k] = v
	}
	sort.Strings(keys)
	for _, k := range keys {
		path, ok := known[k]
		if !ok {
			// Variables that configure tests or tools, not the service.
			if strings.HasPrefix(k, "RADFLAG_TEST_") {
				continue
			}
			return &FieldError{Field: k, Source: "env", Reason: "unknown variable (see README, Configuration)"}
		}
		if err := setPath(cfg, path, vals[k], "env "+k); err != nil {
			return err
		}
	}
	return nil
}

// walk calls fn for every leaf field with its YAML path.
func walk(v reflect.Value, prefix string, fn func(path string, v reflect.Value)) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		tag := strings.Split(sf.Tag.Get("yaml"), ",")[0]
		if tag == "" || tag == "-" {
			continue
		}
		path := tag
		if prefix != "" {
			path = prefix + "." + tag
		}
		fv := v.Field(i)
		if fv.Kind() == reflect.Struct && !isLeafStruct(fv) {
			walk(fv, path, fn)
			continue
		}
		fn(path, fv)
	}
}

func isLeafStruct(v reflect.Value) bool {
	_, ok := v.Addr().Interface().(encoding.TextUnmarshaler)
	return ok
}

func fieldByPath(v reflect.Value, path string) (reflect.Value, bool) {
	var found reflect.Value
	walk(v, "", func(p string, fv reflect.Value) {
		if p == path {
			found = fv
		}
	})
	return found, found.IsValid()
}

func setPath(cfg *Config, path, raw, source string) error {
	fv, ok := fieldByPath(reflect.ValueOf(cfg).Elem(), path)
	if !ok {
		return &FieldError{Field: path, Source: source, Reason: "no such field"}
	}
	if err := setValue(fv, raw); err != nil {
		reason := err.Error()
		if secretPaths[path] {
			// setValue's errors quote the value.
			reason = "not a valid value (not shown: it is a secret)"
			if fv.Kind() == reflect.Map {
				reason = "want name=value pairs separated by commas (value not shown: it is a secret)"
			}
		}
		return &FieldError{Field: path, Source: source, Reason: reason}
	}
	return nil
}

// setValue parses a string (from env or a flag) into a field.
func setValue(v reflect.Value, raw string) error {
	if tu, ok := v.Addr().Interface().(encoding.TextUnmarshaler); ok {
		return tu.UnmarshalText([]byte(raw))
	}
	raw = strings.TrimSpace(raw)
	switch v.Kind() {
	case reflect.String:
		v.SetString(raw)
	case reflect.Bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return fmt.Errorf("not a boolean: %q", raw)
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int64:
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return fmt.Errorf("not an integer: %q", raw)
		}
		v.SetInt(n)
	case reflect.Slice:
		if v.Type().Elem().Kind() != reflect.String {
			return fmt.Errorf("unsupported list type %s", v.Type())
		}
		var items []string
		for _, s := range strings.Split(raw, ",") {
			if s = strings.TrimSpace(s); s != "" {
				items = append(items, s)
			}
		}
		v.Set(reflect.ValueOf(items))
	case reflect.Map:
		// task=dir,task2=dir2
		m := reflect.MakeMap(v.Type())
		for _, s := range strings.Split(raw, ",") {
			if s = strings.TrimSpace(s); s == "" {
				continue
			}
			k, val, ok := strings.Cut(s, "=")
			if !ok {
				return fmt.Errorf("want key=value pairs separated by commas, got %q", s)
			}
			m.SetMapIndex(reflect.ValueOf(strings.TrimSpace(k)), reflect.ValueOf(strings.TrimSpace(val)))
		}
		v.Set(m)
	default:
		return fmt.Errorf("unsupported type %s", v.Type())
	}
	return nil
}

func formatValue(v reflect.Value) string {
	if !v.IsValid() {
		return ""
	}
	if s, ok := v.Interface().(fmt.Stringer); ok {
		return s.String()
	}
	if v.Kind() == reflect.Slice {
		parts := make([]string, v.Len())
		for i := range parts {
			parts[i] = fmt.Sprint(v.Index(i).Interface())
		}
		return strings.Join(parts, ",")
	}
	return fmt.Sprint(v.Interface())
}
