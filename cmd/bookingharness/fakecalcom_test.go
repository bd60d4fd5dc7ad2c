package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/bookingharness/bookingharness/fakecalcom"
)

// Bad fake-calcom flags fail before anything listens, naming the problem.
func TestFakeCalcomFlagErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--addr", "0.0.0.0:8787"}, "not a loopback address"},
		{[]string{"--addr", ":8787"}, "not a loopback address"},
		{[]string{"--addr", "192.0.2.1:8787"}, "--allow-remote"},
		{[]string{"--addr", "0.0.0.0:8787", "--allow-remote"}, "--allow-remote needs --admin-token"},
		{[]string{"--addr", "127.0.0.1:8787", "--allow-remote"}, "--allow-remote needs --admin-token"},
		{[]string{"--addr", "nonsense"}, "--addr"},
		{[]string{"--conflict-answer", "409"}, "--conflict-answer"},
		{[]string{"--webhook-url", "http://192.0.2.1/hook"}, "only loopback subscribers"},
		{[]string{"--webhook-delivery", "later"}, "sync or async"},
		{[]string{"--event-type", "1:seated:30:1"}, "--event-type"},
		{[]string{"--event-type", "1:standard:30:1,2"}, "round_robin only"},
		{[]string{"--check-insert-gap", "-1s"}, "check_insert_gap"},
		{[]string{"--log-level", "loud"}, "--log-level"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			root := newRootCmd()
			var out bytes.Buffer
			root.SetOut(&out)
			root.SetErr(&out)
			root.SetArgs(append([]string{"fake-calcom"}, tt.args...))
			err := root.ExecuteContext(context.Background())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one naming %q", err, tt.want)
			}
		})
	}
}

// The flags map onto fakecalcom.Config one to one.
func TestFakeCalcomFlagsMapOntoConfig(t *testing.T) {
	ff := fakeFlags{
		eventTypes:     []string{"7:round_robin:30:1,2,3", "8:seated:60:4:seats=3", "9:requires_confirmation:30:5:block_slot", "1:standard:30:1"},
		conflictAnswer: "conflict_409", webhookURL: "http://127.0.0.1:9/hook", webhookSecret: "s3", webhookDelivery: "async",
		adminToken: "t", seed: 4,
	}
	cfg, err := ff.config()
	if err != nil {
		t.Fatal(err)
	}
	want := []fakecalcom.EventType{
		{ID: 7, Kind: fakecalcom.RoundRobin, LengthMinutes: 30, HostID: 1, Hosts: []int{1, 2, 3}},
		{ID: 8, Kind: fakecalcom.Seated, LengthMinutes: 60, HostID: 4, Seats: 3},
		{ID: 9, Kind: fakecalcom.RequiresConfirmation, LengthMinutes: 30, HostID: 5, BlockSlot: true},
		{ID: 1, Kind: fakecalcom.Standard, LengthMinutes: 30, HostID: 1},
	}
	if !reflect.DeepEqual(cfg.EventTypes, want) {
		t.Errorf("event types %+v, want %+v", cfg.EventTypes, want)
	}
	wh := fakecalcom.Webhooks{Delivery: fakecalcom.DeliveryAsync, Secret: "s3", URL: "http://127.0.0.1:9/hook"}
	if cfg.ConflictAnswer != fakecalcom.Conflict409 || cfg.Webhooks != wh || cfg.AdminToken != "t" || cfg.Seed != 4 {
		t.Errorf("config %+v", cfg)
	}
	if err := checkListenAddr("[::1]:0", false, ""); err != nil {
		t.Errorf("::1 refused: %v", err)
	}
	if err := checkListenAddr("localhost:0", false, ""); err != nil {
		t.Errorf("localhost refused: %v", err)
	}
	if err := checkListenAddr("0.0.0.0:0", true, "tok"); err != nil {
		t.Errorf("remote with a token refused: %v", err)
	}
}

// --config reads the calcom: block of an incident file and gives the same fake the flags
// give; a typo fails with its position, and a flag the file replaces cannot be given too.
func TestFakeCalcomConfigFile(t *testing.T) {
	dir := t.TempDir()
	good := writeTestFile(t, dir, "calcom.yaml", `calcom:
  conflict_answer: conflict_409
  check_insert_gap: 2s
  latency: 1s
  webhooks: {delivery: async, secret: s3, url: "http://127.0.0.1:9/hook"}
  event_types:
    - {id: 7, kind: round_robin, length: 30, hosts: [1, 2, 3]}
    - {id: 8, kind: seated, length: 60, host: 4, seats: 3}
    - {id: 9, kind: requires_confirmation, length: 30, host: 5, block_slot: true}
    - {id: 1, kind: standard, length: 30, host: 1}
x-note: free for users
`)
	cfg, err := fakeFlags{configFile: good, seed: 4}.config()
	if err != nil {
		t.Fatal(err)
	}
	flags, err := fakeFlags{
		eventTypes:     []string{"7:round_robin:30:1,2,3", "8:seated:60:4:seats=3", "9:requires_confirmation:30:5:block_slot", "1:standard:30:1"},
		conflictAnswer: "conflict_409", webhookURL: "http://127.0.0.1:9/hook", webhookSecret: "s3", webhookDelivery: "async",
		checkInsertGap: 2 * time.Second, latency: time.Second, seed: 4,
	}.config()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cfg, flags) {
		t.Errorf("--config gives\n%+v\nthe flags give\n%+v", cfg, flags)
	}

	typo := writeTestFile(t, dir, "typo.yaml", "calcom:\n  conflict_anser: prod_400\n")
	if _, err := (fakeFlags{configFile: typo}).config(); err == nil || !strings.Contains(err.Error(), `typo.yaml:2:3: calcom.conflict_anser: unknown key "conflict_anser" (did you mean "conflict_answer"?)`) {
		t.Errorf("typo: %v", err)
	}
	both := fakeFlags{configFile: good, changed: func(name string) bool { return name == "latency" }}
	if _, err := both.config(); err == nil || !strings.Contains(err.Error(), "--config and --latency") {
		t.Errorf("--config with --latency: %v", err)
	}
}

func writeTestFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
