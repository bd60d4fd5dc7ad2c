package record

import (
	"bytes"
	"errors"
	"io"
	"maps"
	"mime"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/bookingharness/bookingharness/sim/har"
)

// exchange is one request and its answer while they pass through the recorder.
type exchange struct {
	kind         string
	began, ended int64
	start        time.Time
	now          func() time.Time
	in           *http.Request // as the client sent it
	reqBody      *capture
	max          int64

	mu                    sync.Mutex
	out                   *http.Request // as it went upstream
	wrote, firstByte, end time.Time
	resp                  *http.Response
	respBody              *capture
	err                   error // no answer: why
	clientGone            bool
}

// failed records that the exchange got no complete answer.
func (x *exchange) failed(err error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.err == nil {
		x.err = err
		x.clientGone = x.in.Context().Err() != nil
	}
	if x.end.IsZero() {
		x.end = x.now()
	}
}

// capture copies what is read through it, up to max bytes, and counts all of it.
type capture struct {
	rc    io.ReadCloser
	max   int64
	buf   bytes.Buffer
	n     int64
	eof   bool
	onEOF func()
	err   error
}

func (c *capture) Read(p []byte) (int, error) {
	n, err := c.rc.Read(p)
	if n > 0 {
		c.n += int64(n)
		if room := c.max - int64(c.buf.Len()); room > 0 {
			c.buf.Write(p[:min(int64(n), room)])
		}
	}
	switch {
	case errors.Is(err, io.EOF):
		if !c.eof && c.onEOF != nil {
			c.onEOF()
		}
		c.eof = true
	case err != nil:
		c.err = err
	}
	return n, err
}

func (c *capture) Close() error { return c.rc.Close() }

func (c *capture) truncated() bool { return c.n > int64(c.buf.Len()) }

// captureTransport notes when the request was written and the answer began, and copies the
// answer's body as the proxy reads it.
type captureTransport struct{ base http.RoundTripper }

func (t captureTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	x, _ := req.Context().Value(exchangeKey{}).(*exchange)
	if x == nil {
		return t.base.RoundTrip(req)
	}
	x.mu.Lock()
	x.out = req
	x.mu.Unlock()
	trace := &httptrace.ClientTrace{
		WroteRequest: func(httptrace.WroteRequestInfo) {
			x.mu.Lock()
			x.wrote = x.now()
			x.mu.Unlock()
		},
		GotFirstResponseByte: func() {
			x.mu.Lock()
			x.firstByte = x.now()
			x.mu.Unlock()
		},
	}
	resp, err := t.base.RoundTrip(req.WithContext(httptrace.WithClientTrace(req.Context(), trace)))
	if err != nil {
		return nil, err
	}
	body := &capture{rc: resp.Body, max: x.max}
	body.onEOF = func() {
		x.mu.Lock()
		x.end = x.now()
		x.mu.Unlock()
	}
	x.mu.Lock()
	x.resp, x.respBody = resp, body
	x.mu.Unlock()
	resp.Body = body
	return resp, nil
}

// entry renders the exchange as a HAR entry, cleaned by s.
func (x *exchange) entry(s scrubber) har.Entry {
	x.mu.Lock()
	defer x.mu.Unlock()
	c := s.begin(x)
	e := har.Entry{StartedDateTime: x.start.UTC(), Harness: &har.Harness{Kind: x.kind, Began: x.began, Ended: x.ended}}
	e.Request = x.request(c)
	e.Response = x.response(c)
	e.Timings = x.timings()
	e.Time = e.Timings.Send + e.Timings.Wait + e.Timings.Receive
	if x.kind == har.KindWebhook {
		e.Comment = "webhook delivery to the service"
	}
	return e
}

// timings splits the exchange at the moments the request was written and the answer began;
// a moment that never came is the previous one.
func (x *exchange) timings() har.Timings {
	t1 := x.wrote
	if t1.IsZero() || t1.Before(x.start) {
		t1 = x.start
	}
	t2 := x.firstByte
	if t2.IsZero() || t2.Before(t1) {
		t2 = t1
		if x.resp == nil {
			t2 = x.end // waited until the failure
		}
	}
	t3 := x.end
	if t3.Before(t2) {
		t3 = t2
	}
	return har.Timings{Blocked: -1, DNS: -1, Connect: -1, SSL: -1,
		Send: har.Millis(t1.Sub(x.start)), Wait: har.Millis(t2.Sub(t1)), Receive: har.Millis(t3.Sub(t2))}
}

func (x *exchange) request(c *cleaner) har.Request {
	u := x.in.URL
	if x.out != nil {
		u = x.out.URL
	}
	cu := c.url(u)
	r := har.Request{Method: x.in.Method, URL: cu.String(), HTTPVersion: x.in.Proto, Cookies: []har.Cookie{},
		Headers: c.headers(x.in.Header, x.in.Host), QueryString: queryOf(cu), HeadersSize: -1, BodySize: 0}
	if x.reqBody != nil {
		r.BodySize = x.reqBody.n
		text, enc, note := c.body(x.reqBody)
		if enc == "" {
			r.PostData = &har.PostData{MimeType: mediaType(x.in.Header), Params: []har.Param{}, Text: text, Comment: note}
		} else { // HAR's postData has no encoding: say so instead of writing bytes that are not text
			r.PostData = &har.PostData{MimeType: mediaType(x.in.Header), Params: []har.Param{}, Comment: "a body of " + strconv.FormatInt(x.reqBody.n, 10) + " bytes that is not UTF-8 text, not kept"}
		}
	}
	return r
}

func (x *exchange) response(c *cleaner) har.Response {
	r := har.Response{Cookies: []har.Cookie{}, Headers: []har.NameValue{}, HeadersSize: -1, BodySize: -1,
		Content: har.Content{MimeType: "x-unknown"}}
	if x.resp != nil {
		r.Status, r.StatusText, r.HTTPVersion = x.resp.StatusCode, http.StatusText(x.resp.StatusCode), x.resp.Proto
		r.Headers = c.headers(x.resp.Header, "")
		r.RedirectURL = har.Header(r.Headers, "Location")
		r.Content.MimeType = mediaType(x.resp.Header)
		if b := x.respBody; b != nil {
			r.BodySize, r.Content.Size = b.n, b.n
			r.Content.Text, r.Content.Encoding, r.Content.Comment = c.body(b)
			if !b.eof && x.err == nil {
				x.err, x.clientGone = b.err, x.in.Context().Err() != nil
				if x.err == nil {
					x.err = errors.New("the body was not read to its end")
				}
			}
		}
	}
	if x.err != nil {
		r.Error = classify(x.err, x.clientGone)
	}
	return r
}

// classify names why an exchange got no complete answer (har.Error* prefixes).
func classify(err error, clientGone bool) string {
	var op *net.OpError
	switch {
	case clientGone:
		return har.ErrorClientGaveUp + ": the client closed its request before the answer was complete (its timeout, or a cancel): " + err.Error()
	case errors.As(err, &op) && op.Op == "dial":
		return har.ErrorUpstreamUnreachable + ": " + err.Error()
	}
	return har.ErrorUpstreamCut + ": the upstream closed or reset the connection before a complete answer: " + err.Error()
}

// mediaType is a header set's Content-Type without parameters ("" → x-unknown).
func mediaType(h http.Header) string {
	ct := h.Get("Content-Type")
	if ct == "" {
		return "x-unknown"
	}
	if mt, _, err := mime.ParseMediaType(ct); err == nil {
		return mt
	}
	return ct
}

func queryOf(u *url.URL) []har.NameValue {
	out := []har.NameValue{}
	q := u.Query()
	for _, k := range slices.Sorted(maps.Keys(q)) {
		for _, v := range q[k] {
			out = append(out, har.NameValue{Name: k, Value: v})
		}
	}
	return out
}
