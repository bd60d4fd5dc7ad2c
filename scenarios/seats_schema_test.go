package scenarios_test

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/core/store"
	"github.com/bookingharness/bookingharness/pgenv"
)

var _ = Describe("The seats migration", Label("kind:schema"), func() {
	seatRow := `
INSERT INTO appointments (call_id, customer_id, service_id, staff_id, starts_at, ends_at, calcom_v2_booking_id, calcom_seat_uid, seat_group)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`
	var (
		conn *pgx.Conn
		f    schemaFixture
	)
	// seat inserts a row of booking uid holding seat (nil: none) in seat group (nil: none);
	// the fixture's single call is fine here: the claims' one-per-call index is not applied.
	seat := func(ctx context.Context, start time.Time, uid, seat, group any) string {
		return sqlState(ctx, conn, seatRow, f.call, f.customer, f.service, f.staff, start, start.Add(45*time.Minute), uid, seat, group)
	}
	BeforeEach(func(ctx SpecContext) {
		conn = connect(ctx, freshDatabase(ctx, pgenv.StoreTemplate(store.Schema{Unique: true, SlotExclusion: true, Seats: true})).DSN)
		f = newSchemaFixture(ctx, conn)
	})

	It("keeps one appointment per booking uid and seat", Label("layer:unique"), func(ctx SpecContext) {
		group := store.SeatGroup(f.service, slotStart)
		Expect(seat(ctx, slotStart, "uidS", "seat1", group)).To(BeEmpty())
		Expect(seat(ctx, slotStart, "uidS", "seat2", group)).To(BeEmpty(), "a second seat of one booking")
		Expect(seat(ctx, slotStart, "uidS", "seat2", group)).To(Equal("23505"), "one appointment per seat")
		Expect(f.insert(ctx, conn, f.otherStaff, slotStart, "uidP")).To(BeEmpty())
		Expect(f.insert(ctx, conn, f.otherStaff, slotStart.Add(24*time.Hour), "uidP")).To(Equal("23505"), "a booking that is not seated: one appointment per uid, as before")
		var def string
		Expect(conn.QueryRow(ctx, `SELECT indexdef FROM pg_indexes WHERE indexname = 'unique_calcom_v2_booking_id'`).Scan(&def)).To(Succeed())
		Expect(def).To(ContainSubstring("calcom_seat_uid"))
	})

	DescribeTable("lets the seats of one seated slot share their host's time, and nothing else",
		func(ctx SpecContext, start time.Duration, group func() any, want string) {
			Expect(seat(ctx, slotStart, "uidS", "seat1", store.SeatGroup(f.service, slotStart))).To(BeEmpty())
			Expect(seat(ctx, slotStart.Add(start), "uidT", "seatX", group())).To(Equal(want))
		},
		Entry("another seat of the same slot", Label("layer:slot_exclusion"), time.Duration(0), func() any { return store.SeatGroup(f.service, slotStart) }, ""),
		Entry("an overlapping row that is no seat", Label("layer:slot_exclusion"), time.Duration(0), func() any { return nil }, "23P01"),
		Entry("a seat of another seated slot overlapping it", Label("layer:slot_exclusion"), 30*time.Minute, func() any { return store.SeatGroup(f.service, slotStart.Add(30*time.Minute)) }, "23P01"),
	)

	It("goes down only once no seat is stored, then up again; without the layers' migrations too", func(ctx SpecContext) {
		for _, schema := range []store.Schema{store.FullSchema(), {Seats: true}, {Unique: true, Seats: true}, {SlotExclusion: true, Claims: true, Seats: true}} {
			db := freshDatabase(ctx, emptyTemplate)
			m, err := store.NewMigrator(db.DSN, schema)
			Expect(err).NotTo(HaveOccurred())
			DeferCleanup(m.Close)
			Expect(m.Up(ctx)).To(Succeed(), "%+v", schema)
			Expect(m.Version(ctx)).To(Equal(store.VersionSeats))
			c := connect(ctx, db.DSN)
			g := newSchemaFixture(ctx, c)
			Expect(sqlState(ctx, c, seatRow, g.call, g.customer, g.service, g.staff, slotStart, slotStart.Add(45*time.Minute), "uidS", "seat1", "g")).To(BeEmpty())
			Expect(m.DownToZero(ctx)).To(MatchError(ContainSubstring("holds seats of seated bookings")), "%+v", schema)
			Expect(m.Version(ctx)).To(Equal(store.VersionSeats))
			Expect(sqlState(ctx, c, `DELETE FROM appointments`)).To(BeEmpty())
			Expect(m.DownToZero(ctx)).To(Succeed(), "%+v", schema)
			Expect(m.Version(ctx)).To(BeZero())
			Expect(m.Up(ctx)).To(Succeed(), "%+v", schema)
		}
	})

	It("is part of the hardened schema only: the seed keeps its shipped unique index on the uid", func() {
		Expect(core.PolicyHardened.Schema(core.All()).Seats).To(BeTrue())
		Expect(core.PolicyHardened.Schema(0).Seats).To(BeTrue())
		Expect(core.PolicySeed.Schema(core.All()).Seats).To(BeFalse())
	})
})
