package replay

import (
	"slices"

	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/sim/incident"
)

// CalcomConfig maps an incident's calcom: block onto the fake's configuration, key for key:
// event types (host or hosts with their weights and priorities, seats, block_slot,
// seats_show_attendees, weights_enabled, reschedule_with_same_host), force_replay, conflict_answer,
// check_insert_gap, latency and webhooks. It is the one translation both the replay's world
// and `bookingharness fake-calcom --config` use, so a block means the same in both. A
// webhooks block without url: stays without subscriber here; the replay's world points it
// at the core's handler.
func CalcomConfig(c incident.Calcom) fakecalcom.Config {
	cfg := fakecalcom.Config{
		ForceReplay: c.ForceReplay, ConflictAnswer: fakecalcom.ConflictAnswer(c.ConflictAnswer),
		CheckInsertGap: c.CheckInsertGap, Latency: c.Latency,
	}
	for _, et := range c.EventTypes {
		cfg.EventTypes = append(cfg.EventTypes, EventType(et))
	}
	if w := c.Webhooks; w != nil {
		cfg.Webhooks = fakecalcom.Webhooks{Delivery: fakecalcom.Delivery(w.Delivery), Secret: w.Secret, URL: w.URL}
	}
	return cfg
}

// EventType maps one incident event type onto the fake's.
func EventType(et incident.EventType) fakecalcom.EventType {
	out := fakecalcom.EventType{ID: int(et.ID), Kind: fakecalcom.Kind(et.Kind), LengthMinutes: et.Length, HostID: int(et.Host), Seats: et.Seats}
	if len(et.Hosts) > 1 {
		for _, h := range et.Hosts {
			out.Hosts = append(out.Hosts, int(h))
		}
	}
	if et.BlockSlot != nil {
		out.BlockSlot = *et.BlockSlot
	}
	out.SeatsShowAttendees, out.WeightsEnabled, out.RescheduleWithSameHost = et.SeatsShowAttendees, et.WeightsEnabled, et.RescheduleWithSameHost
	out.HostWeights, out.HostPriorities = slices.Clone(et.HostWeights), slices.Clone(et.HostPriorities)
	return out
}
