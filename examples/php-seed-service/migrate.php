<?php
// Runs the SQL migrations in migrations/ in name order, once each (recorded in the
// migrations table, as Laravel does). The unique-index migration is layer 4: it runs only
// when APP_LAYERS includes "unique", because switching that layer off means migrating
// without it. Usage: DATABASE_URL=… APP_LAYERS=all php migrate.php

declare(strict_types=1);

require __DIR__ . '/src/Config.php';
require __DIR__ . '/src/Database.php';
require __DIR__ . '/src/Layers.php';

const UNIQUE_MIGRATION = '2025_10_06_115958_add_unique_constraint_to_calcom_v2_booking_id';

try {
    $layers = Config::parseLayers(Config::env('APP_LAYERS', 'all'));
    $db = Database::connect(Config::env('DATABASE_URL'));
    $db->exec('CREATE TABLE IF NOT EXISTS migrations (migration text PRIMARY KEY, ran_at timestamptz NOT NULL DEFAULT now())');
    $done = $db->query('SELECT migration FROM migrations')->fetchAll(PDO::FETCH_COLUMN);
    $files = glob(__DIR__ . '/migrations/*.sql');
    sort($files);
    foreach ($files as $file) {
        $name = basename($file, '.sql');
        if (in_array($name, $done, true)) {
            continue;
        }
        if ($name === UNIQUE_MIGRATION && !in_array('unique', $layers, true)) {
            fwrite(STDERR, "skipped $name (layer unique is off)\n");
            continue;
        }
        $db->beginTransaction();
        $db->exec((string) file_get_contents($file));
        $db->prepare('INSERT INTO migrations (migration) VALUES (?)')->execute([$name]);
        $db->commit();
        fwrite(STDERR, "migrated $name\n");
    }
    $db->prepare("INSERT INTO app_settings (key, value) VALUES ('layers', ?) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value")
        ->execute([implode(',', $layers)]);
    fwrite(STDERR, 'layers: ' . ($layers === [] ? 'none' : implode(',', $layers)) . "\n");
} catch (Throwable $e) {
    fwrite(STDERR, 'migrate: ' . $e->getMessage() . "\n");
    exit(1);
}
