package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migration versions, named so the layer switches read as what they do.
const (
	VersionBase          int64 = 1
	VersionUnique        int64 = 2 // add_unique_constraint_to_calcom_v2_booking_id
	VersionSlotExclusion int64 = 3 // btree_gist exclusion constraint
	VersionClaims        int64 = 4 // the hardened design's pending claims with a lease
	VersionSeats         int64 = 5 // the hardened design's seats: one appointment per seat
)

// Schema says which optional migrations a database gets. Switching the "unique" layer off
// means migrating without its migration, so the schema itself is the switch; the claims and
// the seats belong to the hardened policy, so the seed's schema stays the shipped one.
type Schema struct {
	Unique        bool // layer 4: UNIQUE index unique_calcom_v2_booking_id
	SlotExclusion bool // layer 5: no two live (or pending) appointments of one staff member overlap
	Claims        bool // hardened: 'pending' claims with a lease, one per call and slot
	// Seats (hardened): appointments carry their Cal.com seat (calcom_seat_uid), and the
	// unique index and the exclusion constraint count a seated booking's seats one by one.
	Seats bool
}

// FullSchema is the schema with every optional migration applied.
func FullSchema() Schema { return Schema{Unique: true, SlotExclusion: true, Claims: true, Seats: true} }

// Name is a short stable label for the schema, used to name template databases.
func (s Schema) Name() string {
	name := "base"
	if s.Unique {
		name += "_unique"
	}
	if s.SlotExclusion {
		name += "_excl"
	}
	if s.Claims {
		name += "_claims"
	}
	if s.Seats {
		name += "_seats"
	}
	return name
}

func (s Schema) excluded() []int64 {
	var out []int64
	if !s.Unique {
		out = append(out, VersionUnique)
	}
	if !s.SlotExclusion {
		out = append(out, VersionSlotExclusion)
	}
	if !s.Claims {
		out = append(out, VersionClaims)
	}
	if !s.Seats {
		out = append(out, VersionSeats)
	}
	return out
}

// Migrator runs the embedded migrations of one Schema against one database.
type Migrator struct {
	db       *sql.DB
	provider *goose.Provider
}

// NewMigrator opens its own short-lived connection to dsn; call Close when done.
func NewMigrator(dsn string, schema Schema) (*Migrator, error) {
	cfg, err := pgxConnConfig(dsn)
	if err != nil {
		return nil, err
	}
	db := stdlib.OpenDB(*cfg)
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("store: migrations: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, sub,
		goose.WithExcludeVersions(schema.excluded()),
		goose.WithDisableGlobalRegistry(true),
	)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("store: migrations: %w", err)
	}
	return &Migrator{db: db, provider: p}, nil
}

// Up applies every pending migration of the schema.
func (m *Migrator) Up(ctx context.Context) error {
	if _, err := m.provider.Up(ctx); err != nil {
		return fmt.Errorf("store: migrate up: %w", err)
	}
	return nil
}

// DownToZero rolls every applied migration back; tested so a broken Down is caught.
func (m *Migrator) DownToZero(ctx context.Context) error {
	if _, err := m.provider.DownTo(ctx, 0); err != nil {
		return fmt.Errorf("store: migrate down: %w", err)
	}
	return nil
}

// Version is the database's current migration version.
func (m *Migrator) Version(ctx context.Context) (int64, error) {
	return m.provider.GetDBVersion(ctx)
}

// Close releases the migrator's connection.
func (m *Migrator) Close() error { return m.db.Close() }

// Migrate brings the database at dsn up to schema in one call.
func Migrate(ctx context.Context, dsn string, schema Schema) error {
	m, err := NewMigrator(dsn, schema)
	if err != nil {
		return err
	}
	defer m.Close()
	return m.Up(ctx)
}

func pgxConnConfig(dsn string) (*pgx.ConnConfig, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("store: parse DSN: %w", err)
	}
	return cfg, nil
}

// Fingerprint identifies the exact migration files the schema applies, so a template
// database built from older migrations is never reused on a long-lived server.
func (s Schema) Fingerprint() string {
	h := sha256.New()
	excluded := map[int64]bool{}
	for _, v := range s.excluded() {
		excluded[v] = true
	}
	entries, _ := fs.ReadDir(migrationFiles, "migrations")
	for _, e := range entries {
		v, _, _ := strings.Cut(e.Name(), "_")
		n, _ := strconv.ParseInt(v, 10, 64)
		if excluded[n] {
			continue
		}
		data, _ := migrationFiles.ReadFile("migrations/" + e.Name())
		fmt.Fprintf(h, "%s\x00%d\x00", e.Name(), len(data))
		h.Write(data)
	}
	return hex.EncodeToString(h.Sum(nil))[:10]
}
