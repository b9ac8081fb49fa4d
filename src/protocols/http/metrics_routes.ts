/**
 * The monitoring routes: `/metrics` (the Prometheus text exposition format
 * 0.0.4) and `/healthz` (200 `ok` while healthy, 503 `unhealthy`
 * otherwise, a throw counting as unhealthy).
 *
 * @module
 */

import type { Metrics } from "../../ops/metrics.ts";
import type { ClockView } from "./clock_fields.ts";
import type { SyncMode } from "../../time/clock_status.ts";
import { type HttpResponse, textResponse } from "./response.ts";

/** The media type of the Prometheus text exposition format 0.0.4. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/**
 * The `/metrics` answer: every counter and process figure.
 *
 * @param metrics The registry to render.
 * @returns 200 with the exposition.
 *
 * @example Usage
 * ```ts
 * import { metricsResponse } from "./metrics_routes.ts";
 * import { Metrics } from "../../ops/metrics.ts";
 * if (!String(metricsResponse(new Metrics()).body).includes("clockd_build_info")) throw new Error();
 * ```
 */
export function metricsResponse(metrics: Metrics): HttpResponse {
  return textResponse(200, metrics.renderPrometheus(), { "content-type": PROMETHEUS_CONTENT_TYPE });
}

/**
 * The `/healthz` answer.
 *
 * @param healthy Whether the server is healthy; a throw counts as unhealthy.
 * @returns 200 `ok\n`, or 503 `unhealthy\n`.
 *
 * @example Usage
 * ```ts
 * import { healthResponse } from "./metrics_routes.ts";
 * if (healthResponse(() => { throw new Error(); }).status !== 503) throw new Error();
 * ```
 */
export function healthResponse(healthy: () => boolean): HttpResponse {
  let ok = false;
  try {
    ok = healthy();
  } catch {
    ok = false;
  }
  return ok ? textResponse(200, "ok\n") : textResponse(503, "unhealthy\n");
}

/**
 * Whether the clock lets `/healthz` answer 200: always, unless
 * synchronisation is required (`--healthz-requires-sync yes`, or not given
 * while the clock state is read from the kernel, `--ntp-sync kernel`) and
 * the clock state says unsynchronised (NTP answers then carry leap
 * indicator 3), so a load balancer takes an unsynchronised server out.
 *
 * @param clock The clock state (a `ClockStatus`): its mode in force and its NTP state.
 * @param requireSync Whether health requires a synchronised clock; null: only under `kernel`.
 * @returns False only when synchronisation is required and missing.
 *
 * @example Usage
 * ```ts
 * import { clockHealthy } from "./metrics_routes.ts";
 * const unsynchronised = { sync: "kernel", ntpState: { leap: 3, stratum: 0 } } as const;
 * if (clockHealthy(unsynchronised, null) || clockHealthy(unsynchronised, true)) throw new Error();
 * if (!clockHealthy(unsynchronised, false)) throw new Error("not required");
 * ```
 */
export function clockHealthy(
  clock: Pick<ClockView, "ntpState"> & { readonly sync: SyncMode },
  requireSync: boolean | null,
): boolean {
  return !(requireSync ?? clock.sync === "kernel") || clock.ntpState.leap !== 3;
}
