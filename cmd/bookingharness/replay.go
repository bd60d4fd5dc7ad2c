package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/sim/blackbox"
	"github.com/bookingharness/bookingharness/sim/histfile"
	"github.com/bookingharness/bookingharness/sim/incident"
	"github.com/bookingharness/bookingharness/sim/replay"
	"github.com/bookingharness/bookingharness/sim/world"
)

// Replay exit codes (docs/replay.md).
const (
	exitOK      = 0 // every expectation met
	exitFailed  = 1 // an expectation failed
	exitInvalid = 2 // a file or flag is invalid, or the replay could not run
)

// replayFlags are the replay command's options.
type replayFlags struct {
	policy, layers, pgDSN, sut string
	json, serviceOutput        bool
	history                    string // --history DIR
}

func newReplayCmd() *cobra.Command {
	var f replayFlags
	cmd := &cobra.Command{
		Use:   "replay [--policy seed|hardened] [--layers all|none|a,b] [--sut sut.yaml] [--json] [--pg-dsn DSN] FILE…",
		Short: "Replay incident files on a virtual clock and check their expectations",
		Long: `Replays each incident file (docs/incident-format.md) in a fresh world — its own database, its own fake
Cal.com, one virtual clock — and checks the steps' expected outcomes, the final counts and the
invariants. Prints a timeline per file (or, with --json, one JSON document).

Exit codes: 0 every expectation met; 1 an expectation failed; 2 a file or flag is invalid
(file, line and field are printed) or the replay could not run. With several files the worst
code wins.

--policy and --layers override the files. The files' expectations describe their own policy
and layers, so under an override the run asserts the file's expect_by_policy for that policy
if it has one, otherwise only that the hardened policy with all layers violates no invariant
(other overrides are exploratory: shown, not asserted).

Postgres: the server at --pg-dsn / HARNESS_PG_DSN, else a container (HARNESS_PG_IMAGE) when
Docker answers, else the embedded provider (a throw-away server from the Postgres binaries on
this machine); HARNESS_PG_PROVIDER forces one. One server serves every file of one
invocation.

--sut sut.yaml replays the files unchanged against your service in black-box mode
(docs/blackbox.md): for each file the harness starts it with a
fresh database and the replay's own fake Cal.com, drives it over the contract, reads its
appointments with the sut.yaml's SELECT and judges it with the same checker. --policy then
only chooses whose expectations judge the service (default: the sut.yaml's policy:, which is
hardened unless the service declares itself a port of the seed); --layers switches the
service's layers. Webhooks and host actions reach the service's own receiver (sut.yaml
webhooks:), database faults go through the harness's proxy in front of its database, and
crash: kills and restarts its process group (docs/blackbox.md). A file that needs what the
service does not offer (no webhooks: receiver, database.proxy: false, an exact clock it does
not have) is SKIPPED with the reason, and so is a file the sut.yaml declares under skip:;
skips do not change the exit code, but a run in which every file was skipped exits 1:
nothing was judged.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			return runReplay(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), f, files)
		},
	}
	cmd.Flags().StringVar(&f.policy, "policy", "", "override the files' policy: seed or hardened (with --sut: whose expectations judge the service; default the sut.yaml's policy:)")
	cmd.Flags().StringVar(&f.layers, "layers", "", "override the files' layers: all, none, or a comma-separated list of "+strings.Join(incident.AllLayers(), ","))
	cmd.Flags().BoolVar(&f.json, "json", false, "print one JSON document {exit_code, results, invalid} instead of timelines")
	cmd.Flags().StringVar(&f.pgDSN, "pg-dsn", "", "use this Postgres server instead of a container (same as HARNESS_PG_DSN)")
	cmd.Flags().StringVar(&f.sut, "sut", "", "replay against this black-box service (sut.yaml) instead of the reference core")
	cmd.Flags().BoolVar(&f.serviceOutput, "service-output", false, "with --sut: copy the service's output to stderr as it comes")
	cmd.Flags().StringVar(&f.history, "history", "", "write each file's history and final state (JSON lines, stamped) into this directory, as <name>-<policy>.history.jsonl, for `bookingharness check` to judge again")
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &exitError{code: exitInvalid, err: fmt.Errorf("replay: %w (see bookingharness replay --help)", err)}
	})
	return cmd
}

// replayReport is the --json document.
type replayReport struct {
	ExitCode int              `json:"exit_code"`
	Results  []*replay.Result `json:"results"`
	// Invalid lists the files that could not be replayed, with where and why.
	Invalid []invalidFile `json:"invalid"`
	// Skipped lists the files a black-box service could not be judged on, with why (also
	// in their results).
	Skipped []skippedFile `json:"skipped"`
}

type skippedFile struct {
	File   string `json:"file"`
	Reason string `json:"reason"`
}

type invalidFile struct {
	File    string `json:"file"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

func invalidOf(file string, err error) invalidFile {
	var ie *incident.Error
	if errors.As(err, &ie) {
		return invalidFile{File: ie.File, Line: ie.Line, Column: ie.Column, Field: ie.Field, Message: ie.Msg}
	}
	return invalidFile{File: file, Message: err.Error()}
}

func (f replayFlags) options(stderr io.Writer) (replay.Options, error) {
	var opts replay.Options
	if f.sut != "" {
		s, err := blackbox.LoadSUT(f.sut)
		if err != nil {
			return opts, err
		}
		opts.BlackBox = &world.BlackBox{SUT: s}
		if f.serviceOutput {
			opts.BlackBox.LogOutput = stderr
		}
	} else if f.serviceOutput {
		return opts, errors.New("--service-output needs --sut")
	}
	if f.policy != "" {
		p, err := core.ParsePolicy(f.policy)
		if err != nil {
			return opts, fmt.Errorf("--policy: %w", err)
		}
		opts.Policy = p
	}
	if f.layers != "" {
		l, err := core.ParseLayers(f.layers)
		if err != nil {
			return opts, fmt.Errorf("--layers: %w", err)
		}
		opts.Layers = &l
	}
	opts.KeepHistory = f.history != ""
	return opts, nil
}

// checkLayers refuses --layers naming a layer the policy that runs inc does not have
// (--policy, else the file's): --policy seed --layers slot_exclusion is an error, not a
// silently dropped layer.
func (f replayFlags) checkLayers(inc *incident.Incident) error {
	if f.layers == "" || f.sut != "" { // a service's own layers are checked when it starts
		return nil
	}
	policy := core.Policy(inc.Policy)
	if f.policy != "" {
		policy, _ = core.ParsePolicy(f.policy) // options() has validated it
	}
	if _, err := policy.ParseLayers(f.layers); err != nil {
		return fmt.Errorf("%s: --layers: %w", inc.File, err)
	}
	return nil
}

// runReplay replays files and returns an *exitError for codes 1 and 2; main prints its
// message (file:line:col: field: msg for invalid files) on stderr.
func runReplay(ctx context.Context, out, stderr io.Writer, f replayFlags, files []string) error {
	opts, err := f.options(stderr)
	if err != nil {
		return &exitError{code: exitInvalid, err: err}
	}
	report := replayReport{Results: []*replay.Result{}, Invalid: []invalidFile{}, Skipped: []skippedFile{}}
	var problems []error
	var incs []*incident.Incident
	for _, file := range files {
		inc, err := incident.Load(file)
		if err == nil {
			err = f.checkLayers(inc)
		}
		if err == nil {
			err = replay.CheckSupported(inc)
		}
		if err != nil {
			report.Invalid = append(report.Invalid, invalidOf(file, err))
			problems = append(problems, err)
			continue
		}
		incs = append(incs, inc)
	}
	if len(incs) > 0 {
		env, err := postgresEnv(ctx, f.pgDSN)
		if err != nil {
			return &exitError{code: exitInvalid, err: fmt.Errorf("replay: Postgres: %w", err)}
		}
		defer env.Close(context.WithoutCancel(ctx))
		if opts.BlackBox != nil && opts.BlackBox.SUT.Command != nil && slices.ContainsFunc(incs, func(inc *incident.Incident) bool {
			return replay.NeedsOtherClock(inc, opts.BlackBox.SUT)
		}) {
			opts.BlackBox.Capabilities = serviceCapabilities(ctx, opts.BlackBox.SUT, env)
		}
		for _, inc := range incs {
			res, err := replay.Run(ctx, env, inc, opts)
			if err != nil {
				report.Invalid = append(report.Invalid, invalidFile{File: inc.File, Message: err.Error()})
				problems = append(problems, err)
				continue
			}
			report.Results = append(report.Results, res)
			if f.history != "" && res.Skipped == "" {
				path := filepath.Join(f.history, res.Name+"-"+res.Policy+histfile.Ext)
				if err := writeHistory(path, res.History); err != nil {
					return &exitError{code: exitInvalid, err: fmt.Errorf("replay: %s: %w", inc.File, err)}
				}
				fmt.Fprintf(stderr, "wrote %s\n", path)
			}
			if !f.json {
				if err := replay.WriteTimeline(out, res); err != nil {
					return err
				}
				fmt.Fprintln(out)
			}
		}
	}
	var failed []string
	for _, r := range report.Results {
		if r.Skipped != "" {
			report.Skipped = append(report.Skipped, skippedFile{File: r.File, Reason: r.Skipped})
			continue
		}
		switch {
		case len(r.Failures) > 0:
			failed = append(failed, fmt.Sprintf("%s (%d failed expectation(s))", r.File, len(r.Failures)))
		case !r.OK():
			failed = append(failed, fmt.Sprintf("%s (inconclusive: %s)", r.File, r.Inconclusive))
		}
	}
	switch {
	case len(problems) > 0:
		report.ExitCode = exitInvalid
	case len(failed) > 0:
		report.ExitCode = exitFailed
	case len(report.Skipped) > 0 && len(report.Skipped) == len(report.Results):
		report.ExitCode = exitFailed
		failed = append(failed, "every file was skipped against the service, so nothing was judged")
	}
	if f.json {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(report); err != nil {
			return err
		}
	}
	switch report.ExitCode {
	case exitInvalid:
		if len(failed) > 0 {
			problems = append(problems, fmt.Errorf("expectations failed: %s", strings.Join(failed, ", ")))
		}
		return &exitError{code: exitInvalid, err: errors.Join(problems...)}
	case exitFailed:
		if len(report.Skipped) == len(report.Results) {
			return &exitError{code: exitFailed, err: errors.New(failed[0])}
		}
		return &exitError{code: exitFailed, err: fmt.Errorf("expectations failed: %s", strings.Join(failed, ", "))}
	}
	return nil
}
