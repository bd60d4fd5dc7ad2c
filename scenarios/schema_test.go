package scenarios_test

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/bookingharness/bookingharness/core/store"
	"github.com/bookingharness/bookingharness/pgenv"
)

// emptyTemplate is a database with no schema at all, for migrating from zero.
var emptyTemplate = pgenv.Template{Name: "bh_tpl_empty", Migrate: func(context.Context, string) error { return nil }}

// sqlState runs stmt and returns the SQLSTATE it failed with, "" on success.
func sqlState(ctx context.Context, conn *pgx.Conn, stmt string, args ...any) string {
	GinkgoHelper()
	_, err := conn.Exec(ctx, stmt, args...)
	if err == nil {
		return ""
	}
	pgErr, ok := err.(*pgconn.PgError)
	Expect(ok).To(BeTrue(), "not a Postgres error: %v", err)
	return pgErr.Code
}

func connect(ctx context.Context, dsn string) *pgx.Conn {
	GinkgoHelper()
	conn, err := pgx.Connect(ctx, dsn)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func(ctx SpecContext) { _ = conn.Close(ctx) })
	return conn
}

// schemaFixture writes one customer, service, staff member and call, so appointment rows
// can be inserted; it returns their ids.
type schemaFixture struct{ customer, service, staff, otherStaff, call int64 }

func newSchemaFixture(ctx context.Context, conn *pgx.Conn) schemaFixture {
	GinkgoHelper()
	var f schemaFixture
	Expect(conn.QueryRow(ctx, `INSERT INTO customers (name) VALUES ('Hansi Sputer') RETURNING id`).Scan(&f.customer)).To(Succeed())
	Expect(conn.QueryRow(ctx, `INSERT INTO services (name, calcom_event_type_id, duration_minutes) VALUES ('Beratung', 2563193, 45) RETURNING id`).Scan(&f.service)).To(Succeed())
	Expect(conn.QueryRow(ctx, `INSERT INTO staff (name, calcom_user_id) VALUES ('Fabian', 1) RETURNING id`).Scan(&f.staff)).To(Succeed())
	Expect(conn.QueryRow(ctx, `INSERT INTO staff (name, calcom_user_id) VALUES ('Emma', 2) RETURNING id`).Scan(&f.otherStaff)).To(Succeed())
	Expect(conn.QueryRow(ctx, `INSERT INTO calls (retell_call_id) VALUES ('call_927bf219b2cc20cd24dc97c9f0b') RETURNING id`).Scan(&f.call)).To(Succeed())
	return f
}

const insertAppointment = `
INSERT INTO appointments (call_id, customer_id, service_id, staff_id, starts_at, ends_at, calcom_v2_booking_id)
VALUES ($1, $2, $3, $4, $5, $6, $7)`

var slotStart = time.Date(2025, 10, 10, 6, 0, 0, 0, time.UTC)

func (f schemaFixture) insert(ctx context.Context, conn *pgx.Conn, staff int64, start time.Time, uid any) string {
	GinkgoHelper()
	return sqlState(ctx, conn, insertAppointment, f.call, f.customer, f.service, staff, start, start.Add(45*time.Minute), uid)
}

var _ = Describe("Schema and migrations", Label("kind:schema"), func() {
	It("migrates up from zero, down to zero and up again", Label("layer:unique", "layer:slot_exclusion"), func(ctx SpecContext) {
		db := freshDatabase(ctx, emptyTemplate)
		m, err := store.NewMigrator(db.DSN, store.FullSchema())
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(m.Close)

		Expect(m.Up(ctx)).To(Succeed())
		Expect(m.Version(ctx)).To(Equal(store.VersionSeats))
		conn := connect(ctx, db.DSN)
		var tables int
		Expect(conn.QueryRow(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'
			AND table_name IN ('customers','services','staff','service_staff','calls','appointments')`).Scan(&tables)).To(Succeed())
		Expect(tables).To(Equal(6))

		Expect(m.DownToZero(ctx)).To(Succeed())
		Expect(m.Version(ctx)).To(BeZero())
		Expect(conn.QueryRow(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'
			AND table_name <> 'goose_db_version'`).Scan(&tables)).To(Succeed())
		Expect(tables).To(BeZero(), "down migrations leave tables behind")

		Expect(m.Up(ctx)).To(Succeed())
		Expect(m.Version(ctx)).To(Equal(store.VersionSeats))
	})

	It("skips the unique migration when the unique layer is off", Label("layer:unique"), func(ctx SpecContext) {
		db := freshDatabase(ctx, emptyTemplate)
		Expect(store.Migrate(ctx, db.DSN, store.Schema{SlotExclusion: true})).To(Succeed())
		conn := connect(ctx, db.DSN)
		var applied []int64
		rows, err := conn.Query(ctx, `SELECT version_id FROM goose_db_version WHERE version_id > 0 AND is_applied ORDER BY version_id`)
		Expect(err).NotTo(HaveOccurred())
		applied, err = pgx.CollectRows(rows, pgx.RowTo[int64])
		Expect(err).NotTo(HaveOccurred())
		Expect(applied).To(Equal([]int64{store.VersionBase, store.VersionSlotExclusion}))
	})

	Describe("the unique index unique_calcom_v2_booking_id", Label("layer:unique"), func() {
		It("exists, rejects a second row with the same uid and allows many NULLs", func(ctx SpecContext) {
			conn := connect(ctx, freshDatabase(ctx, pgenv.StoreTemplate(store.Schema{Unique: true})).DSN)
			var def string
			Expect(conn.QueryRow(ctx, `SELECT indexdef FROM pg_indexes WHERE indexname = 'unique_calcom_v2_booking_id'`).Scan(&def)).To(Succeed())
			Expect(def).To(ContainSubstring("UNIQUE INDEX"))
			Expect(def).To(ContainSubstring("(calcom_v2_booking_id)"))

			f := newSchemaFixture(ctx, conn)
			Expect(f.insert(ctx, conn, f.staff, slotStart, "8Fxv4pCqnb1Jva1w9wn5wX")).To(BeEmpty())
			Expect(f.insert(ctx, conn, f.otherStaff, slotStart.Add(24*time.Hour), "8Fxv4pCqnb1Jva1w9wn5wX")).To(Equal("23505"))
			for i := range 3 {
				Expect(f.insert(ctx, conn, f.staff, slotStart.Add(time.Duration(i+1)*time.Hour), nil)).To(BeEmpty())
			}
		})

		It("is absent from the template without the unique layer, which accepts the duplicate", func(ctx SpecContext) {
			conn := connect(ctx, freshDatabase(ctx, pgenv.StoreTemplate(store.Schema{})).DSN)
			f := newSchemaFixture(ctx, conn)
			Expect(f.insert(ctx, conn, f.staff, slotStart, "8Fxv4pCqnb1Jva1w9wn5wX")).To(BeEmpty())
			Expect(f.insert(ctx, conn, f.staff, slotStart, "8Fxv4pCqnb1Jva1w9wn5wX")).To(BeEmpty())
			var n int
			Expect(conn.QueryRow(ctx, `SELECT count(*) FROM appointments WHERE calcom_v2_booking_id = '8Fxv4pCqnb1Jva1w9wn5wX'`).Scan(&n)).To(Succeed())
			Expect(n).To(Equal(2))
		})
	})

	Describe("the slot exclusion constraint", Label("layer:slot_exclusion"), func() {
		var (
			conn *pgx.Conn
			f    schemaFixture
		)
		BeforeEach(func(ctx SpecContext) {
			// The layer migrations alone: the hardened claims add one row per call and slot,
			// which this fixture's single call would meet (claim_test.go covers them).
			conn = connect(ctx, freshDatabase(ctx, pgenv.StoreTemplate(store.Schema{Unique: true, SlotExclusion: true})).DSN)
			f = newSchemaFixture(ctx, conn)
			Expect(f.insert(ctx, conn, f.staff, slotStart, "uidA")).To(BeEmpty())
		})

		DescribeTable("a second appointment",
			func(ctx SpecContext, staff func() int64, offset time.Duration, wantState string) {
				Expect(f.insert(ctx, conn, staff(), slotStart.Add(offset), "uidB")).To(Equal(wantState))
			},
			Entry("of the same staff, same slot, is rejected", func() int64 { return f.staff }, time.Duration(0), "23P01"),
			Entry("of the same staff, overlapping by 15 min, is rejected", func() int64 { return f.staff }, 30*time.Minute, "23P01"),
			Entry("of the same staff, back to back, is accepted", func() int64 { return f.staff }, 45*time.Minute, ""),
			Entry("of another staff member, same slot, is accepted", func() int64 { return f.otherStaff }, time.Duration(0), ""),
		)

		DescribeTable("frees the slot once the first appointment stops being live",
			func(ctx SpecContext, release string) {
				Expect(sqlState(ctx, conn, release)).To(BeEmpty())
				Expect(f.insert(ctx, conn, f.staff, slotStart, "uidB")).To(BeEmpty())
			},
			Entry("cancelled", `UPDATE appointments SET status = 'cancelled' WHERE calcom_v2_booking_id = 'uidA'`),
			Entry("soft-deleted", `UPDATE appointments SET deleted_at = now() WHERE calcom_v2_booking_id = 'uidA'`),
		)
	})

	Describe("service_staff", func() {
		It("links services to staff through working foreign keys", func(ctx SpecContext) {
			conn := connect(ctx, freshDatabase(ctx, pgenv.StoreTemplate(store.FullSchema())).DSN)
			f := newSchemaFixture(ctx, conn)
			Expect(sqlState(ctx, conn, `INSERT INTO service_staff (service_id, staff_id) VALUES ($1, $2)`, f.service, f.staff)).To(BeEmpty())
			Expect(sqlState(ctx, conn, `INSERT INTO service_staff (service_id, staff_id) VALUES ($1, $2)`, f.service, int64(999999))).To(Equal("23503"))
			Expect(sqlState(ctx, conn, `INSERT INTO service_staff (service_id, staff_id) VALUES ($1, $2)`, int64(999999), f.staff)).To(Equal("23503"))
			Expect(sqlState(ctx, conn, `INSERT INTO service_staff (service_id, staff_id) VALUES ($1, $2)`, f.service, f.staff)).To(Equal("23505"))
			Expect(sqlState(ctx, conn, `DELETE FROM staff WHERE id = $1`, f.staff)).To(BeEmpty())
			var links int
			Expect(conn.QueryRow(ctx, `SELECT count(*) FROM service_staff`).Scan(&links)).To(Succeed())
			Expect(links).To(BeZero(), "deleting a staff member leaves dangling service_staff rows")
		})
	})
})
