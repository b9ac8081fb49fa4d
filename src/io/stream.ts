/**
 * The stream half of the seam between clockd's services and its I/O
 * engines: what a TCP connection and a TCP listener are to a service. Each
 * engine implements these by declaration (`src/io/deno/`, `src/io/linux/`);
 * the services, the accept loop ({@linkcode TcpServer}) and the limits are
 * written once against them.
 *
 * @module
 */

/**
 * One accepted connection: the part of `Deno.TcpConn` clockd's services use.
 * Deno's own connections are one (structurally); the kernel engine's
 * `EpollConn` implements it.
 *
 * @example A connection that answers once and closes
 * ```ts
 * import type { StreamConn } from "./stream.ts";
 * async function hello(conn: StreamConn): Promise<void> {
 *   await conn.write(new TextEncoder().encode("hello\n"));
 *   conn.close();
 * }
 *
 * // Print what comes, holding a buffer only while bytes are in hand.
 * function watch(conn: StreamConn, scratch: Uint8Array): void {
 *   conn.whenReadable({
 *     onReadable() {
 *       const count = conn.tryRead(scratch);
 *       if (count === null) return conn.close();
 *       console.log(new TextDecoder().decode(scratch.subarray(0, count)));
 *       conn.whenReadable(this);
 *     },
 *   });
 * }
 * void hello;
 * void watch;
 * ```
 */
export interface StreamConn {
  /**
   * Reads into `buffer`.
   *
   * @returns How many bytes arrived, or null at the end of the stream.
   */
  read(buffer: Uint8Array): Promise<number | null>;
  /**
   * Calls `listener.onReadable()` once, later (never from within this call),
   * when a read would not wait: bytes, the end of the stream or an error are
   * there, or the connection was closed here. It may also call with nothing
   * there; {@linkcode StreamConn.tryRead} then returns 0. One at a time, and
   * not with a `read` in flight. A connection waiting this way holds no
   * buffer, promise or closure: the cheapest way to keep one idle.
   *
   * @throws {Error} When the engine cannot watch the socket.
   */
  whenReadable(listener: ReadableListener): void;
  /**
   * Reads what is there now, without waiting.
   *
   * @returns How many bytes arrived (0: none yet), or null at the end of the stream.
   * @throws {Deno.errors.BadResource} Once the connection is closed, and the read's errors.
   */
  tryRead(buffer: Uint8Array): number | null;
  /**
   * Writes as much of `bytes` as the socket takes.
   *
   * @returns How many bytes were taken.
   */
  write(bytes: Uint8Array): Promise<number>;
  /**
   * Writes what the socket takes now, without waiting. An engine that cannot
   * tell without waiting takes nothing; {@linkcode StreamConn.write} then
   * writes the rest. Never call it while a `write` is in flight.
   *
   * @returns How many bytes were taken (0: none now).
   * @throws {Deno.errors.BadResource} Once the connection is closed, and the write's errors.
   */
  tryWrite(bytes: Uint8Array): number;
  /** Closes the connection; a read or write in flight fails with `BadResource`. */
  close(): void;
  /** Turns Nagle's algorithm off (true) or on. */
  setNoDelay(noDelay?: boolean): void;
  /** The peer's address. */
  readonly remoteAddr: Deno.NetAddr;
}

/** What {@linkcode StreamListener.whenAcceptable} calls. */
export interface AcceptableListener {
  /** A connection (or an error, or the listener's close) may be there to take. */
  onAcceptable(): void;
}

/** What {@linkcode StreamConn.whenReadable} calls. */
export interface ReadableListener {
  /** The connection may have bytes (or its end, or an error) to read. */
  onReadable(): void;
}

/**
 * A listening socket: the part of `Deno.TcpListener` the accept loop uses.
 *
 * @example Close every connection as it comes, with no promise per connection
 * ```ts
 * import type { StreamListener } from "./stream.ts";
 * function refuseAll(listener: StreamListener): void {
 *   listener.whenAcceptable({
 *     onAcceptable() {
 *       for (let conn = listener.tryAccept(); conn !== null; conn = listener.tryAccept()) {
 *         conn.close();
 *       }
 *       listener.whenAcceptable(this);
 *     },
 *   });
 * }
 * void refuseAll;
 * ```
 */
export interface StreamListener {
  /**
   * Calls `listener.onAcceptable()` once, later (never from within this
   * call), when {@linkcode StreamListener.tryAccept} would not wait: a
   * connection or an error is there, or the listener was closed. It may also
   * call with nothing there; `tryAccept` then returns null. One at a time.
   *
   * @throws {Deno.errors.Busy} With another listener waiting.
   */
  whenAcceptable(listener: AcceptableListener): void;
  /**
   * Takes a connection that is there now, without waiting.
   *
   * @returns The connection, or null for none now.
   * @throws {Deno.errors.BadResource} Once closed, and the accept's errors
   *   (e.g. out of descriptors: the caller backs off, then tries again).
   */
  tryAccept(): StreamConn | null;
  /** Stops listening. Idempotent. */
  close(): void;
  /** The address bound. */
  readonly addr: Deno.NetAddr;
}
