/**
 * The HTTP endpoint for monitoring: `/metrics` (the Prometheus text format
 * 0.0.4) and `/healthz` (200 `ok` while healthy, 503 otherwise). GET and
 * HEAD only; no banner on start. Its own requests are counted as service
 * `metrics` on TCP.
 *
 * It runs clockd's own HTTP/1.1 server ({@linkcode HttpService}) behind
 * clockd's accept loop ({@linkcode TcpServer}), not `Deno.serve`: heads are
 * bounded and timed out, connections capped, and running out of file
 * descriptors backs the accept loop off instead of ending the process.
 * Errors stay one line of text (`not found\n`), as before.
 *
 * @module
 */

import type { Metrics } from "./metrics.ts";
import { TcpServer } from "../io/stream_server.ts";
import { DenoListener } from "../io/deno/stream.ts";
import { HttpService } from "../protocols/http/http_service.ts";
import { healthResponse, metricsResponse } from "../protocols/http/metrics_routes.ts";
import { textError } from "../protocols/http/response.ts";
import { systemClock } from "../time/clock.ts";

export { PROMETHEUS_CONTENT_TYPE } from "../protocols/http/metrics_routes.ts";

/** Options of {@linkcode startMetricsServer}. */
export interface MetricsServerOptions {
  /** Address to listen on, e.g. `"127.0.0.1"` or `"::"`. */
  hostname: string;
  /** Port to listen on; 0 picks a free one. */
  port: number;
  /** The registry `/metrics` renders. */
  metrics: Metrics;
  /** Gathers the other isolates' latest counters into `metrics` before `/metrics` renders. */
  collect?: () => Promise<void>;
  /** Whether `/healthz` answers 200; a throw counts as unhealthy. */
  healthy: () => boolean;
  /**
   * Shuts the server down when aborted.
   *
   * @default {undefined}
   */
  signal?: AbortSignal;
}

/** A running metrics server. */
export interface MetricsServer {
  /** The address really bound (never port 0). */
  readonly addr: Deno.NetAddr;
  /**
   * Stops accepting, lets requests in flight finish, and closes. Idempotent.
   *
   * @returns A promise that settles once the server is closed.
   */
  shutdown(): Promise<void>;
}

/** How long requests in flight may take once shutdown begins (ms). */
const SHUTDOWN_GRACE_MS = 1000;

/**
 * Starts the metrics server. Quiet: it prints nothing.
 *
 * @param options Where to listen, what to serve.
 * @returns The running server.
 * @throws {Deno.errors.AddrInUse} When the port is taken (other bind errors likewise).
 *
 * @example Usage
 * ```ts
 * import { Metrics } from "./metrics.ts";
 * import { startMetricsServer } from "./metrics_server.ts";
 * const server = startMetricsServer({
 *   hostname: "127.0.0.1",
 *   port: 0,
 *   metrics: new Metrics(),
 *   healthy: () => true,
 * });
 * const response = await fetch(`http://127.0.0.1:${server.addr.port}/healthz`);
 * if ((await response.text()) !== "ok\n") throw new Error("healthy");
 * await server.shutdown();
 * ```
 */
export function startMetricsServer(options: MetricsServerOptions): MetricsServer {
  const { metrics, healthy } = options;
  const counters = metrics.counter("metrics", "tcp", { sessions: false });
  const listener = new DenoListener(
    Deno.listen({ hostname: options.hostname, port: options.port }),
  );
  const service = new HttpService({
    clock: systemClock,
    errors: textError,
    route: (request) => {
      if (request.path === "/metrics") {
        // Fresh counters from every isolate before rendering (bounded by the caller).
        if (options.collect === undefined) return metricsResponse(metrics);
        return options.collect().then(() => metricsResponse(metrics));
      }
      if (request.path === "/healthz") return healthResponse(healthy);
      return textError(404, "not found");
    },
  });
  const server = new TcpServer(
    listener,
    "metrics",
    (conn, c) => service.handleConnection(conn, c),
    counters,
  );
  const serving = server.serve();
  let closed: Promise<void> | null = null;
  const shutdown = (): Promise<void> => {
    closed ??= (async () => {
      server.close();
      await service.shutdown(SHUTDOWN_GRACE_MS);
      await serving;
    })();
    return closed;
  };
  if (options.signal?.aborted) shutdown();
  options.signal?.addEventListener("abort", () => shutdown(), { once: true });
  return { addr: listener.addr as Deno.NetAddr, shutdown };
}
