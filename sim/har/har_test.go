package har

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// sampleEntry is a complete entry as the recorder writes one.
func sampleEntry(i int) Entry {
	start := time.Date(2025, 10, 6, 9, 4, 27, 0, time.UTC).Add(time.Duration(i) * time.Second)
	return Entry{
		StartedDateTime: start, Time: 12.5,
		Request: Request{Method: "POST", URL: "http://127.0.0.1:8787/v2/bookings", HTTPVersion: "HTTP/1.1",
			Cookies: []Cookie{}, Headers: []NameValue{{Name: "Content-Type", Value: "application/json"}}, QueryString: []NameValue{},
			PostData: &PostData{MimeType: "application/json", Params: []Param{}, Text: fmt.Sprintf(`{"n":%d}`, i)}, HeadersSize: -1, BodySize: 7},
		Response: Response{Status: 201, StatusText: "Created", HTTPVersion: "HTTP/1.1", Cookies: []Cookie{}, Headers: []NameValue{},
			Content: Content{Size: 2, MimeType: "application/json", Text: "{}"}, HeadersSize: -1, BodySize: 2},
		Timings: Timings{Blocked: -1, DNS: -1, Connect: -1, SSL: -1, Send: 0.5, Wait: 11, Receive: 1},
		Harness: &Harness{Kind: KindAPI, Began: int64(2 * i), Ended: int64(2*i + 1)},
	}
}

// TestWriterFileIsValidAfterEveryAppend reads the file after each Append, as a viewer (or
// a reader after SIGKILL) would: it must be a valid HAR document holding every entry so far.
func TestWriterFileIsValidAfterEveryAppend(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.har")
	w, err := Create(path, Creator{Name: "bookingharness", Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if errs := Validate(data); errs != nil {
			t.Fatalf("after %d entries: invalid: %v\n%s", i, errs, data)
		}
		log, err := Read(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("after %d entries: %v", i, err)
		}
		if len(log.Entries) != i {
			t.Fatalf("after %d appends the file holds %d entries", i, len(log.Entries))
		}
		if err := w.Append(sampleEntry(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Append(sampleEntry(9)); !errors.Is(err, ErrClosed) {
		t.Fatalf("Append after Close: %v, want ErrClosed", err)
	}
	log, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := log.Entries[3].Request.PostData.Text; got != `{"n":3}` || log.Entries[3].Harness.Ended != 7 {
		t.Fatalf("entry 3 read back as %q %+v", got, log.Entries[3].Harness)
	}
}

// TestWriterConcurrentAppends keeps the document valid when exchanges finish at once.
func TestWriterConcurrentAppends(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.har")
	w, err := Create(path, Creator{Name: "bookingharness", Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			if err := w.Append(sampleEntry(i)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if errs := Validate(data); errs != nil {
		t.Fatal(errs)
	}
	log, err := Read(bytes.NewReader(data))
	if err != nil || len(log.Entries) != 40 || w.Entries() != 40 {
		t.Fatalf("%v: %d entries", err, len(log.Entries))
	}
}

// TestValidateNamesEachProblem breaks a valid document one way at a time.
func TestValidateNamesEachProblem(t *testing.T) {
	valid := func() map[string]any {
		data, err := json.Marshal(File{Log: Log{Version: Version, Creator: Creator{Name: "x", Version: "1"}, Entries: []Entry{sampleEntry(0)}}})
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	entry := func(m map[string]any) map[string]any {
		return m["log"].(map[string]any)["entries"].([]any)[0].(map[string]any)
	}
	cases := []struct {
		name  string
		spoil func(m map[string]any)
		want  string
	}{
		{"no creator", func(m map[string]any) { delete(m["log"].(map[string]any), "creator") }, "log.creator: is required"},
		{"bad date", func(m map[string]any) { entry(m)["startedDateTime"] = "06.10.2025 09:04" }, "log.entries[0].startedDateTime: must be an ISO 8601 date"},
		{"no wait", func(m map[string]any) { delete(entry(m)["timings"].(map[string]any), "wait") }, "log.entries[0].timings.wait: is required"},
		{"negative send", func(m map[string]any) { entry(m)["timings"].(map[string]any)["send"] = -3 }, "timings.send: must be 0 or more"},
		{"time not the sum", func(m map[string]any) { entry(m)["time"] = 99 }, "log.entries[0].time: is 99 but its timings add up to 12.5"},
		{"custom field without underscore", func(m map[string]any) { entry(m)["harness"] = 1 }, `log.entries[0].harness: is not a HAR 1.2 field`},
		{"relative url", func(m map[string]any) { entry(m)["request"].(map[string]any)["url"] = "/v2/bookings" }, "request.url: must be an absolute URL"},
		{"status as text", func(m map[string]any) { entry(m)["response"].(map[string]any)["status"] = "201" }, "response.status: must be a number"},
		{"headers not an array", func(m map[string]any) { entry(m)["request"].(map[string]any)["headers"] = map[string]any{} }, "request.headers: must be an array"},
		{"header without value", func(m map[string]any) {
			entry(m)["request"].(map[string]any)["headers"] = []any{map[string]any{"name": "a"}}
		}, "request.headers[0].value: is required"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := valid()
			if errs := Validate(mustJSON(t, m)); errs != nil {
				t.Fatalf("the unbroken document is invalid: %v", errs)
			}
			c.spoil(m)
			errs := Validate(mustJSON(t, m))
			if !strings.Contains(fmt.Sprint(errs), c.want) {
				t.Fatalf("errors %v lack %q", errs, c.want)
			}
		})
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestReadsOtherToolsCaptures reads a Chrome DevTools export and a mitmproxy export as they
// write them: extra underscore fields, pages, offsets in dates, a base64 body, a failed
// request with status 0 and _error.
func TestReadsOtherToolsCaptures(t *testing.T) {
	chrome, err := ReadFile("testdata/chrome.har")
	if err != nil {
		t.Fatal(err)
	}
	if len(chrome.Entries) != 2 || chrome.Creator.Name != "WebInspector" {
		t.Fatalf("chrome: %+v", chrome)
	}
	if e := chrome.Entries[0]; e.Response.Status != 201 || !strings.Contains(e.Request.PostData.Text, "call_chrome_1") || e.Harness != nil {
		t.Fatalf("chrome entry 0: %+v", e)
	}
	if e := chrome.Entries[1]; e.Response.Status != 0 || e.Response.Error != "net::ERR_CONNECTION_RESET" {
		t.Fatalf("chrome entry 1: status %d error %q", e.Response.Status, e.Response.Error)
	}
	mitm, err := ReadFile("testdata/mitmproxy.har")
	if err != nil {
		t.Fatal(err)
	}
	e := mitm.Entries[0]
	if !e.StartedDateTime.Equal(time.Date(2025, 10, 6, 9, 4, 27, 0, time.UTC)) {
		t.Fatalf("mitmproxy start %v", e.StartedDateTime)
	}
	body, err := e.Response.Content.Body()
	if err != nil || !strings.Contains(string(body), "An error occured while querying the database.") {
		t.Fatalf("mitmproxy body %q: %v", body, err)
	}
	for _, f := range []string{"testdata/chrome.har", "testdata/mitmproxy.har"} {
		data, _ := os.ReadFile(f)
		if errs := Validate(data); errs != nil {
			t.Errorf("%s: %v", f, errs)
		}
	}
}

func TestReadRefusesWhatIsNotHAR(t *testing.T) {
	cases := []struct{ in, want string }{
		{`not json`, "not a HAR document (JSON)"},
		{`{"entries": []}`, `no "log" object`},
		{`{"log": {"version": "1.2"}}`, "log.entries is missing"},
		{`{"log": {"entries": [{}, {"startedDateTime": "yesterday"}]}}`, "log.entries[1]"},
	}
	for _, c := range cases {
		if _, err := Read(strings.NewReader(c.in)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Read(%s) = %v, want %q", c.in, err, c.want)
		}
	}
}
