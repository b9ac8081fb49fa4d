/**
 * The `clockd serve` command line: the flags a user gives (all optional,
 * with documented defaults) turned into the resolved {@linkcode ServeConfig}
 * the server runs with.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { parseDuration } from "./duration.ts";
import { getFormat, type TimeFormat } from "../time/formats.ts";
import { type ListenAddress, parseListenAddress, type Transport } from "./listen_address.ts";
import { LOG_FORMATS, LOG_LEVELS, type LogOptions } from "../ops/log.ts";
import { parseFlag, parseInteger, UsageError } from "./usage_error.ts";
import { resolveZone, type Zone } from "../time/zone.ts";
import type { SyncMode } from "../time/clock_status.ts";
import { IO_NAMES, type IoName } from "../io/engine.ts";
import { type Cidr, parseCidr } from "../admission/access_list.ts";
import {
  DEFAULT_MAX_SOURCES,
  DEFAULT_TCP_RATE,
  DEFAULT_UDP_RATE,
  defaultBurst,
  formatRate,
  parseRate,
} from "../admission/rate_limiter.ts";

/** A service clockd can listen for. */
export type ServiceName = "session" | "daytime" | "time" | "ntp";

/**
 * What each service serves by default: its transports (as its RFC defines
 * them) and the port used when no listener flag is given (no root needed;
 * the systemd unit uses the standard 13, 37 and 123).
 */
export const SERVICES: Readonly<
  Record<ServiceName, { transports: readonly Transport[]; defaultPort: number }>
> = {
  session: { transports: ["tcp", "udp"], defaultPort: 1200 },
  daytime: { transports: ["tcp", "udp"], defaultPort: 10013 },
  time: { transports: ["tcp", "udp"], defaultPort: 10037 },
  ntp: { transports: ["udp"], defaultPort: 10123 },
};

/** One listener to open. */
export interface ListenerConfig {
  /** The service it serves. */
  readonly service: ServiceName;
  /** Where, and on which transports. */
  readonly address: ListenAddress;
  /** The flag it came from, for error messages (`--session :1200`). */
  readonly origin: string;
}

/** Everything `clockd serve` runs with, resolved and validated. */
export interface ServeConfig {
  /** Listeners to open, in order. */
  readonly listeners: readonly ListenerConfig[];
  /** Format of a new session. */
  readonly defaultFormat: TimeFormat;
  /** Format of the daytime service's line. */
  readonly daytimeFormat: TimeFormat;
  /** How the NTP server decides it is synchronised. */
  readonly ntpSync: SyncMode;
  /** Stratum NTP answers claim while synchronised. */
  readonly ntpStratum: number;
  /** Reference ID NTP answers claim while synchronised. */
  readonly ntpRefid: string;
  /** Zone of a new session. */
  readonly zone: Zone;
  /** Idle read deadline of a TCP session (ms). */
  readonly idleTimeoutMs: number;
  /** Quiet pause after which a request with no LF is answered (ms). */
  readonly partialWaitMs: number;
  /** Most TCP sessions open at once. */
  readonly maxSessions: number;
  /** Most TCP sessions open at once from one address. */
  readonly maxSessionsPerIp: number;
  /** How long shutdown may take before the process exits anyway (ms). */
  readonly shutdownTimeoutMs: number;
  /** Log level and line format. */
  readonly log: Pick<LogOptions, "level" | "format">;
  /** Print one JSON line on stdout once every listener is bound. */
  readonly readyJson: boolean;
  /** Serving isolates (workers); the primary supervises. */
  readonly workers: number;
  /**
   * The I/O engine: `kernel` (Linux through libc: epoll, batched UDP with
   * kernel receive stamps; the default where it can run) or `deno`.
   */
  readonly io: IoName;
  /** Where `/metrics` and `/healthz` are served over HTTP; null: off. */
  readonly metrics: ListenAddress | null;
  /** Datagrams per second per UDP source; null: no limit. */
  readonly udpRate: number | null;
  /** Datagrams a UDP source may send at once after a quiet spell. */
  readonly udpBurst: number;
  /** New TCP connections per second per source; null: no limit. */
  readonly tcpRate: number | null;
  /** Sources each rate limiter remembers at most (the oldest is forgotten). */
  readonly rateSources: number;
  /** Clients allowed (with any, every other client is denied). */
  readonly allow: readonly Cidr[];
  /** Clients denied (deny wins over allow). */
  readonly deny: readonly Cidr[];
  /** The arguments this configuration was parsed from, for workers to parse again. */
  readonly args: readonly string[];
}

/** Default of `--max-sessions`. */
export const DEFAULT_MAX_SESSIONS = 10_000;
/** Default of `--max-sessions-per-ip`. */
export const DEFAULT_MAX_SESSIONS_PER_IP = 100;

/** The `clockd serve --help` text. */
export const SERVE_HELP = `Usage: clockd serve [flags]

Serves the time. With no listener flag: the session protocol on TCP and UDP
port 1200, daytime on 10013, time on 10037 and NTP on 10123, every interface
(IPv4 and IPv6). With any listener flag, only the listeners named.

Listeners (repeatable; ADDR is :PORT, HOST:PORT or [IPv6]:PORT, with /tcp or
/udp appended to serve one transport only; port 0 picks a free port):
  --session ADDR              session protocol, TCP and UDP (default :1200)
  --daytime ADDR              RFC 867 daytime, TCP and UDP (default :10013)
  --time ADDR                 RFC 868 time, TCP and UDP (default :10037)
  --ntp ADDR                  NTP server (SNTP), UDP (default :10123)

Standard services:
  --daytime-format NAME       format of the daytime line (default daytime; nist for
                              the NIST layout; any format of clockd formats)
  --ntp-sync MODE             kernel: answer as synchronised only while the kernel
                              clock is (needs FFI to libc; default on Linux);
                              always: claim --ntp-stratum regardless (labs, tests)
  --ntp-stratum N             stratum claimed while synchronised, 1-15 (default 10)
  --ntp-refid ID              reference ID, up to 4 ASCII characters (default LOCL)

Session protocol:
  --default-format NAME       format of an empty request (default go; see clockd formats)
  --tz ZONE                   zone answers are rendered in (default UTC; IANA name,
                              UTC, local, or an offset like +05:30)
  --idle-timeout DURATION     close a TCP session with no request for this long (default 2m)
  --partial-wait DURATION     answer a request with no newline after the client is
                              quiet this long; 0 waits for half-close (default 50ms, at most 100ms)
  --max-sessions N            most TCP sessions open at once (default ${DEFAULT_MAX_SESSIONS})
  --max-sessions-per-ip N     most TCP sessions from one address (default ${DEFAULT_MAX_SESSIONS_PER_IP})

Abuse limits and access control (every listener):
  --udp-rate RATE             datagrams per source (IPv4 address, IPv6 /64) per
                              second or minute: 20, 20/s, 600/m, or off (default ${
  formatRate(DEFAULT_UDP_RATE)
})
  --udp-burst N               datagrams a quiet source may send at once (default 2 s of rate)
  --tcp-rate RATE             new TCP connections per source (default ${
  formatRate(DEFAULT_TCP_RATE)
})
  --rate-sources N            sources each rate limiter remembers (default ${DEFAULT_MAX_SOURCES})
  --allow CIDR                allow only these clients (repeatable; IPv4 or IPv6)
  --deny CIDR                 deny these clients (repeatable; wins over --allow)

Process:
  --log-level LEVEL           trace, debug, info, warning, error (default info)
  --log-format FORMAT         text or json (default text)
  --ready-json                print one JSON line on stdout with the bound addresses
  --shutdown-timeout DURATION most time SIGTERM/SIGINT shutdown may take (default 5s)
  --metrics ADDR              serve /metrics (Prometheus text) and /healthz over HTTP
                              on ADDR, e.g. 127.0.0.1:9123 (default: off)
  --workers N                 serving isolates sharing every port through SO_REUSEPORT
                              (default: the number of cores, here ${defaultWorkers()})
  --io ENGINE                 kernel (default on Linux x86_64/aarch64): epoll and
                              batched recvmmsg/sendmmsg through libc with kernel
                              receive stamps (needs the FFI grant on libc; numeric
                              addresses); deno: Deno's own sockets, portable. Where
                              kernel cannot run, clockd serves on deno and says why
  -h, --help                  show this help

DURATION is a number and a unit: 100ms, 5s, 2m, 1h.`;

/**
 * Parses the `clockd serve` arguments.
 *
 * @param args The arguments after `serve`.
 * @returns The resolved configuration, or `"help"` when help was asked for.
 * @throws {UsageError} Naming the flag and the problem.
 *
 * @example Usage
 * ```ts
 * import { parseServeArgs } from "./serve_config.ts";
 * const config = parseServeArgs(["--session", "127.0.0.1:0", "--tz", "Europe/Paris"]);
 * if (config === "help" || config.zone.name !== "Europe/Paris") throw new Error();
 * ```
 */
export function parseServeArgs(args: string[]): ServeConfig | "help" {
  const { values } = parseFlag("clockd serve", () =>
    parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        session: { type: "string", multiple: true },
        daytime: { type: "string", multiple: true },
        time: { type: "string", multiple: true },
        ntp: { type: "string", multiple: true },
        "daytime-format": { type: "string", default: "daytime" },
        "ntp-sync": { type: "string", default: Deno.build.os === "linux" ? "kernel" : "always" },
        "ntp-stratum": { type: "string", default: "10" },
        "ntp-refid": { type: "string", default: "LOCL" },
        "default-format": { type: "string", default: "go" },
        tz: { type: "string", default: "UTC" },
        "idle-timeout": { type: "string", default: "2m" },
        "partial-wait": { type: "string", default: "50ms" },
        "max-sessions": { type: "string", default: String(DEFAULT_MAX_SESSIONS) },
        "max-sessions-per-ip": { type: "string", default: String(DEFAULT_MAX_SESSIONS_PER_IP) },
        "log-level": { type: "string", default: "info" },
        "log-format": { type: "string", default: "text" },
        "ready-json": { type: "boolean", default: false },
        "shutdown-timeout": { type: "string", default: "5s" },
        workers: { type: "string", default: String(defaultWorkers()) },
        io: { type: "string", default: "kernel" },
        metrics: { type: "string" },
        "udp-rate": { type: "string", default: String(DEFAULT_UDP_RATE) },
        "udp-burst": { type: "string" },
        "tcp-rate": { type: "string", default: String(DEFAULT_TCP_RATE) },
        "rate-sources": { type: "string", default: String(DEFAULT_MAX_SOURCES) },
        allow: { type: "string", multiple: true },
        deny: { type: "string", multiple: true },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  if (values.help) return "help";

  const listeners: ListenerConfig[] = [];
  for (const service of Object.keys(SERVICES) as ServiceName[]) {
    for (const text of values[service] ?? []) {
      const origin = `--${service} ${text}`;
      const address = parseFlag(
        `--${service}`,
        () => parseListenAddress(text, SERVICES[service].transports),
      );
      listeners.push({ service, address, origin });
    }
  }
  if (listeners.length === 0) {
    for (const service of Object.keys(SERVICES) as ServiceName[]) {
      const { transports, defaultPort } = SERVICES[service];
      listeners.push({
        service,
        address: { hostname: "", port: defaultPort, transports },
        origin: `--${service} :${defaultPort} (default)`,
      });
    }
  }

  const defaultFormat = parseFlag("--default-format", () => knownFormat(values["default-format"]));
  const daytimeFormat = parseFlag("--daytime-format", () => knownFormat(values["daytime-format"]));
  const ntpSync = values["ntp-sync"];
  if (ntpSync !== "kernel" && ntpSync !== "always") {
    throw new UsageError(`--ntp-sync: expected kernel or always, got "${ntpSync}"`);
  }
  const io = values.io;
  if (!(IO_NAMES as readonly string[]).includes(io)) {
    throw new UsageError(`--io: expected ${IO_NAMES.join(" or ")}, got "${io}"`);
  }
  const ntpRefid = values["ntp-refid"];
  if (!/^[\x21-\x7e]{1,4}$/.test(ntpRefid)) {
    throw new UsageError(
      `--ntp-refid: expected 1 to 4 printable ASCII characters, got "${ntpRefid}"`,
    );
  }
  const partialWaitMs = parseFlag("--partial-wait", () => {
    const ms = parseDuration(values["partial-wait"]);
    if (ms > 100) throw new RangeError(`must be at most 100ms, got "${values["partial-wait"]}"`);
    return ms;
  });
  const idleTimeoutMs = parseFlag("--idle-timeout", () => {
    const ms = parseDuration(values["idle-timeout"]);
    if (ms <= 0) throw new RangeError("must be more than 0");
    return ms;
  });
  const level = values["log-level"];
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new UsageError(`--log-level: expected one of ${LOG_LEVELS.join(", ")}, got "${level}"`);
  }
  const format = values["log-format"];
  if (!(LOG_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--log-format: expected text or json, got "${format}"`);
  }
  const udpRate = parseFlag("--udp-rate", () => parseRate(values["udp-rate"]));
  const udpBurstText = values["udp-burst"];
  const udpBurst = udpBurstText === undefined
    ? defaultBurst(udpRate ?? DEFAULT_UDP_RATE)
    : parseFlag("--udp-burst", () => parseInteger(udpBurstText, 1, 1e6));
  return {
    listeners,
    udpRate,
    udpBurst,
    tcpRate: parseFlag("--tcp-rate", () => parseRate(values["tcp-rate"])),
    rateSources: parseFlag("--rate-sources", () => parseInteger(values["rate-sources"], 16, 1e7)),
    allow: (values.allow ?? []).map((text) => parseFlag("--allow", () => parseCidr(text))),
    deny: (values.deny ?? []).map((text) => parseFlag("--deny", () => parseCidr(text))),
    defaultFormat,
    daytimeFormat,
    ntpSync,
    ntpStratum: parseFlag("--ntp-stratum", () => parseInteger(values["ntp-stratum"], 1, 15)),
    ntpRefid,
    zone: parseFlag("--tz", () => resolveZone(values.tz)),
    idleTimeoutMs,
    partialWaitMs,
    maxSessions: parseFlag("--max-sessions", () => parseInteger(values["max-sessions"], 1, 1e7)),
    maxSessionsPerIp: parseFlag(
      "--max-sessions-per-ip",
      () => parseInteger(values["max-sessions-per-ip"], 1, 1e7),
    ),
    shutdownTimeoutMs: parseFlag(
      "--shutdown-timeout",
      () => parseDuration(values["shutdown-timeout"]),
    ),
    log: { level: level as LogOptions["level"], format: format as LogOptions["format"] },
    readyJson: values["ready-json"],
    workers: parseFlag("--workers", () => parseInteger(values.workers, 1, 64)),
    io: io as IoName,
    metrics: values.metrics === undefined
      ? null
      : parseFlag("--metrics", () => parseListenAddress(values.metrics!, ["tcp"])),
    args: [...args],
  };
}

function knownFormat(name: string): TimeFormat {
  const format = getFormat(name);
  if (format === undefined) throw new RangeError(`unknown format "${name}" (see clockd formats)`);
  return format;
}

/**
 * The default of `--workers`: the machine's core count (at most 64).
 *
 * @returns How many isolates serve TCP by default.
 */
export function defaultWorkers(): number {
  return Math.max(1, Math.min(64, navigator.hardwareConcurrency || 1));
}
