/**
 * The session-protocol client over TCP: `session-tcp` (one line at a time)
 * and `session-pipelined` (several per write).
 *
 * @module
 */

import type { WorkerSpec } from "../worker_protocol.ts";
import { type Client, closeQuietly, encoder, errorText, isDigit, sleep, writeAll } from "./_io.ts";
import type { Tally } from "./tally.ts";
import type { Watchdog, Watched } from "./watchdog.ts";

/**
 * A persistent TCP session asking `timestamp` `depth` times per write and
 * reading `depth` answer lines, each of which must start with a digit.
 *
 * @example Usage
 * ```ts
 * import { SessionClient } from "./session.ts";
 * import { Tally } from "./tally.ts";
 * import { Watchdog } from "./watchdog.ts";
 * const spec = { workload: "session-tcp", hostname: "127.0.0.1", port: 1200, clients: 1,
 *   warmupSeconds: 0, seconds: 1, timeoutMs: 2000 } as const;
 * const client = new SessionClient(spec, new Tally(), new Watchdog(2000), 1);
 * // then: if (await client.setup()) await client.run();
 * if (client.askedAt !== 0) throw new Error("nothing asked yet");
 * ```
 */
export class SessionClient implements Client, Watched {
  /** When the outstanding ask started, 0 while none is. */
  askedAt = 0;
  #conn: Deno.TcpConn | null = null;
  readonly #buffer = new Uint8Array(4096);
  readonly #request: Uint8Array;

  /**
   * @param spec Where to connect and the timeout.
   * @param tally Where answers and errors are counted.
   * @param watchdog What times asks out.
   * @param depth Lines per write.
   */
  constructor(
    readonly spec: WorkerSpec,
    readonly tally: Tally,
    readonly watchdog: Watchdog,
    readonly depth: number,
  ) {
    this.#request = encoder.encode("timestamp\n".repeat(depth));
  }

  /** Closes the session so the outstanding read fails. */
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

  /** Sends one batch and reads its answers; throws on a wrong answer, EOF or timeout. */
  async #ask(conn: Deno.TcpConn): Promise<void> {
    await writeAll(conn, this.#request);
    let lines = 0;
    let lineStart = true;
    while (lines < this.depth) {
      let count: number | null;
      try {
        count = await conn.read(this.#buffer);
      } catch (error) {
        if (this.askedAt === 0) throw new Error(`no answer within ${this.spec.timeoutMs} ms`);
        throw error;
      }
      if (count === null) throw new Error(`server closed the session after ${lines} answers`);
      for (let i = 0; i < count; i++) {
        const byte = this.#buffer[i];
        if (lineStart && !isDigit(byte)) {
          const text = new TextDecoder().decode(this.#buffer.subarray(i, Math.min(count, i + 60)));
          throw new Error(`answer is not Unix seconds: ${JSON.stringify(text)}`);
        }
        lineStart = byte === 0x0a;
        if (lineStart) lines++;
      }
    }
  }

  /** Asks until the window ends, reconnecting after an error. */
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
        await this.#ask(conn);
        this.askedAt = 0;
        this.tally.answered(t0, performance.now(), this.depth);
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
