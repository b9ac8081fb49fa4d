/**
 * The `clockd serve` configuration: the settings a user gives on the
 * command line or in a config file (all optional, with documented
 * defaults) turned into the resolved {@linkcode ServeConfig} the server
 * runs with. {@linkcode loadServeConfig} reads the file and the flags;
 * {@linkcode parseServeArgs} the flags alone.
 *
 * @module
 */

import { parseCommandLine } from "./command_line.ts";
import { DEFAULT_CONFIG_PATH, readConfigFile } from "./config_file.ts";
import { parseDuration } from "./duration.ts";
import { getFormat, type TimeFormat } from "../time/formats.ts";
import { type ListenAddress, parseListenAddress } from "./listen_address.ts";
import { LOG_FORMATS, LOG_LEVELS, type LogOptions } from "../ops/log.ts";
import { parseFlag, parseInteger, UsageError } from "./usage_error.ts";
import { resolveZone, type Zone } from "../time/zone.ts";
import type { SyncMode } from "../time/clock_status.ts";
import { IO_NAMES, type IoName } from "../io/engine.ts";
import { type Cidr, parseCidr } from "../admission/access_list.ts";
import { resolveAdmission, type ServiceAdmission } from "./service_admission.ts";
import {
  defaultWorkers,
  SERVE_DEFAULTS,
  SERVE_FLAGS,
  SERVICE_NAMES,
  type ServiceName,
  SERVICES,
  type SettingName,
} from "./serve_flags.ts";
import {
  mergeSettings,
  NO_SETTINGS,
  type ServeSettings,
  settingOrigin,
  settingsFromFlags,
  settingsToArgs,
} from "./serve_settings.ts";

export { type ServiceName, SERVICES };

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
  /**
   * Load balancers whose TCP connections must open with a PROXY header
   * (version 1 or 2); the client it names is the one admitted, limited,
   * logged and served. Empty: no header is ever read.
   */
  readonly proxyProtocol: readonly Cidr[];
  /**
   * Whether `/healthz` answers 503 while the clock state says
   * unsynchronised; null (not given): yes while the state is read from the
   * kernel (`--ntp-sync kernel`), no under `--ntp-sync always`.
   */
  readonly healthzRequiresSync: boolean | null;
  /**
   * Each service's admission settings, resolved: its own (`[service.NAME]`,
   * `--service NAME.KEY=VALUE`) where given, else the global ones above.
   */
  readonly services: Readonly<Record<ServiceName, ServiceAdmission>>;
  /** The config file read, or null when none was. */
  readonly configFile: string | null;
  /** The arguments given after `serve`, for a reload to load again. */
  readonly commandLine: readonly string[];
  /**
   * The whole configuration (the config file's settings included, `--config`
   * not) as `serve` arguments, for workers to parse again with
   * {@linkcode parseServeArgs}.
   */
  readonly args: readonly string[];
}

/** Settings of {@linkcode loadServeConfig}. */
export interface LoadServeConfigOptions {
  /**
   * The config file read when `--config` is not given, if it exists and
   * the environment says systemd runs clockd (`INVOCATION_ID` is set);
   * null never to read one.
   *
   * @default {"/etc/clockd/clockd.toml"}
   */
  defaultConfigPath?: string | null;
  /**
   * Reads an environment variable.
   *
   * @default {Deno.env.get, for a variable the runtime may read}
   */
  env?: (name: string) => string | undefined;
}

/**
 * Loads the `clockd serve` configuration: the config file (`--config FILE`,
 * else the default file when it exists and clockd runs under systemd), then
 * the flags over it, each flag replacing the file's setting of the same name.
 *
 * @param args The arguments after `serve`.
 * @param options The default config file and the environment, for tests.
 * @returns The resolved configuration, or `"help"` when help was asked for.
 * @throws {UsageError} One line naming the flag, or the file, line and key.
 *
 * @example Usage
 * ```ts
 * import { loadServeConfig } from "./serve_config.ts";
 * const file = Deno.makeTempFileSync({ suffix: ".toml" });
 * Deno.writeTextFileSync(file, 'tz = "Europe/Paris"\nsession = ["127.0.0.1:0"]\n');
 * const config = loadServeConfig(["--config", file, "--tz", "UTC"]);
 * if (config === "help" || config.zone.name !== "UTC" || config.configFile !== file) {
 *   throw new Error();
 * }
 * Deno.removeSync(file);
 * ```
 */
export function loadServeConfig(
  args: readonly string[],
  options: LoadServeConfigOptions = {},
): ServeConfig | "help" {
  const { values } = parseCommandLine("serve", args, SERVE_FLAGS);
  if (values.help) return "help";
  const flags = settingsFromFlags(values);
  let configFile = values.config ?? null;
  if (configFile === null) {
    const path = options.defaultConfigPath === undefined
      ? DEFAULT_CONFIG_PATH
      : options.defaultConfigPath;
    const env = options.env ?? grantedEnv;
    if (path !== null && env("INVOCATION_ID") !== undefined && exists(path)) configFile = path;
  }
  const file = configFile === null ? NO_SETTINGS : readConfigFile(configFile);
  return resolveServeConfig(mergeSettings(file, flags), configFile, args);
}

/**
 * Parses the `clockd serve` arguments alone: reads the file `--config`
 * names, but never the default one (workers parse {@linkcode ServeConfig.args}
 * with it).
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
export function parseServeArgs(args: readonly string[]): ServeConfig | "help" {
  return loadServeConfig(args, { defaultConfigPath: null });
}

/** An environment variable, or undefined when unset or not granted (never a prompt). */
function grantedEnv(name: string): string | undefined {
  const state = Deno.permissions.querySync({ name: "env", variable: name }).state;
  return state === "granted" ? Deno.env.get(name) : undefined;
}

/**
 * Whether the default config file is there to read. A runtime not allowed
 * to read it (a `deno run` with other grants) has none: the tasks and the
 * compiled binary are allowed `/etc/clockd`.
 */
function exists(path: string): boolean {
  if (Deno.permissions.querySync({ name: "read", path }).state !== "granted") return false;
  try {
    return Deno.statSync(path).isFile;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** Checks settings and fills in the defaults. */
function resolveServeConfig(
  settings: ServeSettings,
  configFile: string | null,
  commandLine: readonly string[],
): ServeConfig {
  const values = settings.values;
  const label = (key: string) => settingOrigin(settings, key);
  const text = <K extends keyof typeof SERVE_DEFAULTS>(name: K): string =>
    (values[name] as string | undefined) ?? SERVE_DEFAULTS[name];
  const check = <T>(name: SettingName, parse: () => T): T => parseFlag(label(name), parse);

  const { global, services } = resolveAdmission(settings);
  const listeners: ListenerConfig[] = [];
  const named = SERVICE_NAMES.some((service) => values[service] !== undefined);
  for (const service of SERVICE_NAMES) {
    const { transports, defaultPort } = SERVICES[service];
    const given = named ? values[service] ?? [] : [`:${defaultPort}`];
    for (const address of given) {
      const parsed = check(service, () => parseListenAddress(address, transports));
      if (services[service].disabled) continue;
      const origin = named ? `${label(service)} ${address}` : `--${service} ${address} (default)`;
      listeners.push({ service, address: parsed, origin });
    }
  }
  if (listeners.length === 0) {
    throw new UsageError("serve: every service with a listener is disabled");
  }

  const defaultFormat = check("default-format", () => knownFormat(text("default-format")));
  const daytimeFormat = check("daytime-format", () => knownFormat(text("daytime-format")));
  const ntpSync = text("ntp-sync");
  if (ntpSync !== "kernel" && ntpSync !== "always") {
    throw new UsageError(`${label("ntp-sync")}: expected kernel or always, got "${ntpSync}"`);
  }
  const io = text("io");
  if (!(IO_NAMES as readonly string[]).includes(io)) {
    throw new UsageError(`${label("io")}: expected ${IO_NAMES.join(" or ")}, got "${io}"`);
  }
  const ntpRefid = text("ntp-refid");
  if (!/^[\x21-\x7e]{1,4}$/.test(ntpRefid)) {
    throw new UsageError(
      `${label("ntp-refid")}: expected 1 to 4 printable ASCII characters, got "${ntpRefid}"`,
    );
  }
  const partialWaitMs = check("partial-wait", () => {
    const ms = parseDuration(text("partial-wait"));
    if (ms > 100) throw new RangeError(`must be at most 100ms, got "${text("partial-wait")}"`);
    return ms;
  });
  const idleTimeoutMs = check("idle-timeout", () => {
    const ms = parseDuration(text("idle-timeout"));
    if (ms <= 0) throw new RangeError("must be more than 0");
    return ms;
  });
  const level = text("log-level");
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new UsageError(
      `${label("log-level")}: expected one of ${LOG_LEVELS.join(", ")}, got "${level}"`,
    );
  }
  const format = text("log-format");
  if (!(LOG_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`${label("log-format")}: expected text or json, got "${format}"`);
  }
  const healthzRequiresSync = values["healthz-requires-sync"];
  if (healthzRequiresSync !== undefined && !["yes", "no"].includes(healthzRequiresSync)) {
    throw new UsageError(
      `${label("healthz-requires-sync")}: expected yes or no, got "${healthzRequiresSync}"`,
    );
  }
  const metrics = values.metrics;
  return {
    listeners,
    ...global,
    rateSources: check("rate-sources", () => parseInteger(text("rate-sources"), 16, 1e7)),
    services,
    proxyProtocol: (values["proxy-protocol"] ?? []).map((cidr) =>
      check("proxy-protocol", () => parseCidr(cidr))
    ),
    healthzRequiresSync: healthzRequiresSync === undefined ? null : healthzRequiresSync === "yes",
    defaultFormat,
    daytimeFormat,
    ntpSync,
    ntpStratum: check("ntp-stratum", () => parseInteger(text("ntp-stratum"), 1, 15)),
    ntpRefid,
    zone: check("tz", () => resolveZone(text("tz"))),
    idleTimeoutMs,
    partialWaitMs,
    maxSessions: check("max-sessions", () => parseInteger(text("max-sessions"), 1, 1e7)),
    maxSessionsPerIp: check(
      "max-sessions-per-ip",
      () => parseInteger(text("max-sessions-per-ip"), 1, 1e7),
    ),
    shutdownTimeoutMs: check("shutdown-timeout", () => parseDuration(text("shutdown-timeout"))),
    log: { level: level as LogOptions["level"], format: format as LogOptions["format"] },
    readyJson: values["ready-json"] ?? false,
    workers: check(
      "workers",
      () => parseInteger(values.workers ?? String(defaultWorkers()), 1, 64),
    ),
    io: io as IoName,
    metrics: metrics === undefined
      ? null
      : check("metrics", () => parseListenAddress(metrics, ["tcp"])),
    configFile,
    commandLine: [...commandLine],
    args: settingsToArgs(settings),
  };
}

function knownFormat(name: string): TimeFormat {
  const format = getFormat(name);
  if (format === undefined) throw new RangeError(`unknown format "${name}" (see clockd formats)`);
  return format;
}
