/**
 * The one-shot TCP client (`daytime-tcp`): connect, read to EOF, close.
 *
 * @module
 */

import type { WorkerSpec } from "../worker_protocol.ts";
import { type Client, closeQuietly, errorText, sleep } from "./_io.ts";
import type { Tally } from "./tally.ts";
import type { Watchdog, Watched } from "./watchdog.ts";

/**
 * A one-shot TCP client: connect, read to EOF, close; the answer must not
 * be empty.
 *
 * @example Usage
 * ```ts
 * import { OneShotClient } from "./oneshot.ts";
 * import { Tally } from "./tally.ts";
 * import { Watchdog } from "./watchdog.ts";
 * const spec = { workload: "daytime-tcp", hostname: "127.0.0.1", port: 10013, clients: 1,
 *   warmupSeconds: 0, seconds: 1, timeoutMs: 2000 } as const;
 * const client = new OneShotClient(spec, new Tally(), new Watchdog(2000));
 * if (client.askedAt !== 0) throw new Error("nothing asked yet");
 * ```
 */
export class OneShotClient implements Client, Watched {
  /** When the outstanding ask started, 0 while none is. */
  askedAt = 0;
  #conn: Deno.TcpConn | null = null;
  readonly #buffer = new Uint8Array(1024);

  /**
   * @param spec Where to connect and the timeout.
   * @param tally Where answers and errors are counted.
   * @param watchdog What times asks out.
   */
  constructor(readonly spec: WorkerSpec, readonly tally: Tally, readonly watchdog: Watchdog) {}

  /** Closes the connection so the outstanding read fails. */
  expire(): void {
    closeQuietly(this.#conn);
  }

  /** Nothing to open ahead: every ask connects. */
  setup(): Promise<boolean> {
    this.watchdog.watch(this);
    return Promise.resolve(true);
  }

  async #ask(): Promise<void> {
    const conn = await Deno.connect({ hostname: this.spec.hostname, port: this.spec.port });
    this.#conn = conn;
    try {
      if (this.askedAt === 0) throw new Error(`no connection within ${this.spec.timeoutMs} ms`);
      let total = 0;
      while (true) {
        let count: number | null;
        try {
          count = await conn.read(this.#buffer);
        } catch (error) {
          if (this.askedAt === 0) throw new Error(`no EOF within ${this.spec.timeoutMs} ms`);
          throw error;
        }
        if (count === null) break;
        total += count;
      }
      if (total === 0) throw new Error("empty answer");
    } finally {
      this.#conn = null;
      closeQuietly(conn);
    }
  }

  /** Asks until the window ends. */
  async run(): Promise<void> {
    while (performance.now() < this.tally.to) {
      const t0 = performance.now();
      this.askedAt = t0;
      try {
        await this.#ask();
        this.askedAt = 0;
        this.tally.answered(t0, performance.now());
      } catch (error) {
        this.askedAt = 0;
        this.tally.fail(errorText(error));
        await sleep(1); // a refused connect fails at once: do not spin
      }
    }
  }
}
