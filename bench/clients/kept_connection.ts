/**
 * The closed loop of a client that keeps one TCP connection open and asks
 * on it again and again (the session and HTTP clients): connect, ask, count
 * the answers, reconnect after an error or when the server is done with
 * the connection.
 *
 * @module
 */

import type { WorkerSpec } from "../worker_protocol.ts";
import { type Client, closeQuietly, errorText, sleep } from "./_io.ts";
import type { Tally } from "./tally.ts";
import type { Watchdog, Watched } from "./watchdog.ts";

/** What one ask on a kept connection gave. */
export interface KeptAsk {
  /** Answers it counts for (a pipelined batch counts each line). */
  readonly answers: number;
  /** Whether the connection may be asked again. */
  readonly keep: boolean;
}

/**
 * A client asking on one kept TCP connection; a subclass says how to ask
 * once ({@linkcode KeptConnectionClient.ask}).
 *
 * @example Usage
 * ```ts
 * import { type KeptAsk, KeptConnectionClient } from "./kept_connection.ts";
 * import { Tally } from "./tally.ts";
 * import { Watchdog } from "./watchdog.ts";
 * class Nothing extends KeptConnectionClient {
 *   ask(): Promise<KeptAsk> {
 *     return Promise.resolve({ answers: 1, keep: true });
 *   }
 * }
 * const spec = { workload: "session-tcp", hostname: "127.0.0.1", port: 1200, clients: 1,
 *   warmupSeconds: 0, seconds: 1, timeoutMs: 2000 } as const;
 * if (new Nothing(spec, new Tally(), new Watchdog(2000)).askedAt !== 0) throw new Error();
 * ```
 */
export abstract class KeptConnectionClient implements Client, Watched {
  /** When the outstanding ask started, 0 while none is. */
  askedAt = 0;
  #conn: Deno.TcpConn | null = null;

  /**
   * @param spec Where to connect and the timeout.
   * @param tally Where answers and errors are counted.
   * @param watchdog What times asks out.
   */
  constructor(readonly spec: WorkerSpec, readonly tally: Tally, readonly watchdog: Watchdog) {}

  /**
   * Asks once on `conn` and reads the whole answer; throws on a wrong
   * answer, the end of the stream or a timeout.
   *
   * @param conn The kept connection.
   * @returns How many answers it counts for, and whether to keep the connection.
   */
  abstract ask(conn: Deno.TcpConn): Promise<KeptAsk>;

  /** The error for a read that failed: a timeout when the watchdog expired the ask. */
  readFailure(error: unknown): Error {
    if (this.askedAt === 0) return new Error(`no answer within ${this.spec.timeoutMs} ms`);
    return error instanceof Error ? error : new Error(String(error));
  }

  /** Closes the connection so the outstanding read fails. */
  expire(): void {
    closeQuietly(this.#conn);
  }

  /** Connects. */
  async setup(): Promise<boolean> {
    this.watchdog.watch(this);
    try {
      this.#conn = await Deno.connect({ hostname: this.spec.hostname, port: this.spec.port });
      this.#conn.setNoDelay(true);
      return true;
    } catch (error) {
      this.tally.fail(`connect: ${errorText(error)}`);
      return false;
    }
  }

  /** Asks until the window ends, reconnecting after an error or when the server closes. */
  async run(): Promise<void> {
    while (performance.now() < this.tally.to) {
      if (this.#conn === null && !(await this.setup())) {
        await sleep(10);
        continue;
      }
      const conn = this.#conn!;
      const t0 = performance.now();
      this.askedAt = t0;
      try {
        const { answers, keep } = await this.ask(conn);
        this.askedAt = 0;
        this.tally.answered(t0, performance.now(), answers);
        if (!keep) {
          closeQuietly(conn);
          this.#conn = null;
        }
      } catch (error) {
        this.askedAt = 0;
        this.tally.fail(errorText(error));
        closeQuietly(conn);
        this.#conn = null;
      }
    }
    closeQuietly(this.#conn);
  }
}
