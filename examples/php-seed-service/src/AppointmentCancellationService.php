<?php
// Cancels every live appointment of a call: first in Cal.com (which frees the slot there),
// then locally (status cancelled; the booking uid stays for history).

declare(strict_types=1);

final class AppointmentCancellationService
{
    public function __construct(private readonly PDO $db, private readonly CalcomClient $calcom)
    {
    }

    /** @return array{outcome: string, reason?: string} */
    public function cancelForCall(string $callId): array
    {
        if (trim($callId) === '') {
            return ['outcome' => 'error', 'reason' => 'call_id is empty'];
        }
        $stmt = $this->db->prepare(
            "SELECT a.id, a.calcom_v2_booking_id FROM appointments a JOIN calls c ON c.id = a.call_id
             WHERE c.retell_call_id = ? AND a.deleted_at IS NULL AND a.status <> 'cancelled' ORDER BY a.id");
        $stmt->execute([$callId]);
        $rows = $stmt->fetchAll();
        if ($rows === []) {
            return ['outcome' => 'nothing_to_cancel'];
        }
        $failures = [];
        foreach ($rows as $row) {
            $uid = (string) ($row['calcom_v2_booking_id'] ?? '');
            if ($uid !== '') {
                try {
                    $this->calcom->cancelBooking($uid, "cancelled by caller $callId");
                } catch (CalcomException $e) {
                    $gone = $e->kind === 'not_found' || ($e->status === 400 && str_contains($e->getMessage(), 'has been cancelled'));
                    if (!$gone) {
                        $failures[] = $e->getMessage();
                        continue;
                    }
                }
            }
            $this->db->prepare("UPDATE appointments SET status = 'cancelled', updated_at = now() WHERE id = ?")->execute([(int) $row['id']]);
        }
        if ($failures !== []) {
            // Cal.com may or may not have cancelled: the caller cannot be told either way.
            return ['outcome' => 'unknown', 'reason' => implode('; ', $failures)];
        }
        return ['outcome' => 'cancelled'];
    }
}
