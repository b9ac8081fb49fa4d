/**
 * UDP on the kernel engine: a non-blocking socket with SO_REUSEPORT and
 * SO_TIMESTAMPNS, watched by the isolate's {@linkcode EpollLoop}. On each
 * edge it takes up to {@linkcode MAX_BATCH} datagrams with one `recvmmsg`,
 * hands them to the {@linkcode DatagramSink} synchronously, and sends the
 * answers with one `sendmmsg` before the loop goes on: each datagram carries
 * the kernel's receive stamp, and the answers are stamped with one clock
 * read per batch just before they leave (after a first, warming pass).
 *
 * The message headers hold raw addresses into one `Uint8Array` allocated
 * once (its backing store is outside the V8 heap and never moves). The base
 * address comes from libc itself, `memset(buffer, 0, 0)` returning its
 * argument, so only `buffer` parameters cross the FFI boundary and the
 * permission stays scoped to libc's path: `Deno.UnsafePointer.of` would
 * need an unscoped `--allow-ffi`. The layouts are those of 64-bit Linux
 * (x86_64 and aarch64).
 *
 * @module
 */

import type { Clock } from "../../time/clock.ts";
import type { Instant } from "../../time/instant.ts";
import {
  type DatagramBatch,
  type DatagramEndpoint,
  type DatagramSink,
  MAX_BATCH,
  MAX_DATAGRAM_BYTES,
} from "../datagram.ts";
import { bindSocket, ONE } from "./bind_socket.ts";
import {
  CLOCK_REALTIME,
  EAGAIN,
  EPOLLIN,
  MSG_DONTWAIT,
  SO_TIMESTAMPNS,
  SOCK_DGRAM,
  SOL_SOCKET,
} from "./constants.ts";
import {
  CONTROL_SLOT,
  IOVEC_BYTES,
  MMSGHDR_BYTES,
  MSG_CONTROL,
  MSG_CONTROLLEN,
  MSG_IOV,
  MSG_IOVLEN,
  MSG_LEN,
  MSG_NAME,
  MSG_NAMELEN,
  readTimespec,
  receiveStamp,
  TIMESPEC_BYTES,
} from "./msghdr.ts";
import { type EpollLoop, type EpollTarget, MAX_AT_ONCE_PER_TURN } from "./epoll_loop.ts";
import { SOCKADDR_BYTES, sockaddrHostname, sockaddrPort } from "./sockaddr.ts";

/** Room for one peer address (a struct sockaddr_in6, 28 bytes), 8-byte aligned. */
const ADDRESS_SLOT = 32;

// The layout of the one buffer every receive and send uses.
const SLOTS = 0;
const REPLIES = SLOTS + MAX_BATCH * MAX_DATAGRAM_BYTES;
const ADDRESSES = REPLIES + MAX_BATCH * MAX_DATAGRAM_BYTES;
const CONTROLS = ADDRESSES + MAX_BATCH * ADDRESS_SLOT;
const RECV_IOVECS = CONTROLS + MAX_BATCH * CONTROL_SLOT;
const SEND_IOVECS = RECV_IOVECS + MAX_BATCH * IOVEC_BYTES;
const RECV_HEADERS = SEND_IOVECS + MAX_BATCH * IOVEC_BYTES;
const SEND_HEADERS = RECV_HEADERS + MAX_BATCH * MMSGHDR_BYTES;
/** A struct timespec `clock_gettime` writes the transmit time into. */
const NOW = SEND_HEADERS + MAX_BATCH * MMSGHDR_BYTES;
const MEMORY_BYTES = NOW + TIMESPEC_BYTES;

/**
 * A bound UDP socket of the kernel engine.
 *
 * @example Usage
 * ```ts ignore
 * import { KernelDatagramSocket } from "./datagram_socket.ts";
 * const socket = KernelDatagramSocket.bind(loop, systemClock, "127.0.0.1", 0);
 * await socket.serve(sink); // until socket.close()
 * ```
 */
export class KernelDatagramSocket implements DatagramEndpoint, DatagramBatch, EpollTarget {
  /** The address bound. */
  readonly addr: Deno.NetAddr;
  /** How many datagrams the current batch holds. */
  count = 0;
  readonly #loop: EpollLoop;
  readonly #clock: Clock;
  readonly #fd: number;
  /**
   * Every buffer the kernel reads or writes, in one allocation: its backing
   * store is off the V8 heap and never moves, so the addresses written into
   * the message headers stay valid for the socket's life.
   */
  readonly #bytes = new Uint8Array(MEMORY_BYTES);
  readonly #view = new DataView(this.#bytes.buffer);
  readonly #recvHeaders = this.#bytes.subarray(RECV_HEADERS, SEND_HEADERS);
  readonly #sendHeaders = this.#bytes.subarray(SEND_HEADERS, NOW);
  readonly #now = this.#bytes.subarray(NOW, MEMORY_BYTES);
  readonly #slots: Uint8Array[] = [];
  readonly #replyAddresses: bigint[] = [];
  readonly #nameAddresses: bigint[] = [];
  /** Which datagram each queued answer answers. */
  readonly #queuedSlots = new Uint8Array(MAX_BATCH);
  readonly #peer: { transport: "udp"; hostname: string; port: number } = {
    transport: "udp",
    hostname: "",
    port: 0,
  };
  #queued = 0;
  #sink: DatagramSink | null = null;
  #stopped: (() => void) | null = null;
  #turn = -1;
  #batchesThisTurn = 0;
  #closed = false;

  private constructor(loop: EpollLoop, clock: Clock, fd: number, addr: Deno.NetAddr) {
    this.#loop = loop;
    this.#clock = clock;
    this.#fd = fd;
    this.addr = addr;
    // memset(p, 0, 0) returns p: the buffer's address, without the unscoped
    // FFI permission Deno.UnsafePointer.of would need.
    const base = BigInt(loop.libc.symbols.memset(this.#bytes, 0, 0n));
    const view = this.#view;
    const at = (offset: number) => base + BigInt(offset);
    for (let i = 0; i < MAX_BATCH; i++) {
      this.#slots.push(
        this.#bytes.subarray(SLOTS + i * MAX_DATAGRAM_BYTES, SLOTS + (i + 1) * MAX_DATAGRAM_BYTES),
      );
      this.#replyAddresses.push(at(REPLIES + i * MAX_DATAGRAM_BYTES));
      this.#nameAddresses.push(at(ADDRESSES + i * ADDRESS_SLOT));
      const iovec = RECV_IOVECS + i * IOVEC_BYTES;
      view.setBigUint64(iovec, at(SLOTS + i * MAX_DATAGRAM_BYTES), true);
      view.setBigUint64(iovec + 8, BigInt(MAX_DATAGRAM_BYTES), true);
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
   * Opens and binds a socket on the loop.
   *
   * @param loop The isolate's loop.
   * @param clock Stamps datagrams the kernel attached no stamp to (the answers are
   *   stamped by CLOCK_REALTIME through libc, the receive stamps' clock).
   * @param hostname A numeric IPv4 or IPv6 address, `""` for every interface, or `localhost`.
   * @param port The port; 0 lets the kernel choose.
   * @returns The socket.
   * @throws {Deno.errors.AddrInUse | Deno.errors.PermissionDenied | Error} When the bind fails.
   */
  static bind(loop: EpollLoop, clock: Clock, hostname: string, port: number): KernelDatagramSocket {
    const { fd, addr } = bindSocket(loop.libc, SOCK_DGRAM, hostname, port, [
      [SOL_SOCKET, SO_TIMESTAMPNS, ONE],
    ]);
    return new KernelDatagramSocket(loop, clock, fd, addr);
  }

  /**
   * Delivers batches to `sink` until {@linkcode KernelDatagramSocket.close}.
   *
   * @param sink Handles each batch.
   * @returns A promise that settles once closed.
   */
  serve(sink: DatagramSink): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#sink = sink;
    const stopped = new Promise<void>((resolve) => this.#stopped = resolve);
    // Adding a socket with datagrams already queued reports it at once.
    this.#loop.add(this.#fd, EPOLLIN, this);
    return stopped;
  }

  /** Called by the loop: drains the socket a batch at a time, within the per-turn bound. */
  onEvents(): void {
    const sink = this.#sink;
    if (this.#closed || sink === null) return;
    if (this.#turn !== this.#loop.turn) {
      this.#turn = this.#loop.turn;
      this.#batchesThisTurn = 0;
    }
    while (!this.#closed) {
      if (++this.#batchesThisTurn > MAX_AT_ONCE_PER_TURN) {
        this.#loop.defer(this);
        return;
      }
      const count = this.#receive();
      if (count <= 0) return;
      this.count = count;
      this.#queued = 0;
      try {
        sink.onBatch(this);
      } finally {
        this.#flush(sink);
      }
      // A short batch drained the queue; later datagrams raise a new edge.
      if (count < MAX_BATCH) return;
    }
  }

  /** One `recvmmsg` without blocking: how many arrived, 0 for none (or an error). */
  #receive(): number {
    // The kernel shrank the name and control lengths of the slots the last
    // batch filled; only those need restoring.
    const view = this.#view;
    for (let i = 0; i < this.count; i++) {
      const header = RECV_HEADERS + i * MMSGHDR_BYTES;
      view.setUint32(header + MSG_NAMELEN, SOCKADDR_BYTES, true);
      view.setUint32(header + MSG_CONTROLLEN, CONTROL_SLOT, true);
    }
    // EINTR, or an ICMP error reported for an earlier send (reading it
    // clears it): try again, a few times at most.
    for (let attempt = 0; attempt < 4; attempt++) {
      const count = this.#loop.libc.symbols.recvmmsg(
        this.#fd,
        this.#recvHeaders,
        MAX_BATCH,
        MSG_DONTWAIT,
        null,
      );
      if (count >= 0) return count;
      if (this.#loop.errno() === EAGAIN) return 0;
    }
    return 0;
  }

  /**
   * The payload of datagram `i` (a view, valid during the batch).
   *
   * @param i Its index.
   * @returns The payload (cut at {@linkcode MAX_DATAGRAM_BYTES}).
   */
  payload(i: number): Uint8Array {
    const length = this.#view.getUint32(RECV_HEADERS + i * MMSGHDR_BYTES + MSG_LEN, true);
    return this.#slots[i].subarray(0, Math.min(length, MAX_DATAGRAM_BYTES));
  }

  /**
   * When datagram `i` reached the socket, by the kernel's `SO_TIMESTAMPNS`
   * stamp (the system clock): exact however long it waited in the queue or
   * the batch. The clock, if the kernel attached no stamp.
   *
   * @param i Its index.
   * @returns The instant.
   */
  receivedAt(i: number): Instant {
    const length = this.#view.getUint32(RECV_HEADERS + i * MMSGHDR_BYTES + MSG_CONTROLLEN, true);
    return receiveStamp(this.#view, CONTROLS + i * CONTROL_SLOT, length) ?? this.#clock.now();
  }

  /**
   * The transmit time: CLOCK_REALTIME, the clock of the receive stamps, read
   * through libc (the vDSO). `Temporal.Now.instant()` reads the same clock
   * but spends microseconds on either side of its reading (tens on a cold
   * cache, as when a lone query wakes the loop), all of it counted in the
   * client's round trip; this read costs one FFI call.
   */
  #transmitTime(): Instant {
    if (this.#loop.libc.symbols.clock_gettime(CLOCK_REALTIME, this.#now) !== 0) {
      return this.#clock.now();
    }
    return readTimespec(this.#view, NOW);
  }

  /**
   * The sender of datagram `i`, in one reused object.
   *
   * @param i Its index.
   * @returns The address (`::ffff:a.b.c.d` for IPv4 on a dual-stack socket).
   */
  peer(i: number): Deno.NetAddr {
    const at = ADDRESSES + i * ADDRESS_SLOT;
    this.#peer.port = sockaddrPort(this.#view, at);
    this.#peer.hostname = sockaddrHostname(this.#view, at);
    return this.#peer;
  }

  /**
   * Queues `answer` as the answer to datagram `i`.
   *
   * @param i The index of the datagram answered.
   * @param answer The answer (copied).
   * @returns Whether it was queued (false: longer than {@linkcode MAX_DATAGRAM_BYTES}).
   */
  reply(i: number, answer: Uint8Array): boolean {
    if (answer.length > MAX_DATAGRAM_BYTES) return false;
    const j = this.#queued++;
    this.#queuedSlots[j] = i;
    this.#bytes.set(answer, REPLIES + i * MAX_DATAGRAM_BYTES);
    const view = this.#view;
    const iovec = SEND_IOVECS + j * IOVEC_BYTES;
    view.setBigUint64(iovec, this.#replyAddresses[i], true);
    view.setUint32(iovec + 8, answer.length, true);
    const header = SEND_HEADERS + j * MMSGHDR_BYTES;
    view.setBigUint64(header + MSG_NAME, this.#nameAddresses[i], true);
    view.setUint32(
      header + MSG_NAMELEN,
      view.getUint32(RECV_HEADERS + i * MMSGHDR_BYTES + MSG_NAMELEN, true),
      true,
    );
    return true;
  }

  /** Stamps and sends the queued answers with `sendmmsg`, never blocking. */
  #flush(sink: DatagramSink): void {
    const queued = this.#queued;
    if (queued === 0) return;
    this.#queued = 0;
    if (sink.stamp !== undefined) {
      // Twice: the first pass brings the stamping code and data into the
      // caches of a worker that was idle, so the second, after the clock
      // read that counts, runs hot and nothing slow sits between it and the send.
      this.#stamp(sink.stamp, queued);
      this.#stamp(sink.stamp, queued);
    }
    let sent = 0;
    let next = 0;
    while (next < queued) {
      const count = this.#loop.libc.symbols.sendmmsg(
        this.#fd,
        // No new view on the first try: nothing between the clock and the send.
        next === 0 ? this.#sendHeaders : this.#sendHeaders.subarray(next * MMSGHDR_BYTES),
        queued - next,
        MSG_DONTWAIT,
      );
      if (count > 0) {
        sent += count;
        next += count;
      } else {
        next++; // the kernel refused this one (full buffer, unreachable): skip it
      }
    }
    sink.onSent(sent, queued - sent);
  }

  /** Stamps the `queued` answers with the transmit time read now. */
  #stamp(stamp: NonNullable<DatagramSink["stamp"]>, queued: number): void {
    const transmit = this.#transmitTime();
    const view = this.#view;
    for (let j = 0; j < queued; j++) {
      const offset = REPLIES + this.#queuedSlots[j] * MAX_DATAGRAM_BYTES;
      const length = view.getUint32(SEND_IOVECS + j * IOVEC_BYTES + 8, true);
      stamp(this.#bytes.subarray(offset, offset + length), transmit);
    }
  }

  /** Stops receiving and closes the socket. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#loop.remove(this.#fd);
    this.#loop.libc.symbols.close(this.#fd);
    this.#stopped?.();
  }
}
