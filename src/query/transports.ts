/**
 * The I/O of `clockd query`: resolve a host, then one TCP or UDP exchange
 * bounded by one deadline, timestamped with a {@linkcode Clock}. Every
 * failure a user can cause or meet (no such host, refused, timeout, reset)
 * becomes a {@linkcode QueryError} with a one-line message; anything else
 * is a bug and propagates.
 *
 * UDP goes through a connected socket of libc's where FFI to libc is
 * granted (Linux), so that a refusal (ICMP port unreachable) ends the query
 * at once; elsewhere through Deno's unconnected sockets, which learn of
 * none on Linux and wait for the timeout.
 *
 * @module
 */

import { lookup } from "node:dns/promises";
import type { Clock } from "../time/clock.ts";
import type { Instant } from "../time/instant.ts";
import { connectedUdpExchange } from "./connected_udp.ts";
import { canonicalAddress, ipFamily } from "./ip_text.ts";
import { QueryError, timeoutError } from "./query_error.ts";

/** An address a host name resolved to. */
export interface ResolvedAddress {
  /** The IP address, IPv6 without brackets. */
  readonly address: string;
  /** 4 or 6. */
  readonly family: 4 | 6;
}

/** The most addresses of one name a query tries. */
const MAX_ADDRESSES = 4;
/** Receive buffer for UDP answers: any answer worth reading fits. */
const UDP_BUFFER_BYTES = 2048;

const DNS_MESSAGES: Record<string, string> = {
  ENOTFOUND: "no such host",
  EAI_NONAME: "no such host",
  EAI_NODATA: "the host has no address",
  ENODATA: "the host has no address",
  EAI_AGAIN: "temporary DNS failure",
  EAI_FAIL: "DNS failure",
};

/**
 * Runs a promise against a deadline.
 *
 * @returns What the promise gives, or throws a timeout {@linkcode QueryError}.
 */
async function withDeadline<T>(
  promise: Promise<T>,
  deadline: number,
  timeoutMs: number,
  onLate: (value: T) => void = () => {},
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let late = false;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          late = true;
          reject(timeoutError(timeoutMs));
        }, Math.max(0, deadline - performance.now()));
      }),
    ]);
  } finally {
    clearTimeout(timer);
    if (late) promise.then(onLate, () => {});
  }
}

/**
 * Resolves a host name with the system resolver (getaddrinfo, so
 * `/etc/hosts` and `localhost` work); IP literals resolve to themselves.
 *
 * @param hostname A name or an IP address (IPv6 without brackets).
 * @param timeoutMs The query's timeout, for the message.
 * @param deadline When the lookup must be done, on the `performance.now()`
 *   clock; `timeoutMs` from now by default.
 * @returns Up to four addresses, in the resolver's order.
 * @throws {QueryError} `dns` with a readable reason, or `timeout`.
 *
 * @example Usage
 * ```ts
 * import { resolveHost } from "./transports.ts";
 * const [first] = await resolveHost("127.0.0.1", 1000);
 * if (first.address !== "127.0.0.1" || first.family !== 4) throw new Error();
 * ```
 */
export async function resolveHost(
  hostname: string,
  timeoutMs: number,
  deadline: number = performance.now() + timeoutMs,
): Promise<ResolvedAddress[]> {
  const literal = ipFamily(hostname);
  if (literal !== null) return [{ address: hostname, family: literal }];
  let found: { address: string; family: number }[];
  try {
    found = await withDeadline(
      lookup(hostname, { all: true, verbatim: true }),
      deadline,
      timeoutMs,
    );
  } catch (error) {
    if (error instanceof QueryError) throw error;
    const code = (error as { code?: string }).code ?? "";
    const reason = DNS_MESSAGES[code] ?? (code === "" ? String(error) : code);
    throw new QueryError("dns", `cannot resolve "${hostname}": ${reason}`);
  }
  const addresses = found.filter((a) => a.family === 4 || a.family === 6)
    .map((a) => ({ address: a.address, family: a.family as 4 | 6 }));
  if (addresses.length === 0) {
    throw new QueryError("dns", `cannot resolve "${hostname}": the host has no address`);
  }
  return addresses.slice(0, MAX_ADDRESSES);
}

/** What one exchange got back, and when. */
export interface Exchange {
  /** The bytes received (a copy). */
  readonly bytes: Uint8Array;
  /** When the request was sent (TCP without a request: when the connection was made). */
  readonly sent: Instant;
  /** When the first bytes of the answer arrived (or the connection closed without any). */
  readonly received: Instant;
}

/** Settings of {@linkcode tcpExchange}. */
export interface TcpExchangeOptions {
  /** The host: a name or an IP address. */
  readonly hostname: string;
  /** The port. */
  readonly port: number;
  /** Written once connected; null to write nothing (daytime, time). */
  readonly request: Uint8Array | null;
  /** Whether the bytes so far are a whole answer; reading also stops at end of stream. */
  readonly isComplete: (received: Uint8Array) => boolean;
  /** Reading stops once more than this has arrived. */
  readonly maxBytes: number;
  /** The deadline for the whole exchange, lookup and connect included, milliseconds. */
  readonly timeoutMs: number;
  /** Where the timestamps come from. */
  readonly clock: Clock;
}

/**
 * One TCP exchange: resolve, connect to each address in turn until one
 * accepts, write the request, read until the answer is complete, the
 * server closes, or `maxBytes` is exceeded, then close.
 *
 * `sent` is taken just before the request is written or, with no request,
 * once the connection is made (the server reads its clock after accepting,
 * so the handshake is not part of the exchange); `received` when the first
 * bytes arrive.
 *
 * @param options What to exchange, with whom, and the deadline.
 * @returns The bytes and timestamps.
 * @throws {QueryError} On lookup failure, refusal, reset or timeout.
 */
export async function tcpExchange(options: TcpExchangeOptions): Promise<Exchange> {
  const { clock, timeoutMs } = options;
  const deadline = performance.now() + timeoutMs;
  const addresses = await resolveHost(options.hostname, timeoutMs, deadline);
  let conn: Deno.TcpConn | null = null;
  let failure: unknown = null;
  for (const { address } of addresses) {
    try {
      conn = await withDeadline(
        Deno.connect({ hostname: address, port: options.port }),
        deadline,
        timeoutMs,
        (late) => late.close(),
      );
      break;
    } catch (error) {
      if (error instanceof QueryError) throw error;
      failure = error;
    }
  }
  if (conn === null) throw networkError(failure);
  const connection = conn;
  let expired = false;
  const timer = setTimeout(() => {
    expired = true;
    try {
      connection.close();
    } catch { /* closed */ }
  }, Math.max(0, deadline - performance.now()));
  try {
    const sent = clock.now();
    if (options.request !== null) await writeAll(connection, options.request);
    const chunks: Uint8Array[] = [];
    let length = 0;
    let received: Instant | null = null;
    const buffer = new Uint8Array(4096);
    while (length <= options.maxBytes) {
      let count: number | null;
      try {
        count = await connection.read(buffer);
      } catch (error) {
        if (error instanceof Deno.errors.ConnectionReset && length > 0 && !expired) break;
        throw error;
      }
      if (count === null) break;
      received ??= clock.now();
      chunks.push(buffer.slice(0, count));
      length += count;
      if (options.isComplete(concat(chunks, length))) break;
    }
    return { bytes: concat(chunks, length), sent, received: received ?? clock.now() };
  } catch (error) {
    throw expired ? timeoutError(timeoutMs) : networkError(error);
  } finally {
    clearTimeout(timer);
    if (!expired) connection.close();
  }
}

async function writeAll(conn: Deno.TcpConn, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) written += await conn.write(bytes.subarray(written));
}

function concat(chunks: Uint8Array[], length: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

function networkError(error: unknown): QueryError {
  if (error instanceof QueryError) return error;
  if (error instanceof Deno.errors.ConnectionRefused) {
    return new QueryError("refused", "connection refused");
  }
  if (error instanceof Deno.errors.ConnectionReset) {
    return new QueryError("network", "connection reset by the server");
  }
  const message = error instanceof Error ? error.message : String(error);
  return new QueryError("network", message.replace(/\s*\(os error \d+\)$/, "").toLowerCase());
}

/** Settings of {@linkcode udpExchange}. */
export interface UdpExchangeOptions<T> {
  /** The host: a name or an IP address. */
  readonly hostname: string;
  /** The port. */
  readonly port: number;
  /**
   * Builds the datagram to send, given the instant it is sent at (NTP puts
   * it in the transmit field).
   */
  readonly request: (sent: Instant) => Uint8Array;
  /**
   * Looks at a datagram from the server: returns what it means, or
   * undefined to ignore it and keep waiting (NTP: a wrong origin).
   */
  readonly accept: (bytes: Uint8Array, received: Instant) => T | undefined;
  /** The deadline for the whole exchange, lookup included, milliseconds. */
  readonly timeoutMs: number;
  /** Where the timestamps come from. */
  readonly clock: Clock;
}

/** What a UDP exchange got back. */
export interface UdpExchange<T> extends Exchange {
  /** What `accept` made of the answer. */
  readonly value: T;
}

/**
 * One UDP exchange: resolve, send the same datagram to each address (up
 * to four), and wait for the first datagram from one of those addresses
 * and the port that `accept` takes. Datagrams from anywhere else, and
 * those `accept` ignores, are dropped. With FFI to libc, each address has
 * a connected socket, and a refusal from every address is a `refused`
 * error at once; without, one Deno socket per address family sends them
 * all, and only a refusal the system reports on receive ends the wait.
 *
 * @param options What to exchange, with whom, and the deadline.
 * @returns The accepted answer, its bytes and timestamps.
 * @throws {QueryError} On lookup failure, refusal, send failure or timeout.
 */
export async function udpExchange<T>(options: UdpExchangeOptions<T>): Promise<UdpExchange<T>> {
  const { clock, timeoutMs } = options;
  const deadline = performance.now() + timeoutMs;
  const addresses = await resolveHost(options.hostname, timeoutMs, deadline);
  const connected = await connectedUdpExchange(addresses, options, deadline);
  if (connected !== null) return connected;
  const targets = new Set(addresses.map((a) => canonicalAddress(a.address)));
  const sockets = new Map<4 | 6, Deno.DatagramConn>();
  let finished = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    for (const { family } of addresses) {
      if (sockets.has(family)) continue;
      const hostname = family === 4 ? "0.0.0.0" : "::";
      sockets.set(family, Deno.listenDatagram({ transport: "udp", hostname, port: 0 }));
    }
    return await new Promise<UdpExchange<T>>((resolve, reject) => {
      const finish = (settle: () => void) => {
        if (finished) return;
        finished = true;
        settle();
      };
      timer = setTimeout(
        () => finish(() => reject(timeoutError(timeoutMs))),
        Math.max(0, deadline - performance.now()),
      );
      let sent: Instant | null = null;
      for (const socket of sockets.values()) {
        (async () => {
          const buffer = new Uint8Array(UDP_BUFFER_BYTES);
          while (!finished) {
            let data: Uint8Array;
            let from: Deno.NetAddr;
            try {
              [data, from] = await socket.receive(buffer) as [Uint8Array, Deno.NetAddr];
            } catch (error) {
              if (finished) return;
              if (error instanceof Deno.errors.ConnectionRefused) {
                return finish(() => reject(networkError(error)));
              }
              if (error instanceof Deno.errors.BadResource) return;
              return finish(() => reject(networkError(error)));
            }
            const received = clock.now();
            if (sent === null || from.port !== options.port) continue;
            if (!targets.has(canonicalAddress(from.hostname))) continue;
            const value = options.accept(data, received);
            if (value === undefined) continue;
            const bytes = data.slice();
            const at = sent;
            return finish(() => resolve({ value, bytes, sent: at, received }));
          }
        })();
      }
      (async () => {
        const now = clock.now();
        const payload = options.request(now);
        sent = now;
        let failure: unknown = null;
        let delivered = 0;
        for (const { address, family } of addresses) {
          try {
            await sockets.get(family)!.send(payload, {
              transport: "udp",
              hostname: address,
              port: options.port,
            });
            delivered++;
          } catch (error) {
            failure = error;
          }
        }
        if (delivered === 0) finish(() => reject(networkError(failure)));
      })();
    });
  } finally {
    finished = true;
    clearTimeout(timer);
    for (const socket of sockets.values()) {
      try {
        socket.close();
      } catch { /* closed */ }
    }
  }
}
