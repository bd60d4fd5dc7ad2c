// Package histfile keeps a run's history and final state on disk, so the run can be judged
// again later — by a fixed or stronger checker — without running it again (etcd keeps its
// clients' histories for the same reason). `bookingharness replay --history`, `load --history`
// and the scenario suite's worlds (HARNESS_HISTORY_DIR) write one; `bookingharness check FILE`
// judges it again with today's checker and prints the report the run printed.
//
// The file is JSON lines: a header (what ran, what it expected, the stamp of the tree that
// ran it), one line per operation of the history, one per appointment row and per Cal.com
// booking of the final state, and last the verdict the checker of the time gave. Each line
// is an object with exactly one key: header, op, appointment, booking or verdict.
package histfile

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/internal/stamp"
	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/history"
)

// Format names the file format in every header; a reader refuses any other.
const Format = "bookingharness.history/1"

// Ext ends the name of a history file.
const Ext = ".history.jsonl"

// Where a history came from.
const (
	SourceLoad   = "load"
	SourceReplay = "replay"
	SourceSuite  = "suite"
)

// Header says what ran and what it expected.
type Header struct {
	Format string `json:"format"`
	// Source is SourceLoad, SourceReplay or SourceSuite.
	Source string `json:"source"`
	// Name is the incident, the spec's text, or the load's description.
	Name   string `json:"name"`
	Policy string `json:"policy"`
	Layers string `json:"layers"`
	// Expected are the violation names the run expected (a replay's expect.violations, a
	// spec's declared ones) or tolerated (a load's); nil when it asserted none.
	Expected []string `json:"expected"`
	// ExpectAppointments and ExpectCalcomBookings are a replay's asserted final counts.
	ExpectAppointments   *int `json:"expect_appointments,omitempty"`
	ExpectCalcomBookings *int `json:"expect_calcom_bookings,omitempty"`
	// CheckTimeout is a load's bound on porcupine's check of one slot (0: none).
	CheckTimeout fakecalcom.Duration `json:"check_timeout,omitempty"`
	// Stamp is the tree and command that ran it; nil when unknown.
	Stamp *stamp.Stamp `json:"stamp,omitempty"`
}

// Verdict is what the checker said when the run ended.
type Verdict struct {
	Violations []check.Violation `json:"violations"`
	// NotJudged says why it could not judge, if it could not.
	NotJudged []string `json:"not_judged,omitempty"`
}

// VerdictOf is the verdict of a checker's report.
func VerdictOf(r check.Report) Verdict {
	v := Verdict{Violations: r.Violations, NotJudged: r.NotJudged}
	if v.Violations == nil {
		v.Violations = []check.Violation{}
	}
	return v
}

// History is one run on disk.
type History struct {
	Header     Header
	Operations []history.Operation
	State      check.State
	Verdict    Verdict
}

// line is one line of the file; exactly one field is set.
type line struct {
	Header      *Header            `json:"header,omitempty"`
	Op          *history.Operation `json:"op,omitempty"`
	Appointment *check.Appointment `json:"appointment,omitempty"`
	Booking     *check.Booking     `json:"booking,omitempty"`
	Verdict     *Verdict           `json:"verdict,omitempty"`
}

// Write writes h to path (creating its directory), Format filled in.
func Write(path string, h History) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("histfile: %w", err)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("histfile: %w", err)
	}
	err = Encode(f, h)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("histfile: write %s: %w", path, err)
	}
	return nil
}

// Encode writes h as JSON lines to w.
func Encode(w io.Writer, h History) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	h.Header.Format = Format
	put := func(l line) error { return enc.Encode(l) }
	if err := put(line{Header: &h.Header}); err != nil {
		return err
	}
	for i := range h.Operations {
		if err := put(line{Op: &h.Operations[i]}); err != nil {
			return err
		}
	}
	for i := range h.State.Appointments {
		if err := put(line{Appointment: &h.State.Appointments[i]}); err != nil {
			return err
		}
	}
	for i := range h.State.Bookings {
		if err := put(line{Booking: &h.State.Bookings[i]}); err != nil {
			return err
		}
	}
	if err := put(line{Verdict: &h.Verdict}); err != nil {
		return err
	}
	return bw.Flush()
}

// Read reads a history file. A file that is not one — another format, a line that is not
// one of the five kinds, a header that is not first, no verdict at the end — is an error
// naming the file and line.
func Read(path string) (History, error) {
	f, err := os.Open(path)
	if err != nil {
		return History{}, fmt.Errorf("histfile: %w", err)
	}
	defer f.Close()
	h, err := Decode(f)
	if err != nil {
		return History{}, fmt.Errorf("histfile: %s:%w", path, err)
	}
	return h, nil
}

// Decode reads a history from r; errors start with the line number.
func Decode(r io.Reader) (History, error) {
	var h History
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	n, header, verdict := 0, false, false
	for sc.Scan() {
		n++
		raw := bytes.TrimSpace(sc.Bytes())
		if len(raw) == 0 {
			continue
		}
		fail := func(format string, args ...any) (History, error) {
			return History{}, fmt.Errorf("%d: %s", n, fmt.Sprintf(format, args...))
		}
		if verdict {
			return fail("a line after the verdict: the verdict ends a history")
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		var l line
		if err := dec.Decode(&l); err != nil {
			return fail("not a history line (want one of header, op, appointment, booking, verdict): %v", err)
		}
		if kinds := l.kinds(); kinds != 1 {
			return fail("a line holds exactly one of header, op, appointment, booking, verdict; this one holds %d", kinds)
		}
		switch {
		case l.Header != nil:
			if header {
				return fail("a second header")
			}
			if l.Header.Format != Format {
				return fail("format %q, want %q", l.Header.Format, Format)
			}
			h.Header, header = *l.Header, true
		case !header:
			return fail("the header must come first")
		case l.Op != nil:
			h.Operations = append(h.Operations, *l.Op)
		case l.Appointment != nil:
			h.State.Appointments = append(h.State.Appointments, *l.Appointment)
		case l.Booking != nil:
			h.State.Bookings = append(h.State.Bookings, *l.Booking)
		case l.Verdict != nil:
			h.Verdict, verdict = *l.Verdict, true
		}
	}
	if err := sc.Err(); err != nil {
		return History{}, fmt.Errorf("%d: %w", n, err)
	}
	if !header {
		return History{}, errors.New("0: empty: no header")
	}
	if !verdict {
		return History{}, fmt.Errorf("%d: no verdict at the end: the file was cut short", n)
	}
	return h, nil
}

func (l line) kinds() int {
	n := 0
	for _, set := range []bool{l.Header != nil, l.Op != nil, l.Appointment != nil, l.Booking != nil, l.Verdict != nil} {
		if set {
			n++
		}
	}
	return n
}
