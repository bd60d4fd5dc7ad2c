package load

import (
	"io"
	"strings"

	"github.com/bookingharness/bookingharness/sim/history"
)

// MaxTimelineOps bounds the operations drawn per slot: porcupine's page for a slot with
// thousands of operations is unreadable and slow to compute. A longer slot history is drawn
// as its first MaxTimelineOps operations (a prefix of a history is itself a history; its
// verdict may differ from the whole slot's).
const MaxTimelineOps = 400

// TimelinePath is where the HTML report's timeline goes by default: next to the report, with
// "-timeline" before the extension.
func TimelinePath(htmlPath string) string {
	base := strings.TrimSuffix(htmlPath, ".html")
	return base + "-timeline.html"
}

// TimelineSlots returns the slots WriteTimeline draws: the non-linearizable slots first,
// then, if there is room, the first checked slots, at most Config.TimelineSlots in all.
func (r *Result) TimelineSlots() []history.SlotKey {
	var out []history.SlotKey
	add := func(s history.SlotKey) {
		for _, o := range out {
			if history.SameSlot(o, s) {
				return
			}
		}
		out = append(out, s)
	}
	for _, s := range r.illegalSlots {
		if len(out) >= r.timelineMax {
			return out
		}
		add(s)
	}
	for _, s := range r.checkedSlots {
		if len(out) >= r.timelineMax {
			break
		}
		add(s)
	}
	return out
}

// WriteTimeline writes porcupine's interactive timeline (history.WriteTimeline) of the
// slots TimelineSlots chooses, each bounded to MaxTimelineOps operations.
func (r *Result) WriteTimeline(w io.Writer) error {
	slots := r.TimelineSlots()
	per := make([]int, len(slots))
	var ops []history.Operation
	for _, op := range r.ops {
		for i, s := range slots {
			if history.SameSlot(op.Slot, s) && per[i] < MaxTimelineOps {
				per[i]++
				ops = append(ops, op)
				break
			}
		}
	}
	return history.WriteTimeline(w, ops)
}
