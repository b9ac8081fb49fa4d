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
 * void hello;
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
   * Writes as much of `bytes` as the socket takes.
   *
   * @returns How many bytes were taken.
   */
  write(bytes: Uint8Array): Promise<number>;
  /** Closes the connection; a read or write in flight fails with `BadResource`. */
  close(): void;
  /** Turns Nagle's algorithm off (true) or on. */
  setNoDelay(noDelay?: boolean): void;
  /** The peer's address. */
  readonly remoteAddr: Deno.NetAddr;
}

/**
 * A listening socket: the part of `Deno.TcpListener` the accept loop uses.
 *
 * @example Accept one connection
 * ```ts
 * import type { StreamListener } from "./stream.ts";
 * async function once(listener: StreamListener): Promise<void> {
 *   const conn = await listener.accept();
 *   conn.close();
 *   listener.close();
 * }
 * void once;
 * ```
 */
export interface StreamListener {
  /** Waits for the next connection; rejects with `BadResource` once closed. */
  accept(): Promise<StreamConn>;
  /** Stops listening. Idempotent. */
  close(): void;
  /** The address bound. */
  readonly addr: Deno.NetAddr;
}
