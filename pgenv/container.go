package pgenv

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver for wait.ForSQL
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"
	"github.com/testcontainers/testcontainers-go/modules/postgres"
	"github.com/testcontainers/testcontainers-go/wait"
)

const (
	containerUser     = "harness"
	containerPassword = "harness"
	containerDB       = "harness"
	startupTimeout    = 90 * time.Second
)

// startContainer is the testcontainers provider. It is unavailable (Start moves on) when no
// Docker engine answers or the engine has no usable image and pulls are not allowed.
func startContainer(ctx context.Context) (*Env, error) {
	began := time.Now()
	d, err := dialDocker(ctx)
	if err != nil {
		return nil, &unavailable{ProviderTestcontainers, err.Error()}
	}
	defer d.Close()
	image, err := chooseImage(ctx, d)
	if err != nil {
		return nil, err
	}
	ryukPresent, err := d.hasImage(ctx, ryukImage())
	if err != nil {
		return nil, fmt.Errorf("pgenv: %w", err)
	}
	ryukOn, err := makeTestcontainersSafe(ryukPresent)
	if err != nil {
		return nil, err
	}
	// Without Ryuk nothing else removes the containers of runs that were killed before
	// Close; do it now, for this host's dead runs only.
	removed, err := d.removeLeftovers(ctx)
	if err != nil {
		return nil, fmt.Errorf("pgenv: %w", err)
	}
	// testcontainers prints a banner about the engine on its first use; pgenv prints its own
	// one line (Env.String) instead.
	tclog.SetDefault(discard{})
	ctr, err := postgres.Run(ctx, image,
		testcontainers.WithLogger(discard{}),
		testcontainers.WithLabels(ownerLabels()),
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
	terminate := func(context.Context) error { return testcontainers.TerminateContainer(ctr) }
	dsn, err := ctr.ConnectionString(ctx, "sslmode=disable")
	if err != nil {
		_ = terminate(ctx)
		return nil, fmt.Errorf("pgenv: container address: %w", err)
	}
	ryuk := "Ryuk on"
	if !ryukOn {
		ryuk = "Ryuk off: the harness removes its own containers"
	}
	if removed > 0 {
		ryuk += fmt.Sprintf("; removed %d container(s) of runs that died before Close", removed)
	}
	describe := fmt.Sprintf("container %s on %s (%s)", image, strings.TrimPrefix(redact(dsn), "postgres://"), ryuk)
	return newEnv(ctx, ProviderTestcontainers, dsn, describe, began, terminate)
}

// chooseImage picks HARNESS_PG_IMAGE, else the locally built LocalImage when the engine has
// it, else DefaultImage. An image that is not present is used only when pulls are allowed;
// otherwise the provider is unavailable, with the way to fix it.
func chooseImage(ctx context.Context, d *docker) (string, error) {
	candidates := []string{LocalImage, DefaultImage}
	if img := strings.TrimSpace(os.Getenv(EnvImage)); img != "" {
		candidates = []string{img}
	}
	for _, img := range candidates {
		present, err := d.hasImage(ctx, img)
		if err != nil {
			return "", fmt.Errorf("pgenv: %w", err)
		}
		if present {
			return img, nil
		}
	}
	if pullAllowed() {
		return candidates[len(candidates)-1], nil
	}
	return "", &unavailable{ProviderTestcontainers, fmt.Sprintf("Docker answers but has no %s image and the harness never pulls unasked (build one with `make pg-image`, pull it yourself, or set %s=true)",
		strings.Join(candidates, " or "), EnvPull)}
}

func pullAllowed() bool { return isTrue(os.Getenv(EnvPull)) }

// explainRunError turns the usual failure of an offline machine — an image that is not
// present and cannot be pulled — into an instruction.
func explainRunError(image string, err error) error {
	msg := strings.ToLower(err.Error())
	if strings.Contains(msg, "reaper") {
		return fmt.Errorf("pgenv: testcontainers' reaper (Ryuk) could not start — set TESTCONTAINERS_RYUK_DISABLED=true, or unset it to let the harness decide: %w", err)
	}
	if strings.Contains(msg, "pull") || strings.Contains(msg, "no such image") || strings.Contains(msg, "not found") ||
		strings.Contains(msg, "registry") {
		return fmt.Errorf("pgenv: image %s is not present and could not be pulled (an offline machine has no registry): run `make pg-image`, or set %s: %w", image, EnvDSN, err)
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
