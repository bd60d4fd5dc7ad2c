package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/bookingharness/bookingharness/reports"
)

func newCompareCmd() *cobra.Command {
	var necessityOnly bool
	cmd := &cobra.Command{
		Use:   "compare A/report.json B/report.json",
		Short: "Say whether two reports reach the same conclusions (exit 1 listing where they differ)",
		Long: `compare reads two report.json files and lists, one line each, where their conclusions differ:
the gate's verdict and findings, the suite's counts, every row of the layer-coverage matrix,
every cell and break of the necessity matrix, each incident replay and the reproduction, and
each sabotage's verdict. Times, stamps and links are not compared. Exit 0 when nothing
differs, 1 when something does, 2 when a file is not a report.

It holds make test -j4 to make test -j1, CI shards merged with report --merge to one run, and
the necessity shortcut to the whole necessity runs (--necessity: the necessity matrices only;
make necessity-compare) — docs/ci.md.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCompare(cmd.OutOrStdout(), args[0], args[1], necessityOnly)
		},
	}
	cmd.Flags().BoolVar(&necessityOnly, "necessity", false, "compare the necessity matrices only")
	return cmd
}

func runCompare(out io.Writer, pathA, pathB string, necessityOnly bool) error {
	var facts [2]reports.Facts
	for i, p := range []string{pathA, pathB} {
		f, err := reports.ReadFacts(p)
		if err != nil {
			return &exitError{code: 2, err: err}
		}
		facts[i] = f
	}
	diff := reports.CompareFacts(facts[0], facts[1])
	what := "the same conclusions"
	if necessityOnly {
		diff, what = reports.NecessityDiff(facts[0].Necessity, facts[1].Necessity), "the same necessity matrix"
	}
	fmt.Fprintf(out, "A: %s\nB: %s\n", pathA, pathB)
	if len(diff) == 0 {
		fmt.Fprintf(out, "compare: %s\n", what)
		return nil
	}
	for _, l := range diff {
		fmt.Fprintln(out, "  "+l)
	}
	return &exitError{code: 1, err: fmt.Errorf("compare: %d difference(s)", len(diff))}
}
