<?php
// The layer switches. APP_LAYERS sets them at migration time; POST /__harness/layers
// changes them at run time. They live in the database (app_settings) because `php -S`
// with PHP_CLI_SERVER_WORKERS runs several processes that must agree. Layer 4 ("unique") is
// a migration, so switching it creates or drops the index itself.

declare(strict_types=1);

final class Layers
{
    public function __construct(private readonly PDO $db)
    {
    }

    /** @return list<string> */
    public function current(): array
    {
        $v = $this->db->query("SELECT value FROM app_settings WHERE key = 'layers'")->fetchColumn();
        return $v === false ? Config::LAYERS : Config::parseLayers($v === '' ? 'none' : $v);
    }

    public function on(string $layer): bool
    {
        return in_array($layer, $this->current(), true);
    }

    /** @param list<string> $layers */
    public function set(array $layers): void
    {
        $layers = Config::ordered($layers);
        $this->db->beginTransaction();
        try {
            if (in_array('unique', $layers, true)) {
                // Fails (and changes nothing) when duplicates already exist — as the real
                // migration would have.
                $this->db->exec('CREATE UNIQUE INDEX IF NOT EXISTS unique_calcom_v2_booking_id ON appointments (calcom_v2_booking_id)');
            } else {
                $this->db->exec('DROP INDEX IF EXISTS unique_calcom_v2_booking_id');
            }
            $stmt = $this->db->prepare("INSERT INTO app_settings (key, value) VALUES ('layers', ?) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value");
            $stmt->execute([implode(',', $layers)]);
            $this->db->commit();
        } catch (Throwable $e) {
            $this->db->rollBack();
            throw $e;
        }
    }
}
