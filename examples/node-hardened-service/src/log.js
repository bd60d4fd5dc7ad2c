// One JSON object per line on stderr, which the harness keeps and quotes around a failure.
// Callers pass fields, never request bodies or secrets.

/**
 * @typedef {object} Logger
 * @property {(msg: string, fields?: Record<string, unknown>) => void} info
 * @property {(msg: string, fields?: Record<string, unknown>) => void} warn
 * @property {(msg: string, fields?: Record<string, unknown>) => void} error
 */

/**
 * A logger writing to stream.
 * @param {NodeJS.WritableStream} stream
 * @returns {Logger}
 */
export function createLogger(stream = process.stderr) {
  /** @param {string} level @param {string} msg @param {Record<string, unknown>} [fields] */
  const write = (level, msg, fields = {}) => {
    stream.write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }) + '\n');
  };
  return {
    info: (msg, fields) => write('INFO', msg, fields),
    warn: (msg, fields) => write('WARN', msg, fields),
    error: (msg, fields) => write('ERROR', msg, fields),
  };
}
