package blackbox

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// FileError is an invalid sut.yaml: where (file, line, column), which field (a path such as
// database.appointments) and what is wrong. `bookingharness sut check` prints it and exits 2.
type FileError struct {
	File   string
	Line   int
	Column int
	Field  string
	Msg    string
}

// Error formats as file:line:col: field: msg, the form editors and CI logs link.
func (e *FileError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s: %s", e.File, e.Line, e.Column, e.Field, e.Msg)
}

// nodes walks a yaml.Node tree strictly: unknown keys are errors (with a did-you-mean)
// unless they start with x-, so a typo can never silently change what runs.
type nodes struct{ file string }

func (p nodes) errAt(n *yaml.Node, field, format string, args ...any) *FileError {
	line, col := 1, 1
	if n != nil && n.Line >= 1 {
		line, col = n.Line, max(n.Column, 1)
	}
	return &FileError{File: p.file, Line: line, Column: col, Field: field, Msg: fmt.Sprintf(format, args...)}
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func (p nodes) syntaxError(err error) *FileError {
	msg, line := err.Error(), 1
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	return &FileError{File: p.file, Line: max(line, 1), Column: 1, Msg: "invalid YAML: " + strings.TrimPrefix(msg, "yaml: ")}
}

func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool { return n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null") }

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func kindName(n *yaml.Node) string {
	switch {
	case n == nil || isNull(n):
		return "empty"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	}
	return strconv.Quote(n.Value)
}

// mapping checks n is a mapping of known keys (x-… keys skipped) and returns their values.
func (p nodes) mapping(n *yaml.Node, path string, known ...string) (map[string]*yaml.Node, error) {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, p.errAt(n, path, "must be a mapping (key: value), got %s", kindName(n))
	}
	out := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := deref(n.Content[i])
		if k == nil || k.Kind != yaml.ScalarNode {
			return nil, p.errAt(n.Content[i], path, "keys must be plain names")
		}
		if _, dup := out[k.Value]; dup {
			return nil, p.errAt(k, join(path, k.Value), "duplicate key")
		}
		if strings.HasPrefix(k.Value, "x-") {
			continue
		}
		if !slices.Contains(known, k.Value) {
			msg := fmt.Sprintf("unknown key %q", k.Value)
			if s := suggest(k.Value, known); s != "" {
				msg += fmt.Sprintf("; did you mean %q?", s)
			}
			msg += fmt.Sprintf(" (known: %s; keys starting with x- are free for you)", strings.Join(known, ", "))
			return nil, p.errAt(k, join(path, k.Value), "%s", msg)
		}
		out[k.Value] = deref(n.Content[i+1])
	}
	return out, nil
}

func (p nodes) str(n *yaml.Node, path string) (string, error) {
	if n.Kind != yaml.ScalarNode || isNull(n) {
		return "", p.errAt(n, path, "must be a text value, got %s", kindName(n))
	}
	return n.Value, nil
}

// nonEmpty reads a text value that must not be blank.
func (p nodes) nonEmpty(n *yaml.Node, path string) (string, error) {
	s, err := p.str(n, path)
	if err == nil && strings.TrimSpace(s) == "" {
		err = p.errAt(n, path, "must not be empty")
	}
	return s, err
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// envVar reads the name of an environment variable.
func (p nodes) envVar(n *yaml.Node, path string) (string, error) {
	s, err := p.str(n, path)
	if err != nil {
		return "", err
	}
	if !envName.MatchString(s) {
		return "", p.errAt(n, path, "%q is not an environment variable name (letters, digits, _; e.g. DATABASE_URL)", s)
	}
	return s, nil
}

// argv reads a command as a non-empty list of text values.
func (p nodes) argv(n *yaml.Node, path string) ([]string, error) {
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		return nil, p.errAt(n, path, "must be a non-empty list such as [php, -S, \"127.0.0.1:${HARNESS_PORT}\"], got %s", kindName(n))
	}
	out := make([]string, 0, len(n.Content))
	for i, c := range n.Content {
		s, err := p.str(deref(c), fmt.Sprintf("%s[%d]", path, i))
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	if strings.TrimSpace(out[0]) == "" {
		return nil, p.errAt(n, path, "the program name is empty")
	}
	return out, nil
}

// duration reads Go duration syntax (30s, 2m); it must be positive.
func (p nodes) duration(n *yaml.Node, path string) (time.Duration, error) {
	s, err := p.str(n, path)
	if err != nil {
		return 0, err
	}
	d, perr := time.ParseDuration(s)
	if perr != nil || d <= 0 {
		return 0, p.errAt(n, path, "%q is not a positive duration (Go syntax such as 10s, 2m)", s)
	}
	return d, nil
}

// oneOf reads a value that must be one of allowed, suggesting the nearest on a typo.
func (p nodes) oneOf(n *yaml.Node, path string, allowed ...string) (string, error) {
	s, err := p.str(n, path)
	if err != nil {
		return "", err
	}
	if slices.Contains(allowed, s) {
		return s, nil
	}
	msg := fmt.Sprintf("unknown value %q (want one of: %s)", s, strings.Join(allowed, ", "))
	if g := suggest(s, allowed); g != "" {
		msg = fmt.Sprintf("unknown value %q; did you mean %q? (want one of: %s)", s, g, strings.Join(allowed, ", "))
	}
	return "", p.errAt(n, path, "%s", msg)
}

// suggest returns the candidate nearest to word when it is close enough to be a typo
// (edit distance at most a third of the word, at least 1; or one contains the other), "".
func suggest(word string, candidates []string) string {
	best, bestD := "", 1<<30
	w := strings.ToLower(word)
	for _, c := range candidates {
		d := editDistance(w, strings.ToLower(c))
		if strings.Contains(c, w) || strings.Contains(w, c) {
			d = min(d, 1)
		}
		if d < bestD {
			best, bestD = c, d
		}
	}
	if bestD <= max(1, len(word)/3) {
		return best
	}
	return ""
}

// editDistance is the optimal-string-alignment distance between a and b: insertions,
// deletions, substitutions and swaps of neighbours ("lvie" → "live") cost 1 each. Names
// are ASCII, so bytes suffice.
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
