/**
 * Reads servers' answers back into instants, for `clockd query`: every
 * session-protocol format clockd writes, RFC 868 time, and the daytime
 * layouts seen in the wild (clockd's RFC 867 suggestion, NIST's, xinetd's,
 * and inetd's `ctime`).
 *
 * A reading is one of three kinds:
 * - `time`: the instant, with the layout's resolution (the server's clock
 *   read somewhere in `[instant, instant + resolution)`).
 * - `unknown`: an answer that may well be right but names no instant we can
 *   place: a zone abbreviation other than UTC or GMT, no zone at all, an
 *   unrecognised daytime layout, a request that asks for no time. Printed,
 *   with the offset unknown; not an error.
 * - `error`: not the answer asked for: `ERR …` from the server, a session
 *   answer not in the format requested, RFC 868 time that is not 4 bytes,
 *   a daytime answer that is empty or not text.
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
import { getFormat, taiMinusUtc } from "../time/formats.ts";
import { type Instant, instantFromEpochNanoseconds } from "../time/instant.ts";
import { ntpTimestampToInstant } from "../protocols/ntp/timestamp.ts";
import { decodeRfc868, RFC868_SIZE } from "../protocols/oneshot/rfc868.ts";

/** An instant read from an answer. */
export interface AnswerTime {
  /**
   * The instant the answer names. Formats truncate: the server read its
   * clock somewhere in `[instant, instant + resolutionNanos)`.
   */
  readonly instant: Instant;
  /** The step of the layout, in nanoseconds: 1e9 for whole seconds. */
  readonly resolutionNanos: number;
  /** The layout recognised: a format name (`rfc3339nano`), `rfc868` or `xinetd`. */
  readonly layout: string;
}

/** What an answer says: an instant, nothing we can place, or an error. */
export type AnswerReading =
  | { readonly kind: "time"; readonly time: AnswerTime }
  | { readonly kind: "unknown"; readonly reason: string }
  | { readonly kind: "error"; readonly reason: string };

/** A layout named a zone we cannot place (empty: it named none). */
interface UnknownZone {
  readonly unknownZone: string;
}

/** A layout parser: null when the text is not in the layout. */
type Parser = (text: string, pivot: Instant) => Instant | UnknownZone | null;

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
 * import { zoneOffsetSeconds } from "./answer_parse.ts";
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

/** An integer count of 10^-digits seconds since 1970, as `unix`… `unixns` write it. */
function parseCount(text: string, digits: number): Instant | null {
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

/** xinetd's internal daytime service: `21 NOV 2026 09:54:05 UTC`, in its local zone. */
function parseXinetd(text: string): Instant | UnknownZone | null {
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

/** `mjd` and `jd`: days with eight decimals (1e-8 day = 864 µs). */
function parseDecimalDays(text: string, julian: boolean): Instant | null {
  const m = /^(\d{1,9})\.(\d{8})$/.exec(text);
  if (m === null) return null;
  const days = BigInt(m[1]) - BigInt(julian ? JDN_UNIX_EPOCH : MJD_UNIX_EPOCH);
  const dayNanos = BigInt(SECONDS_PER_DAY) * NANOS;
  return instantFromEpochNanoseconds(
    days * dayNanos - (julian ? dayNanos / 2n : 0n) + BigInt(m[2]) * NANOS_PER_DAY_UNIT,
  );
}

/** The parser of every session format, by name. */
const FORMAT_PARSERS: Readonly<Record<string, Parser>> = {
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

/** Layouts tried, in order, when the answer's format is not known in advance. */
const DETECT_ORDER: readonly string[] = [
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

/** Which of the mail-date layouts a line is in, by its zone: `http`, `rfc2822` or `rfc1123`. */
function mailLayout(text: string): string {
  if (text.endsWith(" GMT")) return "http";
  return /[+-]\d{4}$/.test(text) ? "rfc2822" : "rfc1123";
}

function resolutionOf(layout: string): number {
  return getFormat(layout)?.resolutionNanos ?? 1e9;
}

function reading(
  result: Instant | UnknownZone | null,
  layout: string,
  resolutionNanos = resolutionOf(layout),
): AnswerReading | null {
  if (result === null) return null;
  if ("unknownZone" in result) {
    return {
      kind: "unknown",
      reason: result.unknownZone === ""
        ? "the answer names no time zone"
        : `unknown time zone "${result.unknownZone}" in the ${layout} answer`,
    };
  }
  return { kind: "time", time: { instant: result, resolutionNanos, layout } };
}

/**
 * Recognises an answer whose layout is not known in advance: every layout
 * above that shows its own shape, then bare numbers by magnitude (the
 * count of seconds, milliseconds, microseconds or nanoseconds, or the
 * Modified or plain Julian Date, nearest the pivot).
 *
 * @param text One line, trimmed.
 * @param pivot An instant near the expected answer, usually now.
 * @returns The reading, or null when no layout fits.
 *
 * @example Usage
 * ```ts
 * import { detectTime } from "./answer_parse.ts";
 * const r = detectTime("1795254845123", { seconds: 1_795_254_845, nanos: 0 });
 * if (r?.kind !== "time" || r.time.layout !== "unixms") throw new Error();
 * ```
 */
export function detectTime(text: string, pivot: Instant): AnswerReading | null {
  for (const layout of DETECT_ORDER) {
    const parse = layout === "xinetd" ? parseXinetd : FORMAT_PARSERS[layout];
    const result = parse(text, pivot);
    if (result === null) continue;
    if (layout === "rfc3339nano" && !/[.,]\d/.test(text)) return reading(result, "rfc3339");
    if (layout === "rfc3339nano" && text.includes(",")) return reading(result, "iso8601");
    if (layout === "rfc1123") return reading(result, mailLayout(text));
    return reading(result, layout);
  }
  const candidates: [Instant | null, string][] = /^\d+\.\d{8}$/.test(text)
    ? [[parseDecimalDays(text, false), "mjd"], [parseDecimalDays(text, true), "jd"]]
    : (["unix", "unixms", "unixus", "unixns"] as const).map((name, i) => [
      parseCount(text, 3 * i),
      name,
    ]);
  let best: AnswerReading | null = null;
  let bestDistance = Infinity;
  for (const [instant, layout] of candidates) {
    if (instant === null) continue;
    const distance = Math.abs(instant.seconds - pivot.seconds);
    if (distance < bestDistance) {
      bestDistance = distance;
      best = reading(instant, layout);
    }
  }
  return best;
}

const SESSION_VERBS_WITHOUT_TIME = new Set([
  "format",
  "tz",
  "formats",
  "status",
  "help",
  "quit",
  "exit",
]);

/**
 * Reads a session-protocol answer. The request decides what is expected:
 * a format name (or `timestamp`) expects that format, and an answer not in
 * it is an error; the empty request and unrecognised words are answered in
 * the server's session format, which is detected ({@linkcode detectTime});
 * `help`, `formats`, `status`, `format`, `tz` and `quit` ask for no time.
 * An `ERR` answer is an error.
 *
 * @param request The request line sent, without its newline.
 * @param answer The answer line, without its line ending.
 * @param pivot An instant near the expected answer, usually now (for
 *   two-digit years and NTP eras).
 * @returns The reading.
 *
 * @example Usage
 * ```ts
 * import { readSessionAnswer } from "./answer_parse.ts";
 * const now = { seconds: 1_795_254_845, nanos: 0 };
 * const r = readSessionAnswer("rfc3339nano", "2026-11-21T09:54:05.5Z", now);
 * if (r.kind !== "time" || r.time.instant.nanos !== 500_000_000) throw new Error();
 * ```
 */
export function readSessionAnswer(request: string, answer: string, pivot: Instant): AnswerReading {
  const text = answer.trim();
  if (/^ERR\b/.test(text)) return { kind: "error", reason: `the server answered: ${text}` };
  const words = request.trim().toLowerCase().split(/[ \t\v\f\r\0]+/);
  const verb = words[0];
  if (SESSION_VERBS_WITHOUT_TIME.has(verb)) {
    return { kind: "unknown", reason: `"${verb}" asks for no time` };
  }
  const format = verb === "" ? undefined : getFormat(verb);
  if (format === undefined) {
    return detectTime(text, pivot) ??
      { kind: "unknown", reason: "the answer's format was not recognised" };
  }
  const parsed = FORMAT_PARSERS[format.name]?.(text, pivot);
  if (parsed === undefined) {
    return { kind: "unknown", reason: `clockd query cannot read the ${format.name} format` };
  }
  return reading(parsed, format.name) ??
    { kind: "error", reason: `the answer "${text}" is not in the ${format.name} format` };
}

/**
 * Reads an RFC 868 time answer: exactly 4 bytes, placed in the era nearest
 * the pivot, to the second.
 *
 * @param bytes Everything the server sent.
 * @param pivot An instant near the expected answer, usually now.
 * @returns A `time` reading with layout `rfc868`, or an error naming the length.
 *
 * @example Usage
 * ```ts
 * import { readTimeAnswer } from "./answer_parse.ts";
 * const r = readTimeAnswer(new Uint8Array([0x83, 0xaa, 0x7e, 0x80]), { seconds: 0, nanos: 0 });
 * if (r.kind !== "time" || r.time.instant.seconds !== 0) throw new Error();
 * ```
 */
export function readTimeAnswer(bytes: Uint8Array, pivot: Instant): AnswerReading {
  if (bytes.length !== RFC868_SIZE) {
    return {
      kind: "error",
      reason: `an RFC 868 answer is ${RFC868_SIZE} bytes, got ${bytes.length}`,
    };
  }
  return {
    kind: "time",
    time: { instant: decodeRfc868(bytes, pivot), resolutionNanos: 1e9, layout: "rfc868" },
  };
}

/**
 * Reads a daytime answer. RFC 867 fixes no syntax, so any text is a valid
 * answer; each non-blank line is tried against clockd's `daytime` layout,
 * NIST's, xinetd's, and the rest of {@linkcode detectTime}, and the first
 * recognised wins. Text in no known layout, or with a zone other than UTC,
 * GMT or a numeric one, is `unknown`; an empty answer or one that is not
 * printable text is an error.
 *
 * @param bytes Everything the server sent.
 * @param pivot An instant near the expected answer, usually now.
 * @returns The reading.
 *
 * @example Usage
 * ```ts
 * import { readDaytimeAnswer } from "./answer_parse.ts";
 * const bytes = new TextEncoder().encode("21 NOV 2026 09:54:05 UTC\r\n");
 * const r = readDaytimeAnswer(bytes, { seconds: 1_795_254_845, nanos: 0 });
 * if (r.kind !== "time" || r.time.instant.seconds !== 1_795_254_845) throw new Error();
 * ```
 */
export function readDaytimeAnswer(bytes: Uint8Array, pivot: Instant): AnswerReading {
  if (bytes.some((b) => (b < 0x20 && b !== 9 && b !== 10 && b !== 13) || b > 0x7e)) {
    return { kind: "error", reason: "the daytime answer is not printable text" };
  }
  const lines = new TextDecoder().decode(bytes).split("\n").map((line) => line.trim())
    .filter((line) => line !== "");
  if (lines.length === 0) return { kind: "error", reason: "the daytime answer is empty" };
  let unknown: AnswerReading | null = null;
  for (const line of lines) {
    const result = detectTime(line, pivot);
    if (result?.kind === "time") return result;
    unknown ??= result;
  }
  return unknown ?? { kind: "unknown", reason: "the daytime layout was not recognised" };
}
