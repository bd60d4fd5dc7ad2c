package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/bookingharness/bookingharness/internal/stamp"
	"github.com/bookingharness/bookingharness/reports"
)

// gateFlags are the options of `bookingharness gate`.
type gateFlags struct {
	report       string
	seedWeak     []string
	layers       []string
	noReproduce  bool
	tree         string
	allowPartial bool
	sut          gateSUTFlags // --sut: the black-box gate (gate_sut.go)
}

func newGateCmd() *cobra.Command {
	var f gateFlags
	cmd := &cobra.Command{
		Use:   "gate",
		Short: "Fail (exit 1) when the report shows a layer regression; say why",
		Long: `gate reads report.json (written by "bookingharness report") and fails when the suite left no
evidence or failed, when a layer is never reached or never rejects a booking in any scenario,
when the hardened policy with every layer breaks any invariant, when the seed policy with every
layer breaks an invariant that is not a known seed weakness, when an incident replay fails, or
when the no-layers Call 687/688 replay no longer reproduces the duplicate, or when a sabotage of
the self-test was not caught. It judges complete, current evidence or refuses: every artefact
(the suite's JSON, one necessity run per layer, the coverage profile, the mutation score, the
black-box report) must be there and carry a stamp of the tree it judges (--tree, default the
repository it runs in); a filtered suite run, a skipped or pending spec the declared skip list
does not name, a flaked spec and a partial self-test are refused too (docs/gate.md).
--allow-partial, for local iteration, judges what is there, lists what is missing or stale,
and ends "PARTIAL — not a gate verdict" with exit code 3.
Exit codes: 0 pass, 1 the gate refuses (one line per reason), 2 the report is missing or invalid,
3 a partial verdict (--allow-partial).

With --sut sut.yaml it gates your service in black-box mode instead (docs/blackbox.md): sut check's conformance run, the incident catalogue replayed against the
service and judged as --policy, its answers beside the Go core's under that policy (an
incident × {Go, service} table), the no-layers Call 687/688 reproduction, the layer matrices
from its deciding layers when it reports and switches layers, and a load with faults; what
cannot run black-box is listed with the reason. It writes blackbox.json and blackbox.md into
--out (which "bookingharness report" picks up from reports/out/blackbox) and exits 1 when
the black-box gate refuses, 2 for bad flags or a run that could not be carried out.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.sut.sut != "" {
				return runGateSUT(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), f)
			}
			if f.sut.changed(cmd) {
				return &exitError{code: 2, err: fmt.Errorf("gate: %s only apply with --sut", strings.Join(f.sut.changedNames(cmd), ", "))}
			}
			return runGate(cmd.OutOrStdout(), f)
		},
	}
	cmd.Flags().StringVar(&f.report, "report", "reports/out/"+reports.FileFacts, "report.json to judge")
	cmd.Flags().StringSliceVar(&f.seedWeak, "known-seed-weakness", nil, "invariants the seed policy may break with every layer (default: "+fmt.Sprint(defaultWeaknesses())+")")
	cmd.Flags().StringSliceVar(&f.layers, "layers", nil, "layers that must be reached and must reject (default: all)")
	cmd.Flags().BoolVar(&f.noReproduce, "no-reproduce", false, "do not require the no-layers Call 687/688 reproduction")
	cmd.Flags().StringVar(&f.tree, "tree", "", "the source tree the artefacts must have been made from (default: the repository the gate runs in)")
	cmd.Flags().BoolVar(&f.allowPartial, "allow-partial", false, "judge incomplete or stale evidence for local iteration: never a pass, exit 3")
	f.sut.register(cmd)
	return cmd
}

func runGate(out io.Writer, f gateFlags) error {
	cfg, err := gateConfig(f.seedWeak, f.noReproduce, f.layers)
	if err != nil {
		return err
	}
	facts, err := reports.ReadFacts(f.report)
	if err != nil {
		return &exitError{code: 2, err: fmt.Errorf("%w (build it with `bookingharness report` or `make report`)", err)}
	}
	tree, err := treeStamp(f.tree, nil)
	if err != nil {
		return err
	}
	cfg.Tree = &tree
	g := reports.Gate(facts, cfg)
	fmt.Fprintln(out, declaredSkips())
	if f.allowPartial {
		fmt.Fprintln(out, g.PartialString())
		return &exitError{code: 3, err: errors.New("a partial verdict is not a gate verdict")}
	}
	fmt.Fprintln(out, g.String())
	if !g.Pass {
		return &exitError{code: 1, err: fmt.Errorf("gate refused the change: %d finding(s), see above or %s", len(g.Findings), f.report)}
	}
	return nil
}

// declaredSkips prints the one list of specs the gate lets the suite skip, with the reasons.
func declaredSkips() string {
	skips := reports.DeclaredSkips()
	if len(skips) == 0 {
		return "declared skips (reports/skips.go): none"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "declared skips (reports/skips.go): %d", len(skips))
	for _, s := range skips {
		fmt.Fprintf(&b, "\n  %s — %s", s.Spec, s.Why)
	}
	return b.String()
}

// treeStamp stamps the source tree at dir (default: the repository around the working
// directory), made by command (with the settings of the environment, stamp.Command; nil for
// the tree alone).
func treeStamp(dir string, command []string) (stamp.Stamp, error) {
	if command != nil {
		command = stamp.Command(append([]string{"bookingharness"}, command...))
	}
	if dir == "" {
		dir = "."
	}
	root, err := stamp.Root(dir)
	if err != nil {
		return stamp.Stamp{}, &exitError{code: 2, err: fmt.Errorf("the tree to judge: %w (run inside the repository, or give --tree)", err)}
	}
	st, err := stamp.Take(root, command)
	if err != nil {
		return stamp.Stamp{}, &exitError{code: 2, err: err}
	}
	return st, nil
}
