package fakecalcom

import (
	"strconv"
	"strings"
)

// decodeOptionalBody decodes an optional JSON body strictly; an empty body is an empty object.
func decodeOptionalBody(body []byte, dst any) error {
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil
	}
	v := &validationError{}
	unknown, found, err := strictDecode(body, dst)
	if err != nil {
		return describeDecodeErr(v, err)
	}
	if found {
		v.add(unknown, "property "+unknown+" should not exist")
		return v
	}
	return nil
}

func hostEmail(host int) string { return "host" + strconv.Itoa(host) + "@fake-calcom.invalid" }

// change is the outcome of a change to the ledger made through the API or by the host: the
// booking as it is afterwards (the new one for a reschedule), its seat, and the webhooks
// the change fires.
type change struct {
	b        Booking
	seat     string
	replayed bool // a reschedule answered with an existing booking (round-robin replay)
	events   []*webhookEvent
}

// changed renders a change's booking as the response.
func (x *exchange) changed(status int, ch change, aerr *apiError) result {
	if aerr != nil {
		return result{err: aerr}
	}
	return result{status: status, raw: x.bookingJSON(&ch.b, ""), uid: ch.b.UID, seat: ch.seat, events: ch.events}
}
