/**
 * The HTTP endpoint for monitoring, on `Deno.serve`: `/metrics` (the
 * Prometheus text format 0.0.4) and `/healthz` (200 `ok` while healthy,
 * 503 otherwise). GET and HEAD only; no banner on start. Its own requests
 * are counted as service `metrics` on TCP.
 *
 * @module
 */

import type { Metrics, ServiceCounters } from "./metrics.ts";

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

/** The media type of the Prometheus text exposition format 0.0.4. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const TEXT = "text/plain; charset=utf-8";

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
  const server = Deno.serve({
    hostname: options.hostname,
    port: options.port,
    signal: options.signal,
    onListen: () => {},
    onError: () => {
      counters.errors++;
      return new Response("internal error\n", { status: 500, headers: { "content-type": TEXT } });
    },
  }, async (request) => {
    // Fresh counters from every isolate before rendering (bounded by the caller).
    if (options.collect !== undefined && pathOf(request.url) === "/metrics") {
      await options.collect();
    }
    return handle(request, metrics, healthy, counters);
  });
  let closed: Promise<void> | null = null;
  return {
    addr: server.addr,
    shutdown(): Promise<void> {
      closed ??= options.signal?.aborted ? server.finished : server.shutdown();
      return closed;
    },
  };
}

function handle(
  request: Request,
  metrics: Metrics,
  healthy: () => boolean,
  counters: ServiceCounters,
): Response {
  counters.requests++;
  if (request.method !== "GET" && request.method !== "HEAD") {
    counters.errors++;
    return text(request, 405, "method not allowed\n", { allow: "GET, HEAD" });
  }
  const path = pathOf(request.url);
  if (path === "/metrics") {
    counters.answers++;
    return text(request, 200, metrics.renderPrometheus(), {
      "content-type": PROMETHEUS_CONTENT_TYPE,
    });
  }
  if (path === "/healthz") {
    let ok = false;
    try {
      ok = healthy();
    } catch {
      ok = false;
    }
    counters.answers++;
    return ok ? text(request, 200, "ok\n") : text(request, 503, "unhealthy\n");
  }
  counters.errors++;
  return text(request, 404, "not found\n");
}

/** The path of an absolute URL, without parsing the whole URL. */
function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start < 0) return "/";
  let end = url.length;
  for (let i = start; i < url.length; i++) {
    if (url[i] === "?" || url[i] === "#") {
      end = i;
      break;
    }
  }
  return url.slice(start, end);
}

function text(
  request: Request,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): Response {
  return new Response(request.method === "HEAD" ? null : body, {
    status,
    headers: { "content-type": TEXT, "cache-control": "no-store", ...headers },
  });
}
