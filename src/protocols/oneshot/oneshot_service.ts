/**
 * The one-shot services: on connect (TCP) or per datagram (UDP), send one
 * payload computed from now, and close. RFC 867 daytime sends a line, RFC 868
 * time sends 4 bytes. Input is ignored; a client that never reads cannot hold
 * the server: the payload fits the socket buffer, and a write that still
 * cannot finish within {@linkcode ONESHOT_WRITE_TIMEOUT_MS} is closed by a
 * once-a-second sweep (no timer per connection).
 *
 * @module
 */

import type { Clock } from "../../time/clock.ts";
import type { Instant } from "../../time/instant.ts";
import type { ServiceCounters } from "../../ops/counters.ts";
import { closeQuietly, type ConnectionEnded, writeAll } from "../../io/stream_server.ts";
import type { StreamConn } from "../../io/stream.ts";

/** The longest a one-shot write may take before the connection is closed. */
export const ONESHOT_WRITE_TIMEOUT_MS = 5000;

/**
 * A service answering every connection and datagram with one payload. A
 * payload of whole-second resolution is cached for its second.
 *
 * @example Usage
 * ```ts
 * import { OneShotService } from "./oneshot_service.ts";
 * import { fixedClock } from "../../time/clock.ts";
 * import { encodeRfc868 } from "./rfc868.ts";
 * const time = new OneShotService(fixedClock({ seconds: 0, nanos: 0 }), encodeRfc868);
 * if (time.handleDatagram().join() !== "131,170,126,128") throw new Error();
 * ```
 */
export class OneShotService {
  readonly #clock: Clock;
  readonly #render: (now: Instant) => Uint8Array;
  readonly #wholeSeconds: boolean;
  readonly #writeTimeoutMs: number;
  #second = NaN;
  /** Connections whose write is under way, with when it started (ms). */
  readonly #writing = new Map<StreamConn, number>();
  #sweep: ReturnType<typeof setInterval> | null = null;
  #payload: Uint8Array = new Uint8Array(0);

  /**
   * @param clock Where "now" comes from.
   * @param render The payload for an instant.
   * @param wholeSeconds Whether the payload changes only once a second (then it is cached).
   * @param writeTimeoutMs The longest a write may wait before its connection is closed.
   */
  constructor(
    clock: Clock,
    render: (now: Instant) => Uint8Array,
    wholeSeconds = true,
    writeTimeoutMs = ONESHOT_WRITE_TIMEOUT_MS,
  ) {
    this.#clock = clock;
    this.#render = render;
    this.#wholeSeconds = wholeSeconds;
    this.#writeTimeoutMs = writeTimeoutMs;
  }

  /** The payload for now. */
  payload(): Uint8Array {
    if (!this.#wholeSeconds) return this.#render(this.#clock.now());
    // The clock is read in full only when the second has changed.
    if (this.#clock.seconds() !== this.#second) {
      const now = this.#clock.now();
      this.#payload = this.#render(now);
      this.#second = now.seconds;
    }
    return this.#payload;
  }

  /**
   * Sends the payload on a new connection, then closes it. With `ended`, the
   * usual case (the socket takes the whole payload at once) is done before
   * this returns, with no promise; otherwise the write goes on and the
   * returned promise settles when the connection is done.
   *
   * @param conn The accepted connection.
   * @param counters Counts the request, and the answer or the error.
   * @param ended Told of the end when it comes before this returns.
   * @returns Nothing when done (and `ended` told), or the write under way.
   */
  handleConnection(
    conn: StreamConn,
    counters: ServiceCounters,
    ended?: ConnectionEnded,
  ): Promise<void> | void {
    counters.requests++;
    const payload = this.payload();
    if (ended === undefined) return this.#write(conn, payload, counters);
    let written: number;
    try {
      written = conn.tryWrite(payload);
    } catch {
      counters.errors++; // the peer left already
      closeQuietly(conn);
      return ended(conn);
    }
    if (written < payload.length) return this.#write(conn, payload.subarray(written), counters);
    counters.answers++;
    closeQuietly(conn);
    ended(conn);
  }

  /** Writes `bytes` as the socket takes them, within the bound, then closes. */
  async #write(conn: StreamConn, bytes: Uint8Array, counters: ServiceCounters): Promise<void> {
    // The rare write that waits is bounded by one shared sweep, not a timer each.
    this.#writing.set(conn, performance.now());
    if (this.#sweep === null) {
      const period = Math.min(1000, Math.max(10, this.#writeTimeoutMs / 4));
      this.#sweep = setInterval(() => this.#closeStuck(), period);
    }
    try {
      await writeAll(conn, bytes);
      counters.answers++;
    } catch {
      counters.errors++; // the peer left, or the sweep closed a stuck write
    } finally {
      this.#writing.delete(conn);
      closeQuietly(conn);
    }
  }

  /** Closes connections whose write has waited longer than the bound. */
  #closeStuck(): void {
    const deadline = performance.now() - this.#writeTimeoutMs;
    for (const [conn, startedAt] of this.#writing) {
      if (startedAt <= deadline) closeQuietly(conn);
    }
    if (this.#writing.size === 0) {
      clearInterval(this.#sweep!);
      this.#sweep = null;
    }
  }

  /**
   * Answers a datagram, whatever it holds.
   *
   * @returns The payload.
   */
  handleDatagram(): Uint8Array {
    return this.payload();
  }
}
