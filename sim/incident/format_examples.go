package incident

// The reference's example files (Format). Each parses (a test holds them to it) and each was
// replayed with `bookingharness replay` when it was written: the expectations they state are
// what the harness did.

// exampleFile is the catalogue's dropped-metadata.yaml, with every top-level key.
const exampleFile = `name: dropped-metadata
description: >
  A second caller asks for the same round-robin slot 20 s after the first (the same
  generic email); Cal.com hands back the first booking, and the answer lacks metadata.
policy: seed
layers: all
clock:
  start: 2025-10-06T09:00:00Z
  app_skew: 0s
calcom:
  event_types:
    - {id: 2563193, kind: round_robin, length: 45, host: 1}
steps:
  - at: 0s
    call: call_aaaa1111111111111111111111
    book: {event_type: 2563193, start: 2025-10-09T18:00:00Z,
           attendee: {name: Anna Arndt, email: termin@askproai.de}}
    expect: {outcome: booked}
  - at: 20s
    call: call_bbbb2222222222222222222222
    book: {event_type: 2563193, start: 2025-10-09T18:00:00Z,
           attendee: {name: Ben Brandt, email: termin@askproai.de}}
    fault: {drop_field: metadata}
    expect: {outcome: booked, layer: db_check}      # the seed's lie: A's appointment
    expect_by_policy:
      hardened: {outcome: slot_taken, layer: slot_exclusion}
expect:
  appointments: 1
  calcom_bookings: 1
  violations: [untruthful_outcome, lost_booking]
expect_by_policy:
  hardened: {violations: []}
x-ticket: OPS-1234                                   # x- keys are yours, anywhere
`

// exampleFileHardened is a hardened file with the seed's expectations and a layer list.
const exampleFileHardened = `name: host-cancel-without-exclusion
description: The host cancels in Cal.com; the webhook handler cancels the row.
policy: hardened
layers: [freshness, call_id, db_check, unique]
clock: {start: 2025-10-06T09:00:00Z}
calcom:
  webhooks: {delivery: sync, secret: whsec_incident}
  event_types:
    - {id: 1001, kind: standard, length: 30, host: 2}
steps:
  - at: 0s
    call: call_hc01000000000000000000001
    book: {event_type: 1001, start: 2025-10-09T16:00:00Z,
           attendee: {name: Anna Arndt, email: anna@example.org}}
    expect: {outcome: booked}
  - at: 1h
    host: {cancel: call_hc01000000000000000000001}
expect: {appointments: 0, calcom_bookings: 0}
expect_by_policy:
  seed: {appointments: 1, violations: [phantom_appointment]}
`

// exampleCalcom uses every key of the calcom block; under hardened the row is on the host
// Cal.com assigned (3: the highest priority).
const exampleCalcom = `name: calcom-block
policy: hardened
clock: {start: 2025-10-06T09:00:00Z}
calcom:
  latency: 200ms
  force_replay: false
  conflict_answer: prod_400
  check_insert_gap: 50ms
  hold: {creates_per_slot: 2, max: 1s}
  webhooks: {delivery: async, secret: whsec_example, url: "http://127.0.0.1:8081/hooks/calcom"}
  event_types:
    - {id: 1, kind: standard, length: 30, host: 1}
    - {id: 2, kind: round_robin, length: 30, hosts: [2, {id: 3, weight: 200, priority: 4}],
       weights_enabled: true, reschedule_with_same_host: true}
    - {id: 3, kind: seated, length: 60, host: 4, seats: 3, seats_show_attendees: true}
    - {id: 4, kind: requires_confirmation, length: 30, host: 5, block_slot: true}
steps:
  - at: 0s
    call: call_a
    book: {event_type: 2, start: 2025-10-10T06:00:00Z,
           attendee: {name: Anna Arndt, email: anna@example.org}}
    expect: {outcome: booked}
`

// exampleSteps uses every kind of step.
const exampleSteps = `name: every-step
policy: hardened
clock: {start: 2025-10-06T09:00:00Z}
calcom:
  webhooks: {delivery: sync}
  event_types:
    - {id: 1, kind: standard, length: 30, host: 1}
    - {id: 2, kind: requires_confirmation, length: 30, host: 2}
steps:
  - at: 0s
    call: call_a
    book: {event_type: 1, start: 2025-10-10T06:00:00Z,
           attendee: {name: Anna Arndt, email: anna@example.org,
                      phone: "+49301234567", time_zone: Europe/Berlin}}
    expect: {outcome: booked}
    expect_by_policy:
      seed: {outcome: booked}
  - at: 10s
    concurrent:                       # two callers, one slot, at once
      - call: call_b
        book: {event_type: 1, start: 2025-10-10T07:00:00Z,
               attendee: {name: Ben Brandt, email: ben@example.org}}
      - call: call_c
        book: {event_type: 1, start: 2025-10-10T07:00:00Z,
               attendee: {name: Cem Celik, email: cem@example.org}}
  - at: 1m
    cancel: {call: call_a}
  - at: 2m
    call: call_d
    book: {event_type: 2, start: 2025-10-10T08:00:00Z,
           attendee: {name: Dora Dietz, email: dora@example.org}}
    expect: {outcome: booked}         # pending: it awaits the host
  - at: 3m
    call: call_e
    book: {event_type: 2, start: 2025-10-10T09:00:00Z,
           attendee: {name: Emil Ernst, email: emil@example.org}}
  - at: 10m
    host: {confirm: call_d}
  - at: 11m
    host: {decline: call_e}
  - at: 1h
    host: {reschedule: {call: call_d, to: 2025-10-10T10:00:00Z, by: host}}
  - at: 2h
    host: {cancel: call_d}
expect: {appointments: 1, calcom_bookings: 1, violations: []}
`

// exampleFaults uses every fault key.
const exampleFaults = `name: every-fault-key
policy: hardened
clock: {start: 2025-10-06T09:00:00Z}
calcom:
  webhooks: {delivery: async}         # a webhook_fault needs webhooks to disturb
  event_types:
    - {id: 1, kind: standard, length: 30, host: 1}
steps:
  - at: 0s
    call: call_a
    book: {event_type: 1, start: 2025-10-10T06:00:00Z, attendee: {name: A, email: a@example.org}}
    fault: {reset: after_commit}      # Cal.com booked; the answer is lost
    webhook_fault: {duplicate: true}
    expect: {outcome: booked}         # looked up by metadata.call_id
  - at: 1m
    call: call_b
    book: {event_type: 1, start: 2025-10-10T07:00:00Z, attendee: {name: B, email: b@example.org}}
    fault: [{timeout: after_commit}, {on: lookup, status: 503}]
    expect: {outcome: unknown}        # the lookup failed too: no guessing
  - at: 2m
    call: call_c
    book: {event_type: 1, start: 2025-10-10T08:00:00Z, attendee: {name: C, email: c@example.org}}
    fault: {status_after_commit: 500}
    webhook_fault: {drop: true}
  - at: 3m
    call: call_d
    book: {event_type: 1, start: 2025-10-10T09:00:00Z, attendee: {name: D, email: d@example.org}}
    fault: {malformed: true}
    webhook_fault: {reorder: true}
  - at: 4m
    call: call_e
    book: {event_type: 1, start: 2025-10-10T10:00:00Z, attendee: {name: E, email: e@example.org}}
    fault: {empty: true}
    webhook_fault: {delay: 30s}
  - at: 5m
    call: call_f
    book: {event_type: 1, start: 2025-10-10T11:00:00Z, attendee: {name: F, email: f@example.org}}
    fault: {drop_field: createdAt}
    webhook_fault: {subscriber_status: 500}
  - at: 6m
    call: call_g
    book: {event_type: 1, start: 2025-10-10T12:00:00Z, attendee: {name: G, email: g@example.org}}
    fault: {delay: 12s}
    db_fault: {latency: 2s}
  - at: 7m
    call: call_h
    book: {event_type: 1, start: 2025-10-10T12:00:00Z, attendee: {name: H, email: h@example.org}}
    fault: {force_replay: true}       # never reached: the claim stops call_h first
    expect: {outcome: slot_taken, layer: slot_exclusion}
  - at: 8m
    call: call_i
    book: {event_type: 1, start: 2025-10-10T13:00:00Z, attendee: {name: I, email: i@example.org}}
    fault: {status: 429}
    db_fault: {reset: after_commit}   # not reached: nothing is stored after a 429
    expect: {outcome: error, layer: calcom}
  - at: 9m
    call: call_j
    book: {event_type: 1, start: 2025-10-10T14:00:00Z, attendee: {name: J, email: j@example.org}}
    fault: {reset: before_commit}
    db_fault: {refuse: 10s}
  - at: 10m
    call: call_k
    book: {event_type: 1, start: 2025-10-10T15:00:00Z, attendee: {name: K, email: k@example.org}}
    crash: after_calcom
    expect: {outcome: unknown}        # it died after Cal.com answered
expect: {violations: []}
`

// exampleCalcomFile is a configuration of the standalone fake.
const exampleCalcomFile = `calcom:
  conflict_answer: prod_400
  check_insert_gap: 2s
  event_types:
    - {id: 2, kind: round_robin, length: 30, hosts: [1, 2, 3]}
    - {id: 3, kind: seated, length: 60, host: 4, seats: 3}
  webhooks: {delivery: async, secret: s3cret, url: "http://127.0.0.1:8081/hooks/calcom"}
`
