/**
 * `/api/stats`: the counters `/metrics` renders, as JSON for the page's
 * chart, with the host clock's state.
 *
 * @module
 */

import type { Metrics } from "../../ops/metrics.ts";
import { clockFields, type ClockView } from "./clock_fields.ts";
import { type HttpResponse, jsonResponse } from "./response.ts";

/** One service on one transport, as `/api/stats` lists it. */
export interface ServiceStats {
  /** The service, e.g. `session`, `ntp`, `http`. */
  readonly service: string;
  /** `tcp` or `udp`. */
  readonly transport: string;
  /** Requests received (the same count as `clockd_requests_total`). */
  readonly requests: number;
  /** Answers sent. */
  readonly answers: number;
  /** Requests answered with an error. */
  readonly errors: number;
  /** Requests dropped unanswered, all reasons. */
  readonly dropped: number;
  /** TCP sessions or connections open now; null where not counted. */
  readonly open: number | null;
}

/** The `/api/stats` body besides the clock fields. */
export interface Stats {
  /** Seconds since the process started. */
  readonly uptime_s: number;
  /** The stratum NTP answers claim (0 when unsynchronised). */
  readonly stratum: number;
  /** Every service's counters, whole process (workers included). */
  readonly services: readonly ServiceStats[];
}

/**
 * The `/api/stats` answer.
 *
 * @param metrics The registry (its merged counters are read).
 * @param clock The host clock's state.
 * @param uptimeSeconds Seconds since the process started.
 * @param timeData The zone-rule releases and the leap-seconds file, when known.
 * @returns 200 with `{uptime_s, stratum, services, synchronised, error_bound_s, leap}`,
 *   and `time_data` when given.
 *
 * @example Usage
 * ```ts
 * import { statsAnswer } from "./stats.ts";
 * import { Metrics } from "../../ops/metrics.ts";
 * const metrics = new Metrics();
 * metrics.counter("ntp", "udp").requests = 5;
 * const clock = { ntpState: { leap: 0, stratum: 10 }, errorBoundSeconds: null } as const;
 * const body = JSON.parse(String(statsAnswer(metrics, clock, 1).body));
 * if (body.services[0].requests !== 5 || body.stratum !== 10) throw new Error();
 * ```
 */
export function statsAnswer(
  metrics: Metrics,
  clock: ClockView,
  uptimeSeconds: number,
  timeData?: Readonly<Record<string, string | null>>,
): HttpResponse {
  let dropped = 0;
  const services = metrics.merged().map((c): ServiceStats => {
    dropped = 0;
    for (const reason in c.drops) dropped += c.drops[reason as keyof typeof c.drops];
    return {
      service: c.service,
      transport: c.transport,
      requests: c.requests,
      answers: c.answers,
      errors: c.errors,
      dropped,
      open: c.sessions ? c.sessionsOpen : null,
    };
  });
  const stats: Stats = {
    uptime_s: Math.round(uptimeSeconds * 1000) / 1000,
    stratum: clock.ntpState.stratum,
    services,
  };
  const fields = { ...stats, ...clockFields(clock) };
  return jsonResponse(200, timeData === undefined ? fields : { ...fields, time_data: timeData });
}
