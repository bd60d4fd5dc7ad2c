package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/bookingharness/bookingharness/reports"
)

// gateFlags are the options of `bookingharness gate`.
type gateFlags struct {
	report      string
	seedWeak    []string
	layers      []string
	noReproduce bool
	sut         gateSUTFlags // --sut: the black-box gate (gate_sut.go)
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
when the no-layers Call 687/688 replay no longer reproduces the duplicate.
Exit codes: 0 pass, 1 the gate refuses (one line per reason), 2 the report is missing or invalid.

With --sut sut.yaml it gates your service in black-box mode instead (DESIGN §12; README "Gate
your own service"): sut check's conformance run, the incident catalogue replayed against the
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
	g := reports.Gate(facts, cfg)
	fmt.Fprintln(out, g.String())
	if !g.Pass {
		return &exitError{code: 1, err: fmt.Errorf("gate refused the change: %d finding(s), see above or %s", len(g.Findings), f.report)}
	}
	return nil
}
