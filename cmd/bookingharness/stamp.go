package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/bookingharness/bookingharness/internal/stamp"
	"github.com/bookingharness/bookingharness/reports"
)

func newStampCmd() *cobra.Command {
	var of string
	cmd := &cobra.Command{
		Use:   "stamp --of RUN.json ARTEFACT",
		Short: "Give an artefact of a suite run (the coverage profile) that run's stamp",
		Long: `stamp writes ARTEFACT.stamp.json: the stamp the scenario suite's run in RUN.json (a Ginkgo
--json-report) carries, with ARTEFACT's digest. make scenarios runs it for the coverage
profile, whose format has no room for a stamp, so the gate can hold the profile to the run
that wrote it and to the tree it judges (docs/gate.md). An artefact changed afterwards no
longer matches its stamp.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runStamp(cmd.OutOrStdout(), of, args[0])
		},
	}
	cmd.Flags().StringVar(&of, "of", "reports/out/"+reports.FileGinkgoJSON, "the Ginkgo JSON report of the run that made the artefact")
	return cmd
}

func runStamp(out io.Writer, of, artefact string) error {
	sum, _, err := reports.ReadGinkgo(of)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	if sum.Stamp == nil {
		return &exitError{code: 2, err: fmt.Errorf("stamp: %s carries no stamp: it was not made by this scenario suite", of)}
	}
	if err := stamp.WriteSidecar(artefact, *sum.Stamp); err != nil {
		return &exitError{code: 2, err: err}
	}
	fmt.Fprintf(out, "stamp: %s%s: %s\n", artefact, stamp.SidecarExt, sum.Stamp)
	return nil
}
