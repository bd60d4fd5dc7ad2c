package load

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/bookingharness/bookingharness/fakecalcom"
)

// WebhookFaultKind names one fault of the --webhook-faults mix, applied to the fake's
// deliveries of Cal.com's webhooks to the core's handler.
type WebhookFaultKind string

// The webhook fault kinds (DESIGN §4.1).
const (
	// WebhookDrop: the delivery is never made.
	WebhookDrop WebhookFaultKind = "drop"
	// WebhookDuplicate: the delivery is made twice.
	WebhookDuplicate WebhookFaultKind = "duplicate"
	// WebhookReorder: the delivery is held behind the next one.
	WebhookReorder WebhookFaultKind = "reorder"
	// WebhookDelay: the delivery waits --fault-delay on the fake's clock (in a load run the
	// virtual clock stands still, so it arrives when the run settles its webhooks at the end:
	// late, not never).
	WebhookDelay WebhookFaultKind = "delay"
	// WebhookStatus500: the subscriber answers 500, so the core never sees it (Cal.com does
	// not retry).
	WebhookStatus500 WebhookFaultKind = "status_500"
)

// WebhookFaultKinds lists the kinds in help order.
func WebhookFaultKinds() []WebhookFaultKind {
	return []WebhookFaultKind{WebhookDrop, WebhookDuplicate, WebhookReorder, WebhookDelay, WebhookStatus500}
}

// WebhookFault is one kind of the mix with the probability it strikes a delivery, drawn per
// call and attempt from the run's seed.
type WebhookFault struct {
	Kind WebhookFaultKind `json:"kind"`
	Rate float64          `json:"rate"`
}

func (f WebhookFault) validate() error {
	if !slices.Contains(WebhookFaultKinds(), f.Kind) {
		var names []string
		for _, k := range WebhookFaultKinds() {
			names = append(names, string(k))
		}
		return fmt.Errorf("webhook fault %q is unknown; want one of %s", f.Kind, strings.Join(names, ", "))
	}
	if math.IsNaN(f.Rate) || f.Rate <= 0 || f.Rate > 1 {
		return fmt.Errorf("webhook fault %s: rate %v must be in (0, 1]", f.Kind, f.Rate)
	}
	return nil
}

// ParseWebhookFaults reads the --webhook-faults flag: "kind=rate,…", e.g.
// "drop=0.05,duplicate=0.05,reorder=0.05". An empty string is no faults.
func ParseWebhookFaults(s string) ([]WebhookFault, error) {
	var out []WebhookFault
	err := parseKindRates(s, "webhook fault", "drop", func(kind string, rate float64) error {
		f := WebhookFault{Kind: WebhookFaultKind(kind), Rate: rate}
		if err := f.validate(); err != nil {
			return err
		}
		out = append(out, f)
		return nil
	})
	return out, err
}

// Rule maps the fault to the fake's rule on webhook deliveries, named "webhook:<kind>".
func (f WebhookFault) Rule(delay fakecalcom.Duration) fakecalcom.Rule {
	a := fakecalcom.Action{Kind: fakecalcom.ActionKind(f.Kind)}
	switch f.Kind {
	case WebhookDelay:
		a = fakecalcom.Action{Kind: fakecalcom.ActionDelay, Delay: delay}
	case WebhookStatus500:
		a = fakecalcom.Action{Kind: fakecalcom.ActionStatus, Status: 500}
	}
	return fakecalcom.Rule{Name: "webhook:" + string(f.Kind), Method: fakecalcom.MethodWebhook, Probability: f.Rate, Action: a}
}

// WebhookFaultFired counts one --webhook-faults kind's strikes.
type WebhookFaultFired struct {
	Kind  WebhookFaultKind `json:"kind"`
	Rate  float64          `json:"rate"`
	Fired int              `json:"fired"`
}

// countWebhookFaults fills WebhookFaultsFired from the deliveries each rule struck.
func (r *Result) countWebhookFaults(faults []WebhookFault, struck map[string]int) {
	for _, f := range faults {
		r.WebhookFaultsFired = append(r.WebhookFaultsFired, WebhookFaultFired{Kind: f.Kind, Rate: f.Rate, Fired: struck["webhook:"+string(f.Kind)]})
	}
}
