/**
 * The `http-json` client: keep-alive HTTP/1.1 GETs of worldtimeapi-style
 * JSON, one at a time per connection.
 *
 * @module
 */

import type { WorkerSpec } from "../worker_protocol.ts";
import { encoder, writeAll } from "./_io.ts";
import { type KeptAsk, KeptConnectionClient } from "./kept_connection.ts";
import {
  checkWorldTimeAnswer,
  type HttpResponseHead,
  parseHttpResponseHead,
} from "./http_response.ts";
import type { Tally } from "./tally.ts";
import type { Watchdog } from "./watchdog.ts";

/** The path `http-json` asks for. */
export const HTTP_JSON_PATH = "/api/timezone/Europe/Paris";

/** The most bytes a response may have, head and body. */
const MAX_RESPONSE_BYTES = 16 * 1024;

/**
 * A keep-alive connection asking `GET /api/timezone/Europe/Paris` and
 * reading the whole response (its `Content-Length`) before asking again;
 * every answer must be status 200 with `utc_datetime` in its JSON. It
 * reconnects when the server says `Connection: close` (not an error) or
 * after an error.
 *
 * @example Usage
 * ```ts
 * import { HttpClient } from "./http.ts";
 * import { Tally } from "./tally.ts";
 * import { Watchdog } from "./watchdog.ts";
 * const spec = { workload: "http-json", hostname: "127.0.0.1", port: 8080, clients: 1,
 *   warmupSeconds: 0, seconds: 1, timeoutMs: 2000 } as const;
 * const client = new HttpClient(spec, new Tally(), new Watchdog(2000));
 * if (client.askedAt !== 0) throw new Error("nothing asked yet");
 * ```
 */
export class HttpClient extends KeptConnectionClient {
  readonly #buffer = new Uint8Array(MAX_RESPONSE_BYTES);
  readonly #request: Uint8Array;

  /**
   * @param spec Where to connect and the timeout.
   * @param tally Where answers and errors are counted.
   * @param watchdog What times asks out.
   */
  constructor(spec: WorkerSpec, tally: Tally, watchdog: Watchdog) {
    super(spec, tally, watchdog);
    const host = spec.hostname.includes(":") ? `[${spec.hostname}]` : spec.hostname;
    this.#request = encoder.encode(
      `GET ${HTTP_JSON_PATH} HTTP/1.1\r\nHost: ${host}:${spec.port}\r\n` +
        "Accept: application/json\r\n\r\n",
    );
  }

  /**
   * Asks once and reads the whole response.
   *
   * @param conn The kept connection.
   * @returns One answer; keep the connection unless the server said `Connection: close`.
   */
  async ask(conn: Deno.TcpConn): Promise<KeptAsk> {
    await writeAll(conn, this.#request);
    const buffer = this.#buffer;
    let filled = 0;
    let head: HttpResponseHead | null = null;
    while (head === null || filled < head.headBytes + head.contentLength) {
      if (filled === buffer.length) throw new Error(`response over ${buffer.length} bytes`);
      let count: number | null;
      try {
        count = await conn.read(buffer.subarray(filled));
      } catch (error) {
        throw this.readFailure(error);
      }
      if (count === null) {
        throw new Error(`server closed the connection after ${filled} bytes of the response`);
      }
      filled += count;
      head ??= parseHttpResponseHead(buffer.subarray(0, filled));
    }
    const end = head.headBytes + head.contentLength;
    if (filled > end) throw new Error(`${filled - end} bytes after the response`);
    const problem = checkWorldTimeAnswer(head, buffer.subarray(head.headBytes, end));
    if (problem !== null) throw new Error(problem);
    return { answers: 1, keep: !head.close };
  }
}
