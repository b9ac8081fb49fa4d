/**
 * Where the listeners go: the primary checks every configured address
 * before any isolate serves, so a taken port or a missing privilege fails
 * at once with a clear message, and port 0 is resolved to one port shared
 * by a listener's TCP and UDP halves. The check binds without SO_REUSEPORT,
 * so a port another process holds (even another clockd, whose sockets set
 * SO_REUSEPORT) is refused rather than silently shared; it then releases
 * the ports for the serving isolates to bind with SO_REUSEPORT.
 *
 * @module
 */

import { formatHostPort, type Transport } from "../cli/listen_address.ts";
import type { ListenerConfig, ServeConfig, ServiceName } from "../cli/serve_config.ts";

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

/** How many times a port-0 TCP+UDP pair is retried when the UDP half is taken. */
const PAIR_ATTEMPTS = 8;

/**
 * Checks every configured listener and resolves its port.
 *
 * @param config The resolved configuration.
 * @returns Every listener, TCP before UDP per address, in configuration order.
 * @throws {BindError} When an address cannot be bound; nothing stays bound.
 *
 * @example Usage
 * ```ts
 * import { parseServeArgs, type ServeConfig } from "../cli/serve_config.ts";
 * import { resolveListeners } from "./bind.ts";
 * const config = parseServeArgs(["--session", "127.0.0.1:0"]) as ServeConfig;
 * const [tcp, udp] = resolveListeners(config);
 * if (tcp.port === 0 || tcp.port !== udp.port) throw new Error("one port for both");
 * ```
 */
export function resolveListeners(config: ServeConfig): BoundListener[] {
  const bound: BoundListener[] = [];
  for (const listener of config.listeners) {
    const { tcp, udp } = checkListener(listener);
    const { service } = listener;
    if (tcp !== null) bound.push({ service, transport: "tcp", ...tcp });
    if (udp !== null) bound.push({ service, transport: "udp", ...udp });
  }
  return bound;
}

type Address = { hostname: string; port: number };

/** Binds one configured address on its transports, sharing one port between them, then lets go. */
function checkListener(listener: ListenerConfig): { tcp: Address | null; udp: Address | null } {
  const { address } = listener;
  const wantTcp = address.transports.includes("tcp");
  const wantUdp = address.transports.includes("udp");
  for (let attempt = 1;; attempt++) {
    const tcp = wantTcp ? bindOne(listener, "tcp", address.port) : null;
    const port = tcp === null ? address.port : (tcp.addr as Deno.NetAddr).port;
    try {
      const udp = wantUdp ? bindOne(listener, "udp", port) : null;
      const result = { tcp: tcp && addressOf(tcp.addr), udp: udp && addressOf(udp.addr) };
      tcp?.close();
      udp?.close();
      return result;
    } catch (error) {
      tcp?.close();
      // Port 0: the kernel's TCP choice may be taken on UDP; pick again.
      const retry = address.port === 0 && wantTcp && attempt < PAIR_ATTEMPTS;
      if (!retry || !(error instanceof BindError)) throw error;
    }
  }
}

function addressOf(addr: Deno.Addr): Address {
  const { hostname, port } = addr as Deno.NetAddr;
  return { hostname, port };
}

function bindOne(
  listener: ListenerConfig,
  transport: Transport,
  port: number,
): Deno.TcpListener | Deno.DatagramConn {
  const open = (hostname: string) =>
    transport === "tcp"
      ? Deno.listen({ hostname, port, transport })
      : Deno.listenDatagram({ hostname, port, transport });
  return bindWith(listener.origin, transport, port, listener.address.hostname, open);
}

/**
 * Binds an address the way every listener is bound: `""` means every
 * interface, `::` (dual-stack on Linux) falling back to `0.0.0.0` where IPv6
 * is off; a failure becomes a {@linkcode BindError} naming the flag.
 *
 * @param origin The flag the listener came from, for the message.
 * @param transport The transport, for the message.
 * @param port The port, for the message.
 * @param hostname The configured address.
 * @param open Binds one concrete address.
 * @returns What `open` returned.
 * @throws {BindError} When the bind fails.
 *
 * @example Usage
 * ```ts
 * import { bindWith } from "./bind.ts";
 * const listener = bindWith("--session 127.0.0.1:0", "tcp", 0, "127.0.0.1",
 *   (hostname) => Deno.listen({ hostname, port: 0 }));
 * listener.close();
 * ```
 */
export function bindWith<T>(
  origin: string,
  transport: Transport,
  port: number,
  hostname: string,
  open: (hostname: string) => T,
): T {
  try {
    if (hostname !== "") return open(hostname);
    try {
      return open("::");
    } catch (error) {
      if (error instanceof Deno.errors.AddrInUse || error instanceof Deno.errors.PermissionDenied) {
        throw error;
      }
      return open("0.0.0.0");
    }
  } catch (error) {
    throw new BindError(`${origin}: ${bindFailure(error, transport, port)}`);
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

/**
 * The listeners as the startup line names them.
 *
 * @param listeners The bound listeners.
 * @returns e.g. `session tcp 127.0.0.1:1200, session udp 127.0.0.1:1200`.
 *
 * @example Usage
 * ```ts
 * import { describeListeners } from "./bind.ts";
 * const text = describeListeners([{ service: "ntp", transport: "udp", hostname: "::", port: 123 }]);
 * if (text !== "ntp udp [::]:123") throw new Error(text);
 * ```
 */
export function describeListeners(listeners: readonly BoundListener[]): string {
  return listeners.map((l) => `${l.service} ${l.transport} ${formatHostPort(l.hostname, l.port)}`)
    .join(", ");
}
