/**
 * The `clockd serve` config file: TOML whose keys are the flags' long names
 * (`session = ["127.0.0.1:1200"]`, `udp-rate = "20/s"`, `workers = 4`,
 * `ready-json = true`), with per-service admission settings in
 * `[service.NAME]` tables (`allow`, `deny`, `udp-rate`, `udp-burst`,
 * `tcp-rate`, `disable`), as xinetd has per service:
 *
 * ```toml
 * session = ["127.0.0.1:1200"]
 * deny = ["192.0.2.0/24"]
 * udp-rate = "20/s"
 *
 * [service.daytime]
 * disable = true
 * ```
 *
 * Every mistake is one {@linkcode UsageError} line naming the file, the
 * line and the key.
 *
 * @module
 */

import { parse, TomlError } from "smol-toml";
import { didYouMean } from "./closest.ts";
import type { FlagSpec } from "./command_line.ts";
import {
  SERVE_FLAGS,
  SERVICE_NAMES,
  SERVICE_SETTINGS,
  type ServiceName,
  type ServiceSettingValues,
  SETTING_NAMES,
} from "./serve_flags.ts";
import type { ServeSettings, SettingValues } from "./serve_settings.ts";
import { UsageError } from "./usage_error.ts";

/** Where `clockd serve` looks for its config file when run by systemd. */
export const DEFAULT_CONFIG_PATH = "/etc/clockd/clockd.toml";

/**
 * Reads settings from config file text.
 *
 * @param text The file's text.
 * @param path The file's name, for messages.
 * @returns The settings, each with its `FILE:LINE: key` origin.
 * @throws {UsageError} `FILE:LINE: ...` on invalid TOML, an unknown key or
 *   service, or a value of the wrong type.
 *
 * @example Usage
 * ```ts
 * import { parseConfigFile } from "./config_file.ts";
 * const settings = parseConfigFile('tz = "UTC"\n[service.ntp]\ndisable = true\n', "c.toml");
 * if (settings.values.tz !== "UTC" || settings.services.ntp?.disable !== true) throw new Error();
 * if (settings.origins.get("service.ntp.disable") !== "c.toml:3: service.ntp.disable") {
 *   throw new Error();
 * }
 * ```
 *
 * @example A mistake
 * ```ts
 * import { parseConfigFile } from "./config_file.ts";
 * try {
 *   parseConfigFile('tz = "UTC"\nudp_rate = "5/s"\n', "c.toml");
 *   throw new Error("accepted");
 * } catch (error) {
 *   const expected = 'c.toml:2: unknown setting "udp_rate"; did you mean udp-rate?';
 *   if ((error as Error).message !== expected) throw error;
 * }
 * ```
 */
export function parseConfigFile(text: string, path: string): ServeSettings {
  let document: Record<string, unknown>;
  try {
    document = parse(text);
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    const reason = error.message.split("\n")[0].replace(/^Invalid TOML document: /, "");
    throw new UsageError(`${path}:${error.line}: invalid TOML: ${reason}`);
  }
  const lines = keyLines(text);
  /** `FILE:LINE` of a key, or of the nearest table it is in. */
  const locate = (key: string) => {
    for (let prefix = key; prefix !== ""; prefix = prefix.replace(/\.?[^.]*$/, "")) {
      const line = lines.get(prefix);
      if (line !== undefined) return `${path}:${line}`;
    }
    return path;
  };
  const values: Record<string, unknown> = {};
  const services: Partial<Record<ServiceName, ServiceSettingValues>> = {};
  const origins = new Map<string, string>();
  for (const [key, value] of Object.entries(document)) {
    if (key !== "service") {
      if (!(SETTING_NAMES as readonly string[]).includes(key)) {
        const hint = key === "config" || key === "help"
          ? ` (${key} is a command-line flag only)`
          : didYouMean(key, [...SETTING_NAMES, "service"]);
        throw new UsageError(`${locate(key)}: unknown setting "${key}"${hint}`);
      }
      const origin = `${locate(key)}: ${key}`;
      values[key] = convert(SERVE_FLAGS[key as keyof typeof SERVE_FLAGS], value, origin);
      origins.set(key, origin);
      continue;
    }
    for (const [service, table] of Object.entries(asTable(value, `${locate(key)}: ${key}`))) {
      const at = `service.${service}`;
      if (!(SERVICE_NAMES as readonly string[]).includes(service)) {
        const hint = didYouMean(service, SERVICE_NAMES);
        throw new UsageError(`${locate(at)}: unknown service [${at}]${hint}`);
      }
      const own: Record<string, unknown> = {};
      for (const [name, setting] of Object.entries(asTable(table, `${locate(at)}: [${at}]`))) {
        if (!Object.hasOwn(SERVICE_SETTINGS, name)) {
          const hint = didYouMean(name, Object.keys(SERVICE_SETTINGS));
          throw new UsageError(
            `${locate(`${at}.${name}`)}: unknown setting "${name}" in [${at}]${hint}`,
          );
        }
        const origin = `${locate(`${at}.${name}`)}: ${at}.${name}`;
        own[name] = convert(
          SERVICE_SETTINGS[name as keyof typeof SERVICE_SETTINGS],
          setting,
          origin,
        );
        origins.set(`${at}.${name}`, origin);
      }
      services[service as ServiceName] = own as ServiceSettingValues;
    }
  }
  return { values: values as SettingValues, services, origins };
}

/**
 * Reads settings from a config file.
 *
 * @param path The file.
 * @returns The settings, each with its `FILE:LINE: key` origin.
 * @throws {UsageError} When the file cannot be read, or as
 *   {@linkcode parseConfigFile} does.
 *
 * @example Usage
 * ```ts
 * import { readConfigFile } from "./config_file.ts";
 * const path = Deno.makeTempFileSync({ suffix: ".toml" });
 * Deno.writeTextFileSync(path, 'deny = ["192.0.2.0/24"]\n');
 * if (readConfigFile(path).values.deny?.[0] !== "192.0.2.0/24") throw new Error();
 * Deno.removeSync(path);
 * ```
 */
export function readConfigFile(path: string): ServeSettings {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable) {
      throw new UsageError(`${path}: not allowed to read it (run deno with --allow-read=${path})`);
    }
    if (error instanceof Deno.errors.NotFound) throw new UsageError(`${path}: no such file`);
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(`${path}: cannot read it: ${message.replace(/[:,] .*$/s, "")}`);
  }
  return parseConfigFile(text, path);
}

/** A value of a flag's type: a string or number for string flags, lists of them for lists. */
function convert(spec: FlagSpec, value: unknown, origin: string): string | boolean | string[] {
  if (spec.type === "boolean") {
    if (typeof value !== "boolean") throw mistyped(origin, "true or false", value);
    return value;
  }
  if (spec.multiple) {
    const items = Array.isArray(value) ? value : [value];
    return items.map((item) => scalar(item, origin, "a list of strings"));
  }
  return scalar(value, origin, "a string or a number");
}

function scalar(value: unknown, origin: string, expected: string): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  throw mistyped(origin, expected, value);
}

function asTable(value: unknown, origin: string): Record<string, unknown> {
  if (typeof value === "object" && value !== null && !Array.isArray(value) && !isDate(value)) {
    return value as Record<string, unknown>;
  }
  throw mistyped(origin, "a table", value);
}

function isDate(value: object): boolean {
  return value instanceof Date;
}

function mistyped(origin: string, expected: string, value: unknown): UsageError {
  return new UsageError(`${origin}: expected ${expected}, got ${describe(value)}`);
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object" && value !== null) return isDate(value) ? "a date" : "a table";
  if (typeof value === "string") return `"${value}"`;
  return String(value);
}

/**
 * The line each key is written on, by dotted path (`deny`,
 * `service.daytime`, `service.daytime.deny`): a line scan that follows
 * `[table]` headers and skips multi-line strings, enough to point at a
 * key in a file the TOML parser has accepted.
 */
function keyLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  const key = String.raw`(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')`;
  const dotted = new RegExp(String.raw`^\s*(${key}(?:\s*\.\s*${key})*)\s*`);
  let table = "";
  let inString: string | null = null;
  text.split("\n").forEach((line, index) => {
    if (inString !== null) {
      if (line.split(inString).length % 2 === 0) inString = null;
      return;
    }
    const header = /^\s*\[(?!\[)/.test(line) ? dotted.exec(line.replace(/^\s*\[/, "")) : null;
    const assignment = header === null ? dotted.exec(line) : null;
    if (header !== null) {
      table = normalise(header[1]);
      if (!lines.has(table)) lines.set(table, index + 1);
    } else if (assignment !== null && line[assignment[0].length] === "=") {
      const path = (table === "" ? "" : table + ".") + normalise(assignment[1]);
      if (!lines.has(path)) lines.set(path, index + 1);
      for (const quote of ['"""', "'''"]) {
        if (line.split(quote).length % 2 === 0) inString = quote;
      }
    }
  });
  return lines;
}

function normalise(path: string): string {
  const parts = path.match(/[A-Za-z0-9_-]+|"[^"]*"|'[^']*'/g) ?? [];
  return parts.map((part) => part.replace(/^(["'])(.*)\1$/, "$2")).join(".");
}
