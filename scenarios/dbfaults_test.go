package scenarios_test

import (
	"context"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/pgproxy"
	"github.com/bookingharness/bookingharness/sim/world"
)

// dbFaultsFired lists the faults the world's database proxy fired.
func dbFaultsFired(w *world.World) []pgproxy.Entry {
	var out []pgproxy.Entry
	for _, e := range w.Core().Proxy().Journal() {
		if e.Event == pgproxy.EventFault {
			out = append(out, e)
		}
	}
	return out
}

// requests counts the fake's journal entries for method and a path pattern (path.Match).
func requests(w *world.World, method, pattern string) int {
	n := 0
	for _, e := range w.Fake.Fake.Journal() {
		if ok, _ := path.Match(pattern, e.Path); ok && e.Method == method {
			n++
		}
	}
	return n
}

// dbGate parks the statement a latency fault holds (world.Config.DBHold) until the spec lets
// it go, so a spec can run something else while a call's statement is in flight.
type dbGate struct {
	held chan time.Duration
	open chan struct{}
	once sync.Once
}

func newDBGate() *dbGate {
	return &dbGate{held: make(chan time.Duration, 1), open: make(chan struct{})}
}

// Hold is the world's DBHold.
func (g *dbGate) Hold(d time.Duration) {
	g.held <- d
	<-g.open
}

// Open lets the held statement (and any later one) go on; safe to call twice.
func (g *dbGate) Open() { g.once.Do(func() { close(g.open) }) }

// commitCase is one row of the commit table: what the proxy does to the statement that stores
// call 687's booking, what the caller is told, and what is left.
type commitCase struct {
	action    pgproxy.ActionKind
	told      core.OutcomeKind
	recovered bool // the answer came from re-reading the claim on a fresh connection
	rows      int  // live appointments
	broken    []string
}

// bookHeld starts booking call 687 in a world of policy p whose proxy holds the statement
// that stores the booking (the first that commits after Cal.com answered), and returns once
// it is held: the world, the gate that lets it go, and the attempt in flight.
func bookHeld(ctx SpecContext, p core.Policy) (*world.World, *dbGate, inFlight) {
	GinkgoHelper()
	g := newDBGate()
	w := newWorld(ctx, world.Config{Policy: p, Layers: core.All(), DBFaults: true, DBHold: g.Hold})
	DeferCleanup(g.Open) // registered after the world's cleanup, so it runs first
	disarm, err := w.Core().DBFaultAfterCalcom(call687ID, world.CommitRule("held", call687ID, pgproxy.Action{Kind: pgproxy.ActionLatency, Delay: time.Second}))
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(disarm)
	first := goBook(ctx, w, call687)
	Eventually(ctx, g.held).Should(Receive())
	return w, g, first
}

var _ = Describe("Faults between the core and Postgres", func() {
	// The proxy hits call 687's first committing statement after Cal.com answered: the
	// hardened settle's COMMIT, the seed's INSERT. Hardened: a COMMIT cut before it reached
	// the server leaves the claim pending, seen on a fresh connection, and the settle is tried
	// once more; a COMMIT whose answer was lost is re-read and found committed. Never a
	// compensating cancel of a booking whose row may be committed (hardened v1's phantom).
	// Seed: "error" either way — an orphan when nothing was stored, and a lie when the row
	// was committed behind the error.
	DescribeTable("the commit that stores call 687's booking",
		func(ctx SpecContext, p core.Policy, cc commitCase) {
			w := newWorld(ctx, world.Config{Policy: p, Layers: core.All(), DBFaults: true})
			disarm, err := w.Core().DBFaultAfterCalcom(call687ID, world.CommitRule("commit", call687ID, pgproxy.Action{Kind: cc.action}))
			Expect(err).NotTo(HaveOccurred())
			DeferCleanup(disarm)
			out := book(ctx, w, call687)
			Expect(out.Kind).To(Equal(cc.told), out.Reason)
			Expect(out.Recovered).To(Equal(cc.recovered), out.Reason)
			fired := dbFaultsFired(w)
			Expect(fired).To(HaveLen(1))
			Expect(fired[0].CallKey).To(Equal(call687ID), "the statement carries the booking uid; the world maps it to the call")
			Expect(live(ctx, w)).To(HaveLen(cc.rows))
			Expect(accepted(w)).To(HaveLen(1), "the booking stays in Cal.com")
			Expect(requests(w, "POST", "/v2/bookings/*/cancel")).To(BeZero(), "no compensating cancel")
			expectBroken(ctx, w, cc.broken)
		},
		func(p core.Policy, cc commitCase) string {
			return describeEntry(p, core.All(), string(cc.action)+" on the commit, "+itoa(cc.rows)+" row(s)", cc.told, "", cc.broken)
		},
		Entry(nil, labels("dbfault", core.PolicyHardened, core.All()), core.PolicyHardened, commitCase{pgproxy.ActionReset, core.Booked, false, 1, broken()}),
		Entry(nil, labels("dbfault", core.PolicyHardened, core.All()), core.PolicyHardened, commitCase{pgproxy.ActionCommitAckLost, core.Booked, true, 1, broken()}),
		Entry(nil, labels("dbfault", core.PolicySeed, core.All()), core.PolicySeed, commitCase{pgproxy.ActionReset, core.Error, false, 0, broken(check.OrphanBooking)}),
		Entry(nil, labels("dbfault", core.PolicySeed, core.All()), core.PolicySeed, commitCase{pgproxy.ActionCommitAckLost, core.Error, false, 1, broken(check.UntruthfulOutcome)}),
	)

	// Call 687 cancels; Cal.com cancels its booking, and the proxy hits the statement that
	// marks the appointment cancelled (the hardened core's UPDATE, the seed's COMMIT of the
	// transaction it held across the Cal.com call). Hardened re-reads the row on a fresh
	// connection and marks it once more when the mark did not happen: told cancelled, nothing
	// left behind. The seed's failed COMMIT is not told cancelled (the world records it
	// unknown): when the COMMIT was cut that leaves a phantom — a live row whose booking is
	// cancelled in Cal.com; when only its acknowledgement was lost, nothing is broken.
	DescribeTable("the statement that marks call 687's appointment cancelled",
		func(ctx SpecContext, p core.Policy, action pgproxy.ActionKind, cancelled bool, brokenInvariants []string) {
			w := newWorld(ctx, world.Config{Policy: p, Layers: core.All(), DBFaults: true})
			first := mustBook(ctx, w, call687)
			Expect(w.Core().Proxy().AddRule(world.CommitRule("cancel", call687ID, pgproxy.Action{Kind: action}))).To(Succeed())
			res, err := w.Cancel(ctx, call687ID, w.Slot(call687))
			if cancelled {
				Expect(err).NotTo(HaveOccurred())
				Expect(res.BookingUIDs).To(Equal([]string{first.BookingUID}))
			} else {
				Expect(err).To(HaveOccurred())
			}
			Expect(dbFaultsFired(w)).To(HaveLen(1))
			b, ok := w.Fake.Fake.Booking(first.BookingUID)
			Expect(ok).To(BeTrue())
			Expect(b.Status).To(Equal(fakecalcom.StatusCancelled), "Cal.com cancelled the booking before the mark")
			expectBroken(ctx, w, brokenInvariants)
		},
		func(p core.Policy, action pgproxy.ActionKind, cancelled bool, b []string) string {
			return string(p) + ": " + string(action) + " on the cancel's mark: told cancelled " + strconv.FormatBool(cancelled) + ", broken " + strings.Join(b, ",")
		},
		Entry(nil, labels("dbfault", core.PolicyHardened, core.All()), core.PolicyHardened, pgproxy.ActionReset, true, broken()),
		Entry(nil, labels("dbfault", core.PolicyHardened, core.All()), core.PolicyHardened, pgproxy.ActionCommitAckLost, true, broken()),
		Entry(nil, labels("dbfault", core.PolicySeed, core.All()), core.PolicySeed, pgproxy.ActionReset, false, broken(check.PhantomAppointment)),
		Entry(nil, labels("dbfault", core.PolicySeed, core.All()), core.PolicySeed, pgproxy.ActionCommitAckLost, false, broken()),
	)

	// Once Cal.com has answered, the database goes away: the pool's connections are dropped
	// and new ones refused for a minute (virtual). The hardened core cannot settle and says
	// unknown — not error: the booking exists — keeping its claim; once the window is over
	// the pool connects again and the sweep settles it. The seed cannot run its duplicate
	// check, says error, and orphans the booking. Either way the pool recovers: the next
	// call books.
	DescribeTable("the database refuses connections while call 687's booking is stored",
		func(ctx SpecContext, p core.Policy, told core.OutcomeKind, settled int, brokenInvariants []string) {
			w := newWorld(ctx, world.Config{Policy: p, Layers: core.All(), DBFaults: true})
			w.Core().At(call687ID, core.HookAfterCalcom, func(context.Context) error { return w.Core().RefuseDB(time.Minute) })
			out := book(ctx, w, call687)
			Expect(out.Kind).To(Equal(told), out.Reason)
			refused := 0
			for _, e := range w.Core().Proxy().Journal() {
				if e.Event == pgproxy.EventRefused {
					refused++
				}
			}
			Expect(refused).To(BeNumerically(">", 0), "the core tried to connect and was refused")
			Expect(accepted(w)).To(HaveLen(1))

			w.Clock.Advance(time.Minute)
			swept, err := w.Core().Service.Sweep(ctx)
			Expect(err).NotTo(HaveOccurred())
			Expect(swept.Settled).To(HaveLen(settled))
			next := call688
			next.Start = next.Start.Add(2 * time.Hour)
			mustBook(ctx, w, next)
			Expect(requests(w, "POST", "/v2/bookings")).To(Equal(2), "recovery never re-POSTs")
			expectBroken(ctx, w, brokenInvariants)
		},
		func(p core.Policy, told core.OutcomeKind, settled int, b []string) string {
			return describeEntry(p, core.All(), "connections refused after Cal.com answered, swept "+itoa(settled)+" after the window", told, "", b)
		},
		Entry(nil, labels("dbfault", core.PolicyHardened, core.All()), core.PolicyHardened, core.Unknown, 1, broken()),
		Entry(nil, labels("dbfault", core.PolicySeed, core.All()), core.PolicySeed, core.Error, 0, broken(check.OrphanBooking)),
	)

	// Every statement of call 687 is delayed two seconds (virtual): the core is slower, not
	// less truthful.
	DescribeTable("every statement of call 687 is slow",
		func(ctx SpecContext, p core.Policy) {
			w := newWorld(ctx, world.Config{Policy: p, Layers: core.All(), DBFaults: true})
			Expect(w.Core().Proxy().AddRule(pgproxy.Rule{Name: "slow", CallKey: call687ID, Action: pgproxy.Action{Kind: pgproxy.ActionLatency, Delay: 2 * time.Second}})).To(Succeed())
			before := w.Clock.Now()
			mustBook(ctx, w, call687)
			slow := dbFaultsFired(w)
			Expect(len(slow)).To(BeNumerically(">=", 2), "the statements before and after the create were held")
			Expect(w.Clock.Now().Sub(before)).To(Equal(time.Duration(len(slow))*2*time.Second), "latency costs virtual time only")
			expectBroken(ctx, w, broken())
		},
		func(p core.Policy) string {
			return string(p) + ": booked, the clock moved 2 s per statement; no invariant broken"
		},
		Entry(nil, labels("dbfault", core.PolicyHardened, core.All()), core.PolicyHardened),
		Entry(nil, labels("dbfault", core.PolicySeed, core.All()), core.PolicySeed),
	)

	// The statement that stores call 687's booking is held (forced: the proxy parks it) while
	// the phone platform re-sends the call. Hardened: the settle transaction holds the staff
	// member's slot lock, so the re-sent attempt waits in Postgres; released, the first is
	// booked and the re-send hears already_booked. Seed: the re-send is answered with the
	// call's own booking, finds no row (the first INSERT is held) and stores it; the first
	// INSERT then meets the unique index and the call is told "error" although it holds the
	// appointment.
	It("hardened: a re-send during a held settle waits for it and hears already_booked", gated,
		labels("dbfault", core.PolicyHardened, core.All()), func(ctx SpecContext) {
			w, g, first := bookHeld(ctx, core.PolicyHardened)
			resend := goBook(ctx, w, call687)
			Eventually(ctx, func(ctx SpecContext) int { return waitingAdvisoryLocks(ctx, w) }).Should(Equal(1), "the re-send waits on the slot lock the held settle holds")
			g.Open()
			Expect(first.Wait(ctx).Outcome.Kind).To(Equal(core.Booked))
			Expect(resend.Wait(ctx).Outcome.Kind).To(Equal(core.AlreadyBooked))
			Expect(requests(w, "POST", "/v2/bookings")).To(Equal(1), "the re-send never reached Cal.com")
			expectBroken(ctx, w, broken())
		})

	It("seed: a re-send during a held INSERT stores the booking, and the first attempt is told error", gated,
		labels("dbfault", core.PolicySeed, core.All()), func(ctx SpecContext) {
			w, g, first := bookHeld(ctx, core.PolicySeed)
			resend := goBook(ctx, w, call687).Wait(ctx)
			Expect(resend.Outcome.Kind).To(Equal(core.Booked), "answered with the call's own booking, stored while the first INSERT is held")
			g.Open()
			r := first.Wait(ctx)
			Expect(r.Outcome.Kind).To(Equal(core.Error))
			Expect(r.Outcome.Layer).To(Equal(core.LayerUnique))
			Expect(live(ctx, w)).To(HaveLen(1))
			expectBroken(ctx, w, broken(check.UntruthfulOutcome))
		})
})
