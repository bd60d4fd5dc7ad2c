// Package store is the Postgres side of the booking core: a pgx pool, the embedded goose
// migrations and the parameterised queries the core needs. It knows nothing of layers or
// policies; the core decides which migrations and which statements to use.
package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Querier is what every query needs: satisfied by *pgxpool.Pool, *pgx.Conn and pgx.Tx, so a
// caller can run the same query alone or inside its own transaction (advisory lock, check
// and insert in one unit).
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Store owns a connection pool to one booking database.
type Store struct {
	pool *pgxpool.Pool
}

// Open connects to dsn and checks the connection with a ping, so a wrong DSN fails here
// with a clear error instead of at the first booking.
func Open(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("store: parse DSN: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store: connect: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("store: ping %s:%d/%s: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database, err)
	}
	return &Store{pool: pool}, nil
}

// New wraps an existing pool; the caller keeps ownership of closing it.
func New(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

// Pool returns the underlying pool, for transactions the core runs itself.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Close closes the pool.
func (s *Store) Close() { s.pool.Close() }

// SQLSTATE codes the core turns into layer decisions.
const (
	codeUniqueViolation    = "23505"
	codeExclusionViolation = "23P01"
	codeUndefinedColumn    = "42703"
	codeNoConflictIndex    = "42P10"
)

// IsUniqueViolation reports whether err is a unique-index violation (SQLSTATE 23505), and
// which constraint it hit: layer 4 ("unique") answers through it.
func IsUniqueViolation(err error) (constraint string, ok bool) {
	return violation(err, codeUniqueViolation)
}

// IsExclusionViolation reports whether err is an exclusion-constraint violation (SQLSTATE
// 23P01): the hardened "slot_exclusion" layer answers through it.
func IsExclusionViolation(err error) (constraint string, ok bool) {
	return violation(err, codeExclusionViolation)
}

func violation(err error, code string) (string, bool) {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == code {
		return pgErr.ConstraintName, true
	}
	return "", false
}

// IsClaimsMissing reports whether err says the database lacks the hardened claims migration
// (no claim_expires_at column, no unique index for the claim's ON CONFLICT).
func IsClaimsMissing(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == codeUndefinedColumn || pgErr.Code == codeNoConflictIndex)
}
