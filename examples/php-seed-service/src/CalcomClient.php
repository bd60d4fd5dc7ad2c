<?php
// A Cal.com API v2 client (cal-api-version 2024-08-13, Bearer key) on PHP's HTTP streams, so
// the example needs no extension beyond php-cli and php-pgsql.

declare(strict_types=1);

/** A definite Cal.com refusal or a failure to get an answer. */
final class CalcomException extends RuntimeException
{
    public function __construct(
        string $message,
        public readonly int $status,          // 0 when no HTTP answer came
        public readonly string $kind,         // slot_taken | conflict | validation | not_found | server | transport | …
    ) {
        parent::__construct($message);
    }
}

final class CalcomClient
{
    private const API_VERSION = '2024-08-13';

    public function __construct(
        private readonly string $baseUrl,
        private readonly string $apiKey,
        private readonly float $timeoutSeconds = 10.0,
    ) {
    }

    /**
     * POST /v2/bookings. Returns the booking (data) Cal.com answered with — which may be an
     * EXISTING booking: round-robin event types answer a repeated create by the same
     * attendee with the original booking and 201.
     *
     * @param array<string, mixed> $attendee
     * @param array<string, mixed> $metadata
     * @return array<string, mixed>
     */
    public function createBooking(string $start, int $eventTypeId, array $attendee, array $metadata): array
    {
        return $this->request('POST', '/v2/bookings', [
            'start' => $start,
            'eventTypeId' => $eventTypeId,
            'attendee' => $attendee,
            'metadata' => $metadata,
        ]);
    }

    /** POST /v2/bookings/{uid}/cancel. @return array<string, mixed> */
    public function cancelBooking(string $uid, string $reason): array
    {
        return $this->request('POST', '/v2/bookings/' . rawurlencode($uid) . '/cancel', ['cancellationReason' => $reason]);
    }

    /**
     * @param array<string, mixed> $body
     * @return array<string, mixed>
     */
    private function request(string $method, string $path, array $body): array
    {
        $headers = [
            'Content-Type: application/json',
            'cal-api-version: ' . self::API_VERSION,
        ];
        if ($this->apiKey !== '') {
            $headers[] = 'Authorization: Bearer ' . $this->apiKey;
        }
        $ctx = stream_context_create(['http' => [
            'method' => $method,
            'header' => implode("\r\n", $headers),
            'content' => json_encode($body, JSON_UNESCAPED_SLASHES),
            'timeout' => $this->timeoutSeconds,
            'ignore_errors' => true, // read error bodies instead of failing on 4xx/5xx
            'protocol_version' => 1.1,
        ]]);
        $http_response_header = [];
        $raw = @file_get_contents(rtrim($this->baseUrl, '/') . $path, false, $ctx);
        if ($raw === false || $http_response_header === []) {
            $err = error_get_last()['message'] ?? 'no response';
            throw new CalcomException("Cal.com $method $path: $err", 0, 'transport');
        }
        $status = self::status($http_response_header);
        $json = json_decode($raw, true);
        if ($status >= 200 && $status < 300) {
            if (!is_array($json) || !isset($json['data']) || !is_array($json['data'])) {
                throw new CalcomException("Cal.com $method $path: HTTP $status with an undecodable body", $status, 'decode');
            }
            return $json['data'];
        }
        $message = self::message($json, $raw);
        throw new CalcomException("Cal.com $method $path: HTTP $status: $message", $status, self::classify($status, $message));
    }

    /** @param list<string> $headers */
    private static function status(array $headers): int
    {
        // The last status line wins (redirects add earlier ones).
        $status = 0;
        foreach ($headers as $h) {
            if (preg_match('#^HTTP/\S+\s+(\d{3})#', $h, $m)) {
                $status = (int) $m[1];
            }
        }
        return $status;
    }

    private static function message(mixed $json, string $raw): string
    {
        if (is_array($json)) {
            if (isset($json['error']['message']) && is_string($json['error']['message'])) {
                return $json['error']['message'];
            }
            if (isset($json['message'])) {
                return is_string($json['message']) ? $json['message'] : json_encode($json['message']);
            }
        }
        return substr($raw, 0, 200);
    }

    /** The same classification as the harness's Go client (core/calcom). */
    private static function classify(int $status, string $message): string
    {
        $lower = strtolower($message);
        return match (true) {
            $status === 400 && (str_contains($lower, 'already has booking at this time') || str_contains($lower, 'reserved this booking time slot')) => 'slot_taken',
            $status === 400, $status === 422 => 'validation',
            $status === 401, $status === 403 => 'unauthorized',
            $status === 404 => 'not_found',
            $status === 409 => 'conflict',
            $status === 429 => 'rate_limited',
            $status >= 500 => 'server',
            default => 'http',
        };
    }
}
