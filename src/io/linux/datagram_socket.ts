/**
 * A UDP socket opened through libc with SO_REUSEPORT and SO_TIMESTAMPNS,
 * read a batch at a time with a blocking `recvmmsg` and answered a batch at
 * a time with `sendmmsg`: the socket under the opt-in NTP fast path
 * (`--ntp-workers`). Deno's own `listenDatagram` has no `reusePort` in
 * 2.9.6, and its asynchronous receive costs more per datagram than a
 * synchronous call from a dedicated worker; batching saves a system call
 * and a wake-up per datagram whenever several are queued.
 *
 * The message headers hold raw addresses into one `Uint8Array` allocated
 * once (its backing store is outside the V8 heap and never moves). The base
 * address comes from libc itself, `memset(buffer, 0, 0)` returning its
 * argument, so only `buffer` parameters cross the FFI boundary and the
 * permission stays scoped to libc's path: `Deno.UnsafePointer.of` would
 * need an unscoped `--allow-ffi`. The layouts are those of 64-bit Linux
 * (x86_64 and aarch64); {@linkcode ReusePortUdpSocket.bind} refuses others.
 *
 * @module
 */

import { openLibc } from "./libc.ts";
import type { Instant } from "../../time/instant.ts";
import { encodeSockaddr, SOCKADDR_BYTES, sockaddrHostname, sockaddrPort } from "./sockaddr.ts";
import {
  MSG_DONTWAIT,
  MSG_WAITFORONE,
  SO_RCVTIMEO,
  SO_REUSEPORT,
  SO_TIMESTAMPNS,
  SOCK_CLOEXEC,
  SOCK_DGRAM,
  SOL_SOCKET,
} from "./constants.ts";

const SYMBOLS = {
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  setsockopt: { parameters: ["i32", "i32", "i32", "buffer", "u32"], result: "i32" },
  bind: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  getsockname: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  recvmmsg: { parameters: ["i32", "buffer", "u32", "i32", "pointer"], result: "i32" },
  sendmmsg: { parameters: ["i32", "buffer", "u32", "i32"], result: "i32" },
  memset: { parameters: ["buffer", "i32", "usize"], result: "usize" },
  close: { parameters: ["i32"], result: "i32" },
} as const;

/** How many datagrams one receive takes at most. */
export const BATCH = 32;
/** The longest datagram payload received; longer ones are cut. */
export const DATAGRAM_BYTES = 2048;
/** The longest answer {@linkcode ReusePortUdpSocket.queueReply} takes. */
export const REPLY_BYTES = 512;

// struct mmsghdr and struct iovec on LP64 Linux (x86_64, aarch64).
const MMSGHDR_BYTES = 64;
const MSG_NAME = 0;
const MSG_NAMELEN = 8;
const MSG_IOV = 16;
const MSG_IOVLEN = 24;
const MSG_CONTROL = 32;
const MSG_CONTROLLEN = 40;
const MSG_LEN = 56;
const IOVEC_BYTES = 16;
const ADDRESS_SLOT = 32;
// One control message: struct cmsghdr (16 bytes) then a struct timespec (16).
const CONTROL_SLOT = 32;
const CMSG_LEVEL = 8;
const CMSG_TYPE = 12;
const CMSG_DATA = 16;

// The layout of the one buffer every receive and send uses.
const SLOTS = 0;
const REPLIES = SLOTS + BATCH * DATAGRAM_BYTES;
const ADDRESSES = REPLIES + BATCH * REPLY_BYTES;
const CONTROLS = ADDRESSES + BATCH * ADDRESS_SLOT;
const RECV_IOVECS = CONTROLS + BATCH * CONTROL_SLOT;
const SEND_IOVECS = RECV_IOVECS + BATCH * IOVEC_BYTES;
const RECV_HEADERS = SEND_IOVECS + BATCH * IOVEC_BYTES;
const SEND_HEADERS = RECV_HEADERS + BATCH * MMSGHDR_BYTES;
const MEMORY_BYTES = SEND_HEADERS + BATCH * MMSGHDR_BYTES;

/** How long one `receive` blocks before returning -1, so the caller can check for a stop. */
export const RECEIVE_TIMEOUT_MS = 200;

/**
 * A bound UDP socket with SO_REUSEPORT.
 *
 * @example Usage
 * ```ts ignore
 * const socket = ReusePortUdpSocket.bind("127.0.0.1", 0);
 * const n = socket.receive(buffer); // blocks up to RECEIVE_TIMEOUT_MS
 * if (n >= 0) socket.reply(answer);
 * ```
 */
export class ReusePortUdpSocket {
  /** The port bound. */
  readonly port: number;
  /** The address of the last datagram received (`::ffff:a.b.c.d` for IPv4 on a dual-stack socket). */
  remote: { transport: "udp"; hostname: string; port: number } = {
    transport: "udp",
    hostname: "",
    port: 0,
  };
  readonly #libc: Deno.DynamicLibrary<typeof SYMBOLS>;
  readonly #fd: number;
  /**
   * Every buffer the kernel reads or writes, in one allocation: its backing
   * store is off the V8 heap and never moves, so the addresses written into
   * the message headers stay valid for the socket's life.
   */
  readonly #bytes = new Uint8Array(MEMORY_BYTES);
  readonly #view = new DataView(this.#bytes.buffer);
  readonly #recvHeaders = this.#bytes.subarray(RECV_HEADERS, SEND_HEADERS);
  readonly #sendHeaders = this.#bytes.subarray(SEND_HEADERS, MEMORY_BYTES);
  readonly #slots: Uint8Array[] = [];
  readonly #replyAddresses: bigint[] = [];
  readonly #nameAddresses: bigint[] = [];
  /** Which datagram each queued answer answers. */
  readonly #queuedSlots = new Uint8Array(BATCH);
  #received = 0;
  #queued = 0;
  #closed = false;

  private constructor(libc: Deno.DynamicLibrary<typeof SYMBOLS>, fd: number, port: number) {
    this.#libc = libc;
    this.#fd = fd;
    this.port = port;
    // memset(p, 0, 0) returns p: the buffer's address, without the unscoped
    // FFI permission Deno.UnsafePointer.of would need.
    const base = BigInt(libc.symbols.memset(this.#bytes, 0, 0n));
    const view = this.#view;
    const at = (offset: number) => base + BigInt(offset);
    for (let i = 0; i < BATCH; i++) {
      this.#slots.push(
        this.#bytes.subarray(SLOTS + i * DATAGRAM_BYTES, SLOTS + (i + 1) * DATAGRAM_BYTES),
      );
      this.#replyAddresses.push(at(REPLIES + i * REPLY_BYTES));
      this.#nameAddresses.push(at(ADDRESSES + i * ADDRESS_SLOT));
      const iovec = RECV_IOVECS + i * IOVEC_BYTES;
      view.setBigUint64(iovec, at(SLOTS + i * DATAGRAM_BYTES), true);
      view.setBigUint64(iovec + 8, BigInt(DATAGRAM_BYTES), true);
      const recv = RECV_HEADERS + i * MMSGHDR_BYTES;
      view.setBigUint64(recv + MSG_NAME, at(ADDRESSES + i * ADDRESS_SLOT), true);
      view.setUint32(recv + MSG_NAMELEN, SOCKADDR_BYTES, true);
      view.setBigUint64(recv + MSG_IOV, at(iovec), true);
      view.setBigUint64(recv + MSG_IOVLEN, 1n, true);
      view.setBigUint64(recv + MSG_CONTROL, at(CONTROLS + i * CONTROL_SLOT), true);
      view.setUint32(recv + MSG_CONTROLLEN, CONTROL_SLOT, true);
      const send = SEND_HEADERS + i * MMSGHDR_BYTES;
      view.setBigUint64(send + MSG_IOV, at(SEND_IOVECS + i * IOVEC_BYTES), true);
      view.setBigUint64(send + MSG_IOVLEN, 1n, true);
    }
  }

  /**
   * Opens and binds a socket.
   *
   * @param hostname A numeric IPv4 or IPv6 address, `""` for every interface, or `localhost`.
   * @param port The port; 0 lets the kernel choose.
   * @returns The socket.
   * @throws {Error} When libc cannot be loaded, the address is not numeric, or the bind fails.
   */
  static bind(hostname: string, port: number): ReusePortUdpSocket {
    if (Deno.build.arch !== "x86_64" && Deno.build.arch !== "aarch64") {
      throw new Error(`needs x86_64 or aarch64 Linux, this is ${Deno.build.arch}`);
    }
    const libc = openLibc(SYMBOLS, "--ntp-workers");
    if ("error" in libc) throw new Error(libc.error);
    const s = libc.symbols;
    const address = new Uint8Array(SOCKADDR_BYTES);
    const encoded = encodeSockaddr(hostname, port, address);
    if (encoded === null) {
      libc.close();
      throw new Error(`needs a numeric address, got "${hostname}"`);
    }
    const { family, length } = encoded;
    const fd = s.socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      libc.close();
      throw new Error("cannot create a UDP socket");
    }
    const fail = (what: string): never => {
      s.close(fd);
      libc.close();
      throw new Error(what);
    };
    const one = new Uint8Array(new Int32Array([1]).buffer);
    if (s.setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, one, 4) !== 0) fail("cannot set SO_REUSEPORT");
    const timeout = new Uint8Array(
      new BigInt64Array([0n, BigInt(RECEIVE_TIMEOUT_MS * 1000)]).buffer,
    );
    if (s.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, timeout, 16) !== 0) {
      fail("cannot set SO_RCVTIMEO");
    }
    if (s.setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, one, 4) !== 0) {
      fail("cannot set SO_TIMESTAMPNS");
    }
    if (s.bind(fd, address, length) !== 0) {
      fail(`cannot bind udp port ${port} (in use, or below 1024 without CAP_NET_BIND_SERVICE)`);
    }
    const bound = new Uint8Array(SOCKADDR_BYTES);
    const boundLength = new Uint32Array([SOCKADDR_BYTES]);
    if (s.getsockname(fd, bound, new Uint8Array(boundLength.buffer)) !== 0) {
      fail("getsockname failed");
    }
    return new ReusePortUdpSocket(libc, fd, new DataView(bound.buffer).getUint16(2));
  }

  /**
   * Receives a batch of datagrams with one `recvmmsg`, blocking up to
   * {@linkcode RECEIVE_TIMEOUT_MS} for the first and taking the rest only if
   * they are already queued. Read them with {@linkcode datagram} and
   * {@linkcode remoteOf}; they stay valid until the next call.
   *
   * @returns How many arrived (1 to {@linkcode BATCH}), or -1 on timeout or error.
   */
  receiveBatch(): number {
    const view = this.#view;
    for (let i = 0; i < this.#received; i++) {
      const header = RECV_HEADERS + i * MMSGHDR_BYTES;
      view.setUint32(header + MSG_NAMELEN, SOCKADDR_BYTES, true);
      view.setUint32(header + MSG_CONTROLLEN, CONTROL_SLOT, true);
    }
    const count = this.#libc.symbols.recvmmsg(
      this.#fd,
      this.#recvHeaders,
      BATCH,
      MSG_WAITFORONE,
      null,
    );
    this.#received = count > 0 ? count : 0;
    this.#queued = 0;
    return count > 0 ? count : -1;
  }

  /**
   * The payload of datagram `i` of the last batch (a view, valid until the next receive).
   *
   * @param i Its index, below what {@linkcode receiveBatch} returned.
   * @returns The payload (cut at {@linkcode DATAGRAM_BYTES}).
   */
  datagram(i: number): Uint8Array {
    const length = this.#view.getUint32(RECV_HEADERS + i * MMSGHDR_BYTES + MSG_LEN, true);
    return this.#slots[i].subarray(0, Math.min(length, DATAGRAM_BYTES));
  }

  /**
   * When datagram `i` of the last batch reached the socket, by the kernel's
   * `SO_TIMESTAMPNS` stamp (the system clock): exact however long it waited
   * in the queue or the batch.
   *
   * @param i Its index.
   * @returns The instant, or null if the kernel attached no stamp.
   */
  receivedAt(i: number): Instant | null {
    const view = this.#view;
    const header = RECV_HEADERS + i * MMSGHDR_BYTES;
    if (view.getUint32(header + MSG_CONTROLLEN, true) < CONTROL_SLOT) return null;
    const control = CONTROLS + i * CONTROL_SLOT;
    if (
      view.getInt32(control + CMSG_LEVEL, true) !== SOL_SOCKET ||
      view.getInt32(control + CMSG_TYPE, true) !== SO_TIMESTAMPNS
    ) return null;
    return {
      seconds: view.getUint32(control + CMSG_DATA, true) +
        view.getInt32(control + CMSG_DATA + 4, true) * 2 ** 32,
      nanos: view.getUint32(control + CMSG_DATA + 8, true),
    };
  }

  /**
   * The sender of datagram `i` of the last batch, written into
   * {@linkcode ReusePortUdpSocket.remote} (one reused object).
   *
   * @param i Its index.
   * @returns {@linkcode ReusePortUdpSocket.remote}.
   */
  remoteOf(i: number): { transport: "udp"; hostname: string; port: number } {
    const at = ADDRESSES + i * ADDRESS_SLOT;
    this.remote.port = sockaddrPort(this.#view, at);
    this.remote.hostname = sockaddrHostname(this.#view, at);
    return this.remote;
  }

  /**
   * Queues `payload` as the answer to datagram `i` of the last batch; the
   * queue goes out with {@linkcode flushReplies}.
   *
   * @param i The index of the datagram answered.
   * @param payload The answer (copied; at most {@linkcode REPLY_BYTES}).
   * @returns Whether it was queued (false: too long).
   */
  queueReply(i: number, payload: Uint8Array): boolean {
    if (payload.length > REPLY_BYTES) return false;
    const j = this.#queued++;
    this.#queuedSlots[j] = i;
    const bytes = this.#bytes;
    bytes.set(payload, REPLIES + i * REPLY_BYTES);
    const view = this.#view;
    const iovec = SEND_IOVECS + j * IOVEC_BYTES;
    view.setBigUint64(iovec, this.#replyAddresses[i], true);
    view.setUint32(iovec + 8, payload.length, true);
    const header = SEND_HEADERS + j * MMSGHDR_BYTES;
    view.setBigUint64(header + MSG_NAME, this.#nameAddresses[i], true);
    view.setUint32(
      header + MSG_NAMELEN,
      view.getUint32(RECV_HEADERS + i * MMSGHDR_BYTES + MSG_NAMELEN, true),
      true,
    );
    return true;
  }

  /**
   * Sends the queued answers with `sendmmsg`, without blocking; an answer the
   * kernel refuses is skipped, the rest still go.
   *
   * @param finish Called on each queued answer just before the send, in place
   *   (the NTP worker writes the transmit timestamp there).
   * @returns How many were sent; the others (queued minus sent) failed.
   */
  flushReplies(finish?: (reply: Uint8Array) => void): number {
    if (finish !== undefined) {
      const view = this.#view;
      for (let j = 0; j < this.#queued; j++) {
        const iovec = SEND_IOVECS + j * IOVEC_BYTES;
        const offset = REPLIES + this.#queuedSlots[j] * REPLY_BYTES;
        finish(this.#bytes.subarray(offset, offset + view.getUint32(iovec + 8, true)));
      }
    }
    let sent = 0;
    let next = 0;
    while (next < this.#queued) {
      const count = this.#libc.symbols.sendmmsg(
        this.#fd,
        this.#sendHeaders.subarray(next * MMSGHDR_BYTES),
        this.#queued - next,
        MSG_DONTWAIT,
      );
      if (count > 0) {
        sent += count;
        next += count;
      } else {
        next++;
      }
    }
    this.#queued = 0;
    return sent;
  }

  /** Closes the socket, as {@linkcode ReusePortUdpSocket.close} does. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** Closes the socket and unloads libc. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#libc.symbols.close(this.#fd);
    this.#libc.close();
  }
}
