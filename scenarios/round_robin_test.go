package scenarios_test

import (
	"context"
	"fmt"
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/core/calcom"
	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/history"
	"github.com/bookingharness/bookingharness/sim/world"
)

// teamEvent is a round-robin event type with two hosts (docs/calcom.md §3, item 8): a new attendee gets
// the first free host; the same attendee at the same start gets the original booking back;
// with both hosts busy, 400 with the team message.
var teamEvent = fakecalcom.EventType{ID: 7, Kind: fakecalcom.RoundRobin, LengthMinutes: 30, Hosts: []int{1, 2}}

// onTeam is the nth caller for teamEvent's slot.
func onTeam(n int) world.BookCall { return callerOf(teamEvent, n) }

// callerOf is the nth caller for event type et's slot at the incident's start, with a call
// id and an email of its own.
func callerOf(et fakecalcom.EventType, n int) world.BookCall {
	return world.BookCall{CallID: fmt.Sprintf("call_et%d_%02d", et.ID, n), EventTypeID: int64(et.ID), Start: incidentSlot,
		Attendee: core.Attendee{Name: fmt.Sprintf("Caller %d", n), Email: fmt.Sprintf("caller%d@example.org", n)}}
}

// worldServing is a world whose fake serves event type et alone.
func worldServing(ctx context.Context, et fakecalcom.EventType, cfg world.Config) *world.World {
	GinkgoHelper()
	cfg.EventTypes = []fakecalcom.EventType{et}
	return newWorld(ctx, cfg)
}

// expectRowsOnAssignedHosts asserts that every live appointment sits on the host Cal.com
// assigned its booking (the staff rows are mapped to Cal.com hosts as the checker maps
// them), and returns the hosts in appointment order.
func expectRowsOnAssignedHosts(ctx context.Context, w *world.World) []int64 {
	GinkgoHelper()
	st, err := w.State(ctx)
	Expect(err).NotTo(HaveOccurred())
	hostOf := map[string]int64{}
	for _, b := range st.Bookings {
		hostOf[b.UID] = b.HostID
	}
	var hosts []int64
	for _, a := range st.Appointments {
		if a.Live {
			Expect(a.StaffID).To(Equal(hostOf[a.BookingUID]), "appointment %d of %s", a.ID, a.CallID)
			hosts = append(hosts, a.StaffID)
		}
	}
	return hosts
}

// expectLinearizable checks every slot's history against the slot model: on teamEvent a
// slot holds two calls, so "slot taken" while a host is free is a lie porcupine calls.
func expectLinearizable(w *world.World) {
	GinkgoHelper()
	res, err := history.CheckSlots(w.Recorder.Operations())
	Expect(err).NotTo(HaveOccurred())
	Expect(res.Illegal()).To(BeEmpty(), "slots whose history no order of the answers explains")
}

// creates counts the world's POST /v2/bookings.
func creates(w *world.World) int {
	n := 0
	for _, e := range w.Fake.Fake.Journal() {
		if e.Method == http.MethodPost && e.Path == "/v2/bookings" {
			n++
		}
	}
	return n
}

var _ = Describe("Round robin with several hosts", func() {
	// The seed stores the staff member the caller asked for (the first host), whoever Cal.com
	// assigned: two callers booked on two hosts are two rows on host 1 — a double booking in
	// the database while Cal.com is right (the seed is faithful here; that is its weakness),
	// and the second row names a booking Cal.com holds on host 2 (mismatched_appointment,
	// since the checker compares every row with its booking: issue 19 §3).
	// The hardened core claims the first free host and stores the host Cal.com assigned.
	DescribeTable("two callers, two hosts, one after the other",
		func(ctx SpecContext, p core.Policy, rowHosts []int64, brokenInvariants []string) {
			w := worldServing(ctx, teamEvent, world.Config{Policy: p, Layers: core.All()})
			a, b := mustBook(ctx, w, onTeam(1)), mustBook(ctx, w, onTeam(2))
			Expect(a.BookingUID).NotTo(Equal(b.BookingUID))
			hosts := map[int]int{}
			for _, bk := range accepted(w) {
				hosts[bk.HostID]++
			}
			Expect(hosts).To(Equal(map[int]int{1: 1, 2: 1}), "Cal.com gave each caller a host")
			st, err := w.State(ctx)
			Expect(err).NotTo(HaveOccurred())
			var got []int64
			for _, app := range st.Appointments {
				got = append(got, app.StaffID)
			}
			Expect(got).To(Equal(rowHosts), "the hosts the rows are stored on")
			expectLinearizable(w)
			expectBroken(ctx, w, brokenInvariants)
		},
		func(p core.Policy, rowHosts []int64, b []string) string {
			s := fmt.Sprintf("%s: both booked, rows on hosts %v", p, rowHosts)
			if len(b) == 0 {
				return s + "; no invariant broken"
			}
			return s + "; breaks " + join(b)
		},
		Entry(nil, labels("round_robin", core.PolicyHardened, core.All()), core.PolicyHardened, []int64{1, 2}, broken()),
		Entry(nil, labels("round_robin", core.PolicySeed, core.All()), core.PolicySeed, []int64{1, 1}, broken(check.DoubleBookedSlot, check.MismatchedAppointment)),
	)

	// Forced: caller 1 claims host 1 and is held before its create; caller 2 claims host 2,
	// reaches Cal.com first and is given host 1. Settling caller 2 meets caller 1's claim on
	// host 1: the claims swap hosts (store.MoveClaim), and caller 1, released, is given host 2
	// by Cal.com and settles where its claim now is. Without the swap caller 2's booking was
	// cancelled and caller 2 told slot_taken while a host was free.
	It("hardened: Cal.com gives the second caller the host the first one claimed; the claims swap hosts and both are booked",
		labels("round_robin", core.PolicyHardened, core.All()), gated, func(ctx SpecContext) {
			parked, release := make(chan struct{}), make(chan struct{})
			first := onTeam(1)
			w := worldServing(ctx, teamEvent, world.Config{Policy: core.PolicyHardened, Layers: core.All(),
				Hook: func(ctx context.Context, p core.HookPoint, callID string) error {
					if p == core.HookBeforeCalcom && callID == first.CallID {
						close(parked)
						select {
						case <-release:
						case <-ctx.Done():
						}
					}
					return nil
				}})
			a := goBook(ctx, w, first)
			Eventually(ctx, parked).Should(BeClosed(), "caller 1 reaches Cal.com and parks")
			b := mustBook(ctx, w, onTeam(2))
			close(release)
			Expect(a.Wait(ctx).Outcome.Kind).To(Equal(core.Booked))
			hostOfBooking := map[string]int{}
			for _, bk := range accepted(w) {
				hostOfBooking[bk.UID] = bk.HostID
			}
			Expect(hostOfBooking[b.BookingUID]).To(Equal(1), "caller 2 reached Cal.com first and got host 1")
			Expect(expectRowsOnAssignedHosts(ctx, w)).To(ConsistOf(int64(1), int64(2)))
			for _, e := range w.Fake.Fake.Journal() {
				Expect(e.Path).NotTo(HaveSuffix("/cancel"), "nothing was refused and cancelled")
			}
			expectLinearizable(w)
			expectBroken(ctx, w, broken())
		})

	// The phone platform re-sends a call: Cal.com returns the original booking (same attendee,
	// same start), never a second booking on the free host. The seed takes the replay and
	// answers "booked" with its own row (db_check); the hardened core answers already_booked
	// from its claim without asking Cal.com again.
	DescribeTable("the same caller books twice",
		func(ctx SpecContext, p core.Policy, told core.OutcomeKind, layer core.Layer, wantCreates int) {
			w := worldServing(ctx, teamEvent, world.Config{Policy: p, Layers: core.All()})
			first := mustBook(ctx, w, onTeam(1))
			again := book(ctx, w, onTeam(1))
			expectAnswer(again, told, layer)
			Expect(again.BookingUID).To(Equal(first.BookingUID))
			Expect(creates(w)).To(Equal(wantCreates))
			if wantCreates == 2 {
				Expect(w.Fake.Fake.Journal()[1].Replayed).To(BeTrue(), "Cal.com replayed the original booking")
			}
			Expect(accepted(w)).To(HaveLen(1), "no second booking on the free host")
			expectBroken(ctx, w, broken())
		},
		func(p core.Policy, told core.OutcomeKind, layer core.Layer, n int) string {
			return fmt.Sprintf("%s: the re-send is told %s (%s) after %d create(s); no invariant broken", p, told, layer, n)
		},
		Entry(nil, labels("round_robin", core.PolicySeed, core.All()), core.PolicySeed, core.Booked, core.LayerDBCheck, 2),
		Entry(nil, labels("round_robin", core.PolicyHardened, core.All()), core.PolicyHardened, core.AlreadyBooked, core.Layer(""), 1),
	)

	// Another call with the same attendee email (a phone agent's generic fallback address):
	// Cal.com hands back the first caller's booking instead of the free host (docs/calcom.md §3). Both
	// policies refuse it by call_id; host 2 stays free — availability Cal.com loses, not the
	// core.
	DescribeTable("another caller with the same email",
		func(ctx SpecContext, p core.Policy) {
			w := worldServing(ctx, teamEvent, world.Config{Policy: p, Layers: core.All()})
			mustBook(ctx, w, onTeam(1))
			c := onTeam(2)
			c.Attendee.Email = onTeam(1).Attendee.Email
			expectAnswer(book(ctx, w, c), core.SlotTaken, core.LayerCallID)
			Expect(accepted(w)).To(HaveLen(1))
			expectBroken(ctx, w, broken())
		},
		func(p core.Policy) string {
			return string(p) + ": Cal.com replays the first caller's booking; told slot_taken (call_id); no invariant broken"
		},
		Entry(nil, labels("round_robin", core.PolicySeed, core.All()), core.PolicySeed),
		Entry(nil, labels("round_robin", core.PolicyHardened, core.All()), core.PolicyHardened),
	)

	// Both hosts busy: Cal.com answers 400 with the team message. The seed believes it (and
	// has stored the second caller on host 1, where Cal.com gave it host 2); the hardened core with every layer stops the third caller at its claim (both hosts hold a
	// live appointment) and without slot_exclusion looks the booking up after the team 400.
	DescribeTable("a third caller when both hosts are busy",
		func(ctx SpecContext, p core.Policy, ls core.Layers, layer core.Layer, calcomErr calcom.ErrorKind, reason string, wantCreates int, brokenInvariants []string) {
			w := worldServing(ctx, teamEvent, world.Config{Policy: p, Layers: ls})
			mustBook(ctx, w, onTeam(1))
			mustBook(ctx, w, onTeam(2))
			third := goBook(ctx, w, onTeam(3)).Wait(ctx).Outcome
			expectAnswer(third, core.SlotTaken, layer)
			Expect(third.CalcomError).To(Equal(calcomErr))
			Expect(third.Reason).To(ContainSubstring(reason))
			Expect(creates(w)).To(Equal(wantCreates))
			Expect(accepted(w)).To(HaveLen(2))
			expectBroken(ctx, w, brokenInvariants)
		},
		func(p core.Policy, ls core.Layers, layer core.Layer, calcomErr calcom.ErrorKind, _ string, _ int, b []string) string {
			decider := string(layer)
			if decider == "" {
				decider = "Cal.com " + string(calcomErr)
			}
			s := fmt.Sprintf("%s, layers %s: told slot_taken (%s)", p, ls, decider)
			if len(b) == 0 {
				return s + "; no invariant broken"
			}
			return s + "; breaks " + join(b) + " (both rows on host 1, the second caller's booking on host 2)"
		},
		Entry(nil, labels("round_robin", core.PolicySeed, core.All()), core.PolicySeed, core.All(), core.Layer(""), calcom.ErrSlotTaken,
			fakecalcom.MsgSlotTakenTeam, 3, broken(check.DoubleBookedSlot, check.MismatchedAppointment)),
		Entry(nil, labels("round_robin", core.PolicyHardened, core.All()), core.PolicyHardened, core.All(), core.LayerSlotExclusion, calcom.ErrorKind(""),
			"every host of the event type (2)", 2, broken()),
		Entry(nil, labels("round_robin", core.PolicyHardened, allButExclusion), core.PolicyHardened, allButExclusion, core.Layer(""), calcom.ErrSlotTaken,
			fakecalcom.MsgSlotTakenTeam, 3, broken()),
	)
})
