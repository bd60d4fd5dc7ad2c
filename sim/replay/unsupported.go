package replay

import (
	"context"
	"errors"

	"github.com/bookingharness/bookingharness/sim/incident"
)

// The step kinds and injections the runner does not execute yet. CheckSupported refuses a
// file that uses them before a world is built; these are the runner's own guard.

var errNotYet = errors.New("parsed but not executed by the replay runner yet")

func (r *runner) host(_ context.Context, path string, _ incident.Step) error {
	return errors.New("replay: " + r.inc.File + ": " + path + ".host: " + errNotYet.Error())
}

func (r *runner) armWebhook(_ string, b incident.Book) (func(), error) {
	if b.WebhookFault != nil {
		return nil, errors.New("webhook_fault: " + errNotYet.Error())
	}
	return nil, nil
}
