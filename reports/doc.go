// Package reports turns scenario, replay and load results into the layer-coverage matrix,
// the necessity matrix, coverage summaries and one static HTML index.
package reports
