/**
 * The `idle` workload's sessions: each asks once when opened, stays
 * silent, and asks once more; and the bounded concurrency that opens them.
 *
 * @module
 */

import type { WorkerSpec } from "../worker_protocol.ts";
import { closeQuietly, encoder, errorText, isDigit, writeAll } from "./_io.ts";
import type { Tally } from "./tally.ts";
import type { Watched } from "./watchdog.ts";

/** How long an `idle` ask may take: 10,000 sessions waking at once queue behind each other. */
export const IDLE_TIMEOUT_MS = 10_000;

/**
 * An `idle` session: asks once at setup, then once more on `go`.
 *
 * @example Usage
 * ```ts
 * import { IdleSession } from "./idle.ts";
 * import { Tally } from "./tally.ts";
 * const spec = { workload: "idle", hostname: "127.0.0.1", port: 1200, clients: 1,
 *   warmupSeconds: 0, seconds: 1, timeoutMs: 2000 } as const;
 * const session = new IdleSession(spec, new Tally());
 * if (session.held) throw new Error("not opened yet");
 * ```
 */
export class IdleSession implements Watched {
  /** When the outstanding ask started, 0 while none is. */
  askedAt = 0;
  #conn: Deno.TcpConn | null = null;
  #failed = false;
  static readonly request: Uint8Array = encoder.encode("timestamp\n");

  /**
   * @param spec Where to connect.
   * @param tally Where answers and errors are counted.
   */
  constructor(readonly spec: WorkerSpec, readonly tally: Tally) {}

  /** Closes the session so the outstanding read fails. */
  expire(): void {
    closeQuietly(this.#conn);
  }

  /** Whether the session is open and has answered every ask so far. */
  get held(): boolean {
    return this.#conn !== null && !this.#failed;
  }

  /** Connects and asks; true when answered. */
  async open(): Promise<boolean> {
    try {
      this.#conn = await Deno.connect({ hostname: this.spec.hostname, port: this.spec.port });
    } catch (error) {
      this.#fail(`connect: ${errorText(error)}`);
      return false;
    }
    return await this.ask();
  }

  /** Asks once on the open session; true when answered. */
  async ask(): Promise<boolean> {
    const conn = this.#conn;
    if (conn === null || this.#failed) return false;
    const t0 = performance.now();
    this.askedAt = t0;
    try {
      await writeAll(conn, IdleSession.request);
      const buffer = new Uint8Array(64);
      let text = "";
      while (!text.includes("\n")) {
        const count = await conn.read(buffer);
        if (count === null) throw new Error("server closed the idle session");
        text += new TextDecoder().decode(buffer.subarray(0, count));
      }
      if (!isDigit(text.charCodeAt(0))) throw new Error(`answer is not Unix seconds: ${text}`);
      this.askedAt = 0;
      this.tally.answered(t0, performance.now());
      return true;
    } catch (error) {
      const late = this.askedAt === 0;
      this.askedAt = 0;
      this.#fail(late ? `no answer within ${IDLE_TIMEOUT_MS} ms` : errorText(error));
      return false;
    }
  }

  #fail(message: string): void {
    if (this.#failed) return;
    this.#failed = true;
    this.tally.fail(message);
    closeQuietly(this.#conn);
  }

  /** Closes the session. */
  close(): void {
    closeQuietly(this.#conn);
  }
}

/**
 * Runs `task` over `items` with at most `limit` running at once.
 *
 * @param items The items.
 * @param limit The most tasks at once.
 * @param task What to do with each.
 *
 * @example Usage
 * ```ts
 * import { forEachLimited } from "./idle.ts";
 * let running = 0, most = 0;
 * await forEachLimited([1, 2, 3, 4, 5], 2, async () => {
 *   most = Math.max(most, ++running);
 *   await Promise.resolve();
 *   running--;
 * });
 * if (most !== 2) throw new Error(String(most));
 * ```
 */
export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await task(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
