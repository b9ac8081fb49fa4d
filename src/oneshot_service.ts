/**
 * The one-shot services: on connect (TCP) or per datagram (UDP), send one
 * payload computed from now, and close. RFC 867 daytime sends a line, RFC 868
 * time sends 4 bytes. Input is ignored; a client that never reads cannot hold
 * the server: the payload fits the socket buffer, and a write that still
 * cannot finish within {@linkcode ONESHOT_WRITE_TIMEOUT_MS} closes the
 * connection.
 *
 * @module
 */

import type { Clock } from "./clock.ts";
import type { Instant } from "./instant.ts";
import type { ServiceCounters } from "./metrics.ts";
import { closeQuietly, writeAll } from "./tcp_server.ts";

/** The longest a one-shot write may take before the connection is closed. */
export const ONESHOT_WRITE_TIMEOUT_MS = 5000;

/**
 * A service answering every connection and datagram with one payload. A
 * payload of whole-second resolution is cached for its second.
 *
 * @example Usage
 * ```ts
 * import { OneShotService } from "./oneshot_service.ts";
 * import { fixedClock } from "./clock.ts";
 * import { encodeRfc868 } from "./rfc868.ts";
 * const time = new OneShotService(fixedClock({ seconds: 0, nanos: 0 }), encodeRfc868);
 * if (time.handleDatagram().join() !== "131,170,126,128") throw new Error();
 * ```
 */
export class OneShotService {
  readonly #clock: Clock;
  readonly #render: (now: Instant) => Uint8Array;
  readonly #wholeSeconds: boolean;
  #second = NaN;
  #payload: Uint8Array = new Uint8Array(0);

  /**
   * @param clock Where "now" comes from.
   * @param render The payload for an instant.
   * @param wholeSeconds Whether the payload changes only once a second (then it is cached).
   */
  constructor(clock: Clock, render: (now: Instant) => Uint8Array, wholeSeconds = true) {
    this.#clock = clock;
    this.#render = render;
    this.#wholeSeconds = wholeSeconds;
  }

  /** The payload for now. */
  payload(): Uint8Array {
    const now = this.#clock.now();
    if (!this.#wholeSeconds) return this.#render(now);
    if (now.seconds !== this.#second) {
      this.#payload = this.#render(now);
      this.#second = now.seconds;
    }
    return this.#payload;
  }

  /**
   * Sends the payload on a new connection, then closes it.
   *
   * @param conn The accepted connection.
   * @param counters Counts the request, and the answer or the error.
   */
  async handleConnection(conn: Deno.TcpConn, counters: ServiceCounters): Promise<void> {
    counters.requests++;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const written = await Promise.race([
        writeAll(conn, this.payload()).then(() => true),
        new Promise<false>((resolve) =>
          timer = setTimeout(resolve, ONESHOT_WRITE_TIMEOUT_MS, false)
        ),
      ]);
      if (written) counters.answers++;
      else counters.errors++;
    } catch {
      counters.errors++;
    } finally {
      clearTimeout(timer);
      closeQuietly(conn);
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
