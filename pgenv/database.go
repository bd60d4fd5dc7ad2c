package pgenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/bookingharness/bookingharness/core/store"
)

// Template describes how to build a template database: Name must identify the exact schema
// (it names the template), Migrate brings an empty database at dsn up to it.
type Template struct {
	Name    string
	Migrate func(ctx context.Context, dsn string) error
}

// StoreTemplate is the template of the reference core's schema with the given optional
// migrations: one template per layer set, as the unique layer is switched by its migration.
func StoreTemplate(schema store.Schema) Template {
	return Template{
		Name: "bh_tpl_" + schema.Name() + "_" + schema.Fingerprint(),
		Migrate: func(ctx context.Context, dsn string) error {
			return store.Migrate(ctx, dsn, schema)
		},
	}
}

// Database is one fresh database cloned from a template. Drop it when done.
type Database struct {
	Name string
	DSN  string
	env  *Env
}

// NewDatabase creates a fresh database from tpl, building the template first if this server
// does not have it yet. Safe for concurrent use within and across processes.
func (e *Env) NewDatabase(ctx context.Context, tpl Template) (*Database, error) {
	tplName, err := e.template(ctx, tpl)
	if err != nil {
		return nil, err
	}
	name := "bh_" + randomSuffix()
	if err := e.adminExec(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s%s", pgx.Identifier{name}.Sanitize(), pgx.Identifier{tplName}.Sanitize(), e.cloneStrategy)); err != nil {
		return nil, fmt.Errorf("pgenv: clone %s: %w", tplName, err)
	}
	return &Database{Name: name, DSN: withDatabase(e.adminDSN, name), env: e}, nil
}

// Drop removes the database, closing any connection still open to it.
func (d *Database) Drop(ctx context.Context) error {
	if err := d.env.adminExec(ctx, fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", pgx.Identifier{d.Name}.Sanitize())); err != nil {
		return fmt.Errorf("pgenv: drop %s: %w", d.Name, err)
	}
	return nil
}

// template returns the name of tpl's template database, creating it once per server. The
// template is migrated under a temporary name and renamed when complete, so a crash never
// leaves a half-migrated template behind; an advisory lock serialises ginkgo processes.
func (e *Env) template(ctx context.Context, tpl Template) (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if name, ok := e.templates[tpl.Name]; ok {
		return name, nil
	}
	conn, err := pgx.Connect(ctx, e.adminDSN)
	if err != nil {
		return "", fmt.Errorf("pgenv: connect to server: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock(hashtext($1))", tpl.Name); err != nil {
		return "", fmt.Errorf("pgenv: lock template %s: %w", tpl.Name, err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(hashtext($1))", tpl.Name) //nolint:errcheck // released with the connection anyway
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", tpl.Name).Scan(&exists); err != nil {
		return "", fmt.Errorf("pgenv: look up template %s: %w", tpl.Name, err)
	}
	if !exists {
		if err := buildTemplate(ctx, conn, e.adminDSN, tpl); err != nil {
			return "", err
		}
	}
	e.templates[tpl.Name] = tpl.Name
	return tpl.Name, nil
}

// maxIdentifier is Postgres's longest name in bytes (NAMEDATALEN − 1).
const maxIdentifier = 63

func buildTemplate(ctx context.Context, conn *pgx.Conn, adminDSN string, tpl Template) error {
	// Postgres cuts names at 63 bytes: a long template name with the suffix appended would be
	// cut back to the template's own name, so the name is shortened before the suffix.
	const suffix = "_building"
	building := tpl.Name[:min(len(tpl.Name), maxIdentifier-len(suffix))] + suffix
	quoted := pgx.Identifier{building}.Sanitize()
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+quoted+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("pgenv: clear leftover %s: %w", building, err)
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+quoted); err != nil {
		return fmt.Errorf("pgenv: create template %s: %w", tpl.Name, err)
	}
	if err := tpl.Migrate(ctx, withDatabase(adminDSN, building)); err != nil {
		return fmt.Errorf("pgenv: migrate template %s: %w", tpl.Name, err)
	}
	for _, stmt := range []string{
		"ALTER DATABASE " + quoted + " RENAME TO " + pgx.Identifier{tpl.Name}.Sanitize(),
		"ALTER DATABASE " + pgx.Identifier{tpl.Name}.Sanitize() + " WITH IS_TEMPLATE true",
	} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("pgenv: finish template %s: %w", tpl.Name, err)
		}
	}
	return nil
}

func (e *Env) adminExec(ctx context.Context, sql string) error {
	_, err := e.admin.Exec(ctx, sql)
	return err
}

// withDatabase returns dsn with its database replaced, for both URL and keyword/value DSNs.
func withDatabase(dsn, db string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err == nil {
			u.Path = "/" + db
			return u.String()
		}
	}
	return dsn + " dbname=" + db
}

func randomSuffix() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
