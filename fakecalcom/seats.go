package fakecalcom

import (
	"net/http"
	"strconv"
	"time"
)

// seatAvailable applies handleSeats' checks before a new seat joins b: the same attendee
// (exact email) again gets Cal.com's HttpError 409, which reaches the client as Nest's raw
// body; a full booking gets the ConflictException envelope (docs/calcom.md §3).
func seatAvailable(b *Booking, et EventType, email string) *apiError {
	for _, s := range b.Seats {
		if s.Status == StatusAccepted && s.AttendeeEmail == email {
			return nestRaw(http.StatusConflict, MsgAlreadySignedUp)
		}
	}
	if b.liveSeats() >= et.Seats {
		return httpErr(http.StatusConflict, MsgNoSeatsLeft)
	}
	return nil
}

// seat is the booker's seat, with the booker's own metadata.
func (p *createPlan) seat(uid string, now time.Time) Seat {
	return Seat{
		UID: uid, AttendeeName: p.name, AttendeeEmail: p.email, AttendeePhone: p.phone,
		AttendeeTimeZone: p.timeZone, AttendeeLanguage: p.language, Metadata: p.metadata, Responses: p.responses,
		Status: StatusAccepted, CreatedAt: now,
	}
}

// seatUID returns a new seat reference uid (a UUID, as Cal.com's BookingSeat.referenceUid),
// deterministic for a seed. The caller holds l.mu.
func (l *ledger) seatUID(now time.Time) string {
	l.nextSeat++
	name := "seat:" + strconv.FormatInt(l.seed, 10) + ":" + strconv.Itoa(l.nextSeat) + ":" + strconv.FormatInt(now.UnixMilli(), 10)
	return uuidV5([]byte(name)).String()
}

// addSeat joins the booker to b and returns the new seat's uid. The booking keeps its first
// booker's metadata (docs/calcom.md §3). The caller holds l.mu.
func (l *ledger) addSeat(b *Booking, p *createPlan, now time.Time) string {
	uid := l.seatUID(now)
	b.Seats = append(b.Seats, p.seat(uid, now))
	b.History = append(b.History, Transition{At: now, From: b.Status, To: b.Status, Reason: "seat_added", SeatUID: uid})
	b.touch(now)
	l.seatOf[uid] = b
	return uid
}

// cancelSeat ends one seat; the booking is cancelled with its last seat. The caller holds
// l.mu.
func (l *ledger) cancelSeat(b *Booking, s *Seat, now time.Time) {
	s.Status = StatusCancelled
	b.History = append(b.History, Transition{At: now, From: b.Status, To: b.Status, Reason: "seat_cancelled", SeatUID: s.UID})
	b.touch(now)
	if b.liveSeats() == 0 {
		l.clearKeyLocked(b)
		b.transition(now, StatusCancelled, "cancelled")
	}
}

// cancelAllSeats marks every seat of a cancelled booking cancelled too, so each seat's state
// says whether its attendee still holds it. The caller holds l.mu.
func cancelAllSeats(b *Booking) {
	for i := range b.Seats {
		b.Seats[i].Status = StatusCancelled
	}
}
