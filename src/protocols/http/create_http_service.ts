/**
 * The one call that wires clockd's HTTP service: the routes
 * ({@linkcode createRouter}) on an {@linkcode HttpService}, returned as the
 * {@linkcode ConnectionHandler} a {@linkcode TcpServer} runs, with a
 * `shutdown`.
 *
 * @example Wiring (what `clockd serve --http ADDR` does)
 * ```ts ignore
 * const http = createHttpService({ clock, clockStatus, metrics, healthy: () => !shuttingDown });
 * const server = new TcpServer(listener, "http", http.handler, metrics.counter("http", "tcp"));
 * server.serve();
 * // on shutdown:
 * server.close();
 * await http.shutdown(timeoutMs);
 * ```
 *
 * @module
 */

import type { ConnectionHandler } from "../../io/stream_server.ts";
import type { Metrics } from "../../ops/metrics.ts";
import type { Clock } from "../../time/clock.ts";
import type { ClockView } from "./clock_fields.ts";
import { HttpService, type HttpServiceOptions } from "./http_service.ts";
import { createRouter } from "./routes.ts";
import { defaultZoneNames } from "./time_api.ts";

/** What {@linkcode createHttpService} needs; the limits default as in {@linkcode HTTP_DEFAULTS}. */
export interface CreateHttpServiceOptions extends
  Pick<
    HttpServiceOptions,
    | "headerTimeoutMs"
    | "idleTimeoutMs"
    | "writeTimeoutMs"
    | "maxConnections"
    | "maxConnectionsPerIp"
    | "limitsBuffer"
    | "now"
  > {
  /** The clock every answer reads (once per request). */
  clock: Clock;
  /** The host clock's state: a `ClockStatus`, refreshed by its owner. */
  clockStatus: ClockView;
  /** The counters `/metrics` and `/api/stats` render. */
  metrics: Metrics;
  /**
   * Whether `/healthz` answers 200.
   *
   * @default {() => true}
   */
  healthy?: () => boolean;
  /**
   * The zone names `/api/timezone` lists.
   *
   * @default {defaultZoneNames()}
   */
  zones?: readonly string[];
  /**
   * Seconds since the process started, for `/api/stats`.
   *
   * @default {() => performance.now() / 1000}
   */
  uptimeSeconds?: () => number;
  /**
   * The time data `/api/stats` reports as `time_data`.
   *
   * @default {none}
   */
  timeData?: () => Readonly<Record<string, string | null>>;
}

/** A ready HTTP service. */
export interface HttpServiceHandle {
  /** Hand it to a {@linkcode TcpServer} (with the `http`/`tcp` counters). */
  readonly handler: ConnectionHandler;
  /** The service itself (open connections, the limits buffer for workers, the sweep). */
  readonly service: HttpService;
  /**
   * Stops serving: idle connections close at once, requests in flight get
   * up to `timeoutMs` to finish. Close the listener first.
   *
   * @param timeoutMs How long requests in flight may take.
   * @default timeoutMs 1000
   */
  shutdown(timeoutMs?: number): Promise<void>;
}

/**
 * Builds clockd's HTTP service: the page, the time API, `/metrics` and `/healthz`.
 *
 * @param options The clock, its state, the counters, and optional limits.
 * @returns The connection handler and its shutdown.
 *
 * @example Usage
 * ```ts
 * import { createHttpService } from "./create_http_service.ts";
 * import { TcpServer } from "../../io/stream_server.ts";
 * import { DenoListener } from "../../io/deno/stream.ts";
 * import { Metrics } from "../../ops/metrics.ts";
 * import { systemClock } from "../../time/clock.ts";
 * const metrics = new Metrics();
 * const http = createHttpService({
 *   clock: systemClock,
 *   clockStatus: { ntpState: { leap: 0, stratum: 10 }, errorBoundSeconds: null },
 *   metrics,
 * });
 * const listener = new DenoListener(Deno.listen({ hostname: "127.0.0.1", port: 0 }));
 * const server = new TcpServer(listener, "http", http.handler, metrics.counter("http", "tcp"));
 * const serving = server.serve();
 * const answer = await (await fetch(`http://127.0.0.1:${server.addr.port}/api/timezone/Asia/Kathmandu`)).json();
 * if (answer.utc_offset !== "+05:45") throw new Error(answer.utc_offset);
 * server.close();
 * await http.shutdown();
 * await serving;
 * ```
 */
export function createHttpService(options: CreateHttpServiceOptions): HttpServiceHandle {
  const route = createRouter({
    metrics: options.metrics,
    clock: options.clockStatus,
    zones: options.zones ?? defaultZoneNames(),
    healthy: options.healthy ?? (() => true),
    uptimeSeconds: options.uptimeSeconds,
    timeData: options.timeData,
  });
  const service = new HttpService({ ...options, route, clock: options.clock });
  return {
    handler: (conn, counters) => service.handleConnection(conn, counters),
    service,
    shutdown: (timeoutMs = 1000) => service.shutdown(timeoutMs),
  };
}
