package main

import (
	"errors"
	"os"

	"github.com/bookingharness/bookingharness/internal/stamp"
	"github.com/bookingharness/bookingharness/sim/histfile"
)

// writeHistory writes the history a run kept to path ("" writes nothing), stamped with the
// tree the command runs in (no stamp outside a repository).
func writeHistory(path string, kept func(*stamp.Stamp) (histfile.History, bool)) error {
	if path == "" {
		return nil
	}
	var st *stamp.Stamp
	if s, err := treeStamp("", os.Args[1:]); err == nil {
		st = &s
	}
	h, ok := kept(st)
	if !ok {
		return errNoHistory
	}
	return histfile.Write(path, h)
}

// errNoHistory is a run that was asked for its history but did not keep it: a bug.
var errNoHistory = errors.New("the run kept no history to write")
