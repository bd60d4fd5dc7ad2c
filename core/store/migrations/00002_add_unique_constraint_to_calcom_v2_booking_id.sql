-- +goose Up
-- Layer 4 of the seed design ("unique"): one appointment per Cal.com booking uid. Like the
-- shipped index it covers soft-deleted rows too; NULLs (no booking yet) stay allowed.
CREATE UNIQUE INDEX unique_calcom_v2_booking_id ON appointments (calcom_v2_booking_id);

-- +goose Down
DROP INDEX unique_calcom_v2_booking_id;
