package scenarios_test

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/core/calcom"
	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/world"
)

// confirmEvent is a requires-confirmation event type; blockSlot is Cal.com's
// requiresConfirmationWillBlockSlot (docs/calcom.md §3): whether a PENDING booking makes the host
// busy for everyone else.
func confirmEvent(blockSlot bool) fakecalcom.EventType {
	return fakecalcom.EventType{ID: 9, Kind: fakecalcom.RequiresConfirmation, LengthMinutes: 30, HostID: 5, BlockSlot: blockSlot}
}

// onConfirm is the nth caller for the requires-confirmation slot.
func onConfirm(n int) world.BookCall { return callerOf(confirmEvent(false), n) }

var _ = Describe("Requires confirmation and block_slot", func() {
	// A second attendee asks for the slot of a pending booking. With block_slot false (Cal.com's
	// default) the pending booking blocks nothing: Cal.com creates a second pending booking,
	// and whoever stores both rows double-books the host — the seed, and the hardened core
	// without its slot_exclusion layer. With block_slot true Cal.com itself refuses (400). The
	// hardened core with every layer stops the second caller at its claim either way.
	DescribeTable("a second caller for a pending booking's slot",
		func(ctx SpecContext, blockSlot bool, p core.Policy, ls core.Layers, told core.OutcomeKind, layer core.Layer, calcomErr calcom.ErrorKind,
			pending int, brokenInvariants []string) {
			w := worldServing(ctx, confirmEvent(blockSlot), world.Config{Policy: p, Layers: ls})
			mustBook(ctx, w, onConfirm(1))
			second := goBook(ctx, w, onConfirm(2)).Wait(ctx).Outcome
			expectAnswer(second, told, layer)
			Expect(second.CalcomError).To(Equal(calcomErr))
			n := 0
			for _, b := range w.Fake.Fake.Bookings() {
				if b.Status == fakecalcom.StatusPending {
					n++
				}
			}
			Expect(n).To(Equal(pending), "pending bookings in Cal.com")
			expectBroken(ctx, w, brokenInvariants)
		},
		func(blockSlot bool, p core.Policy, ls core.Layers, told core.OutcomeKind, layer core.Layer, calcomErr calcom.ErrorKind, pending int, b []string) string {
			decider := string(layer)
			if calcomErr != "" {
				decider = "Cal.com " + string(calcomErr)
			}
			s := fmt.Sprintf("block_slot %v, %s, layers %s: the second caller is told %s", blockSlot, p, ls, told)
			if decider != "" {
				s += " (" + decider + ")"
			}
			s += fmt.Sprintf("; %d pending booking(s)", pending)
			if len(b) == 0 {
				return s + "; no invariant broken"
			}
			return s + "; breaks " + join(b)
		},
		Entry(nil, labels("block_slot", core.PolicySeed, core.All()), false, core.PolicySeed, core.All(), core.Booked, core.Layer(""), calcom.ErrorKind(""), 2, broken(check.DoubleBookedSlot)),
		Entry(nil, labels("block_slot", core.PolicySeed, core.All()), true, core.PolicySeed, core.All(), core.SlotTaken, core.Layer(""), calcom.ErrSlotTaken, 1, broken()),
		Entry(nil, labels("block_slot", core.PolicyHardened, core.All()), false, core.PolicyHardened, core.All(), core.SlotTaken, core.LayerSlotExclusion, calcom.ErrorKind(""), 1, broken()),
		Entry(nil, labels("block_slot", core.PolicyHardened, core.All()), true, core.PolicyHardened, core.All(), core.SlotTaken, core.LayerSlotExclusion, calcom.ErrorKind(""), 1, broken()),
		Entry(nil, labels("block_slot", core.PolicyHardened, allButExclusion), false, core.PolicyHardened, allButExclusion, core.Booked, core.Layer(""), calcom.ErrorKind(""), 2, broken(check.DoubleBookedSlot)),
		Entry(nil, labels("block_slot", core.PolicyHardened, allButExclusion), true, core.PolicyHardened, allButExclusion, core.SlotTaken, core.Layer(""), calcom.ErrSlotTaken, 1, broken()),
	)
})
