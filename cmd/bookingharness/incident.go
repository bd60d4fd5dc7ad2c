package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/pgenv"
	"github.com/bookingharness/bookingharness/sim/blackbox"
	"github.com/bookingharness/bookingharness/sim/fromhar"
	"github.com/bookingharness/bookingharness/sim/har"
	"github.com/bookingharness/bookingharness/sim/incident"
	"github.com/bookingharness/bookingharness/sim/replay"
	"github.com/bookingharness/bookingharness/sim/world"
)

// newIncidentCmd groups the commands that make incident files.
func newIncidentCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "incident",
		Short: "Make incident files (from-har: from a recording of real traffic)",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newFromHARCmd())
	return cmd
}

// fromHARFlags are incident from-har's options.
type fromHARFlags struct {
	out, policy, layers, sut, shrinkDir, name, pgDSN string
	noJudge                                          bool
}

func newFromHARCmd() *cobra.Command {
	var f fromHARFlags
	cmd := &cobra.Command{
		Use:   "from-har FILE.har [--out incident.yaml] [--policy seed|hardened] [--layers all|none|a,b] [--sut sut.yaml] [--shrink DIR]",
		Short: "Derive an incident file from a recording (bookingharness record, or any tool's HAR)",
		Long: `Reads a HAR file — written by bookingharness record, or exported by a browser or mitmproxy —
and writes an incident file (strict, replayable with bookingharness replay):

  - every booking request (POST /v2/bookings) is a book step of its call (metadata.call_id),
    at its real offset from the first one; requests in flight together are one concurrent step;
    a cancel the service sent is a cancel step; a webhook no request explains is a host step;
  - Cal.com's behaviour becomes the fake's configuration: event types with the kind, length
    and hosts the answers show; an existing booking handed back (a uid seen before, createdAt
    before the request, another call's metadata.call_id) is a round-robin replay, or a forced
    one for another attendee; 5xx, 429, cut connections, a client giving up, empty or
    malformed bodies and missing fields are faults on that attempt; waits of a second or more
    are latency or delays; webhooks set calcom.webhooks and their faults;
  - each step's comment names the HAR entries it comes from; x-derived-from lists them.

No expectation is invented. The file is replayed against a model — the harness's core with
--policy and --layers (default: the file's seed, all) or your service with --sut — and the
invariants the recorded run breaks there are written as a comment (and x-judged), so you
decide what must hold. Anything the recording cannot decide is a comment in the file and a
line on stderr. --shrink DIR also runs the file through the shrinker and writes, per violated
invariant, the smallest file that still shows it.

Exit codes: 0 the file was written; 2 the HAR, a flag or the replay could not be used.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runFromHAR(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), f, args[0])
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.out, "out", "", "write the incident file here (default: stdout)")
	fl.StringVar(&f.policy, "policy", incident.PolicySeed, "the model's policy, written into the file: seed or hardened")
	fl.StringVar(&f.layers, "layers", "all", "the model's layers, written into the file: all, none, or a comma-separated list of "+strings.Join(incident.AllLayers(), ","))
	fl.StringVar(&f.sut, "sut", "", "judge the file against this black-box service (sut.yaml) instead of the core")
	fl.StringVar(&f.shrinkDir, "shrink", "", "also shrink the file to the fewest steps that still show each violated invariant, written to DIR")
	fl.StringVar(&f.name, "name", "", "the incident's name (default: the --out or HAR file's base name)")
	fl.StringVar(&f.pgDSN, "pg-dsn", "", "use this Postgres server for the judging replay (same as HARNESS_PG_DSN)")
	fl.BoolVar(&f.noJudge, "no-judge", false, "only derive: do not replay the file (needs no Postgres; the file then says nothing about violations)")
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &exitError{code: exitInvalid, err: fmt.Errorf("incident from-har: %w (see bookingharness incident from-har --help)", err)}
	})
	return cmd
}

// options checks the flags and returns the derivation's and the judging replay's options.
func (f fromHARFlags) options(harPath string) (fromhar.Options, replay.Options, error) {
	d := fromhar.Options{Source: harPath, Name: f.name}
	var r replay.Options
	if d.Name == "" && f.out != "" {
		d.Name = strings.TrimSuffix(filepath.Base(f.out), filepath.Ext(f.out))
	}
	p, err := core.ParsePolicy(f.policy)
	if err != nil {
		return d, r, fmt.Errorf("--policy: %w", err)
	}
	d.Policy = string(p)
	switch f.layers {
	case "all", "":
	case "none":
		d.Layers = []string{"none"}
	default:
		l, err := p.ParseLayers(f.layers)
		if err != nil {
			return d, r, fmt.Errorf("--layers: %w", err)
		}
		for _, name := range incident.AllLayers() {
			if l.Has(core.Layer(name)) {
				d.Layers = append(d.Layers, name)
			}
		}
	}
	switch {
	case f.sut != "" && f.noJudge:
		return d, r, errors.New("--sut judges the file against a service; --no-judge judges nothing: give one")
	case f.shrinkDir != "" && f.noJudge:
		return d, r, errors.New("--shrink needs the judging replay (it shrinks what the replay violates): drop --no-judge")
	case f.sut != "":
		s, err := blackbox.LoadSUT(f.sut)
		if err != nil {
			return d, r, err
		}
		r.BlackBox = &world.BlackBox{SUT: s}
	}
	return d, r, nil
}

// runFromHAR derives, judges, writes and optionally shrinks.
func runFromHAR(ctx context.Context, stdout, stderr io.Writer, f fromHARFlags, harPath string) error {
	dopts, ropts, err := f.options(harPath)
	if err != nil {
		return &exitError{code: exitInvalid, err: fmt.Errorf("incident from-har: %w", err)}
	}
	log, err := har.ReadFile(harPath)
	if err != nil {
		return &exitError{code: exitInvalid, err: fmt.Errorf("incident from-har: %w", err)}
	}
	d, err := fromhar.Derive(log, dopts)
	if err != nil {
		return &exitError{code: exitInvalid, err: fmt.Errorf("incident from-har: %s: %w", harPath, err)}
	}
	for _, u := range d.Undecided {
		fmt.Fprintln(stderr, "from-har: UNDECIDED:", u)
	}
	var j fromhar.Judgement
	var env *pgenv.Env
	if !f.noJudge {
		if env, err = postgresEnv(ctx, f.pgDSN); err != nil {
			return &exitError{code: exitInvalid, err: fmt.Errorf("incident from-har: Postgres for the judging replay (or --no-judge): %w", err)}
		}
		defer env.Close(context.WithoutCancel(ctx))
		if j, err = fromhar.Judge(ctx, env, d.Incident, ropts); err != nil {
			return &exitError{code: exitInvalid, err: fmt.Errorf("incident from-har: judging replay: %w", err)}
		}
		d.Annotate(j)
		switch {
		case j.Skipped != "":
			fmt.Fprintf(stderr, "from-har: not judged against %s: %s\n", j.Against, j.Skipped)
		case len(j.Violated) == 0:
			fmt.Fprintf(stderr, "from-har: replayed against %s: no invariant violated\n", j.Against)
		default:
			fmt.Fprintf(stderr, "from-har: replayed against %s: violates %s\n", j.Against, strings.Join(j.Violated, ", "))
		}
	}
	data, err := d.Marshal()
	if err != nil {
		return &exitError{code: exitInvalid, err: fmt.Errorf("incident from-har: %w", err)}
	}
	if f.out == "" {
		if _, err := stdout.Write(data); err != nil {
			return err
		}
	} else {
		if err := os.WriteFile(f.out, data, 0o644); err != nil {
			return &exitError{code: exitInvalid, err: fmt.Errorf("incident from-har: %w", err)}
		}
		fmt.Fprintf(stderr, "from-har: wrote %s (%d steps); replay it with: bookingharness replay %s\n", f.out, len(d.Incident.Steps), f.out)
	}
	if f.shrinkDir == "" {
		return nil
	}
	if len(j.Violated) == 0 {
		fmt.Fprintln(stderr, "from-har: shrink: no invariant violated, nothing to shrink")
		return nil
	}
	files, err := d.Shrink(ctx, j, fromhar.Oracle(env, ropts), f.shrinkDir)
	for _, s := range files {
		what := "reproduces it"
		switch {
		case s.SameAs:
			fmt.Fprintf(stderr, "from-har: shrink: %s → the same file as an earlier invariant, %s\n", s.Invariant, s.Path)
			continue
		case !s.Reproduced:
			what = "does NOT reproduce it deterministically (the closest file)"
		}
		fmt.Fprintf(stderr, "from-har: shrink: %s → %s: %d step(s), %s, %d replays\n", s.Invariant, s.Path, s.Steps, what, s.Replays)
	}
	if err != nil {
		return &exitError{code: exitInvalid, err: fmt.Errorf("incident from-har: %w", err)}
	}
	return nil
}
