package har

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// iso8601 is the date format HAR requires (the pattern of the HAR 1.2 JSON schema).
var iso8601 = regexp.MustCompile(`^(\d{4})(-)?(\d\d)(-)?(\d\d)(T)?(\d\d)(:)?(\d\d)(:)?(\d\d)(\.\d+)?(Z|([+-])(\d\d)(:)?(\d\d))$`)

// Validate checks the bytes of a HAR document against HAR 1.2: every required field
// present with its type, dates in ISO 8601, timings -1 or more with send, wait and receive
// required, an entry's time the sum of its timings, absolute request URLs, and every field
// the specification does not name starting with an underscore (its rule for custom
// fields). It walks the decoded JSON, not this package's types, so it judges what a viewer
// reads. The result lists every problem with its path (log.entries[2].timings.wait); nil
// means valid.
func Validate(data []byte) []error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var root any
	if err := dec.Decode(&root); err != nil {
		return []error{fmt.Errorf("not JSON: %w", err)}
	}
	if dec.More() {
		return []error{fmt.Errorf("more than one JSON value")}
	}
	v := &validator{}
	v.object(root, "", fields{"log": {true, v.log}})
	return v.errs
}

type validator struct{ errs []error }

// check is how one field's value is validated.
type check func(val any, path string)

// field is one named field: whether it is required, and its check.
type field struct {
	required bool
	check    check
}

type fields map[string]field

func (v *validator) fail(path, format string, args ...any) {
	v.errs = append(v.errs, fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...)))
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// object checks val is an object with fs: required ones present, each checked, and no
// other key unless it starts with "_".
func (v *validator) object(val any, path string, fs fields) {
	m, ok := val.(map[string]any)
	if !ok {
		v.fail(orRoot(path), "must be an object")
		return
	}
	for _, name := range slices.Sorted(maps.Keys(fs)) {
		f := fs[name]
		x, present := m[name]
		switch {
		case !present && f.required:
			v.fail(join(path, name), "is required")
		case present:
			f.check(x, join(path, name))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(m)) {
		if _, known := fs[name]; !known && !strings.HasPrefix(name, "_") {
			v.fail(join(path, name), "is not a HAR 1.2 field (custom fields must start with \"_\")")
		}
	}
}

func orRoot(path string) string {
	if path == "" {
		return "(document)"
	}
	return path
}

func (v *validator) array(each check) check {
	return func(val any, path string) {
		items, ok := val.([]any)
		if !ok {
			v.fail(path, "must be an array")
			return
		}
		for i, item := range items {
			each(item, fmt.Sprintf("%s[%d]", path, i))
		}
	}
}

func (v *validator) str(val any, path string) {
	if _, ok := val.(string); !ok {
		v.fail(path, "must be a string")
	}
}

func (v *validator) boolean(val any, path string) {
	if _, ok := val.(bool); !ok {
		v.fail(path, "must be true or false")
	}
}

// number returns val as a float64 (ok false, and a failure, when it is not a number).
func (v *validator) number(val any, path string) (float64, bool) {
	n, ok := val.(json.Number)
	if !ok {
		v.fail(path, "must be a number")
		return 0, false
	}
	f, err := n.Float64()
	if err != nil {
		v.fail(path, "must be a number: %v", err)
		return 0, false
	}
	return f, true
}

func (v *validator) num(val any, path string) { v.number(val, path) }

func (v *validator) integer(val any, path string) {
	if f, ok := v.number(val, path); ok && f != math.Trunc(f) {
		v.fail(path, "must be an integer")
	}
}

// atLeast checks a number is min or more.
func (v *validator) atLeast(min float64) check {
	return func(val any, path string) {
		if f, ok := v.number(val, path); ok && f < min {
			v.fail(path, "must be %v or more, got %v", min, f)
		}
	}
}

func (v *validator) date(val any, path string) {
	s, ok := val.(string)
	if !ok || !iso8601.MatchString(s) {
		v.fail(path, "must be an ISO 8601 date such as 2025-10-06T09:04:27.000Z, got %v", val)
	}
}

func (v *validator) creator(val any, path string) {
	v.object(val, path, fields{"name": {true, v.str}, "version": {true, v.str}, "comment": {false, v.str}})
}

func (v *validator) log(val any, path string) {
	v.object(val, path, fields{
		"version": {true, v.str}, "creator": {true, v.creator}, "browser": {false, v.creator},
		"pages": {false, v.array(v.page)}, "entries": {true, v.array(v.entry)}, "comment": {false, v.str},
	})
}

func (v *validator) page(val any, path string) {
	v.object(val, path, fields{
		"startedDateTime": {true, v.date}, "id": {true, v.str}, "title": {true, v.str}, "comment": {false, v.str},
		"pageTimings": {true, func(val any, path string) {
			v.object(val, path, fields{"onContentLoad": {false, v.num}, "onLoad": {false, v.num}, "comment": {false, v.str}})
		}},
	})
}

func (v *validator) entry(val any, path string) {
	v.object(val, path, fields{
		"pageref": {false, v.str}, "startedDateTime": {true, v.date}, "time": {true, v.atLeast(0)},
		"request": {true, v.request}, "response": {true, v.response}, "cache": {true, v.cache},
		"timings": {true, v.timings}, "serverIPAddress": {false, v.str}, "connection": {false, v.str},
		"comment": {false, v.str},
	})
	v.timeIsSum(val, path)
}

// timeIsSum checks an entry's time is the sum of its timings that are not -1 (ssl is part
// of connect, so it is not added), within rounding.
func (v *validator) timeIsSum(val any, path string) {
	m, _ := val.(map[string]any)
	t, _ := m["time"].(json.Number)
	tm, _ := m["timings"].(map[string]any)
	total, err := t.Float64()
	if m == nil || tm == nil || err != nil {
		return // already reported
	}
	sum := 0.0
	for _, k := range []string{"blocked", "dns", "connect", "send", "wait", "receive"} {
		if n, ok := tm[k].(json.Number); ok {
			if f, err := n.Float64(); err == nil && f != -1 {
				sum += f
			}
		}
	}
	if math.Abs(sum-total) > 0.01+total*1e-9 {
		v.fail(join(path, "time"), "is %v but its timings add up to %v", total, sum)
	}
}

func (v *validator) nameValues(val any, path string) {
	v.array(func(val any, path string) {
		v.object(val, path, fields{"name": {true, v.str}, "value": {true, v.str}, "comment": {false, v.str}})
	})(val, path)
}

func (v *validator) cookies(val any, path string) {
	v.array(func(val any, path string) {
		v.object(val, path, fields{
			"name": {true, v.str}, "value": {true, v.str}, "path": {false, v.str}, "domain": {false, v.str},
			"expires": {false, v.date}, "httpOnly": {false, v.boolean}, "secure": {false, v.boolean}, "comment": {false, v.str},
		})
	})(val, path)
}

func (v *validator) absoluteURL(val any, path string) {
	s, ok := val.(string)
	if !ok {
		v.fail(path, "must be a string")
		return
	}
	if u, err := url.Parse(s); err != nil || u.Scheme == "" || u.Host == "" {
		v.fail(path, "must be an absolute URL, got %q", s)
	}
}

func (v *validator) request(val any, path string) {
	v.object(val, path, fields{
		"method": {true, v.str}, "url": {true, v.absoluteURL}, "httpVersion": {true, v.str},
		"cookies": {true, v.cookies}, "headers": {true, v.nameValues}, "queryString": {true, v.nameValues},
		"postData": {false, v.postData}, "headersSize": {true, v.integer}, "bodySize": {true, v.integer},
		"comment": {false, v.str},
	})
}

func (v *validator) postData(val any, path string) {
	v.object(val, path, fields{
		"mimeType": {true, v.str}, "text": {false, v.str}, "comment": {false, v.str},
		"params": {false, v.array(func(val any, path string) {
			v.object(val, path, fields{"name": {true, v.str}, "value": {false, v.str}, "fileName": {false, v.str},
				"contentType": {false, v.str}, "comment": {false, v.str}})
		})},
	})
}

func (v *validator) response(val any, path string) {
	v.object(val, path, fields{
		"status": {true, v.integer}, "statusText": {true, v.str}, "httpVersion": {true, v.str},
		"cookies": {true, v.cookies}, "headers": {true, v.nameValues}, "content": {true, v.content},
		"redirectURL": {true, v.str}, "headersSize": {true, v.integer}, "bodySize": {true, v.integer},
		"comment": {false, v.str},
	})
}

func (v *validator) content(val any, path string) {
	v.object(val, path, fields{
		"size": {true, v.integer}, "compression": {false, v.integer}, "mimeType": {true, v.str},
		"text": {false, v.str}, "encoding": {false, v.str}, "comment": {false, v.str},
	})
}

func (v *validator) cache(val any, path string) {
	state := func(val any, path string) {
		if val == nil {
			return // null: not cached
		}
		v.object(val, path, fields{"expires": {false, v.date}, "lastAccess": {true, v.date}, "eTag": {true, v.str},
			"hitCount": {true, v.integer}, "comment": {false, v.str}})
	}
	v.object(val, path, fields{"beforeRequest": {false, state}, "afterRequest": {false, state}, "comment": {false, v.str}})
}

func (v *validator) timings(val any, path string) {
	v.object(val, path, fields{
		"blocked": {false, v.atLeast(-1)}, "dns": {false, v.atLeast(-1)}, "connect": {false, v.atLeast(-1)},
		"send": {true, v.atLeast(0)}, "wait": {true, v.atLeast(0)}, "receive": {true, v.atLeast(0)},
		"ssl": {false, v.atLeast(-1)}, "comment": {false, v.str},
	})
}
