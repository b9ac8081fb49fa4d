/**
 * The one TCP accept loop every TCP service runs: connections tracked in a
 * set, the handler started per connection and not awaited, accept errors
 * (EMFILE, ENFILE, ECONNABORTED …) retried with capped exponential backoff
 * (5 ms → 1 s) and logged once per burst, and an idempotent `close()`.
 *
 * @module
 */

import { logger } from "../ops/log.ts";
import type { AcceptableListener, StreamConn, StreamListener } from "./stream.ts";
import type { RefuseReason, ServiceCounters } from "../ops/counters.ts";
import { PROXY_HEADER_TIMEOUT_MS, readProxyHeader } from "./proxied_conn.ts";

/**
 * Handles one accepted connection; it owns the connection and closes it, and
 * counts what happened in `counters`. It reports its end in one of two ways:
 * by the promise it returns, settled when it is done, or, returning nothing,
 * by calling `ended` once with the connection (and the error, if it failed).
 * The second costs nothing per connection while it is open.
 */
export type ConnectionHandler = (
  conn: StreamConn,
  counters: ServiceCounters,
  ended: ConnectionEnded,
) => Promise<void> | void;

/**
 * Reports a connection's end to its {@linkcode TcpServer}: once, after
 * closing it, with the error that ended it if it failed.
 */
export type ConnectionEnded = (conn: StreamConn, error?: unknown) => void;

/**
 * Decides, before any work, whether a new connection may be served: null to
 * serve it, or why it is refused (it is then closed at once).
 */
export type ConnectionAdmission = (remote: Deno.NetAddr) => RefuseReason | null;

/** Settings of a {@linkcode TcpServer} beyond its listener, handler and counters. */
export interface TcpServerOptions {
  /**
   * Whether a peer is a trusted load balancer (`--proxy-protocol`): its
   * connections must open with a PROXY header, whose client then stands
   * for the peer in admission and in the handler. Read per connection.
   *
   * @default {() => false}
   */
  proxied?: (remote: Deno.NetAddr) => boolean;
  /**
   * How long a trusted peer has to send its PROXY header (ms).
   *
   * @default {PROXY_HEADER_TIMEOUT_MS}
   */
  proxyHeaderTimeoutMs?: number;
}

const MIN_BACKOFF_MS = 5;
/** The least time between two "accept failed" warnings of one listener. */
const ACCEPT_WARNING_INTERVAL_MS = 10_000;
const MAX_BACKOFF_MS = 1000;
const log = logger("tcp");
const clientLog = logger("client");

/**
 * Serves one TCP listener.
 *
 * @example Usage
 * ```ts ignore
 * import { TcpServer } from "./stream_server.ts";
 * import { DenoListener } from "./deno/stream.ts";
 * const listener = new DenoListener(Deno.listen({ hostname: "127.0.0.1", port: 0 }));
 * const server = new TcpServer(listener, "echo", async (conn) => {
 *   await conn.write(new TextEncoder().encode("hello\n"));
 *   conn.close();
 * }, new Metrics().counter("echo", "tcp"));
 * const done = server.serve();
 * server.close();
 * await done;
 * ```
 */
export class TcpServer {
  readonly #listener: StreamListener;
  readonly #name: string;
  readonly #handle: ConnectionHandler;
  readonly #counters: ServiceCounters;
  readonly #admit: ConnectionAdmission;
  readonly #proxied: (remote: Deno.NetAddr) => boolean;
  readonly #proxyHeaderTimeoutMs: number;
  readonly #connections = new Set<StreamConn>();
  /** How many handlers are running, and who waits for that to reach zero. */
  #running = 0;
  #drainWaiters: (() => void)[] = [];
  #closed = false;
  /** Settles {@linkcode TcpServer.serve}'s promise. */
  #served: (() => void) | null = null;
  /** The accept backoff's timer, while backing off. */
  #backoffTimer: ReturnType<typeof setTimeout> | null = null;
  /** The current backoff (ms; 0: none), failures in this burst, when the last warnings were. */
  #backoff = 0;
  #failed = 0;
  #warnedAt = -Infinity;
  #recoveredAt = -Infinity;

  /**
   * @param listener The bound listener; the server owns it from now on.
   * @param name The service name, for logs.
   * @param handle Called once per connection.
   * @param counters The service's TCP counters, handed to `handle`.
   * @param admit Access control and rate limit, applied before `handle`
   *   (after the PROXY header, to its client, for a trusted balancer's connection).
   * @param options Which peers must send a PROXY header, and how fast.
   */
  constructor(
    listener: StreamListener,
    name: string,
    handle: ConnectionHandler,
    counters: ServiceCounters,
    admit: ConnectionAdmission = () => null,
    options: TcpServerOptions = {},
  ) {
    this.#listener = listener;
    this.#name = name;
    this.#handle = handle;
    this.#counters = counters;
    this.#admit = admit;
    this.#proxied = options.proxied ?? (() => false);
    this.#proxyHeaderTimeoutMs = options.proxyHeaderTimeoutMs ?? PROXY_HEADER_TIMEOUT_MS;
  }

  /** The bound address. */
  get addr(): Deno.NetAddr {
    return this.#listener.addr;
  }

  /**
   * Accepts until {@linkcode TcpServer.close}: every connection there when
   * the listener is acceptable, each handed to its handler at once, with no
   * promise per connection.
   *
   * @returns A promise that settles when the loop has stopped.
   */
  serve(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    const served = new Promise<void>((resolve) => this.#served = resolve);
    this.#acceptAll();
    return served;
  }

  readonly #acceptable: AcceptableListener = { onAcceptable: () => this.#acceptAll() };

  /** Takes every connection there, then waits for more (or backs off after a failure). */
  #acceptAll(): void {
    while (!this.#closed) {
      let conn: StreamConn | null;
      try {
        conn = this.#listener.tryAccept();
        if (conn === null) {
          this.#listener.whenAcceptable(this.#acceptable);
          return;
        }
      } catch (error) {
        if (this.#closed || error instanceof Deno.errors.BadResource) break;
        this.#backOff(error);
        return;
      }
      if (this.#backoff !== 0) this.#recovered();
      this.#track(conn);
    }
    this.#stop();
  }

  /**
   * After a failed accept (EMFILE, ENFILE …): try again after a capped
   * exponential backoff (5 ms → 1 s), warning once per burst.
   */
  #backOff(error: unknown): void {
    this.#backoff = this.#backoff === 0
      ? MIN_BACKOFF_MS
      : Math.min(this.#backoff * 2, MAX_BACKOFF_MS);
    this.#failed++;
    // Descriptors free up one at a time, so accept may alternate between
    // success and failure: warn once per burst, at most every 10 s.
    if (performance.now() - this.#warnedAt >= ACCEPT_WARNING_INTERVAL_MS) {
      this.#warnedAt = performance.now();
      log.warn("{service}: accept failed, backing off: {error}", {
        service: this.#name,
        error: String(error),
      });
    }
    this.#backoffTimer = setTimeout(() => {
      this.#backoffTimer = null;
      this.#acceptAll();
    }, this.#backoff);
  }

  /** The first accept after failures: say so (at most every 10 s) and end the backoff. */
  #recovered(): void {
    if (performance.now() - this.#recoveredAt >= ACCEPT_WARNING_INTERVAL_MS) {
      this.#recoveredAt = performance.now();
      log.info("{service}: accepting again after {failed} failed accepts", {
        service: this.#name,
        failed: this.#failed,
      });
      this.#failed = 0;
    }
    this.#backoff = 0;
  }

  /** The accept loop has stopped: settle `serve()`. */
  #stop(): void {
    if (this.#backoffTimer !== null) clearTimeout(this.#backoffTimer);
    this.#backoffTimer = null;
    this.#served?.();
    this.#served = null;
  }

  #track(conn: StreamConn): void {
    // A trusted balancer's connection is admitted once its header names the client.
    const proxied = this.#proxied(conn.remoteAddr);
    if (!proxied) {
      const refused = this.#admit(conn.remoteAddr);
      if (refused !== null) {
        this.#refuse(conn, conn.remoteAddr, refused);
        return;
      }
    }
    this.#connections.add(conn);
    this.#running++;
    if (proxied) void this.#runProxied(conn);
    else this.#start(conn);
  }

  /**
   * Runs the handler of a tracked connection. A handler that returns a
   * promise is watched through it (one closure per connection); one that
   * returns nothing reports its end through `ended` and costs nothing here.
   */
  #start(conn: StreamConn): void {
    let done: Promise<void> | void;
    try {
      done = this.#handle(conn, this.#counters, this.#ended);
    } catch (error) {
      this.#settled(conn, error);
      return;
    }
    if (done === undefined) return;
    const settle = (error?: unknown) => this.#settled(conn, error);
    done.then(settle, settle);
  }

  /** What handlers that return nothing call at their end. */
  readonly #ended: ConnectionEnded = (conn, error) => this.#settled(conn, error);

  /** Counts, logs and closes a refused connection. */
  #refuse(conn: StreamConn, peer: Deno.NetAddr, reason: RefuseReason, detail?: string): void {
    this.#counters.refused[reason]++;
    clientLog.debug("{service}: refused {peer}: {reason}", {
      service: this.#name,
      peer: peer.hostname,
      reason: detail === undefined ? reason : `${reason}: ${detail}`,
    });
    closeQuietly(conn);
  }

  /**
   * Reads a trusted balancer's PROXY header, admits the client it names, and
   * runs the handler on the connection as that client's.
   */
  async #runProxied(conn: StreamConn): Promise<void> {
    let read: StreamConn | string;
    try {
      read = await readProxyHeader(conn, this.#proxyHeaderTimeoutMs);
    } catch (error) {
      this.#settled(conn, error);
      return;
    }
    if (typeof read === "string") {
      this.#refuse(conn, conn.remoteAddr, "proxy-header", read);
      this.#settled(conn, undefined);
      return;
    }
    const refused = this.#admit(read.remoteAddr);
    if (refused !== null) {
      this.#refuse(conn, read.remoteAddr, refused);
      this.#settled(conn, undefined);
      return;
    }
    // From now on the client's connection is the one tracked (closing it closes this one).
    this.#connections.delete(conn);
    this.#connections.add(read);
    this.#start(read);
  }

  /** A handler has ended (`error` undefined) or thrown. */
  #settled(conn: StreamConn, error: unknown): void {
    if (error !== undefined && !isDisconnect(error)) {
      this.#counters.errors++;
      log.warn("{service}: connection failed: {error}", {
        service: this.#name,
        error: String(error),
      });
    }
    this.#connections.delete(conn);
    if (--this.#running === 0) { for (const wake of this.#drainWaiters.splice(0)) wake(); }
  }

  /** Stops accepting. Open connections are left to their handlers. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#listener.close();
    } catch {
      // already closed
    }
    this.#stop();
  }

  /**
   * Closes every open connection, then waits for the handlers to finish.
   *
   * @returns A promise that settles when every handler has returned.
   */
  async closeConnections(): Promise<void> {
    for (const conn of this.#connections) closeQuietly(conn);
    await this.#drained();
  }

  /** Waits for the open connections' handlers to finish. */
  #drained(): Promise<void> {
    if (this.#running === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }
}

/**
 * Closes a connection, ignoring that it may be closed already.
 *
 * @param conn The connection.
 */
export function closeQuietly(conn: Pick<Deno.Conn, "close">): void {
  try {
    conn.close();
  } catch {
    // already closed
  }
}

/**
 * Whether an error only says the peer went away or the connection was closed
 * under us: nothing to log above debug.
 *
 * @param error What a read or write threw.
 * @returns True for resets, broken pipes, and closed resources.
 */
export function isDisconnect(error: unknown): boolean {
  return error instanceof Deno.errors.ConnectionReset ||
    error instanceof Deno.errors.BrokenPipe ||
    error instanceof Deno.errors.BadResource ||
    error instanceof Deno.errors.Interrupted ||
    error instanceof Deno.errors.ConnectionAborted ||
    error instanceof Deno.errors.NotConnected;
}

/**
 * Writes all of `bytes` (a socket may take them in parts).
 *
 * @param conn The connection.
 * @param bytes What to write.
 */
export async function writeAll(conn: Pick<Deno.Conn, "write">, bytes: Uint8Array): Promise<void> {
  let written = await conn.write(bytes);
  while (written < bytes.length) written += await conn.write(bytes.subarray(written));
}
