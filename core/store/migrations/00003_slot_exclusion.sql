-- +goose Up
-- Layer 5 of the hardened design ("slot_exclusion"): no two live appointments of one staff
-- member overlap in time, whatever booking uid they carry.
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE appointments ADD CONSTRAINT appointments_no_overlap
    EXCLUDE USING gist (staff_id WITH =, tstzrange(starts_at, ends_at) WITH &&)
    WHERE (deleted_at IS NULL AND status <> 'cancelled');

-- +goose Down
ALTER TABLE appointments DROP CONSTRAINT appointments_no_overlap;
DROP EXTENSION IF EXISTS btree_gist;
