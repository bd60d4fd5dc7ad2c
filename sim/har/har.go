// Package har holds the types of HAR 1.2 (HTTP Archive, http://www.softwareishard.com/blog/har-12-spec/),
// the format browsers, mitmproxy and most HTTP tools export: `bookingharness record` writes it
// (Writer: one entry at a time, the file valid JSON after every entry), `bookingharness
// incident from-har` reads it (Read, which also takes other tools' captures), and Validate
// checks a file's bytes against the specification's required fields and types, so a written
// file opens in any HAR viewer.
//
// Fields beyond the specification start with an underscore, as HAR allows: Entry.Harness
// (_harness: the recorder's logical order of arrivals and completions, and whether the
// exchange was a Cal.com API call or a webhook delivery) and Response.Error (_error: why an
// exchange got no answer, as Chrome's exports name it).
package har

import (
	"encoding/base64"
	"fmt"
	"strings"
	"time"
)

// Version is the HAR version this package writes.
const Version = "1.2"

// File is a HAR document: {"log": {…}}.
type File struct {
	Log Log `json:"log"`
}

// Log is the root of a HAR document.
type Log struct {
	Version string   `json:"version"`
	Creator Creator  `json:"creator"`
	Browser *Creator `json:"browser,omitempty"`
	Pages   []Page   `json:"pages,omitempty"`
	Entries []Entry  `json:"entries"`
	Comment string   `json:"comment,omitempty"`
}

// Creator names the application that wrote the log (and, as Browser, the browser).
type Creator struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Comment string `json:"comment,omitempty"`
}

// Page is a page of a browser capture; the harness writes none and ignores them.
type Page struct {
	StartedDateTime time.Time `json:"startedDateTime"`
	ID              string    `json:"id"`
	Title           string    `json:"title"`
	PageTimings     struct {
		OnContentLoad *float64 `json:"onContentLoad,omitempty"`
		OnLoad        *float64 `json:"onLoad,omitempty"`
	} `json:"pageTimings"`
}

// Entry is one HTTP exchange.
type Entry struct {
	Pageref string `json:"pageref,omitempty"`
	// StartedDateTime is when the request began.
	StartedDateTime time.Time `json:"startedDateTime"`
	// Time is the exchange's total time in milliseconds (the sum of the timings that are
	// not -1).
	Time     float64  `json:"time"`
	Request  Request  `json:"request"`
	Response Response `json:"response"`
	Cache    Cache    `json:"cache"`
	Timings  Timings  `json:"timings"`
	// ServerIPAddress and Connection are optional; the harness leaves them out.
	ServerIPAddress string `json:"serverIPAddress,omitempty"`
	Connection      string `json:"connection,omitempty"`
	Comment         string `json:"comment,omitempty"`
	// Harness is what the recorder adds (nil in other tools' captures).
	Harness *Harness `json:"_harness,omitempty"`
}

// Harness is the recorder's extension of an entry (_harness).
type Harness struct {
	// Kind is KindAPI (the service's call to Cal.com) or KindWebhook (Cal.com's delivery to
	// the service).
	Kind string `json:"kind"`
	// Began and Ended are logical ticks from one counter: every arrival and every
	// completion takes the next number. Two exchanges overlapped exactly when each began
	// before the other ended — decidable even when a virtual clock gave them one instant.
	Began int64 `json:"began"`
	Ended int64 `json:"ended"`
}

// Kinds of recorded exchanges (Harness.Kind).
const (
	KindAPI     = "api"
	KindWebhook = "webhook"
)

// Request is the request of an entry.
type Request struct {
	Method      string      `json:"method"`
	URL         string      `json:"url"`
	HTTPVersion string      `json:"httpVersion"`
	Cookies     []Cookie    `json:"cookies"`
	Headers     []NameValue `json:"headers"`
	QueryString []NameValue `json:"queryString"`
	PostData    *PostData   `json:"postData,omitempty"`
	// HeadersSize and BodySize are in bytes, -1 when unknown.
	HeadersSize int64  `json:"headersSize"`
	BodySize    int64  `json:"bodySize"`
	Comment     string `json:"comment,omitempty"`
}

// Response is the response of an entry. An exchange that got no answer has Status 0 and
// says why in Error.
type Response struct {
	Status      int         `json:"status"`
	StatusText  string      `json:"statusText"`
	HTTPVersion string      `json:"httpVersion"`
	Cookies     []Cookie    `json:"cookies"`
	Headers     []NameValue `json:"headers"`
	Content     Content     `json:"content"`
	RedirectURL string      `json:"redirectURL"`
	HeadersSize int64       `json:"headersSize"`
	BodySize    int64       `json:"bodySize"`
	Comment     string      `json:"comment,omitempty"`
	// Error says why there was no (complete) answer (_error, as Chrome writes it).
	Error string `json:"_error,omitempty"`
}

// Cookie is a cookie of a request or response.
type Cookie struct {
	Name     string `json:"name"`
	Value    string `json:"value"`
	Path     string `json:"path,omitempty"`
	Domain   string `json:"domain,omitempty"`
	Expires  string `json:"expires,omitempty"`
	HTTPOnly bool   `json:"httpOnly,omitempty"`
	Secure   bool   `json:"secure,omitempty"`
	Comment  string `json:"comment,omitempty"`
}

// NameValue is a header or query parameter.
type NameValue struct {
	Name    string `json:"name"`
	Value   string `json:"value"`
	Comment string `json:"comment,omitempty"`
}

// PostData is a request body.
type PostData struct {
	MimeType string `json:"mimeType"`
	// Params is always written (empty when the body is not a form).
	Params  []Param `json:"params"`
	Text    string  `json:"text"`
	Comment string  `json:"comment,omitempty"`
}

// Param is a posted form parameter.
type Param struct {
	Name        string `json:"name"`
	Value       string `json:"value,omitempty"`
	FileName    string `json:"fileName,omitempty"`
	ContentType string `json:"contentType,omitempty"`
	Comment     string `json:"comment,omitempty"`
}

// Content is a response body.
type Content struct {
	Size        int64  `json:"size"`
	Compression *int64 `json:"compression,omitempty"`
	MimeType    string `json:"mimeType"`
	Text        string `json:"text,omitempty"`
	// Encoding is "base64" when Text is base64-encoded (a body that is not UTF-8).
	Encoding string `json:"encoding,omitempty"`
	Comment  string `json:"comment,omitempty"`
}

// Cache describes the browser cache; the harness writes it empty.
type Cache struct {
	Comment string `json:"comment,omitempty"`
}

// Timings are the phases of an exchange in milliseconds; -1 means the phase does not apply.
// Send, Wait and Receive are required.
type Timings struct {
	Blocked float64 `json:"blocked"`
	DNS     float64 `json:"dns"`
	Connect float64 `json:"connect"`
	Send    float64 `json:"send"`
	Wait    float64 `json:"wait"`
	Receive float64 `json:"receive"`
	SSL     float64 `json:"ssl"`
	Comment string  `json:"comment,omitempty"`
}

// Header returns the first value of the named header (case-insensitive), "" when absent.
func Header(hs []NameValue, name string) string {
	for _, h := range hs {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}

// Millis converts a duration to HAR's milliseconds (microsecond precision).
func Millis(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// Body returns the response body: Text, decoded when Encoding is base64.
func (c Content) Body() ([]byte, error) {
	if c.Encoding == "" {
		return []byte(c.Text), nil
	}
	if c.Encoding != "base64" {
		return nil, fmt.Errorf("har: content encoding %q is not supported (want base64 or none)", c.Encoding)
	}
	b, err := base64.StdEncoding.DecodeString(c.Text)
	if err != nil {
		return nil, fmt.Errorf("har: content text is not base64: %w", err)
	}
	return b, nil
}

// Why an exchange got no (complete) answer: the prefix of Response.Error in the recorder's
// files, followed by ": " and the detail. Derivation also understands browsers' net::ERR_
// codes.
const (
	// ErrorClientGaveUp: the client closed its request before the answer was complete —
	// its timeout, or a cancel.
	ErrorClientGaveUp = "client-gave-up"
	// ErrorUpstreamCut: the upstream cut the connection (reset or closed) before a complete
	// answer.
	ErrorUpstreamCut = "upstream-cut"
	// ErrorUpstreamUnreachable: no connection to the upstream could be made; the request
	// never reached it.
	ErrorUpstreamUnreachable = "upstream-unreachable"
)
