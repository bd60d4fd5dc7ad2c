package doccheck

import (
	"reflect"
	"testing"
)

// The fragments are GitHub's: what its renderer gives these headings.
func TestSlug(t *testing.T) {
	tests := []struct{ heading, want string }{
		{"Where Postgres comes from", "where-postgres-comes-from"},
		{"`calcom.event_types[]`", "calcomevent_types"},
		{"Cal.com's behaviour", "calcoms-behaviour"},
		{"Production's answer to a lost race", "productions-answer-to-a-lost-race"},
		{"Item 1 — the host's own cancel needs a reason", "item-1--the-hosts-own-cancel-needs-a-reason"},
		{"1. Requests and answers", "1-requests-and-answers"},
		{"Histories judged again: `bookingharness check`", "histories-judged-again-bookingharness-check"},
		{"The [catalogue](../x.md) **now**", "the-catalogue-now"},
		{"Größe und Maße", "größe-und-maße"},
	}
	for _, tt := range tests {
		if got := slug(tt.heading); got != tt.want {
			t.Errorf("slug(%q) = %q, want %q", tt.heading, got, tt.want)
		}
	}
}

func TestAnchors(t *testing.T) {
	page := "# Title\n\n## Usage\n\n```sh\n# not a heading\n```\n\n### Usage\n\n## Usage ##\n\n<a id=\"custom\"></a>\n####### seven is text\n"
	want := map[string]bool{"title": true, "usage": true, "usage-1": true, "usage-2": true, "custom": true}
	if got := anchors(page); !reflect.DeepEqual(got, want) {
		t.Fatalf("anchors = %v, want %v", got, want)
	}
}
