/**
 * The time API's answers, pure functions of (path or query, client address,
 * clock reading, clock state):
 *
 * - `/api/timezone`: every zone name, a JSON array (`.txt`: one a line).
 * - `/api/timezone/{Area}`: the zones of that area, or the time in `{Area}`
 *   when it is itself a zone (`UTC`, `Japan`).
 * - `/api/timezone/{Area}/{Location}[/{Sub}]`: worldtimeapi's answer
 *   ({@linkcode worldTime}); `.txt` for `key: value` lines.
 * - `/api/ip`: the same for UTC with the client's address. There is no
 *   GeoIP: the zone is always UTC.
 * - `/api/time?format=NAME&tz=ZONE`: one of clockd's formats; JSON
 *   `{"format", "value"}` for `Accept: application/json`, else the line.
 *
 * Every JSON object answered carries the {@linkcode ClockFields} too
 * (`synchronised`, `error_bound_s`, `leap`; the `.txt` forms as lines).
 * Errors are JSON `{"error": "…"}`: 404 `unknown location`, 400 for a
 * malformed path (dot segments, empty segments, characters no zone name
 * has), an unknown format or zone in a query.
 *
 * @module
 */

import { FORMATS, getFormat } from "../../time/formats.ts";
import type { Instant } from "../../time/instant.ts";
import { resolveZone, type Zone } from "../../time/zone.ts";
import { clockFields, type ClockView } from "./clock_fields.ts";
import { type HttpResponse, jsonError, jsonResponse, textResponse } from "./response.ts";
import { keyValueText, worldTime } from "./world_time.ts";

/** What the time API answers from besides the request. */
export interface TimeApiContext {
  /** Every zone name `/api/timezone` lists, sorted. */
  readonly zones: readonly string[];
  /** The host clock's state, for the clock fields. */
  readonly clock: ClockView;
}

/** The format `/api/time` uses without `format=`. */
export const DEFAULT_TIME_FORMAT = "rfc3339nano";

/** The most query parameters `/api/time` reads; more is a 400. */
const MAX_QUERY_PARAMETERS = 8;
/** One path segment of a zone name: what IANA names are made of. */
const ZONE_SEGMENT = /^[A-Za-z0-9_+-]{1,32}$/;
/** At most Area/Location/Sub. */
const MAX_ZONE_SEGMENTS = 3;

/**
 * Answers `/api/timezone` and everything under it.
 *
 * @param rest The path after `/api/timezone` (`""`, `".txt"`, `"/Europe/Paris"`, `"/Europe/Paris.txt"`).
 * @param clientIp The client's address.
 * @param now The clock reading of the request.
 * @param context The zone list and the clock state.
 * @returns The answer.
 *
 * @example Usage
 * ```ts
 * import { timezoneAnswer } from "./time_api.ts";
 * const context = { zones: ["Europe/Paris"], clock: { ntpState: { leap: 0, stratum: 2 }, errorBoundSeconds: 0.01 } } as const;
 * const answer = timezoneAnswer("/Europe/Paris", "192.0.2.1", { seconds: 0, nanos: 0 }, context);
 * if (JSON.parse(String(answer.body)).abbreviation !== "CET") throw new Error();
 * if (timezoneAnswer("/Mars/Base", "192.0.2.1", { seconds: 0, nanos: 0 }, context).status !== 404) throw new Error();
 * ```
 */
export function timezoneAnswer(
  rest: string,
  clientIp: string,
  now: Instant,
  context: TimeApiContext,
): HttpResponse {
  const txt = rest.endsWith(".txt");
  const path = txt ? rest.slice(0, -4) : rest;
  if (path === "" || path === "/") return listAnswer(context.zones, txt);
  const segments = decodeSegments(path.slice(1));
  if (segments === null) return jsonError(400, "malformed path");
  const name = segments.join("/");
  const zone = zoneNamed(name);
  if (zone !== null) return timeAnswer(now, zone, clientIp, context.clock, txt);
  if (segments.length === 1) {
    const prefix = name.toLowerCase() + "/";
    const area = context.zones.filter((z) => z.toLowerCase().startsWith(prefix));
    if (area.length > 0) return listAnswer(area, txt);
  }
  return jsonError(404, "unknown location");
}

/**
 * Answers `/api/ip` (and `/api/ip.txt`): UTC, with the client's address.
 *
 * @param txt Whether `.txt` was asked for.
 * @param clientIp The client's address.
 * @param now The clock reading of the request.
 * @param clock The host clock's state.
 * @returns The answer.
 */
export function ipAnswer(
  txt: boolean,
  clientIp: string,
  now: Instant,
  clock: ClockView,
): HttpResponse {
  return timeAnswer(now, resolveZone("UTC"), clientIp, clock, txt);
}

/**
 * Answers `/api/time?format=NAME&tz=ZONE`.
 *
 * @param query The query string, without `?`.
 * @param wantsJson Whether the client accepts `application/json`.
 * @param now The clock reading of the request.
 * @param clock The host clock's state.
 * @returns The formatted time, as text or JSON.
 *
 * @example Usage
 * ```ts
 * import { formattedTimeAnswer } from "./time_api.ts";
 * const clock = { ntpState: { leap: 3, stratum: 0 }, errorBoundSeconds: null } as const;
 * const answer = formattedTimeAnswer("format=unix", false, { seconds: 42, nanos: 0 }, clock);
 * if (answer.body !== "42\n") throw new Error(String(answer.body));
 * ```
 */
export function formattedTimeAnswer(
  query: string,
  wantsJson: boolean,
  now: Instant,
  clock: ClockView,
): HttpResponse {
  let params: URLSearchParams;
  try {
    params = new URLSearchParams(query);
  } catch {
    return jsonError(400, "malformed query");
  }
  if ([...params.keys()].length > MAX_QUERY_PARAMETERS) {
    return jsonError(400, "too many parameters");
  }
  const formatName = params.get("format") ?? DEFAULT_TIME_FORMAT;
  const format = getFormat(formatName);
  if (format === undefined) {
    return jsonError(400, `unknown format ${JSON.stringify(formatName.slice(0, 64))}`);
  }
  const zoneName = params.get("tz") ?? "UTC";
  let zone: Zone;
  try {
    zone = resolveZone(zoneName);
  } catch {
    return jsonError(400, `unknown time zone ${JSON.stringify(zoneName.slice(0, 64))}`);
  }
  const value = format.render(now, zone, NaN);
  if (!wantsJson) return textResponse(200, value + "\n");
  return jsonResponse(200, { format: format.name, value, ...clockFields(clock) });
}

/** The names of every format `/api/time` accepts, in display order. */
export const TIME_FORMAT_NAMES: readonly string[] = FORMATS.map((format) => format.name);

/**
 * Every zone name ICU knows (canonical IANA names) and `UTC`, sorted: the
 * default list of `/api/timezone`.
 *
 * @returns The names.
 *
 * @example Usage
 * ```ts
 * import { defaultZoneNames } from "./time_api.ts";
 * const zones = defaultZoneNames();
 * if (!zones.includes("Asia/Kathmandu") || !zones.includes("UTC")) throw new Error();
 * ```
 */
export function defaultZoneNames(): string[] {
  const names = new Set(Intl.supportedValuesOf("timeZone").map((n) => RENAMED.get(n) ?? n));
  names.add("UTC");
  return [...names].sort();
}

/**
 * ICU lists zones by their CLDR names, some of which the tz database has
 * since renamed (keeping the old names as links): the current names, which
 * ICU also resolves.
 */
const RENAMED: ReadonlyMap<string, string> = new Map([
  ["Africa/Asmera", "Africa/Asmara"],
  ["America/Buenos_Aires", "America/Argentina/Buenos_Aires"],
  ["America/Catamarca", "America/Argentina/Catamarca"],
  ["America/Coral_Harbour", "America/Atikokan"],
  ["America/Cordoba", "America/Argentina/Cordoba"],
  ["America/Godthab", "America/Nuuk"],
  ["America/Indianapolis", "America/Indiana/Indianapolis"],
  ["America/Jujuy", "America/Argentina/Jujuy"],
  ["America/Louisville", "America/Kentucky/Louisville"],
  ["America/Mendoza", "America/Argentina/Mendoza"],
  ["Asia/Calcutta", "Asia/Kolkata"],
  ["Asia/Katmandu", "Asia/Kathmandu"],
  ["Asia/Rangoon", "Asia/Yangon"],
  ["Asia/Saigon", "Asia/Ho_Chi_Minh"],
  ["Atlantic/Faeroe", "Atlantic/Faroe"],
  ["Europe/Kiev", "Europe/Kyiv"],
  ["Pacific/Enderbury", "Pacific/Kanton"],
  ["Pacific/Ponape", "Pacific/Pohnpei"],
  ["Pacific/Truk", "Pacific/Chuuk"],
]);

function timeAnswer(
  now: Instant,
  zone: Zone,
  clientIp: string,
  clock: ClockView,
  txt: boolean,
): HttpResponse {
  const fields = { ...worldTime(now, zone, clientIp), ...clockFields(clock) };
  return txt ? textResponse(200, keyValueText(fields)) : jsonResponse(200, fields);
}

function listAnswer(zones: readonly string[], txt: boolean): HttpResponse {
  return txt ? textResponse(200, zones.join("\n") + "\n") : jsonResponse(200, zones);
}

/**
 * The segments of a zone path, percent-decoded, or null when one is empty,
 * a dot segment, too long, or holds a character no zone name has.
 */
function decodeSegments(path: string): string[] | null {
  const segments = path.split("/");
  if (segments.length > MAX_ZONE_SEGMENTS) return null;
  const decoded: string[] = [];
  for (const segment of segments) {
    let text: string;
    try {
      text = decodeURIComponent(segment);
    } catch {
      return null;
    }
    if (!ZONE_SEGMENT.test(text)) return null;
    decoded.push(text);
  }
  return decoded;
}

/** The zone of an IANA name (any case, aliases kept), or null; never `local` or a bare offset. */
function zoneNamed(name: string): Zone | null {
  if (name.toLowerCase() === "local" || !/^[A-Za-z]/.test(name)) return null;
  try {
    return resolveZone(name);
  } catch {
    return null;
  }
}
