package record

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
)

// arrayItem is the path element of an array's items.
const arrayItem = "[]"

// rewriteJSON streams the JSON document data through edit, which sees every string value
// (not the keys) with its path — the keys and arrayItem from the root, e.g. [data
// attendees [] email] — and returns its replacement. Key order, numbers and everything
// else are kept; whitespace is not. ok is false when data is not one JSON document; the
// caller then treats the body as text.
func rewriteJSON(data []byte, edit func(path []string, s string) string) (out []byte, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var buf bytes.Buffer
	buf.Grow(len(data))
	// Each open container: its path element for its children, whether it is an object,
	// whether the next string is a key, and whether a value was written (for commas).
	type frame struct {
		object, wantKey, wrote bool
		key                    string
	}
	var stack []frame
	path := func() []string {
		p := make([]string, 0, len(stack))
		for _, f := range stack {
			if f.object {
				p = append(p, f.key)
			} else {
				p = append(p, arrayItem)
			}
		}
		return p
	}
	beforeValue := func() {
		if len(stack) == 0 {
			return
		}
		top := &stack[len(stack)-1]
		if !top.object {
			if top.wrote {
				buf.WriteByte(',')
			}
			top.wrote = true
		}
	}
	afterValue := func() {
		if len(stack) > 0 && stack[len(stack)-1].object {
			stack[len(stack)-1].wantKey = true
		}
	}
	done := false
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil || done && len(stack) == 0 {
			return nil, false
		}
		if len(stack) > 0 && stack[len(stack)-1].object && stack[len(stack)-1].wantKey {
			top := &stack[len(stack)-1]
			if d, isDelim := tok.(json.Delim); isDelim && d == '}' {
				stack = stack[:len(stack)-1]
				buf.WriteByte('}')
				afterValue()
				done = len(stack) == 0
				continue
			}
			k, isKey := tok.(string)
			if !isKey {
				return nil, false
			}
			if top.wrote {
				buf.WriteByte(',')
			}
			top.wrote, top.wantKey, top.key = true, false, k
			writeString(&buf, k)
			buf.WriteByte(':')
			continue
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{', '[':
				beforeValue()
				buf.WriteByte(byte(v))
				stack = append(stack, frame{object: v == '{', wantKey: v == '{'})
			case ']':
				stack = stack[:len(stack)-1]
				buf.WriteByte(']')
				afterValue()
			default:
				return nil, false
			}
		case string:
			beforeValue()
			writeString(&buf, edit(path(), v))
			afterValue()
		case json.Number:
			beforeValue()
			buf.WriteString(v.String())
			afterValue()
		case bool:
			beforeValue()
			buf.WriteString(strconv.FormatBool(v))
			afterValue()
		case nil:
			beforeValue()
			buf.WriteString("null")
			afterValue()
		}
		done = len(stack) == 0
	}
	if len(stack) != 0 || !done {
		return nil, false
	}
	return buf.Bytes(), true
}

// writeString writes s as a JSON string without escaping <, > and & (bodies stay readable).
func writeString(buf *bytes.Buffer, s string) {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)           // a string always encodes
	buf.Truncate(buf.Len() - 1) // Encode's newline
}
