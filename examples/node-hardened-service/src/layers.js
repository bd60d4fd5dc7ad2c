// The duplicate-prevention layers and their switches. Three are code (freshness, call_id,
// db_check: steps of the decide and settle phases); two are constraints of the schema
// (unique, slot_exclusion), so switching them creates or drops the constraint. The set in
// force lives in the settings table, so it survives a restart.

/** The layers, in the order the harness names them. */
export const LAYERS = Object.freeze(['freshness', 'call_id', 'db_check', 'unique', 'slot_exclusion']);

/**
 * Reads a layer set: "all", "none" or a comma-separated list of LAYERS.
 * @param {string} text
 * @param {string} where names the setting in errors
 * @returns {string[]} the layers, in LAYERS order
 */
export function parseLayers(text, where) {
  const spec = text.trim().toLowerCase();
  if (spec === '' || spec === 'all') {
    return [...LAYERS];
  }
  if (spec === 'none') {
    return [];
  }
  return ordered(spec.split(/[\s,]+/).filter(Boolean), where);
}

/**
 * Checks names and returns them in LAYERS order, without repeats.
 * @param {unknown[]} names
 * @param {string} where
 * @returns {string[]}
 */
export function ordered(names, where) {
  for (const n of names) {
    if (typeof n !== 'string' || !LAYERS.includes(n)) {
      throw new Error(`${where}: unknown layer ${JSON.stringify(n)} (want all, none or names from ${LAYERS.join(', ')})`);
    }
  }
  return LAYERS.filter((l) => names.includes(l));
}

// The constraints of the two schema layers. The exclusion constraint is deferrable so that
// two claims Cal.com gave each other's hosts can swap hosts in one transaction.
const UNIQUE_INDEX = 'appointments_unique_booking';
const EXCLUSION = 'appointments_no_overlap';
const CREATE_UNIQUE = `CREATE UNIQUE INDEX IF NOT EXISTS ${UNIQUE_INDEX} ON appointments (booking_uid, COALESCE(seat_uid, ''))`;
const CREATE_EXCLUSION = `ALTER TABLE appointments ADD CONSTRAINT ${EXCLUSION}
  EXCLUDE USING gist (host_id WITH =, tstzrange(starts_at, ends_at) WITH &&,
                      (COALESCE(seat_group, 'row ' || id::text)) WITH <>)
  WHERE (state <> 'cancelled') DEFERRABLE INITIALLY IMMEDIATE`;

/** The constraint names, as Postgres reports them in violations. */
export const CONSTRAINTS = Object.freeze({ unique: UNIQUE_INDEX, exclusion: EXCLUSION, callSlot: 'appointments_one_per_call_slot' });

/**
 * Makes the schema and the settings row match layers, in one transaction: creating a
 * constraint fails (and changes nothing) when the rows already break it.
 * @param {import('pg').ClientBase} client a client not in a transaction
 * @param {string[]} layers
 */
export async function applyLayers(client, layers) {
  await client.query('BEGIN');
  try {
    if (layers.includes('unique')) {
      await client.query(CREATE_UNIQUE);
    } else {
      await client.query(`DROP INDEX IF EXISTS ${UNIQUE_INDEX}`);
    }
    const { rowCount } = await client.query('SELECT 1 FROM pg_constraint WHERE conname = $1', [EXCLUSION]);
    if (layers.includes('slot_exclusion') && rowCount === 0) {
      await client.query(CREATE_EXCLUSION);
    } else if (!layers.includes('slot_exclusion') && rowCount > 0) {
      await client.query(`ALTER TABLE appointments DROP CONSTRAINT ${EXCLUSION}`);
    }
    await client.query(
      `INSERT INTO settings (key, value) VALUES ('layers', $1)
       ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, [layers.join(',')]);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  }
}

/**
 * The layer set in force (all when none was ever stored).
 * @param {import('pg').Pool} pool
 * @returns {Promise<string[]>}
 */
export async function storedLayers(pool) {
  const { rows } = await pool.query("SELECT value FROM settings WHERE key = 'layers'");
  if (rows.length === 0) {
    return [...LAYERS];
  }
  return parseLayers(rows[0].value === '' ? 'none' : rows[0].value, 'settings.layers');
}
