package blackbox

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/bookingharness/bookingharness/internal/strictyaml"
	"go.yaml.in/yaml/v3"
)

// TimeMode is how the harness moves the service's time (sut.yaml's time:).
type TimeMode string

// The time modes.
const (
	// TimeAge: the service keeps its wall clock; a gap is simulated by ageing — the fake
	// Cal.com moves every booking's createdAt/updatedAt back by the gap, and database.age
	// (optional) ages the service's own rows.
	TimeAge TimeMode = "age"
	// TimeHeader: the service honours X-Harness-Now (a test build), sent on every call.
	TimeHeader TimeMode = "header"
	// TimeFaketime: the service runs under libfaketime with a timestamp file the harness
	// rewrites to advance its clock (command only; not for Go binaries, which bypass libc).
	TimeFaketime TimeMode = "faketime"
)

// TimeModes lists the time modes, from the cheapest to arrange.
func TimeModes() []TimeMode { return []TimeMode{TimeAge, TimeHeader, TimeFaketime} }

// SUT is a parsed sut.yaml: how to reach or start the service under test, how to read its
// appointments and how it keeps time. Parse it with LoadSUT or ParseSUT.
type SUT struct {
	// File is the path it was read from; Dir is the directory command, migrate and workdir
	// are relative to.
	File, Dir string
	// BaseURL is the service's root; with Command it usually holds ${HARNESS_PORT}.
	BaseURL string
	// Command starts the service (the harness stops it); empty when the service is already
	// running at BaseURL. ${NAME} in its arguments is replaced from the service's environment.
	Command []string
	// Env is extra environment for Command (values may use ${NAME}).
	Env map[string]string
	// Workdir is where Command and the migrations run (default Dir).
	Workdir string
	// Health is the path that answers 200 once the service is ready.
	Health string
	// CalcomEnv names the environment variables the service reads the Cal.com URL and API
	// key from.
	CalcomEnv CalcomEnv
	// Database says how to give the service a database and read its appointments.
	Database Database
	// Time is how the harness moves the service's time (default TimeAge).
	Time TimeMode
	// Paths are the contract's routes (Health is the health key above).
	Paths Paths
	// Timeout bounds one contract call (default DefaultCallTimeout); StartTimeout bounds the
	// wait for health after start (default DefaultStartTimeout).
	Timeout, StartTimeout time.Duration
	// Policy is whose expectations judge the service unless a command says otherwise: seed
	// for a port of the seed design, hardened (the default) for every other service.
	Policy string
	// Webhooks is the service's own Cal.com webhook receiver; nil when it has none.
	Webhooks *Webhooks
	// Skip lists catalogue files (by incident name or file name) the service declares it
	// cannot take, each with the reason the report prints.
	Skip map[string]string
}

// Webhooks is sut.yaml's webhooks: where the service receives Cal.com's webhooks and which
// environment variable it reads their signing secret from (the harness chooses the secret
// for each run and subscribes base_url+Path at the fake Cal.com with it).
type Webhooks struct {
	Path      string
	SecretEnv string
}

// CalcomEnv names the service's Cal.com environment variables.
type CalcomEnv struct {
	BaseURL string
	APIKey  string
}

// Database is sut.yaml's database: section.
type Database struct {
	// DSNEnv is the environment variable holding the service's database DSN: with command the
	// harness makes a fresh database and sets it; with base_url the harness reads it from its
	// own environment.
	DSNEnv string
	// Migrate is the service's own migration command, run once on the fresh database
	// (command only).
	Migrate []string
	// Appointments is the read-only SELECT with the checker's column aliases (see
	// AppointmentColumns).
	Appointments string
	// Reset forgets every booking (optional; run after the service's own reset route).
	Reset string
	// Age ages the service's rows by the gap, given as $1::interval (optional; time: age).
	Age string
	// Proxy says whether the harness may put its Postgres wire proxy between the service and
	// its database (database faults, crash: before_settle, the concurrency measured inside
	// the service); nil means yes (the default).
	Proxy *bool
}

// ProxyAllowed reports whether the harness may put its wire proxy in front of the service's
// database: database.proxy is not false, and the harness makes the database (command:).
func (d Database) ProxyAllowed(s *SUT) bool { return s.Command != nil && (d.Proxy == nil || *d.Proxy) }

// DefaultStartTimeout bounds the wait for a started service's health.
const DefaultStartTimeout = 30 * time.Second

// LoadSUT reads and parses a sut.yaml. Every error is a *FileError.
func LoadSUT(path string) (*SUT, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &FileError{File: path, Line: 1, Column: 1, Msg: fmt.Sprintf("cannot read sut file: %v", err)}
	}
	return ParseSUT(path, data)
}

// ParseSUT parses a sut.yaml read from path (used in errors and to resolve relative
// directories). Unknown keys are errors with a did-you-mean unless they start with x-.
func ParseSUT(path string, data []byte) (*SUT, error) {
	p := nodes{strictyaml.Walker{File: path}}
	if path == "" {
		p.File = "sut.yaml"
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, p.ErrAt(nil, "", "empty sut file")
		}
		return nil, p.SyntaxError(err)
	}
	if len(doc.Content) == 0 || strictyaml.IsNull(strictyaml.Deref(doc.Content[0])) {
		return nil, p.ErrAt(&doc, "", "empty sut file")
	}
	var next yaml.Node
	if err := dec.Decode(&next); !errors.Is(err, io.EOF) {
		return nil, p.ErrAt(&next, "", "the file holds more than one YAML document")
	}
	root := strictyaml.Deref(doc.Content[0])
	s, err := p.sut(root)
	if err != nil {
		return nil, err
	}
	s.File = path
	abs, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return nil, p.ErrAt(nil, "", "cannot resolve the file's directory: %v", err)
	}
	s.Dir = abs
	if s.Workdir == "" {
		s.Workdir = abs
	} else if !filepath.IsAbs(s.Workdir) {
		s.Workdir = filepath.Join(abs, s.Workdir)
	}
	return s, nil
}

func (p nodes) sut(root *yaml.Node) (*SUT, error) {
	m, err := p.Mapping(root, "", "base_url", "command", "env", "workdir", "health", "calcom_env", "database", "time", "paths", "timeout", "start_timeout",
		"policy", "webhooks", "skip")
	if err != nil {
		return nil, err
	}
	s := &SUT{Time: TimeAge, Health: DefaultPaths().Health}
	if n := m["base_url"]; !strictyaml.IsNull(n) {
		if s.BaseURL, err = p.nonEmpty(n, "base_url"); err != nil {
			return nil, err
		}
	}
	if n := m["command"]; !strictyaml.IsNull(n) {
		if s.Command, err = p.argv(n, "command"); err != nil {
			return nil, err
		}
	}
	if s.BaseURL == "" {
		return nil, p.ErrAt(root, "base_url", "is required: the service's root URL on loopback, e.g. http://127.0.0.1:${HARNESS_PORT} with command, or http://127.0.0.1:8081 for a service you started")
	}
	if n := m["env"]; !strictyaml.IsNull(n) {
		if s.Command == nil {
			return nil, p.ErrAt(n, "env", "needs command: the harness passes environment only to a service it starts")
		}
		if s.Env, err = p.env(n); err != nil {
			return nil, err
		}
	}
	if n := m["workdir"]; !strictyaml.IsNull(n) {
		if s.Workdir, err = p.nonEmpty(n, "workdir"); err != nil {
			return nil, err
		}
	}
	if n := m["health"]; !strictyaml.IsNull(n) {
		if s.Health, err = p.route(n, "health"); err != nil {
			return nil, err
		}
	}
	if err := p.calcomEnv(m, root, s); err != nil {
		return nil, err
	}
	if err := p.database(m, root, s); err != nil {
		return nil, err
	}
	if n := m["time"]; !strictyaml.IsNull(n) {
		mode, err := p.OneOf(n, "time", string(TimeAge), string(TimeHeader), string(TimeFaketime))
		if err != nil {
			return nil, err
		}
		s.Time = TimeMode(mode)
		if s.Time == TimeFaketime && s.Command == nil {
			return nil, p.ErrAt(n, "time", "faketime needs command: the harness can run only a service it starts under libfaketime")
		}
	}
	if n := m["paths"]; !strictyaml.IsNull(n) {
		if err := p.paths(n, s); err != nil {
			return nil, err
		}
	}
	s.Paths.Health = s.Health
	s.Paths = s.Paths.WithDefaults()
	if n := m["timeout"]; !strictyaml.IsNull(n) {
		if s.Timeout, err = p.positiveDuration(n, "timeout"); err != nil {
			return nil, err
		}
	}
	if n := m["start_timeout"]; !strictyaml.IsNull(n) {
		if s.StartTimeout, err = p.positiveDuration(n, "start_timeout"); err != nil {
			return nil, err
		}
	}
	if err := p.judging(m, s); err != nil {
		return nil, err
	}
	if s.Timeout == 0 {
		s.Timeout = DefaultCallTimeout
	}
	if s.StartTimeout == 0 {
		s.StartTimeout = DefaultStartTimeout
	}
	return s, nil
}

func (p nodes) env(n *yaml.Node) (map[string]string, error) {
	if n.Kind != yaml.MappingNode {
		return nil, p.ErrAt(n, "env", "must be a mapping NAME: value, got %s", strictyaml.KindName(n))
	}
	out := map[string]string{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := strictyaml.Deref(n.Content[i]), strictyaml.Deref(n.Content[i+1])
		path := strictyaml.Join("env", k.Value)
		if !envName.MatchString(k.Value) {
			return nil, p.ErrAt(k, path, "%q is not an environment variable name", k.Value)
		}
		if _, dup := out[k.Value]; dup {
			return nil, p.ErrAt(k, path, "duplicate key")
		}
		if v.Kind != yaml.ScalarNode {
			return nil, p.ErrAt(v, path, "must be a text value, got %s", strictyaml.KindName(v))
		}
		out[k.Value] = v.Value
	}
	return out, nil
}

func (p nodes) route(n *yaml.Node, path string) (string, error) {
	s, err := p.nonEmpty(n, path)
	if err == nil && !strings.HasPrefix(s, "/") {
		err = p.ErrAt(n, path, "%q must be a path starting with /", s)
	}
	return s, err
}

func (p nodes) calcomEnv(m map[string]*yaml.Node, root *yaml.Node, s *SUT) error {
	n := m["calcom_env"]
	if strictyaml.IsNull(n) {
		if s.Command != nil {
			return p.ErrAt(root, "calcom_env", "is required with command: name the variables your service reads the Cal.com URL and key from, e.g. {base_url: CALCOM_BASE_URL, api_key: CALCOM_API_KEY}")
		}
		return nil
	}
	if s.Command == nil {
		return p.ErrAt(n, "calcom_env", "needs command: a service you started yourself must be pointed at the harness's fake Cal.com by you")
	}
	cm, err := p.Mapping(n, "calcom_env", "base_url", "api_key")
	if err != nil {
		return err
	}
	for _, f := range []struct {
		key string
		dst *string
	}{{"base_url", &s.CalcomEnv.BaseURL}, {"api_key", &s.CalcomEnv.APIKey}} {
		key, dst := f.key, f.dst
		v := cm[key]
		if strictyaml.IsNull(v) {
			return p.ErrAt(n, strictyaml.Join("calcom_env", key), "is required")
		}
		if *dst, err = p.envVar(v, strictyaml.Join("calcom_env", key)); err != nil {
			return err
		}
	}
	return nil
}

func (p nodes) database(m map[string]*yaml.Node, root *yaml.Node, s *SUT) error {
	n := m["database"]
	if strictyaml.IsNull(n) {
		return p.ErrAt(root, "database", "is required: the harness reads the service's appointments with database.appointments")
	}
	dm, err := p.Mapping(n, "database", "dsn_env", "migrate", "appointments", "reset", "age", "proxy")
	if err != nil {
		return err
	}
	d := &s.Database
	if v := dm["dsn_env"]; strictyaml.IsNull(v) {
		return p.ErrAt(n, "database.dsn_env", "is required: the environment variable that holds the service's database DSN")
	} else if d.DSNEnv, err = p.envVar(v, "database.dsn_env"); err != nil {
		return err
	}
	if v := dm["migrate"]; !strictyaml.IsNull(v) {
		if s.Command == nil {
			return p.ErrAt(v, "database.migrate", "needs command: the harness migrates only the fresh database it made for a service it starts")
		}
		if d.Migrate, err = p.argv(v, "database.migrate"); err != nil {
			return err
		}
	}
	if v := dm["appointments"]; strictyaml.IsNull(v) {
		return p.ErrAt(n, "database.appointments", "is required: a SELECT with the aliases %s", strings.Join(AppointmentColumns(), ", "))
	} else if d.Appointments, err = p.nonEmpty(v, "database.appointments"); err != nil {
		return err
	} else if !looksLikeSelect(d.Appointments) {
		return p.ErrAt(v, "database.appointments", "must be one SELECT (or WITH … SELECT) statement; it runs in a READ ONLY transaction")
	}
	for _, f := range []struct {
		key string
		dst *string
	}{{"reset", &d.Reset}, {"age", &d.Age}} {
		key, dst := f.key, f.dst
		if v := dm[key]; !strictyaml.IsNull(v) {
			if *dst, err = p.nonEmpty(v, strictyaml.Join("database", key)); err != nil {
				return err
			}
		}
	}
	if d.Age != "" && !strings.Contains(d.Age, "$1") {
		return p.ErrAt(dm["age"], "database.age", "must use the gap as $1 (e.g. UPDATE appointments SET created_at = created_at - $1::interval)")
	}
	if v := dm["proxy"]; !strictyaml.IsNull(v) {
		on, err := p.Boolean(v, "database.proxy")
		if err != nil {
			return err
		}
		if on && s.Command == nil {
			return p.ErrAt(v, "database.proxy", "needs command: the harness puts its proxy only in front of a database it makes for a service it starts")
		}
		d.Proxy = &on
	}
	return nil
}

// looksLikeSelect accepts SELECT, WITH and parenthesised statements; the READ ONLY
// transaction is the real guard.
func looksLikeSelect(sql string) bool {
	first := strings.ToUpper(strings.TrimLeft(strings.TrimSpace(sql), "("))
	return slices.ContainsFunc([]string{"SELECT", "WITH", "TABLE", "VALUES"}, func(k string) bool { return strings.HasPrefix(first, k) })
}

func (p nodes) paths(n *yaml.Node, s *SUT) error {
	pm, err := p.Mapping(n, "paths", "book", "cancel", "capabilities", "reset", "layers")
	if err != nil {
		return err
	}
	for _, f := range []struct {
		key string
		dst *string
	}{{"book", &s.Paths.Book}, {"cancel", &s.Paths.Cancel}, {"capabilities", &s.Paths.Capabilities}, {"reset", &s.Paths.Reset}, {"layers", &s.Paths.Layers}} {
		key, dst := f.key, f.dst
		if v := pm[key]; !strictyaml.IsNull(v) {
			if *dst, err = p.route(v, strictyaml.Join("paths", key)); err != nil {
				return err
			}
		}
	}
	return nil
}
