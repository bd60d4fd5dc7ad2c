package incident

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// parser walks a yaml.Node tree, so every error can name the node's line and the field's
// path.
type parser struct {
	file string
	uses []Use
}

// use records a use of the round-two vocabulary at n.
func (p *parser) use(n *yaml.Node, field, feature string) {
	u := Use{Feature: feature, Field: field, Line: 1, Column: 1}
	if n != nil && n.Line >= 1 {
		u.Line, u.Column = n.Line, max(n.Column, 1)
	}
	p.uses = append(p.uses, u)
}

func (p *parser) errAt(n *yaml.Node, field, format string, args ...any) *Error {
	line, col := 1, 1
	if n != nil && n.Line >= 1 {
		line, col = n.Line, max(n.Column, 1)
	}
	return &Error{File: p.file, Line: line, Column: col, Field: field, Msg: fmt.Sprintf(format, args...)}
}

var syntaxLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxError turns a YAML parser error into an *Error with the line it names.
func (p *parser) syntaxError(err error) *Error {
	msg := err.Error()
	line := 1
	if m := syntaxLine.FindStringSubmatch(msg); m != nil {
		if l, convErr := strconv.Atoi(m[1]); convErr == nil && l >= 1 {
			line = l
		}
		msg = m[2]
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	return &Error{File: p.file, Line: line, Column: 1, Msg: "invalid YAML: " + msg}
}

// deref follows aliases (*anchor) to the node they name.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "empty"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "unsupported YAML"
}

// ExtensionPrefix starts the keys the parser leaves to users (x-note, x-ticket): any other
// key it does not know is an error, so a typo can never silently change what runs.
const ExtensionPrefix = "x-"

// mapping checks n is a mapping without duplicate keys and returns the values of the keys
// in known. A key that is not known and does not start with ExtensionPrefix is an error at
// the key, with a did-you-mean from known.
func (p *parser) mapping(n *yaml.Node, path string, known ...string) (map[string]*yaml.Node, error) {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, p.errAt(n, path, "must be a mapping (key: value), got %s", kindName(n))
	}
	out := make(map[string]*yaml.Node)
	seen := make(map[string]bool)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), n.Content[i+1]
		if k == nil || k.Kind != yaml.ScalarNode {
			return nil, p.errAt(n.Content[i], path, "keys must be plain names")
		}
		if seen[k.Value] {
			return nil, p.errAt(k, join(path, k.Value), "duplicate key")
		}
		seen[k.Value] = true
		if strings.HasPrefix(k.Value, ExtensionPrefix) {
			continue
		}
		if !slices.Contains(known, k.Value) {
			return nil, p.errAt(k, join(path, k.Value), "unknown key %q%s", k.Value, unknownHint(k.Value, known))
		}
		out[k.Value] = deref(v)
	}
	return out, nil
}

// present returns which of keys m holds, in the order of keys.
func present(m map[string]*yaml.Node, keys []string) []string {
	var out []string
	for _, k := range keys {
		if _, ok := m[k]; ok {
			out = append(out, k)
		}
	}
	return out
}

// exactlyOne returns the one key of keys that m (the mapping at n) holds, or an error.
func (p *parser) exactlyOne(n *yaml.Node, m map[string]*yaml.Node, path string, keys []string) (string, error) {
	given := present(m, keys)
	if len(given) != 1 {
		return "", p.errAt(n, path, "needs exactly one of: %s (got %d)", strings.Join(keys, ", "), len(given))
	}
	return given[0], nil
}

// sequence checks n is a list and returns its items.
func (p *parser) sequence(n *yaml.Node, path string) ([]*yaml.Node, error) {
	n = deref(n)
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil, p.errAt(n, path, "must be a list, got %s", kindName(n))
	}
	items := make([]*yaml.Node, len(n.Content))
	for i, c := range n.Content {
		items[i] = deref(c)
	}
	return items, nil
}

func isNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

// required returns m[key] or an error at parent naming the missing field.
func (p *parser) required(m map[string]*yaml.Node, parent *yaml.Node, path, key string) (*yaml.Node, error) {
	n := m[key]
	if isNull(n) {
		if n != nil {
			return nil, p.errAt(n, join(path, key), "is required and must not be empty")
		}
		return nil, p.errAt(deref(parent), join(path, key), "is required")
	}
	return n, nil
}

func (p *parser) str(n *yaml.Node, path string) (string, error) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return "", p.errAt(n, path, "must be a text value, got %s", kindName(n))
	}
	return n.Value, nil
}

// oneOf reads a string that must be one of allowed.
func (p *parser) oneOf(n *yaml.Node, path string, allowed ...string) (string, error) {
	s, err := p.str(n, path)
	if err != nil {
		return "", err
	}
	if slices.Contains(allowed, s) {
		return s, nil
	}
	if near := suggest(s, allowed); near != "" {
		return "", p.errAt(n, path, "unknown value %q (did you mean %q? want one of: %s)", s, near, strings.Join(allowed, ", "))
	}
	return "", p.errAt(n, path, "unknown value %q (want one of: %s)", s, strings.Join(allowed, ", "))
}

func (p *parser) integer(n *yaml.Node, path string) (int64, error) {
	var v int64
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" || n.Decode(&v) != nil {
		return 0, p.errAt(n, path, "must be a whole number, got %s", kindName(n))
	}
	return v, nil
}

func (p *parser) boolean(n *yaml.Node, path string) (bool, error) {
	var v bool
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" || n.Decode(&v) != nil {
		return false, p.errAt(n, path, "must be true or false, got %s", kindName(n))
	}
	return v, nil
}

// duration reads Go duration syntax (35m, 12s, -27s) or a plain 0.
func (p *parser) duration(n *yaml.Node, path string) (time.Duration, error) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return 0, p.errAt(n, path, "must be a duration such as 35m or 12s, got %s", kindName(n))
	}
	if n.Value == "0" {
		return 0, nil
	}
	d, err := time.ParseDuration(n.Value)
	if err != nil {
		return 0, p.errAt(n, path, "invalid duration %q (use Go syntax such as 35m, 12s, 1h30m, -27s, or 0)", n.Value)
	}
	return d, nil
}

// timestamp reads an RFC 3339 time and returns it in UTC.
func (p *parser) timestamp(n *yaml.Node, path string) (time.Time, error) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return time.Time{}, p.errAt(n, path, "must be an RFC 3339 time such as 2025-10-10T06:00:00Z, got %s", kindName(n))
	}
	t, err := time.Parse(time.RFC3339Nano, n.Value)
	if err != nil {
		return time.Time{}, p.errAt(n, path, "invalid time %q (want RFC 3339 such as 2025-10-10T06:00:00Z)", n.Value)
	}
	return t.UTC(), nil
}
