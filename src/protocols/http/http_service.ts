/**
 * clockd's HTTP/1.1 server as a stream service: `handleConnection` runs one
 * TCP connection behind clockd's accept loop ({@linkcode TcpServer}), so a
 * flood of connections meets the loop's EMFILE backoff rather than a fatal
 * error, and any I/O engine that yields {@linkcode StreamConn}s can run it.
 *
 * Each connection reads request heads into one buffer (grown from 1 KiB to
 * at most {@linkcode MAX_HEAD_BYTES}), answers them in order through a pure
 * {@linkcode Router}, and keeps the connection alive as HTTP/1.1 allows.
 * Timeouts are enforced by one periodic sweep over the open connections, no
 * timer per connection: each connection holds one deadline, set when its
 * phase changes:
 *
 * - waiting for a request head (from the accept, or from the first byte of
 *   a later request): `headerTimeoutMs` for the whole head, then `408` and
 *   close, so bytes trickled slowly cannot hold a connection;
 * - idle between requests: `idleTimeoutMs`, then a silent close;
 * - writing a response: `writeTimeoutMs`, then close (a client that does
 *   not read).
 *
 * Past `maxConnections` open connections, or `maxConnectionsPerIp` from one
 * address, a new connection gets `503` with `Retry-After: 1` and is closed.
 *
 * Counters (the service's {@linkcode ServiceCounters}): `requests` per head
 * parsed or refused; `errors` per 4xx or 500 answer, `answers` per other
 * answer; `sessionsOpen` the connections open; `sessionsClosed` by reason:
 * `idle` (any of the three timeouts), `quit` (closed after a response that
 * ends the connection: `Connection: close`, HTTP/1.0, a malformed head),
 * `cap` (head over the size limits), `busy` (over a connection cap, also
 * counted in `refused.busy`), `peer`, `error`, `shutdown`.
 *
 * @module
 */

import { logger } from "../../ops/log.ts";
import type { ServiceCounters, SessionCloseReason } from "../../ops/counters.ts";
import { closeQuietly, isDisconnect, writeAll } from "../../io/stream_server.ts";
import type { StreamConn } from "../../io/stream.ts";
import { peerKey } from "../../admission/peer.ts";
import { SessionLimits } from "../session/session_limits.ts";
import type { Clock } from "../../time/clock.ts";
import type { Instant } from "../../time/instant.ts";
import { HTTP_DEFAULTS, type HttpServiceOptions, type Router } from "./http_service_options.ts";
import {
  findHeadEnd,
  MAX_HEAD_BYTES,
  oversizedHead,
  parseRequestHead,
  skipEmptyLines,
} from "./request_head.ts";
import { encodeResponse, type ErrorResponder, type HttpResponse, jsonError } from "./response.ts";

export { HTTP_DEFAULTS, type HttpServiceOptions, type Router } from "./http_service_options.ts";

const INITIAL_BUFFER_BYTES = 1024;
/** How long a 408 may take to write before the next sweep closes the connection anyway. */
const GOODBYE_MS = 1000;
const log = logger("http");
const latin1 = new TextDecoder("latin1");

/** What a connection is doing, which decides its deadline. */
const enum Phase {
  /** Waiting for (the rest of) a request head. */
  Head,
  /** Between requests, nothing received. */
  Idle,
  /** Writing a response. */
  Write,
  /** Timed out; a 408 is on its way. */
  Closing,
}

/** One open connection. */
class Connection {
  readonly conn: StreamConn;
  readonly key: string;
  phase = Phase.Head;
  deadline: number;
  reason: SessionCloseReason = "peer";
  /** Whether bytes of an unfinished request head are held. */
  holding = false;

  constructor(conn: StreamConn, key: string, deadline: number) {
    this.conn = conn;
    this.key = key;
    this.deadline = deadline;
  }
}

/**
 * Serves HTTP/1.1 on the connections handed to it.
 *
 * @example Usage
 * ```ts
 * import { HttpService } from "./http_service.ts";
 * import { jsonResponse } from "./response.ts";
 * import { TcpServer } from "../../io/stream_server.ts";
 * import { DenoListener } from "../../io/deno/stream.ts";
 * import { Metrics } from "../../ops/metrics.ts";
 * import { systemClock } from "../../time/clock.ts";
 * const service = new HttpService({
 *   route: (request) => jsonResponse(200, { path: request.path }),
 *   clock: systemClock,
 * });
 * const listener = new DenoListener(Deno.listen({ hostname: "127.0.0.1", port: 0 }));
 * const server = new TcpServer(listener, "http", (conn, counters) =>
 *   service.handleConnection(conn, counters), new Metrics().counter("http", "tcp"));
 * const done = server.serve();
 * const response = await fetch(`http://127.0.0.1:${server.addr.port}/x`);
 * if ((await response.json()).path !== "/x") throw new Error();
 * server.close();
 * await service.shutdown(100);
 * await done;
 * ```
 */
export class HttpService {
  readonly #route: Router;
  readonly #clock: Clock;
  readonly #errors: ErrorResponder;
  readonly #headerTimeoutMs: number;
  readonly #idleTimeoutMs: number;
  readonly #writeTimeoutMs: number;
  readonly #limits: SessionLimits;
  readonly #now: () => number;
  readonly #connections = new Set<Connection>();
  #sweepTimer: ReturnType<typeof setInterval> | null = null;
  #shuttingDown = false;
  #drainWaiters: (() => void)[] = [];

  /** @param options The router, the clock, the timeouts and the caps. */
  constructor(options: HttpServiceOptions) {
    this.#route = options.route;
    this.#clock = options.clock;
    this.#errors = options.errors ?? jsonError;
    this.#headerTimeoutMs = options.headerTimeoutMs ?? HTTP_DEFAULTS.headerTimeoutMs;
    this.#idleTimeoutMs = options.idleTimeoutMs ?? HTTP_DEFAULTS.idleTimeoutMs;
    this.#writeTimeoutMs = options.writeTimeoutMs ?? HTTP_DEFAULTS.writeTimeoutMs;
    this.#limits = new SessionLimits(
      options.maxConnections ?? HTTP_DEFAULTS.maxConnections,
      options.maxConnectionsPerIp ?? HTTP_DEFAULTS.maxConnectionsPerIp,
      options.limitsBuffer,
    );
    this.#now = options.now ?? (() => performance.now());
  }

  /** The connection counts, to share with workers. */
  get limitsBuffer(): SharedArrayBuffer {
    return this.#limits.buffer;
  }

  /** Connections open now in this isolate. */
  get open(): number {
    return this.#connections.size;
  }

  /**
   * Runs one connection to its end. Never throws for client behaviour.
   *
   * @param conn The accepted connection; closed when this returns.
   * @param counters The service's TCP counters.
   */
  async handleConnection(conn: StreamConn, counters: ServiceCounters): Promise<void> {
    const key = peerKey(conn.remoteAddr);
    if (this.#shuttingDown || !this.#limits.admit(key)) {
      counters.refused.busy++;
      counters.sessionsClosed.busy++;
      log.debug("refused {peer}: busy", { peer: key });
      const busy = encodeResponse(this.#errors(503, "server busy"), {
        head: false,
        close: true,
        readAt: this.#clock.now(),
      });
      try {
        await writeAll(conn, busy);
      } catch {
        // the client left first
      } finally {
        closeQuietly(conn);
      }
      return;
    }
    const c = new Connection(conn, key, this.#now() + this.#headerTimeoutMs);
    this.#connections.add(c);
    counters.sessionsOpen++;
    this.#startSweep();
    try {
      conn.setNoDelay(true);
      await this.#serve(c, counters);
    } catch (error) {
      if (!isDisconnect(error)) {
        c.reason = "error";
        log.warn("http connection with {peer} failed: {error}", {
          peer: key,
          error: String(error),
        });
      }
    } finally {
      this.#connections.delete(c);
      this.#limits.release(key);
      closeQuietly(conn);
      counters.sessionsOpen--;
      counters.sessionsClosed[c.reason]++;
      if (this.#connections.size === 0) {
        this.#stopSweep();
        for (const wake of this.#drainWaiters.splice(0)) wake();
      }
    }
  }

  /** The read-parse-answer loop of one connection. */
  async #serve(c: Connection, counters: ServiceCounters): Promise<void> {
    const conn = c.conn;
    let buffer = new Uint8Array(INITIAL_BUFFER_BYTES);
    let start = 0;
    let end = 0;
    while (true) {
      // Answer every complete head held, in order.
      while (true) {
        start = skipEmptyLines(buffer, start, end);
        if (start === end) {
          start = end = 0;
          c.holding = false;
          break;
        }
        const headEnd = findHeadEnd(buffer, start, end);
        if (headEnd < 0) {
          if (end - start < MAX_HEAD_BYTES) break;
          counters.requests++;
          const error = oversizedHead(latin1.decode(buffer.subarray(start, end)));
          const response = this.#errors(error.status, error.message);
          await this.#answer(c, counters, response, false, "cap");
          return;
        }
        const text = latin1.decode(buffer.subarray(start, headEnd));
        start = headEnd;
        const keepGoing = await this.#handleHead(c, counters, text);
        if (!keepGoing) return;
        if (start < end) {
          c.phase = Phase.Head;
          c.deadline = this.#now() + this.#headerTimeoutMs;
        } else {
          c.phase = Phase.Idle;
          c.deadline = this.#now() + this.#idleTimeoutMs;
        }
      }
      // Make room, then read.
      if (start > 0) {
        buffer.copyWithin(0, start, end);
        end -= start;
        start = 0;
      }
      if (end === buffer.length) {
        const grown = new Uint8Array(Math.min(buffer.length * 2, MAX_HEAD_BYTES));
        grown.set(buffer);
        buffer = grown;
      }
      let count: number | null;
      try {
        count = await conn.read(buffer.subarray(end));
      } catch (error) {
        if (isDisconnect(error)) return; // closed by the sweep, shutdown, or the peer
        throw error;
      }
      if (count === null) return;
      c.holding = true;
      if (c.phase === Phase.Idle) {
        c.phase = Phase.Head;
        c.deadline = this.#now() + this.#headerTimeoutMs;
      }
      end += count;
    }
  }

  /**
   * Parses and answers one head.
   *
   * @returns Whether the connection stays open for another request.
   */
  async #handleHead(c: Connection, counters: ServiceCounters, text: string): Promise<boolean> {
    counters.requests++;
    const receivedAt = this.#clock.now();
    const parsed = parseRequestHead(text);
    if (!parsed.ok) {
      const { status, message, close } = parsed.error;
      const response = this.#errors(status, message);
      return await this.#answer(c, counters, response, false, close ? "quit" : null, receivedAt);
    }
    const request = parsed.request;
    let response: HttpResponse;
    try {
      response = await this.#route(request, c.conn.remoteAddr, receivedAt);
    } catch (error) {
      log.warn("http route {path} failed: {error}", { path: request.path, error: String(error) });
      response = this.#errors(500, "internal error");
    }
    const close = request.keepAlive ? null : "quit";
    return await this.#answer(c, counters, response, request.method === "HEAD", close, receivedAt);
  }

  /**
   * Writes one response and counts it. `close` is why the connection
   * closes after it, or null to keep it open (unless shutting down).
   *
   * @returns Whether the connection stays open.
   */
  async #answer(
    c: Connection,
    counters: ServiceCounters,
    response: HttpResponse,
    head: boolean,
    close: SessionCloseReason | null,
    readAt: Instant = this.#clock.now(),
  ): Promise<boolean> {
    if (close === null && this.#shuttingDown) close = "shutdown";
    const status = response.status;
    if ((status >= 400 && status < 500) || status === 500) counters.errors++;
    else counters.answers++;
    c.phase = Phase.Write;
    c.deadline = this.#now() + this.#writeTimeoutMs;
    await writeAll(c.conn, encodeResponse(response, { head, close: close !== null, readAt }));
    if (close === null) return true;
    c.reason = close;
    return false;
  }

  #startSweep(): void {
    if (this.#sweepTimer !== null) return;
    const shortest = Math.min(this.#headerTimeoutMs, this.#idleTimeoutMs, this.#writeTimeoutMs);
    const period = Math.max(10, Math.min(1000, Math.floor(shortest / 4)));
    this.#sweepTimer = setInterval(() => this.sweep(), period);
  }

  #stopSweep(): void {
    if (this.#sweepTimer === null) return;
    clearInterval(this.#sweepTimer);
    this.#sweepTimer = null;
  }

  /**
   * The periodic sweep (run by a timer while connections are open; public
   * for tests with a fake `now`): closes every connection past its deadline,
   * with a 408 for one that had not finished its request head.
   */
  sweep(): void {
    const now = this.#now();
    for (const c of this.#connections) {
      if (c.deadline > now) continue;
      c.reason = "idle";
      if (c.phase !== Phase.Head) {
        closeQuietly(c.conn);
        continue;
      }
      log.debug("closing {peer}: request head timed out", { peer: c.key });
      c.phase = Phase.Closing;
      c.deadline = now + GOODBYE_MS;
      const bytes = encodeResponse(this.#errors(408, "request head timed out"), {
        head: false,
        close: true,
        readAt: this.#clock.now(),
      });
      writeAll(c.conn, bytes).catch(() => {}).finally(() => closeQuietly(c.conn));
    }
  }

  /**
   * Stops serving: new connections get 503, idle ones (and those yet to
   * send a byte) close at once, and those reading or answering a request finish it (with `Connection:
   * close`) for up to `timeoutMs`, after which they are closed.
   *
   * @param timeoutMs How long requests in flight may take.
   * @returns A promise that settles when every connection has closed.
   */
  async shutdown(timeoutMs: number): Promise<void> {
    this.#shuttingDown = true;
    for (const c of this.#connections) {
      if (c.phase === Phase.Idle || (c.phase === Phase.Head && !c.holding)) {
        c.reason = "shutdown";
        closeQuietly(c.conn);
      }
    }
    if (this.#connections.size === 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const drained = new Promise<void>((resolve) => this.#drainWaiters.push(resolve));
    await Promise.race([drained, new Promise((resolve) => timer = setTimeout(resolve, timeoutMs))]);
    clearTimeout(timer);
    for (const c of this.#connections) {
      c.reason = "shutdown";
      closeQuietly(c.conn);
    }
    if (this.#connections.size > 0) await drained;
  }
}
