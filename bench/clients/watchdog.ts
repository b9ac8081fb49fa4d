/**
 * Timeouts for every client of a load process with one periodic sweep,
 * instead of a timer per ask.
 *
 * @module
 */

const WATCHDOG_PERIOD_MS = 50;

/** A client the watchdog watches. */
export interface Watched {
  /** When the outstanding ask started (performance.now() ms), 0 while none is. */
  askedAt: number;
  /** Ends the outstanding ask (closes its socket) so the client sees an error. */
  expire(): void;
}

/**
 * One sweep every 50 ms: a client whose ask is older than the timeout has
 * `askedAt` reset to 0 (how it tells a timeout from another error) and is
 * expired.
 *
 * @example Usage
 * ```ts
 * import { Watchdog } from "./watchdog.ts";
 * const watchdog = new Watchdog(1);
 * const client = { askedAt: performance.now() - 10, expire() {} };
 * watchdog.watch(client);
 * await new Promise((resolve) => setTimeout(resolve, 120));
 * watchdog.stop();
 * if (client.askedAt !== 0) throw new Error("expired");
 * ```
 */
export class Watchdog {
  readonly #watched = new Set<Watched>();
  readonly #timeoutMs: number;
  #timer: ReturnType<typeof setInterval> | null = null;

  /** @param timeoutMs How old an ask may get, ms. */
  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
  }

  /**
   * Watches a client until {@linkcode Watchdog.stop}.
   *
   * @param client The client.
   */
  watch(client: Watched): void {
    this.#watched.add(client);
    this.#timer ??= setInterval(() => this.#sweep(), WATCHDOG_PERIOD_MS);
  }

  #sweep(): void {
    const late = performance.now() - this.#timeoutMs;
    for (const client of this.#watched) {
      if (client.askedAt !== 0 && client.askedAt < late) {
        client.askedAt = 0;
        client.expire();
      }
    }
  }

  /** Stops sweeping. */
  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }
}
