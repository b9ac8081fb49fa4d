/**
 * The admission chain of a UDP service, as chrony's server mode: a chain of
 * early returns, cheapest first (reflection-loop guard → access list → rate
 * limit), each drop a verdict the caller counts and logs at debug, never an
 * error reply. Then, once the answer is built, an amplification check.
 * Pure: no socket, no clock but the rate limiter's.
 *
 * @module
 */

import type { AccessList } from "./access_list.ts";
import { type RateLimiter, RateVerdict } from "./rate_limiter.ts";
import { sourcePrefix } from "./ip.ts";

/** The NTP port, the one source port NTP accepts among {@linkcode REFLECTION_PORTS}. */
const NTP_PORT = 123;

/** A UDP service clockd serves. */
export type UdpService = "session" | "daytime" | "time" | "ntp";

/**
 * What {@linkcode UdpGuard.check} decided; every value but `"ok"` and
 * `"rate-limited-kiss"` is a drop reason, usable as a metric label:
 * - `"ok"`: answer;
 * - `"reflection"`: the source port is a service that answers any datagram
 *   (or the service's own port), so answering could start an endless loop
 *   between two servers: drop;
 * - `"denied"`: the access list refuses the source: drop;
 * - `"rate-limited"`: the source is over its rate: drop;
 * - `"rate-limited-kiss"` (NTP only): over its rate, and due a RATE
 *   kiss-o'-death: answer with the kiss, not the time (count it as
 *   rate-limited too).
 */
export type GuardVerdict = "ok" | "reflection" | "denied" | "rate-limited" | "rate-limited-kiss";

/**
 * Source ports whose datagrams are dropped as possible reflection loops: the
 * classic small services that answer any datagram (echo 7, systat 11,
 * daytime 13, qotd 17, chargen 19, time 37), and NTP 123, whose answers the
 * text services would answer in turn. A datagram spoofed from one of them
 * would start a loop between that server and clockd. Clients send from
 * ephemeral ports (32768 and up on Linux), never from these.
 *
 * The NTP service drops them too, except 123 (NTP clients and peers send
 * from port 123; NTP servers never answer each other's mode-4 answers). It
 * needs to: a daytime server's `Saturday, …` line starts with 0x53, which
 * reads as NTP version 2, mode 3, so a 48- or 52-byte one would be answered.
 */
export const REFLECTION_PORTS: readonly number[] = [7, 11, 13, 17, 19, 37, 123];

/**
 * Bytes of IPv4 and UDP header around every datagram (20 + 8): the cost of
 * a datagram on the wire, counted on both sides of the amplification ratio.
 */
export const UDP_IPV4_OVERHEAD_BYTES = 28;

/** Default of {@linkcode UdpGuardOptions.amplificationFactor}. */
export const DEFAULT_AMPLIFICATION_FACTOR = 4;

/** Options of a {@linkcode UdpGuard}. */
export interface UdpGuardOptions {
  /**
   * The service guarded. NTP accepts source port 123 (and its own port),
   * and is the only service whose limited sources may be kissed.
   */
  readonly service: UdpService;
  /** Who may be answered. */
  readonly access: AccessList;
  /** The per-source limiter keyed by `sourcePrefix()`, or null when the rate limit is off. */
  readonly limiter: RateLimiter | null;
  /**
   * Most bytes on the wire an answer that did not pass a rate limit may
   * have, as a multiple of the request's bytes on the wire.
   *
   * @default {4}
   */
  readonly amplificationFactor?: number;
  /**
   * The port the service is bound to. When given, datagrams from that same
   * port are dropped as reflection too (except for NTP): they come from
   * another clockd on the same port, or are spoofed to look so, and two
   * session services would answer each other until one rate limit drops a
   * datagram, or forever with the limit off.
   *
   * @default {undefined}
   */
  readonly localPort?: number;
}

/**
 * Decides, per datagram, whether a UDP service answers it.
 *
 * @example Usage
 * ```ts
 * import { AccessList } from "./access_list.ts";
 * import { RateLimiter } from "./rate_limiter.ts";
 * import { UdpGuard } from "./udp_guard.ts";
 * let now = 0;
 * const guard = new UdpGuard({
 *   service: "daytime",
 *   access: new AccessList(),
 *   limiter: new RateLimiter({ rate: 1, burst: 1, now: () => now }),
 * });
 * const client = { hostname: "192.0.2.1", port: 40000 };
 * if (guard.check(client) !== "ok") throw new Error();
 * if (guard.check(client) !== "rate-limited") throw new Error();
 * if (guard.check({ hostname: "192.0.2.2", port: 19 }) !== "reflection") throw new Error();
 * ```
 */
export class UdpGuard {
  readonly #ntp: boolean;
  readonly #access: AccessList;
  readonly #limiter: RateLimiter | null;
  readonly #factor: number;
  readonly #blockedPorts: Uint8Array;
  readonly #localPort: number;

  /**
   * Makes the guard of one UDP listener.
   *
   * @param options The service, access list, limiter, amplification factor and local port.
   * @throws {RangeError} When the amplification factor is below 1.
   */
  constructor(options: UdpGuardOptions) {
    const factor = options.amplificationFactor ?? DEFAULT_AMPLIFICATION_FACTOR;
    if (!(factor >= 1 && Number.isFinite(factor))) {
      throw new RangeError(`amplification factor must be at least 1, got ${factor}`);
    }
    this.#ntp = options.service === "ntp";
    this.#access = options.access;
    this.#limiter = options.limiter;
    this.#factor = factor;
    this.#blockedPorts = new Uint8Array(Math.max(...REFLECTION_PORTS) + 1);
    for (const port of REFLECTION_PORTS) {
      if (!(this.#ntp && port === NTP_PORT)) this.#blockedPorts[port] = 1;
    }
    this.#localPort = this.#ntp ? -1 : options.localPort ?? -1;
  }

  /**
   * Runs the chain for one datagram: reflection guard (source port in
   * {@linkcode REFLECTION_PORTS} or the local port; NTP accepts 123), access
   * list, then rate limit keyed by `sourcePrefix(remote.hostname)`. A
   * datagram refused early takes no token.
   *
   * @param remote The datagram's source.
   * @returns `"ok"`, or why not to answer; `"rate-limited-kiss"` only for NTP.
   */
  check(remote: { readonly hostname: string; readonly port: number }): GuardVerdict {
    const port = remote.port;
    if (
      (port < this.#blockedPorts.length && this.#blockedPorts[port] === 1) ||
      port === this.#localPort
    ) {
      return "reflection";
    }
    if (!this.#access.permits(remote.hostname)) return "denied";
    const limiter = this.#limiter;
    if (limiter === null) return "ok";
    const verdict = limiter.take(sourcePrefix(remote.hostname));
    if (verdict === RateVerdict.ALLOW) return "ok";
    return verdict === RateVerdict.LIMITED_KISS && this.#ntp ? "rate-limited-kiss" : "rate-limited";
  }

  /**
   * The amplification check, after the answer is built: never answer a
   * datagram with more than `amplificationFactor` times its size unless it
   * passed the rate limit. Sizes are counted on the wire, with 28 bytes of
   * IPv4 and UDP header on each side, so an empty datagram still has a size:
   * with the default factor of 4 an answer may have `4 × request + 84` bytes
   * of payload.
   *
   * With the limiter on, every answered datagram passed it and any answer
   * goes. With the rate limit off (`--udp-rate off`), the consequence:
   * answers of up to 84 bytes go to any request, empty ones included (a
   * daytime line, a session time line, a 48-byte NTP answer to a 48-byte
   * request); larger answers to small requests are dropped, e.g. the
   * 163-byte `formats` list for an 8-byte `formats\n` (at most 116 bytes)
   * or the 114-byte `help` line for `help\n` (at most 104), so clockd is
   * never more than a 4× amplifier even when misconfigured. TCP answers
   * them all.
   *
   * @param requestLength The request's payload bytes.
   * @param answerLength The answer's payload bytes.
   * @param passedRateLimit Whether the request passed a rate limit; by
   *   default, whether this guard has a limiter (so `check` said `"ok"`
   *   only after taking a token).
   * @returns True to send the answer, false to drop it as `"amplification"`.
   *
   * @example Usage
   * ```ts
   * import { AccessList } from "./access_list.ts";
   * import { UdpGuard } from "./udp_guard.ts";
   * const guard = new UdpGuard({ service: "session", access: new AccessList(), limiter: null });
   * if (!guard.allowsAnswer(0, 84)) throw new Error("empty request, 84-byte answer");
   * if (guard.allowsAnswer(5, 105)) throw new Error("5-byte request, 105-byte answer");
   * ```
   */
  allowsAnswer(
    requestLength: number,
    answerLength: number,
    passedRateLimit: boolean = this.#limiter !== null,
  ): boolean {
    if (passedRateLimit) return true;
    return answerLength + UDP_IPV4_OVERHEAD_BYTES <=
      this.#factor * (requestLength + UDP_IPV4_OVERHEAD_BYTES);
  }
}
