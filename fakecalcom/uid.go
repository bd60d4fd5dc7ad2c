package fakecalcom

import (
	"crypto/sha1"
	"encoding/binary"
	"math/bits"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// flickrBase58 is the alphabet of the short-uuid translator Cal.com uses for booking uids.
const flickrBase58 = "123456789abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"

// uidLength is the length of a short-uuid with consistentLength (128 bits in base 58).
const uidLength = 22

// shortUUID encodes a UUID as a 22-character flickrBase58 string, left-padded with the
// alphabet's zero digit, as short-uuid's fromUUID does.
func shortUUID(u uuid.UUID) string {
	hi, lo := binary.BigEndian.Uint64(u[:8]), binary.BigEndian.Uint64(u[8:])
	var out [uidLength]byte
	for i := uidLength - 1; i >= 0; i-- {
		// Divide the 128-bit number hi:lo by 58, keeping the remainder.
		var rem uint64
		hi, rem = hi/58, hi%58
		lo, rem = bits.Div64(rem, lo, 58)
		out[i] = flickrBase58[rem]
	}
	return string(out[:])
}

// uuidV5 is uuid.NewSHA1(uuid.NameSpaceURL, name) without the hash allocations.
func uuidV5(name []byte) uuid.UUID {
	var buf [128]byte
	data := append(append(buf[:0], uuid.NameSpaceURL[:]...), name...)
	sum := sha1.Sum(data)
	var u uuid.UUID
	copy(u[:], sum[:])
	u[6] = (u[6] & 0x0f) | 0x50 // version 5
	u[8] = (u[8] & 0x3f) | 0x80 // RFC 4122 variant
	return u
}

// newUID builds a booking uid like Cal.com (uuidv5 of host, start and creation time, in the
// URL namespace, then short-uuid), with the booking id and the seed mixed in so uids are
// unique and deterministic for a given seed and clock.
func newUID(seed int64, id, host int, start, now time.Time) string {
	buf := make([]byte, 0, 96)
	buf = append(buf, "host"...)
	buf = strconv.AppendInt(buf, int64(host), 10)
	buf = append(buf, ':')
	buf = start.UTC().AppendFormat(buf, time.RFC3339)
	buf = append(buf, ':')
	buf = strconv.AppendInt(buf, now.UnixMilli(), 10)
	buf = append(buf, ':')
	buf = strconv.AppendInt(buf, int64(id), 10)
	buf = append(buf, ':')
	buf = strconv.AppendInt(buf, seed, 10)
	return shortUUID(uuidV5(buf))
}

// IdempotencyKey is Cal.com's Booking.idempotencyKey for an accepted booking:
// uuidv5("<startMs>.<endMs>.<hostUserId>", URL namespace). It guards the host's exact
// [start, end) across all event types and attendees.
func IdempotencyKey(start, end time.Time, hostID int) string {
	buf := make([]byte, 0, 48)
	buf = strconv.AppendInt(buf, start.UnixMilli(), 10)
	buf = append(buf, '.')
	buf = strconv.AppendInt(buf, end.UnixMilli(), 10)
	buf = append(buf, '.')
	buf = strconv.AppendInt(buf, int64(hostID), 10)
	return uuidV5(buf).String()
}

// ValidUID reports whether s has the shape of a Cal.com booking uid (22 flickrBase58
// characters).
func ValidUID(s string) bool {
	if len(s) != uidLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isBase58(s[i]) {
			return false
		}
	}
	return true
}

func isBase58(c byte) bool {
	for i := 0; i < len(flickrBase58); i++ {
		if flickrBase58[i] == c {
			return true
		}
	}
	return false
}
