// Package evidence is the contract between the runs that exercise the core (the Ginkgo
// scenario suite, incident replays) and the reports that judge them: which layers decided
// what, and which invariants were broken, in one run of one world.
//
// It has no Ginkgo import on purpose. The scenario suite attaches one Entry per world with
//
//	AddReportEntry(evidence.ReportEntryName, entry, ReportEntryVisibilityNever)
//
// and Ginkgo serialises it into its --json-report, aggregated across -p processes for free;
// package reports reads it back with Decode. A Collector is the core.Observer that counts
// the decisions.
package evidence
