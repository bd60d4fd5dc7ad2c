package fakecalcom

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strconv"

	"github.com/jarcoal/httpmock"
)

// ErrConnectionReset is the transport error the httpmock responder returns where a real
// server would reset the connection (reset and timeout fault actions).
var ErrConnectionReset = errors.New("fakecalcom: connection reset by peer (simulated)")

// mockWriter is the in-process http.ResponseWriter behind the httpmock responder.
type mockWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
	cut    bool
}

func (m *mockWriter) Header() http.Header { return m.header }

func (m *mockWriter) WriteHeader(status int) {
	if m.status == 0 {
		m.status = status
	}
}

func (m *mockWriter) Write(p []byte) (int, error) {
	if m.status == 0 {
		m.status = http.StatusOK
	}
	return m.body.Write(p)
}

// Responder serves the fake in-process as a jarcoal/httpmock responder, so unit tests need no
// socket. Cut connections (reset and timeout faults) come back as ErrConnectionReset; a
// timeout fault still holds until the request's context is done.
func (f *Fake) Responder() httpmock.Responder {
	return func(req *http.Request) (*http.Response, error) {
		m := &mockWriter{header: http.Header{}}
		f.ServeHTTP(m, req)
		if m.cut {
			if err := req.Context().Err(); err != nil {
				return nil, err
			}
			return nil, ErrConnectionReset
		}
		if m.status == 0 {
			m.status = http.StatusOK
		}
		return &http.Response{
			Status:        strconv.Itoa(m.status) + " " + http.StatusText(m.status),
			StatusCode:    m.status,
			Proto:         "HTTP/1.1",
			ProtoMajor:    1,
			ProtoMinor:    1,
			Header:        m.header,
			Body:          io.NopCloser(bytes.NewReader(m.body.Bytes())),
			ContentLength: int64(m.body.Len()),
			Request:       req,
		}, nil
	}
}

// RegisterResponders routes every GET, POST and DELETE under baseURL (e.g.
// "https://api.cal.com") on t to the fake. Call it after httpmock.Activate or on your own
// MockTransport.
func (f *Fake) RegisterResponders(t *httpmock.MockTransport, baseURL string) {
	re := regexp.MustCompile("^" + regexp.QuoteMeta(baseURL) + "/")
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodDelete} {
		t.RegisterRegexpResponder(m, re, f.Responder())
	}
}
