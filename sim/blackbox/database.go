package blackbox

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/bookingharness/bookingharness/internal/loopback"
	"github.com/bookingharness/bookingharness/internal/strictyaml"
	"github.com/bookingharness/bookingharness/sim/check"
)

// AppointmentColumns are the aliases database.appointments must produce, one row per
// appointment (live or not), as the checker reads them:
//
//	appointment_id  integer   the row's id
//	call_id         text      the phone platform's call id (NULL when the row has none)
//	booking_uid     text      the Cal.com booking uid (NULL when none)
//	host_id         integer   the Cal.com host (user id) the appointment is with
//	starts_at       timestamp(tz)
//	ends_at         timestamp(tz)
//	live            boolean   holds its slot: not cancelled, not soft-deleted
//
// seat_uid (text, optional) may be added for seated event types.
func AppointmentColumns() []string {
	return []string{"appointment_id", "call_id", "booking_uid", "host_id", "starts_at", "ends_at", "live"}
}

// optionalColumns may appear in database.appointments besides AppointmentColumns.
func optionalColumns() []string { return []string{"seat_uid"} }

// columnTypes lists the Postgres types each alias may have, and how to say so.
var columnTypes = map[string]struct {
	oids []uint32
	want string
}{
	"appointment_id": {[]uint32{pgtype.Int2OID, pgtype.Int4OID, pgtype.Int8OID}, "an integer"},
	"host_id":        {[]uint32{pgtype.Int2OID, pgtype.Int4OID, pgtype.Int8OID}, "an integer"},
	"call_id":        {[]uint32{pgtype.TextOID, pgtype.VarcharOID, pgtype.BPCharOID, pgtype.NameOID}, "text"},
	"booking_uid":    {[]uint32{pgtype.TextOID, pgtype.VarcharOID, pgtype.BPCharOID, pgtype.NameOID}, "text"},
	"seat_uid":       {[]uint32{pgtype.TextOID, pgtype.VarcharOID, pgtype.BPCharOID, pgtype.NameOID}, "text"},
	"starts_at":      {[]uint32{pgtype.TimestamptzOID, pgtype.TimestampOID}, "a timestamp"},
	"ends_at":        {[]uint32{pgtype.TimestamptzOID, pgtype.TimestampOID}, "a timestamp"},
	"live":           {[]uint32{pgtype.BoolOID}, "a boolean"},
}

// appointmentsReader runs database.appointments, checked once at start.
type appointmentsReader struct {
	pool *pgxpool.Pool
	sql  string
	// index is the column position of each alias.
	index map[string]int
}

// CheckDSN refuses a database that is not on this machine: a loopback host or a unix socket.
func CheckDSN(dsn string) error {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return fmt.Errorf("not a Postgres DSN: %w", err)
	}
	hosts := []string{cfg.Host}
	for _, fb := range cfg.Fallbacks {
		hosts = append(hosts, fb.Host)
	}
	for _, h := range hosts {
		if !strings.HasPrefix(h, "/") && !loopback.IsHost(h) {
			return fmt.Errorf("database host %s is not a loopback address or a unix socket; the harness touches only databases on this machine", h)
		}
	}
	return nil
}

// newAppointmentsReader prepares sql in a READ ONLY transaction and checks its columns: a
// missing, unknown or mistyped alias fails here, naming it, before any booking is made.
func newAppointmentsReader(ctx context.Context, pool *pgxpool.Pool, sql string) (*appointmentsReader, error) {
	tx, err := pool.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, fmt.Errorf("database.appointments: begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // read-only
	sd, err := tx.Prepare(ctx, "", sql)
	if err != nil {
		return nil, fmt.Errorf("database.appointments does not prepare: %w", err)
	}
	if len(sd.ParamOIDs) > 0 {
		return nil, fmt.Errorf("database.appointments takes %d parameters; it must take none", len(sd.ParamOIDs))
	}
	r := &appointmentsReader{pool: pool, sql: sql, index: map[string]int{}}
	known := append(AppointmentColumns(), optionalColumns()...)
	var problems []string
	for i, f := range sd.Fields {
		name := f.Name
		if !slices.Contains(known, name) {
			p := fmt.Sprintf("unknown column %q", name)
			if s := strictyaml.Suggest(name, known); s != "" {
				p += fmt.Sprintf(" (did you mean %q?)", s)
			}
			problems = append(problems, p)
			continue
		}
		if _, dup := r.index[name]; dup {
			problems = append(problems, fmt.Sprintf("column %q appears twice", name))
			continue
		}
		ct := columnTypes[name]
		if !slices.Contains(ct.oids, f.DataTypeOID) {
			problems = append(problems, fmt.Sprintf("column %q is %s; want %s", name, typeName(f.DataTypeOID), ct.want))
		}
		r.index[name] = i
	}
	for _, name := range AppointmentColumns() {
		if _, ok := r.index[name]; !ok {
			problems = append(problems, fmt.Sprintf("missing column %q (alias it: … AS %s)", name, name))
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("database.appointments: %s; the checker needs exactly the aliases %s (and optionally seat_uid)",
			strings.Join(problems, "; "), strings.Join(AppointmentColumns(), ", "))
	}
	return r, nil
}

// typeName names a Postgres type for an error message.
func typeName(oid uint32) string {
	if t, ok := pgtype.NewMap().TypeForOID(oid); ok {
		return t.Name
	}
	return fmt.Sprintf("type oid %d", oid)
}

// read runs the SELECT in a READ ONLY transaction and converts the rows for the checker.
// Times are UTC; a timestamp without time zone is read as UTC.
func (r *appointmentsReader) read(ctx context.Context) ([]check.Appointment, error) {
	tx, err := r.pool.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, fmt.Errorf("database.appointments: begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // read-only
	rows, err := tx.Query(ctx, r.sql)
	if err != nil {
		return nil, fmt.Errorf("database.appointments: %w", err)
	}
	defer rows.Close()
	var out []check.Appointment
	n := len(rows.FieldDescriptions())
	for rows.Next() {
		var (
			id, host         pgtype.Int8
			call, uid, seat  pgtype.Text
			starts, ends     pgtype.Timestamptz
			startsTS, endsTS pgtype.Timestamp
			live             pgtype.Bool
		)
		dest := make([]any, n)
		for i := range dest {
			dest[i] = new(any)
		}
		set := func(name string, d any) {
			if i, ok := r.index[name]; ok {
				dest[i] = d
			}
		}
		set("appointment_id", &id)
		set("host_id", &host)
		set("call_id", &call)
		set("booking_uid", &uid)
		set("seat_uid", &seat)
		set("live", &live)
		fds := rows.FieldDescriptions()
		if fds[r.index["starts_at"]].DataTypeOID == pgtype.TimestampOID {
			set("starts_at", &startsTS)
		} else {
			set("starts_at", &starts)
		}
		if fds[r.index["ends_at"]].DataTypeOID == pgtype.TimestampOID {
			set("ends_at", &endsTS)
		} else {
			set("ends_at", &ends)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("database.appointments: row %d: %w", len(out)+1, err)
		}
		if startsTS.Valid {
			starts = pgtype.Timestamptz{Time: startsTS.Time, Valid: true}
		}
		if endsTS.Valid {
			ends = pgtype.Timestamptz{Time: endsTS.Time, Valid: true}
		}
		var nulls []string
		for name, ok := range map[string]bool{"appointment_id": id.Valid, "host_id": host.Valid, "starts_at": starts.Valid, "ends_at": ends.Valid, "live": live.Valid} {
			if !ok {
				nulls = append(nulls, name)
			}
		}
		if len(nulls) > 0 {
			slices.Sort(nulls)
			return nil, fmt.Errorf("database.appointments: row %d: %s must not be NULL", len(out)+1, strings.Join(nulls, ", "))
		}
		out = append(out, check.Appointment{
			ID: id.Int64, CallID: call.String, StaffID: host.Int64, Start: starts.Time.UTC(), End: ends.Time.UTC(),
			BookingUID: uid.String, Live: live.Bool,
		})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("database.appointments: %w", err)
	}
	return out, nil
}

// execReset runs database.reset (several statements allowed: it runs with no parameters).
func execReset(ctx context.Context, pool *pgxpool.Pool, sql string) error {
	if _, err := pool.Exec(ctx, sql); err != nil {
		return fmt.Errorf("database.reset: %w", err)
	}
	return nil
}

// execAge runs database.age with the gap as $1 (an interval), in one transaction.
func execAge(ctx context.Context, pool *pgxpool.Pool, sql string, gap time.Duration) error {
	if gap < 0 {
		return errors.New("database.age: a negative gap would make rows younger")
	}
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, sql, pgtype.Interval{Microseconds: gap.Microseconds(), Valid: true})
		return err
	})
	if err != nil {
		return fmt.Errorf("database.age: %w", err)
	}
	return nil
}
