package blackbox

import (
	"fmt"
	"net"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Variables the harness sets for a service it starts, besides those sut.yaml names.
const (
	// EnvPort is a free loopback port chosen for the service: use it as ${HARNESS_PORT} in
	// base_url and command, so parallel runs never collide on a fixed port.
	EnvPort = "HARNESS_PORT"
	// EnvExecutable is the path of the running harness binary, so a sut.yaml can start
	// `${BOOKINGHARNESS} serve-core …`.
	EnvExecutable = "BOOKINGHARNESS"
)

// serviceEnv is the environment a started service gets, kept as a map for ${NAME} expansion
// and as an ordered list for exec.
type serviceEnv struct {
	vars map[string]string
}

// newServiceEnv starts from the harness's own environment, minus libfaketime's variables (a
// stray FAKETIME would override the harness's timestamp file).
func newServiceEnv() *serviceEnv {
	e := &serviceEnv{vars: map[string]string{}}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "FAKETIME") {
			continue
		}
		e.vars[k] = v
	}
	return e
}

func (e *serviceEnv) set(k, v string) { e.vars[k] = v }

// list renders the environment for exec.Cmd.Env, sorted so runs are reproducible.
func (e *serviceEnv) list() []string {
	out := make([]string, 0, len(e.vars))
	for k, v := range e.vars {
		out = append(out, k+"="+v)
	}
	slices.Sort(out)
	return out
}

var reference = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// expand replaces every ${NAME} in s from the environment; an unset NAME is an error naming
// it (where says which setting), never an empty string that would start the wrong thing.
func (e *serviceEnv) expand(where, s string) (string, error) {
	var missing []string
	out := reference.ReplaceAllStringFunc(s, func(m string) string {
		name := m[2 : len(m)-1]
		v, ok := e.vars[name]
		if !ok {
			missing = append(missing, name)
		}
		return v
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("%s: ${%s} is not set (the harness sets %s, %s, the calcom_env and database.dsn_env names, and env:)",
			where, missing[0], EnvPort, EnvExecutable)
	}
	return out, nil
}

// expandAll expands every argument of argv.
func (e *serviceEnv) expandAll(where string, argv []string) ([]string, error) {
	out := make([]string, len(argv))
	for i, a := range argv {
		v, err := e.expand(fmt.Sprintf("%s[%d]", where, i), a)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// freePort asks the kernel for a free port on 127.0.0.1. Another process could take it
// before the service binds it; the service then fails its health check with a clear log.
func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("blackbox: find a free port: %w", err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port), nil
}
