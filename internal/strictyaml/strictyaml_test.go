package strictyaml

import (
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestSuggest(t *testing.T) {
	keys := []string{"policy", "layers", "appointment_id", "live"}
	tests := []struct{ in, want string }{
		{"polcy", "policy"},      // one deletion
		{"plociy", "policy"},     // transposition counts one
		{"LAYERS", "layers"},     // case ignored
		{"lvie", "live"},         // transposition in a short word
		{"id", "appointment_id"}, // a part of the name
		{"frobnicate", ""},       // nothing close: no guess
		{"x", ""},                // one letter is contained in many names: no guess
	}
	for _, tt := range tests {
		if got := Suggest(tt.in, keys); got != tt.want {
			t.Errorf("Suggest(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMappingRefusesUnknownKeysButExtensions(t *testing.T) {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte("policy: seed\nx-note: free\npolcy: hardened\n"), &doc); err != nil {
		t.Fatal(err)
	}
	w := Walker{File: "f.yaml"}
	_, err := w.Mapping(doc.Content[0], "", "policy", "layers")
	if err == nil || err.Error() != `f.yaml:3:1: polcy: unknown key "polcy" (did you mean "policy"?)` {
		t.Fatalf("err = %v", err)
	}
	m, err := w.Mapping(doc.Content[0].Content[0], "", "policy")
	if err == nil || !strings.Contains(err.Error(), "must be a mapping") || m != nil {
		t.Fatalf("scalar as mapping: %v", err)
	}
}
