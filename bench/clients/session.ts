/**
 * The session-protocol client over TCP: `session-tcp` (one line at a time)
 * and `session-pipelined` (several per write).
 *
 * @module
 */

import type { WorkerSpec } from "../worker_protocol.ts";
import { encoder, isDigit, writeAll } from "./_io.ts";
import { type KeptAsk, KeptConnectionClient } from "./kept_connection.ts";
import type { Tally } from "./tally.ts";
import type { Watchdog } from "./watchdog.ts";

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
export class SessionClient extends KeptConnectionClient {
  readonly #buffer = new Uint8Array(4096);
  readonly #request: Uint8Array;

  /**
   * @param spec Where to connect and the timeout.
   * @param tally Where answers and errors are counted.
   * @param watchdog What times asks out.
   * @param depth Lines per write.
   */
  constructor(spec: WorkerSpec, tally: Tally, watchdog: Watchdog, readonly depth: number) {
    super(spec, tally, watchdog);
    this.#request = encoder.encode("timestamp\n".repeat(depth));
  }

  /**
   * Sends one batch and reads its answers.
   *
   * @param conn The kept connection.
   * @returns `depth` answers; the session is kept.
   */
  async ask(conn: Deno.TcpConn): Promise<KeptAsk> {
    await writeAll(conn, this.#request);
    let lines = 0;
    let lineStart = true;
    while (lines < this.depth) {
      let count: number | null;
      try {
        count = await conn.read(this.#buffer);
      } catch (error) {
        throw this.readFailure(error);
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
    return { answers: this.depth, keep: true };
  }
}
