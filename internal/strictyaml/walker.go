package strictyaml

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// ExtensionPrefix starts the keys a walker leaves to users (x-note, x-ticket): any other key
// it does not know is an error, so a typo can never silently change what runs.
const ExtensionPrefix = "x-"

// Walker reads the nodes of one file strictly; File names it in every error.
type Walker struct {
	File string
}

// ErrAt is an *Error at n's line and column (1:1 when n has none) for field.
func (w Walker) ErrAt(n *yaml.Node, field, format string, args ...any) *Error {
	line, col := 1, 1
	if n != nil && n.Line >= 1 {
		line, col = n.Line, max(n.Column, 1)
	}
	return &Error{File: w.File, Line: line, Column: col, Field: field, Msg: fmt.Sprintf(format, args...)}
}

var syntaxLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// SyntaxError turns a YAML parser error into an *Error with the line it names.
func (w Walker) SyntaxError(err error) *Error {
	msg, line := err.Error(), 1
	if m := syntaxLine.FindStringSubmatch(msg); m != nil {
		if l, convErr := strconv.Atoi(m[1]); convErr == nil && l >= 1 {
			line = l
		}
		msg = m[2]
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	return &Error{File: w.File, Line: line, Column: 1, Msg: "invalid YAML: " + msg}
}

// Deref follows aliases (*anchor) to the node they name.
func Deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}

// IsNull reports whether n is absent or an empty value.
func IsNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

// Join appends key to a field path.
func Join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// KindName describes what a node holds, for "must be X, got Y" messages.
func KindName(n *yaml.Node) string {
	switch {
	case IsNull(n):
		return "empty"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case n.Kind == yaml.ScalarNode:
		return strconv.Quote(n.Value)
	}
	return "unsupported YAML"
}

// UnknownHint completes the message for an unknown name: a did-you-mean when a known name
// is close, otherwise the names valid at that place.
func UnknownHint(name string, known []string) string {
	if near := Suggest(name, known); near != "" {
		return fmt.Sprintf(" (did you mean %q?)", near)
	}
	return "; the keys here are " + strings.Join(known, ", ") + " (or your own, starting with " + ExtensionPrefix + ")"
}

// Mapping checks n is a mapping without duplicate keys and returns the values of the keys in
// known. A key that is not known and does not start with ExtensionPrefix is an error at the
// key, with a did-you-mean from known.
func (w Walker) Mapping(n *yaml.Node, path string, known ...string) (map[string]*yaml.Node, error) {
	n = Deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, w.ErrAt(n, path, "must be a mapping (key: value), got %s", KindName(n))
	}
	out := make(map[string]*yaml.Node)
	seen := make(map[string]bool)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := Deref(n.Content[i]), n.Content[i+1]
		if k == nil || k.Kind != yaml.ScalarNode {
			return nil, w.ErrAt(n.Content[i], path, "keys must be plain names")
		}
		if seen[k.Value] {
			return nil, w.ErrAt(k, Join(path, k.Value), "duplicate key")
		}
		seen[k.Value] = true
		if strings.HasPrefix(k.Value, ExtensionPrefix) {
			continue
		}
		if !slices.Contains(known, k.Value) {
			return nil, w.ErrAt(k, Join(path, k.Value), "unknown key %q%s", k.Value, UnknownHint(k.Value, known))
		}
		out[k.Value] = Deref(v)
	}
	return out, nil
}

// Present returns which of keys m holds, in the order of keys.
func Present(m map[string]*yaml.Node, keys []string) []string {
	var out []string
	for _, k := range keys {
		if _, ok := m[k]; ok {
			out = append(out, k)
		}
	}
	return out
}

// ExactlyOne returns the one key of keys that m (the mapping at n) holds, or an error.
func (w Walker) ExactlyOne(n *yaml.Node, m map[string]*yaml.Node, path string, keys []string) (string, error) {
	given := Present(m, keys)
	if len(given) != 1 {
		return "", w.ErrAt(n, path, "needs exactly one of: %s (got %d)", strings.Join(keys, ", "), len(given))
	}
	return given[0], nil
}

// Sequence checks n is a list and returns its items.
func (w Walker) Sequence(n *yaml.Node, path string) ([]*yaml.Node, error) {
	n = Deref(n)
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil, w.ErrAt(n, path, "must be a list, got %s", KindName(n))
	}
	items := make([]*yaml.Node, len(n.Content))
	for i, c := range n.Content {
		items[i] = Deref(c)
	}
	return items, nil
}

// Required returns m[key] or an error at parent naming the missing field.
func (w Walker) Required(m map[string]*yaml.Node, parent *yaml.Node, path, key string) (*yaml.Node, error) {
	n := m[key]
	if IsNull(n) {
		if n != nil {
			return nil, w.ErrAt(n, Join(path, key), "is required and must not be empty")
		}
		return nil, w.ErrAt(Deref(parent), Join(path, key), "is required")
	}
	return n, nil
}

// Str reads a text value.
func (w Walker) Str(n *yaml.Node, path string) (string, error) {
	if n == nil || n.Kind != yaml.ScalarNode || IsNull(n) {
		return "", w.ErrAt(n, path, "must be a text value, got %s", KindName(n))
	}
	return n.Value, nil
}

// OneOf reads a text value that must be one of allowed, suggesting the nearest on a typo.
func (w Walker) OneOf(n *yaml.Node, path string, allowed ...string) (string, error) {
	s, err := w.Str(n, path)
	if err != nil {
		return "", err
	}
	if slices.Contains(allowed, s) {
		return s, nil
	}
	if near := Suggest(s, allowed); near != "" {
		return "", w.ErrAt(n, path, "unknown value %q (did you mean %q? want one of: %s)", s, near, strings.Join(allowed, ", "))
	}
	return "", w.ErrAt(n, path, "unknown value %q (want one of: %s)", s, strings.Join(allowed, ", "))
}

// Integer reads a whole number.
func (w Walker) Integer(n *yaml.Node, path string) (int64, error) {
	var v int64
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag != "!!int" || n.Decode(&v) != nil {
		return 0, w.ErrAt(n, path, "must be a whole number, got %s", KindName(n))
	}
	return v, nil
}

// Boolean reads true or false.
func (w Walker) Boolean(n *yaml.Node, path string) (bool, error) {
	var v bool
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag != "!!bool" || n.Decode(&v) != nil {
		return false, w.ErrAt(n, path, "must be true or false, got %s", KindName(n))
	}
	return v, nil
}

// Duration reads Go duration syntax (35m, 12s, -27s) or a plain 0.
func (w Walker) Duration(n *yaml.Node, path string) (time.Duration, error) {
	if n == nil || n.Kind != yaml.ScalarNode || IsNull(n) {
		return 0, w.ErrAt(n, path, "must be a duration such as 35m or 12s, got %s", KindName(n))
	}
	if n.Value == "0" {
		return 0, nil
	}
	d, err := time.ParseDuration(n.Value)
	if err != nil {
		return 0, w.ErrAt(n, path, "invalid duration %q (use Go syntax such as 35m, 12s, 1h30m, -27s, or 0)", n.Value)
	}
	return d, nil
}

// Timestamp reads an RFC 3339 time and returns it in UTC.
func (w Walker) Timestamp(n *yaml.Node, path string) (time.Time, error) {
	if n == nil || n.Kind != yaml.ScalarNode || IsNull(n) {
		return time.Time{}, w.ErrAt(n, path, "must be an RFC 3339 time such as 2025-10-10T06:00:00Z, got %s", KindName(n))
	}
	t, err := time.Parse(time.RFC3339Nano, n.Value)
	if err != nil {
		return time.Time{}, w.ErrAt(n, path, "invalid time %q (want RFC 3339 such as 2025-10-10T06:00:00Z)", n.Value)
	}
	return t.UTC(), nil
}
