/**
 * A UDP exchange over connected sockets of libc's, for `clockd query`.
 *
 * Linux tells a UDP socket that a port refused its datagram (ICMP port
 * unreachable) only when the socket is connected to that port; Deno's
 * UDP sockets cannot be connected, so a query of a closed port would wait
 * for its whole timeout. Here each address gets a socket `connect`ed to it
 * (which also makes the kernel drop datagrams from anyone else), the
 * request is sent on each, and one `poll` waits for an answer or an error:
 * a refusal from every address is reported at once.
 *
 * On the system clock the exchange's two instants are the ones a server
 * sees: the send instant is read from CLOCK_REALTIME through libc just
 * before the request is built and sent, and the receive instant is the
 * kernel's `SO_TIMESTAMPNS` stamp of the answer, as clockd's and chronyd's
 * servers stamp requests. So this process's own wake-up after `poll` (tens
 * of microseconds) is not counted in an NTP round trip or offset.
 *
 * @module
 */

import { ERRNO_SYMBOLS, openLibc, readErrno } from "../io/linux/libc.ts";
import {
  CLOCK_REALTIME,
  EACCES,
  EADDRNOTAVAIL,
  EAFNOSUPPORT,
  EAGAIN,
  ECONNREFUSED,
  EHOSTUNREACH,
  EMSGSIZE,
  ENETUNREACH,
  EPERM,
  MSG_DONTWAIT,
  MSG_NOSIGNAL,
  SO_TIMESTAMPNS,
  SOCK_CLOEXEC,
  SOCK_DGRAM,
  SOCK_NONBLOCK,
  SOL_SOCKET,
} from "../io/linux/constants.ts";
import {
  CONTROL_SLOT,
  IOVEC_BYTES,
  MSG_CONTROL,
  MSG_CONTROLLEN,
  MSG_IOV,
  MSG_IOVLEN,
  MSGHDR_BYTES,
  readTimespec,
  receiveStamp,
  TIMESPEC_BYTES,
} from "../io/linux/msghdr.ts";
import { ONE } from "../io/linux/bind_socket.ts";
import { encodeSockaddr, SOCKADDR_BYTES } from "../io/linux/sockaddr.ts";
import { type Clock, systemClock } from "../time/clock.ts";
import type { Instant } from "../time/instant.ts";
import { QueryError, timeoutError } from "./query_error.ts";
import type { ResolvedAddress, UdpExchange, UdpExchangeOptions } from "./transports.ts";

/** `poll()` event: data to read. */
const POLLIN = 0x001;
/** `sizeof(struct pollfd)`: `int fd; short events; short revents`. */
const POLLFD_BYTES = 8;
/** Receive buffer: any answer worth reading fits. */
const BUFFER_BYTES = 2048;

// One exchange's memory for recvmsg and clock_gettime: a struct msghdr, its
// one struct iovec, the control buffer, the data, a struct timespec.
const IOVEC = MSGHDR_BYTES;
const CONTROL = IOVEC + IOVEC_BYTES;
const DATA = CONTROL + CONTROL_SLOT;
const NOW = DATA + BUFFER_BYTES;
const MEMORY_BYTES = NOW + TIMESPEC_BYTES;

/** Other `errno` values a query can meet, as the one-line reason shown. */
const ERRNO_MESSAGES: Record<number, string> = {
  [EPERM]: "operation not permitted (a firewall?)",
  [EACCES]: "permission denied",
  [EMSGSIZE]: "message too long",
  [EAFNOSUPPORT]: "address family not supported",
  [EADDRNOTAVAIL]: "cannot assign the requested address",
  [ENETUNREACH]: "network is unreachable",
  [ECONNREFUSED]: "connection refused",
  [EHOSTUNREACH]: "no route to host",
};

const SYMBOLS = {
  ...ERRNO_SYMBOLS,
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  connect: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  setsockopt: { parameters: ["i32", "i32", "i32", "buffer", "u32"], result: "i32" },
  send: { parameters: ["i32", "buffer", "usize", "i32"], result: "isize" },
  recvmsg: { parameters: ["i32", "buffer", "i32"], result: "isize" },
  memset: { parameters: ["buffer", "i32", "usize"], result: "usize" },
  clock_gettime: { parameters: ["i32", "buffer"], result: "i32" },
  poll: { parameters: ["buffer", "u64", "i32"], result: "i32", nonblocking: true },
  close: { parameters: ["i32"], result: "i32" },
} as const;

type Libc = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

/** libc, opened on first use; null where it cannot be (not Linux, no FFI grant). */
let opened: Libc | null | undefined;

function libc(): Libc | null {
  if (opened === undefined) {
    const library = openLibc(SYMBOLS, "connected UDP");
    opened = "error" in library ? null : library.symbols;
  }
  return opened;
}

/**
 * Whether UDP exchanges go over libc's connected sockets here (Linux, FFI
 * to libc granted), with kernel receive stamps; Deno's sockets otherwise.
 *
 * @returns True when they do.
 *
 * @example Usage
 * ```ts
 * import { connectedUdpAvailable } from "./connected_udp.ts";
 * console.log(connectedUdpAvailable() ? "kernel receive stamps" : "clock reads");
 * ```
 */
export function connectedUdpAvailable(): boolean {
  return libc() !== null;
}

/** One address's socket, or why it has none any more. */
interface Peer {
  fd: number;
  failure: { errno: number } | null;
}

/**
 * One UDP exchange over connected sockets, when libc can be reached: the
 * same contract as `udpExchange`, except that a refusal is seen at once.
 *
 * @param addresses The addresses to ask (up to four).
 * @param options What to send, how to read the answer, the clock.
 * @param deadline When to give up, on the `performance.now()` clock.
 * @returns The answer, or null when libc is out of reach (use Deno's sockets).
 * @throws {QueryError} `refused` when every address refused, `timeout`, or
 *   `network` with the system's reason when no address can be asked.
 *
 * @example Usage
 * ```ts ignore
 * import { connectedUdpExchange } from "./connected_udp.ts";
 * import { systemClock } from "../time/clock.ts";
 * await connectedUdpExchange([{ address: "127.0.0.1", family: 4 }], {
 *   hostname: "127.0.0.1",
 *   port: 9,
 *   request: () => new Uint8Array(1),
 *   accept: () => true,
 *   timeoutMs: 2000,
 *   clock: systemClock,
 * }, performance.now() + 2000); // throws QueryError: connection refused, at once
 * ```
 */
export async function connectedUdpExchange<T>(
  addresses: readonly ResolvedAddress[],
  options: UdpExchangeOptions<T>,
  deadline: number,
): Promise<UdpExchange<T> | null> {
  const symbols = libc();
  if (symbols === null) return null;
  const peers = addresses.map((address) => connect(symbols, address, options.port));
  const memory = new ExchangeMemory(symbols, options.clock);
  try {
    const sent = memory.now();
    const payload = options.request(sent);
    for (const peer of peers) {
      if (peer.failure !== null) continue;
      if (symbols.send(peer.fd, payload, BigInt(payload.length), MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
        peer.failure = { errno: readErrno(symbols) };
      }
    }
    const pollfds = new Uint8Array(POLLFD_BYTES * peers.length);
    const view = new DataView(pollfds.buffer);
    for (;;) {
      const live = peers.filter((peer) => peer.failure === null);
      if (live.length === 0) throw failureOf(peers);
      const remaining = Math.ceil(deadline - performance.now());
      if (remaining <= 0) throw timeoutError(options.timeoutMs);
      live.forEach((peer, i) => {
        view.setInt32(i * POLLFD_BYTES, peer.fd, true);
        view.setInt16(i * POLLFD_BYTES + 4, POLLIN, true);
        view.setInt16(i * POLLFD_BYTES + 6, 0, true);
      });
      const ready = await symbols.poll(pollfds, BigInt(live.length), remaining);
      const polled = options.clock.now();
      if (ready <= 0) continue;
      for (const [i, peer] of live.entries()) {
        if (view.getInt16(i * POLLFD_BYTES + 6, true) === 0) continue;
        // Read every datagram waiting: an error (a refusal) comes out of recvmsg too.
        for (;;) {
          const count = memory.receive(peer.fd);
          if (count < 0) {
            const errno = readErrno(symbols);
            if (errno !== EAGAIN) peer.failure = { errno };
            break;
          }
          const bytes = memory.data(count);
          const received = memory.stamp() ?? polled;
          const value = options.accept(bytes, received);
          if (value !== undefined) return { value, bytes, sent, received };
        }
      }
    }
  } finally {
    for (const peer of peers) if (peer.fd >= 0) symbols.close(peer.fd);
  }
}

/**
 * One exchange's memory for `recvmsg` and `clock_gettime`, and the reads
 * of the system clock (through libc) when the exchange's clock is it.
 */
class ExchangeMemory {
  readonly #symbols: Libc;
  readonly #clock: Clock;
  /** Whether the clock is CLOCK_REALTIME, the kernel stamps' clock. */
  readonly #kernelTime: boolean;
  readonly #bytes = new Uint8Array(MEMORY_BYTES);
  readonly #view = new DataView(this.#bytes.buffer);
  readonly #now = this.#bytes.subarray(NOW);

  constructor(symbols: Libc, clock: Clock) {
    this.#symbols = symbols;
    this.#clock = clock;
    this.#kernelTime = clock === systemClock;
    // memset(p, 0, 0) returns p: the buffer's address (its backing store never moves).
    const base = BigInt(symbols.memset(this.#bytes, 0, 0n));
    const view = this.#view;
    view.setBigUint64(MSG_IOV, base + BigInt(IOVEC), true);
    view.setBigUint64(MSG_IOVLEN, 1n, true);
    view.setBigUint64(MSG_CONTROL, base + BigInt(CONTROL), true);
    view.setBigUint64(IOVEC, base + BigInt(DATA), true);
    view.setBigUint64(IOVEC + 8, BigInt(BUFFER_BYTES), true);
  }

  /** The send instant: CLOCK_REALTIME read now through libc, or the clock's reading. */
  now(): Instant {
    if (this.#kernelTime && this.#symbols.clock_gettime(CLOCK_REALTIME, this.#now) === 0) {
      return readTimespec(this.#view, NOW);
    }
    return this.#clock.now();
  }

  /** One `recvmsg` without blocking: the bytes received, or −1 (see errno). */
  receive(fd: number): number {
    this.#view.setBigUint64(MSG_CONTROLLEN, BigInt(CONTROL_SLOT), true);
    return Number(this.#symbols.recvmsg(fd, this.#bytes, MSG_DONTWAIT));
  }

  /** A copy of the datagram just received. */
  data(count: number): Uint8Array {
    return this.#bytes.slice(DATA, DATA + Math.min(count, BUFFER_BYTES));
  }

  /** The kernel's receive stamp of the datagram just received, on the system clock only. */
  stamp(): Instant | null {
    if (!this.#kernelTime) return null;
    const length = this.#view.getUint32(MSG_CONTROLLEN, true);
    return receiveStamp(this.#view, CONTROL, length);
  }
}

/** A non-blocking UDP socket connected to one address, or its failure. */
function connect(symbols: Libc, address: ResolvedAddress, port: number): Peer {
  const sockaddr = new Uint8Array(SOCKADDR_BYTES);
  const encoded = encodeSockaddr(address.address, port, sockaddr);
  if (encoded === null) return { fd: -1, failure: { errno: 97 } };
  const fd = symbols.socket(encoded.family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return { fd, failure: { errno: readErrno(symbols) } };
  // Without the stamp (an old kernel) the receive instant is read after poll.
  symbols.setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, ONE, ONE.length);
  if (symbols.connect(fd, sockaddr, encoded.length) < 0) {
    return { fd, failure: { errno: readErrno(symbols) } };
  }
  return { fd, failure: null };
}

/** Why no address answered: refused if any refused, else the first reason. */
function failureOf(peers: readonly Peer[]): QueryError {
  const errnos = peers.map((peer) => peer.failure?.errno ?? 0);
  if (errnos.includes(ECONNREFUSED)) return new QueryError("refused", "connection refused");
  const errno = errnos.find((e) => e !== 0) ?? 0;
  return new QueryError("network", ERRNO_MESSAGES[errno] ?? `network error (errno ${errno})`);
}
