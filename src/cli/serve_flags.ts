/**
 * The flags of `clockd serve` and their defaults: the one list the command
 * line, the config file (whose keys are the flags' long names), the help
 * text and the reload diff all read.
 *
 * @module
 */

import type { FlagSpecs, FlagValues } from "./command_line.ts";
import type { Transport } from "./listen_address.ts";
import {
  DEFAULT_MAX_SOURCES,
  DEFAULT_TCP_RATE,
  DEFAULT_UDP_RATE,
  formatRate,
} from "../admission/rate_limiter.ts";

/** A service clockd can listen for. */
export type ServiceName = "session" | "daytime" | "time" | "ntp" | "http";

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
  http: { transports: ["tcp"], defaultPort: 8080 },
};

/** The services, in the order listeners are opened and listed. */
export const SERVICE_NAMES = Object.keys(SERVICES) as readonly ServiceName[];

/**
 * Every flag of `clockd serve`. The listener flags are named after their
 * service; `service` carries one `[service.NAME]` setting per use
 * (`--service daytime.deny=192.0.2.0/24`).
 */
export const SERVE_FLAGS = {
  session: { type: "string", multiple: true },
  daytime: { type: "string", multiple: true },
  time: { type: "string", multiple: true },
  ntp: { type: "string", multiple: true },
  http: { type: "string", multiple: true },
  "daytime-format": { type: "string" },
  "ntp-sync": { type: "string" },
  "ntp-stratum": { type: "string" },
  "ntp-refid": { type: "string" },
  "default-format": { type: "string" },
  tz: { type: "string" },
  "idle-timeout": { type: "string" },
  "partial-wait": { type: "string" },
  "max-sessions": { type: "string" },
  "max-sessions-per-ip": { type: "string" },
  "log-level": { type: "string" },
  "log-format": { type: "string" },
  "ready-json": { type: "boolean" },
  "shutdown-timeout": { type: "string" },
  workers: { type: "string" },
  io: { type: "string" },
  metrics: { type: "string" },
  "udp-rate": { type: "string" },
  "udp-burst": { type: "string" },
  "tcp-rate": { type: "string" },
  "rate-sources": { type: "string" },
  allow: { type: "string", multiple: true },
  deny: { type: "string", multiple: true },
  "proxy-protocol": { type: "string", multiple: true },
  "healthz-requires-sync": { type: "string" },
  service: { type: "string", multiple: true },
  config: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const satisfies FlagSpecs;

/** The `clockd serve` flags given on a command line. */
export type ServeFlagValues = FlagValues<typeof SERVE_FLAGS>;

/** The name of a `clockd serve` flag, without the dashes. */
export type ServeFlagName = keyof typeof SERVE_FLAGS;

/**
 * The flags a config file may set at its top level: every flag but
 * `config`, `help` and `service` (the file has `[service.NAME]` tables).
 */
export type SettingName = Exclude<ServeFlagName, "config" | "help" | "service">;

/** The top-level settings, in the order of {@linkcode SERVE_FLAGS}. */
export const SETTING_NAMES = (Object.keys(SERVE_FLAGS) as ServeFlagName[]).filter(
  (name): name is SettingName => name !== "config" && name !== "help" && name !== "service",
);

/** The settings a `[service.NAME]` table (or `--service NAME.KEY=VALUE`) may hold. */
export const SERVICE_SETTINGS = {
  allow: { type: "string", multiple: true },
  deny: { type: "string", multiple: true },
  "udp-rate": { type: "string" },
  "udp-burst": { type: "string" },
  "tcp-rate": { type: "string" },
  disable: { type: "boolean" },
} as const satisfies FlagSpecs;

/** One service's own settings, as written (absent: the global setting applies). */
export type ServiceSettingValues = FlagValues<typeof SERVICE_SETTINGS>;

/** The name of a per-service setting. */
export type ServiceSettingName = keyof typeof SERVICE_SETTINGS;

/** Default of `--max-sessions`. */
export const DEFAULT_MAX_SESSIONS = 10_000;
/** Default of `--max-sessions-per-ip`. */
export const DEFAULT_MAX_SESSIONS_PER_IP = 100;

/**
 * The default of every flag that has one as its text, as if written on the
 * command line (`--workers` aside: see {@linkcode defaultWorkers}).
 */
export const SERVE_DEFAULTS = {
  "daytime-format": "daytime",
  "ntp-sync": Deno.build.os === "linux" ? "kernel" : "always",
  "ntp-stratum": "10",
  "ntp-refid": "LOCL",
  "default-format": "go",
  tz: "UTC",
  "idle-timeout": "2m",
  "partial-wait": "50ms",
  "max-sessions": String(DEFAULT_MAX_SESSIONS),
  "max-sessions-per-ip": String(DEFAULT_MAX_SESSIONS_PER_IP),
  "log-level": "info",
  "log-format": "text",
  "shutdown-timeout": "5s",
  io: "kernel",
  "udp-rate": formatRate(DEFAULT_UDP_RATE),
  "tcp-rate": formatRate(DEFAULT_TCP_RATE),
  "rate-sources": String(DEFAULT_MAX_SOURCES),
} as const satisfies Partial<Record<SettingName, string>>;

/**
 * The default of `--workers`: the machine's core count (at most 64).
 *
 * @returns How many isolates serve by default.
 *
 * @example Usage
 * ```ts
 * import { defaultWorkers } from "./serve_flags.ts";
 * if (defaultWorkers() < 1) throw new Error();
 * ```
 */
export function defaultWorkers(): number {
  return Math.max(1, Math.min(64, navigator.hardwareConcurrency || 1));
}
