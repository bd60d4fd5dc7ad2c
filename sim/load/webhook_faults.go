package load

import (
	"time"

	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/sim/fault"
)

// WebhookFaultKind names one fault of the --webhook-faults mix: the load flag kind of one of
// the fault catalogue's webhook faults (drop, duplicate, reorder, delay, status_500; package
// sim/fault), applied to the fake's deliveries of Cal.com's webhooks to the core's handler.
// A delay waits --fault-delay on the fake's clock (in a load run the virtual clock stands
// still, so it arrives when the run settles its webhooks at the end: late, not never).
type WebhookFaultKind string

// WebhookFaultKinds lists the kinds in the catalogue's order.
func WebhookFaultKinds() []WebhookFaultKind {
	var out []WebhookFaultKind
	for _, f := range fault.Of(fault.Webhook) {
		out = append(out, WebhookFaultKind(f.CLI))
	}
	return out
}

// WebhookFault is one kind of the mix with the probability it strikes a delivery, drawn per
// call and attempt from the run's seed.
type WebhookFault struct {
	Kind WebhookFaultKind `json:"kind"`
	Rate float64          `json:"rate"`
}

// item is the catalogue's item of f; delay is how long a delay fault delays.
func (f WebhookFault) item(delay time.Duration) (fault.Item, error) {
	return fault.NewItem(fault.Webhook, string(f.Kind), f.Rate, delay)
}

func (f WebhookFault) validate() error {
	_, err := f.item(DefaultFaultDelay)
	return err
}

// ParseWebhookFaults reads the --webhook-faults flag: "kind=rate,…", e.g.
// "drop=0.05,duplicate=5%" (fault.ParseMix). An empty string is no faults.
func ParseWebhookFaults(s string) ([]WebhookFault, error) {
	items, err := fault.ParseMix(fault.Webhook, s, DefaultFaultDelay)
	var out []WebhookFault
	for _, it := range items {
		out = append(out, WebhookFault{Kind: WebhookFaultKind(it.Fault.CLI), Rate: it.Rate})
	}
	return out, err
}

// Rule maps the fault to the fake's rule on webhook deliveries, named "webhook:<kind>"
// (fault.Item.FakeRule); delay is how long a delay fault delays.
func (f WebhookFault) Rule(delay time.Duration) fakecalcom.Rule {
	it, err := f.item(delay)
	if err != nil {
		return fakecalcom.Rule{Name: "webhook:" + string(f.Kind), Method: fakecalcom.MethodWebhook, Action: fakecalcom.Action{Kind: fakecalcom.ActionKind(f.Kind)}}
	}
	return it.FakeRule()
}

// WebhookFaultFired counts one --webhook-faults kind's strikes.
type WebhookFaultFired struct {
	Kind  WebhookFaultKind `json:"kind"`
	Rate  float64          `json:"rate"`
	Fired int              `json:"fired"`
}

// countWebhookFaults fills WebhookFaultsFired from the deliveries the rules struck.
func (r *Result) countWebhookFaults(faults []WebhookFault, struck []fakecalcom.WebhookDelivery) {
	for _, f := range faults {
		n := 0
		for _, d := range struck {
			if d.Rule == "webhook:"+string(f.Kind) {
				n++
			}
		}
		r.WebhookFaultsFired = append(r.WebhookFaultsFired, WebhookFaultFired{Kind: f.Kind, Rate: f.Rate, Fired: n})
	}
}
