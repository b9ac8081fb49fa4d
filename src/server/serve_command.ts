/**
 * `clockd serve`, the primary isolate: sets up logging, checks and resolves
 * every listener, picks the I/O engine (the kernel engine wherever it can
 * run, saying why when it cannot), starts the serving workers (or serves
 * alone when no worker can run), the metrics endpoint if asked, tells
 * systemd when it is ready, and shuts down on SIGINT or SIGTERM (a second
 * signal exits at once with 130). SIGHUP never stops clockd.
 *
 * @module
 */

import type { ServeConfig } from "../cli/serve_config.ts";
import { formatHostPort } from "../cli/listen_address.ts";
import { VERSION } from "../cli/version.ts";
import { DenoEngine } from "../io/deno/engine.ts";
import type { IoName } from "../io/engine.ts";
import { kernelUnavailable } from "../io/linux/engine.ts";
import { closeLogging, logger, setupLogging } from "../ops/log.ts";
import { Metrics } from "../ops/metrics.ts";
import { type MetricsServer, startMetricsServer } from "../ops/metrics_server.ts";
import { SdNotify } from "../ops/sd_notify.ts";
import { SessionLimits } from "../protocols/session/session_limits.ts";
import { HTTP_DEFAULTS } from "../protocols/http/http_service_options.ts";
import { clockHealthy } from "../protocols/http/metrics_routes.ts";
import { processClock } from "../time/clock.ts";
import type { ClockStatus } from "../time/clock_status.ts";
import type { LeapSeconds, LeapTable } from "../time/leap_seconds.ts";
import { BindError, type BoundListener, describeListeners, resolveListeners } from "./bind.ts";
import { type Server, startServer } from "./server.ts";
import { reload } from "./reload.ts";
import { addClockGauges } from "./clock_gauges.ts";
import { watchClock } from "./clock_watch.ts";
import { loadRoughtimeKey, type RoughtimeRootKey } from "./roughtime_handlers.ts";
import { WorkerPool, WorkerStartError } from "./worker_pool.ts";

const log = logger("server");
/** How often the systemd STATUS line is refreshed. */
const STATUS_INTERVAL_MS = 10_000;
/** The exit status after a second SIGINT/SIGTERM: the shell's 128 + SIGINT. */
export const SECOND_SIGNAL_EXIT = 130;

/** Who serves: workers, or the primary itself when none could start. */
interface Serving {
  readonly io: IoName;
  readonly workers: number;
  readonly metrics: Metrics;
  readonly clockStatus: ClockStatus;
  readonly leapSeconds: LeapSeconds;
  /** Gathers every isolate's latest counters into `metrics`. */
  collect(): Promise<void>;
  /** Applies a reloaded configuration in every serving isolate. */
  reconfigure(next: ServeConfig): void;
  shutdown(timeoutMs: number): Promise<void>;
}

/**
 * Runs the server until a signal asks it to stop.
 *
 * @param config The resolved configuration.
 * @returns The exit status: 0 after a clean shutdown.
 */
export async function serve(initial: ServeConfig): Promise<number> {
  let config = initial;
  await setupLogging(config.log);
  // Listen for signals before anyone can learn we are ready.
  let failed: ((message: string) => void) | null = null;
  const signal = new Promise<Deno.Signal | "failure">((resolve) => {
    for (const name of ["SIGINT", "SIGTERM"] as const) {
      Deno.addSignalListener(name, () => resolve(name));
    }
    failed = (message) => {
      log.error(
        "{message}: it stopped serving, so clockd stops (exit 1) for its service manager to restart it",
        { message },
      );
      resolve("failure");
    };
  });
  // SIGHUP reloads once serving; before, it must not stop the process either.
  let onHangup = () => log.info("SIGHUP while starting: nothing reloaded");
  Deno.addSignalListener("SIGHUP", () => onHangup());
  const tzWarning = invalidTz(Deno.env.get("TZ"));
  if (tzWarning !== null) log.warn("{warning}", { warning: tzWarning });
  const listeners = resolveListeners(config);
  const roughtimeKey = await loadRoughtimeKey(config);
  const serving = await startServing(
    config,
    listeners,
    roughtimeKey?.seed ?? null,
    (message) => failed?.(message),
  );
  if (serving.workers > 0) {
    // The primary renders /metrics: its own clock state, the engine its workers run.
    serving.metrics.setInfo("io", serving.io);
    addClockGauges(serving.metrics, {
      status: serving.clockStatus,
      leapSeconds: serving.leapSeconds,
    });
  }
  let reloading = Promise.resolve();
  onHangup = () => {
    reloading = reloading.then(async () => {
      config = await reload(config, (next) => serving.reconfigure(next));
      logLeapTable("SIGHUP: ", serving.leapSeconds.table);
    });
  };

  let shuttingDown = false;
  let metricsServer: MetricsServer | null = null;
  if (config.metrics !== null) {
    const { hostname, port } = config.metrics;
    try {
      metricsServer = startMetricsServer({
        hostname: hostname === "" ? "::" : hostname,
        port,
        metrics: serving.metrics,
        collect: () => serving.collect(),
        healthy: () =>
          !shuttingDown && clockHealthy(serving.clockStatus, config.healthzRequiresSync),
      });
    } catch (error) {
      await serving.shutdown(0);
      throw new BindError(
        `--metrics ${formatHostPort(hostname, port)}: ${(error as Error).message}`,
      );
    }
  }
  log.info("clockd {version} (pid {pid}, io={io}, {workers}) listening: {listeners}", {
    version: VERSION,
    pid: Deno.pid,
    io: serving.io,
    workers: serving.workers === 0 ? "no workers" : `${serving.workers} workers`,
    listeners: describeListeners(listeners),
  });
  if (metricsServer !== null) {
    log.info("metrics on http://{address}/metrics", {
      address: formatHostPort(metricsServer.addr.hostname, metricsServer.addr.port),
    });
  }
  const clockStatus = serving.clockStatus;
  if (clockStatus.fallbackReason !== null) {
    log.warn("--ntp-sync kernel: falling back to always: {reason}", {
      reason: clockStatus.fallbackReason,
    });
  }
  if (listeners.some((listener) => listener.service === "ntp")) {
    log.info("ntp clock: {status}", { status: clockStatus.statusLine().slice(3) });
  }
  const advice = unsynchronisedAdvice(clockStatus);
  if (advice !== null) log.warn("{advice}", { advice });
  logLeapTable("", serving.leapSeconds.table);
  if (roughtimeKey !== null) logRoughtime(roughtimeKey, clockStatus);

  const notify = SdNotify.fromEnv();
  if (notify?.error) log.warn("sd_notify: {error}", { error: notify.error });
  notify?.ready(statusLine(serving, listeners.length));
  notify?.startWatchdog();
  const statusTimer = notify === null
    ? undefined
    : setInterval(() => notify.status(statusLine(serving, listeners.length)), STATUS_INTERVAL_MS);

  if (config.readyJson) {
    console.log(JSON.stringify({
      event: "ready",
      pid: Deno.pid,
      io: serving.io,
      workers: serving.workers,
      listeners,
      metrics: metricsServer?.addr ?? null,
    }));
  }

  const stop = await signal;
  log.info("{signal}: shutting down", { signal: stop === "failure" ? "worker failure" : stop });
  shuttingDown = true;
  clearInterval(statusTimer);
  notify?.stopping("shutting down");
  for (const name of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(name, () => {
      log.warning("second signal: exiting now");
      Deno.exit(SECOND_SIGNAL_EXIT);
    });
  }
  const deadline = setTimeout(() => {
    log.error("shutdown took longer than {ms} ms: exiting", { ms: config.shutdownTimeoutMs });
    Deno.exit(1);
  }, config.shutdownTimeoutMs + 1000);
  await Promise.all([serving.shutdown(config.shutdownTimeoutMs), metricsServer?.shutdown()]);
  clearTimeout(deadline);
  notify?.close();
  log.info("stopped");
  await closeLogging();
  return stop === "failure" ? 1 : 0;
}

/**
 * Starts the serving isolates on the chosen engine: `--workers` workers,
 * or, when no worker can run (a runtime that will not load the module), the
 * primary alone on the `deno` engine, saying why.
 */
async function startServing(
  config: ServeConfig,
  listeners: readonly BoundListener[],
  roughtimeSeed: Uint8Array | null,
  onFailure: (message: string) => void,
): Promise<Serving> {
  let io = config.io;
  if (io === "kernel") {
    const reason = kernelUnavailable();
    if (reason !== null) {
      log.warn("io=kernel cannot run here, serving on io=deno: {reason}", { reason });
      io = "deno";
    }
  }
  const clock = processClock(performance.timeOrigin);
  const limitsBuffer = new SessionLimits(config.maxSessions, config.maxSessionsPerIp).buffer;
  const httpLimitsBuffer = new SessionLimits(
    HTTP_DEFAULTS.maxConnections,
    HTTP_DEFAULTS.maxConnectionsPerIp,
  ).buffer;
  const metrics = new Metrics();
  try {
    const pool = await WorkerPool.start({
      count: config.workers,
      args: config.args,
      listeners,
      io,
      sharedUdp: io === "kernel",
      limitsBuffer,
      httpLimitsBuffer,
      roughtimeSeed,
      metrics,
      onFailure,
    });
    const watched = watchClock(config, clock);
    return {
      io,
      workers: pool.size,
      metrics,
      clockStatus: watched.status,
      leapSeconds: watched.leapSeconds,
      collect: () => pool.collect(),
      reconfigure: (next) => {
        pool.reload(next.args);
        watched.reloadLeapSeconds(next);
      },
      async shutdown(timeoutMs) {
        await pool.shutdown(timeoutMs);
        watched.close();
        metrics.close();
      },
    };
  } catch (error) {
    if (!(error instanceof WorkerStartError && error.load)) throw error;
    log.warn("--workers {workers}: no worker could start, serving alone on io=deno: {error}", {
      workers: config.workers,
      error: error.message,
    });
  }
  const server: Server = startServer(config, {
    engine: new DenoEngine(clock),
    listeners,
    serveUdp: true,
    limitsBuffer,
    httpLimitsBuffer,
    roughtimeSeed,
    clock,
  });
  return {
    io: "deno",
    workers: 0,
    metrics: server.metrics,
    clockStatus: server.clockStatus,
    leapSeconds: server.leapSeconds,
    collect: () => Promise.resolve(),
    reconfigure: (next) => server.reconfigure(next),
    shutdown: (timeoutMs) => server.shutdown(timeoutMs),
  };
}

/**
 * Why the `TZ` environment variable cannot be what `local` means, or null:
 * the runtime silently takes an unknown zone (or a POSIX rule string such
 * as `CET-1CEST,M3.5.0,M10.5.0/3`) as UTC.
 *
 * @param tz The variable's value, if set.
 * @returns One warning line, or null.
 *
 * @example Usage
 * ```ts
 * import { invalidTz } from "./serve_command.ts";
 * if (invalidTz("Europe/Paris") !== null || invalidTz(undefined) !== null) throw new Error();
 * if (invalidTz("Invalid/Zone") === null) throw new Error("warned");
 * ```
 */
export function invalidTz(tz: string | undefined): string | null {
  if (tz === undefined || tz === "") return null;
  const name = tz.startsWith(":") ? tz.slice(1) : tz;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return null;
  } catch {
    return `TZ="${tz}" is not a time zone this runtime knows: "local" means UTC ` +
      `(set TZ to an IANA name such as Europe/Paris, or use --tz)`;
  }
}

/**
 * The startup line that explains an unsynchronised host clock under
 * `--ntp-sync kernel`, and what to do about it; null when the clock is
 * synchronised or `--ntp-sync always` is in force.
 *
 * @param clock The clock state as read at startup.
 * @returns One warning line, or null.
 *
 * @example Usage
 * ```ts
 * import { unsynchronisedAdvice } from "./serve_command.ts";
 * import { ClockStatus } from "../time/clock_status.ts";
 * import { systemClock } from "../time/clock.ts";
 * const always = new ClockStatus({ sync: "always", stratum: 10, referenceId: "LOCL", clock: systemClock });
 * if (unsynchronisedAdvice(always) !== null) throw new Error("always claims synchronisation");
 * ```
 */
export function unsynchronisedAdvice(clock: ClockStatus): string | null {
  if (clock.sync !== "kernel" || clock.ntpState.leap !== 3) return null;
  return "--ntp-sync kernel: the kernel says the host clock is unsynchronised (no NTP daemon " +
    "disciplines it), so NTP answers carry LI=3 and stratum 0, which clients reject, and " +
    "status says synchronised=no; run chronyd, ntpd or systemd-timesyncd on this host " +
    "(clockd follows the kernel within a second), or pass --ntp-sync always to claim " +
    "--ntp-stratum regardless (labs, containers, tests)";
}

/** The Roughtime key clients need, and why nothing is answered while unsynchronised. */
function logRoughtime(key: RoughtimeRootKey, clockStatus: ClockStatus): void {
  log.info("roughtime public key {key} ({origin})", {
    key: key.publicKey,
    origin: key.path === null
      ? "ephemeral: made at start, gone at exit; keep one with --roughtime-key FILE"
      : `from ${key.path}`,
  });
  if (clockStatus.ntpState.leap === 3) {
    log.warn(
      "roughtime answers nothing while the host clock is unsynchronised (Roughtime cannot " +
        "say so in an answer): run a sync client (chrony, systemd-timesyncd), or " +
        "--ntp-sync always to try it out",
    );
  }
}

/**
 * One line on the leap-seconds table in force: info when the file is valid,
 * a warning when it is expired, missing, corrupt or fails its hash.
 */
function logLeapTable(prefix: string, table: LeapTable): void {
  if (table.verdict === "ok") {
    log.info("{prefix}leap seconds: {reason}", { prefix, reason: table.reason });
  } else {
    log.warn("{prefix}leap seconds: {reason}", { prefix, reason: table.reason });
  }
}

/** The short live summary systemd shows in `systemctl status`. */
function statusLine(serving: Serving, listenerCount: number): string {
  let requests = 0;
  let open = 0;
  for (const counters of serving.metrics.merged()) {
    requests += counters.requests;
    open += counters.sessionsOpen;
  }
  return `serving ${listenerCount} listeners on io=${serving.io}; ${open} sessions open; ` +
    `${requests} requests; ${serving.clockStatus.statusLine().slice(3)}`;
}
