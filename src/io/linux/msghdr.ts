/**
 * The layouts `recvmsg`/`recvmmsg`/`sendmmsg` read and write on LP64 Linux
 * (x86_64, aarch64): struct msghdr (the first 56 bytes of struct mmsghdr),
 * struct iovec, and the one control message a socket with `SO_TIMESTAMPNS`
 * receives (a struct cmsghdr and a struct timespec), with the reading of
 * that receive stamp.
 *
 * @module
 */

import type { Instant } from "../../time/instant.ts";
import { SO_TIMESTAMPNS, SOL_SOCKET } from "./constants.ts";

/** `sizeof(struct mmsghdr)`: a struct msghdr, then `unsigned int msg_len`, padded. */
export const MMSGHDR_BYTES = 64;
/** `sizeof(struct msghdr)`. */
export const MSGHDR_BYTES = 56;
/** `msg_name`: the peer's address buffer. */
export const MSG_NAME = 0;
/** `msg_namelen`: its size in, the address's length out. */
export const MSG_NAMELEN = 8;
/** `msg_iov`: the data buffers. */
export const MSG_IOV = 16;
/** `msg_iovlen`: how many. */
export const MSG_IOVLEN = 24;
/** `msg_control`: the control-message buffer. */
export const MSG_CONTROL = 32;
/** `msg_controllen`: its size in, the length used out. */
export const MSG_CONTROLLEN = 40;
/** `msg_len` of a struct mmsghdr: the bytes received or sent. */
export const MSG_LEN = 56;
/** `sizeof(struct iovec)`: a base address and a length. */
export const IOVEC_BYTES = 16;
/** One control message: a struct cmsghdr (16 bytes), then a struct timespec (16). */
export const CONTROL_SLOT = 32;
/** `sizeof(struct timespec)`: seconds (64-bit), then nanoseconds (64-bit). */
export const TIMESPEC_BYTES = 16;
const CMSG_LEVEL = 8;
const CMSG_TYPE = 12;
const CMSG_DATA = 16;

/**
 * The struct timespec at `offset`, as an instant.
 *
 * @param view The memory holding it.
 * @param offset Where it starts.
 * @returns The instant.
 *
 * @example Usage
 * ```ts
 * import { readTimespec } from "./msghdr.ts";
 * const view = new DataView(new ArrayBuffer(16));
 * view.setUint32(0, 1_700_000_000, true);
 * view.setUint32(8, 5, true);
 * const { seconds, nanos } = readTimespec(view, 0);
 * if (seconds !== 1_700_000_000 || nanos !== 5) throw new Error();
 * ```
 */
export function readTimespec(view: DataView, offset: number): Instant {
  return {
    seconds: view.getUint32(offset, true) + view.getInt32(offset + 4, true) * 2 ** 32,
    nanos: view.getUint32(offset + 8, true),
  };
}

/**
 * The kernel's receive stamp in a received control buffer: the
 * `SO_TIMESTAMPNS` message, if it is the one there.
 *
 * @param view The memory holding the control buffer.
 * @param control Where the control buffer starts.
 * @param length The control length the kernel returned (`msg_controllen`).
 * @returns The stamp, or null when the kernel attached none.
 *
 * @example Usage
 * ```ts
 * import { receiveStamp } from "./msghdr.ts";
 * const view = new DataView(new ArrayBuffer(32));
 * if (receiveStamp(view, 0, 0) !== null) throw new Error("no control message: no stamp");
 * ```
 */
export function receiveStamp(view: DataView, control: number, length: number): Instant | null {
  if (
    length < CONTROL_SLOT ||
    view.getInt32(control + CMSG_LEVEL, true) !== SOL_SOCKET ||
    view.getInt32(control + CMSG_TYPE, true) !== SO_TIMESTAMPNS
  ) return null;
  return readTimespec(view, control + CMSG_DATA);
}
