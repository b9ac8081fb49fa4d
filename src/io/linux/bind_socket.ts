/**
 * Opens, configures and binds a socket through libc for the kernel engine:
 * non-blocking, close-on-exec, SO_REUSEPORT (the isolates of one process
 * share each port), and the options a kind of socket needs.
 *
 * @module
 */

import {
  SO_REUSEADDR,
  SO_REUSEPORT,
  SOCK_CLOEXEC,
  SOCK_NONBLOCK,
  SOL_SOCKET,
} from "./constants.ts";
import { errnoOf, type KernelLibc, socketError } from "./kernel_libc.ts";
import { encodeSockaddr, SOCKADDR_BYTES, sockaddrHostname, sockaddrPort } from "./sockaddr.ts";

/** An `int` option value of 1, as `setsockopt` takes it. */
export const ONE = new Uint8Array(new Int32Array([1]).buffer);

/** A socket option to set before `bind`: level, name, value. */
export type SocketOption = readonly [level: number, name: number, value: Uint8Array];

/**
 * Opens a socket and binds it.
 *
 * @param libc The engine's libc.
 * @param type `SOCK_STREAM` or `SOCK_DGRAM`.
 * @param hostname A numeric address, `""` for every interface, or `localhost`.
 * @param port The port; 0 lets the kernel choose.
 * @param options Options to set besides SO_REUSEADDR and SO_REUSEPORT.
 * @returns The descriptor and the address bound.
 * @throws {Deno.errors.AddrInUse | Deno.errors.PermissionDenied | Deno.errors.AddrNotAvailable | Error}
 *
 * @example Usage
 * ```ts ignore
 * import { bindSocket } from "./bind_socket.ts";
 * import { SOCK_DGRAM } from "./constants.ts";
 * const { fd, addr } = bindSocket(libc, SOCK_DGRAM, "127.0.0.1", 0);
 * ```
 */
export function bindSocket(
  libc: KernelLibc,
  type: number,
  hostname: string,
  port: number,
  options: readonly SocketOption[] = [],
): { fd: number; addr: Deno.NetAddr } {
  const s = libc.symbols;
  const address = new Uint8Array(SOCKADDR_BYTES);
  const encoded = encodeSockaddr(hostname, port, address);
  if (encoded === null) {
    throw new Error(
      `the kernel engine needs a numeric address, got "${hostname}" (or use --io deno)`,
    );
  }
  const fd = s.socket(encoded.family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw socketError(errnoOf(libc), "socket");
  const fail = (what: string): never => {
    const error = socketError(errnoOf(libc), what);
    s.close(fd);
    throw error;
  };
  const all: SocketOption[] = [[SOL_SOCKET, SO_REUSEADDR, ONE], [SOL_SOCKET, SO_REUSEPORT, ONE]];
  for (const [level, name, value] of [...all, ...options]) {
    if (s.setsockopt(fd, level, name, value, value.length) !== 0) fail(`setsockopt ${name}`);
  }
  if (s.bind(fd, address, encoded.length) !== 0) fail("bind");
  const length = new Uint32Array([SOCKADDR_BYTES]);
  if (s.getsockname(fd, address, new Uint8Array(length.buffer)) !== 0) fail("getsockname");
  const view = new DataView(address.buffer);
  return {
    fd,
    addr: {
      transport: type === 1 ? "tcp" : "udp",
      hostname: sockaddrHostname(view, 0),
      port: sockaddrPort(view, 0),
    },
  };
}
