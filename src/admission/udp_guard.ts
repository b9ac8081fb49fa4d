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
export type UdpService = "session" | "daytime" | "time" | "ntp" | "ntp-smear" | "roughtime";

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
 * Source ports whose datagrams are always dropped as possible reflection
 * loops: the classic small services that answer any datagram (echo 7,
 * systat 11, daytime 13, qotd 17, chargen 19, time 37), NTP 123 (whose
 * answers the text services would answer in turn; NTP itself accepts it),
 * Roughtime 2002, and clockd's own default ports (1200, 10013, 10037,
 * 10123), where another clockd may be answering. Every port this process
 * answers UDP on is added per guard ({@linkcode UdpGuardOptions.udpPorts}).
 */
export const REFLECTION_PORTS: readonly number[] = [
  7,
  11,
  13,
  17,
  19,
  37,
  123,
  1200,
  2002,
  10013,
  10037,
  10123,
];

/** Bytes of IPv4 and UDP header on the wire around every datagram. */
export const UDP_IPV4_OVERHEAD_BYTES = 28;

/**
 * The anti-amplification bound (QUIC's, RFC 9000 §8.1): over UDP an answer
 * is never more than this many times its request, headers counted on both
 * sides, at any settings.
 */
export const AMPLIFICATION_FACTOR = 3;

/** Settings of a {@linkcode UdpGuard}. */
export interface UdpGuardOptions {
  /** The service guarded. NTP accepts source port 123, and only NTP is ever kissed. */
  readonly service: UdpService;
  /** Who may be answered. */
  readonly access: AccessList;
  /** The per-source limiter keyed by `sourcePrefix()`, or null when the rate limit is off. */
  readonly limiter: RateLimiter | null;
  /**
   * Every port on which this clockd answers UDP. A datagram from any of
   * them is dropped: it comes from one of clockd's own services (spoofed,
   * or another clockd on the same ports), and two services answering each
   * other would loop for ever, whatever the rate settings.
   *
   * @default {[]}
   */
  readonly udpPorts?: readonly number[];
}

/**
 * The UDP admission chain of one listener.
 *
 * @example Usage
 * ```ts
 * import { AccessList } from "./access_list.ts";
 * import { UdpGuard } from "./udp_guard.ts";
 * const guard = new UdpGuard({
 *   service: "daytime", access: new AccessList(), limiter: null, udpPorts: [1200, 10013],
 * });
 * if (guard.check({ hostname: "192.0.2.1", port: 1200 }) !== "reflection") throw new Error();
 * if (guard.check({ hostname: "192.0.2.1", port: 40000 }) !== "ok") throw new Error();
 * ```
 */
export class UdpGuard {
  readonly #ntp: boolean;
  readonly #access: AccessList;
  readonly #limiter: RateLimiter | null;
  readonly #blocked: Uint8Array = new Uint8Array(65536);

  /**
   * Makes the guard of one UDP listener.
   *
   * @param options The service, access list, limiter and clockd's UDP ports.
   */
  constructor(options: UdpGuardOptions) {
    this.#ntp = options.service === "ntp" || options.service === "ntp-smear";
    this.#access = options.access;
    this.#limiter = options.limiter;
    for (const port of [...REFLECTION_PORTS, ...(options.udpPorts ?? [])]) {
      this.#blocked[port] = 1;
    }
    // NTP clients and peers send from 123; NTP never answers an answer.
    if (this.#ntp) this.#blocked[NTP_PORT] = 0;
  }

  /**
   * Runs the chain for one datagram: reflection guard (source port in
   * {@linkcode REFLECTION_PORTS} or one of clockd's UDP ports; NTP accepts
   * 123), access list, then rate limit keyed by
   * `sourcePrefix(remote.hostname)`. A datagram refused early takes no token.
   *
   * @param remote The datagram's source.
   * @returns `"ok"`, or why not to answer; `"rate-limited-kiss"` only for NTP.
   */
  check(remote: { readonly hostname: string; readonly port: number }): GuardVerdict {
    if (this.#blocked[remote.port] === 1) return "reflection";
    if (!this.#access.permits(remote.hostname)) return "denied";
    const limiter = this.#limiter;
    if (limiter === null) return "ok";
    const verdict = limiter.take(sourcePrefix(remote.hostname));
    if (verdict === RateVerdict.ALLOW) return "ok";
    return verdict === RateVerdict.LIMITED_KISS && this.#ntp ? "rate-limited-kiss" : "rate-limited";
  }
}

/**
 * The anti-amplification bound, after the answer is built: an answer may
 * have at most {@linkcode AMPLIFICATION_FACTOR} times its request's bytes on
 * the wire, with {@linkcode UDP_IPV4_OVERHEAD_BYTES} of header on each side
 * (so an empty request may get 56 bytes of payload: a daytime line, a
 * time answer, a session time line). Applies at every setting; the rate
 * limit does not lift it, since a spoofed source passes it once.
 *
 * @param requestLength The request's payload bytes.
 * @param answerLength The answer's payload bytes.
 * @returns True to send the answer.
 *
 * @example Usage
 * ```ts
 * import { allowsAnswer } from "./udp_guard.ts";
 * if (!allowsAnswer(0, 56) || allowsAnswer(0, 57)) throw new Error("56 bytes for nothing");
 * if (!allowsAnswer(48, 48)) throw new Error("NTP");
 * ```
 */
export function allowsAnswer(requestLength: number, answerLength: number): boolean {
  return answerLength <= largestAnswer(requestLength);
}

/**
 * The largest answer payload a request of this many bytes may get.
 *
 * @param requestLength The request's payload bytes.
 * @returns Payload bytes.
 *
 * @example Usage
 * ```ts
 * import { largestAnswer } from "./udp_guard.ts";
 * if (largestAnswer(10) !== 3 * 38 - 28) throw new Error();
 * ```
 */
export function largestAnswer(requestLength: number): number {
  return AMPLIFICATION_FACTOR * (requestLength + UDP_IPV4_OVERHEAD_BYTES) -
    UDP_IPV4_OVERHEAD_BYTES;
}

/**
 * The smallest request payload that may get an answer of this many bytes:
 * what a client pads its request to.
 *
 * @param answerLength The answer's payload bytes.
 * @returns Request payload bytes.
 *
 * @example Usage
 * ```ts
 * import { largestAnswer, paddedRequestLength } from "./udp_guard.ts";
 * const n = paddedRequestLength(300);
 * if (largestAnswer(n) < 300 || largestAnswer(n - 1) >= 300) throw new Error();
 * ```
 */
export function paddedRequestLength(answerLength: number): number {
  return Math.max(
    0,
    Math.ceil((answerLength + UDP_IPV4_OVERHEAD_BYTES) / AMPLIFICATION_FACTOR) -
      UDP_IPV4_OVERHEAD_BYTES,
  );
}
