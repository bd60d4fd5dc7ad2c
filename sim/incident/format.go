package incident

import (
	"strconv"
	"strings"

	"github.com/bookingharness/bookingharness/sim/fault"
)

// Key is one key of a mapping of the incident file format. The parser's strict key check
// takes a mapping's key names from its table (a key not in the table is refused with a
// did-you-mean), and docs/incident-format.md is generated from the same tables (Markdown),
// so the reference can neither name a key the parser refuses nor miss one it takes.
type Key struct {
	// Name is the key as a file writes it.
	Name string
	// Type is what the value is, in the reference's words (Markdown).
	Type string
	// Default is what leaving the key out means (Markdown); Required when it must be given.
	Default string
	// Meaning says in one line what the key does (Markdown).
	Meaning string
}

// Required is the Default of a key that must be given.
const Required = "required"

// Mapping is one mapping of the format: where it sits in a file, what it is for and the keys
// it takes, in the order error messages list them.
type Mapping struct {
	// Path is where the mapping sits, written as the parser writes field paths in its errors
	// with [] for any index ("steps[].book.attendee"); "" for the file itself.
	Path string
	// Title names the mapping in the reference when Path does not say it well.
	Title string
	// About says what the mapping is for and the rules that span its keys (Markdown).
	About string
	Keys  []Key
}

// Section is a group of mappings the reference shows together, with example files. A test
// parses every example and wants every key of the format used in one of them.
type Section struct {
	Title string
	// About introduces the section (Markdown).
	About    string
	Mappings []Mapping
	// Examples are whole files: the standalone fake's configuration when CalcomFile is set,
	// incident files otherwise.
	Examples   []string
	CalcomFile bool
}

// keyNames are the key names of every table, in order: what the parser's strict key check
// takes. A parser builds them once (the fault tables read the fault catalogue, which is
// not free).
type keyNames struct {
	file, clock, finalExpect, policy                              []string
	calcom, webhooks, eventType, roundRobinHost, calcomFile, hold []string
	step, attempt, book, attendee, stepExpect                     []string
	cancel, host, reschedule, calcomFault, webhookFault, dbFault  []string
}

func newKeyNames() *keyNames {
	return &keyNames{
		file: names(fileKeys()), clock: names(clockKeys()), finalExpect: names(finalExpectKeys()), policy: names(policyKeys("")),
		calcom: names(calcomKeys()), webhooks: names(webhooksKeys()), eventType: names(eventTypeKeys()), hold: names(holdKeys()),
		roundRobinHost: names(roundRobinHostKeys()), calcomFile: names(calcomFileKeys()),
		step: names(stepKeys()), attempt: names(attemptKeys()), book: names(bookKeys()), attendee: names(attendeeKeys()),
		stepExpect: names(stepExpectKeys()), cancel: names(cancelKeys()), host: names(hostKeys()), reschedule: names(rescheduleKeys()),
		calcomFault: names(calcomFaultKeys()), webhookFault: names(faultKeys(fault.Webhook)), dbFault: names(faultKeys(fault.DB)),
	}
}

// names returns the key names of a table, in order.
func names(keys []Key) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k.Name
	}
	return out
}

// Format is the whole incident file format, section by section, as the reference shows it.
// It returns fresh values; the parser reads the same tables through the *Keys functions.
func Format() []Section {
	return []Section{
		{
			Title: "The file",
			About: "The top level names the incident, the policy and layers its expectations describe, the " +
				"virtual clock, Cal.com's behaviour, the timeline and what must hold at the end.",
			Mappings: []Mapping{
				{Title: "The top level", About: "Only `clock` is required. A file without `steps` parses, but `replay` refuses to " +
					"judge a run in which nothing happened.", Keys: fileKeys()},
				{Path: "clock", About: "The virtual clock. Every `at` counts from `start`, so a 35-minute gap costs nothing.", Keys: clockKeys()},
				{Path: "expect", About: "What must hold once every step has run and every pending webhook has been delivered. " +
					"Counts that are left out are not checked; `violations` left out means every invariant must hold.",
					Keys: finalExpectKeys()},
				{Path: "expect_by_policy", About: "Final expectations for a run under the other policy " +
					"(`replay --policy`). A key may not be the file's own policy (its expectations go in `expect`); " +
					"anything a value leaves out falls back to `expect`.", Keys: policyKeys("the final expectations (keys as in [`expect`](#expect))")},
			},
			Examples: []string{exampleFile, exampleFileHardened},
		},
		{
			Title: "Cal.com's behaviour",
			About: "How the fake Cal.com behaves in this incident. [calcom.md](calcom.md) describes the Cal.com " +
				"behaviour the fake models and the source of each fact.",
			Mappings: []Mapping{
				{Path: "calcom", About: "Everything is optional; a step may only book an event type declared here.", Keys: calcomKeys()},
				{Path: "calcom.hold", About: "Races by construction: once the fake has decided a create it holds the answer " +
					"until `creates_per_slot` creates for the slot are held, or no other attempt of the run that has not sent " +
					"its create is outstanding for the slot, or `max` passes (real time). A black-box run holds pairs by " +
					"default. The standalone fake refuses it: it cannot know which calls are in flight.", Keys: holdKeys()},
				{Path: "calcom.webhooks", About: "The fake delivers `BOOKING_CREATED`, `_REQUESTED`, `_RESCHEDULED`, " +
					"`_CANCELLED` and `_REJECTED` with Cal.com's payloads, signed in `X-Cal-Signature-256`.", Keys: webhooksKeys()},
				{Path: "calcom.event_types[]", About: "One event type. Give `host` or `hosts`, not both; `id`s are unique.", Keys: eventTypeKeys()},
				{Path: "calcom.event_types[].hosts[]", About: "A round-robin host is an id (`3`) or this mapping; once any host " +
					"gives a weight or priority, the others get the defaults.", Keys: roundRobinHostKeys()},
			},
			Examples: []string{exampleCalcom},
		},
		{
			Title: "The timeline",
			About: "Each step is exactly one of a booking (`book` with its `call`), a `cancel`, a " +
				"`concurrent` group of bookings or a `host` action. Steps are in time order: an `at` is never " +
				"less than the previous step's, and steps at one offset run in file order.",
			Mappings: []Mapping{
				{Path: "steps[]", About: "One step. `call`, `expect`, `expect_by_policy`, `fault`, `db_fault` and `crash` go " +
					"with `book` only; `webhook_fault` with `book`, `cancel` or `host`.", Keys: stepKeys()},
				{Path: "steps[].concurrent[]", About: "One booking attempt of a concurrent step. The entries start together " +
					"behind one barrier; their results are listed in file order.", Keys: attemptKeys()},
				{Path: "steps[].book", About: "The booking request the call makes.", Keys: bookKeys()},
				{Path: "steps[].book.attendee", About: "Who the booking is for. The content is not validated: an incident " +
					"may send input the system under test must refuse.", Keys: attendeeKeys()},
				{Path: "steps[].expect", About: "What the call must be told.", Keys: stepExpectKeys()},
				{Path: "steps[].expect_by_policy", About: "The step's expectation under the other policy; the file's own " +
					"policy may not be a key.", Keys: policyKeys("the step's expectation (keys as in [`steps[].expect`](#stepsexpect))")},
				{Path: "steps[].cancel", About: "The call cancels its booking through the application.", Keys: cancelKeys()},
				{Path: "steps[].host", About: "What the host does in Cal.com itself, not through the application, to the " +
					"booking an earlier step's call holds. Exactly one key.", Keys: hostKeys()},
				{Path: "steps[].host.reschedule", Keys: rescheduleKeys()},
			},
			Examples: []string{exampleSteps},
		},
		{
			Title: "Faults",
			About: "Faults go on a booking step or a concurrent entry (`webhook_fault` also on a cancel or host step) " +
				"and fire once, on the step's call. Their keys and values come from the fault catalogue; " +
				"[faults.md](faults.md) says what each fault does, its `load` flag form and where it is available.",
			Mappings: []Mapping{
				{Path: "steps[].fault", About: "A mapping for one fault, or a list of them with at most one per endpoint. " +
					"Each names exactly one fault key; `on` says which request it spoils (`force_replay` only a create, " +
					"`drop_field` any but a reservation). The fault is removed when the step ends.", Keys: calcomFaultKeys()},
				{Path: "steps[].webhook_fault", About: "Disturbs the first webhook about the step's call that the step " +
					"causes; needs `calcom.webhooks`. At most one of `drop`, `duplicate` and `reorder`; `drop` stands " +
					"alone. The fake applies one action per delivery, so `replay` runs a fault with one key only.",
					Keys: faultKeys(fault.Webhook)},
				{Path: "steps[].db_fault", About: "Disturbs the call's statements between the system under test and Postgres " +
					"(a wire proxy the replay puts in between). Exactly one key. `reset` strikes the call's first committing " +
					"statement after Cal.com answered its create (the commit that stores the booking); `latency` holds every " +
					"statement of the call during the step, on the virtual clock; `refuse` starts once Cal.com answered, drops " +
					"the pool's connections and runs its course (a later step inside the window meets it too). A fault the step " +
					"never reached is disarmed, and the timeline says `(not reached)`.", Keys: faultKeys(fault.DB)},
			},
			Examples: []string{exampleFaults},
		},
		{
			Title: "The standalone fake's file",
			About: "`bookingharness fake-calcom --config FILE` reads a file that holds only a `calcom:` block (and `x-` " +
				"keys), parsed exactly like an incident's, with one difference: `webhooks.url` is required, since " +
				"there is no core whose handler it could default to.",
			Mappings:   []Mapping{{Title: "The top level of a fake's file", Keys: calcomFileKeys()}},
			Examples:   []string{exampleCalcomFile},
			CalcomFile: true,
		},
	}
}

// oneOf renders a choice of words as the reference writes a type.
func oneOf(words ...string) string {
	return "`" + strings.Join(words, "` \\| `") + "`"
}

// link renders a link to the reference's table of the mapping at path.
func link(path string) string { return "[`" + path + "`](#" + anchor(path) + ")" }

// anchor is the fragment GitHub gives a heading `path` (lower case, letters, digits, - and
// _ kept, spaces made -).
func anchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		case r == ' ':
			b.WriteRune('-')
		}
	}
	return b.String()
}

func fileKeys() []Key {
	return []Key{
		{"name", "text", "the file's name without its extension", "the incident's name in timelines, reports and JSON"},
		{"description", "text", "none", "what the incident shows, for people"},
		{"policy", oneOf(PolicySeed, PolicyHardened), "`" + PolicySeed + "`",
			"the reference core's policy the file's expectations describe (`replay --policy` overrides it)"},
		{"layers", "`all`, `none` or a non-empty list of " + oneOf(AllLayers()...), "`all`",
			"the duplicate-prevention layers switched on; a list may name only layers the policy has (`slot_exclusion` is hardened's), `none` is the only way to say none (`replay --layers` overrides it)"},
		{"clock", "mapping: " + link("clock"), Required, "the virtual clock"},
		{"calcom", "mapping: " + link("calcom"), "the fake's defaults, no event types", "how the fake Cal.com behaves"},
		{"steps", "list of " + link("steps[]"), "none", "the timeline"},
		{"expect", "mapping: " + link("expect"), "every invariant must hold", "what must hold at the end"},
		{"expect_by_policy", "mapping: " + link("expect_by_policy"), "none", "what must hold at the end under the other policy"},
	}
}

func clockKeys() []Key {
	return []Key{
		{"start", "time", Required, "the virtual start, on Cal.com's clock"},
		{"app_skew", "duration (may be negative)", "`0s`", "the application's clock minus Cal.com's: `27s` makes the application 27 s fast"},
	}
}

func finalExpectKeys() []Key {
	return []Key{
		{"appointments", "count", "not checked", "live appointments at the end"},
		{"calcom_bookings", "count", "not checked", "bookings Cal.com holds at the end: accepted and pending ones (cancelled and rejected ones do not count)"},
		{"violations", "list of invariant names ([invariants.md](invariants.md)), each once", "`[]`: none",
			"the invariants that MUST be violated (a reproduced bug); any other violation fails the run"},
	}
}

// policyKeys are the keys of an expect_by_policy mapping, whose values are what.
func policyKeys(what string) []Key {
	return []Key{
		{PolicySeed, "mapping: " + what, "none", "the expectation for a run under the seed policy"},
		{PolicyHardened, "mapping: " + what, "none", "the expectation for a run under the hardened policy"},
	}
}

func calcomKeys() []Key {
	return []Key{
		{"latency", "duration ≥ 0", "`0s`", "added to every Cal.com answer, on the virtual clock"},
		{"force_replay", "`true` \\| `false`", "`false`",
			"every duplicate create gets the slot's existing booking back with 201, whatever the kind or attendee (the Call 687/688 answer)"},
		{"conflict_answer", oneOf(ConflictProd400, Conflict409, ConflictError500), "`" + ConflictProd400 + "`",
			"what the loser of two concurrent creates is told: production's raw 400, a 409 `booking_conflict_error` or a 500"},
		{"check_insert_gap", "duration ≥ 0", "`0s`",
			"time between Cal.com's availability check and its insert, on the virtual clock: concurrent creates race inside Cal.com"},
		{"hold", "mapping: " + link("calcom.hold"), "none in process; creates in pairs for a black-box service",
			"the fake holds each create's answer until a racing create for the same slot arrives: a check-then-insert window stays open"},
		{"webhooks", "mapping: " + link("calcom.webhooks"), "no webhooks", "the fake delivers Cal.com's webhooks"},
		{"event_types", "list of " + link("calcom.event_types[]"), "none", "the event types the fake serves and the database knows"},
	}
}

func holdKeys() []Key {
	return []Key{
		{"creates_per_slot", "whole number, 2–1000", "`2`", "how many held creates of one slot are answered together"},
		{"max", "duration, up to `1m`", "`1s`", "the most real time one create is held (a system that serialises its requests never sends the next)"},
	}
}

func webhooksKeys() []Key {
	return []Key{
		{"delivery", oneOf(DeliverySync, DeliveryAsync), Required,
			"`sync`: before the answer to the request that caused it (Cal.com's legacy path); `async`: after it"},
		{"secret", "text", "none: deliveries are signed `no-secret-provided`", "the subscription's secret; never printed"},
		{"url", "an `http(s)` URL on a loopback host", "the reference core's webhook handler, served by the replay",
			"another subscriber; the core then hears nothing"},
	}
}

func eventTypeKeys() []Key {
	return []Key{
		{"id", "whole number > 0", Required, "Cal.com's event type id; book steps name it"},
		{"kind", oneOf(KindStandard, KindRoundRobin, KindRequiresConfirmation, KindSeated), Required,
			"how Cal.com answers a duplicate create ([calcom.md](calcom.md))"},
		{"length", "minutes, 1–1440", Required, "the slot's length"},
		{"host", "whole number > 0", "required unless `hosts` is given", "the host's Cal.com user id"},
		{"hosts", "non-empty list of distinct host ids or " + link("calcom.event_types[].hosts[]"), "`[host]`",
			"`round_robin` only: the hosts Cal.com picks from; the first is the requested staff member"},
		{"seats", "whole number, 1–1000", "required for `seated`", "`seated` only: the seats of one slot"},
		{"block_slot", "`true` \\| `false`", "`false`", "`requires_confirmation` only: a pending booking blocks its slot"},
		{"seats_show_attendees", "`true` \\| `false`", "`false`", "`seated` only: every caller sees a seated booking's attendees, not only its hosts"},
		{"weights_enabled", "`true` \\| `false`", "`false`", "`round_robin` only: the host furthest below its weighted share of the month's bookings is picked first"},
		{"reschedule_with_same_host", "`true` \\| `false`", "`false`", "`round_robin` only: a moved booking keeps its host"},
	}
}

func roundRobinHostKeys() []Key {
	return []Key{
		{"id", "whole number > 0", Required, "the host's Cal.com user id"},
		{"weight", "whole number, 0–1000000", "`100`", "Cal.com's weight of the host (used with `weights_enabled`)"},
		{"priority", "whole number, 0 (lowest) to 4 (highest)", "`2`", "Cal.com's priority of the host"},
	}
}

// stepKeys are a step's keys: when it happens, its kind, and the keys of a booking attempt.
func stepKeys() []Key {
	return append([]Key{
		{"at", "duration ≥ 0", Required, "when the step runs: `clock.start` + `at` (or now, if a delay already moved the clock past it)"},
		{"cancel", "mapping: " + link("steps[].cancel"), "—", "a cancel step"},
		{"concurrent", "non-empty list of " + link("steps[].concurrent[]"), "—", "booking attempts that start together"},
		{"host", "mapping: " + link("steps[].host"), "—", "a host action in Cal.com"},
	}, attemptKeys()...)
}

// attemptKeys are the keys of one booking attempt: a book step or a concurrent entry.
func attemptKeys() []Key {
	points, _ := fault.ShapeOf(fault.Crash, fault.KeyCrash)
	return []Key{
		{"call", "text", "required with `book`", "the phone platform's call id; it travels as `metadata.call_id`"},
		{"book", "mapping: " + link("steps[].book"), "—", "a booking attempt by `call`"},
		{"expect", "mapping: " + link("steps[].expect"), "nothing asserted", "what the call must be told"},
		{"expect_by_policy", "mapping: " + link("steps[].expect_by_policy"), "none", "what the call must be told under the other policy"},
		{"fault", link("steps[].fault") + ", or a list of them", "none", "Cal.com faults on this attempt's requests"},
		{"webhook_fault", link("steps[].webhook_fault"), "none", "a fault on the webhook this step causes"},
		{"db_fault", link("steps[].db_fault"), "none", "a fault between the system under test and Postgres"},
		{"crash", oneOf(points.Words...), "none", crashMeaning()},
	}
}

// crashMeaning is the crash points' meanings from the fault catalogue.
func crashMeaning() string {
	var parts []string
	for _, f := range fault.Of(fault.Crash) {
		parts = append(parts, "`"+f.Word+"`: "+f.Does)
	}
	return "where the system under test's process dies, the first time the call gets there — " + strings.Join(parts, "; ")
}

func bookKeys() []Key {
	return []Key{
		{"event_type", "an `id` of `calcom.event_types`", Required, "the event type to book"},
		{"start", "time", Required, "the slot's start"},
		{"attendee", "mapping: " + link("steps[].book.attendee"), Required, "who the booking is for"},
	}
}

func attendeeKeys() []Key {
	return []Key{
		{"name", "text (`\"\"` for an empty one)", Required, "the attendee's name"},
		{"email", "text (`\"\"` for an empty one)", Required, "the attendee's email; Cal.com compares it exactly when it looks for a duplicate"},
		{"phone", "text", "none", "the attendee's phone number"},
		{"time_zone", "text", "`Europe/Berlin`", "the attendee's time zone"},
	}
}

func stepExpectKeys() []Key {
	return []Key{
		{"outcome", oneOf(outcomes()...), Required, "the answer the call must get"},
		{"layer", oneOf(append(AllLayers(), DecidedByCalcom)...), "any", "what must have decided it: a layer, or `calcom` for Cal.com's own answer (a 400, 409, 429 or 5xx)"},
	}
}

func cancelKeys() []Key {
	return []Key{{"call", "a call booked by an earlier step", Required, "whose booking is cancelled"}}
}

func hostKeys() []Key {
	return []Key{
		{HostCancel, "a call booked by an earlier step", "—", "the host cancels the call's booking"},
		{HostReschedule, "mapping: " + link("steps[].host.reschedule"), "—", "the host (or the attendee) moves the call's booking"},
		{HostConfirm, "a call that booked a `requires_confirmation` event type", "—", "the host confirms the pending booking"},
		{HostDecline, "a call that booked a `requires_confirmation` event type", "—", "the host declines the pending booking"},
	}
}

func rescheduleKeys() []Key {
	return []Key{
		{"call", "a call booked by an earlier step", Required, "whose booking moves"},
		{"to", "time", Required, "the new start"},
		{"by", oneOf(HostByHost, HostByAttendee), "`" + HostByHost + "`",
			"who moves it; the attendee's move makes a `requires_confirmation` booking pending again"},
	}
}

// calcomFaultKeys are fault:'s keys: on, then the catalogue's Cal.com fault keys.
func calcomFaultKeys() []Key {
	return append([]Key{{"on", oneOf(fault.Endpoints()...), "`" + OnCreate + "`",
		"the request it spoils: the call's next create, or the next lookup (`GET /v2/bookings` for the call's attendee), get, cancel, reschedule, confirm, decline or reservation"}},
		faultKeys(fault.Calcom)...)
}

// faultKeys are the YAML keys of a family's faults, typed by their shape in the fault
// catalogue and explained by the faults that own them.
func faultKeys(fam fault.Family) []Key {
	var out []Key
	faults := fault.Of(fam)
	for _, key := range fault.Keys(fam) {
		ks, _ := fault.ShapeOf(fam, key)
		var parts []string
		for _, f := range faults {
			if f.Key != key {
				continue
			}
			switch {
			case f.Word != "":
				parts = append(parts, "`"+f.Word+"`: "+f.Does)
			case f.Shape == fault.ShapeStatus:
				parts = append(parts, "`N`: "+f.Does)
			default:
				parts = append(parts, f.Does)
			}
		}
		out = append(out, Key{Name: key, Type: shapeType(ks), Default: "—", Meaning: strings.Join(parts, "; ")})
	}
	return out
}

// shapeType renders what a fault key's value is.
func shapeType(ks fault.KeyShape) string {
	switch ks.Shape {
	case fault.ShapeTrue:
		return "`true`"
	case fault.ShapeStatus:
		return "HTTP status, " + strconv.Itoa(ks.MinStatus) + "–599"
	case fault.ShapeDuration:
		return "duration > 0"
	}
	return oneOf(ks.Words...)
}

func calcomFileKeys() []Key {
	return []Key{{"calcom", "mapping: " + link("calcom"), Required, "the fake's configuration, as in an incident file"}}
}
