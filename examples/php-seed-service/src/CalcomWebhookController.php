<?php
// The Cal.com webhook receiver (POST /webhooks/calcom), as the shipped system had it: it had
// no webhook handling at all. This endpoint only stands where the subscription points: it
// verifies the delivery (X-Cal-Signature-256, the hex HMAC-SHA256 of the raw body under
// CALCOM_WEBHOOK_SECRET) and answers 200 "ignored" — what the harness's Go seed does — so a
// host's cancel or reschedule in Cal.com never reaches the appointments (phantom
// appointments, orphaned and lost bookings), exactly the weakness to be shown.

declare(strict_types=1);

final class CalcomWebhookController
{
    /** Cal.com's signature when the subscription has no secret. */
    public const NO_SECRET = 'no-secret-provided';

    public function __construct(private readonly string $secret)
    {
    }

    /** @return array{0: int, 1: array<string, string>} status and JSON body */
    public function handle(string $method, string $body, ?string $signature): array
    {
        if ($method !== 'POST') {
            return [405, ['result' => 'rejected', 'reason' => 'webhooks are POSTed']];
        }
        if ($signature === null || $signature === '') {
            return [401, ['result' => 'rejected', 'reason' => 'missing X-Cal-Signature-256']];
        }
        if (!hash_equals(self::signature($this->secret, $body), trim($signature))) {
            return [401, ['result' => 'rejected', 'reason' => 'X-Cal-Signature-256 does not verify']];
        }
        $in = json_decode($body, true);
        if (!is_array($in) || !is_string($in['triggerEvent'] ?? null)) {
            return [400, ['result' => 'rejected', 'reason' => 'not a Cal.com webhook']];
        }
        Log::info('webhook ignored', [
            'trigger' => $in['triggerEvent'],
            'booking_id' => is_array($in['payload'] ?? null) ? ($in['payload']['uid'] ?? null) : null,
            'reason' => 'the shipped system had no webhook handler',
        ]);
        return [200, ['result' => 'ignored', 'reason' => 'the shipped system had no webhook handler']];
    }

    /** The signature Cal.com sends with $body. */
    public static function signature(string $secret, string $body): string
    {
        return $secret === '' ? self::NO_SECRET : hash_hmac('sha256', $body, $secret);
    }
}
