package har

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
)

// ReadFile reads the HAR file at path (see Read).
func ReadFile(path string) (*Log, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("har: %w", err)
	}
	log, err := Read(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return log, nil
}

// Read decodes a HAR document: the recorder's, or another tool's capture (a browser's
// export, mitmproxy's) — fields this package does not know, such as Chrome's _initiator,
// are ignored. An entry that cannot be decoded is an error naming its index
// (log.entries[3]: …), so a hand-edited capture says where it broke.
func Read(r io.Reader) (*Log, error) {
	var doc struct {
		Log *struct {
			Version string            `json:"version"`
			Creator Creator           `json:"creator"`
			Browser *Creator          `json:"browser"`
			Entries []json.RawMessage `json:"entries"`
			Comment string            `json:"comment"`
		} `json:"log"`
	}
	dec := json.NewDecoder(r)
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("har: not a HAR document (JSON): %w", err)
	}
	if doc.Log == nil {
		return nil, fmt.Errorf("har: not a HAR document: no \"log\" object at the top")
	}
	if doc.Log.Entries == nil {
		return nil, fmt.Errorf("har: log.entries is missing")
	}
	out := &Log{Version: doc.Log.Version, Creator: doc.Log.Creator, Browser: doc.Log.Browser, Comment: doc.Log.Comment,
		Entries: make([]Entry, 0, len(doc.Log.Entries))}
	for i, raw := range doc.Log.Entries {
		var e Entry
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, fmt.Errorf("har: log.entries[%d]: %w", i, err)
		}
		out.Entries = append(out.Entries, e)
	}
	return out, nil
}
