package store

import (
	"context"
	"fmt"
)

// EventTypeFixture describes one bookable Cal.com event type as the application knows it: a
// service mapped to the event type, performed by the staff members who are its Cal.com
// hosts.
type EventTypeFixture struct {
	EventTypeID int64
	HostUserID  int64
	// HostUserIDs are the hosts of a round-robin event type with several hosts, in Cal.com's
	// order; empty means HostUserID alone. Each gets a staff row and a service_staff link, so
	// the core can claim any of them and store the host Cal.com assigned.
	HostUserIDs   []int64
	LengthMinutes int
}

// hosts returns the fixture's hosts in Cal.com's order.
func (et EventTypeFixture) hosts() []int64 {
	if len(et.HostUserIDs) > 0 {
		return et.HostUserIDs
	}
	return []int64{et.HostUserID}
}

// ServiceRef holds the local ids an appointment for one event type needs.
type ServiceRef struct {
	ServiceID int64
	// StaffID is the first host's staff member: the one a request names.
	StaffID int64
}

// Fixtures are the reference rows a harness run books against.
type Fixtures struct {
	CustomerID int64
	Services   map[int64]ServiceRef // by Cal.com event type id
	Staff      map[int64]int64      // staff id by Cal.com host user id
}

// SeedFixtures writes one customer, one staff member per distinct host and one service per
// event type, linked through service_staff to every host of the event type, so that
// bookings have the rows their foreign keys need. Staff members are keyed by Cal.com user
// id, so two event types of one host share a staff row and the slot-exclusion layer sees
// their overlaps. New staff rows are written in Cal.com's host order, so their ids follow it
// (SlotHosts lists a service's staff in id order).
func SeedFixtures(ctx context.Context, q Querier, eventTypes []EventTypeFixture) (Fixtures, error) {
	f := Fixtures{Services: map[int64]ServiceRef{}, Staff: map[int64]int64{}}
	if err := q.QueryRow(ctx, `INSERT INTO customers (name, email) VALUES ('Phone caller', NULL) RETURNING id`).Scan(&f.CustomerID); err != nil {
		return Fixtures{}, fmt.Errorf("store: seed customer: %w", err)
	}
	for _, et := range eventTypes {
		var serviceID int64
		err := q.QueryRow(ctx, `
INSERT INTO services (name, calcom_event_type_id, duration_minutes) VALUES ($1, $2, $3)
ON CONFLICT (calcom_event_type_id) DO UPDATE SET duration_minutes = EXCLUDED.duration_minutes RETURNING id`,
			fmt.Sprintf("Event type %d", et.EventTypeID), et.EventTypeID, et.LengthMinutes).Scan(&serviceID)
		if err != nil {
			return Fixtures{}, fmt.Errorf("store: seed service for event type %d: %w", et.EventTypeID, err)
		}
		for i, host := range et.hosts() {
			staffID, err := f.staff(ctx, q, host)
			if err != nil {
				return Fixtures{}, err
			}
			if _, err := q.Exec(ctx, `INSERT INTO service_staff (service_id, staff_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, serviceID, staffID); err != nil {
				return Fixtures{}, fmt.Errorf("store: link service %d to staff %d: %w", serviceID, staffID, err)
			}
			if i == 0 {
				f.Services[et.EventTypeID] = ServiceRef{ServiceID: serviceID, StaffID: staffID}
			}
		}
	}
	return f, nil
}

// staff returns the staff member of Cal.com user host, writing the row the first time.
func (f *Fixtures) staff(ctx context.Context, q Querier, host int64) (int64, error) {
	if id, ok := f.Staff[host]; ok {
		return id, nil
	}
	var id int64
	err := q.QueryRow(ctx, `
INSERT INTO staff (name, calcom_user_id) VALUES ($1, $2)
ON CONFLICT (calcom_user_id) DO UPDATE SET name = EXCLUDED.name RETURNING id`,
		fmt.Sprintf("Host %d", host), host).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: seed staff for host %d: %w", host, err)
	}
	f.Staff[host] = id
	return id, nil
}
