package fault

import (
	"net/http"

	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/sim/pgproxy"
)

// All is the catalogue: every fault the harness can inject, family by family, in the order
// docs and flag help list them (the Calcom faults in the order of the load's --faults
// table). It returns fresh values; nothing in it is ever changed.
func All() []Fault {
	waitCaveat := "the wait passes on Cal.com's clock only; a black-box service's clock does not see it"
	webhook := Availability{Needs: []Need{NeedWebhookReceiver}}
	db := Availability{Needs: []Need{NeedProxy}}
	crash := Availability{Needs: []Need{NeedRestart}}
	// A service's settle is seen only as its statements: the proxy names the moment.
	crashBeforeSettle := Availability{Needs: []Need{NeedRestart, NeedProxy}}
	errorStatus := "an error status (want 400–599, e.g. 500 or 429)"
	notReservation := []string{OnCreate, OnLookup, OnGet, OnCancel, OnReschedule, OnConfirm, OnDecline}
	return []Fault{
		{
			Name: "reset_before_commit", Family: Calcom, Does: "cuts the connection before anything is created",
			Key: KeyReset, Shape: ShapePhase, Word: BeforeCommit, CLI: "reset_before_commit", CLISpec: SpecRate,
			Fake: fakecalcom.Action{Kind: fakecalcom.ActionResetBeforeCommit},
		},
		{
			Name: "reset_after_commit", Family: Calcom, Does: "creates the booking, then cuts the connection",
			Key: KeyReset, Shape: ShapePhase, Word: AfterCommit, CLI: "reset_after_commit", CLISpec: SpecRate,
			Fake: fakecalcom.Action{Kind: fakecalcom.ActionResetAfterCommit},
		},
		{
			Name: "timeout_after_commit", Family: Calcom,
			Does: "creates the booking, then holds the answer until the client gives up (in process at once, by the world's virtual client deadline; black-box the connection is cut)",
			Key:  KeyTimeout, Shape: ShapePhase, Word: AfterCommit, CLI: "timeout_after_commit", CLISpec: SpecRate,
			Fake:  fakecalcom.Action{Kind: fakecalcom.ActionTimeoutAfterCommit},
			Where: Availability{Caveat: waitCaveat},
		},
		{
			Name: "status", Family: Calcom, Does: "answers the status (500 from the load) with Cal.com's error body before anything is created",
			Key: KeyStatus, Shape: ShapeStatus, MinStatus: 400, Want: errorStatus,
			CLI: "status_500", CLISpec: SpecRate, CLIValue: Value{Status: http.StatusInternalServerError},
			Fake: fakecalcom.Action{Kind: fakecalcom.ActionStatus},
		},
		{
			Name: "status_after_commit", Family: Calcom, Does: "creates the booking, then answers the status (500 from the load)",
			Key: KeyStatusAfterCommit, Shape: ShapeStatus, MinStatus: 400, Want: "an error status (want 400–599, e.g. 500)",
			CLI: "status_500_after_commit", CLISpec: SpecRate, CLIValue: Value{Status: http.StatusInternalServerError},
			Fake: fakecalcom.Action{Kind: fakecalcom.ActionStatus, AfterCommit: true},
		},
		{
			Name: "status_429", Family: Calcom, Does: "answers 429 with Cal.com's X-RateLimit-* headers (its rate limit)",
			Key: KeyStatus, Shape: ShapeStatus, Word: "429", MinStatus: 400, Want: errorStatus, CLI: "status_429", CLISpec: SpecRate,
			Fake: fakecalcom.Action{Kind: fakecalcom.ActionRateLimit},
		},
		{
			Name: "malformed", Family: Calcom, Does: "creates the booking, then sends a truncated JSON body",
			Key: KeyMalformed, Shape: ShapeTrue, CLI: "malformed", CLISpec: SpecRate,
			Fake: fakecalcom.Action{Kind: fakecalcom.ActionMalformed},
		},
		{
			Name: "empty", Family: Calcom, Does: "creates the booking, then sends an empty body",
			Key: KeyEmpty, Shape: ShapeTrue, CLI: "empty", CLISpec: SpecRate,
			Fake: fakecalcom.Action{Kind: fakecalcom.ActionEmpty},
		},
		{
			Name: "drop_created_at", Family: Calcom, Does: "creates the booking, drops createdAt from the answer",
			Key: KeyDropField, Shape: ShapeField, Word: "createdAt", CLI: "drop_created_at", CLISpec: SpecRate,
			Fake:      fakecalcom.Action{Kind: fakecalcom.ActionDropField, Field: "createdAt"},
			Endpoints: notReservation, EndpointNote: "a reservation carries no createdAt or metadata to drop",
		},
		{
			Name: "drop_metadata", Family: Calcom, Does: "creates the booking, drops metadata from the answer",
			Key: KeyDropField, Shape: ShapeField, Word: "metadata", CLI: "drop_metadata", CLISpec: SpecRate,
			Fake:      fakecalcom.Action{Kind: fakecalcom.ActionDropField, Field: "metadata"},
			Endpoints: notReservation, EndpointNote: "a reservation carries no createdAt or metadata to drop",
		},
		{
			Name: "force_replay", Family: Calcom,
			Does: "a duplicate create gets the slot's existing booking back (201), whatever the kind or attendee: the Call 687/688 answer",
			Key:  KeyForceReplay, Shape: ShapeTrue, CLI: "force_replay", CLISpec: SpecRate,
			Fake:      fakecalcom.Action{Kind: fakecalcom.ActionForceReplay},
			Endpoints: []string{OnCreate}, EndpointNote: "only a create can be answered with a replay (on: create)",
		},
		{
			Name: "delay", Family: Calcom, Does: "delays the request (the load: by --fault-delay), advancing the virtual clock in process",
			Key: KeyDelay, Shape: ShapeDuration, Want: "a duration such as 12s", CLI: "delay", CLISpec: SpecRate,
			Fake:  fakecalcom.Action{Kind: fakecalcom.ActionDelay},
			Where: Availability{Caveat: waitCaveat},
		},

		{
			Name: "drop", Family: Webhook, Does: "the delivery is never made",
			Key: KeyDrop, Shape: ShapeTrue, CLI: "drop", CLISpec: SpecRate,
			Fake: fakecalcom.Action{Kind: fakecalcom.ActionDrop}, Where: webhook,
		},
		{
			Name: "duplicate", Family: Webhook, Does: "the delivery is made twice, back to back",
			Key: KeyDuplicate, Shape: ShapeTrue, CLI: "duplicate", CLISpec: SpecRate,
			Fake: fakecalcom.Action{Kind: fakecalcom.ActionDuplicate}, Where: webhook,
		},
		{
			Name: "reorder", Family: Webhook, Does: "the delivery is held until the next one to the same subscriber has been made",
			Key: KeyReorder, Shape: ShapeTrue, CLI: "reorder", CLISpec: SpecRate,
			Fake: fakecalcom.Action{Kind: fakecalcom.ActionReorder}, Where: webhook,
		},
		{
			Name: "delay", Family: Webhook,
			Does: "the delivery waits the duration (the load: --fault-delay) on the fake's clock; a load settles it at the end: late, not never",
			Key:  KeyDelay, Shape: ShapeDuration, Want: "a duration such as 30s", CLI: "delay", CLISpec: SpecRate,
			Fake: fakecalcom.Action{Kind: fakecalcom.ActionDelay}, Where: webhook,
		},
		{
			Name: "subscriber_status", Family: Webhook,
			Does: "the subscriber answers the status (500 from the load), so it never sees the delivery; Cal.com does not retry",
			Key:  KeySubscriberStatus, Shape: ShapeStatus, MinStatus: 400, Want: "a failing subscriber answer (want 400–599, e.g. 500)",
			CLI: "status_500", CLISpec: SpecRate, CLIValue: Value{Status: http.StatusInternalServerError},
			Fake: fakecalcom.Action{Kind: fakecalcom.ActionStatus}, Where: webhook,
		},

		{
			Name: "commit_ack_lost", Family: DB,
			Does: "the call's write transaction commits and the acknowledgement is lost (the client is reset): the server committed, the client never hears",
			Key:  KeyReset, Shape: ShapePhase, Word: AfterCommit, CLI: "commit_ack_lost", CLISpec: SpecRate,
			Proxy: pgproxy.Action{Kind: pgproxy.ActionCommitAckLost}, Where: db,
		},
		{
			Name: "reset", Family: DB, Does: "the call's statement is cut (connection reset) before it reaches Postgres: nothing of its transaction commits",
			Key: KeyReset, Shape: ShapePhase, Word: BeforeCommit, CLI: "reset", CLISpec: SpecRate,
			Proxy: pgproxy.Action{Kind: pgproxy.ActionReset}, Where: db,
		},
		{
			Name: "latency", Family: DB, Does: "the call's statements wait the duration before they are forwarded",
			Key: KeyLatency, Shape: ShapeDuration, Want: "a duration such as 2s", CLI: "latency", CLISpec: SpecDuration,
			Proxy: pgproxy.Action{Kind: pgproxy.ActionLatency}, Where: db,
		},
		{
			Name: "refuse", Family: DB, Does: "new connections are refused for the duration (as when the server restarts)",
			Key: KeyRefuse, Shape: ShapeDuration, Want: "a duration such as 10s", CLI: "refuse", CLISpec: SpecDurationRate,
			Proxy: pgproxy.Action{Kind: pgproxy.ActionRefuse}, Where: db,
		},

		{
			Name: AfterCalcom, Family: Crash, Does: "the process dies once Cal.com has answered the create, before anything is stored (a black-box service: SIGKILL to its process group the moment the fake has booked, before the answer goes out); the harness restarts it",
			Key: KeyCrash, Shape: ShapePoint, Word: AfterCalcom, Where: crash,
		},
		{
			Name: BeforeSettle, Family: Crash, Does: "the process dies right before it stores its decision (a black-box service: SIGKILL the moment its first statement that commits after Cal.com's answer reaches the proxy, which never forwards it); the harness restarts it",
			Key: KeyCrash, Shape: ShapePoint, Word: BeforeSettle, Where: crashBeforeSettle,
		},
	}
}

// Of lists the catalogue's faults of one family.
func Of(fam Family) []Fault {
	var out []Fault
	for _, f := range All() {
		if f.Family == fam {
			out = append(out, f)
		}
	}
	return out
}

// Find returns the fault of fam named name.
func Find(fam Family, name string) (Fault, bool) {
	for _, f := range Of(fam) {
		if f.Name == name {
			return f, true
		}
	}
	return Fault{}, false
}
