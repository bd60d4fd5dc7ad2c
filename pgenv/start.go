package pgenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// unavailable says that a provider cannot be used on this machine as it is (no DSN set, no
// Docker, no binaries) — Start then tries the next one — as opposed to a provider that was
// usable and failed, which is an error of its own.
type unavailable struct {
	provider Provider
	reason   string
}

func (u *unavailable) Error() string { return fmt.Sprintf("%s: %s", u.provider, u.reason) }

// Start provides a Postgres server from the first available provider (see the package doc),
// or from the one HARNESS_PG_PROVIDER forces. The caller must call Close, which stops a
// server Start started.
func Start(ctx context.Context) (*Env, error) {
	forced := Provider(strings.TrimSpace(os.Getenv(EnvProvider)))
	starters := map[Provider]func(context.Context) (*Env, error){
		ProviderDSN:            startDSN,
		ProviderTestcontainers: startContainer,
		ProviderEmbedded:       startEmbedded,
	}
	if forced != "" {
		start, ok := starters[forced]
		if !ok {
			return nil, fmt.Errorf("pgenv: %s=%q is not a provider; want one of %s (or unset it to let the harness choose)",
				EnvProvider, forced, providerList())
		}
		env, err := start(ctx)
		if u := (*unavailable)(nil); errors.As(err, &u) {
			return nil, fmt.Errorf("pgenv: %s=%s, but %s", EnvProvider, forced, u.reason)
		}
		return env, err
	}
	reasons := map[Provider]string{}
	for _, p := range Providers() {
		env, err := starters[p](ctx)
		u := (*unavailable)(nil)
		if !errors.As(err, &u) {
			return env, err
		}
		reasons[p] = u.reason
	}
	return nil, noProvider(reasons)
}

// noProvider is the one message a user without any Postgres sees: the three ways to get
// one, and why each did not work here.
func noProvider(reasons map[Provider]string) error {
	ways := map[Provider]string{
		ProviderDSN:            fmt.Sprintf("an existing server: set %s=postgres://USER:PASSWORD@127.0.0.1:5432/postgres (the user needs CREATEDB)", EnvDSN),
		ProviderTestcontainers: fmt.Sprintf("Docker: start the engine; on a machine without a registry build the image with `make pg-image` (or let the harness pull with %s=true)", EnvPull),
		ProviderEmbedded:       "Postgres server binaries: install them (Debian: apt-get install postgresql) — the harness finds initdb and postgres on PATH, in `pg_config --bindir` or in /usr/lib/postgresql/*/bin",
	}
	var b strings.Builder
	b.WriteString("pgenv: no Postgres available. There are three ways to give the harness one:")
	for i, p := range Providers() {
		fmt.Fprintf(&b, "\n  %d. %s\n     (here: %s)", i+1, ways[p], reasons[p])
	}
	return errors.New(b.String())
}

func providerList() string {
	var names []string
	for _, p := range Providers() {
		names = append(names, string(p))
	}
	return strings.Join(names, ", ")
}

// startDSN is the dsn provider: the server HARNESS_PG_DSN names.
func startDSN(ctx context.Context) (*Env, error) {
	dsn := strings.TrimSpace(os.Getenv(EnvDSN))
	if dsn == "" {
		return nil, &unavailable{ProviderDSN, EnvDSN + " is not set"}
	}
	return StartDSN(ctx, dsn)
}

// StartDSN is the dsn provider for a DSN given another way than HARNESS_PG_DSN (a command's
// --pg-dsn flag). Close terminates nothing.
func StartDSN(ctx context.Context, dsn string) (*Env, error) {
	began := time.Now()
	if err := ping(ctx, dsn); err != nil {
		return nil, fmt.Errorf("pgenv: %s is not reachable: %w (check host, port, user and password; the user needs CREATEDB)", redact(dsn), err)
	}
	return newEnv(ctx, ProviderDSN, dsn, "existing server "+redact(dsn), began, nil)
}
