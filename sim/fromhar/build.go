package fromhar

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/bookingharness/bookingharness/sim/incident"
)

// unit is one step of the derived timeline before it is written.
type unit struct {
	at       time.Time
	attempts []*attempt // a book step (one) or a concurrent step (several)
	cancel   *cancelStep
	host     *hostStep
}

func (u unit) entries() []int {
	var out []int
	for _, a := range u.attempts {
		out = append(out, a.entries...)
	}
	if u.cancel != nil {
		out = append(out, u.cancel.entries...)
	}
	if u.host != nil {
		out = append(out, u.host.entries...)
	}
	slices.Sort(out)
	return out
}

// derivedFrom is the x-derived-from extension: where each step came from.
type derivedFrom struct {
	HAR     string     `yaml:"har"`
	Entries int        `yaml:"entries"`
	Steps   []stepFrom `yaml:"steps"`
	Ignored []string   `yaml:"ignored,omitempty"`
}

type stepFrom struct {
	Step    string `yaml:"step"`
	Entries []int  `yaml:"entries,flow"`
}

// build writes the incident: the timeline, the fake's configuration, and the notes.
func (d *deriver) build() (*Derived, error) {
	units := d.units()
	start := units[0].at.Round(time.Millisecond)
	inc := &incident.Incident{Name: d.opts.name(), Policy: cmp.Or(d.opts.Policy, incident.PolicySeed), Clock: incident.Clock{Start: start}}
	inc.LayersSpec, inc.Layers = layersSpec(d.opts.Layers)
	inc.Description = fmt.Sprintf("Derived from the recording %s: %d request(s) to Cal.com and %d webhook delivery(ies) become %d step(s).",
		cmp.Or(d.opts.Source, "(unnamed)"), d.count(false), d.count(true), len(units))
	for _, id := range sortedIDs(d.ets) {
		inc.Calcom.EventTypes = append(inc.Calcom.EventTypes, d.eventType(d.ets[id]))
	}
	inc.Calcom.ConflictAnswer, inc.Calcom.ForceReplay = d.conflict, d.forceReplay
	if d.conflict == incident.ConflictProd400 {
		inc.Calcom.ConflictAnswer = "" // the fake's default
	}
	if d.hooks != nil && d.hooks.delivery != "" || len(d.hosts) > 0 {
		mode := incident.DeliverySync
		if d.hooks != nil && d.hooks.delivery != "" {
			mode = d.hooks.delivery
		}
		inc.Calcom.Webhooks = &incident.Webhooks{Delivery: mode}
	}
	inc.Calcom.Latency = d.latencyOf()
	ann := &incident.Annotations{StepComments: map[int]string{}}
	from := derivedFrom{HAR: d.opts.Source, Entries: len(d.xs), Ignored: d.ignored}
	for i, u := range units {
		st := incident.Step{At: max(0, u.at.Round(time.Millisecond).Sub(start))}
		path := fmt.Sprintf("steps[%d]", i)
		var comments []string
		switch {
		case u.host != nil:
			h := u.host.action
			h.WebhookFault = u.host.webhookFault
			st.Host = &h
			comments = u.host.comments
		case u.cancel != nil:
			st.Cancel = &incident.Cancel{Call: u.cancel.call, WebhookFault: u.cancel.webhookFault}
			comments = append([]string{u.cancel.x.describe() + ": the service cancelled " + u.cancel.call + "'s booking"}, u.cancel.comments...)
		case len(u.attempts) == 1:
			b := u.attempts[0].book()
			st.Book = &b
			comments = u.attempts[0].describe()
		default:
			for j, a := range u.attempts {
				st.Concurrent = append(st.Concurrent, a.book())
				for _, c := range a.describe() {
					comments = append(comments, fmt.Sprintf("[%d] %s", j, c))
				}
			}
			comments = append([]string{"these requests were in flight together"}, comments...)
		}
		inc.Steps = append(inc.Steps, st)
		ann.StepComments[i] = strings.Join(comments, "\n")
		from.Steps = append(from.Steps, stepFrom{Step: path, Entries: u.entries()})
	}
	if inc.Calcom.Latency == 0 && len(d.latency) > 0 && slices.Min(d.latency) > 0 {
		ann.Header = append(ann.Header, fmt.Sprintf("Cal.com answered fresh bookings within %v of making them: below %v, so no latency is written.", slices.Min(d.latency).Round(time.Millisecond), MinWait))
	}
	ann.Header = append(d.header(), ann.Header...)
	ann.Extensions = []incident.Extension{{Key: "x-derived-from", Value: from}}
	out := &Derived{Incident: inc, Annotations: ann, Undecided: d.undec, Ignored: d.ignored}
	if _, err := incident.Marshal(inc, ann); err != nil {
		return nil, fmt.Errorf("fromhar: the derived file does not hold together: %w", err)
	}
	return out, nil
}

// count is how many webhook deliveries (or Cal.com API requests) the recording holds.
func (d *deriver) count(webhooks bool) int {
	n := 0
	for _, x := range d.xs {
		if (x.endpoint == epWebhook) == webhooks && x.endpoint != epForeign {
			n++
		}
	}
	return n
}

// latencyOf is Cal.com's latency after making a booking: the least any fresh booking
// waited, when that is MinWait or more.
func (d *deriver) latencyOf() time.Duration {
	if len(d.latency) == 0 {
		return 0
	}
	if l := slices.Min(d.latency); l >= MinWait {
		return l.Round(time.Millisecond)
	}
	return 0
}

// units orders the timeline: booking requests (those in flight together as one concurrent
// step), the service's cancels and the host's actions, by when they began.
func (d *deriver) units() []unit {
	var out []unit
	for _, a := range d.attempts {
		if n := len(out); n > 0 && out[n-1].attempts != nil && d.together(out[n-1].attempts, a) {
			out[n-1].attempts = append(out[n-1].attempts, a)
			continue
		}
		out = append(out, unit{at: a.x.start, attempts: []*attempt{a}})
	}
	for _, c := range d.cancels {
		out = append(out, unit{at: c.x.start, cancel: c})
	}
	for _, h := range d.hosts {
		out = append(out, unit{at: h.at, host: h})
	}
	slices.SortStableFunc(out, func(a, b unit) int { return a.at.Compare(b.at) })
	return out
}

// together reports whether a was in flight with any attempt of group.
func (d *deriver) together(group []*attempt, a *attempt) bool {
	for _, g := range group {
		if overlap(g.x, a.x) {
			return true
		}
	}
	return false
}

// book is the attempt as a file's booking request.
func (a *attempt) book() incident.Book {
	return incident.Book{Call: a.call, EventType: a.eventType, Start: a.start, Attendee: a.attendee,
		Faults: slices.Clone(a.faults), WebhookFault: a.webhookFault}
}

// describe says where the attempt came from and what Cal.com answered.
func (a *attempt) describe() []string {
	out := []string{fmt.Sprintf("%s: %s", a.x.describe(), a.answer)}
	return append(out, a.comments...)
}

// layersSpec turns Options.Layers into the file's form.
func layersSpec(layers []string) (string, []string) {
	switch {
	case len(layers) == 0 || (len(layers) == 1 && layers[0] == "all"):
		return "all", incident.AllLayers()
	case len(layers) == 1 && layers[0] == "none":
		return "none", []string{}
	}
	return "list", slices.Clone(layers)
}

// header is the file's opening comment: where it came from and what the recording could
// not decide.
func (d *deriver) header() []string {
	h := []string{
		fmt.Sprintf("Derived by bookingharness incident from-har from %s (%d entries).", d.opts.name0(), len(d.xs)),
		"Each step's comment names the HAR entries it comes from (x-derived-from at the end lists them).",
	}
	if len(d.undec) > 0 {
		h = append(h, "UNDECIDED — the recording cannot tell; check these:")
		for _, u := range d.undec {
			h = append(h, "  - "+u)
		}
	}
	return h
}
