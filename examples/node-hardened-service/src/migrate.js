// Runs the SQL migrations in migrations/ in name order, once each (recorded in
// schema_migrations), each in its own transaction, then sets the layer set APP_LAYERS names
// (the unique index and the exclusion constraint are layers: src/layers.js).
// Usage: DATABASE_URL=… APP_LAYERS=all node src/migrate.js

import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

import { loadConfig } from './config.js';
import { applyLayers } from './layers.js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'migrations');

async function main() {
  const cfg = loadConfig(process.env, { needPort: false });
  const client = new pg.Client({ connectionString: cfg.databaseUrl });
  await client.connect();
  try {
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, ran_at timestamptz NOT NULL DEFAULT now())');
    const done = new Set((await client.query('SELECT name FROM schema_migrations')).rows.map((r) => r.name));
    const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
    for (const file of files) {
      const name = file.slice(0, -'.sql'.length);
      if (done.has(name)) {
        continue;
      }
      const sql = await readFile(path.join(dir, file), 'utf8');
      await client.query('BEGIN');
      try {
        await client.query(sql);
        await client.query('INSERT INTO schema_migrations (name) VALUES ($1)', [name]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${file}: ${err.message}`);
      }
      process.stderr.write(`migrated ${name}\n`);
    }
    await applyLayers(client, cfg.layers);
    process.stderr.write(`layers: ${cfg.layers.length === 0 ? 'none' : cfg.layers.join(',')}\n`);
  } finally {
    await client.end();
  }
}

main().catch((err) => {
  process.stderr.write(`migrate: ${err.message}\n`);
  process.exit(1);
});
