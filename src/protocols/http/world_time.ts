/**
 * worldtimeapi.org's answer, field for field and type for type, as a pure
 * function of (instant, zone, client address): what `/api/timezone/{zone}`
 * and `/api/ip` serve, in JSON or as `key: value` lines.
 *
 * @module
 */

import { calendarDate } from "../../time/calendar_date.ts";
import { daylightSavingAt } from "../../time/daylight_saving.ts";
import type { Instant } from "../../time/instant.ts";
import { UTC, type Zone } from "../../time/zone.ts";

/** worldtimeapi's `DateTimeJsonResponse`. */
export interface WorldTime {
  /** The zone's abbreviation now, as the tz database writes it (`CEST`, `+0545`). */
  readonly abbreviation: string;
  /** The client's IP address (IPv4-mapped IPv6 addresses unwrapped). */
  readonly client_ip: string;
  /** Local date and time, microseconds and offset: `2024-07-01T02:00:00.123456+02:00`. */
  readonly datetime: string;
  /** 0 (Sunday) to 6. */
  readonly day_of_week: number;
  /** 1 to 366. */
  readonly day_of_year: number;
  /** Whether DST is in force. */
  readonly dst: boolean;
  /** When this DST period began, UTC (`2024-03-31T01:00:00+00:00`); null outside DST. */
  readonly dst_from: string | null;
  /** Seconds DST adds to the raw offset; 0 outside DST. */
  readonly dst_offset: number;
  /** When this DST period ends, UTC; null outside DST. */
  readonly dst_until: string | null;
  /** The standard offset, seconds east of UTC. */
  readonly raw_offset: number;
  /** The zone's name (`Europe/Paris`). */
  readonly timezone: string;
  /** Unix seconds. */
  readonly unixtime: number;
  /** UTC date and time with microseconds: `2024-07-01T00:00:00.123456+00:00`. */
  readonly utc_datetime: string;
  /** The offset in force, `+02:00`. */
  readonly utc_offset: string;
  /** The ISO 8601 week number, 1 to 53. */
  readonly week_number: number;
}

/**
 * worldtimeapi's answer for an instant in a zone.
 *
 * @param instant The instant (the clock reading of the request).
 * @param zone The zone.
 * @param clientIp The client's address, as `client_ip`.
 * @returns The fields, in worldtimeapi's (alphabetical) order.
 *
 * @example Usage
 * ```ts
 * import { worldTime } from "./world_time.ts";
 * import { resolveZone } from "../../time/zone.ts";
 * const answer = worldTime({ seconds: 1_719_792_000, nanos: 123_456_789 }, resolveZone("Europe/Paris"), "192.0.2.1");
 * if (answer.datetime !== "2024-07-01T02:00:00.123456+02:00") throw new Error(answer.datetime);
 * if (answer.dst_from !== "2024-03-31T01:00:00+00:00" || answer.raw_offset !== 3600) throw new Error();
 * ```
 */
export function worldTime(instant: Instant, zone: Zone, clientIp: string): WorldTime {
  const local = calendarDate(instant, zone);
  const saving = daylightSavingAt(zone, instant.seconds);
  const micros = "." + String(Math.floor(instant.nanos / 1000)).padStart(6, "0");
  const offset = offsetText(local.offsetSeconds);
  return {
    abbreviation: local.abbreviation,
    client_ip: clientIp,
    datetime: dateTimeText(instant, zone) + micros + offset,
    day_of_week: local.weekday,
    day_of_year: local.dayOfYear,
    dst: saving.dst,
    dst_from: saving.from === null ? null : utcText(saving.from),
    dst_offset: saving.dstOffsetSeconds,
    dst_until: saving.until === null ? null : utcText(saving.until),
    raw_offset: saving.rawOffsetSeconds,
    timezone: zone.name,
    unixtime: instant.seconds,
    utc_datetime: dateTimeText(instant, UTC) + micros + "+00:00",
    utc_offset: offset,
    week_number: local.isoWeek,
  };
}

/**
 * An answer as worldtimeapi's `.txt` form: one `key: value` line per field,
 * null as nothing after the colon and space.
 *
 * @param fields The answer (any flat object).
 * @returns The lines, each ending in LF.
 *
 * @example Usage
 * ```ts
 * import { keyValueText } from "./world_time.ts";
 * if (keyValueText({ dst: false, dst_from: null }) !== "dst: false\ndst_from: \n") throw new Error();
 * ```
 */
export function keyValueText(fields: object): string {
  let text = "";
  for (const [key, value] of Object.entries(fields)) text += `${key}: ${value ?? ""}\n`;
  return text;
}

/** `YYYY-MM-DDTHH:MM:SS` in a zone. */
function dateTimeText(instant: Instant, zone: Zone): string {
  const t = calendarDate(instant, zone);
  return String(t.year).padStart(4, "0") + "-" + pad(t.month) + "-" + pad(t.day) + "T" +
    pad(t.hour) + ":" + pad(t.minute) + ":" + pad(t.second);
}

/** A DST bound as worldtimeapi writes it: UTC, whole seconds, `+00:00`. */
function utcText(seconds: number): string {
  return dateTimeText({ seconds, nanos: 0 }, UTC) + "+00:00";
}

/** `+05:45`: whole minutes (seconds of historical offsets truncated), `+00:00` for UTC. */
function offsetText(offsetSeconds: number): string {
  const minutes = Math.trunc(offsetSeconds / 60);
  const abs = Math.abs(minutes);
  return (minutes < 0 ? "-" : "+") + pad(Math.floor(abs / 60)) + ":" + pad(abs % 60);
}

function pad(n: number): string {
  return n < 10 ? "0" + n : String(n);
}
