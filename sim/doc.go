// Package sim drives the system under test: a virtual clock, recorded histories of attempts,
// the invariant checker, incident replay and load generation.
package sim
