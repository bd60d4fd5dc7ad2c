package incident

import (
	"go.yaml.in/yaml/v3"

	"github.com/bookingharness/bookingharness/internal/strictyaml"
)

// ExtensionPrefix starts the keys the parser leaves to users (x-note, x-ticket): any other
// key it does not know is an error, so a typo can never silently change what runs.
const ExtensionPrefix = strictyaml.ExtensionPrefix

// parser walks a yaml.Node tree strictly (internal/strictyaml), so every error can name the
// node's line and the field's path; it checks keys against the format's tables (keys) and
// records the round-two vocabulary the file uses.
type parser struct {
	strictyaml.Walker
	keys *keyNames
	uses []Use
}

// newParser is a parser for the file named file.
func newParser(file string) *parser {
	return &parser{Walker: strictyaml.Walker{File: file}, keys: newKeyNames()}
}

// use records a use of the round-two vocabulary at n.
func (p *parser) use(n *yaml.Node, field, feature string) {
	u := Use{Feature: feature, Field: field, Line: 1, Column: 1}
	if n != nil && n.Line >= 1 {
		u.Line, u.Column = n.Line, max(n.Column, 1)
	}
	p.uses = append(p.uses, u)
}
