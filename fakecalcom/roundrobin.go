package fakecalcom

import (
	"slices"
	"time"
)

// Round robin's choice of host, after Cal.com's getLuckyUser (packages/lib/server/
// getLuckyUser.ts, @0d30ed9) among the hosts free for the slot:
//
//  1. with weights enabled (isRRWeightsEnabled), the hosts furthest below their weighted share
//     of this month's bookings of the event type (target = all hosts' bookings × weight ÷ the
//     sum of weights; shortfall = target − own bookings), then among those the heaviest;
//  2. the hosts of the highest priority (default 2);
//  3. the least recently booked: the host whose latest accepted booking of the event type was
//     created longest ago (never booked counts as the beginning of time); ties keep the order
//     of EventType.Hosts, as JavaScript's stable sort keeps Cal.com's.
//
// Simplified: no calibration for hosts added this month, no attribute weights or routing
// forms, and a host counts the bookings it organises, not those it attends.

// luckyHost chooses the host of a new round-robin booking among free, which are in the
// event type's host order. The caller holds l.mu.
func (l *ledger) luckyHost(et EventType, free []int, now time.Time) int {
	if len(free) == 1 {
		return free[0]
	}
	pool := free
	if et.WeightsEnabled {
		pool = l.mostBehind(et, pool, now)
	}
	pool = highestPriority(et, pool)
	best, bestAt := pool[0], l.lastBooked(et.ID, pool[0])
	for _, h := range pool[1:] {
		if at := l.lastBooked(et.ID, h); at.Before(bestAt) {
			best, bestAt = h, at
		}
	}
	return best
}

// hostWeight and hostPriority read the event type's per-host options, or Cal.com's defaults
// (weight 100, priority 2 "medium") when the event type gives none.
func hostWeight(et EventType, host int) int {
	if i := slices.Index(et.HostIDs(), host); i >= 0 && i < len(et.HostWeights) {
		return et.HostWeights[i]
	}
	return 100
}

func hostPriority(et EventType, host int) int {
	if i := slices.Index(et.HostIDs(), host); i >= 0 && i < len(et.HostPriorities) {
		return et.HostPriorities[i]
	}
	return 2
}

// highestPriority keeps the hosts of the highest priority.
func highestPriority(et EventType, hosts []int) []int {
	top := -1
	for _, h := range hosts {
		top = max(top, hostPriority(et, h))
	}
	return slices.DeleteFunc(slices.Clone(hosts), func(h int) bool { return hostPriority(et, h) != top })
}

// mostBehind keeps the hosts with the largest booking shortfall, then the heaviest of them.
// The caller holds l.mu.
func (l *ledger) mostBehind(et EventType, hosts []int, now time.Time) []int {
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	total, weights := 0, 0
	for _, h := range et.HostIDs() {
		total += l.bookedSince(et.ID, h, month)
		weights += hostWeight(et, h)
	}
	shortfall := func(h int) float64 {
		if weights == 0 {
			return -float64(l.bookedSince(et.ID, h, month))
		}
		return float64(total)*float64(hostWeight(et, h))/float64(weights) - float64(l.bookedSince(et.ID, h, month))
	}
	var out []int
	best, heaviest := 0.0, 0
	for i, h := range hosts {
		s, w := shortfall(h), hostWeight(et, h)
		switch {
		case i == 0 || s > best || (s == best && w > heaviest):
			out, best, heaviest = []int{h}, s, w
		case s == best && w == heaviest:
			out = append(out, h)
		}
	}
	return out
}

// rrKey names one host's bookings of one event type.
type rrKey struct{ eventType, host int }

// lastBooked is when host's latest accepted booking of the event type was created; the zero
// time when it has none. The caller holds l.mu.
func (l *ledger) lastBooked(eventType, host int) time.Time {
	bs := l.byHostType[rrKey{eventType, host}]
	for i := len(bs) - 1; i >= 0; i-- {
		if bs[i].Status == StatusAccepted {
			return bs[i].CreatedAt
		}
	}
	return time.Time{}
}

// bookedSince counts host's accepted bookings of the event type created at or after since.
// The caller holds l.mu.
func (l *ledger) bookedSince(eventType, host int, since time.Time) int {
	bs := l.byHostType[rrKey{eventType, host}]
	n := 0
	for i := len(bs) - 1; i >= 0 && !bs[i].CreatedAt.Before(since); i-- {
		if bs[i].Status == StatusAccepted {
			n++
		}
	}
	return n
}
