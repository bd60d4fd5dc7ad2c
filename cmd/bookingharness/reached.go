package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/reports"
)

func newReachedCmd() *cobra.Command {
	var of, layer string
	var list bool
	cmd := &cobra.Command{
		Use:   "reached --layer LAYER [--of ginkgo.json]",
		Short: "Print the Ginkgo focus of the specs in which the suite's run reached a layer",
		Long: `reached reads the scenario suite's run (a Ginkgo --json-report with the worlds' evidence) and
prints the --focus pattern of exactly the specs in which LAYER made a decision in some world
(--list: the specs, one a line). make necessity's shortcut runs the suite with LAYER off on
those specs only: in every other world the layer never ran, so switching it off changes
nothing the necessity matrix counts, and the matrix counts those worlds as compared and
unchanged. The gate holds a shortcut run's focus to this pattern (docs/ci.md).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runReached(cmd.OutOrStdout(), of, layer, list)
		},
	}
	cmd.Flags().StringVar(&of, "of", "reports/out/"+reports.FileGinkgoJSON, "the suite run's Ginkgo JSON report")
	cmd.Flags().StringVar(&layer, "layer", "", "the layer (freshness, call_id, db_check, unique, slot_exclusion)")
	cmd.Flags().BoolVar(&list, "list", false, "print the specs, one a line, instead of the focus pattern")
	return cmd
}

func runReached(out io.Writer, of, layer string, list bool) error {
	if _, err := core.LayersFromNames([]string{layer}); err != nil || layer == "" {
		return &exitError{code: 2, err: fmt.Errorf("reached: --layer %q: want one of %v", layer, reports.LayerNames())}
	}
	sum, runs, err := reports.ReadGinkgo(of)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	if sum.Evidence == 0 {
		return &exitError{code: 2, err: fmt.Errorf("reached: %s holds no world's evidence: it is not a run of the scenario suite", of)}
	}
	if !list {
		fmt.Fprintln(out, reports.NecessityFocus(sum.Description, runs, layer))
		return nil
	}
	for _, s := range reports.ReachedSpecs(runs, layer) {
		fmt.Fprintln(out, s)
	}
	return nil
}
