<?php
// The seed system's AppointmentCreationService, reduced to the booking path and written
// without a framework — faithful to the shipped design AND its weaknesses, because its job
// in this repository is to be reproduced, measured and shown wrong where it is wrong:
//
//   layer 1 (freshness)  reject a returned booking older than 30 s on the application clock
//                        (strictly greater; a missing createdAt passes; an unparsable one is
//                        an error);
//   layer 2 (call_id)    reject a booking whose metadata.call_id names another call (missing
//                        or empty passes);
//   layer 3 (db_check)   if a non-deleted appointment already carries the booking uid, return
//                        THAT appointment as a success — whoever owns it (the seed's lie);
//   layer 4 (unique)     the unique index migration; a violation surfaces as an error, even
//                        to the call that holds the booking.
//
// A layer-1/2 rejection is answered "slot taken" (even when the booking is the call's own);
// an ambiguous Cal.com failure (timeout, 5xx) is a plain error: no lookup, no recovery.
// Layer 3 and the INSERT are separate statements with no lock.

declare(strict_types=1);

final class AppointmentCreationService
{
    public function __construct(
        private readonly PDO $db,
        private readonly CalcomClient $calcom,
        private readonly Layers $layers,
        /** @var Closure(): DateTimeImmutable the application's clock, read when a layer asks */
        private readonly Closure $now,
    ) {
    }

    /**
     * Books one slot for one phone call.
     *
     * @param array{call_id: string, event_type_id: int, start: string,
     *              attendee: array{name: string, email: string, phone: string, time_zone: string},
     *              local: array{customer_id: int, service_id: int, staff_id: int}} $req
     * @return array{outcome: string, appointment_id: ?int, booking_uid: ?string, layer?: string, reason?: string}
     */
    public function createFromCall(array $req): array
    {
        $problem = self::validate($req);
        if ($problem !== null) {
            return self::answer('error', null, null, null, $problem);
        }
        $callRowId = $this->ensureCall($req['call_id']);
        $attendee = ['name' => $req['attendee']['name'], 'timeZone' => $req['attendee']['time_zone']];
        if ($req['attendee']['email'] !== '') {
            $attendee['email'] = $req['attendee']['email'];
        }
        if ($req['attendee']['phone'] !== '') {
            $attendee['phoneNumber'] = $req['attendee']['phone'];
        }
        try {
            $booking = $this->calcom->createBooking(
                gmdate('Y-m-d\TH:i:s.000\Z', strtotime($req['start'])),
                $req['event_type_id'],
                $attendee,
                ['call_id' => $req['call_id'], 'source' => 'php-seed-service'],
            );
        } catch (CalcomException $e) {
            // The seed knew no "maybe": every failure is "could not book".
            $outcome = in_array($e->kind, ['slot_taken', 'conflict'], true) ? 'slot_taken' : 'error';
            return self::answer($outcome, null, null, null, $e->getMessage());
        }
        $uid = (string) ($booking['uid'] ?? '');
        if ($uid === '') {
            return self::answer('error', null, null, null, 'Cal.com answered a booking without uid');
        }

        // Layer 1: freshness, on the application clock.
        if ($this->layers->on('freshness') && array_key_exists('createdAt', $booking) && $booking['createdAt'] !== null) {
            $created = self::parseTime((string) $booking['createdAt']);
            if ($created === null) {
                return self::answer('error', null, $uid, 'freshness', "createdAt {$booking['createdAt']} is not a date");
            }
            $age = self::seconds(($this->now)()) - self::seconds($created);
            if ($age > Config::FRESHNESS_THRESHOLD_SECONDS) {
                Log::error('🚨 DUPLICATE BOOKING PREVENTION: Stale booking detected', [
                    'booking_id' => $uid,
                    'created_at' => $booking['createdAt'],
                    'age_seconds' => round($age, 3),
                    'freshness_threshold_seconds' => Config::FRESHNESS_THRESHOLD_SECONDS,
                    'reason' => 'Cal.com returned existing booking instead of creating new one',
                ]);
                return self::answer('slot_taken', null, $uid, 'freshness', 'Cal.com returned existing booking instead of creating new one');
            }
        }

        // Layer 2: call id.
        if ($this->layers->on('call_id')) {
            $received = $booking['metadata']['call_id'] ?? null;
            if (is_string($received) && $received !== '' && $received !== $req['call_id']) {
                Log::error('🚨 DUPLICATE BOOKING PREVENTION: Call ID mismatch', [
                    'expected_call_id' => $req['call_id'],
                    'received_call_id' => $received,
                    'booking_id' => $uid,
                    'reason' => 'Cal.com returned booking from different call due to idempotency',
                ]);
                return self::answer('slot_taken', null, $uid, 'call_id', 'Cal.com returned booking from different call due to idempotency');
            }
        }

        // Layer 3: an appointment with this booking already exists → return it as success.
        if ($this->layers->on('db_check')) {
            $stmt = $this->db->prepare('SELECT id FROM appointments WHERE calcom_v2_booking_id = ? AND deleted_at IS NULL ORDER BY id LIMIT 1');
            $stmt->execute([$uid]);
            $existing = $stmt->fetchColumn();
            if ($existing !== false) {
                Log::error('🚨 DUPLICATE BOOKING PREVENTION: Appointment already exists', [
                    'existing_appointment_id' => (int) $existing,
                    'calcom_booking_id' => $uid,
                    'reason' => 'Database duplicate check prevented creating duplicate appointment',
                ]);
                return self::answer('booked', (int) $existing, $uid, 'db_check', 'Database duplicate check prevented creating duplicate appointment');
            }
        }

        // The INSERT; layer 4 is the unique index, if migrated.
        try {
            $id = $this->insertAppointment($req, $callRowId, $booking);
        } catch (PDOException $e) {
            if ($e->getCode() === '23505' && $this->layers->on('unique')) {
                return self::answer('error', null, $uid, 'unique', 'unique constraint violation');
            }
            return self::answer('error', null, $uid, null, 'storing the appointment failed: ' . $e->getMessage());
        }
        Log::info('booking successful and validated', ['call_id' => $req['call_id'], 'appointment_id' => $id, 'booking_id' => $uid]);
        return self::answer('booked', $id, $uid, null, 'booking successful and validated');
    }

    /** @param array<string, mixed> $req */
    private static function validate(array $req): ?string
    {
        return match (true) {
            trim($req['call_id']) === '' => 'call_id is empty',
            preg_match('/\s/', $req['call_id']) === 1 => 'call_id contains spaces',
            $req['event_type_id'] <= 0 => 'event_type_id must be positive',
            strtotime($req['start']) === false => 'start is not a date',
            trim($req['attendee']['name']) === '' => 'attendee.name is empty',
            trim($req['attendee']['email']) === '' && trim($req['attendee']['phone']) === '' => 'attendee needs an email or a phone number',
            trim($req['attendee']['time_zone']) === '' => 'attendee.time_zone is empty',
            default => null,
        };
    }

    private function ensureCall(string $retellCallId): int
    {
        $stmt = $this->db->prepare(
            'WITH ins AS (INSERT INTO calls (retell_call_id) VALUES (?) ON CONFLICT (retell_call_id) DO NOTHING RETURNING id)
             SELECT id FROM ins UNION ALL SELECT id FROM calls WHERE retell_call_id = ? LIMIT 1');
        $stmt->execute([$retellCallId, $retellCallId]);
        return (int) $stmt->fetchColumn();
    }

    /**
     * Writes the appointment. The local rows come from the request when the harness knows
     * them, otherwise they are found or created: the customer by email/phone, the service by
     * event type, the staff member as the seed did it — the service's own staff member (the
     * one the phone agent books with), whoever Cal.com assigned; a service's first booking
     * links the host Cal.com assigned to it. With several round-robin hosts two callers booked
     * on two hosts therefore become two rows on one staff member, as in the shipped system.
     *
     * @param array<string, mixed> $req
     * @param array<string, mixed> $booking
     */
    private function insertAppointment(array $req, int $callRowId, array $booking): int
    {
        $start = self::parseTime((string) ($booking['start'] ?? $req['start'])) ?? new DateTimeImmutable($req['start']);
        $end = self::parseTime((string) ($booking['end'] ?? '')) ?? $start->modify('+30 minutes');
        $minutes = max(1, (int) round((self::seconds($end) - self::seconds($start)) / 60));
        $customer = $req['local']['customer_id'] ?: $this->customerId($req['attendee']);
        $service = $req['local']['service_id'] ?: $this->serviceId($req['event_type_id'], $minutes);
        $staff = $req['local']['staff_id'] ?: $this->serviceStaffId($service, (int) ($booking['hosts'][0]['id'] ?? 0));
        $stmt = $this->db->prepare(
            'INSERT INTO appointments (call_id, customer_id, service_id, staff_id, starts_at, ends_at, calcom_v2_booking_id, calcom_booking_id, source)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id');
        $stmt->execute([
            $callRowId, $customer, $service, $staff,
            $start->format('Y-m-d\TH:i:s.uP'), $end->format('Y-m-d\TH:i:s.uP'),
            (string) $booking['uid'], isset($booking['id']) ? (int) $booking['id'] : null, 'phone',
        ]);
        return (int) $stmt->fetchColumn();
    }

    /** @param array{name: string, email: string, phone: string} $attendee */
    private function customerId(array $attendee): int
    {
        $stmt = $this->db->prepare('SELECT id FROM customers WHERE (email = ? AND ? <> \'\') OR (phone = ? AND ? <> \'\') ORDER BY id LIMIT 1');
        $stmt->execute([$attendee['email'], $attendee['email'], $attendee['phone'], $attendee['phone']]);
        $id = $stmt->fetchColumn();
        if ($id !== false) {
            return (int) $id;
        }
        $stmt = $this->db->prepare('INSERT INTO customers (name, email, phone) VALUES (?, NULLIF(?, \'\'), NULLIF(?, \'\')) RETURNING id');
        $stmt->execute([$attendee['name'], $attendee['email'], $attendee['phone']]);
        return (int) $stmt->fetchColumn();
    }

    private function serviceId(int $eventTypeId, int $minutes): int
    {
        $stmt = $this->db->prepare(
            'INSERT INTO services (name, calcom_event_type_id, duration_minutes) VALUES (?, ?, ?)
             ON CONFLICT (calcom_event_type_id) DO UPDATE SET name = services.name RETURNING id');
        $stmt->execute(["Event type $eventTypeId", $eventTypeId, $minutes]);
        return (int) $stmt->fetchColumn();
    }

    /** The service's staff member; for its first booking, the host Cal.com assigned, linked from then on. */
    private function serviceStaffId(int $serviceId, int $calcomUserId): int
    {
        $stmt = $this->db->prepare('SELECT staff_id FROM service_staff WHERE service_id = ? ORDER BY staff_id LIMIT 1');
        $stmt->execute([$serviceId]);
        $id = $stmt->fetchColumn();
        if ($id !== false) {
            return (int) $id;
        }
        $staff = $this->staffId($calcomUserId);
        $this->db->prepare('INSERT INTO service_staff (service_id, staff_id) VALUES (?, ?) ON CONFLICT DO NOTHING')->execute([$serviceId, $staff]);
        return $staff;
    }

    private function staffId(int $calcomUserId): int
    {
        $stmt = $this->db->prepare(
            'INSERT INTO staff (name, calcom_user_id) VALUES (?, ?)
             ON CONFLICT (calcom_user_id) DO UPDATE SET name = staff.name RETURNING id');
        $stmt->execute(["Host $calcomUserId", $calcomUserId]);
        return (int) $stmt->fetchColumn();
    }

    private static function parseTime(string $s): ?DateTimeImmutable
    {
        if ($s === '') {
            return null;
        }
        try {
            return new DateTimeImmutable($s, new DateTimeZone('UTC'));
        } catch (Exception) {
            return null;
        }
    }

    private static function seconds(DateTimeImmutable $t): float
    {
        return (float) $t->format('U.u');
    }

    /** @return array{outcome: string, appointment_id: ?int, booking_uid: ?string, layer?: string, reason?: string} */
    private static function answer(string $outcome, ?int $appointmentId, ?string $uid, ?string $layer, string $reason): array
    {
        $a = ['outcome' => $outcome, 'appointment_id' => $appointmentId, 'booking_uid' => $uid];
        if ($layer !== null) {
            $a['layer'] = $layer;
        }
        $a['reason'] = $reason;
        return $a;
    }
}
