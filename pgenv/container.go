package pgenv

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

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
	if err := dockerHealthy(ctx); err != nil {
		return nil, fmt.Errorf("pgenv: Docker is not reachable (%w): start Docker (on an offline machine: bash scripts/prepare-host.sh) or set %s to an existing server, e.g. %s=postgres://user:pass@127.0.0.1:5432/postgres", err, EnvDSN, EnvDSN)
	}
	began := time.Now()
	ctr, err := postgres.Run(ctx, image,
		postgres.WithDatabase(containerDB),
		postgres.WithUsername(containerUser),
		postgres.WithPassword(containerPassword),
		// Durability is worthless for throw-away test data; these make CREATE DATABASE and
		// commits cheap.
		testcontainers.WithCmd("postgres", "-c", "fsync=off", "-c", "synchronous_commit=off",
			"-c", "full_page_writes=off", "-c", "max_connections=300"),
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

func dockerHealthy(ctx context.Context) error {
	p, err := testcontainers.NewDockerProvider()
	if err != nil {
		return err
	}
	defer p.Close()
	return p.Health(ctx)
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
