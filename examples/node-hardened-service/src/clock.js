// The service's clock. Production runs on the wall clock; a test build follows the
// X-Harness-Now header of the harness's requests: the last one sets the offset from the wall
// clock, so the sweeper between requests runs on the harness's time too. Only claim leases
// are judged on this clock — a booking's age is judged on Cal.com's own clock (its Date
// header), so a skewed service clock cannot turn a fresh booking stale.

/** X-Harness-Now: an RFC 3339 time with up to nanoseconds. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/**
 * @typedef {object} Clock
 * @property {() => Date} now
 * @property {(header: string) => void} follow sets now from an X-Harness-Now value; throws on a bad one
 */

/** @returns {Clock} */
export function createClock() {
  let offsetMs = 0;
  return {
    now: () => new Date(Date.now() + offsetMs),
    follow(header) {
      const t = RFC3339.test(header) ? Date.parse(header) : NaN;
      if (Number.isNaN(t)) {
        throw new Error(`X-Harness-Now ${JSON.stringify(header)} is not an RFC 3339 time`);
      }
      offsetMs = t - Date.now();
    },
  };
}
