package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"github.com/bookingharness/bookingharness/pgenv"
	"github.com/bookingharness/bookingharness/sim/load"
	"github.com/bookingharness/bookingharness/sim/shrink"
)

// shrinkLoad is `load --shrink DIR`: it turns every violation of res into a minimal
// incident file in dir (replayed on env), prints one line per violation with the file's
// path, and writes the report as DIR/shrink.json. A violation that does not reproduce is
// printed as such with its closest file; it does not change the load's exit code, which
// judges the load run.
func shrinkLoad(ctx context.Context, stdout io.Writer, env *pgenv.Env, res *load.Result, dir string) error {
	if dir == "" {
		return nil
	}
	ev := res.Evidence()
	if ev == nil || len(ev.Violations) == 0 {
		fmt.Fprintln(stdout, "shrink: no violation to shrink")
		return nil
	}
	rep, err := shrink.Shrink(ctx, ev, shrink.Config{Dir: dir, Oracle: shrink.ReplayOracle(env), Explain: shrink.ReplayExplainer(env)})
	if rep != nil {
		if werr := rep.Write(stdout); werr != nil && err == nil {
			err = werr
		}
		if werr := writeFile(filepath.Join(dir, "shrink.json"), rep.WriteJSON); werr != nil && err == nil {
			err = werr
		}
	}
	if err != nil {
		return fmt.Errorf("load --shrink: %w", err)
	}
	return nil
}
