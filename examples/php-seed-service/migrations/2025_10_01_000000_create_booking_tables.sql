-- The booking application's tables, as the seed system had them (Postgres flavour).
-- service_staff's foreign keys match the types they reference: the seed's own test suite
-- never ran because this table's foreign key was malformed.
CREATE TABLE customers (
    id         bigserial PRIMARY KEY,
    name       text NOT NULL,
    email      text,
    phone      text,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE services (
    id                   bigserial PRIMARY KEY,
    name                 text NOT NULL,
    calcom_event_type_id bigint NOT NULL UNIQUE,
    duration_minutes     integer NOT NULL CHECK (duration_minutes > 0)
);

CREATE TABLE staff (
    id             bigserial PRIMARY KEY,
    name           text NOT NULL,
    calcom_user_id bigint UNIQUE
);

CREATE TABLE service_staff (
    service_id bigint NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    staff_id   bigint NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
    PRIMARY KEY (service_id, staff_id)
);

CREATE TABLE calls (
    id             bigserial PRIMARY KEY,
    retell_call_id text NOT NULL UNIQUE,
    created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE appointments (
    id                   bigserial PRIMARY KEY,
    call_id              bigint REFERENCES calls (id),
    customer_id          bigint NOT NULL REFERENCES customers (id),
    service_id           bigint NOT NULL REFERENCES services (id),
    staff_id             bigint NOT NULL REFERENCES staff (id),
    starts_at            timestamptz NOT NULL,
    ends_at              timestamptz NOT NULL,
    status               text NOT NULL DEFAULT 'scheduled'
                         CHECK (status IN ('scheduled', 'confirmed', 'cancelled')),
    calcom_v2_booking_id text,
    calcom_booking_id    bigint,
    source               text NOT NULL DEFAULT 'phone',
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    deleted_at           timestamptz,
    CHECK (ends_at > starts_at)
);

CREATE INDEX appointments_calcom_v2_booking_id_index ON appointments (calcom_v2_booking_id);
CREATE INDEX appointments_call_id_index ON appointments (call_id);

-- Runtime settings of this example: the layer switches POST /__harness/layers changes.
CREATE TABLE app_settings (
    key   text PRIMARY KEY,
    value text NOT NULL
);
