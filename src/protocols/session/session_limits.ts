/**
 * Admission control for TCP sessions: at most so many open at once, and at
 * most so many from one address. The counters live in a SharedArrayBuffer
 * and change with atomic operations, so every worker of a process enforces
 * the same limits: with `--workers N`, `--max-sessions` still counts the whole
 * process and `--max-sessions-per-ip` a client's sessions on every worker.
 *
 * Per-address counts are kept in {@linkcode ADDRESS_SLOTS} slots chosen by a
 * hash of the address, so memory is fixed whatever the clients. Two addresses
 * sharing a slot share its count: that can only refuse a session early (for
 * about one address pair in 65,536), never admit one past the limit.
 *
 * @module
 */

/** Slots of the per-address table. */
export const ADDRESS_SLOTS = 65_536;

/**
 * Counts open sessions, in total and per address.
 *
 * @example Usage
 * ```ts
 * import { SessionLimits } from "./session_limits.ts";
 * const limits = new SessionLimits(10, 1);
 * if (!limits.admit("192.0.2.1") || limits.admit("192.0.2.1")) throw new Error();
 * limits.release("192.0.2.1");
 * if (!limits.admit("192.0.2.1")) throw new Error();
 * ```
 */
export class SessionLimits {
  /** The shared counters: [0] the total, [1 + slot] per address. Pass it to workers. */
  readonly buffer: SharedArrayBuffer;
  #max: number;
  #maxPerKey: number;
  readonly #counts: Int32Array;

  /**
   * @param max Most sessions open at once.
   * @param maxPerKey Most sessions open at once from one address.
   * @param buffer Counters shared with other workers; new ones when omitted.
   */
  constructor(max: number, maxPerKey: number, buffer?: SharedArrayBuffer) {
    this.#max = max;
    this.#maxPerKey = maxPerKey;
    this.buffer = buffer ?? new SharedArrayBuffer((1 + ADDRESS_SLOTS) * 4);
    this.#counts = new Int32Array(this.buffer);
  }

  /**
   * Changes both limits (a reload): sessions open beyond a lowered limit
   * stay; new ones wait until the count is under it.
   *
   * @param max Most sessions open at once.
   * @param maxPerKey Most sessions open at once from one address.
   */
  setLimits(max: number, maxPerKey: number): void {
    this.#max = max;
    this.#maxPerKey = maxPerKey;
  }

  /** Sessions open now, in the whole process. */
  get open(): number {
    return Atomics.load(this.#counts, 0);
  }

  /**
   * Admits a session if both limits allow it; counts it until `release`.
   *
   * @param key The peer's address.
   * @returns Whether the session may open.
   */
  admit(key: string): boolean {
    const counts = this.#counts;
    if (Atomics.add(counts, 0, 1) >= this.#max) {
      Atomics.sub(counts, 0, 1);
      return false;
    }
    const slot = 1 + slotOf(key);
    if (Atomics.add(counts, slot, 1) >= this.#maxPerKey) {
      Atomics.sub(counts, slot, 1);
      Atomics.sub(counts, 0, 1);
      return false;
    }
    return true;
  }

  /**
   * Ends a session admitted earlier.
   *
   * @param key The peer's address, as given to `admit`.
   */
  release(key: string): void {
    Atomics.sub(this.#counts, 1 + slotOf(key), 1);
    Atomics.sub(this.#counts, 0, 1);
  }
}

/** FNV-1a of the address, folded to a slot. */
function slotOf(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % ADDRESS_SLOTS;
}
