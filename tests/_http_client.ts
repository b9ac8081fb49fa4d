/**
 * Test helpers for the HTTP service: a raw HTTP/1.1 client over one TCP
 * connection (to send exactly the bytes a test wants and read responses one
 * by one), and an {@linkcode HttpService} behind a real loopback
 * {@linkcode TcpServer} on port 0.
 *
 * @module
 */

import { DenoListener } from "../src/io/deno/stream.ts";
import { TcpServer } from "../src/io/stream_server.ts";
import type { ServiceCounters } from "../src/ops/counters.ts";
import { Metrics } from "../src/ops/metrics.ts";
import { HttpService, type HttpServiceOptions } from "../src/protocols/http/http_service.ts";

/** One response as read off the wire. */
export interface RawResponse {
  status: number;
  headers: Map<string, string>;
  body: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A raw HTTP client on one connection. */
export class RawClient implements Disposable {
  readonly conn: Deno.TcpConn;
  #held = new Uint8Array(0);
  #eof = false;

  private constructor(conn: Deno.TcpConn) {
    this.conn = conn;
  }

  /** Connects to 127.0.0.1. */
  static async connect(port: number): Promise<RawClient> {
    return new RawClient(await Deno.connect({ hostname: "127.0.0.1", port }));
  }

  /** Sends bytes or text as they are. */
  async send(data: string | Uint8Array): Promise<void> {
    const bytes = typeof data === "string" ? encoder.encode(data) : data;
    let written = 0;
    while (written < bytes.length) written += await this.conn.write(bytes.subarray(written));
  }

  /** Reads more bytes into the held buffer; false at EOF or reset. */
  async #fill(): Promise<boolean> {
    if (this.#eof) return false;
    const chunk = new Uint8Array(65_536);
    let count: number | null;
    try {
      count = await this.conn.read(chunk);
    } catch {
      count = null;
    }
    if (count === null) {
      this.#eof = true;
      return false;
    }
    const held = new Uint8Array(this.#held.length + count);
    held.set(this.#held);
    held.set(chunk.subarray(0, count), this.#held.length);
    this.#held = held;
    return true;
  }

  /**
   * Reads one response (`Content-Length` framed; no body when `head`).
   *
   * @returns The response, or null when the server closed first.
   */
  async readResponse(head = false): Promise<RawResponse | null> {
    let end: number;
    while ((end = indexOf(this.#held, "\r\n\r\n")) < 0) {
      if (!(await this.#fill())) {
        if (this.#held.length > 0) throw new Error(`truncated head: ${decoder.decode(this.#held)}`);
        return null;
      }
    }
    const lines = decoder.decode(this.#held.subarray(0, end)).split("\r\n");
    const status = Number(lines[0].split(" ")[1]);
    const headers = new Map<string, string>();
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(":");
      headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
    }
    const length = head ? 0 : Number(headers.get("content-length") ?? 0);
    while (this.#held.length < end + 4 + length) {
      if (!(await this.#fill())) throw new Error("truncated body");
    }
    const body = decoder.decode(this.#held.subarray(end + 4, end + 4 + length));
    this.#held = this.#held.slice(end + 4 + length);
    return { status, headers, body };
  }

  /**
   * Waits for the server to close, reading (and discarding) what comes.
   *
   * @returns The milliseconds it took, or null if still open after `timeoutMs`.
   */
  async closedWithin(timeoutMs: number): Promise<number | null> {
    const start = performance.now();
    const timer = setTimeout(() => this.close(), timeoutMs);
    try {
      while (await this.#fill()) { /* discard */ }
    } finally {
      clearTimeout(timer);
    }
    const elapsed = performance.now() - start;
    return elapsed >= timeoutMs - 1 ? null : elapsed;
  }

  /** Bytes held that no response has consumed. */
  get held(): string {
    return decoder.decode(this.#held);
  }

  close(): void {
    try {
      this.conn.close();
    } catch {
      // closed already
    }
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

function indexOf(bytes: Uint8Array, text: string): number {
  const needle = encoder.encode(text);
  outer: for (let i = 0; i + needle.length <= bytes.length; i++) {
    for (let j = 0; j < needle.length; j++) if (bytes[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** An HttpService on a loopback TcpServer. */
export interface TestServer extends AsyncDisposable {
  readonly port: number;
  readonly service: HttpService;
  readonly counters: ServiceCounters;
  readonly metrics: Metrics;
}

/**
 * Starts an HttpService behind a TcpServer on 127.0.0.1, port 0.
 *
 * @param options The service's options.
 * @returns The running server; dispose of it to stop it.
 */
export function startTestServer(options: HttpServiceOptions): TestServer {
  const metrics = new Metrics();
  const counters = metrics.counter("http", "tcp");
  const service = new HttpService(options);
  const listener = new DenoListener(Deno.listen({ hostname: "127.0.0.1", port: 0 }));
  const server = new TcpServer(
    listener,
    "http",
    (conn, c) => service.handleConnection(conn, c),
    counters,
  );
  const serving = server.serve();
  return {
    port: server.addr.port,
    service,
    counters,
    metrics,
    async [Symbol.asyncDispose]() {
      server.close();
      await service.shutdown(100);
      await server.closeConnections();
      await serving;
    },
  };
}

/** Waits until `check` is true, polling every 10 ms, for at most `timeoutMs`. */
export async function eventually(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > until) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
