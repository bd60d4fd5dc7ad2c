<?php
// PDO connection from DATABASE_URL (postgres://user:pass@host:port/db?sslmode=… or the
// keyword form host=… dbname=…).

declare(strict_types=1);

final class Database
{
    public static function connect(string $url): PDO
    {
        $pdo = new PDO(self::pdoDsn($url), self::part($url, 'user'), self::part($url, 'pass'), [
            PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION,
            PDO::ATTR_DEFAULT_FETCH_MODE => PDO::FETCH_ASSOC,
            PDO::ATTR_EMULATE_PREPARES => false,
        ]);
        $pdo->exec("SET TIME ZONE 'UTC'");
        return $pdo;
    }

    private static function isUrl(string $url): bool
    {
        return str_starts_with($url, 'postgres://') || str_starts_with($url, 'postgresql://');
    }

    private static function part(string $url, string $key): ?string
    {
        if (!self::isUrl($url)) {
            return null;
        }
        $p = parse_url($url);
        return isset($p[$key]) ? rawurldecode($p[$key]) : null;
    }

    private static function pdoDsn(string $url): string
    {
        if (!self::isUrl($url)) {
            // Keyword form: host=… port=… dbname=… user=…
            return 'pgsql:' . implode(';', preg_split('/\s+/', trim($url)));
        }
        $p = parse_url($url);
        if ($p === false) {
            throw new InvalidArgumentException('DATABASE_URL is not a URL');
        }
        $parts = [
            'host=' . ($p['host'] ?? '127.0.0.1'),
            'port=' . ($p['port'] ?? 5432),
            'dbname=' . ltrim($p['path'] ?? '/postgres', '/'),
        ];
        parse_str($p['query'] ?? '', $query);
        foreach ($query as $k => $v) {
            $parts[] = "$k=$v";
        }
        return 'pgsql:' . implode(';', $parts);
    }
}
