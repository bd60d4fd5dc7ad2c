package fromhar_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/bookingharness/bookingharness/sim/fromhar"
	"github.com/bookingharness/bookingharness/sim/har"
	"github.com/bookingharness/bookingharness/sim/incident"
	"github.com/bookingharness/bookingharness/sim/record"
	"github.com/bookingharness/bookingharness/sim/replay"
)

func TestExplore(t *testing.T) {
	file := os.Getenv("EXPLORE")
	if file == "" {
		return
	}
	env := pg.Env(t)
	inc, err := incident.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "rec.har")
	wr, err := record.RecordWorld(path, record.Config{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := replay.Run(context.Background(), env, inc, replay.Options{Front: wr.Front})
	if err != nil {
		t.Fatal(err)
	}
	if err := wr.Close(); err != nil {
		t.Fatal(err)
	}
	fmt.Println("original violated", res.Final.Violated)
	data, _ := os.ReadFile(path)
	if os.Getenv("SHOWHAR") != "" {
		fmt.Println(string(data))
	}
	log, err := har.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	d, err := fromhar.Derive(log, fromhar.Options{Source: path, Policy: inc.Policy, Layers: inc.Layers})
	if err != nil {
		t.Fatal(err)
	}
	if inc.LayersSpec == "none" {
		d, err = fromhar.Derive(log, fromhar.Options{Source: path, Policy: inc.Policy, Layers: []string{"none"}})
		if err != nil {
			t.Fatal(err)
		}
	}
	j, err := fromhar.Judge(context.Background(), env, d.Incident, replay.Options{})
	if err != nil {
		t.Fatal(err)
	}
	d.Annotate(j)
	out, err := d.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println(string(out))
}
