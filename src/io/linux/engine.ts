/**
 * The `kernel` I/O engine: Linux x86_64/aarch64 through the scoped libc FFI
 * grant. One edge-triggered epoll loop per isolate serves TCP listeners and
 * connections ({@linkcode EpollListener}) and UDP sockets read and answered
 * in `recvmmsg`/`sendmmsg` batches with kernel receive stamps
 * ({@linkcode KernelDatagramSocket}). Every socket sets SO_REUSEPORT, so
 * each serving isolate binds its own and the kernel spreads connections and
 * datagrams over them.
 *
 * @module
 */

import type { Clock } from "../../time/clock.ts";
import type { DatagramEndpoint } from "../datagram.ts";
import type { IoEngine } from "../engine.ts";
import type { StreamListener } from "../stream.ts";
import { KernelDatagramSocket } from "./datagram_socket.ts";
import { EpollLoop } from "./epoll_loop.ts";
import { openKernelLibc } from "./kernel_libc.ts";
import { EpollListener } from "./listener.ts";

/**
 * The `kernel` engine of one isolate.
 *
 * @example Usage
 * ```ts ignore
 * import { KernelEngine } from "./engine.ts";
 * import { systemClock } from "../../time/clock.ts";
 * const engine = KernelEngine.open(systemClock);
 * const listener = engine.listenStream("127.0.0.1", 0);
 * listener.close();
 * await engine.close();
 * ```
 */
export class KernelEngine implements IoEngine {
  /** Always `kernel`. */
  readonly name = "kernel" as const;
  /** Every socket sets SO_REUSEPORT. */
  readonly sharesDatagramPorts = true;
  readonly #loop: EpollLoop;
  readonly #clock: Clock;

  private constructor(loop: EpollLoop, clock: Clock) {
    this.#loop = loop;
    this.#clock = clock;
  }

  /**
   * Opens the isolate's epoll loop.
   *
   * @param clock Stamps answers and datagrams without a kernel stamp.
   * @returns The engine.
   * @throws {Error} Where the engine cannot run (see {@linkcode kernelUnavailable}).
   */
  static open(clock: Clock): KernelEngine {
    return new KernelEngine(EpollLoop.open(), clock);
  }

  /** Binds a TCP listener on the loop. */
  listenStream(hostname: string, port: number): StreamListener {
    return EpollListener.bind(this.#loop, hostname, port);
  }

  /** Binds a UDP socket on the loop. */
  listenDatagram(hostname: string, port: number): DatagramEndpoint {
    return KernelDatagramSocket.bind(this.#loop, this.#clock, hostname, port);
  }

  /** Stops the loop and unloads libc; close every socket first. */
  close(): Promise<void> {
    return this.#loop.close();
  }
}

/**
 * Why the kernel engine cannot run in this process, or null when it can:
 * another OS or architecture, or no FFI grant on libc.
 *
 * @returns The reason, or null.
 *
 * @example Usage
 * ```ts ignore
 * import { kernelUnavailable } from "./engine.ts";
 * console.log(kernelUnavailable() ?? "the kernel engine can run here");
 * ```
 */
export function kernelUnavailable(): string | null {
  if (Deno.build.os !== "linux") return `the kernel engine needs Linux, this is ${Deno.build.os}`;
  const libc = openKernelLibc();
  if ("error" in libc) return libc.error;
  libc.close();
  return null;
}
