package blackbox

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/bookingharness/bookingharness/internal/strictyaml"
)

// FileError is an invalid sut.yaml: where (file, line, column), which field (a path such as
// database.appointments) and what is wrong. `bookingharness sut check` prints it and exits 2.
type FileError = strictyaml.Error

// nodes walks a sut.yaml strictly (internal/strictyaml, the same walker incident files use):
// unknown keys are errors with a did-you-mean unless they start with x-, so a typo can never
// silently change what runs. The methods here read what only sut.yaml has.
type nodes struct{ strictyaml.Walker }

// nonEmpty reads a text value that must not be blank.
func (p nodes) nonEmpty(n *yaml.Node, path string) (string, error) {
	s, err := p.Str(n, path)
	if err == nil && strings.TrimSpace(s) == "" {
		err = p.ErrAt(n, path, "must not be empty")
	}
	return s, err
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// envVar reads the name of an environment variable.
func (p nodes) envVar(n *yaml.Node, path string) (string, error) {
	s, err := p.Str(n, path)
	if err != nil {
		return "", err
	}
	if !envName.MatchString(s) {
		return "", p.ErrAt(n, path, "%q is not an environment variable name (letters, digits, _; e.g. DATABASE_URL)", s)
	}
	return s, nil
}

// argv reads a command as a non-empty list of text values.
func (p nodes) argv(n *yaml.Node, path string) ([]string, error) {
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		return nil, p.ErrAt(n, path, "must be a non-empty list such as [php, -S, \"127.0.0.1:${HARNESS_PORT}\"], got %s", strictyaml.KindName(n))
	}
	out := make([]string, 0, len(n.Content))
	for i, c := range n.Content {
		s, err := p.Str(strictyaml.Deref(c), fmt.Sprintf("%s[%d]", path, i))
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	if strings.TrimSpace(out[0]) == "" {
		return nil, p.ErrAt(n, path, "the program name is empty")
	}
	return out, nil
}

// positiveDuration reads Go duration syntax (30s, 2m); it must be positive.
func (p nodes) positiveDuration(n *yaml.Node, path string) (time.Duration, error) {
	s, err := p.Str(n, path)
	if err != nil {
		return 0, err
	}
	d, perr := time.ParseDuration(s)
	if perr != nil || d <= 0 {
		return 0, p.ErrAt(n, path, "%q is not a positive duration (Go syntax such as 10s, 2m)", s)
	}
	return d, nil
}
