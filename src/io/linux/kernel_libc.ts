/**
 * The libc functions the kernel engine binds, in one table: sockets, epoll,
 * stream and batched datagram calls, and errno. Only `buffer` and `pointer`
 * values returned by libc cross the FFI boundary, so the permission can stay
 * scoped to libc's path. `recv`/`send`/`recvmmsg`/`sendmmsg` return
 * `ssize_t`/`int`, read as i32: counts stay below 2^31 here, -1 stays -1,
 * and the call is cheaper.
 *
 * @module
 */

import { ERRNO_SYMBOLS, openLibc, readErrno } from "./libc.ts";
import {
  EACCES,
  EADDRINUSE,
  EADDRNOTAVAIL,
  ECONNABORTED,
  ECONNRESET,
  EMFILE,
  ENFILE,
  ENOTCONN,
  EPIPE,
} from "./constants.ts";

/**
 * Every libc symbol the kernel engine calls.
 *
 * @example Usage
 * ```ts
 * import { KERNEL_LIBC_SYMBOLS } from "./kernel_libc.ts";
 * if (KERNEL_LIBC_SYMBOLS.recvmmsg.parameters.length !== 5) throw new Error("recvmmsg");
 * ```
 */
export const KERNEL_LIBC_SYMBOLS = {
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  setsockopt: { parameters: ["i32", "i32", "i32", "buffer", "u32"], result: "i32" },
  bind: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  listen: { parameters: ["i32", "i32"], result: "i32" },
  getsockname: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  accept4: { parameters: ["i32", "buffer", "buffer", "i32"], result: "i32" },
  epoll_create1: { parameters: ["i32"], result: "i32" },
  epoll_ctl: { parameters: ["i32", "i32", "i32", "buffer"], result: "i32" },
  epoll_wait: { parameters: ["i32", "buffer", "i32", "i32"], result: "i32" },
  recv: { parameters: ["i32", "buffer", "usize", "i32"], result: "i32" },
  send: { parameters: ["i32", "buffer", "usize", "i32"], result: "i32" },
  recvmmsg: { parameters: ["i32", "buffer", "u32", "i32", "pointer"], result: "i32" },
  sendmmsg: { parameters: ["i32", "buffer", "u32", "i32"], result: "i32" },
  memset: { parameters: ["buffer", "i32", "usize"], result: "usize" },
  clock_gettime: { parameters: ["i32", "buffer"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  ...ERRNO_SYMBOLS,
} as const;

/** libc, opened with {@linkcode KERNEL_LIBC_SYMBOLS}. */
export type KernelLibc = Deno.DynamicLibrary<typeof KERNEL_LIBC_SYMBOLS>;

/**
 * Opens libc for the kernel engine.
 *
 * @returns libc, or why it cannot be used here (another OS or architecture, no FFI grant).
 *
 * @example Usage
 * ```ts ignore
 * import { openKernelLibc } from "./kernel_libc.ts";
 * const libc = openKernelLibc();
 * if (!("error" in libc)) libc.close();
 * ```
 */
export function openKernelLibc(): KernelLibc | { error: string } {
  if (Deno.build.arch !== "x86_64" && Deno.build.arch !== "aarch64") {
    return { error: `the kernel engine needs x86_64 or aarch64 Linux, this is ${Deno.build.arch}` };
  }
  return openLibc(KERNEL_LIBC_SYMBOLS, "the kernel I/O engine");
}

/**
 * The errno of the last failed call on this thread.
 *
 * @param libc The engine's libc.
 * @returns The errno value.
 */
export function errnoOf(libc: KernelLibc): number {
  return readErrno(libc.symbols);
}

/**
 * The error a failed socket call maps to, as Deno's own sockets would throw
 * it, so callers handle both engines alike.
 *
 * @param errno The errno value.
 * @param what The call, for the message.
 * @returns The error.
 *
 * @example Usage
 * ```ts
 * import { socketError } from "./kernel_libc.ts";
 * if (!(socketError(98, "bind") instanceof Deno.errors.AddrInUse)) throw new Error("EADDRINUSE");
 * ```
 */
export function socketError(errno: number, what: string): Error {
  switch (errno) {
    case ECONNRESET:
      return new Deno.errors.ConnectionReset(`${what}: connection reset by peer`);
    case EPIPE:
      return new Deno.errors.BrokenPipe(`${what}: broken pipe`);
    case ECONNABORTED:
      return new Deno.errors.ConnectionAborted(`${what}: connection aborted`);
    case ENOTCONN:
      return new Deno.errors.NotConnected(`${what}: not connected`);
    case EADDRINUSE:
      return new Deno.errors.AddrInUse(`${what}: address already in use`);
    case EACCES:
      return new Deno.errors.PermissionDenied(`${what}: permission denied`);
    case EMFILE:
      return new Error(`${what}: Too many open files (os error 24)`);
    case ENFILE:
      return new Error(`${what}: Too many open files in system (os error 23)`);
    case EADDRNOTAVAIL:
      return new Deno.errors.AddrNotAvailable(`${what}: address not available`);
    default:
      return new Error(`${what} failed (errno ${errno})`);
  }
}
