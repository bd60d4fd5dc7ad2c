package record

import (
	"encoding/base64"
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/bookingharness/bookingharness/sim/har"
)

// scrubber holds what every exchange is cleaned with: the pseudonyms (nil: keep PII) and
// the configured secrets.
type scrubber struct {
	pseud   *pseudonyms
	secrets []string
}

// cleaner cleans one exchange: the secrets it carried and the attendee values it revealed.
type cleaner struct {
	sec secrets
	pii *replacer // nil: keep PII
}

// begin gathers the exchange's secrets (its credential headers) and, unless PII is kept,
// the attendee values its query and bodies reveal.
func (s scrubber) begin(x *exchange) *cleaner {
	c := &cleaner{sec: secrets{values: slices.Clone(s.secrets)}}
	c.sec.fromHeaders(x.in.Header)
	if x.resp != nil {
		c.sec.fromHeaders(x.resp.Header)
	}
	if s.pseud == nil {
		return c
	}
	var f found
	for k, vs := range x.in.URL.Query() {
		if kind, ok := attendeeQuery(k); ok {
			for _, v := range vs {
				f.add(*s.pseud, kind, v)
			}
		}
	}
	collect := func(b *capture) {
		if b == nil || b.truncated() {
			return
		}
		rewriteJSON(b.buf.Bytes(), func(path []string, v string) string {
			if kind, ok := attendeeField(path); ok {
				f.add(*s.pseud, kind, v)
			}
			return v
		})
	}
	collect(x.reqBody)
	collect(x.respBody)
	c.pii = f.replacer()
	return c
}

// value cleans one text value: known secrets, then attendee values.
func (c *cleaner) value(s string) string { return c.pii.replace(c.sec.scrub(s)) }

// url drops credentials from u and cleans its query.
func (c *cleaner) url(u *url.URL) *url.URL {
	out := cleanURL(u)
	if out.RawQuery == "" {
		return out
	}
	q := out.Query()
	for k, vs := range q {
		for i, v := range vs {
			vs[i] = c.value(v)
		}
		q[k] = vs
	}
	out.RawQuery = q.Encode()
	return out
}

// headers renders h (and the Host, when given) with credentials redacted, names sorted.
func (c *cleaner) headers(h http.Header, host string) []har.NameValue {
	out := []har.NameValue{}
	if host != "" {
		out = append(out, har.NameValue{Name: "Host", Value: host})
	}
	for _, name := range slices.Sorted(maps.Keys(h)) {
		for _, v := range h[name] {
			out = append(out, har.NameValue{Name: name, Value: c.value(redactHeader(name, v))})
		}
	}
	return out
}

// body renders a captured body as HAR text (encoding "base64" when it is not UTF-8) with a
// comment when it was not kept whole. A JSON body is rewritten value by value: the values
// of secret keys (a webhook subscription's secret) are redacted, the others cleaned; other
// text is cleaned as a whole.
func (c *cleaner) body(b *capture) (text, encoding, comment string) {
	data := b.buf.Bytes()
	if b.truncated() {
		if c.pii != nil {
			return "", "", "a body of " + strconv.FormatInt(b.n, 10) + " bytes, over the recorder's limit: not kept (attendee data in it could not be pseudonymised)"
		}
		comment = "truncated: the first " + strconv.Itoa(len(data)) + " of " + strconv.FormatInt(b.n, 10) + " bytes"
	}
	if out, ok := rewriteJSON(data, func(path []string, v string) string {
		if len(path) > 0 && secretKey(path[len(path)-1]) && v != "" {
			return Redacted
		}
		return c.value(v)
	}); ok && json.Valid(out) {
		return string(out), "", comment
	}
	if !utf8.Valid(data) {
		return base64.StdEncoding.EncodeToString(data), "base64", comment
	}
	return c.value(string(data)), "", comment
}
