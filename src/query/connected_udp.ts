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
 * @module
 */

import { ERRNO_SYMBOLS, openLibc, readErrno } from "../io/linux/libc.ts";
import {
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
  SOCK_CLOEXEC,
  SOCK_DGRAM,
  SOCK_NONBLOCK,
} from "../io/linux/constants.ts";
import { encodeSockaddr, SOCKADDR_BYTES } from "../io/linux/sockaddr.ts";
import { QueryError, timeoutError } from "./query_error.ts";
import type { ResolvedAddress, UdpExchange, UdpExchangeOptions } from "./transports.ts";

/** `poll()` event: data to read. */
const POLLIN = 0x001;
/** `sizeof(struct pollfd)`: `int fd; short events; short revents`. */
const POLLFD_BYTES = 8;
/** Receive buffer: any answer worth reading fits. */
const BUFFER_BYTES = 2048;

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
  send: { parameters: ["i32", "buffer", "usize", "i32"], result: "isize" },
  recv: { parameters: ["i32", "buffer", "usize", "i32"], result: "isize" },
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
  try {
    const sent = options.clock.now();
    const payload = options.request(sent);
    for (const peer of peers) {
      if (peer.failure !== null) continue;
      if (symbols.send(peer.fd, payload, BigInt(payload.length), MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
        peer.failure = { errno: readErrno(symbols) };
      }
    }
    const buffer = new Uint8Array(BUFFER_BYTES);
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
      const received = options.clock.now();
      if (ready <= 0) continue;
      for (const [i, peer] of live.entries()) {
        if (view.getInt16(i * POLLFD_BYTES + 6, true) === 0) continue;
        // Read every datagram waiting: an error (a refusal) comes out of recv too.
        for (;;) {
          const count = Number(symbols.recv(peer.fd, buffer, BigInt(buffer.length), MSG_DONTWAIT));
          if (count < 0) {
            const errno = readErrno(symbols);
            if (errno !== EAGAIN) peer.failure = { errno };
            break;
          }
          const bytes = buffer.slice(0, count);
          const value = options.accept(bytes, received);
          if (value !== undefined) return { value, bytes, sent, received };
        }
      }
    }
  } finally {
    for (const peer of peers) if (peer.fd >= 0) symbols.close(peer.fd);
  }
}

/** A non-blocking UDP socket connected to one address, or its failure. */
function connect(symbols: Libc, address: ResolvedAddress, port: number): Peer {
  const sockaddr = new Uint8Array(SOCKADDR_BYTES);
  const encoded = encodeSockaddr(address.address, port, sockaddr);
  if (encoded === null) return { fd: -1, failure: { errno: 97 } };
  const fd = symbols.socket(encoded.family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return { fd, failure: { errno: readErrno(symbols) } };
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
