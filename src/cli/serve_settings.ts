/**
 * `clockd serve` settings as written, before they are checked: from the
 * command line or a config file, keyed by the flags' long names, each
 * remembering where it was written for error messages. Settings merge (the
 * command line over the file) and turn back into a command line, which is
 * how TCP workers receive the configuration the primary resolved.
 *
 * @module
 */

import { didYouMean } from "./closest.ts";
import {
  type SERVE_FLAGS,
  SERVICE_NAMES,
  SERVICE_SETTINGS,
  type ServiceName,
  type ServiceSettingName,
  type ServiceSettingValues,
  SETTING_NAMES,
  type SettingName,
} from "./serve_flags.ts";
import { UsageError } from "./usage_error.ts";

/** The top-level settings written, by flag name. */
export type SettingValues = {
  -readonly [K in SettingName]?: (typeof SERVE_FLAGS)[K] extends { type: "boolean" } ? boolean
    : (typeof SERVE_FLAGS)[K] extends { multiple: true } ? string[]
    : string;
};

/** Settings as written, with where each was written. */
export interface ServeSettings {
  /** The top-level settings. */
  readonly values: SettingValues;
  /** Each service's own settings. */
  readonly services: Partial<Record<ServiceName, ServiceSettingValues>>;
  /**
   * Where a setting was written, by key (`deny`, `service.daytime.deny`),
   * for messages: `/etc/clockd/clockd.toml:4: deny`. Settings not listed
   * came from the command line (`--deny`).
   */
  readonly origins: ReadonlyMap<string, string>;
}

/** No settings at all. */
export const NO_SETTINGS: ServeSettings = { values: {}, services: {}, origins: new Map() };

/**
 * Where a setting was written, for an error message about it.
 *
 * @param settings The settings.
 * @param key The setting: `deny`, or `service.daytime.deny`.
 * @returns `FILE:LINE: key` for a config file, else the flag (`--deny`,
 *   `--service daytime.deny`).
 *
 * @example Usage
 * ```ts
 * import { NO_SETTINGS, settingOrigin } from "./serve_settings.ts";
 * if (settingOrigin(NO_SETTINGS, "deny") !== "--deny") throw new Error();
 * ```
 */
export function settingOrigin(settings: ServeSettings, key: string): string {
  return settings.origins.get(key) ??
    (key.startsWith("service.") ? `--service ${key.slice(8)}` : `--${key}`);
}

/**
 * Reads one `--service NAME.KEY=VALUE` flag into a service's settings.
 * Lists (`allow`, `deny`) are comma-separated, empty for none;
 * `disable` is `true` or `false`, `NAME.disable` alone meaning `true`.
 *
 * @param text The flag's value, e.g. `daytime.deny=192.0.2.0/24`.
 * @param services Where to put it.
 * @throws {UsageError} When the text is not of that form or names an
 *   unknown service or setting.
 *
 * @example Usage
 * ```ts
 * import { addServiceFlag } from "./serve_settings.ts";
 * import type { ServiceSettingValues } from "./serve_flags.ts";
 * const services: Record<string, ServiceSettingValues> = {};
 * addServiceFlag("daytime.deny=192.0.2.0/24,198.51.100.0/24", services);
 * if (services.daytime.deny?.length !== 2) throw new Error();
 * ```
 */
export function addServiceFlag(
  text: string,
  services: Partial<Record<ServiceName, ServiceSettingValues>>,
): void {
  const match = /^([a-z]+)\.([a-z-]+)(?:=(.*))?$/.exec(text);
  if (match === null) {
    throw new UsageError(`--service: expected NAME.SETTING=VALUE, got "${text}"`);
  }
  const [, service, key, value] = match;
  if (!(SERVICE_NAMES as readonly string[]).includes(service)) {
    throw new UsageError(
      `--service: unknown service "${service}"${didYouMean(service, SERVICE_NAMES)}`,
    );
  }
  if (!Object.hasOwn(SERVICE_SETTINGS, key)) {
    const known = Object.keys(SERVICE_SETTINGS);
    throw new UsageError(`--service: unknown setting "${key}"${didYouMean(key, known)}`);
  }
  const setting = key as ServiceSettingName;
  const own: ServiceSettingValues = services[service as ServiceName] ??= {};
  if (setting === "disable") {
    if (value !== undefined && value !== "true" && value !== "false") {
      throw new UsageError(`--service: ${service}.disable takes true or false, got "${value}"`);
    }
    own.disable = value !== "false";
  } else if (value === undefined) {
    throw new UsageError(`--service: ${service}.${setting} needs a value (${text}=VALUE)`);
  } else if (setting === "allow" || setting === "deny") {
    own[setting] = value === "" ? [] : value.split(",").map((cidr) => cidr.trim());
  } else {
    own[setting] = value;
  }
}

/**
 * The settings of a command line.
 *
 * @param flags The `clockd serve` flags given (`config` and `help` are
 *   not settings and are left out).
 * @returns The settings, every one from the command line.
 * @throws {UsageError} On a malformed `--service`.
 *
 * @example Usage
 * ```ts
 * import { settingsFromFlags } from "./serve_settings.ts";
 * const settings = settingsFromFlags({ tz: "UTC", service: ["ntp.disable"] });
 * if (settings.values.tz !== "UTC" || settings.services.ntp?.disable !== true) throw new Error();
 * ```
 */
export function settingsFromFlags(
  flags: SettingValues & { service?: string[] },
): ServeSettings {
  const values: Record<string, unknown> = {};
  for (const name of SETTING_NAMES) {
    if (flags[name] !== undefined) values[name] = flags[name];
  }
  const services: Partial<Record<ServiceName, ServiceSettingValues>> = {};
  for (const text of flags.service ?? []) addServiceFlag(text, services);
  return { values: values as SettingValues, services, origins: new Map() };
}

/**
 * Lays one set of settings over another: each setting written in `over`
 * replaces the one in `base`, lists whole (`--deny` on the command line
 * replaces the file's `deny`, it does not add to it).
 *
 * @param base The settings underneath (a config file).
 * @param over The settings that win (the command line).
 * @returns The merged settings.
 *
 * @example Usage
 * ```ts
 * import { mergeSettings, NO_SETTINGS } from "./serve_settings.ts";
 * const file = { ...NO_SETTINGS, values: { tz: "Europe/Paris", deny: ["192.0.2.0/24"] } };
 * const flags = { ...NO_SETTINGS, values: { tz: "UTC" } };
 * const merged = mergeSettings(file, flags);
 * if (merged.values.tz !== "UTC" || merged.values.deny?.length !== 1) throw new Error();
 * ```
 */
export function mergeSettings(base: ServeSettings, over: ServeSettings): ServeSettings {
  const origins = new Map(base.origins);
  const values: Record<string, unknown> = { ...base.values };
  for (const [name, value] of Object.entries(over.values)) {
    values[name] = value;
    origins.delete(name);
  }
  const services: Partial<Record<ServiceName, ServiceSettingValues>> = {};
  for (const service of SERVICE_NAMES) {
    const own = { ...base.services[service], ...over.services[service] };
    for (const key of Object.keys(over.services[service] ?? {})) {
      origins.delete(`service.${service}.${key}`);
    }
    if (Object.keys(own).length > 0) services[service] = own;
  }
  for (const [key, origin] of over.origins) origins.set(key, origin);
  return { values: values as SettingValues, services, origins };
}

/**
 * Writes settings as a `clockd serve` command line that parses back to
 * the same settings.
 *
 * @param settings The settings.
 * @returns The arguments, every flag as `--name=value`.
 *
 * @example Usage
 * ```ts
 * import { settingsToArgs } from "./serve_settings.ts";
 * const args = settingsToArgs({
 *   values: { session: [":1200"], "ready-json": true },
 *   services: { daytime: { deny: ["192.0.2.0/24"], disable: false } },
 *   origins: new Map(),
 * });
 * const expected = [
 *   "--session=:1200",
 *   "--ready-json",
 *   "--service=daytime.deny=192.0.2.0/24",
 *   "--service=daytime.disable=false",
 * ];
 * if (args.join(" ") !== expected.join(" ")) throw new Error(args.join(" "));
 * ```
 */
export function settingsToArgs(settings: ServeSettings): string[] {
  const args: string[] = [];
  for (const name of SETTING_NAMES) {
    const value = settings.values[name];
    if (value === undefined || value === false) continue;
    if (value === true) args.push(`--${name}`);
    else if (Array.isArray(value)) args.push(...value.map((item) => `--${name}=${item}`));
    else args.push(`--${name}=${value}`);
  }
  for (const service of SERVICE_NAMES) {
    for (const [key, value] of Object.entries(settings.services[service] ?? {})) {
      const text = Array.isArray(value) ? value.join(",") : String(value);
      args.push(`--service=${service}.${key}=${text}`);
    }
  }
  return args;
}
