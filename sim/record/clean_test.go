package record

import (
	"slices"
	"strings"
	"testing"
)

func TestRewriteJSONKeepsStructure(t *testing.T) {
	in := `{"b":1.50,"a":[{"x":"keep","n":null,"t":true},[]],"attendee":{"name":"Ann Lee","email":"ann@example.org"},"e":{}}`
	var paths []string
	out, ok := rewriteJSON([]byte(in), func(path []string, s string) string {
		paths = append(paths, strings.Join(path, "."))
		return strings.ToUpper(s)
	})
	if !ok {
		t.Fatal("not rewritten")
	}
	want := `{"b":1.50,"a":[{"x":"KEEP","n":null,"t":true},[]],"attendee":{"name":"ANN LEE","email":"ANN@EXAMPLE.ORG"},"e":{}}`
	if string(out) != want {
		t.Fatalf("got  %s\nwant %s", out, want)
	}
	if !slices.Equal(paths, []string{"a.[].x", "attendee.name", "attendee.email"}) {
		t.Fatalf("paths %v", paths)
	}
	for _, bad := range []string{``, `{"a":`, `{"a":1}{"b":2}`, `not json`, `{"a":1]`} {
		if _, ok := rewriteJSON([]byte(bad), func(_ []string, s string) string { return s }); ok {
			t.Errorf("rewriteJSON(%q) accepted", bad)
		}
	}
}

func TestAttendeeFieldsAndWordReplacement(t *testing.T) {
	for _, c := range []struct {
		path string
		kind piiKind
		ok   bool
	}{
		{"attendee.email", piiEmail, true},
		{"data.attendees.[].phoneNumber", piiPhone, true},
		{"payload.attendees.[].firstName", piiName, true},
		{"data.bookingFieldsResponses.name", piiName, true},
		{"payload.responses.email.value", piiEmail, true},
		{"data.guests.[]", piiEmail, true},
		{"data.hosts.[].name", 0, false},
		{"data.metadata.call_id", 0, false},
	} {
		kind, ok := attendeeField(strings.Split(c.path, "."))
		if ok != c.ok || kind != c.kind {
			t.Errorf("%s: %v %v, want %v %v", c.path, kind, ok, c.kind, c.ok)
		}
	}
	p := pseudonyms{key: []byte("k")}
	var f found
	f.add(p, piiName, "Li Wei")
	f.add(p, piiEmail, "li@example.org")
	r := f.replacer()
	got := r.replace("45 Min Meeting between Host 1 and Li Wei; Links for li@example.org")
	want := "45 Min Meeting between Host 1 and " + p.word("Li") + " " + p.word("Wei") + "; Links for " + p.email("li@example.org")
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	q := pseudonyms{key: []byte("k")}
	if p.email("a@b.c") != q.email("a@b.c") || p.email("a@b.c") == p.email("A@b.c") || !strings.HasPrefix(p.phone("+491"), "+99") || len(p.phone("+491")) != 13 {
		t.Fatal("pseudonyms must be stable, exact and well-formed")
	}
}
