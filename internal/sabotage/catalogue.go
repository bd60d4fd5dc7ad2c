package sabotage

// The sabotages of the reference core: each layer of each policy made to accept what it
// should reject (or left out), and defects of the hardened flow and the core's other paths.
const (
	SeedFreshness     Name = "seed/freshness"
	SeedCallID        Name = "seed/call_id"
	SeedDBCheck       Name = "seed/db_check"
	SeedUnique        Name = "seed/unique"
	HardFreshness     Name = "hardened/freshness"
	HardCallID        Name = "hardened/call_id"
	HardDBCheck       Name = "hardened/db_check"
	HardUnique        Name = "hardened/unique"
	HardExclusion     Name = "hardened/slot_exclusion"
	HardLookup        Name = "hardened/lookup"
	HardConflict      Name = "hardened/conflict_answer"
	HardSweep         Name = "hardened/sweep"
	HardReread        Name = "hardened/commit_reread"
	HardSerialisation Name = "hardened/same_call_wait"

	CoreCancel           Name = "core/cancel"
	CoreReconcile        Name = "core/reconcile"
	CoreMoveClaim        Name = "core/move_claim"
	CoreSeats            Name = "core/seats"
	CoreErrorClass       Name = "core/error_class"
	CoreWebhookSignature Name = "core/webhook_signature"
	CoreWebhookDedup     Name = "core/webhook_dedup"
	CoreWebhookTombstone Name = "core/webhook_tombstone"
	CoreSweepLease       Name = "core/sweep_lease"
)

// The sabotages of the harness itself: the checker, the recorder, the fake Cal.com and the
// wire proxy. Each checker invariant has its own (OfInvariant).
const (
	CheckerAssumptions Name = "checker/assumptions"

	RecorderUnknownDefinite Name = "recorder/unknown_as_definite"

	FakeNoStaleReplay    Name = "fake/no_stale_replay"
	FakeLostRace201      Name = "fake/lost_race_201"
	FakeWebhookSecret    Name = "fake/webhook_wrong_secret"
	FakeRuleNeverFires   Name = "fake/rule_never_fires"
	FakeBlockSlotIgnored Name = "fake/block_slot_ignored"

	ProxyAckDelivered Name = "proxy/commit_ack_delivered"
)

// Policies and layers as the core names them (the core imports this package, so it cannot
// name them here by its own types).
const (
	seed, hardened = "seed", "hardened"
)

// checkerInvariants are the checker's invariants, each switched off by its own sabotage,
// with the slice that must catch it. A test of package check holds them to
// check.Invariants(), so an invariant added there without its sabotage here fails.
func checkerInvariants() []struct{ name, slice string } {
	return []struct{ name, slice string }{
		{"duplicate_booking_id", "kind:incident"},
		{"double_booked_slot", "kind:incident"},
		{"untruthful_outcome", "kind:incident"},
		{"orphan_booking", "kind:incident"},
		{"phantom_appointment", "kind:incident"},
		{"lost_booking", "kind:incident"},
		{"mismatched_appointment", "kind:incident || kind:round_robin"},
		{"double_booked_call", "kind:checker"},
	}
}

// All lists every sabotage: the core's (seed's layers, hardened's layers, the hardened flow,
// the core's other paths), then the harness's (the checker's invariants and assumptions, the
// recorder, the fake, the proxy). It returns a fresh slice each time.
func All() []Sabotage {
	all := []Sabotage{
		{SeedFreshness, TargetCore, seed, "freshness", "freshness accepts every booking it should reject", "policy:seed && (kind:boundary || kind:incident)"},
		{SeedCallID, TargetCore, seed, "call_id", "call_id accepts another call's booking", "policy:seed && (kind:boundary || kind:incident)"},
		{SeedDBCheck, TargetCore, seed, "db_check", "db_check never finds the appointment that holds the booking", "policy:seed && (kind:race || kind:boundary || kind:incident)"},
		{SeedUnique, TargetCore, seed, "unique", "the unique index on the booking uid is never created", "policy:seed && (kind:race || kind:incident)"},
		{HardFreshness, TargetCore, hardened, "freshness", "freshness accepts every booking it should reject", "policy:hardened && (kind:boundary || kind:skew || kind:incident)"},
		{HardCallID, TargetCore, hardened, "call_id", "call_id accepts another call's booking", "policy:hardened && (kind:boundary || kind:incident)"},
		{HardDBCheck, TargetCore, hardened, "db_check", "the settle's duplicate check never finds the appointment that holds the booking", "policy:hardened && (kind:race || kind:incident)"},
		{HardUnique, TargetCore, hardened, "unique", "the unique index on the booking uid is never created", "policy:hardened && (kind:race || kind:boundary)"},
		{HardExclusion, TargetCore, hardened, "slot_exclusion", "the slot-exclusion constraint is never created", "policy:hardened && (kind:claim || kind:race)"},
		{HardLookup, TargetCore, hardened, "", "an ambiguous create is never looked up: nothing is found", "policy:hardened && (kind:fault || kind:lookup)"},
		{HardConflict, TargetCore, hardened, "", "the conflict answer is inverted: this call's booking is 'slot taken', another's 'already booked'", "policy:hardened && (kind:retry || kind:boundary)"},
		{HardSweep, TargetCore, hardened, "", "the sweeper resolves no expired claim", "policy:hardened && (kind:crash || kind:claim)"},
		{HardReread, TargetCore, hardened, "", "a failed settle COMMIT is answered 'error' without re-reading the claim", "policy:hardened && kind:dbfault"},
		{HardSerialisation, TargetCore, hardened, "", "a call's second attempt does not wait for its first: both reach Cal.com", "policy:hardened && kind:retry"},

		{CoreCancel, TargetCore, "", "", "Cancel marks the call's appointments cancelled without cancelling their bookings in Cal.com", "kind:lifecycle"},
		{CoreReconcile, TargetCore, hardened, "", "Reconcile changes nothing: a booking cancelled or moved in Cal.com leaves its row as it was", "policy:hardened && (kind:webhook || kind:lifecycle)"},
		{CoreMoveClaim, TargetCore, hardened, "", "a claim is never moved to the host Cal.com assigned its booking", "policy:hardened && kind:round_robin"},
		{CoreSeats, TargetCore, hardened, "", "a seat is judged by its booking's metadata (the first booker's), not by its own", "policy:hardened && kind:seated"},
		{CoreErrorClass, TargetCore, hardened, "", "the Cal.com client calls every failed answer definite: a 5xx, a cut or a timeout is never looked up", "policy:hardened && (kind:fault || kind:lookup)"},
		{CoreWebhookSignature, TargetCore, hardened, "", "the webhook handler accepts a delivery whose signature does not verify", "policy:hardened && kind:webhook"},
		{CoreWebhookDedup, TargetCore, hardened, "", "the webhook handler handles a delivery it has already handled again", "policy:hardened && kind:webhook"},
		{CoreWebhookTombstone, TargetCore, hardened, "", "the webhook handler keeps no tombstones: a late BOOKING_CREATED of an ended booking is acted on", "policy:hardened && kind:webhook"},
		{CoreSweepLease, TargetCore, hardened, "", "the sweeper releases a claim whose lease still runs", "policy:hardened && (kind:crash || kind:claim || kind:fault)"},
	}
	for _, inv := range checkerInvariants() {
		all = append(all, Sabotage{OfInvariant(inv.name), TargetChecker, "", "", "the checker never reports " + inv.name, inv.slice})
	}
	return append(all,
		Sabotage{CheckerAssumptions, TargetChecker, "", "", "the checker judges a history that breaks its assumptions instead of refusing it", "kind:checker"},
		Sabotage{RecorderUnknownDefinite, TargetRecorder, "", "", "the recorder records an unknown outcome as a definite failure", "policy:hardened && (kind:fault || kind:dbfault)"},
		Sabotage{FakeNoStaleReplay, TargetFake, "", "", "the fake never replays an existing booking to a new create (the Call 687/688 path)", "kind:incident"},
		Sabotage{FakeLostRace201, TargetFake, "", "", "the loser of a concurrent create gets 201 and a second booking instead of production's 400", "kind:race"},
		Sabotage{FakeWebhookSecret, TargetFake, "", "", "the fake signs every webhook with another secret than the subscription's", "kind:webhook"},
		Sabotage{FakeRuleNeverFires, TargetFake, "", "", "a fault rule of the fake never fires", "kind:fault || kind:lookup"},
		Sabotage{FakeBlockSlotIgnored, TargetFake, "", "", "a pending booking of a block_slot event type never blocks its slot", "kind:block_slot"},
		Sabotage{ProxyAckDelivered, TargetProxy, "", "", "the wire proxy delivers the COMMIT acknowledgement a commit_ack_lost rule should drop", "kind:dbfault"},
	)
}
