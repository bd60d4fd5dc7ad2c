package fakecalcom

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// The conformance table: what Cal.com's own end-to-end specs for API v2 assert about
// bookings, seats, reservations, cancel, reschedule, confirm and decline, replayed against the
// fake. Each spec below names its file (under apps/api/v2/src/ in calcom/cal.com) and the
// version read; each row names the spec's test title, sends the spec's request (its fixtures
// made through the fake's API, or — where the spec writes straight into Cal.com's database —
// into the fake's ledger), and checks the status and the fields the spec asserts. The rows
// are ours, written from what the specs assert; no spec code is copied.
//
// A row the fake cannot meet says why in unmet and is still run: it must fail, so a row the
// fake comes to meet is noticed (the test then asks to mark it met). Where a spec compares a
// whole object with toEqual, the row checks the fields it lists; the fake's extra fields are
// named in the row's note. Closing note: conformanceMet of the rows are met (TestConformance
// checks the count).
const conformanceMet = 70

// conformanceRows is the number of rows in the table; TestConformance checks it too, so a row
// can only be dropped on purpose.
const conformanceRows = 94

// row is one test of a Cal.com e2e spec.
type row struct {
	title  string
	unmet  string // why the fake cannot meet the row; "" when it does
	note   string // how the row reads the spec, where that is not plain
	do     func(c *conf) response
	status int
	checks []check
	save   func(c *conf, r response) // keeps what later rows use (the spec's shared variables)
}

// check is one asserted field: path is dotted ("data.attendees.0.email"; "#" is a length);
// want is a value, present, absent, or a func(any) bool.
type check struct {
	path string
	want any
}

type presence int

const (
	present presence = iota + 1
	absent
)

// specFile is one e2e spec: its rows run in order against one fake, as the spec's tests run
// in order against one app.
type specFile struct {
	file, version string
	cfg           Config
	setup         func(c *conf)
	rows          []row
}

// conf is one spec's run: the fake, its clock and the values its rows share.
type conf struct {
	t   *testing.T
	tt  *tester
	clk *vclock
	v   map[string]any
}

func (c *conf) req(method, path, version string, body any, hdr ...string) response {
	c.t.Helper()
	r, err := c.tt.do(method, path, version, body, hdr...)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	return r
}

func (c *conf) str(k string) string { return fmt.Sprint(c.v[k]) }

// lookup follows path through a decoded JSON body; found is false when a step is missing.
func lookup(body any, path string) (any, bool) {
	cur := body
	for _, p := range strings.Split(path, ".") {
		switch x := cur.(type) {
		case map[string]any:
			v, ok := x[p]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			if p == "#" {
				return float64(len(x)), true
			}
			i, err := strconv.Atoi(p)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			cur = x[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// failures lists what of a row's expectations the response misses.
func (rw row) failures(r response) []string {
	var out []string
	if r.status != rw.status {
		out = append(out, fmt.Sprintf("status %d, spec asserts %d", r.status, rw.status))
	}
	var body any = r.body
	for _, ch := range rw.checks {
		got, ok := lookup(body, ch.path)
		switch w := ch.want.(type) {
		case presence:
			if (w == present) != ok {
				out = append(out, fmt.Sprintf("%s present=%v", ch.path, ok))
			}
		case func(any) bool:
			if !ok || !w(got) {
				out = append(out, fmt.Sprintf("%s = %v", ch.path, got))
			}
		default:
			if !ok || !reflect.DeepEqual(got, w) {
				out = append(out, fmt.Sprintf("%s = %v, spec asserts %v", ch.path, got, w))
			}
		}
	}
	return out
}

func TestConformance(t *testing.T) {
	met, total := 0, 0
	for _, sf := range conformanceSpecs() {
		clk := newVClock()
		cfg := sf.cfg
		cfg.Clock = clk
		c := &conf{t: t, tt: newTester(t, cfg), clk: clk, v: map[string]any{}}
		if sf.setup != nil {
			sf.setup(c)
		}
		specMet := 0
		for _, rw := range sf.rows {
			total++
			r := rw.do(c)
			fails := rw.failures(r)
			switch {
			case rw.unmet == "" && len(fails) > 0:
				t.Errorf("%s (%s) — %q: %s\n%s", sf.file, sf.version, rw.title, strings.Join(fails, "; "), r.raw)
			case rw.unmet != "" && len(fails) == 0:
				t.Errorf("%s — %q is marked unmet (%s) but the fake meets it now: mark it met", sf.file, rw.title, rw.unmet)
			case rw.unmet == "":
				met++
				specMet++
			default:
				t.Logf("  unmet %q: %s", rw.title, rw.unmet)
			}
			if rw.save != nil && r.status == rw.status {
				rw.save(c, r)
			}
		}
		t.Logf("%s %s: %d of %d rows met", sf.file, sf.version, specMet, len(sf.rows))
	}
	t.Logf("conformance: %d of %d rows of Cal.com's e2e specs met", met, total)
	if met != conformanceMet || total != conformanceRows {
		t.Errorf("conformance: %d of %d rows met; the note says %d of %d — update it", met, total, conformanceMet, conformanceRows)
	}
}

// Helpers the rows share.

func isString(v any) bool { s, ok := v.(string); return ok && s != "" }

func hasPrefix(p string) func(any) bool {
	return func(v any) bool { s, _ := v.(string); return strings.HasPrefix(s, p) }
}

func contains(p string) func(any) bool {
	return func(v any) bool { s, _ := v.(string); return strings.Contains(s, p) }
}

func attendeeBody(name, email, zone, lang string) map[string]any {
	return map[string]any{"name": name, "email": email, "timeZone": zone, "language": lang}
}
