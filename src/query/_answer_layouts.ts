/**
 * The daytime and session layouts `clockd query` reads back into instants,
 * one parser each: a private part of `answer_parse.ts`.
 *
 * @module
 */

import {
  daysFromCivil,
  daysInMonth,
  SECONDS_PER_DAY,
  weekdayFromDays,
} from "../time/_format_calendar.ts";
import { MONTH_NAMES, WEEKDAY_NAMES } from "../time/_format_calendar.ts";
import { taiMinusUtc } from "../time/formats.ts";
import { type Instant, instantFromEpochNanoseconds } from "../time/instant.ts";
import { ntpTimestampToInstant } from "../protocols/ntp/timestamp.ts";

/** A layout named a zone we cannot place (empty: it named none). */
export interface UnknownZone {
  readonly unknownZone: string;
}

/** A layout parser: null when the text is not in the layout. */
export type Parser = (text: string, pivot: Instant) => Instant | UnknownZone | null;

const NANOS = 1_000_000_000n;
const WEEKDAYS = WEEKDAY_NAMES;
const MONTHS = MONTH_NAMES;
const WEEKDAY_LONG = WEEKDAYS.join("|");
const WEEKDAY_SHORT = WEEKDAYS.map((d) => d.slice(0, 3)).join("|");
const MONTH_LONG = MONTHS.join("|");
const MONTH_SHORT = MONTHS.map((m) => m.slice(0, 3)).join("|");
/** Days from the Modified Julian Date epoch (1858-11-17) to 1970-01-01. */
const MJD_UNIX_EPOCH = 40_587;
/** Julian Day Number of 1970-01-01 (whose noon starts that Julian day). */
const JDN_UNIX_EPOCH = 2_440_587;
/** Nanoseconds in 1e-8 day, the last place of `mjd` and `jd`. */
const NANOS_PER_DAY_UNIT = 864_000n;
/** The TAI64 label of 1970-01-01 00:00:00 TAI. */
const TAI64_EPOCH = 1n << 62n;
/** ±10^8 days: the range of `Date` and `Temporal`, beyond which no answer is a time. */
const MAX_SECONDS = 8.64e12;

function monthNumber(name: string): number {
  return MONTHS.findIndex((m) => m.slice(0, 3).toLowerCase() === name.slice(0, 3).toLowerCase()) +
    1;
}

/**
 * The offset in seconds east of UTC a zone abbreviation names: `UTC`,
 * `GMT`, `UT`, `Z` are 0; numeric forms `+05`, `+0530`, `+05:30`,
 * `-033045` are read; any other abbreviation (`CET`, `EST`, `IST`) is
 * ambiguous or unknown to us.
 *
 * @param text The abbreviation.
 * @returns Seconds east of UTC, or null when it cannot be placed.
 *
 * @example Usage
 * ```ts
 * import { zoneOffsetSeconds } from "./_answer_layouts.ts";
 * if (zoneOffsetSeconds("-0330") !== -12_600 || zoneOffsetSeconds("CET") !== null) throw new Error();
 * ```
 */
export function zoneOffsetSeconds(text: string): number | null {
  const upper = text.toUpperCase();
  if (upper === "UTC" || upper === "GMT" || upper === "UT" || upper === "Z") return 0;
  const match = /^([+-])(\d{2})(?::?(\d{2}))?(?::?(\d{2}))?$/.exec(text);
  if (match === null) return null;
  const [, sign, h, m = "0", s = "0"] = match;
  if (Number(h) > 23 || Number(m) > 59 || Number(s) > 59) return null;
  return (sign === "-" ? -1 : 1) * (Number(h) * 3600 + Number(m) * 60 + Number(s));
}

/** The instant of a wall-clock time at an offset; null when a field is out of range. */
function civil(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  fraction: string | undefined,
  offsetSeconds: number,
): Instant | null {
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  const seconds = daysFromCivil(year, month, day) * SECONDS_PER_DAY + hour * 3600 + minute * 60 +
    second - offsetSeconds;
  return { seconds, nanos: fraction === undefined ? 0 : Number(fraction.padEnd(9, "0")) };
}

/** {@linkcode civil} with the zone given as text: an unknown zone is reported, not guessed. */
function civilIn(
  zone: string,
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  fraction?: string,
): Instant | UnknownZone | null {
  const instant = civil(year, month, day, hour, minute, second, fraction, 0);
  if (instant === null) return null;
  const offset = zoneOffsetSeconds(zone);
  if (offset === null) return { unknownZone: zone };
  return { seconds: instant.seconds - offset, nanos: instant.nanos };
}

/** `±hh:mm`, `±hhmm`, `±hh` or `Z` as ISO 8601 and RFC 3339 write it. */
function isoOffset(text: string): number {
  return text === "Z" || text === "z" ? 0 : zoneOffsetSeconds(text) ?? NaN;
}

const ISO_TIME = String.raw`(\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(Z|z|[+-]\d{2}(?::?\d{2})?)`;
const RFC3339 = new RegExp(String.raw`^(\d{4})-(\d{2})-(\d{2})[Tt]${ISO_TIME}$`);
const ISO_ORDINAL = new RegExp(String.raw`^(\d{4})-(\d{3})T${ISO_TIME}$`);
const ISO_WEEK = new RegExp(String.raw`^(\d{4})-W(\d{2})-([1-7])T${ISO_TIME}$`);

/** RFC 3339 and ISO 8601 calendar date-times (fraction after `.` or `,`). */
function parseIsoCalendar(text: string): Instant | null {
  const m = RFC3339.exec(text);
  if (m === null) return null;
  const offset = isoOffset(m[8]);
  if (Number.isNaN(offset)) return null;
  return civil(+m[1], +m[2], +m[3], +m[4], +m[5], +m[6], m[7], offset);
}

function isoTimeOfDay(m: RegExpExecArray, first: number, days: number): Instant | null {
  const [h, mi, s, fraction, zone] = m.slice(first, first + 5);
  const offset = isoOffset(zone);
  if (Number.isNaN(offset) || +h > 23 || +mi > 59 || +s > 59) return null;
  return {
    seconds: days * SECONDS_PER_DAY + +h * 3600 + +mi * 60 + +s - offset,
    nanos: fraction === undefined ? 0 : Number(fraction.padEnd(9, "0")),
  };
}

function parseIsoOrdinal(text: string): Instant | null {
  const m = ISO_ORDINAL.exec(text);
  if (m === null) return null;
  const year = +m[1];
  const dayOfYear = +m[2];
  const yearDays = daysFromCivil(year + 1, 1, 1) - daysFromCivil(year, 1, 1);
  if (dayOfYear < 1 || dayOfYear > yearDays) return null;
  return isoTimeOfDay(m, 3, daysFromCivil(year, 1, 1) + dayOfYear - 1);
}

/** The Monday of ISO week 1 of a week-year: the week holding January 4th. */
function isoWeekOneMonday(weekYear: number): number {
  const jan4 = daysFromCivil(weekYear, 1, 4);
  return jan4 - ((weekdayFromDays(jan4) + 6) % 7);
}

function parseIsoWeek(text: string): Instant | null {
  const m = ISO_WEEK.exec(text);
  if (m === null) return null;
  const weekYear = +m[1];
  const week = +m[2];
  const monday = isoWeekOneMonday(weekYear);
  const weeks = (isoWeekOneMonday(weekYear + 1) - monday) / 7;
  if (week < 1 || week > weeks) return null;
  return isoTimeOfDay(m, 4, monday + (week - 1) * 7 + (+m[3] - 1));
}

/** Go's `time.Time.String()`: `2006-01-02 15:04:05.999999999 -0700 MST m=+0.000000001`. */
function parseGo(text: string): Instant | null {
  const m =
    /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))? ([+-]\d{4}) (\S+)(?: m=[+-]\d+\.\d{9})?$/
      .exec(text);
  if (m === null) return null;
  const offset = zoneOffsetSeconds(m[8]);
  if (offset === null) return null;
  return civil(+m[1], +m[2], +m[3], +m[4], +m[5], +m[6], m[7], offset);
}

/**
 * An integer count of 10^-digits seconds since 1970, as `unix`… `unixns` write it.
 *
 * @param text The count.
 * @param digits 0 for seconds, 3 for milliseconds, 6, 9.
 * @returns The instant, or null when the text is not a count.
 *
 * @example Usage
 * ```ts
 * import { parseCount } from "./_answer_layouts.ts";
 * if (parseCount("1500", 3)?.seconds !== 1) throw new Error();
 * ```
 */
export function parseCount(text: string, digits: number): Instant | null {
  if (!/^-?\d{1,30}$/.test(text)) return null;
  const nanos = BigInt(text) * 10n ** BigInt(9 - digits);
  const seconds = nanos / NANOS;
  if (seconds > BigInt(MAX_SECONDS) || seconds < -BigInt(MAX_SECONDS)) return null;
  return instantFromEpochNanoseconds(nanos);
}

/** clockd's `json` format: the exact `unixns` string. */
function parseJson(text: string): Instant | null {
  if (!text.startsWith("{")) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const { unixns, rfc3339nano } = value as Record<string, unknown>;
  if (typeof unixns === "string") return parseCount(unixns, 9);
  if (typeof rfc3339nano === "string") return parseIsoCalendar(rfc3339nano);
  return null;
}

/** `rfc1123` (`Sat, 21 Nov 2026 10:54:05 CET`), `http` (`… GMT`) and `rfc2822` (`… +0100`). */
function parseMailDate(text: string): Instant | UnknownZone | null {
  const m = new RegExp(
    String
      .raw`^(?:${WEEKDAY_SHORT}), (\d{1,2}) (${MONTH_SHORT}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) (\S+)$`,
  ).exec(text);
  if (m === null) return null;
  return civilIn(m[7], +m[3], monthNumber(m[2]), +m[1], +m[4], +m[5], +m[6]);
}

/** Go's `RFC850`: `Saturday, 21-Nov-26 09:54:05 UTC`, the century nearest the pivot. */
function parseRfc850(text: string, pivot: Instant): Instant | UnknownZone | null {
  const m = new RegExp(
    String
      .raw`^(?:${WEEKDAY_LONG}), (\d{2})-(${MONTH_SHORT})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) (\S+)$`,
  ).exec(text);
  if (m === null) return null;
  const pivotYear = new Date(pivot.seconds * 1000).getUTCFullYear();
  let year = pivotYear - (pivotYear % 100) + +m[3];
  if (year > pivotYear + 50) year -= 100;
  else if (year <= pivotYear - 50) year += 100;
  return civilIn(m[7], year, monthNumber(m[2]), +m[1], +m[4], +m[5], +m[6]);
}

/** `unixdate` (`Sat Nov 21 09:54:05 UTC 2026`) and `ansic`/`ctime` (no zone). */
function parseUnixDate(text: string): Instant | UnknownZone | null {
  const m = new RegExp(
    String
      .raw`^(?:${WEEKDAY_SHORT}) (${MONTH_SHORT}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?: (\S+))? (\d{4})$`,
  ).exec(text);
  if (m === null) return null;
  if (m[6] === undefined) {
    const instant = civil(+m[7], monthNumber(m[1]), +m[2], +m[3], +m[4], +m[5], undefined, 0);
    return instant === null ? null : { unknownZone: "" };
  }
  return civilIn(m[6], +m[7], monthNumber(m[1]), +m[2], +m[3], +m[4], +m[5]);
}

/**
 * clockd's `daytime`, RFC 867's suggestion: `Saturday, November 21, 2026
 * 09:54:05-UTC`; a numeric zone follows the time directly (`+0530`, `-03`).
 */
function parseDaytime(text: string): Instant | UnknownZone | null {
  const m = new RegExp(
    String
      .raw`^(?:${WEEKDAY_LONG}), (${MONTH_LONG}) (\d{1,2}), (\d{4}) (\d{2}):(\d{2}):(\d{2})(?:-([A-Za-z][A-Za-z0-9]*)|([+-]\d{2}(?:\d{2}){0,2}))$`,
  ).exec(text);
  if (m === null) return null;
  return civilIn(m[7] ?? m[8], +m[3], monthNumber(m[1]), +m[2], +m[4], +m[5], +m[6]);
}

/**
 * NIST's daytime layout, `JJJJJ YR-MO-DA HH:MM:SS TT L H msADV UTC(…) OTM`.
 * The date is taken from the Modified Julian Date (it must agree with
 * `YR-MO-DA`), and the msADV advance NIST adds for the network delay is
 * taken off again.
 */
function parseNist(text: string): Instant | null {
  const m =
    /^(\d{5}) (\d{2})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) \d{2} \d \d +(\d+(?:\.\d)?) UTC\([^)]*\) [*#]$/
      .exec(text);
  if (m === null) return null;
  const days = +m[1] - MJD_UNIX_EPOCH;
  const instant = civil(1970, 1, 1, +m[5], +m[6], +m[7], undefined, 0);
  if (instant === null) return null;
  const date = new Date(days * SECONDS_PER_DAY * 1000);
  if (
    date.getUTCFullYear() % 100 !== +m[2] || date.getUTCMonth() + 1 !== +m[3] ||
    date.getUTCDate() !== +m[4]
  ) {
    return null;
  }
  const advanceNanos = BigInt(Math.round(Number(m[8]) * 1e6));
  return instantFromEpochNanoseconds(
    BigInt(days * SECONDS_PER_DAY + instant.seconds) * NANOS - advanceNanos,
  );
}

/**
 * xinetd's internal daytime service: `21 NOV 2026 09:54:05 UTC`, in its local zone.
 *
 * @param text One line.
 * @returns The instant, the zone it names when not UTC, or null when not this layout.
 *
 * @example Usage
 * ```ts
 * import { parseXinetd } from "./_answer_layouts.ts";
 * const result = parseXinetd("21 NOV 2026 09:54:05 CET");
 * if (result === null || !("unknownZone" in result)) throw new Error();
 * ```
 */
export function parseXinetd(text: string): Instant | UnknownZone | null {
  const m = new RegExp(
    String.raw`^(\d{1,2}) (${MONTH_SHORT}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) (\S+)$`,
    "i",
  ).exec(text);
  if (m === null) return null;
  return civilIn(m[7], +m[3], monthNumber(m[2]), +m[1], +m[4], +m[5], +m[6]);
}

/** clockd's `ntp`: era seconds and fraction in hex, the era nearest the pivot. */
function parseNtpHex(text: string, pivot: Instant): Instant | null {
  const m = /^([0-9a-f]{8})\.([0-9a-f]{8})$/i.exec(text);
  if (m === null) return null;
  return ntpTimestampToInstant(parseInt(m[1], 16), parseInt(m[2], 16), pivot);
}

/** TAI64N: `@` and 24 hex digits, TAI to UTC through the leap-second table. */
function parseTai64n(text: string): Instant | null {
  const m = /^@([0-9a-f]{16})([0-9a-f]{8})$/i.exec(text);
  if (m === null) return null;
  const tai = Number(BigInt("0x" + m[1]) - TAI64_EPOCH);
  const nanos = parseInt(m[2], 16);
  if (!Number.isSafeInteger(tai) || Math.abs(tai) > MAX_SECONDS || nanos >= 1e9) return null;
  let seconds = tai - 37;
  for (let i = 0; i < 3; i++) seconds = tai - taiMinusUtc(seconds);
  return { seconds, nanos };
}

/**
 * `mjd` and `jd`: days with eight decimals (1e-8 day = 864 µs).
 *
 * @param text The days.
 * @param julian True for the Julian Date, false for the Modified one.
 * @returns The instant, or null when the text is not of that form.
 *
 * @example Usage
 * ```ts
 * import { parseDecimalDays } from "./_answer_layouts.ts";
 * if (parseDecimalDays("40587.00000000", false)?.seconds !== 0) throw new Error();
 * ```
 */
export function parseDecimalDays(text: string, julian: boolean): Instant | null {
  const m = /^(\d{1,9})\.(\d{8})$/.exec(text);
  if (m === null) return null;
  const days = BigInt(m[1]) - BigInt(julian ? JDN_UNIX_EPOCH : MJD_UNIX_EPOCH);
  const dayNanos = BigInt(SECONDS_PER_DAY) * NANOS;
  return instantFromEpochNanoseconds(
    days * dayNanos - (julian ? dayNanos / 2n : 0n) + BigInt(m[2]) * NANOS_PER_DAY_UNIT,
  );
}

/** The parser of every session format, by name. */
export const FORMAT_PARSERS: Readonly<Record<string, Parser>> = {
  go: parseGo,
  rfc3339: parseIsoCalendar,
  rfc3339nano: parseIsoCalendar,
  iso8601: parseIsoCalendar,
  "iso8601-ordinal": parseIsoOrdinal,
  "iso8601-week": parseIsoWeek,
  unix: (t) => parseCount(t, 0),
  unixms: (t) => parseCount(t, 3),
  unixus: (t) => parseCount(t, 6),
  unixns: (t) => parseCount(t, 9),
  rfc1123: parseMailDate,
  http: parseMailDate,
  rfc2822: parseMailDate,
  rfc850: parseRfc850,
  ansic: parseUnixDate,
  unixdate: parseUnixDate,
  daytime: parseDaytime,
  nist: parseNist,
  mjd: (t) => parseDecimalDays(t, false),
  jd: (t) => parseDecimalDays(t, true),
  ntp: parseNtpHex,
  tai64n: parseTai64n,
  json: parseJson,
};

/** Layouts tried, in order, when the answer's format is not known in advance (`xinetd` has no format of its own). */
export const DETECT_ORDER: readonly string[] = [
  "daytime",
  "nist",
  "xinetd",
  "go",
  "rfc3339nano",
  "iso8601-ordinal",
  "iso8601-week",
  "json",
  "rfc1123",
  "rfc850",
  "unixdate",
  "ntp",
  "tai64n",
];
