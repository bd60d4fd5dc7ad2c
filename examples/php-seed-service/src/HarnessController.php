<?php
// The thin test route in front of the real booking code: the bookingharness black-box
// contract (docs/blackbox.md). Every answer is 200 with an outcome; only a request the harness
// could not have meant (bad JSON) gets 400.

declare(strict_types=1);

final class HarnessController
{
    public function __construct(private readonly PDO $db, private readonly CalcomClient $calcom)
    {
    }

    /** @return array{0: int, 1: array<string, mixed>} status and JSON body */
    public function handle(string $method, string $path, string $body, ?string $harnessNow): array
    {
        return match ("$method $path") {
            'GET /__harness/health' => $this->health(),
            'POST /__harness/book' => $this->book($body, $harnessNow),
            'POST /__harness/cancel' => $this->cancel($body),
            'GET /__harness/capabilities' => [200, ['time_travel' => true, 'layers' => Config::LAYERS, 'reset' => true, 'time_modes' => ['age', 'header', 'faketime']]],
            'POST /__harness/reset' => $this->reset(),
            'POST /__harness/layers' => $this->layers($body),
            default => [404, ['error' => "no route $method $path"]],
        };
    }

    /** @return array{0: int, 1: array<string, mixed>} */
    private function health(): array
    {
        $this->db->query('SELECT 1');
        return [200, ['status' => 'ok']];
    }

    /** @return array{0: int, 1: array<string, mixed>} */
    private function book(string $body, ?string $harnessNow): array
    {
        $in = json_decode($body, true);
        if (!is_array($in)) {
            return [400, ['error' => 'the body is not a JSON object']];
        }
        $req = [
            'call_id' => (string) ($in['call_id'] ?? ''),
            'event_type_id' => (int) ($in['event_type_id'] ?? 0),
            'start' => (string) ($in['start'] ?? ''),
            'attendee' => [
                'name' => (string) ($in['attendee']['name'] ?? ''),
                'email' => (string) ($in['attendee']['email'] ?? ''),
                'phone' => (string) ($in['attendee']['phone'] ?? ''),
                'time_zone' => (string) ($in['attendee']['time_zone'] ?? ''),
            ],
            'local' => [
                'customer_id' => (int) ($in['local']['customer_id'] ?? 0),
                'service_id' => (int) ($in['local']['service_id'] ?? 0),
                'staff_id' => (int) ($in['local']['staff_id'] ?? 0),
            ],
        ];
        // A test build honours X-Harness-Now; production code reads the wall clock when the
        // freshness layer asks (after Cal.com answered), as the shipped now() did.
        $now = $harnessNow !== null && $harnessNow !== ''
            ? static fn (): DateTimeImmutable => new DateTimeImmutable($harnessNow, new DateTimeZone('UTC'))
            : static fn (): DateTimeImmutable => DateTimeImmutable::createFromFormat('U.u', sprintf('%.6F', microtime(true)), new DateTimeZone('UTC'));
        $service = new AppointmentCreationService($this->db, $this->calcom, new Layers($this->db), $now);
        try {
            return [200, $service->createFromCall($req)];
        } catch (PDOException $e) {
            // The seed reports a failed database as a failed booking, whatever Cal.com did.
            Log::error('booking failed: the database failed', ['call_id' => $req['call_id'], 'error' => $e->getMessage()]);
            return [200, ['outcome' => 'error', 'appointment_id' => null, 'booking_uid' => null, 'reason' => 'the database failed: ' . $e->getMessage()]];
        }
    }

    /** @return array{0: int, 1: array<string, mixed>} */
    private function cancel(string $body): array
    {
        $in = json_decode($body, true);
        if (!is_array($in)) {
            return [400, ['error' => 'the body is not a JSON object']];
        }
        return [200, (new AppointmentCancellationService($this->db, $this->calcom))->cancelForCall((string) ($in['call_id'] ?? ''))];
    }

    /** @return array{0: int, 1: array<string, mixed>} */
    private function reset(): array
    {
        $this->db->exec('TRUNCATE appointments, calls, service_staff, services, staff, customers RESTART IDENTITY CASCADE');
        return [200, ['status' => 'reset']];
    }

    /** @return array{0: int, 1: array<string, mixed>} */
    private function layers(string $body): array
    {
        $in = json_decode($body, true);
        if (!is_array($in) || !isset($in['layers']) || !is_array($in['layers'])) {
            return [400, ['error' => 'want {"layers": [...]}']];
        }
        try {
            $wanted = Config::parseLayers(implode(',', array_map('strval', $in['layers'])) ?: 'none');
        } catch (InvalidArgumentException $e) {
            return [400, ['error' => $e->getMessage()]];
        }
        $layers = new Layers($this->db);
        $layers->set($wanted);
        return [200, ['layers' => $layers->current()]];
    }
}
