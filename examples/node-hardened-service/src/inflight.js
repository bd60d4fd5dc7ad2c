// The attempts in flight in this process, by call and slot. The claim row is what
// serialises one call's attempts across processes (its unique index); this registry lets
// attempts in this process wait for each other instead of racing to the same row, lets a
// rival wait for a claim that may still fail, keeps the sweeper off a claim an attempt is
// working on, and lets the webhook receiver hand an attempt the booking Cal.com reported
// while the attempt's own answer is still out.

/**
 * The registry key of a call's slot.
 * @param {string} callId @param {number} eventTypeId @param {Date} start
 */
export function slotKey(callId, eventTypeId, start) {
  return `${callId}|${eventTypeId}|${start.toISOString()}`;
}

/**
 * @typedef {object} Entry
 * @property {Promise<void>} done resolves when the holder leaves
 * @property {() => void} resolve
 * @property {string | null} hint a booking uid a webhook named for this call and slot
 * @property {boolean} sealed the holder has read its hint; later ones are not handed over
 */

/**
 * @typedef {object} Handle
 * @property {() => void} leave
 * @property {() => string | null} takeHint reads (once) the booking a webhook named meanwhile
 */

export function createRegistry() {
  /** @type {Map<string, Entry>} */
  const held = new Map();

  /** @param {string} key @returns {Handle} */
  const hold = (key) => {
    /** @type {() => void} */
    let resolve = () => {};
    const done = new Promise((r) => { resolve = r; });
    /** @type {Entry} */
    const e = { done, resolve, hint: null, sealed: false };
    held.set(key, e);
    return {
      leave() {
        held.delete(key);
        e.resolve();
      },
      takeHint() {
        e.sealed = true;
        return e.hint;
      },
    };
  };

  return {
    /** Holds key, waiting first for whoever holds it. @param {string} key @returns {Promise<Handle>} */
    async enter(key) {
      for (let e = held.get(key); e; e = held.get(key)) {
        await e.done;
      }
      return hold(key);
    },
    /** Holds key if nobody does. @param {string} key @returns {Handle | null} */
    tryEnter(key) {
      return held.has(key) ? null : hold(key);
    },
    /** What to wait for while key is held; null when it is free. @param {string} key */
    running(key) {
      return held.get(key)?.done ?? null;
    },
    /**
     * Gives the holder of key the booking uid a webhook named: 'handed' when the holder will
     * read it, 'sealed' when it has read its hint already, 'free' when nobody holds key.
     * @param {string} key @param {string} uid @returns {'handed' | 'sealed' | 'free'}
     */
    handOver(key, uid) {
      const e = held.get(key);
      if (!e) return 'free';
      if (e.sealed) return 'sealed';
      e.hint = uid;
      return 'handed';
    },
  };
}
