<?php
// Laravel-style log lines on stderr, which `php -S` and the harness keep:
// [2025-10-06 12:00:00] production.ERROR: 🚨 DUPLICATE BOOKING PREVENTION: … {"booking_id": …}

declare(strict_types=1);

final class Log
{
    /** @param array<string, mixed> $context */
    public static function error(string $message, array $context = []): void
    {
        self::write('ERROR', $message, $context);
    }

    /** @param array<string, mixed> $context */
    public static function info(string $message, array $context = []): void
    {
        self::write('INFO', $message, $context);
    }

    /** @param array<string, mixed> $context */
    private static function write(string $level, string $message, array $context): void
    {
        $line = sprintf("[%s] production.%s: %s %s\n", gmdate('Y-m-d H:i:s'), $level, $message,
            json_encode($context, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE));
        file_put_contents('php://stderr', $line);
    }
}
