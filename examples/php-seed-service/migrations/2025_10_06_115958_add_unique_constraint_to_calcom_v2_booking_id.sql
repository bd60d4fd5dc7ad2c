-- Layer 4 of the seed: one appointment per Cal.com booking uid. Like the shipped index it
-- also counts soft-deleted rows, which layer 3 does not look at.
CREATE UNIQUE INDEX unique_calcom_v2_booking_id ON appointments (calcom_v2_booking_id);
