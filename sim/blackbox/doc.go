// Package blackbox drives a booking service the harness did not build — PHP, Python, Node,
// Go — over a small HTTP contract, and reads its appointments with one SQL SELECT, so the
// same invariant checker that judges the reference core judges any team's service
// (docs/blackbox.md).
//
// # The contract
//
// The service puts a thin test route in front of its real booking code (paths configurable,
// see Paths):
//
//	POST /__harness/book   {call_id, event_type_id, start, attendee{name,email,phone,time_zone},
//	                        local{customer_id,service_id,staff_id}}
//	  → 200 {outcome: booked|already_booked|slot_taken|error|unknown,
//	         appointment_id, booking_uid, layer?, reason?}
//	POST /__harness/cancel {call_id} → 200 {outcome: cancelled|nothing_to_cancel|error|unknown, reason?}
//	GET  /__harness/capabilities     → 200 {time_travel, layers[], reset}          (optional)
//	POST /__harness/reset            → 200                                          (optional)
//	POST /__harness/layers {layers[]} → 200 {layers[]}, the set now running         (optional)
//	GET  /__harness/health           → 200 when ready
//
// Every answer is validated strictly (BookAnswerSchema and friends): unknown keys other than
// x-… ones, wrong types, unknown outcome or layer names, a status other than 200, a timeout,
// a reset connection or a 5xx all make the attempt's outcome unknown — Jepsen's :info, "it
// may have happened" — and record a contract_violation Finding that prints the request, what
// came back and the schema that was expected. A violation never passes as a definite answer.
//
// # The pieces
//
//   - Client speaks the contract to a base URL on loopback.
//   - SUT is a parsed sut.yaml (LoadSUT): how to reach or start the service, its database,
//     how it keeps time.
//   - Target (Open) is the running service as the harness drives it: it makes the service a
//     fresh database, runs its migrations, starts it, waits for health, advances its time,
//     reads its appointments for the checker, and stops it.
//   - Conform runs the conformance checks of `bookingharness sut check`.
//   - Sub-package servecore serves the reference core behind the contract (the worked
//     example, and how every black-box feature is tested in Go); sub-package bbtest lets a
//     test binary stand in as that service, so black-box tests need no build step.
package blackbox
