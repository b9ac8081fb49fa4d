/**
 * A connection from a trusted load balancer (`--proxy-protocol`): its PROXY
 * header read first, within {@linkcode PROXY_HEADER_TIMEOUT_MS}, then the
 * connection handed on as a {@linkcode StreamConn} whose `remoteAddr` is the
 * client the header names and whose first reads return any bytes that
 * arrived with the header. Admission, the per-address limits, the logs and
 * every service see the client, never the balancer.
 *
 * @module
 */

import { parseProxyHeader, PROXY_HEADER_MAX_BYTES } from "../admission/proxy_header.ts";
import type { ReadableListener, StreamConn } from "./stream.ts";

/**
 * How long a trusted peer has to send its whole PROXY header (ms): the
 * spec's "a few seconds (at least 3 seconds to cover a TCP retransmit)".
 */
export const PROXY_HEADER_TIMEOUT_MS = 3000;

/**
 * A connection seen through its PROXY header: the client's address, and the
 * bytes read past the header replayed before anything else is read.
 *
 * @example Usage
 * ```ts
 * import { ProxiedConn } from "./proxied_conn.ts";
 * import type { StreamConn } from "./stream.ts";
 * const balancer: StreamConn = {
 *   read: () => Promise.resolve(null),
 *   whenReadable: (listener) => queueMicrotask(() => listener.onReadable()),
 *   tryRead: () => null,
 *   write: (bytes) => Promise.resolve(bytes.length),
 *   tryWrite: () => 0,
 *   close() {},
 *   setNoDelay() {},
 *   remoteAddr: { transport: "tcp", hostname: "10.0.0.2", port: 40000 },
 * };
 * const client = { transport: "tcp", hostname: "192.0.2.7", port: 5000 } as const;
 * const conn = new ProxiedConn(balancer, client, new TextEncoder().encode("now\n"));
 * const buffer = new Uint8Array(16);
 * if (conn.remoteAddr.hostname !== "192.0.2.7" || await conn.read(buffer) !== 4) throw new Error();
 * if (await conn.read(buffer) !== null) throw new Error("then the connection's own end");
 * ```
 */
export class ProxiedConn implements StreamConn {
  /** The client the header names (or the connection's own peer for LOCAL). */
  readonly remoteAddr: Deno.NetAddr;
  readonly #conn: StreamConn;
  #replay: Uint8Array;

  /**
   * @param conn The connection from the balancer, its header read.
   * @param remoteAddr The client.
   * @param replay Bytes read past the header, returned by the first reads.
   */
  constructor(conn: StreamConn, remoteAddr: Deno.NetAddr, replay: Uint8Array) {
    this.#conn = conn;
    this.remoteAddr = remoteAddr;
    this.#replay = replay;
  }

  /**
   * Reads the replayed bytes first, then from the connection.
   *
   * @param buffer Where the bytes go.
   * @returns How many bytes arrived, or null at the end of the stream.
   */
  read(buffer: Uint8Array): Promise<number | null> {
    if (this.#replay.length === 0) return this.#conn.read(buffer);
    return Promise.resolve(this.#takeReplay(buffer));
  }

  /**
   * Tells `listener` soon while replayed bytes remain, then as the connection does.
   *
   * @param listener Called once.
   */
  whenReadable(listener: ReadableListener): void {
    if (this.#replay.length === 0) this.#conn.whenReadable(listener);
    else queueMicrotask(() => listener.onReadable());
  }

  /**
   * Reads the replayed bytes first, then what the connection has now.
   *
   * @param buffer Where the bytes go.
   * @returns How many bytes arrived (0: none yet), or null at the end of the stream.
   */
  tryRead(buffer: Uint8Array): number | null {
    if (this.#replay.length === 0) return this.#conn.tryRead(buffer);
    return this.#takeReplay(buffer);
  }

  #takeReplay(buffer: Uint8Array): number {
    const count = Math.min(buffer.length, this.#replay.length);
    buffer.set(this.#replay.subarray(0, count));
    this.#replay = this.#replay.subarray(count);
    return count;
  }

  /**
   * Writes to the connection.
   *
   * @param bytes What to write.
   * @returns How many bytes were taken.
   */
  write(bytes: Uint8Array): Promise<number> {
    return this.#conn.write(bytes);
  }

  /**
   * Writes what the connection takes now.
   *
   * @param bytes What to write.
   * @returns How many bytes were taken (0: none now).
   */
  tryWrite(bytes: Uint8Array): number {
    return this.#conn.tryWrite(bytes);
  }

  /** Closes the connection. */
  close(): void {
    this.#conn.close();
  }

  /**
   * Turns Nagle's algorithm off (true) or on.
   *
   * @param noDelay Whether small writes go out at once.
   */
  setNoDelay(noDelay?: boolean): void {
    this.#conn.setNoDelay(noDelay);
  }
}

/**
 * Reads a connection's PROXY header, version 1 or 2, within `timeoutMs`.
 * Never reads more than {@linkcode PROXY_HEADER_MAX_BYTES}; a connection that
 * ends, stays silent, or sends anything but a valid header is refused (the
 * caller closes it).
 *
 * @param conn The connection from a trusted balancer.
 * @param timeoutMs How long the whole header may take (the connection is closed then).
 * @returns The connection as the client's, or why it is refused.
 *
 * @example Usage
 * ```ts
 * import { readProxyHeader } from "./proxied_conn.ts";
 * import type { StreamConn } from "./stream.ts";
 * const bytes = new TextEncoder().encode("PROXY TCP4 192.0.2.7 10.0.0.1 5000 1200\r\nnow\n");
 * const balancer: StreamConn = {
 *   async read(buffer) {
 *     buffer.set(bytes);
 *     return bytes.length;
 *   },
 *   whenReadable: (listener) => queueMicrotask(() => listener.onReadable()),
 *   tryRead: () => null,
 *   write: (b) => Promise.resolve(b.length),
 *   tryWrite: () => 0,
 *   close() {},
 *   setNoDelay() {},
 *   remoteAddr: { transport: "tcp", hostname: "10.0.0.2", port: 40000 },
 * };
 * const conn = await readProxyHeader(balancer, 3000);
 * if (typeof conn === "string" || conn.remoteAddr.hostname !== "192.0.2.7") throw new Error();
 * ```
 */
export async function readProxyHeader(
  conn: StreamConn,
  timeoutMs: number,
): Promise<StreamConn | string> {
  const buffer = new Uint8Array(PROXY_HEADER_MAX_BYTES);
  let end = 0;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      conn.close();
    } catch {
      // closed already
    }
  }, timeoutMs);
  try {
    while (true) {
      let count: number | null;
      try {
        count = await conn.read(buffer.subarray(end));
      } catch (error) {
        if (timedOut) return `no PROXY header within ${timeoutMs} ms`;
        throw error;
      }
      if (count === null) return "closed before a whole PROXY header";
      end += count;
      const header = parseProxyHeader(buffer.subarray(0, end));
      if (header.status === "incomplete") {
        // The parser decides within PROXY_HEADER_MAX_BYTES; a full buffer is a bug, not a wait.
        if (end === buffer.length) return "a PROXY header longer than clockd reads";
        continue;
      }
      if (header.status === "invalid") return header.reason;
      const client = header.status === "proxied" ? header.source : conn.remoteAddr;
      return new ProxiedConn(conn, client, buffer.subarray(header.length, end));
    }
  } finally {
    clearTimeout(timer);
  }
}
