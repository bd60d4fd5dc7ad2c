package gendoc

import (
	"strings"
	"testing"
)

func TestSplit(t *testing.T) {
	b, e := BeginMarker("pic"), EndMarker("pic")
	tests := []struct {
		name, text            string
		before, section, rest string
		err                   string
	}{
		{"a section", "# T\n" + b + "\nx\ny\n" + e + "\ntail\n", "# T\n" + b + "\n", "x\ny\n", e + "\ntail\n", ""},
		{"an empty section", b + "\n" + e + "\n", b + "\n", "", e + "\n", ""},
		{"no begin", "x\n" + e + "\n", "", "", "", "exactly once"},
		{"no end", b + "\nx\n", "", "", "", "after the begin marker"},
		{"end before begin", e + "\n" + b + "\nx\n", "", "", "", "after the begin marker"},
		{"two begins", b + "\n" + b + "\n" + e + "\n", "", "", "", "exactly once"},
		{"end not on its own line", b + "\nx" + e + "\n", "", "", "", "after the begin marker"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, section, rest, err := split(tt.text, "pic")
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil || before != tt.before || section != tt.section || rest != tt.rest {
				t.Fatalf("split = %q, %q, %q, %v", before, section, rest, err)
			}
			if before+section+rest != tt.text {
				t.Fatal("the parts do not add up to the text")
			}
		})
	}
}

func TestRegenerateNamesThisPackageAndTest(t *testing.T) {
	t.Run("sub", func(t *testing.T) {
		if got, want := regenerate(t), "UPDATE_DOCS=1 go test ./internal/gendoc -run '^TestRegenerateNamesThisPackageAndTest$'"; got != want {
			t.Fatalf("regenerate = %q, want %q", got, want)
		}
	})
}
