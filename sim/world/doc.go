// Package world is one run's universe: the system under test, a fake Cal.com on 127.0.0.1,
// one virtual clock they share, and a recorder of every attempt the harness makes — what
// the scenario specs, incident replay (sim/replay) and load runs (sim/load) drive, and what
// the invariant checker (sim/check) judges.
//
// The system under test is one interface, SUT, with two implementations chosen once, by
// New: the reference core in this process (Core: its own database cloned from the layers'
// schema template, its webhook handler, optionally a Postgres wire proxy for database
// faults, hook points for crashes) or a booking service behind the black-box contract
// (Service, package sim/blackbox). A World asks its SUT and never which it is; what only the
// core has (its store, its hook points, the proxy) is reached through Core, what only a
// service has (its output, its contract findings) through Service.
//
// The Cal.com URL handed to the system under test is decided in one place
// (Config.Front), so a recording proxy can stand between the system and the fake.
// Which faults a system under test can take is its SUT.Offers, held against the fault
// catalogue (sim/fault, docs/faults.md).
package world
