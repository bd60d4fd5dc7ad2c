-- +goose Up
-- Seated event types (docs/invariants.md, docs/calcom.md §3), hardened schema only (store.Schema.Seats):
-- several callers hold ONE Cal.com booking, one seat each. The seed's schema stays the
-- shipped one — its unique index allows one appointment per booking uid, which is exactly
-- the seed's weakness on a seated event type.
--
--   calcom_seat_uid  the Cal.com seat (seatUid) the appointment holds; NULL for bookings
--                    that are not seated.
--   seat_group       the same text on every row of one seated slot (the core writes
--                    "<service id>@<start>"); NULL for rows that are not seats.
--
-- Layer 4 (unique) becomes one appointment per booking uid AND seat; layer 5 (slot_exclusion)
-- lets the seats of one seated slot share their host's time, while any other overlap on a
-- host — another event type, a non-seated booking — is still refused. Both keep their names,
-- so the core classifies their violations as before. Either may be absent (its layer is
-- switched off); then only the column is added.
ALTER TABLE appointments
    ADD COLUMN calcom_seat_uid text,
    ADD COLUMN seat_group text;

-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_indexes WHERE schemaname = current_schema()
               AND indexname = 'unique_calcom_v2_booking_id') THEN
        DROP INDEX unique_calcom_v2_booking_id;
        CREATE UNIQUE INDEX unique_calcom_v2_booking_id
            ON appointments (calcom_v2_booking_id, COALESCE(calcom_seat_uid, ''));
    END IF;
    IF EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'appointments_no_overlap'
               AND conrelid = 'appointments'::regclass) THEN
        ALTER TABLE appointments DROP CONSTRAINT appointments_no_overlap;
        -- Two rows conflict when they share a host, overlap in time and are not seats of
        -- one seated slot (a row that is no seat is its own group: its id).
        ALTER TABLE appointments ADD CONSTRAINT appointments_no_overlap
            EXCLUDE USING gist (staff_id WITH =, tstzrange(starts_at, ends_at) WITH &&,
                                (COALESCE(seat_group, 'row ' || id::text)) WITH <>)
            WHERE (deleted_at IS NULL AND status <> 'cancelled');
    END IF;
END
$$;
-- +goose StatementEnd

-- +goose Down
-- Going back to one appointment per booking uid and one per host and time would refuse the
-- seats already stored; say so instead of failing on an index build.
-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM appointments WHERE calcom_seat_uid IS NOT NULL OR seat_group IS NOT NULL) THEN
        RAISE EXCEPTION 'appointments holds seats of seated bookings; the schema without seats cannot store them';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_indexes WHERE schemaname = current_schema()
               AND indexname = 'unique_calcom_v2_booking_id') THEN
        DROP INDEX unique_calcom_v2_booking_id;
        CREATE UNIQUE INDEX unique_calcom_v2_booking_id ON appointments (calcom_v2_booking_id);
    END IF;
    IF EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'appointments_no_overlap'
               AND conrelid = 'appointments'::regclass) THEN
        ALTER TABLE appointments DROP CONSTRAINT appointments_no_overlap;
        ALTER TABLE appointments ADD CONSTRAINT appointments_no_overlap
            EXCLUDE USING gist (staff_id WITH =, tstzrange(starts_at, ends_at) WITH &&)
            WHERE (deleted_at IS NULL AND status <> 'cancelled');
    END IF;
END
$$;
-- +goose StatementEnd
ALTER TABLE appointments
    DROP COLUMN seat_group,
    DROP COLUMN calcom_seat_uid;
