package pgenv

import (
	"context"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/containerd/errdefs"
	"github.com/moby/moby/client"
)

// Labels pgenv puts on every container it starts, so that it can remove its own leftovers —
// and only its own — when Ryuk (testcontainers' reaper) is not there to do it.
const (
	labelOwner     = "io.bookingharness.owner"      // owner.String() of the starting process
	labelOwnerHost = "io.bookingharness.owner-host" // its host name: pids mean nothing elsewhere
)

// dockerProbeTimeout bounds the ping of an engine: an address that does not answer must not
// hold up the choice of provider.
const dockerProbeTimeout = 5 * time.Second

// docker is a client of the engine testcontainers will use, opened before testcontainers
// is: its configuration (Ryuk on or off) is read once per process, so what pgenv tells it
// must be decided from what the engine has before the first testcontainers call.
type docker struct {
	cli *client.Client
}

// dialDocker connects to the engine named by DOCKER_HOST (the default socket when unset) and
// pings it. An error means Docker is not reachable; it names the address tried.
func dialDocker(ctx context.Context) (*docker, error) {
	cli, err := client.New(client.FromEnv)
	if err != nil {
		return nil, fmt.Errorf("docker client: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, dockerProbeTimeout)
	defer cancel()
	if _, err := cli.Ping(pctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		cli.Close()
		return nil, fmt.Errorf("the Docker engine is not reachable at %s: %w", cli.DaemonHost(), err)
	}
	return &docker{cli: cli}, nil
}

func (d *docker) Close() { d.cli.Close() }

// hasImage reports whether the engine has image locally (no registry is asked).
func (d *docker) hasImage(ctx context.Context, image string) (bool, error) {
	if _, err := d.cli.ImageInspect(ctx, image); err != nil {
		if errdefs.IsNotFound(err) {
			return false, nil
		}
		return false, fmt.Errorf("inspect image %s: %w", image, err)
	}
	return true, nil
}

// removeLeftovers removes the containers pgenv started on this host whose owner process has
// exited (a run killed before Close, with Ryuk off). Containers of live runs, of other hosts
// and without pgenv's labels are never touched. It returns how many it removed.
func (d *docker) removeLeftovers(ctx context.Context) (int, error) {
	host, _ := os.Hostname()
	list, err := d.cli.ContainerList(ctx, client.ContainerListOptions{
		All:     true,
		Filters: make(client.Filters).Add("label", labelOwnerHost+"="+host),
	})
	if err != nil {
		return 0, fmt.Errorf("list leftover containers: %w", err)
	}
	removed := 0
	for _, c := range list.Items {
		o, err := parseOwner(c.Labels[labelOwner])
		if err != nil || !o.gone() {
			continue
		}
		if _, err := d.cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true}); err != nil && !errdefs.IsNotFound(err) {
			return removed, fmt.Errorf("remove leftover container %.12s: %w", c.ID, err)
		}
		removed++
	}
	return removed, nil
}

// ownerLabels are the labels removeLeftovers looks for, naming this process.
func ownerLabels() map[string]string {
	host, _ := os.Hostname()
	return map[string]string{labelOwner: currentOwner().String(), labelOwnerHost: host}
}

// Environment variables of testcontainers-go that pgenv sets for it. testcontainers reads
// them once per process (Ryuk) or at each container (host); they are its only supported
// in-process settings, so pgenv sets them before its first testcontainers call.
const (
	tcRyukDisabled = "TESTCONTAINERS_RYUK_DISABLED"
	tcHostOverride = "TESTCONTAINERS_HOST_OVERRIDE"
)

// makeTestcontainersSafe configures testcontainers so that it neither pulls nor dials
// anything but loopback, whatever the environment says, and describes what it decided:
//   - Ryuk runs only when its image is already present (or pulls are allowed) and the user
//     did not switch it off; otherwise it is off and pgenv removes its own containers;
//   - the host testcontainers dials for published ports is 127.0.0.1, because pgenv
//     publishes them there only. Left alone, testcontainers dials the default gateway on
//     machines that look like containers.
func makeTestcontainersSafe(ryukPresent bool) (ryukOn bool, err error) {
	ryukOn = (ryukPresent || pullAllowed()) && !isTrue(os.Getenv(tcRyukDisabled))
	if !ryukOn {
		if err := os.Setenv(tcRyukDisabled, "true"); err != nil {
			return false, fmt.Errorf("pgenv: switch Ryuk off: %w", err)
		}
	}
	if !isLoopback(os.Getenv(tcHostOverride)) {
		if err := os.Setenv(tcHostOverride, "127.0.0.1"); err != nil {
			return false, fmt.Errorf("pgenv: set the testcontainers host: %w", err)
		}
	}
	return ryukOn, nil
}

// ryukDefaultImage is the reaper image of the testcontainers-go version in go.mod (its own
// constant is deprecated and internal); a test fails when an upgrade changes it.
const ryukDefaultImage = "testcontainers/ryuk:0.14.0"

// ryukImage is the reaper image testcontainers would start (behind the hub prefix, if the
// user configured one).
func ryukImage() string {
	if p := strings.TrimSpace(os.Getenv("TESTCONTAINERS_HUB_IMAGE_NAME_PREFIX")); p != "" {
		return strings.TrimSuffix(p, "/") + "/" + ryukDefaultImage
	}
	return ryukDefaultImage
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
