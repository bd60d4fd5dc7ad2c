package pgenv

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/containerd/errdefs"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver for wait.ForSQL
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/modules/postgres"
	"github.com/testcontainers/testcontainers-go/wait"
)

const (
	containerUser     = "harness"
	containerPassword = "harness"
	containerDB       = "harness"
	startupTimeout    = 90 * time.Second
)

func startContainer(ctx context.Context, image string) (*Env, error) {
	present, err := imagePresent(ctx, image)
	if err != nil {
		return nil, fmt.Errorf("pgenv: Docker is not reachable (%w): start Docker (on an offline machine: bash scripts/prepare-host.sh) or set %s to an existing server, e.g. %s=postgres://user:pass@127.0.0.1:5432/postgres", err, EnvDSN, EnvDSN)
	}
	// A pull reaches out to a registry; do it only when asked, so an offline machine gets an
	// instruction instead of a DNS lookup of a registry it cannot reach.
	if !present && !pullAllowed() {
		return nil, fmt.Errorf("pgenv: image %s is not present locally: run `make pg-image` and set %s=bookingharness/postgres:15 (offline machines), pull it yourself (docker pull %s), set %s=true to let the harness pull it, or set %s to an existing server", image, EnvImage, image, EnvPull, EnvDSN)
	}
	began := time.Now()
	ctr, err := postgres.Run(ctx, image,
		testcontainers.WithLogger(discard{}),
		postgres.WithDatabase(containerDB),
		postgres.WithUsername(containerUser),
		postgres.WithPassword(containerPassword),
		// Durability is worthless for throw-away test data; these make CREATE DATABASE and
		// commits cheap.
		testcontainers.WithCmd("postgres", "-c", "fsync=off", "-c", "synchronous_commit=off",
			"-c", "full_page_writes=off", "-c", "max_connections=300"),
		// The data directory lives in memory: on Docker's overlay filesystem every CREATE
		// DATABASE … TEMPLATE costs ~220 ms, on tmpfs ~10 ms (measured on this project's
		// machines). Test data is thrown away with the container anyway.
		testcontainers.WithTmpfs(map[string]string{"/var/lib/postgresql/data": "rw"}),
		// Publish the port on loopback only: nothing the harness starts listens beyond
		// 127.0.0.1 (Docker's default would be every interface).
		testcontainers.WithHostConfigModifier(func(hc *container.HostConfig) {
			hc.PortBindings = network.PortMap{
				network.MustParsePort("5432/tcp"): {{HostIP: netip.AddrFrom4([4]byte{127, 0, 0, 1})}},
			}
		}),
		testcontainers.WithWaitStrategy(
			// An SQL ping, not the official image's log lines: the local offline image logs
			// differently, and only a served query proves readiness.
			wait.ForSQL("5432/tcp", "pgx", func(host string, port network.Port) string {
				return fmt.Sprintf("postgres://%s:%s@%s:%s/%s?sslmode=disable", containerUser, containerPassword, host, port.Port(), containerDB)
			}).WithStartupTimeout(startupTimeout).WithPollInterval(100*time.Millisecond),
		),
	)
	if err != nil {
		if ctr != nil {
			_ = testcontainers.TerminateContainer(ctr)
		}
		return nil, explainRunError(image, err)
	}
	dsn, err := ctr.ConnectionString(ctx, "sslmode=disable")
	if err != nil {
		_ = testcontainers.TerminateContainer(ctr)
		return nil, fmt.Errorf("pgenv: container address: %w", err)
	}
	port, _ := ctr.MappedPort(ctx, "5432/tcp")
	host, _ := ctr.Host(ctx)
	describe := fmt.Sprintf("container %s on %s:%s (started in %s)", image, host, port.Port(), time.Since(began).Round(time.Millisecond))
	return newEnv(ctx, dsn, describe, func(ctx context.Context) error {
		return testcontainers.TerminateContainer(ctr)
	})
}

// imagePresent asks the Docker engine whether image exists locally; an error means Docker
// itself is unreachable.
func imagePresent(ctx context.Context, image string) (bool, error) {
	p, err := testcontainers.NewDockerProvider(testcontainers.WithLogger(discard{}))
	if err != nil {
		return false, err
	}
	defer p.Close()
	if err := p.Health(ctx); err != nil {
		return false, err
	}
	if _, err := p.Client().ImageInspect(ctx, image); err != nil {
		if errdefs.IsNotFound(err) {
			return false, nil
		}
		return false, err
	}
	return true, nil
}

func pullAllowed() bool {
	v, _ := strconv.ParseBool(strings.TrimSpace(os.Getenv(EnvPull)))
	return v
}

// explainRunError turns the usual failure of an offline machine — an image that is not
// present and cannot be pulled — into an instruction.
func explainRunError(image string, err error) error {
	msg := strings.ToLower(err.Error())
	if strings.Contains(msg, "pull") || strings.Contains(msg, "no such image") || strings.Contains(msg, "not found") ||
		strings.Contains(msg, "registry") {
		return fmt.Errorf("pgenv: image %s is not present and could not be pulled (an offline machine has no registry): run `make pg-image` and set %s=bookingharness/postgres:15, or set %s: %w", image, EnvImage, EnvDSN, err)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("pgenv: %s did not accept SQL within %s: %w", image, startupTimeout, err)
	}
	return fmt.Errorf("pgenv: start %s: %w", image, err)
}

// discard silences testcontainers' progress lines; pgenv reports what it started itself
// (Env.String) and returns every failure as an error.
type discard struct{}

func (discard) Printf(string, ...any) {}
