package har

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
)

// closing ends the document after the last entry; Writer rewrites it after every entry.
const closing = "\n]}}\n"

// Writer writes a HAR file one entry at a time, holding no entry in memory: each Append
// writes the entry followed by the document's closing brackets and moves back over those
// brackets for the next entry, so the file is a valid HAR document after every Append — a
// recorder stopped by Ctrl-C, SIGTERM or even SIGKILL between two entries leaves a file any
// viewer opens. It is safe for concurrent use.
type Writer struct {
	mu      sync.Mutex
	f       *os.File
	path    string
	tail    int64 // where the closing brackets start
	entries int
	closed  bool
}

// Create creates (or truncates) the file at path and writes an empty log by creator.
func Create(path string, creator Creator) (*Writer, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("har: create %s: %w", path, err)
	}
	c, err := json.Marshal(creator)
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("har: %w", err)
	}
	head := `{"log":{"version":"` + Version + `","creator":` + string(c) + `,"entries":[`
	w := &Writer{f: f, path: path, tail: int64(len(head))}
	if _, err := f.WriteAt([]byte(head+closing), 0); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("har: write %s: %w", path, err)
	}
	return w, nil
}

// ErrClosed is returned by Append after Close.
var ErrClosed = errors.New("har: writer closed")

// Append writes e as the log's next entry. The entry and the closing brackets go out in
// one write at the position of the previous closing brackets, so a reader never sees a
// half-open document between two Appends.
func (w *Writer) Append(e Entry) error {
	data, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("har: encode entry: %w", err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return ErrClosed
	}
	sep := "\n"
	if w.entries > 0 {
		sep = ",\n"
	}
	buf := make([]byte, 0, len(sep)+len(data)+len(closing))
	buf = append(append(append(buf, sep...), data...), closing...)
	if _, err := w.f.WriteAt(buf, w.tail); err != nil {
		return fmt.Errorf("har: write %s: %w", w.path, err)
	}
	w.tail += int64(len(sep) + len(data))
	w.entries++
	return nil
}

// Entries is how many entries have been written.
func (w *Writer) Entries() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.entries
}

// Close syncs and closes the file; later Appends fail with ErrClosed. Closing twice is a
// no-op.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	w.closed = true
	err := w.f.Sync()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("har: close %s: %w", w.path, err)
	}
	return nil
}
