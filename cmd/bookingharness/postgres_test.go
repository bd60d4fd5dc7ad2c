package main

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/events"
	"github.com/moby/moby/client"

	"github.com/bookingharness/bookingharness/pgenv"
)

// A newcomer's first command, with no environment set, on a machine whose Docker has the
// local Postgres image but not Ryuk's: it must pass on testcontainers, pull nothing, start
// no Ryuk and dial nothing but 127.0.0.1 (issue 10 §7).
func TestReplayWithNoEnvironmentPullsNothing(t *testing.T) {
	ctx := context.Background()
	cli, err := client.New(client.FromEnv)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	if _, err := cli.Ping(ctx, client.PingOptions{}); err != nil {
		t.Skipf("skipped: Docker not reachable: %v", err)
	}
	if _, err := cli.ImageInspect(ctx, pgenv.LocalImage); err != nil {
		t.Skipf("skipped: %s not present (make pg-image): %v", pgenv.LocalImage, err)
	}
	if _, err := cli.ImageInspect(ctx, "testcontainers/ryuk:0.14.0"); err == nil {
		t.Skip("skipped: the Ryuk image is present here, so the harness may use it")
	}
	since := time.Now()
	cmd := exec.Command(os.Args[0], "replay", "../../scenarios/incidents/call-687-688.yaml")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TESTCONTAINERS_") && !strings.HasPrefix(kv, "HARNESS_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, runMainVar+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("replay: %v\n%s", err, out)
	}
	for _, want := range []string{"Postgres: testcontainers — container " + pgenv.LocalImage + " on harness@127.0.0.1:", "Ryuk off", "PASS call-687-688"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for _, e := range dockerEvents(t, cli, since, client.Filters{}.Add("type", "image").Add("event", "pull")) {
		t.Errorf("the replay pulled an image: %s", e.Actor.Attributes["name"])
	}
	created := 0
	for _, e := range dockerEvents(t, cli, since, client.Filters{}.Add("type", "container").Add("event", "create")) {
		if strings.Contains(e.Actor.Attributes["image"], "ryuk") {
			t.Errorf("the replay started Ryuk (%s)", e.Actor.Attributes["image"])
		}
		if e.Actor.Attributes["image"] == pgenv.LocalImage {
			created++
		}
	}
	if created == 0 {
		t.Error("the engine reported no container created from " + pgenv.LocalImage + ": the event query sees nothing, so its silence proves nothing")
	}
}

// dockerEvents returns the engine's events matching filters from since until now.
func dockerEvents(t *testing.T, cli *client.Client, since time.Time, filters client.Filters) []events.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res := cli.Events(ctx, client.EventsListOptions{
		Since: since.Format(time.RFC3339Nano), Until: time.Now().Format(time.RFC3339Nano), Filters: filters,
	})
	var got []events.Message
	for {
		select {
		case e := <-res.Messages:
			got = append(got, e)
		case err := <-res.Err:
			if !errors.Is(err, io.EOF) {
				t.Fatalf("docker events: %v", err)
			}
			return got
		}
	}
}
