/**
 * One serving isolate: binds its share of the listeners on its engine and
 * plugs every service into the one stream loop ({@linkcode TcpServer}) and
 * the one datagram loop ({@linkcode DatagramServer}), behind the admission
 * chain; shuts everything down in order. A worker runs one; so does the
 * primary when no worker can run.
 *
 * @module
 */

import type { ServeConfig } from "../cli/serve_config.ts";
import { DatagramServer } from "../io/datagram_server.ts";
import type { IoEngine } from "../io/engine.ts";
import { TcpServer } from "../io/stream_server.ts";
import type { UdpService } from "../admission/udp_guard.ts";
import { AccessList } from "../admission/access_list.ts";
import type { Metrics } from "../ops/metrics.ts";
import { type Clock, systemClock } from "../time/clock.ts";
import type { ClockStatus } from "../time/clock_status.ts";
import { bindWith, type BoundListener } from "./bind.ts";
import { createServices, type Services } from "./services.ts";

/** Settings of {@linkcode startServer} besides the configuration. */
export interface ServerOptions {
  /** The engine that opens this isolate's sockets; the server closes it at shutdown. */
  engine: IoEngine;
  /** The listeners to bind, as the primary resolved them (see `resolveListeners`). */
  listeners: readonly BoundListener[];
  /** Whether this isolate serves the UDP listeners too. */
  serveUdp: boolean;
  /** The session counters shared by every isolate. */
  limitsBuffer?: SharedArrayBuffer;
  /** The HTTP connection counters shared by every isolate. */
  httpLimitsBuffer?: SharedArrayBuffer;
  /**
   * Where "now" comes from.
   *
   * @default {systemClock}
   */
  clock?: Clock;
}

/**
 * A running server.
 *
 * @example Usage
 * ```ts ignore
 * import { startServer } from "./server.ts";
 * const server = startServer(config, { engine, listeners, serveUdp: true });
 * await server.shutdown();
 * ```
 */
export class Server {
  /** The listeners this isolate serves. */
  readonly listeners: readonly BoundListener[];
  /** The engine serving them. */
  readonly engine: IoEngine;
  readonly #services: Services;
  readonly #tcp: TcpServer[];
  readonly #udp: DatagramServer[];
  readonly #loops: Promise<void>[];
  readonly #guards: (() => void)[];
  readonly #proxyTrust: { list: AccessList | null };
  #shutdown: Promise<void> | null = null;

  /** @internal Built by {@linkcode startServer}. */
  constructor(
    listeners: BoundListener[],
    engine: IoEngine,
    services: Services,
    tcp: TcpServer[],
    udp: DatagramServer[],
    guards: (() => void)[],
    proxyTrust: { list: AccessList | null },
  ) {
    this.#guards = guards;
    this.#proxyTrust = proxyTrust;
    this.listeners = listeners;
    this.engine = engine;
    this.#services = services;
    this.#tcp = tcp;
    this.#udp = udp;
    this.#loops = [...tcp.map((server) => server.serve()), ...udp.map((server) => server.serve())];
  }

  /** This isolate's counters (and the other isolates' it was given). */
  get metrics(): Metrics {
    return this.#services.metrics;
  }

  /** What the server claims about the host clock. */
  get clockStatus(): ClockStatus {
    return this.#services.clockStatus;
  }

  /**
   * Applies a reload: what {@linkcode Services.reconfigure} can change, the
   * UDP listeners re-guarded with the new admissions, the trusted load
   * balancers (`--proxy-protocol`) for new connections. Listeners and open
   * sessions are kept.
   *
   * @param config The reloaded configuration.
   */
  reconfigure(config: ServeConfig): void {
    this.#services.reconfigure(config);
    this.#proxyTrust.list = proxyTrust(config);
    for (const rebuild of this.#guards) rebuild();
  }

  /**
   * Stops accepting and reading, says goodbye to open sessions, closes
   * every connection and the engine. Idempotent.
   *
   * @param timeoutMs How long goodbyes may take.
   * @returns A promise that settles once everything is closed.
   */
  shutdown(timeoutMs = 5000): Promise<void> {
    this.#shutdown ??= (async () => {
      for (const server of this.#tcp) server.close();
      for (const server of this.#udp) server.close();
      await this.#services.drain(timeoutMs);
      await Promise.all(this.#tcp.map((server) => server.closeConnections()));
      await Promise.allSettled(this.#loops);
      await this.engine.close();
      this.#services.close();
    })();
    return this.#shutdown;
  }
}

/**
 * Binds this isolate's listeners and starts serving.
 *
 * @param config The resolved configuration.
 * @param options The engine, the listeners, and what is shared with other isolates.
 * @returns The running server.
 * @throws {BindError} When a listener cannot be bound; nothing stays bound.
 */
export function startServer(config: ServeConfig, options: ServerOptions): Server {
  const { engine } = options;
  const clock = options.clock ?? systemClock;
  const services = createServices(config, {
    clock,
    io: engine.name,
    limitsBuffer: options.limitsBuffer,
    httpLimitsBuffer: options.httpLimitsBuffer,
  });
  const { handlers, metrics } = services;
  const tcp: TcpServer[] = [];
  const udp: DatagramServer[] = [];
  const bound: BoundListener[] = [];
  /** Rebuild each UDP listener's guarded handler after a reload. */
  const guards: (() => void)[] = [];
  /** The balancers whose connections open with a PROXY header; replaced by a reload. */
  const trust = { list: proxyTrust(config) };
  const proxied = (remote: Deno.NetAddr) =>
    trust.list !== null && trust.list.permits(remote.hostname);
  // Every port this process answers UDP on: none of them is ever answered.
  const udpPorts = [
    ...new Set(options.listeners.filter((l) => l.transport === "udp").map((l) => l.port)),
  ];
  try {
    for (const listener of options.listeners) {
      const { service, transport, hostname, port } = listener;
      const handler = handlers[service];
      const bind = <T>(open: (host: string) => T) =>
        bindWith(`--${service} ${port}`, transport, port, hostname, open);
      if (transport === "tcp" && handler.tcp !== undefined) {
        const socket = bind((host) => engine.listenStream(host, port));
        tcp.push(
          new TcpServer(
            socket,
            service,
            handler.tcp,
            metrics.counter(service, "tcp"),
            // Read per connection: a reload replaces the admissions.
            (remote) => services.admission[service].tcp(remote),
            { proxied },
          ),
        );
        bound.push(listener);
      } else if (transport === "udp" && handler.udp !== undefined && options.serveUdp) {
        const socket = bind((host) => engine.listenDatagram(host, port));
        const udpHandler = handler.udp;
        const guard = () =>
          services.admission[service].udp(
            service as UdpService, // only UDP services have a datagram handler
            udpPorts,
            udpHandler,
            handler.kiss,
            handler.tooLarge,
          );
        let guarded = guard();
        guards.push(() => guarded = guard());
        udp.push(
          new DatagramServer(
            socket,
            service,
            (request, remote, counters, receivedAt) =>
              guarded(request, remote, counters, receivedAt),
            metrics.counter(service, "udp"),
            handler.stamp,
          ),
        );
        bound.push(listener);
      }
    }
  } catch (error) {
    for (const server of tcp) server.close();
    for (const server of udp) server.close();
    services.close();
    engine.close().catch(() => {});
    throw error;
  }
  return new Server(bound, engine, services, tcp, udp, guards, trust);
}

/** The `--proxy-protocol` balancers as an access list, or null when there are none. */
function proxyTrust(config: ServeConfig): AccessList | null {
  return config.proxyProtocol.length === 0 ? null : new AccessList(config.proxyProtocol);
}
