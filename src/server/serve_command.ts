/**
 * `clockd serve`: sets up logging, starts the server and its TCP workers,
 * the metrics endpoint if asked, tells systemd when it is ready, and shuts
 * down on SIGINT or SIGTERM (a second signal exits at once).
 *
 * @module
 */

import { formatHostPort } from "../cli/listen_address.ts";
import { closeLogging, logger, setupLogging } from "../ops/log.ts";
import { type MetricsServer, startMetricsServer } from "../ops/metrics_server.ts";
import type { ServeConfig } from "../cli/serve_config.ts";
import { BindError, type Server, startServer } from "./server.ts";
import { SdNotify } from "../ops/sd_notify.ts";
import { NtpWorkerPool } from "../io/workers/ntp_worker_pool.ts";
import { WorkerPool } from "../io/workers/worker_pool.ts";

const log = logger("server");
/** How often the systemd STATUS line is refreshed. */
const STATUS_INTERVAL_MS = 10_000;

/**
 * Runs the server until a signal asks it to stop.
 *
 * @param config The resolved configuration.
 * @returns The exit status: 0 after a clean shutdown.
 */
export async function serve(config: ServeConfig): Promise<number> {
  await setupLogging(config.log);
  // Listen for signals before anyone can learn we are ready.
  const signal = new Promise<Deno.Signal>((resolve) => {
    for (const name of ["SIGINT", "SIGTERM"] as const) {
      Deno.addSignalListener(name, () => resolve(name));
    }
  });
  const server = startServer(config);
  const workers = await startWorkers(config, server);
  let ntpWorkers: NtpWorkerPool | null = null;
  if (config.ntpWorkers > 0) {
    const ntpListeners = config.listeners.filter((listener) => listener.service === "ntp");
    try {
      ntpWorkers = await NtpWorkerPool.start(
        config.ntpWorkers,
        config.args,
        ntpListeners,
        server.metrics,
      );
    } catch (error) {
      await Promise.all([workers?.shutdown(0), server.shutdown(0)]);
      throw new BindError(`--ntp-workers ${config.ntpWorkers}: ${(error as Error).message}`);
    }
    log.info("ntp fast path: {count} workers per address on {addresses}", {
      count: config.ntpWorkers,
      addresses: ntpWorkers.listeners.map((l) => formatHostPort(l.hostname, l.port)).join(", "),
    });
  }
  const listeners = [...server.listeners, ...(ntpWorkers?.listeners ?? [])];
  let metricsServer: MetricsServer | null = null;
  if (config.metrics !== null) {
    const { hostname, port } = config.metrics;
    try {
      metricsServer = startMetricsServer({
        hostname: hostname === "" ? "::" : hostname,
        port,
        metrics: server.metrics,
        healthy: () => !shuttingDown,
      });
    } catch (error) {
      await Promise.all([workers?.shutdown(0), server.shutdown(0)]);
      throw new BindError(
        `--metrics ${formatHostPort(hostname, port)}: ${(error as Error).message}`,
      );
    }
    log.info("metrics on http://{address}/metrics", {
      address: formatHostPort(metricsServer.addr.hostname, metricsServer.addr.port),
    });
  }
  let shuttingDown = false;

  const notify = SdNotify.fromEnv();
  if (notify?.error) log.warn("sd_notify: {error}", { error: notify.error });
  notify?.ready(statusLine(server, listeners.length));
  notify?.startWatchdog();
  const statusTimer = notify === null
    ? undefined
    : setInterval(() => notify.status(statusLine(server, listeners.length)), STATUS_INTERVAL_MS);

  if (config.readyJson) {
    console.log(JSON.stringify({
      event: "ready",
      pid: Deno.pid,
      workers: 1 + (workers?.size ?? 0),
      listeners,
      metrics: metricsServer?.addr ?? null,
    }));
  }

  log.info("{signal}: shutting down", { signal: await signal });
  shuttingDown = true;
  clearInterval(statusTimer);
  notify?.stopping("shutting down");
  for (const name of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(name, () => {
      log.warning("second signal: exiting now");
      Deno.exit(1);
    });
  }
  const deadline = setTimeout(() => {
    log.error("shutdown took longer than {ms} ms: exiting", { ms: config.shutdownTimeoutMs });
    Deno.exit(1);
  }, config.shutdownTimeoutMs + 1000);
  await Promise.all([
    workers?.shutdown(config.shutdownTimeoutMs),
    ntpWorkers?.shutdown(config.shutdownTimeoutMs),
    server.shutdown(config.shutdownTimeoutMs),
    metricsServer?.shutdown(),
  ]);
  clearTimeout(deadline);
  notify?.close();
  log.info("stopped");
  await closeLogging();
  return 0;
}

/**
 * Starts the N−1 TCP workers. If they cannot start (a runtime that will not
 * load the worker module), clockd serves on with the primary alone and says so.
 *
 * With `--tcp-engine epoll`, starts N workers, each serving every TCP
 * listener from its epoll loop, then closes the primary's own TCP sockets.
 * There the operator asked for the engine, so a failure is a startup error.
 */
async function startWorkers(config: ServeConfig, server: Server): Promise<WorkerPool | null> {
  if (config.tcpEngine === "epoll") {
    if (!server.listeners.some((listener) => listener.transport === "tcp")) return null;
    let pool: WorkerPool;
    try {
      pool = await WorkerPool.start(
        config.workers,
        config.args,
        server.listeners,
        server.sessionLimits,
        server.metrics,
      );
    } catch (error) {
      await server.shutdown(0);
      throw new BindError(`--tcp-engine epoll: ${(error as Error).message}`);
    }
    server.releaseReservedTcp();
    log.info("tcp engine epoll: {count} workers", { count: config.workers });
    return pool;
  }
  if (config.workers <= 1) return null;
  try {
    return await WorkerPool.start(
      config.workers - 1,
      config.args,
      server.listeners,
      server.sessionLimits,
      server.metrics,
    );
  } catch (error) {
    log.warn("--workers {workers}: serving with one isolate: {error}", {
      workers: config.workers,
      error: (error as Error).message,
    });
    return null;
  }
}

/** The short live summary systemd shows in `systemctl status`. */
function statusLine(server: Server, listenerCount: number): string {
  let requests = 0;
  let open = 0;
  for (const counters of server.metrics.merged()) {
    requests += counters.requests;
    open += counters.sessionsOpen;
  }
  return `serving ${listenerCount} listeners; ${open} sessions open; ` +
    `${requests} requests; ${server.clockStatus.statusLine().slice(3)}`;
}
