package store

import (
	"context"
	"fmt"
)

// SeatUIDs returns the Cal.com seat (calcom_seat_uid) of every appointment that holds one,
// by appointment id: what the invariant checker needs besides EachAppointment to judge a
// seated booking seat by seat. It needs the Seats migration (the hardened schema); the
// seed's shipped schema stores no seat.
func SeatUIDs(ctx context.Context, q Querier) (map[int64]string, error) {
	rows, err := q.Query(ctx, `SELECT id, calcom_seat_uid FROM appointments WHERE calcom_seat_uid IS NOT NULL`)
	if err != nil {
		return nil, fmt.Errorf("store: seat uids: %w", err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var seat string
		if err := rows.Scan(&id, &seat); err != nil {
			return nil, fmt.Errorf("store: seat uids: %w", err)
		}
		out[id] = seat
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: seat uids: %w", err)
	}
	return out, nil
}

// SeatUIDOf returns the Cal.com seat appointment id holds, "" when it holds none: a caller
// who cancels that appointment gives up the seat, not the seated booking everyone shares.
// It needs the Seats migration, as SeatUIDs does.
func SeatUIDOf(ctx context.Context, q Querier, id int64) (string, error) {
	var seat *string
	if err := q.QueryRow(ctx, `SELECT calcom_seat_uid FROM appointments WHERE id = $1`, id).Scan(&seat); err != nil {
		return "", fmt.Errorf("store: seat of appointment %d: %w", id, err)
	}
	if seat == nil {
		return "", nil
	}
	return *seat, nil
}
