package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/sim/incident"
	"github.com/bookingharness/bookingharness/sim/replay"
)

// Replay exit codes (DESIGN §6).
const (
	exitOK      = 0 // every expectation met
	exitFailed  = 1 // an expectation failed
	exitInvalid = 2 // a file or flag is invalid, or the replay could not run
)

// replayFlags are the replay command's options.
type replayFlags struct {
	policy, layers, pgDSN string
	json                  bool
}

func newReplayCmd() *cobra.Command {
	var f replayFlags
	cmd := &cobra.Command{
		Use:   "replay [--policy seed|hardened] [--layers all|none|a,b] [--json] [--pg-dsn DSN] FILE…",
		Short: "Replay incident files on a virtual clock and check their expectations",
		Long: `Replays each incident file (DESIGN §6) in a fresh world — its own database, its own fake
Cal.com, one virtual clock — and checks the steps' expected outcomes, the final counts and the
invariants. Prints a timeline per file (or, with --json, one JSON document).

Exit codes: 0 every expectation met; 1 an expectation failed; 2 a file or flag is invalid
(file, line and field are printed) or the replay could not run. With several files the worst
code wins.

--policy and --layers override the files. The files' expectations describe their own policy
and layers, so under an override the run asserts the file's expect_by_policy for that policy
if it has one, otherwise only that the hardened policy with all layers violates no invariant
(other overrides are exploratory: shown, not asserted).

Postgres: a container (HARNESS_PG_IMAGE), or the server at --pg-dsn / HARNESS_PG_DSN. One
server serves every file of one invocation.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			return runReplay(cmd.Context(), cmd.OutOrStdout(), f, files)
		},
	}
	cmd.Flags().StringVar(&f.policy, "policy", "", "override the files' policy: seed or hardened")
	cmd.Flags().StringVar(&f.layers, "layers", "", "override the files' layers: all, none, or a comma-separated list of "+strings.Join(incident.AllLayers(), ","))
	cmd.Flags().BoolVar(&f.json, "json", false, "print one JSON document {exit_code, results, invalid} instead of timelines")
	cmd.Flags().StringVar(&f.pgDSN, "pg-dsn", "", "use this Postgres server instead of a container (same as HARNESS_PG_DSN)")
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

func (f replayFlags) options() (replay.Options, error) {
	var opts replay.Options
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
	return opts, nil
}

// checkLayers refuses --layers naming a layer the policy that runs inc does not have
// (--policy, else the file's): --policy seed --layers slot_exclusion is an error, not a
// silently dropped layer.
func (f replayFlags) checkLayers(inc *incident.Incident) error {
	if f.layers == "" {
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
func runReplay(ctx context.Context, out io.Writer, f replayFlags, files []string) error {
	opts, err := f.options()
	if err != nil {
		return &exitError{code: exitInvalid, err: err}
	}
	report := replayReport{Results: []*replay.Result{}, Invalid: []invalidFile{}}
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
		for _, inc := range incs {
			res, err := replay.Run(ctx, env, inc, opts)
			if err != nil {
				report.Invalid = append(report.Invalid, invalidFile{File: inc.File, Message: err.Error()})
				problems = append(problems, err)
				continue
			}
			report.Results = append(report.Results, res)
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
		if !r.OK() {
			failed = append(failed, fmt.Sprintf("%s (%d failed expectation(s))", r.File, len(r.Failures)))
		}
	}
	switch {
	case len(problems) > 0:
		report.ExitCode = exitInvalid
	case len(failed) > 0:
		report.ExitCode = exitFailed
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
		return &exitError{code: exitFailed, err: fmt.Errorf("expectations failed: %s", strings.Join(failed, ", "))}
	}
	return nil
}
