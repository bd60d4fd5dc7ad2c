package replay

import (
	"errors"

	"github.com/bookingharness/bookingharness/sim/incident"
)

// The step kinds and injections the runner does not execute yet. CheckSupported refuses a
// file that uses them before a world is built; these are the runner's own guard.

var errNotYet = errors.New("parsed but not executed by the replay runner yet")

func (r *runner) armDB(_ string, b incident.Book) (func(), error) {
	if b.DBFault != nil {
		return nil, errors.New("db_fault: " + errNotYet.Error())
	}
	return nil, nil
}

func (r *runner) armCrash(_ string, b incident.Book) (func(), error) {
	if b.Crash != "" {
		return nil, errors.New("crash: " + errNotYet.Error())
	}
	return nil, nil
}
