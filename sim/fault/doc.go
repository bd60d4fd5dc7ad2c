// Package fault is the harness's one catalogue of the faults it can inject, in the style of
// etcd's failpoint list: every fault is one typed value (Fault) that says
//
//   - its name and family — a Cal.com answer (the fake's rule), a webhook delivery (the
//     fake's rule on deliveries), a statement to Postgres (the wire proxy's rule) or a crash
//     of the system under test (Family);
//   - its CLI grammar: the kind and value of an item of the load's --faults,
//     --webhook-faults or --db-faults (ParseMix, Item.String);
//   - its YAML form in an incident step: fault:, webhook_fault:, db_fault: or crash:
//     (CalcomFault, WebhookFault, DBFault; the incident parser takes its keys and value
//     shapes from here, package sim/incident);
//   - its mapping onto a fake Cal.com rule or a proxy rule, and back (FakeAction,
//     ProxyAction, FromFakeAction, FromProxyAction), so a fault that fired in a load run
//     can be written as an incident step (package sim/shrink);
//   - where it is available (Availability): in process, black-box, in which black-box time
//     modes, and what the system under test must offer for it (a webhook receiver, the
//     database proxy, a restart). A black-box skip reason is derived from it (Blocker).
//
// Adding a fault is one entry in All plus its injector (a fakecalcom or pgproxy action). The
// catalogue for users, docs/faults.md, is generated from All (Markdown; a test fails when
// the file is stale).
//
// The faults' firing — nth, every nth, or a seeded probability per (seed, rule, call) — is
// the one schedule of package internal/seeded, which the fake and the proxy share.
package fault
