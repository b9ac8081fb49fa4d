/**
 * Admission: what every listener applies to a client before any work, as
 * a chain of early returns in chrony's manner.
 *
 * - TCP, per connection: access list → per-source connection rate.
 * - UDP, per datagram: reflection-loop ports → access list → per-source rate
 *   (NTP: a RATE kiss-o'-death instead of a drop, once per interval) → the
 *   service's answer → the amplification rule for text answers.
 *
 * Every refusal is counted by reason in the service's counters.
 *
 * @module
 */

import { AccessList, type Cidr } from "./access_list.ts";
import type { RefuseReason, ServiceCounters } from "../ops/counters.ts";
import { RateLimiter, RateVerdict } from "./rate_limiter.ts";
import { sourcePrefix } from "./ip.ts";
import type { ConnectionAdmission } from "../io/stream_server.ts";
import type { DatagramHandler } from "../io/datagram_server.ts";
import { allowsAnswer, UdpGuard, type UdpService } from "./udp_guard.ts";

/** Settings of an {@linkcode Admission}. */
export interface AdmissionOptions {
  /** Clients allowed (with any, everyone else is denied). */
  allow: readonly Cidr[];
  /** Clients denied (deny wins). */
  deny: readonly Cidr[];
  /** New TCP connections per second per source; null: no limit. */
  tcpRate: number | null;
  /** Datagrams per second per source; null: no limit. */
  udpRate: number | null;
  /** Datagrams a quiet source may send at once. */
  udpBurst: number;
  /** Sources each rate table remembers. */
  rateSources: number;
}

/**
 * The access list and the rate tables of one isolate, and the checks built
 * on them.
 *
 * @example Usage
 * ```ts
 * import { Admission } from "./admission.ts";
 * import { parseCidr } from "./access_list.ts";
 * const admission = new Admission({
 *   allow: [], deny: [parseCidr("192.0.2.0/24")], tcpRate: null, udpRate: 20, udpBurst: 40,
 *   rateSources: 1024,
 * });
 * const remote = { transport: "tcp", hostname: "192.0.2.7", port: 40000 } as const;
 * if (admission.tcp(remote) !== "denied") throw new Error();
 * ```
 */
export class Admission {
  readonly #access: AccessList;
  readonly #tcpLimiter: RateLimiter | null;
  readonly #udpLimiter: RateLimiter | null;

  /** @param options The lists and the rates. */
  constructor(options: AdmissionOptions) {
    this.#access = new AccessList(options.allow, options.deny);
    this.#tcpLimiter = options.tcpRate === null
      ? null
      : new RateLimiter({ rate: options.tcpRate, maxSources: options.rateSources });
    this.#udpLimiter = options.udpRate === null ? null : new RateLimiter({
      rate: options.udpRate,
      burst: options.udpBurst,
      maxSources: options.rateSources,
    });
  }

  /**
   * Sources in a rate table now, or null when that transport has no rate limit.
   *
   * @param transport Which table.
   * @returns Its size.
   */
  sources(transport: "tcp" | "udp"): number | null {
    const limiter = transport === "tcp" ? this.#tcpLimiter : this.#udpLimiter;
    return limiter === null ? null : limiter.size;
  }

  /** Whether a new TCP connection may be served, or why not. */
  readonly tcp: ConnectionAdmission = (remote): RefuseReason | null => {
    if (!this.#access.permits(remote.hostname)) return "denied";
    const limiter = this.#tcpLimiter;
    if (limiter !== null && limiter.take(sourcePrefix(remote.hostname)) !== RateVerdict.ALLOW) {
      return "rate-limited";
    }
    return null;
  };

  /**
   * Wraps a service's datagram handler in the UDP checks.
   *
   * @param service The service, for the reflection and kiss rules.
   * @param udpPorts Every port on which this clockd answers UDP (datagrams from them are dropped).
   * @param handle The service's handler.
   * @param kiss For NTP: the RATE kiss-o'-death sent instead of a rate-limit drop.
   * @param tooLarge For text services: the short answer sent instead of one
   *   over the amplification bound (absent: such answers are dropped).
   * @returns The guarded handler.
   */
  udp(
    service: UdpService,
    udpPorts: readonly number[],
    handle: DatagramHandler,
    kiss?: DatagramHandler,
    tooLarge?: (requestLength: number, answerLength: number) => Uint8Array,
  ): DatagramHandler {
    const guard = new UdpGuard({
      service,
      access: this.#access,
      limiter: this.#udpLimiter,
      udpPorts,
    });
    const bounded = (request: Uint8Array, answer: Uint8Array | null, counters: ServiceCounters) => {
      if (answer === null || allowsAnswer(request.length, answer.length)) return answer;
      counters.drops.amplification++;
      if (tooLarge === undefined) return null;
      const short = tooLarge(request.length, answer.length);
      return allowsAnswer(request.length, short.length) ? short : null;
    };
    return (request, remote, counters, receivedAt, index) => {
      const verdict = guard.check(remote);
      if (verdict === "ok") {
        return bounded(request, handle(request, remote, counters, receivedAt, index), counters);
      }
      if (verdict === "rate-limited-kiss") {
        counters.drops["rate-limited"]++;
        if (kiss === undefined) return null;
        return bounded(request, kiss(request, remote, counters, receivedAt, index), counters);
      }
      counters.drops[verdict]++;
      return null;
    };
  }
}
