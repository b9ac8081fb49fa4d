/**
 * The one setup every serving isolate runs, primary or worker: the clock
 * state, the counters, the admission chain and every service's handlers,
 * built from the configuration. Nothing here knows which engine will carry
 * the bytes.
 *
 * @module
 */

import { Admission } from "../admission/admission.ts";
import type { ServeConfig, ServiceName } from "../cli/serve_config.ts";
import type { DatagramHandler } from "../io/datagram_server.ts";
import type { ConnectionHandler } from "../io/stream_server.ts";
import { Metrics } from "../ops/metrics.ts";
import { NtpService } from "../protocols/ntp/ntp_service.ts";
import { writeTransmitTime } from "../protocols/ntp/responder.ts";
import { OneShotService } from "../protocols/oneshot/oneshot_service.ts";
import { encodeRfc868 } from "../protocols/oneshot/rfc868.ts";
import { SessionProtocol } from "../protocols/session/session_protocol.ts";
import { SessionService } from "../protocols/session/session_service.ts";
import { udpTooLarge } from "../protocols/session/udp_too_large.ts";
import { createHttpService } from "../protocols/http/create_http_service.ts";
import { clockHealthy } from "../protocols/http/metrics_routes.ts";
import type { Clock } from "../time/clock.ts";
import { ClockStatus } from "../time/clock_status.ts";
import type { Instant } from "../time/instant.ts";

/** How often every isolate re-reads the clock state (the kernel's discipline), in ms. */
export const CLOCK_STATUS_REFRESH_MS = 1000;

/** The handlers of one service, per transport. */
export interface ServiceHandlers {
  /** Serves one TCP connection. */
  readonly tcp?: ConnectionHandler;
  /** Answers one datagram (admission applied by the caller). */
  readonly udp?: DatagramHandler;
  /** Answers a rate-limited datagram instead of dropping it (NTP's kiss-o'-death). */
  readonly kiss?: DatagramHandler;
  /** The short answer sent over UDP instead of one too large for its request (text services). */
  readonly tooLarge?: (requestLength: number, answerLength: number) => Uint8Array;
  /** Writes the transmit time into a datagram answer just before it leaves. */
  readonly stamp?: (answer: Uint8Array, transmit: Instant) => void;
}

/** What {@linkcode createServices} builds. */
export interface Services {
  /** What the server claims about the host clock. */
  readonly clockStatus: ClockStatus;
  /** This isolate's counters. */
  readonly metrics: Metrics;
  /**
   * Each service's access list and rate tables (shared by services whose
   * settings agree); replaced by {@linkcode Services.reconfigure}, so read it
   * per connection or datagram, not once.
   */
  readonly admission: Readonly<Record<ServiceName, Admission>>;
  /**
   * Applies what a reload may change without rebinding: the access lists
   * and rate limits (new, empty rate tables), the session protocol's default
   * format and zone, its timeouts and limits, whether `/healthz` requires a
   * synchronised clock. Open sessions are kept.
   */
  reconfigure(config: ServeConfig): void;
  /**
   * Says goodbye to open sessions and lets HTTP requests in flight finish,
   * within `timeoutMs`; close the listeners first.
   */
  drain(timeoutMs: number): Promise<void>;
  /** Every service's handlers. */
  readonly handlers: Readonly<Record<ServiceName, ServiceHandlers>>;
  /** Stops the refresh and releases the kernel clock. */
  close(): void;
}

/** Settings of {@linkcode createServices} besides the configuration. */
export interface ServiceOptions {
  /** Where "now" comes from. */
  clock: Clock;
  /** The engine serving, named by `status`. */
  io: string;
  /** The session counters shared by every isolate of the process. */
  limitsBuffer?: SharedArrayBuffer;
  /** The HTTP connection counters shared by every isolate of the process. */
  httpLimitsBuffer?: SharedArrayBuffer;
}

/** A {@linkcode ClockStatus} kept fresh by a timer, until {@linkcode WatchedClock.close}. */
export interface WatchedClock {
  /** The clock state. */
  readonly status: ClockStatus;
  /** Stops the refresh and releases the kernel clock. */
  close(): void;
}

/**
 * The clock state the configuration asks for, re-read every
 * {@linkcode CLOCK_STATUS_REFRESH_MS}: the one way every isolate, primary or
 * worker, builds it.
 *
 * @param config The resolved configuration (`--ntp-sync`, `--ntp-stratum`, `--ntp-refid`).
 * @param clock Where "now" comes from.
 * @returns The state and its `close()`.
 *
 * @example Usage
 * ```ts
 * import { parseServeArgs, type ServeConfig } from "../cli/serve_config.ts";
 * import { systemClock } from "../time/clock.ts";
 * import { watchClock } from "./services.ts";
 * const config = parseServeArgs(["--ntp-sync", "always"]) as ServeConfig;
 * const clock = watchClock(config, systemClock);
 * if (!clock.status.statusLine().includes("synchronised=yes")) throw new Error();
 * clock.close();
 * ```
 */
export function watchClock(config: ServeConfig, clock: Clock): WatchedClock {
  const status = new ClockStatus({
    sync: config.ntpSync,
    stratum: config.ntpStratum,
    referenceId: config.ntpRefid,
    clock,
  });
  const refresh = setInterval(() => status.refresh(), CLOCK_STATUS_REFRESH_MS);
  return {
    status,
    close() {
      clearInterval(refresh);
      status.close();
    },
  };
}

/**
 * Builds the clock state, counters, admission chain and handlers of one
 * serving isolate.
 *
 * @param config The resolved configuration.
 * @param options The clock, the engine's name, the shared session counters.
 * @returns The services; {@linkcode Services.close} stops their timers.
 *
 * @example Usage
 * ```ts
 * import { parseServeArgs, type ServeConfig } from "../cli/serve_config.ts";
 * import { systemClock } from "../time/clock.ts";
 * import { createServices } from "./services.ts";
 * const config = parseServeArgs(["--ntp-sync", "always"]) as ServeConfig;
 * const services = createServices(config, { clock: systemClock, io: "deno" });
 * if (services.handlers.ntp.udp === undefined) throw new Error("NTP answers datagrams");
 * services.close();
 * ```
 */
export function createServices(config: ServeConfig, options: ServiceOptions): Services {
  const { clock } = options;
  const metrics = new Metrics();
  const watched = watchClock(config, clock);
  const clockStatus = watched.status;
  const protocol = new SessionProtocol({
    clock,
    defaultFormat: config.defaultFormat,
    defaultZone: config.zone,
    info: {
      status: () => `${clockStatus.statusLine()} io=${options.io}`,
      stats: () => metrics.statsLine(),
    },
  });
  const sessions = new SessionService({
    protocol,
    idleTimeoutMs: config.idleTimeoutMs,
    partialWaitMs: config.partialWaitMs,
    maxSessions: config.maxSessions,
    maxSessionsPerIp: config.maxSessionsPerIp,
    limitsBuffer: options.limitsBuffer,
  });
  const encoder = new TextEncoder();
  const daytimeService = ({ daytimeFormat, zone }: ServeConfig) =>
    new OneShotService(
      clock,
      (now) => encoder.encode(daytimeFormat.render(now, zone, clock.monotonicNanos()) + "\r\n"),
      daytimeFormat.resolutionNanos >= 1_000_000_000,
    );
  let daytime = daytimeService(config);
  const time = new OneShotService(clock, encodeRfc868);
  const ntp = new NtpService(clock, clockStatus);
  let requireSync = config.healthzRequiresSync;
  const http = createHttpService({
    clock,
    clockStatus,
    metrics,
    limitsBuffer: options.httpLimitsBuffer,
    healthy: () => clockHealthy(clockStatus, requireSync),
  });
  const handlers: Record<ServiceName, ServiceHandlers> = {
    session: {
      tcp: (conn, counters) => sessions.handleConnection(conn, counters),
      udp: (request, _remote, counters) => sessions.handleDatagram(request, counters),
      tooLarge: udpTooLarge,
    },
    daytime: {
      tcp: (conn, counters) => daytime.handleConnection(conn, counters),
      udp: () => daytime.handleDatagram(),
      tooLarge: udpTooLarge,
    },
    time: {
      tcp: (conn, counters) => time.handleConnection(conn, counters),
      udp: () => time.handleDatagram(),
    },
    ntp: {
      udp: (request, _remote, counters, receivedAt) =>
        ntp.handleDatagram(request, counters, receivedAt),
      kiss: (request, _remote, counters) => ntp.kissOfDeath(request, counters),
      stamp: writeTransmitTime,
    },
    http: { tcp: http.handler },
  };
  let admission = admissionsFor(config);
  registerRateGauges(metrics, () => Object.values(admission));
  metrics.setInfo("io", options.io);
  addClockGauges(metrics, clockStatus);
  return {
    clockStatus,
    metrics,
    get admission() {
      return admission;
    },
    reconfigure(next) {
      admission = admissionsFor(next);
      protocol.setDefaults({ defaultFormat: next.defaultFormat, defaultZone: next.zone });
      daytime = daytimeService(next);
      sessions.reconfigure(next);
      requireSync = next.healthzRequiresSync;
    },
    drain: async (timeoutMs) => {
      await Promise.all([sessions.shutdown(timeoutMs), http.shutdown(timeoutMs)]);
    },
    handlers,
    close() {
      watched.close();
      metrics.close();
    },
  };
}

/**
 * Reports the rate tables' sizes as `clockd_tcp_rate_limit_sources` and
 * `clockd_udp_rate_limit_sources`, summed over the isolate's distinct
 * tables as they are when `/metrics` is read (a reload replaces them).
 * A gauge is registered only if some table of its transport exists now.
 *
 * @param metrics Where the gauges go.
 * @param current The admissions in force (duplicates are counted once).
 */
function registerRateGauges(metrics: Metrics, current: () => Admission[]): void {
  for (const transport of ["tcp", "udp"] as const) {
    const sum = () => {
      let total: number | null = null;
      for (const admission of new Set(current())) {
        const size = admission.sources(transport);
        if (size !== null) total = (total ?? 0) + size;
      }
      return total;
    };
    if (sum() === null) continue;
    metrics.addGauge(
      `clockd_${transport}_rate_limit_sources`,
      `Sources in the ${transport.toUpperCase()} rate limiter's tables (each bounded by --rate-sources).`,
      () => sum() ?? 0,
    );
  }
}

/**
 * One {@linkcode Admission} per distinct per-service setting (`[service.NAME]`
 * in the config file, `--service`): services whose access lists and rates
 * agree share one, so with no per-service settings every service shares the
 * global access list and rate tables, as a single `--udp-rate` means.
 *
 * @param config The resolved configuration (`services` holds each service's settings).
 * @returns Each service's admission.
 *
 * @example Usage
 * ```ts
 * import { parseServeArgs, type ServeConfig } from "../cli/serve_config.ts";
 * import { admissionsFor } from "./services.ts";
 * const config = parseServeArgs(["--service", "ntp.deny=192.0.2.0/24"]) as ServeConfig;
 * const admission = admissionsFor(config);
 * const client = { transport: "tcp", hostname: "192.0.2.7", port: 40000 } as const;
 * if (admission.ntp === admission.session) throw new Error("NTP has its own");
 * if (admission.session.tcp(client) !== null) throw new Error("the session admits it");
 * ```
 */
export function admissionsFor(config: ServeConfig): Record<ServiceName, Admission> {
  const shared = new Map<string, Admission>();
  const result = {} as Record<ServiceName, Admission>;
  for (
    const [service, settings] of Object.entries(config.services) as [
      ServiceName,
      ServeConfig["services"][ServiceName],
    ][]
  ) {
    const { allow, deny, udpRate, udpBurst, tcpRate } = settings;
    const key = JSON.stringify([allow, deny, udpRate, udpBurst, tcpRate]);
    let admission = shared.get(key);
    if (admission === undefined) {
      admission = new Admission({
        allow,
        deny,
        tcpRate,
        udpRate,
        udpBurst,
        rateSources: config.rateSources,
      });
      shared.set(key, admission);
    }
    result[service] = admission;
  }
  return result;
}

/**
 * The clock state as gauges of `/metrics`: whether synchronised, the
 * stratum, the kernel's maximum error (NaN when unknown) and the leap
 * indicator NTP answers carry.
 *
 * @param metrics Where they go.
 * @param clock The clock state (refreshed by its owner).
 *
 * @example Usage
 * ```ts
 * import { addClockGauges } from "./services.ts";
 * import { Metrics } from "../ops/metrics.ts";
 * import { ClockStatus } from "../time/clock_status.ts";
 * import { systemClock } from "../time/clock.ts";
 * const metrics = new Metrics();
 * const clock = new ClockStatus({ sync: "always", stratum: 3, referenceId: "GPS", clock: systemClock });
 * addClockGauges(metrics, clock);
 * if (!metrics.renderPrometheus().includes("clockd_clock_stratum 3\n")) throw new Error();
 * clock.close();
 * ```
 */
export function addClockGauges(metrics: Metrics, clock: ClockStatus): void {
  metrics.addGauge(
    "clockd_clock_synchronised",
    "1 while NTP answers claim a synchronised clock, else 0.",
    () => clock.ntpState.leap === 3 ? 0 : 1,
    true,
  );
  metrics.addGauge(
    "clockd_clock_stratum",
    "The stratum NTP answers carry.",
    () => clock.ntpState.stratum,
    true,
  );
  metrics.addGauge(
    "clockd_clock_max_error_seconds",
    "The kernel's maximum error of the host clock, seconds (NaN when unknown).",
    () => clock.errorBoundSeconds ?? NaN,
    true,
  );
  metrics.addGauge(
    "clockd_clock_leap_indicator",
    "The leap indicator NTP answers carry: 0 none, 1 insert, 2 delete, 3 unsynchronised.",
    () => clock.ntpState.leap,
    true,
  );
}
