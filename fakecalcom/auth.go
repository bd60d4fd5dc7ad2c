package fakecalcom

import (
	"crypto/subtle"
	"net/http"
	"strings"
)

// caller is who made a request: anonymous, or authenticated with an API key. Cal.com knows
// the key's owner (apps/api/v2/src/modules/auth/strategies/api-auth/api-auth.strategy.ts:
// apiKeyStrategy reads keyData.userId); the fake knows it when Config.KeyOwners names it.
type caller struct {
	authed bool
	// user is the key's owner; 0 for a key Config.KeyOwners does not name, which the fake
	// treats as the key of every host (the common case: one service, one host's key).
	user int
}

// owns reports whether the caller is the booking's owner (the host it is booked with), as
// Cal.com compares bookingToDelete.userId with the caller's user id.
func (c caller) owns(b *Booking) bool { return c.authed && (c.user == 0 || c.user == b.HostID) }

// hosts reports whether the caller is one of the event type's hosts (its owner, for a
// single-host event type).
func (c caller) hosts(et EventType) bool {
	if !c.authed {
		return false
	}
	if c.user == 0 {
		return true
	}
	for _, h := range et.HostIDs() {
		if h == c.user {
			return true
		}
	}
	return false
}

// sees reports whether a booking is in the caller's list: its user hosts it or attends it
// (getAllUserBookings.ts: userId = user.id OR an attendee's email = user.email).
func (c caller) sees(b *Booking) bool {
	return c.authed && (c.user == 0 || b.HostID == c.user || hasAttendee(b, hostEmail(c.user)))
}

// bearerToken is the Authorization header with a leading "Bearer " removed, as Cal.com's
// strategy reads it (request.get("Authorization")?.replace("Bearer ", "")): a bare key works
// as well as a Bearer one.
func bearerToken(r *http.Request) string {
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
}

// authenticate applies Cal.com's optional auth: no credentials is anonymous (no error); a
// key must be valid when Config.APIKey or Config.KeyOwners is set; an invalid one is 401
// even on optional-auth routes.
func (f *Fake) authenticate(r *http.Request) (caller, *apiError) {
	tok := bearerToken(r)
	if strings.TrimSpace(tok) == "" {
		return caller{}, nil
	}
	if owner, ok := f.cfg.KeyOwners[tok]; ok {
		return caller{authed: true, user: owner}, nil
	}
	if (f.cfg.APIKey == "" && len(f.cfg.KeyOwners) == 0) || (f.cfg.APIKey != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(f.cfg.APIKey)) == 1) {
		return caller{authed: true}, nil
	}
	if strings.HasPrefix(tok, "cal_") {
		return caller{}, httpErr(http.StatusUnauthorized, MsgBadAPIKey)
	}
	return caller{}, httpErr(http.StatusUnauthorized, MsgBadAccessToken)
}
