/**
 * The one setup every serving isolate runs, primary or worker: the clock
 * state, the counters, the admission chain and every service's handlers,
 * built from the configuration. Nothing here knows which engine will carry
 * the bytes.
 *
 * @module
 */

import type { Admission } from "../admission/admission.ts";
import type { ServeConfig, ServiceName } from "../cli/serve_config.ts";
import type { BatchEnd, DatagramHandler } from "../io/datagram_server.ts";
import type { ConnectionHandler } from "../io/stream_server.ts";
import { Metrics } from "../ops/metrics.ts";
import { NtpService } from "../protocols/ntp/ntp_service.ts";
import { writeTransmitTime } from "../protocols/ntp/responder.ts";
import { OneShotService } from "../protocols/oneshot/oneshot_service.ts";
import { encodeRfc868 } from "../protocols/oneshot/rfc868.ts";
import { SessionProtocol } from "../protocols/session/session_protocol.ts";
import { SessionService } from "../protocols/session/session_service.ts";
import { SessionDatagrams } from "../protocols/session/session_datagrams.ts";
import { udpTooLarge } from "../protocols/session/udp_too_large.ts";
import { createHttpService } from "../protocols/http/create_http_service.ts";
import { clockHealthy } from "../protocols/http/metrics_routes.ts";
import type { Clock } from "../time/clock.ts";
import type { ClockStatus } from "../time/clock_status.ts";
import type { Instant } from "../time/instant.ts";
import type { LeapSeconds } from "../time/leap_seconds.ts";
import { smearedClock, SmearedClockStatus, smearedStamps } from "../time/leap_smear.ts";
import { timeData, timeDataFields } from "../time/time_data.ts";
import { addRateGauges, admissionsFor } from "./admissions.ts";
import { addClockGauges } from "./clock_gauges.ts";
import { watchClock } from "./clock_watch.ts";
import { roughtimeHandlers, roughtimeState } from "./roughtime_handlers.ts";
import { statusLine, type StatusListener } from "./status_line.ts";

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
  /** Answers the datagrams `udp` kept, once per batch (Roughtime: one signature a batch). */
  readonly endBatch?: BatchEnd;
}

/** What {@linkcode createServices} builds. */
export interface Services {
  /** What the server claims about the host clock. */
  readonly clockStatus: ClockStatus;
  /** The leap-seconds table in force (reloaded by {@linkcode Services.reconfigure}). */
  readonly leapSeconds: LeapSeconds;
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
   * format and zone, its timeouts and limits, the leap-seconds file (read
   * again), whether `/healthz` requires a synchronised clock. Open sessions
   * are kept.
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
  /**
   * Every listener of the process (not only this isolate's), named by `status`.
   *
   * @default {none}
   */
  listeners?: readonly StatusListener[];
  /** The session counters shared by every isolate of the process. */
  limitsBuffer?: SharedArrayBuffer;
  /** The HTTP connection counters shared by every isolate of the process. */
  httpLimitsBuffer?: SharedArrayBuffer;
  /** The Roughtime long-term key's seed; null or absent: no Roughtime handlers. */
  roughtimeSeed?: Uint8Array | null;
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
  const leapSeconds = watched.leapSeconds;
  const protocol = new SessionProtocol({
    clock,
    leapSeconds,
    kernel: clockStatus.kernelClock,
    defaultFormat: config.defaultFormat,
    defaultZone: config.zone,
    info: {
      status: () =>
        statusLine(clockStatus.statusLine(), {
          leap: clockStatus.ntpState.leap,
          io: options.io,
          uptimeSeconds: clock.monotonicNanos() / 1e9,
          listeners: options.listeners ?? [],
          extra: {
            ...timeDataFields(timeData(leapSeconds)),
            ...roughtimeState(config, clockStatus),
          },
        }),
      stats: () => metrics.statsLine(),
    },
  });
  const sessionDatagrams = new SessionDatagrams(protocol);
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
  // The smear listener: the same clock, smeared around leaps, never announcing one.
  const smearClock = smearedClock(clock, leapSeconds, clockStatus.kernelClock);
  const smeared = smearedStamps(smearClock, leapSeconds);
  const smearNtp = new NtpService(smearClock, new SmearedClockStatus(clockStatus, leapSeconds));
  let requireSync = config.healthzRequiresSync;
  const http = createHttpService({
    clock,
    clockStatus,
    timeData: () => timeData(leapSeconds),
    metrics,
    limitsBuffer: options.httpLimitsBuffer,
    healthy: () => clockHealthy(clockStatus, requireSync),
  });
  const handlers: Record<ServiceName, ServiceHandlers> = {
    session: {
      tcp: (conn, counters, ended) => sessions.handleConnection(conn, counters, ended),
      udp: (request, _remote, counters) => sessionDatagrams.answer(request, counters),
      tooLarge: udpTooLarge,
    },
    daytime: {
      tcp: (conn, counters, ended) => daytime.handleConnection(conn, counters, ended),
      udp: () => daytime.handleDatagram(),
      tooLarge: udpTooLarge,
    },
    time: {
      tcp: (conn, counters, ended) => time.handleConnection(conn, counters, ended),
      udp: () => time.handleDatagram(),
    },
    ntp: {
      udp: (request, _remote, counters, receivedAt) =>
        ntp.handleDatagram(request, counters, receivedAt),
      kiss: (request, _remote, counters) => ntp.kissOfDeath(request, counters),
      stamp: writeTransmitTime,
    },
    "ntp-smear": {
      udp: (request, _remote, counters, receivedAt) =>
        smearNtp.handleDatagram(request, counters, smeared(receivedAt)),
      kiss: (request, _remote, counters) => smearNtp.kissOfDeath(request, counters),
      stamp: (answer, transmit) => writeTransmitTime(answer, smeared(transmit)),
    },
    roughtime: roughtimeHandlers(config, clock, clockStatus, options.roughtimeSeed ?? null),
    http: { tcp: http.handler },
  };
  let admission = admissionsFor(config);
  addRateGauges(metrics, () => Object.values(admission));
  metrics.setInfo("io", options.io);
  addClockGauges(metrics, watched);
  return {
    clockStatus,
    leapSeconds,
    metrics,
    get admission() {
      return admission;
    },
    reconfigure(next) {
      admission = admissionsFor(next);
      protocol.setDefaults({ defaultFormat: next.defaultFormat, defaultZone: next.zone });
      daytime = daytimeService(next);
      sessions.reconfigure(next);
      watched.reloadLeapSeconds(next);
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
