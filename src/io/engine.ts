/**
 * An I/O engine: who opens the sockets a server's services run on. Two
 * exist: `kernel` (Linux x86_64/aarch64 through libc: edge-triggered epoll
 * for TCP, `recvmmsg`/`sendmmsg` batches with kernel receive stamps for UDP,
 * SO_REUSEPORT everywhere) and `deno` (`Deno.listen`/`Deno.listenDatagram`,
 * portable). Services never know which one runs them.
 *
 * @module
 */

import type { DatagramEndpoint } from "./datagram.ts";
import type { StreamListener } from "./stream.ts";

/** The name of an engine, as `--io` takes it. */
export type IoName = "kernel" | "deno";

/** Every engine, in order of preference. */
export const IO_NAMES: readonly IoName[] = ["kernel", "deno"];

/**
 * Opens sockets for one isolate.
 *
 * @example Bind a TCP listener on whatever engine runs
 * ```ts
 * import type { IoEngine } from "./engine.ts";
 * function listen(engine: IoEngine) {
 *   return engine.listenStream("127.0.0.1", 0);
 * }
 * void listen;
 * ```
 */
export interface IoEngine {
  /** Its name, as the startup line, `status` and `/metrics` report it. */
  readonly name: IoName;
  /**
   * Whether two isolates may bind the same UDP port and share its traffic
   * (SO_REUSEPORT); when false, one isolate serves all of a port's UDP.
   */
  readonly sharesDatagramPorts: boolean;
  /**
   * Binds and listens on TCP, sharing the port with this process's other
   * isolates (SO_REUSEPORT).
   *
   * @throws {Deno.errors.AddrInUse | Deno.errors.PermissionDenied | Deno.errors.AddrNotAvailable | Error}
   */
  listenStream(hostname: string, port: number): StreamListener;
  /**
   * Binds a UDP socket.
   *
   * @throws {Deno.errors.AddrInUse | Deno.errors.PermissionDenied | Deno.errors.AddrNotAvailable | Error}
   */
  listenDatagram(hostname: string, port: number): DatagramEndpoint;
  /** Frees the engine once every socket it opened is closed. */
  close(): Promise<void>;
}
