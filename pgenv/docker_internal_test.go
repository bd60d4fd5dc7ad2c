package pgenv

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
)

// unsetenv unsets key for the rest of the test and restores it afterwards.
func unsetenv(t *testing.T, key string) {
	t.Helper()
	t.Setenv(key, "")
	os.Unsetenv(key)
}

// The harness decides Ryuk and the dialled host itself, whatever the environment says:
// Ryuk only when its image is present (or pulls are allowed) and not switched off, and
// always a loopback host.
func TestMakeTestcontainersSafe(t *testing.T) {
	for _, tc := range []struct {
		name                   string
		env                    map[string]string // "" = unset
		ryukPresent            bool
		wantOn                 bool
		wantDisabled, wantHost string
	}{
		{name: "nothing set, no Ryuk image", wantDisabled: "true", wantHost: "127.0.0.1"},
		{name: "nothing set, Ryuk image present", ryukPresent: true, wantOn: true, wantHost: "127.0.0.1"},
		{name: "Ryuk asked for but not present", env: map[string]string{tcRyukDisabled: "false"}, wantDisabled: "true", wantHost: "127.0.0.1"},
		{name: "Ryuk switched off by the user", env: map[string]string{tcRyukDisabled: "true"}, ryukPresent: true, wantDisabled: "true", wantHost: "127.0.0.1"},
		{name: "pulls allowed", env: map[string]string{EnvPull: "true"}, wantOn: true, wantHost: "127.0.0.1"},
		{name: "gateway host replaced", env: map[string]string{tcHostOverride: "198.51.100.1"}, wantDisabled: "true", wantHost: "127.0.0.1"},
		{name: "localhost kept", env: map[string]string{tcHostOverride: "localhost"}, wantDisabled: "true", wantHost: "localhost"},
		{name: "IPv6 loopback kept", env: map[string]string{tcHostOverride: "::1"}, wantDisabled: "true", wantHost: "::1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range []string{tcRyukDisabled, tcHostOverride, EnvPull} {
				if v, ok := tc.env[k]; ok {
					t.Setenv(k, v)
				} else {
					unsetenv(t, k)
				}
			}
			on, err := makeTestcontainersSafe(tc.ryukPresent)
			if err != nil {
				t.Fatal(err)
			}
			if on != tc.wantOn {
				t.Errorf("Ryuk on = %v, want %v", on, tc.wantOn)
			}
			if got := os.Getenv(tcRyukDisabled); got != tc.wantDisabled && (tc.wantDisabled != "" || isTrue(got)) {
				t.Errorf("%s = %q, want %q", tcRyukDisabled, got, tc.wantDisabled)
			}
			if got := os.Getenv(tcHostOverride); got != tc.wantHost {
				t.Errorf("%s = %q, want %q", tcHostOverride, got, tc.wantHost)
			}
		})
	}
}

// The reaper image pgenv looks for must be the one the testcontainers-go in go.mod starts.
func TestRyukImageMatchesTestcontainers(t *testing.T) {
	//lint:ignore SA1019 the deprecated constant is the only exported copy of the image name
	if want := testcontainers.ReaperDefaultImage; ryukDefaultImage != want {
		t.Fatalf("ryukDefaultImage = %q, testcontainers starts %q: update it", ryukDefaultImage, want)
	}
}

func TestStartExplainsForcedProviders(t *testing.T) {
	for _, tc := range []struct {
		name, provider string
		env            map[string]string
		want           []string
	}{
		{"unknown provider", "docker", nil, []string{EnvProvider, `"docker"`, "dsn, testcontainers, embedded"}},
		{"dsn without a DSN", "dsn", map[string]string{EnvDSN: ""}, []string{EnvProvider + "=dsn", EnvDSN + " is not set"}},
		{"testcontainers without Docker", "testcontainers", map[string]string{"DOCKER_HOST": "unix:///nonexistent/docker.sock"},
			[]string{EnvProvider + "=testcontainers", "Docker engine is not reachable at unix:///nonexistent/docker.sock"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(EnvProvider, tc.provider)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			env, err := Start(context.Background())
			if err == nil {
				env.Close(context.Background())
				t.Fatal("Start succeeded")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestNoProviderNamesTheThreeWays(t *testing.T) {
	msg := noProvider(map[Provider]string{ProviderDSN: "not set", ProviderTestcontainers: "no Docker", ProviderEmbedded: "no binaries"}).Error()
	for _, w := range []string{"1. an existing server", EnvDSN, "2. Docker", "make pg-image", "3. Postgres server binaries",
		"apt-get install postgresql", "(here: not set)", "(here: no Docker)", "(here: no binaries)"} {
		if !strings.Contains(msg, w) {
			t.Errorf("message lacks %q:\n%s", w, msg)
		}
	}
}

// removeLeftovers removes the containers of this host's dead runs and nothing else.
func TestRemoveLeftoversRemovesOnlyDeadRunsContainers(t *testing.T) {
	ctx := context.Background()
	d, err := dialDocker(ctx)
	if err != nil {
		t.Skipf("skipped: %v", err)
	}
	defer d.Close()
	if ok, err := d.hasImage(ctx, LocalImage); err != nil || !ok {
		t.Skipf("skipped: image %s not present (make pg-image)", LocalImage)
	}
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	dead := owner{pid: gone.Process.Pid, start: 1}.String()
	for _, tc := range []struct {
		name    string
		labels  map[string]string
		removed bool
	}{
		{"dead run on this host", map[string]string{labelOwner: dead, labelOwnerHost: host}, true},
		{"live run on this host", ownerLabels(), false},
		{"dead run on another host", map[string]string{labelOwner: dead, labelOwnerHost: host + "-elsewhere"}, false},
		{"not labelled by pgenv", map[string]string{"purpose": "bookingharness test"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Created, never started: nothing runs, nothing is published.
			c, err := d.cli.ContainerCreate(ctx, client.ContainerCreateOptions{
				Config: &container.Config{Image: LocalImage, Labels: tc.labels, Cmd: []string{"true"}},
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _, _ = d.cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true}) })
			if _, err := d.removeLeftovers(ctx); err != nil {
				t.Fatal(err)
			}
			_, err = d.cli.ContainerInspect(ctx, c.ID, client.ContainerInspectOptions{})
			if got := errdefs.IsNotFound(err); got != tc.removed {
				t.Errorf("removed = %v, want %v (inspect: %v)", got, tc.removed, err)
			}
			if err != nil && !errdefs.IsNotFound(err) {
				t.Fatal(err)
			}
		})
	}
}
