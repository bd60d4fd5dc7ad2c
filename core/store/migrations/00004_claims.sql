-- +goose Up
-- The hardened design's claims (claim → call → settle, docs/architecture.md). Before it calls Cal.com
-- the core inserts a 'pending' appointment for the call and slot, with a lease; it settles
-- the row live with the booking uid, or deletes it. The seed design had no claims, so this
-- migration belongs to the hardened schema only (store.Schema.Claims).
--
-- The slot_exclusion constraint (00003) already covers pending rows — its predicate is
-- "not deleted and not cancelled" — so a rival's claim on an overlapping slot of the same
-- staff member fails before that rival reaches Cal.com.
ALTER TABLE appointments
    DROP CONSTRAINT appointments_status_check,
    ADD CONSTRAINT appointments_status_check
        CHECK (status IN ('pending', 'scheduled', 'confirmed', 'cancelled')),
    ADD COLUMN claim_expires_at timestamptz,
    -- A claim always has a lease and a call; nothing else has a lease.
    ADD CONSTRAINT appointments_claim_lease
        CHECK ((status = 'pending') = (claim_expires_at IS NOT NULL)),
    ADD CONSTRAINT appointments_claim_call
        CHECK (status <> 'pending' OR call_id IS NOT NULL);

-- One claim or live appointment per call and slot: a retry of the call finds its claim
-- instead of claiming again (soft-deleted and cancelled rows do not count).
CREATE UNIQUE INDEX appointments_one_per_call_slot ON appointments (call_id, service_id, starts_at)
    WHERE deleted_at IS NULL AND status <> 'cancelled';

-- The sweeper's scan: pending claims only.
CREATE INDEX appointments_pending_index ON appointments (id)
    WHERE status = 'pending';

-- +goose Down
-- A pending claim may stand for a booking that exists in Cal.com; dropping it would orphan
-- that booking. Run the sweeper until no claim is left, then migrate down.
-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM appointments WHERE status = 'pending') THEN
        RAISE EXCEPTION 'appointments has pending claims; resolve them (core.Service.Sweep) before migrating down';
    END IF;
END
$$;
-- +goose StatementEnd
DROP INDEX appointments_pending_index;
DROP INDEX appointments_one_per_call_slot;
ALTER TABLE appointments
    DROP CONSTRAINT appointments_claim_call,
    DROP CONSTRAINT appointments_claim_lease,
    DROP COLUMN claim_expires_at,
    DROP CONSTRAINT appointments_status_check,
    ADD CONSTRAINT appointments_status_check
        CHECK (status IN ('scheduled', 'confirmed', 'cancelled'));
