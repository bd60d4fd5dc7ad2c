<?php
// Configuration from the environment, as the seed read it from .env. The harness (or you)
// sets DATABASE_URL, CALCOM_BASE_URL, CALCOM_API_KEY and APP_LAYERS.

declare(strict_types=1);

final class Config
{
    /** The four layers of the seed design, in evaluation order. */
    public const LAYERS = ['freshness', 'call_id', 'db_check', 'unique'];

    /** Layer 1's threshold: a returned booking older than this is stale (strictly greater). */
    public const FRESHNESS_THRESHOLD_SECONDS = 30;

    public static function env(string $name, ?string $default = null): string
    {
        $v = getenv($name);
        if ($v === false || $v === '') {
            if ($default === null) {
                throw new RuntimeException("environment variable $name is not set");
            }
            return $default;
        }
        return $v;
    }

    /**
     * Parses APP_LAYERS: "all", "none" (the seed's DUPLICATE_PREVENTION_ENABLED=false) or a
     * comma-separated list of layer names.
     *
     * @return list<string>
     */
    public static function parseLayers(string $spec): array
    {
        $spec = strtolower(trim($spec));
        if ($spec === 'all' || $spec === '') {
            return self::LAYERS;
        }
        if ($spec === 'none') {
            return [];
        }
        $out = [];
        foreach (preg_split('/[\s,]+/', $spec, -1, PREG_SPLIT_NO_EMPTY) as $name) {
            if (!in_array($name, self::LAYERS, true)) {
                throw new InvalidArgumentException("unknown layer \"$name\" (want all, none or names from " . implode(', ', self::LAYERS) . ')');
            }
            if (!in_array($name, $out, true)) {
                $out[] = $name;
            }
        }
        return self::ordered($out);
    }

    /** @param list<string> $layers @return list<string> */
    public static function ordered(array $layers): array
    {
        return array_values(array_filter(self::LAYERS, fn ($l) => in_array($l, $layers, true)));
    }
}
