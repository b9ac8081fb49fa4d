/**
 * The clockd server: binds every configured listener (failing early with a
 * clear message), plugs each service into the one TCP loop and the one UDP
 * loop, and shuts everything down in order.
 *
 * @module
 */

import { type Clock, systemClock } from "../time/clock.ts";
import { ClockStatus } from "../time/clock_status.ts";
import { Admission } from "../admission/admission.ts";
import { Metrics } from "../ops/metrics.ts";
import { NtpService } from "../protocols/ntp/ntp_service.ts";
import { OneShotService } from "../protocols/oneshot/oneshot_service.ts";
import { encodeRfc868 } from "../protocols/oneshot/rfc868.ts";
import { formatHostPort, type Transport } from "../cli/listen_address.ts";
import { logger } from "../ops/log.ts";
import type { ListenerConfig, ServeConfig, ServiceName } from "../cli/serve_config.ts";
import { SessionProtocol } from "../protocols/session/session_protocol.ts";
import { SessionService } from "../protocols/session/session_service.ts";
import { type ConnectionHandler, type TcpAcceptor, TcpServer } from "../io/stream_server.ts";
import { EpollListener, EpollLoop } from "../io/linux/epoll.ts";
import { type DatagramHandler, UdpServer } from "../io/datagram_server.ts";
import { VERSION } from "../cli/version.ts";

/** A listener as bound. */
export interface BoundListener {
  /** The service it serves. */
  readonly service: ServiceName;
  /** Its transport. */
  readonly transport: Transport;
  /** The address it really bound. */
  readonly hostname: string;
  /** The port it really bound (never 0). */
  readonly port: number;
}

/**
 * A bind that failed for a reason outside the command line's syntax: the
 * port is taken, or needs a privilege. The CLI exits 1 with its message.
 */
export class BindError extends Error {
  /** @param message The flag, the address and the reason. */
  constructor(message: string) {
    super(message);
    this.name = "BindError";
  }
}

/** The handlers of one service, per transport. */
interface ServiceHandlers {
  tcp?: ConnectionHandler;
  udp?: DatagramHandler;
}

/** Things a test or an embedding program may replace. */
export interface ServerDependencies {
  /**
   * Where "now" comes from.
   *
   * @default {systemClock}
   */
  clock?: Clock;
  /**
   * The clock state NTP answers and `status` report.
   *
   * @default {a ClockStatus built from the configuration}
   */
  clockStatus?: ClockStatus;
  /**
   * For a TCP worker: the primary's listeners, whose TCP ports it binds too
   * (with SO_REUSEPORT), and the primary's shared session counters. A worker
   * serves no UDP and does not log the startup lines.
   */
  worker?: { listeners: readonly BoundListener[]; limitsBuffer: SharedArrayBuffer };
}

/** How often the clock state (the kernel's discipline) is re-read. */
const CLOCK_STATUS_REFRESH_MS = 1000;

const log = logger("server");
/** How many times a port-0 TCP+UDP pair is retried when the UDP half is taken. */
const PAIR_ATTEMPTS = 8;

/**
 * A running server.
 *
 * @example Usage
 * ```ts ignore
 * import { parseServeArgs } from "../cli/serve_config.ts";
 * import { startServer } from "./server.ts";
 * const server = await startServer(parseServeArgs(["--session", "127.0.0.1:0"]) as ServeConfig);
 * console.log(server.listeners);
 * await server.shutdown();
 * ```
 */
export class Server {
  /** Every listener as bound, in configuration order. */
  readonly listeners: readonly BoundListener[];
  readonly #tcp: TcpServer[];
  readonly #udp: UdpServer[];
  /** What the server claims about the host clock. */
  readonly clockStatus: ClockStatus;
  /** This isolate's counters (and, in the primary, the workers' it was given). */
  readonly metrics: Metrics;
  /** The session counters, shared with TCP workers. */
  get sessionLimits(): SharedArrayBuffer {
    return this.#sessions.limitsBuffer;
  }
  readonly #sessions: SessionService;
  readonly #reservedTcp: Deno.TcpListener[];
  readonly #epoll: EpollLoop | null;
  readonly #loops: Promise<void>[];
  readonly #refresh: ReturnType<typeof setInterval>;
  #shutdown: Promise<void> | null = null;

  /** @internal Built by {@linkcode startServer}. */
  constructor(
    listeners: BoundListener[],
    tcp: TcpServer[],
    udp: UdpServer[],
    sessions: SessionService,
    clockStatus: ClockStatus,
    metrics: Metrics,
    reservedTcp: Deno.TcpListener[] = [],
    epoll: EpollLoop | null = null,
  ) {
    this.listeners = listeners;
    this.#reservedTcp = reservedTcp;
    this.#epoll = epoll;
    this.metrics = metrics;
    this.#tcp = tcp;
    this.#udp = udp;
    this.#sessions = sessions;
    this.clockStatus = clockStatus;
    this.#loops = [...tcp.map((server) => server.serve()), ...udp.map((server) => server.serve())];
    this.#refresh = setInterval(() => clockStatus.refresh(), CLOCK_STATUS_REFRESH_MS);
  }

  /**
   * With `--tcp-engine epoll`, the primary binds the TCP ports only to check
   * them and learn the ports it was given, and serves none: once the epoll
   * workers have bound the same ports (SO_REUSEPORT), this closes the
   * primary's sockets, so every connection goes to a worker. Idempotent.
   */
  releaseReservedTcp(): void {
    for (const socket of this.#reservedTcp.splice(0)) {
      try {
        socket.close();
      } catch {
        // closed already
      }
    }
  }

  /**
   * Stops accepting and reading, says goodbye to open sessions, closes
   * every connection. Idempotent.
   *
   * @param timeoutMs How long goodbyes may take.
   * @returns A promise that settles once everything is closed.
   */
  shutdown(timeoutMs = 5000): Promise<void> {
    this.#shutdown ??= (async () => {
      clearInterval(this.#refresh);
      for (const server of this.#tcp) server.close();
      for (const server of this.#udp) server.close();
      await this.#sessions.shutdown(timeoutMs);
      await Promise.all(this.#tcp.map((server) => server.closeConnections()));
      await Promise.allSettled(this.#loops);
      this.releaseReservedTcp();
      await this.#epoll?.close();
      this.clockStatus.close();
      this.metrics.close();
    })();
    return this.#shutdown;
  }
}

/**
 * Binds every listener of the configuration and starts serving.
 *
 * @param config The resolved configuration.
 * @param dependencies The clock and other replaceable parts.
 * @returns The running server.
 * @throws {BindError} When a listener cannot be bound; nothing stays bound.
 */
export function startServer(config: ServeConfig, dependencies: ServerDependencies = {}): Server {
  const clock = dependencies.clock ?? systemClock;
  const metrics = new Metrics();
  const clockStatus = dependencies.clockStatus ?? new ClockStatus({
    sync: config.ntpSync,
    stratum: config.ntpStratum,
    referenceId: config.ntpRefid,
    clock,
  });
  const protocol = new SessionProtocol({
    clock,
    defaultFormat: config.defaultFormat,
    defaultZone: config.zone,
    info: { status: () => clockStatus.statusLine(), stats: () => metrics.statsLine() },
  });
  const worker = dependencies.worker;
  const sessions = new SessionService({
    protocol,
    idleTimeoutMs: config.idleTimeoutMs,
    partialWaitMs: config.partialWaitMs,
    maxSessions: config.maxSessions,
    maxSessionsPerIp: config.maxSessionsPerIp,
    limitsBuffer: worker?.limitsBuffer,
  });
  const encoder = new TextEncoder();
  const { daytimeFormat, zone } = config;
  const daytime = new OneShotService(
    clock,
    (now) => encoder.encode(daytimeFormat.render(now, zone, clock.monotonicNanos()) + "\r\n"),
    daytimeFormat.resolutionNanos >= 1_000_000_000,
  );
  const time = new OneShotService(clock, encodeRfc868);
  const ntp = new NtpService(clock, clockStatus);
  const handlers: Record<ServiceName, ServiceHandlers> = {
    session: {
      tcp: (conn, counters) => sessions.handleConnection(conn, counters),
      udp: (request, _remote, counters) => sessions.handleDatagram(request, counters),
    },
    daytime: {
      tcp: (conn, counters) => daytime.handleConnection(conn, counters),
      udp: () => daytime.handleDatagram(),
    },
    time: {
      tcp: (conn, counters) => time.handleConnection(conn, counters),
      udp: () => time.handleDatagram(),
    },
    ntp: { udp: (request, _remote, counters) => ntp.handleDatagram(request, counters) },
  };

  // Access control and abuse limits, applied before any work. Workers serve no UDP.
  const admission = new Admission({
    allow: config.allow,
    deny: config.deny,
    tcpRate: config.tcpRate,
    udpRate: worker === undefined ? config.udpRate : null,
    udpBurst: config.udpBurst,
    rateSources: config.rateSources,
    metrics,
  });
  const tcpServer = (socket: TcpAcceptor, service: ServiceName) =>
    new TcpServer(
      socket,
      service,
      handlers[service].tcp!,
      metrics.counter(service, "tcp"),
      admission.tcp,
    );
  const udpServer = (socket: Deno.DatagramConn, service: ServiceName) =>
    new UdpServer(
      socket,
      service,
      admission.udp(
        service,
        (socket.addr as Deno.NetAddr).port,
        handlers[service].udp!,
        service === "ntp"
          ? (request, _remote, counters) => ntp.kissOfDeath(request, counters)
          : undefined,
      ),
      metrics.counter(service, "udp"),
    );

  const tcp: TcpServer[] = [];
  const udp: UdpServer[] = [];
  const bound: BoundListener[] = [];
  const opened: { close(): void }[] = [];
  const reservedTcp: Deno.TcpListener[] = [];
  const epollEngine = config.tcpEngine === "epoll";
  let epoll: EpollLoop | null = null;
  const reusePort = worker !== undefined || config.workers > 1 || epollEngine;
  try {
    if (worker !== undefined) {
      if (epollEngine) epoll = EpollLoop.open();
      for (const listener of worker.listeners) {
        if (listener.transport !== "tcp") continue;
        const { service, hostname, port } = listener;
        const socket = epoll === null
          ? Deno.listen({ hostname, port, reusePort: true })
          : EpollListener.bind(epoll, hostname, port);
        opened.push(socket);
        tcp.push(tcpServer(socket, service));
        bound.push(listener);
      }
    } else {
      for (const listener of config.listeners) {
        // With --ntp-workers, NTP listeners belong to the fast-path workers.
        if (listener.service === "ntp" && config.ntpWorkers > 0) continue;
        const { tcpListener, udpSocket } = bindListener(listener, reusePort);
        const service = listener.service;
        if (tcpListener !== null) {
          opened.push(tcpListener);
          // With the epoll engine the workers serve TCP; see releaseReservedTcp.
          if (epollEngine) reservedTcp.push(tcpListener);
          else tcp.push(tcpServer(tcpListener, service));
          const { hostname, port } = tcpListener.addr;
          bound.push({ service, transport: "tcp", hostname, port });
        }
        if (udpSocket !== null) {
          opened.push(udpSocket);
          const { hostname, port } = udpSocket.addr as Deno.NetAddr;
          udp.push(udpServer(udpSocket, service));
          bound.push({ service, transport: "udp", hostname, port });
        }
      }
    }
  } catch (error) {
    for (const socket of opened) socket.close();
    clockStatus.close();
    const closing = epoll?.close();
    if (closing !== undefined) closing.catch(() => {});
    throw error;
  }
  const server = new Server(
    bound,
    tcp,
    udp,
    sessions,
    clockStatus,
    metrics,
    reservedTcp,
    epoll,
  );
  if (worker !== undefined) return server;
  log.info("clockd {version} (pid {pid}, {workers} TCP workers{engine}) listening: {listeners}", {
    version: VERSION,
    pid: Deno.pid,
    workers: config.workers,
    engine: epollEngine ? ", epoll engine" : "",
    listeners: server.listeners
      .map((l) => `${l.service} ${l.transport} ${formatHostPort(l.hostname, l.port)}`)
      .join(", "),
  });
  if (clockStatus.fallbackReason !== null) {
    log.warn("--ntp-sync kernel: falling back to always: {reason}", {
      reason: clockStatus.fallbackReason,
    });
  }
  if (bound.some((listener) => listener.service === "ntp")) {
    log.info("ntp clock: {status}", { status: clockStatus.statusLine().slice(3) });
  }
  return server;
}

/** Binds one configured address on its transports, sharing one port between them. */
function bindListener(
  listener: ListenerConfig,
  reusePort: boolean,
): { tcpListener: Deno.TcpListener | null; udpSocket: Deno.DatagramConn | null } {
  const { address } = listener;
  const wantTcp = address.transports.includes("tcp");
  const wantUdp = address.transports.includes("udp");
  for (let attempt = 1;; attempt++) {
    const tcpListener = wantTcp ? bindOne(listener, "tcp", address.port, reusePort) : null;
    const port = tcpListener?.addr.port ?? address.port;
    try {
      const udpSocket = wantUdp ? bindOne(listener, "udp", port, false) : null;
      return { tcpListener, udpSocket };
    } catch (error) {
      tcpListener?.close();
      // Port 0: the kernel's TCP choice may be taken on UDP; pick again.
      const retry = address.port === 0 && wantTcp && attempt < PAIR_ATTEMPTS;
      if (!retry || !(error instanceof BindError)) throw error;
    }
  }
}

function bindOne(
  listener: ListenerConfig,
  transport: "tcp",
  port: number,
  reusePort: boolean,
): Deno.TcpListener;
function bindOne(
  listener: ListenerConfig,
  transport: "udp",
  port: number,
  reusePort: boolean,
): Deno.DatagramConn;
function bindOne(
  listener: ListenerConfig,
  transport: Transport,
  port: number,
  reusePort: boolean,
): Deno.TcpListener | Deno.DatagramConn {
  const open = (hostname: string) =>
    transport === "tcp"
      ? Deno.listen({ hostname, port, transport, reusePort })
      : Deno.listenDatagram({ hostname, port, transport });
  const { hostname } = listener.address;
  try {
    if (hostname !== "") return open(hostname);
    // Every interface: "::" is dual-stack on Linux; fall back to IPv4 where IPv6 is off.
    try {
      return open("::");
    } catch (error) {
      if (error instanceof Deno.errors.AddrInUse || error instanceof Deno.errors.PermissionDenied) {
        throw error;
      }
      return open("0.0.0.0");
    }
  } catch (error) {
    throw new BindError(`${listener.origin}: ${bindFailure(error, transport, port)}`);
  }
}

function bindFailure(error: unknown, transport: Transport, port: number): string {
  if (error instanceof Deno.errors.AddrInUse) return `${transport} port ${port} is already in use`;
  if (error instanceof Deno.errors.PermissionDenied) {
    return `permission denied binding ${transport} port ${port}` +
      (port < 1024 ? " (ports below 1024 need root or CAP_NET_BIND_SERVICE)" : "");
  }
  if (error instanceof Deno.errors.NotCapable) {
    return `no network permission (run with --allow-net)`;
  }
  if (error instanceof Deno.errors.AddrNotAvailable) {
    return `cannot bind ${transport}: address not available on this host`;
  }
  return `cannot bind ${transport} port ${port}: ${error instanceof Error ? error.message : error}`;
}
