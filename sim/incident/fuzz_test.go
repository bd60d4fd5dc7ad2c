package incident

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics and that every error is an *Error pointing at a
// real line, so `bookingharness replay` can always print file, line and field. The seed
// corpus is in testdata/fuzz/FuzzParse (the Call 687/688 example and several invalid files).
func FuzzParse(f *testing.F) {
	f.Add([]byte(base))
	f.Fuzz(func(t *testing.T, data []byte) {
		inc, err := Parse("fuzz.yaml", data)
		if err == nil {
			if inc == nil || inc.Clock.Start.IsZero() || inc.Name == "" {
				t.Fatalf("nil error with incomplete incident %+v", inc)
			}
			return
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("error %v (%T) is not an *Error", err, err)
		}
		if e.Line < 1 || e.Column < 1 || e.File != "fuzz.yaml" || e.Msg == "" {
			t.Fatalf("error without position or message: %#v", e)
		}
	})
}

// TestFuzzSeeds keeps the seed corpus meaningful: the Call 687/688 example, the anchors file and the
// round-two forms parse, and every other seed fails for the reason its name gives. Every
// seed in the directory must be listed, so a new one cannot go unchecked.
func TestFuzzSeeds(t *testing.T) {
	want := map[string]string{
		"design-example": "", "anchors": "",
		"empty": "empty incident file", "invalid-duration": "invalid duration", "invalid-time": "invalid time",
		"unknown-layer": "unknown value \"magic\"", "unknown-event-type": "not declared", "out-of-order": "before the previous step",
		"two-faults": "exactly one fault", "syntax-error": "invalid YAML",
		"round-two": "", "host-steps": "", "unknown-key": `unknown key "polcy" (did you mean "policy"?)`,
		"seed-slot-exclusion": "the seed policy has no slot_exclusion layer", "seats-missing": "is required for a seated event type",
		"webhook-remote": "is not on a loopback address",
	}
	entries, err := os.ReadDir("testdata/fuzz/FuzzParse")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(want) {
		t.Errorf("%d seeds in testdata/fuzz/FuzzParse, %d listed here", len(entries), len(want))
	}
	for name, msg := range want {
		raw, err := os.ReadFile(filepath.Join("testdata/fuzz/FuzzParse", name))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.SplitN(string(raw), "\n", 2)
		quoted := strings.TrimSuffix(strings.TrimSpace(lines[1]), ")")
		src, err := strconv.Unquote(strings.TrimPrefix(quoted, "[]byte("))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		_, err = Parse(name, []byte(src))
		if (msg == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), msg)) {
			t.Errorf("%s: err = %v, want %q", name, err, msg)
		}
	}
}

// FuzzParseCalcomFile checks the standalone fake's config parser the same way: no panic,
// every error an *Error with a position.
func FuzzParseCalcomFile(f *testing.F) {
	for _, path := range []string{"testdata/calcom.yaml", "testdata/round-two.yaml"} {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("calcom:\n  webhooks: {delivery: async, url: \"http://[::1]:1/h\"}\n  event_types: [{id: 1, kind: seated, length: 5, host: 1, seats: 2}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseCalcomFile("fuzz.yaml", data)
		if err == nil {
			if c == nil || (c.Webhooks != nil && c.Webhooks.URL == "") {
				t.Fatalf("nil error with an invalid config %+v", c)
			}
			return
		}
		var e *Error
		if !errors.As(err, &e) || e.Line < 1 || e.Column < 1 || e.File != "fuzz.yaml" || e.Msg == "" {
			t.Fatalf("error without position or message: %#v (%v)", e, err)
		}
	})
}
