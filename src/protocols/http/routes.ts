/**
 * clockd's HTTP routes, one {@linkcode Router}:
 *
 * | path                                   | answer                                      |
 * | -------------------------------------- | ------------------------------------------- |
 * | `/`                                    | the page ({@linkcode pageResponse})         |
 * | `/metrics`                             | Prometheus text                             |
 * | `/healthz`                             | `ok` or 503 `unhealthy`                     |
 * | `/api/timezone[.txt]`                  | every zone name                             |
 * | `/api/timezone/{Area}[.txt]`           | the zones of an area, or the time there     |
 * | `/api/timezone/{Area}/{Location}[/{Sub}][.txt]` | worldtimeapi's answer              |
 * | `/api/ip[.txt]`                        | worldtimeapi's answer for UTC               |
 * | `/api/time?format=NAME&tz=ZONE`        | one of clockd's formats                     |
 * | `/api/stats`                           | the counters and the clock state, JSON      |
 *
 * Anything else is a JSON 404; a path with dot segments, empty segments,
 * backslashes or percent-encoded slashes or dots is a JSON 400 (no route
 * reads files, but such paths are refused outright rather than matched).
 *
 * @module
 */

import { peerKey } from "../../admission/peer.ts";
import type { Metrics } from "../../ops/metrics.ts";
import type { ClockView } from "./clock_fields.ts";
import type { Router } from "./http_service.ts";
import { healthResponse, metricsResponse } from "./metrics_routes.ts";
import { pageResponse } from "./page.ts";
import { jsonError } from "./response.ts";
import { statsAnswer } from "./stats.ts";
import { formattedTimeAnswer, ipAnswer, timezoneAnswer } from "./time_api.ts";

/** What the routes answer from. */
export interface RouterOptions {
  /** The counters `/metrics` and `/api/stats` render. */
  metrics: Metrics;
  /** The host clock's state. */
  clock: ClockView;
  /** The zone names `/api/timezone` lists. */
  zones: readonly string[];
  /** Whether `/healthz` answers 200. */
  healthy: () => boolean;
  /**
   * Seconds since the process started, for `/api/stats`.
   *
   * @default {() => performance.now() / 1000}
   */
  uptimeSeconds?: () => number;
  /**
   * The time data (zone-rule releases, leap-seconds file) `/api/stats`
   * reports as `time_data`.
   *
   * @default {none: no time_data field}
   */
  timeData?: () => Readonly<Record<string, string | null>>;
}

/** Dot segments, empty segments, backslashes, and percent-encoded dots, slashes and backslashes. */
const SUSPICIOUS_PATH = /\/\.{1,2}(?:\/|$)|\/\/|\\|%2e|%2f|%5c/i;

/**
 * Builds the router.
 *
 * @param options The counters, the clock state, the zones and the health check.
 * @returns The router.
 *
 * @example Usage
 * ```ts
 * import { createRouter } from "./routes.ts";
 * import { Metrics } from "../../ops/metrics.ts";
 * import { parseRequestHead } from "./request_head.ts";
 * const route = createRouter({
 *   metrics: new Metrics(),
 *   clock: { ntpState: { leap: 0, stratum: 10 }, errorBoundSeconds: null },
 *   zones: ["UTC"],
 *   healthy: () => true,
 * });
 * const parsed = parseRequestHead("GET /api/ip HTTP/1.1\r\nHost: x\r\n\r\n");
 * if (!parsed.ok) throw new Error();
 * const peer = { transport: "tcp", hostname: "192.0.2.7", port: 5 } as const;
 * const answer = await route(parsed.request, peer, { seconds: 0, nanos: 0 });
 * if (JSON.parse(String(answer.body)).client_ip !== "192.0.2.7") throw new Error();
 * ```
 */
export function createRouter(options: RouterOptions): Router {
  const { metrics, clock, healthy } = options;
  const context = { zones: options.zones, clock };
  const uptime = options.uptimeSeconds ?? (() => performance.now() / 1000);
  return (request, peer, receivedAt) => {
    const path = request.path;
    if (SUSPICIOUS_PATH.test(path)) return jsonError(400, "malformed path");
    switch (path) {
      case "/":
        return pageResponse();
      case "/metrics":
        return metricsResponse(metrics);
      case "/healthz":
        return healthResponse(healthy);
      case "/api/stats":
        return statsAnswer(metrics, clock, uptime(), options.timeData?.());
      case "/api/ip":
      case "/api/ip.txt":
        return ipAnswer(path.endsWith(".txt"), peerKey(peer), receivedAt, clock);
      case "/api/time": {
        const accept = (request.headers.get("accept") ?? "").toLowerCase();
        return formattedTimeAnswer(
          request.query,
          accept.includes("application/json"),
          receivedAt,
          clock,
        );
      }
    }
    if (
      path === "/api/timezone" || path === "/api/timezone.txt" || path.startsWith("/api/timezone/")
    ) {
      return timezoneAnswer(path.slice("/api/timezone".length), peerKey(peer), receivedAt, context);
    }
    return jsonError(404, "not found");
  };
}
