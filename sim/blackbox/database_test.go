package blackbox

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// appointmentsDB is a fresh database with a table shaped like a team's appointments.
func appointmentsDB(t *testing.T) *pgxpool.Pool {
	t.Helper()
	ctx := context.Background()
	db := env.NewTestDatabase(t, EmptyTemplate())
	pool, err := pgxpool.New(ctx, db.DSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	_, err = pool.Exec(ctx, `
CREATE TABLE appts (id integer PRIMARY KEY, call text, uid varchar(40), host bigint, starts timestamp, ends timestamptz, gone boolean);
INSERT INTO appts VALUES (1, 'call_a', 'uid1', 1, '2025-10-10 06:00:00', '2025-10-10T06:45:00Z', false),
                         (2, NULL,     NULL,  2, '2025-10-10 07:00:00', '2025-10-10T07:45:00Z', true);`)
	if err != nil {
		t.Fatal(err)
	}
	return pool
}

// The SELECT is checked when it is prepared: every problem is named, before any booking.
func TestAppointmentsAliasCheck(t *testing.T) {
	pool := appointmentsDB(t)
	const cols = `id AS appointment_id, call AS call_id, uid AS booking_uid, host AS host_id, starts AS starts_at, ends AS ends_at`
	tests := []struct {
		name, sql, want string
	}{
		{"missing alias", `SELECT ` + cols + ` FROM appts`, `missing column "live" (alias it: … AS live)`},
		{"typo with suggestion", `SELECT ` + cols + `, NOT gone AS lvie FROM appts`, `unknown column "lvie" (did you mean "live"?)`},
		{"unaliased column", `SELECT id, call AS call_id, uid AS booking_uid, host AS host_id, starts AS starts_at, ends AS ends_at, NOT gone AS live FROM appts`,
			`unknown column "id" (did you mean "appointment_id"?); missing column "appointment_id"`},
		{"wrong type", `SELECT ` + cols + `, CASE WHEN gone THEN 0 ELSE 1 END AS live FROM appts`, `column "live" is int4; want a boolean`},
		{"text id", `SELECT id::text AS appointment_id, call AS call_id, uid AS booking_uid, host AS host_id, starts AS starts_at, ends AS ends_at, NOT gone AS live FROM appts`,
			`column "appointment_id" is text; want an integer`},
		{"twice", `SELECT ` + cols + `, NOT gone AS live, gone AS live FROM appts`, `column "live" appears twice`},
		{"parameter", `SELECT ` + cols + `, NOT gone AS live FROM appts WHERE id = $1`, `takes 1 parameters`},
		{"no such table", `SELECT ` + cols + `, NOT gone AS live FROM appointments`, `relation "appointments" does not exist`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := newAppointmentsReader(context.Background(), pool, tt.sql)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("prepare = %v\nwant an error containing %q", err, tt.want)
			}
		})
	}
}

// Rows map to the checker's appointments: NULL text is "", a timestamp without time zone
// is UTC, host_id becomes StaffID.
func TestAppointmentsRead(t *testing.T) {
	pool := appointmentsDB(t)
	ctx := context.Background()
	r, err := newAppointmentsReader(ctx, pool, `SELECT id AS appointment_id, call AS call_id, uid AS booking_uid, host AS host_id,
		starts AS starts_at, ends AS ends_at, NOT gone AS live, 's1'::text AS seat_uid FROM appts ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	apps, err := r.read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2025, 10, 10, 6, 0, 0, 0, time.UTC)
	if len(apps) != 2 || apps[0].ID != 1 || apps[0].CallID != "call_a" || apps[0].BookingUID != "uid1" || apps[0].StaffID != 1 ||
		!apps[0].Start.Equal(start) || !apps[0].End.Equal(start.Add(45*time.Minute)) || !apps[0].Live ||
		apps[1].CallID != "" || apps[1].BookingUID != "" || apps[1].Live || apps[1].StaffID != 2 {
		t.Fatalf("read = %+v", apps)
	}
	// A NULL where the checker needs a value is an error naming the column.
	if _, err := pool.Exec(ctx, `UPDATE appts SET host = NULL WHERE id = 2`); err != nil {
		t.Fatal(err)
	}
	if _, err := r.read(ctx); err == nil || !strings.Contains(err.Error(), "row 2: host_id must not be NULL") {
		t.Fatalf("read with a NULL host = %v", err)
	}
}

// The SELECT runs in a READ ONLY transaction: a statement that would write fails and
// changes nothing, however it is dressed up.
func TestAppointmentsReadOnly(t *testing.T) {
	pool := appointmentsDB(t)
	ctx := context.Background()
	r, err := newAppointmentsReader(ctx, pool, `WITH d AS (DELETE FROM appts RETURNING *)
		SELECT id AS appointment_id, call AS call_id, uid AS booking_uid, host AS host_id, starts AS starts_at, ends AS ends_at, NOT gone AS live FROM d`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.read(ctx); err == nil || !strings.Contains(err.Error(), "read-only transaction") {
		t.Fatalf("read = %v, want a read-only refusal", err)
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM appts`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("rows after the refused read: %d, %v", n, err)
	}
}

// database.reset may hold several statements; database.age gets the gap as an interval.
func TestResetAndAge(t *testing.T) {
	pool := appointmentsDB(t)
	ctx := context.Background()
	if err := execAge(ctx, pool, `UPDATE appts SET ends = ends - $1::interval WHERE id = 1`, 35*time.Minute); err != nil {
		t.Fatal(err)
	}
	var ends time.Time
	if err := pool.QueryRow(ctx, `SELECT ends FROM appts WHERE id = 1`).Scan(&ends); err != nil || !ends.Equal(time.Date(2025, 10, 10, 6, 10, 0, 0, time.UTC)) {
		t.Fatalf("ends after ageing 35m = %v, %v", ends, err)
	}
	if err := execAge(ctx, pool, `UPDATE appts SET ends = ends - $1::interval`, -time.Minute); err == nil {
		t.Fatal("a negative gap must be refused")
	}
	if err := execReset(ctx, pool, `DELETE FROM appts WHERE id = 1; DELETE FROM appts WHERE id = 2`); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM appts`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("rows after reset: %d, %v", n, err)
	}
}

func TestCheckDSN(t *testing.T) {
	for _, ok := range []string{"postgres://u@127.0.0.1:5432/db", "postgres://u@localhost/db", "host=/var/run/postgresql dbname=x", "postgres://u@[::1]:5432/db"} {
		if err := CheckDSN(ok); err != nil {
			t.Errorf("CheckDSN(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"postgres://u@192.0.2.7:5432/db", "postgres://u@db.example.com/db", "host=127.0.0.1,192.0.2.7 dbname=x"} {
		if err := CheckDSN(bad); err == nil {
			t.Errorf("CheckDSN(%q) accepted", bad)
		}
	}
}
