package scenarios_test

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/core/store"
	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/pgenv"
	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/world"
)

// allButExclusion is every layer but slot_exclusion: with it, the hardened claim stops a
// rival before Cal.com, so the ownership layers only decide for callers that reach Cal.com
// without it.
var allButExclusion = core.All().Without(core.LayerSlotExclusion)

// errCrash is what a hook returns to play the core's process dying at that point.
var errCrash = errors.New("the process died here")

var _ = Describe("Claim, call, settle", func() {
	// The hardened core holds no transaction and no pooled connection while Cal.com works on
	// a create: the fake parks the create between its availability check and its insert, and
	// pg_stat_activity for the world's database is sampled meanwhile. (Hardened v1 held one
	// transaction, one pooled connection and an advisory lock across this call.)
	DescribeTable("while a create is in flight at Cal.com",
		func(ctx SpecContext, p core.Policy) {
			parked, release := make(chan struct{}), make(chan struct{})
			var once, released sync.Once
			// The parked create is released however the spec ends, so its handler never
			// outlives the world.
			DeferCleanup(func() { released.Do(func() { close(release) }) })
			w := newWorld(ctx, world.Config{Policy: p, Layers: core.All(), BetweenCheckAndInsert: func(a fakecalcom.CreateAttempt) {
				if a.CallID == call687ID {
					once.Do(func() { close(parked) })
					select {
					case <-release:
					case <-ctx.Done():
					}
				}
			}})
			done := make(chan core.Outcome, 1)
			go func() {
				out, _ := w.Book(context.WithoutCancel(ctx), call687)
				done <- out
			}()
			Eventually(ctx, parked).Should(BeClosed(), "the create reaches the fake and parks")
			sampler := connect(ctx, w.Core().DB.DSN)
			var idleInTx, sessions int
			Expect(sampler.QueryRow(ctx, `
SELECT count(*) FILTER (WHERE state LIKE 'idle in transaction%'), count(*)
FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, w.Core().DB.Name).Scan(&idleInTx, &sessions)).To(Succeed())
			acquired := w.Core().Store.Pool().Stat().AcquiredConns()
			released.Do(func() { close(release) })
			Expect(idleInTx).To(BeZero(), "sessions idle in transaction while Cal.com works")
			Expect(acquired).To(BeZero(), "pooled connections held while Cal.com works")
			AddReportEntry("sessions of the core's pool open (idle, not in a transaction) while the create was parked", sessions)
			Expect((<-done).Kind).To(Equal(core.Booked))
			expectBroken(ctx, w, broken())
		},
		func(p core.Policy) string {
			return string(p) + ": no session idle in transaction, no pooled connection held"
		},
		Entry(nil, labels("claim", core.PolicyHardened, core.All()), gated, core.PolicyHardened),
		Entry(nil, labels("claim", core.PolicySeed, core.All()), gated, core.PolicySeed),
	)

	// The core's process dies after Cal.com answered (the booking exists) or just before it
	// stores its decision. A fresh Service on the same database runs Sweep, as at start-up.
	// Hardened: the pending claim is resolved by looking the booking up by call id — no
	// orphan, no phantom, no duplicate — and the call's retry is told already_booked. Seed:
	// nothing was claimed and nothing recovers, so Cal.com keeps a booking no appointment
	// holds (orphan_booking) — what the shipped design loses in a crash.
	DescribeTable("the core crashes between Cal.com and its settle",
		func(ctx SpecContext, p core.Policy, at core.HookPoint, brokenInvariants []string) {
			w := newWorld(ctx, world.Config{Policy: p, Layers: core.All(), Hook: func(_ context.Context, point core.HookPoint, _ string) error {
				if point == at {
					return errCrash
				}
				return nil
			}})
			out, err := w.Book(ctx, call687)
			Expect(out.Kind).To(Equal(core.Unknown))
			Expect(err).To(MatchError(errCrash))
			Expect(accepted(w)).To(HaveLen(1), "Cal.com made the booking before the crash")
			Expect(live(ctx, w)).To(BeEmpty())
			rep, err := w.Check(ctx)
			Expect(err).NotTo(HaveOccurred())
			Expect(rep.Names()).To(Equal([]string{check.OrphanBooking}), "before the restart the booking is an orphan")

			Expect(w.Restart(ctx)).To(Succeed())
			swept, err := w.Core().Service.Sweep(ctx)
			Expect(err).NotTo(HaveOccurred())
			if p == core.PolicyHardened {
				Expect(swept.Settled).To(HaveLen(1))
				Expect(swept.Settled[0].BookingUID).To(Equal(accepted(w)[0].UID))
				retry := book(ctx, w, call687)
				Expect(retry.Kind).To(Equal(core.AlreadyBooked))
				Expect(live(ctx, w)).To(HaveLen(1))
			} else {
				Expect(swept.Settled).To(BeEmpty(), "the seed has no claims to sweep")
				Expect(live(ctx, w)).To(BeEmpty())
			}
			creates := 0
			for _, e := range w.Fake.Fake.Journal() {
				if e.Method == "POST" && e.Path == "/v2/bookings" {
					creates++
				}
			}
			Expect(creates).To(Equal(1), "recovery never re-POSTs")
			expectBroken(ctx, w, brokenInvariants)
		},
		func(p core.Policy, at core.HookPoint, b []string) string {
			if len(b) == 0 {
				return string(p) + ", crash at " + string(at) + ": swept on restart; the retry is already_booked; no invariant broken"
			}
			return string(p) + ", crash at " + string(at) + ": nothing recovers the booking; breaks " + join(b)
		},
		Entry(nil, labels("crash", core.PolicyHardened, core.All()), core.PolicyHardened, core.HookAfterCalcom, broken()),
		Entry(nil, labels("crash", core.PolicyHardened, core.All()), core.PolicyHardened, core.HookBeforeSettle, broken()),
		Entry(nil, labels("crash", core.PolicySeed, core.All()), core.PolicySeed, core.HookAfterCalcom, broken(check.OrphanBooking)),
		Entry(nil, labels("crash", core.PolicySeed, core.All()), core.PolicySeed, core.HookBeforeSettle, broken(check.OrphanBooking)),
	)

	// A pending claim stops a rival before Cal.com. While call 687's create is parked in the
	// fake (its claim pending, its attempt in flight), call 688 meets the claim and waits for
	// that attempt instead of asking Cal.com; once 687 is booked, 688 is told slot_taken by
	// the exclusion. The fake's journal shows one create.
	It("a rival waits for a claim in flight and never reaches Cal.com", gated, forcesSlotExclusion,
		labels("claim", core.PolicyHardened, core.All()), func(ctx SpecContext) {
			cg := newCreateGate(2)
			w := newWorld(ctx, world.Config{Policy: core.PolicyHardened, Layers: core.All(), BetweenCheckAndInsert: cg.Hook})
			DeferCleanup(cg.Open) // after the world's cleanup is registered, so it runs first: a parked call never holds Close up
			busy := make(chan struct{})
			w.Core().At(call688ID, core.HookClaimBusy, func(context.Context) error { close(busy); return nil })
			first := goBook(ctx, w, call687)
			parked := cg.Next(ctx)
			Expect(parked.CallID).To(Equal(call687ID))
			rival := goBook(ctx, w, call688)
			Eventually(ctx, busy).Should(BeClosed(), "call 688 met call 687's claim and waits for its attempt")
			parked.Release()
			Expect(first.Wait(ctx).Outcome.Kind).To(Equal(core.Booked))
			r := rival.Wait(ctx)
			expectAnswer(r.Outcome, core.SlotTaken, core.LayerSlotExclusion)
			Expect(requests(w, "POST", "/v2/bookings")).To(Equal(1), "call 688 never reached Cal.com")
			expectBroken(ctx, w, broken())
		})

	// A claim left pending by a crash (no attempt in flight) stops a rival at once, before
	// Cal.com; after the restart the sweep settles it and the rival is still told the truth.
	It("a claim left pending by a crash stops a rival before Cal.com, and the sweep settles it",
		labels("crash", core.PolicyHardened, core.All()), func(ctx SpecContext) {
			w := newWorld(ctx, world.Config{Policy: core.PolicyHardened, Layers: core.All()})
			w.Core().At(call687ID, core.HookAfterCalcom, func(context.Context) error { return errCrash })
			waited := false
			w.Core().At(call688ID, core.HookClaimBusy, func(context.Context) error { waited = true; return nil })
			out, err := w.Book(ctx, call687)
			Expect(out.Kind).To(Equal(core.Unknown))
			Expect(err).To(MatchError(errCrash))
			expectAnswer(book(ctx, w, call688), core.SlotTaken, core.LayerSlotExclusion)
			Expect(waited).To(BeFalse(), "no attempt holds the claim: nothing to wait for")
			Expect(requests(w, "POST", "/v2/bookings")).To(Equal(1), "call 688 never reached Cal.com")
			Expect(w.Restart(ctx)).To(Succeed())
			swept, err := w.Core().Service.Sweep(ctx)
			Expect(err).NotTo(HaveOccurred())
			Expect(swept.Settled).To(HaveLen(1))
			expectAnswer(book(ctx, w, call688), core.SlotTaken, core.LayerSlotExclusion)
			Expect(book(ctx, w, call687).Kind).To(Equal(core.AlreadyBooked))
			Expect(requests(w, "POST", "/v2/bookings")).To(Equal(1))
			expectBroken(ctx, w, broken())
		})

	// A create cut before Cal.com made anything leaves an unknown answer and a pending claim,
	// which holds the slot against a rival; once the lease is over on the application clock
	// the sweeper finds no booking of the call and releases it, and the rival books.
	It("releases a claim without a booking once its lease is over", labels("claim", core.PolicyHardened, core.All()), func(ctx SpecContext) {
		w := newWorld(ctx, world.Config{Policy: core.PolicyHardened, Layers: core.All()})
		fault(w, firstCreate(call687ID, fakecalcom.Action{Kind: fakecalcom.ActionResetBeforeCommit}))
		Expect(book(ctx, w, call687).Kind).To(Equal(core.Unknown))
		rival := book(ctx, w, call688)
		Expect(rival.Kind).To(Equal(core.SlotTaken))
		Expect(rival.Layer).To(Equal(core.LayerSlotExclusion))
		swept, err := w.Core().Service.Sweep(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(swept.Kept).To(HaveLen(1), "within the lease the create may still land")
		w.Clock.Advance(core.DefaultClaimLease)
		swept, err = w.Core().Service.Sweep(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(swept.Released).To(HaveLen(1))
		Expect(mustBook(ctx, w, call688).Kind).To(Equal(core.Booked))
		expectBroken(ctx, w, broken())
	})
})

var _ = Describe("The claims migration", Label("kind:schema"), func() {
	claimRow := `
INSERT INTO appointments (call_id, customer_id, service_id, staff_id, starts_at, ends_at, status, claim_expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`
	var (
		conn *pgx.Conn
		f    schemaFixture
	)
	BeforeEach(func(ctx SpecContext) {
		conn = connect(ctx, freshDatabase(ctx, pgenv.StoreTemplate(store.FullSchema())).DSN)
		f = newSchemaFixture(ctx, conn)
	})
	claim := func(ctx context.Context, staff int64, start time.Time, status string, lease any) string {
		return sqlState(ctx, conn, claimRow, f.call, f.customer, f.service, staff, start, start.Add(45*time.Minute), status, lease)
	}
	lease := slotStart.Add(-time.Hour)

	It("lets a pending claim hold the slot and keeps one row per call and slot", Label("layer:slot_exclusion"), func(ctx SpecContext) {
		Expect(claim(ctx, f.staff, slotStart, "pending", lease)).To(BeEmpty())
		Expect(f.insert(ctx, conn, f.staff, slotStart.Add(15*time.Minute), "uidB")).To(Equal("23P01"), "the exclusion covers pending rows")
		Expect(claim(ctx, f.otherStaff, slotStart, "pending", lease)).To(Equal("23505"), "one claim per call and slot")
		Expect(sqlState(ctx, conn, `DELETE FROM appointments WHERE status = 'pending'`)).To(BeEmpty())
		Expect(claim(ctx, f.otherStaff, slotStart, "pending", lease)).To(BeEmpty(), "a released claim frees the call's slot")
	})

	DescribeTable("refuses a row that breaks the lease rules",
		func(ctx SpecContext, status string, withLease bool) {
			var l any
			if withLease {
				l = lease
			}
			Expect(claim(ctx, f.staff, slotStart, status, l)).To(Equal("23514"))
		},
		Entry("a pending row without a lease", "pending", false),
		Entry("a scheduled row with a lease", "scheduled", true),
		Entry("an unknown status", "reserved", false),
	)

	It("goes down only once no claim is pending, then up again", func(ctx SpecContext) {
		db := freshDatabase(ctx, emptyTemplate)
		m, err := store.NewMigrator(db.DSN, store.FullSchema())
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(m.Close)
		Expect(m.Up(ctx)).To(Succeed())
		c := connect(ctx, db.DSN)
		g := newSchemaFixture(ctx, c)
		Expect(sqlState(ctx, c, claimRow, g.call, g.customer, g.service, g.staff, slotStart, slotStart.Add(45*time.Minute), "pending", lease)).To(BeEmpty())
		Expect(m.DownToZero(ctx)).To(MatchError(ContainSubstring("pending claims")))
		Expect(m.Version(ctx)).To(Equal(store.VersionClaims))
		Expect(sqlState(ctx, c, `DELETE FROM appointments`)).To(BeEmpty())
		Expect(m.DownToZero(ctx)).To(Succeed())
		Expect(m.Version(ctx)).To(BeZero())
		Expect(m.Up(ctx)).To(Succeed())
		Expect(m.Version(ctx)).To(Equal(store.VersionSeats))
	})

	It("is part of the hardened schema only", func() {
		Expect(core.PolicyHardened.Schema(core.All()).Claims).To(BeTrue())
		Expect(core.PolicyHardened.Schema(0).Claims).To(BeTrue())
		Expect(core.PolicySeed.Schema(core.All())).To(Equal(store.Schema{Unique: true}))
	})
})
