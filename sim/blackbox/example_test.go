package blackbox_test

import (
	"context"
	"testing"

	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/sim/blackbox"
)

// exampleAPIKey is the Bearer key the example services get for the fake Cal.com.
const exampleAPIKey = "cal_test_example"

// openExample starts the example service of sutPath (its own sut.yaml, as a team would ship
// it) in time mode mode, with env added to the sut.yaml's env:, against a fake Cal.com in
// this process serving ets. Both are stopped when the test ends.
func openExample(t *testing.T, sutPath string, mode blackbox.TimeMode, env map[string]string, ets ...fakecalcom.EventType) (*blackbox.Target, *fakecalcom.Server, *blackbox.SUT) {
	t.Helper()
	sut, err := blackbox.LoadSUT(sutPath)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range env {
		sut.Env[k] = v
	}
	sut.Time = mode
	fake := fakecalcom.New(fakecalcom.Config{EventTypes: ets, APIKey: exampleAPIKey})
	t.Cleanup(fake.Close)
	tgt, err := blackbox.Open(context.Background(), blackbox.Config{SUT: sut, CalcomURL: fake.URL, CalcomAPIKey: exampleAPIKey, Postgres: blackbox.Postgres()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := tgt.Close(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return tgt, fake, sut
}
