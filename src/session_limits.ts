/**
 * Admission control for TCP sessions: at most so many open at once, and at
 * most so many from one address.
 *
 * @module
 */

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
  readonly #max: number;
  readonly #maxPerKey: number;
  readonly #perKey = new Map<string, number>();
  #open = 0;

  /**
   * @param max Most sessions open at once.
   * @param maxPerKey Most sessions open at once from one address.
   */
  constructor(max: number, maxPerKey: number) {
    this.#max = max;
    this.#maxPerKey = maxPerKey;
  }

  /** Sessions open now. */
  get open(): number {
    return this.#open;
  }

  /**
   * Admits a session if both limits allow it; count it until `release`.
   *
   * @param key The peer's address.
   * @returns Whether the session may open.
   */
  admit(key: string): boolean {
    if (this.#open >= this.#max) return false;
    const count = this.#perKey.get(key) ?? 0;
    if (count >= this.#maxPerKey) return false;
    this.#perKey.set(key, count + 1);
    this.#open++;
    return true;
  }

  /**
   * Ends a session admitted earlier.
   *
   * @param key The peer's address, as given to `admit`.
   */
  release(key: string): void {
    const count = this.#perKey.get(key);
    if (count === undefined) return;
    if (count <= 1) this.#perKey.delete(key);
    else this.#perKey.set(key, count - 1);
    this.#open--;
  }
}
