-- The hardened booking service's own schema. One row per claim or appointment, keyed by
-- Cal.com's booking uid once it has one; the duplicate-prevention constraints that are
-- layers (the unique uid index, the slot-exclusion constraint) are created by
-- src/layers.js from the layer set, not here, so a layer switch is one place.

CREATE EXTENSION IF NOT EXISTS btree_gist;

-- The Cal.com users who host bookings, keyed by their Cal.com user id.
CREATE TABLE hosts (
    calcom_user_id bigint PRIMARY KEY,
    name           text NOT NULL
);

-- The Cal.com event types this service books, with their hosts in Cal.com's order (a round
-- robin tries its hosts in this order for a new attendee).
CREATE TABLE event_types (
    id             bigint PRIMARY KEY,               -- Cal.com's event type id
    length_minutes integer NOT NULL CHECK (length_minutes > 0),
    seated         boolean NOT NULL DEFAULT false
);

CREATE TABLE event_type_hosts (
    event_type_id bigint NOT NULL REFERENCES event_types (id) ON DELETE CASCADE,
    host_id       bigint NOT NULL REFERENCES hosts (calcom_user_id),
    position      integer NOT NULL,
    PRIMARY KEY (event_type_id, host_id)
);

-- A claim ('pending', with a lease) becomes an appointment ('live', with the booking uid)
-- or is deleted; a live appointment may end 'cancelled' (the uid stays for history).
CREATE TABLE appointments (
    id                bigserial PRIMARY KEY,
    call_id           text NOT NULL CHECK (call_id <> ''),
    event_type_id     bigint NOT NULL REFERENCES event_types (id),
    host_id           bigint NOT NULL REFERENCES hosts (calcom_user_id),
    starts_at         timestamptz NOT NULL,
    ends_at           timestamptz NOT NULL,
    state             text NOT NULL CHECK (state IN ('pending', 'live', 'cancelled')),
    lease_until       timestamptz,
    booking_uid       text,
    calcom_booking_id bigint,
    seat_uid          text,
    -- The same text on every seat of one seated slot ("<event type>@<start>"), so the
    -- exclusion constraint lets a seated slot's seats share their host's time.
    seat_group        text,
    attendee_name     text NOT NULL,
    attendee_email    text,
    attendee_phone    text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_at > starts_at),
    CONSTRAINT appointments_pending_has_lease CHECK ((state = 'pending') = (lease_until IS NOT NULL)),
    CONSTRAINT appointments_settled_has_booking CHECK (state = 'pending' OR booking_uid IS NOT NULL)
);

-- One claim or appointment per call and slot: a retry of the call finds its row instead of
-- claiming again, and two attempts of one call meet here.
CREATE UNIQUE INDEX appointments_one_per_call_slot ON appointments (call_id, event_type_id, starts_at)
    WHERE state <> 'cancelled';
CREATE INDEX appointments_pending ON appointments (id) WHERE state = 'pending';
CREATE INDEX appointments_booking_uid ON appointments (booking_uid);
CREATE INDEX appointments_call ON appointments (call_id);

-- Runtime settings: the layer set POST /__harness/layers switches (it survives a restart).
CREATE TABLE settings (
    key   text PRIMARY KEY,
    value text NOT NULL
);

-- The webhook receiver's memory: deliveries handled (by the SHA-256 of the raw body) and
-- bookings Cal.com reported ended (tombstones), so a duplicate is not acted on twice and a
-- late BOOKING_CREATED cannot resurrect a cancelled booking.
CREATE TABLE webhook_deliveries (
    body_sha256 bytea PRIMARY KEY,
    trigger     text NOT NULL,
    booking_uid text,
    handled_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ended_bookings (
    booking_uid text PRIMARY KEY,
    ended_at    timestamptz NOT NULL DEFAULT now()
);
