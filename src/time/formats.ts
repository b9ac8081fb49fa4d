/**
 * Every time format clockd serves, as pure functions of (instant, zone,
 * monotonic reading): Go's `time.Time.String()` and layouts, Unix counts,
 * RFC 3339 and ISO 8601, the HTTP and mail dates, RFC 867 daytime, the NIST
 * daytime layout, Julian dates, NTP, TAI64N and a JSON summary.
 *
 * Sub-second formats are exact to the nanosecond: dates come from integer
 * day arithmetic, and every scaled number is built from whole seconds and
 * nanoseconds separately, never through a float of the whole instant.
 *
 * @example Usage
 * ```ts
 * import { formatInstant } from "./formats.ts";
 * import { UTC } from "./zone.ts";
 * const text = formatInstant("rfc3339nano", { seconds: 0, nanos: 500_000_000 }, UTC);
 * if (text !== "1970-01-01T00:00:00.5Z") throw new Error(text);
 * ```
 *
 * @module
 */

import { clockTime, pad2, padInt, trimmedFraction, WEEKDAY_NAMES } from "./_format_calendar.ts";
import {
  isoDate,
  isoTime,
  isoWeekDate,
  mailDate,
  monotonicField,
  MONTHS,
  MONTHS_SHORT,
  numericOffset,
  ordinalDate,
  type RenderContext,
  rfc3339Nano,
  rfc3339Offset,
  spaceDay,
  wallTime,
  WEEKDAYS_SHORT,
} from "./_format_fields.ts";
import {
  julianDate,
  modifiedJulianDate,
  NANOS_PER_DAY_UNIT,
  ntpTimestamp,
  scaledCount,
  tai64n,
} from "./_format_counts.ts";
import { nistDaytime } from "./_format_nist.ts";
import type { Instant } from "./instant.ts";
import { UTC, type Zone } from "./zone.ts";

export type { RenderContext } from "./_format_fields.ts";
export { LEAP_SECONDS, type LeapSecond, taiMinusUtc } from "./leap_table.ts";
export { nistDaytime } from "./_format_nist.ts";

/** A named way of writing an instant as one line of ASCII. */
export interface TimeFormat {
  /** Lower-case canonical name. */
  readonly name: string;
  /** One short line for help output. */
  readonly summary: string;
  /**
   * The smallest step the output can show, in nanoseconds: 1e9 for
   * whole-second formats, whose output is the same for every instant of a
   * second (servers cache those per format, zone and second).
   */
  readonly resolutionNanos: number;
  /** `false` when the zone cannot change the output. */
  readonly zoned: boolean;
  /**
   * Writes an instant.
   *
   * @param instant The instant.
   * @param zone The zone for the wall-clock fields (ignored if not {@linkcode TimeFormat.zoned}).
   * @param monotonicNanos A monotonic clock reading for Go's `m=` field; `NaN` for none.
   * @param context The leap-second table and whether the instant is an
   *   inserted leap second; see {@linkcode RenderContext}.
   * @returns One line, no newline, ASCII only.
   */
  render(instant: Instant, zone: Zone, monotonicNanos: number, context?: RenderContext): string;
}

const NO_CONTEXT: RenderContext = Object.freeze({});

function define(
  name: string,
  summary: string,
  resolutionNanos: number,
  zoned: boolean,
  render: (instant: Instant, zone: Zone, monotonicNanos: number, context: RenderContext) => string,
): TimeFormat {
  // The context is optional to callers, always there for the writers.
  const withContext = (i: Instant, z: Zone, m: number, c = NO_CONTEXT) => render(i, z, m, c);
  return Object.freeze({ name, summary, resolutionNanos, zoned, render: withContext });
}

/**
 * Every format, in display order (`go` first). Resolutions are in
 * nanoseconds; whole-second formats say 1e9.
 *
 * A zone is honoured by every format that shows wall-clock time. Ten are
 * zone-less by definition, so a zone given to them is accepted (an unknown
 * one still refused) and ignored, and their summaries say `zone ignored`:
 * the Unix counts, `http` (GMT by definition), `nist` (UTC), `mjd` and `jd`
 * (UTC days), `ntp` and `tai64n` (counts from an epoch).
 *
 * - `go`: Go's `time.Time.String()`: `2006-01-02 15:04:05.999999999 -0700 MST`
 *   (fraction trimmed of trailing zeros, dropped when zero), then
 *   ` m=±s.nnnnnnnnn` from the monotonic reading, omitted when it is `NaN`.
 * - `rfc3339`, `rfc3339nano`: Go's `RFC3339` and `RFC3339Nano` (`Z` for a zero offset).
 * - `iso8601`: ISO 8601 extended calendar date and time with nine fraction
 *   digits after a comma (ISO's preferred decimal sign) and a `±hh:mm` offset,
 *   `+00:00` for UTC: exactly GNU `date --iso-8601=ns`. `iso8601-ordinal`
 *   (`2026-325T…`) and `iso8601-week` (`2026-W47-6T…`, ISO week-year) share the time part.
 * - `unix`, `unixms`, `unixus`, `unixns`: integer counts since 1970, floored.
 * - `rfc1123`: Go's `RFC1123`, `Mon, 02 Jan 2006 15:04:05 MST`, in the zone
 *   with its abbreviation (`UTC` in UTC, `+0530` for a fixed offset).
 *   `http`: the HTTP date (RFC 9110 IMF-fixdate, Go's `http.TimeFormat`),
 *   by definition always GMT. `rfc2822`: Go's `RFC1123Z`, the mail date
 *   with the numeric offset. `rfc850`, `ansic`,
 *   `unixdate`: Go's layouts of those names (`unixdate` is `date`'s C-locale output).
 * - `daytime`: RFC 867's suggested `Weekday, Month Day, Year HH:MM:SS-ZONE`
 *   (day unpadded; a numeric abbreviation follows the time without the `-`).
 * - `nist`: the NIST ITS daytime layout; see {@linkcode nistDaytime}.
 * - `mjd`, `jd`: Modified Julian Date and Julian Date (UTC) with eight
 *   decimals (864 µs), floored, from integer arithmetic.
 * - `ntp`: NTP era seconds (mod 2^32) and 32-bit fraction in hex, as `ntpq` prints.
 * - `tai64n`: `@` and 24 hex digits: 2^62 + Unix seconds + TAI−UTC, then nanoseconds.
 * - `json`: one JSON object: `unix`, `unixns` (a string), `rfc3339nano`,
 *   `zone`, `abbreviation`, `offset` (seconds), `mjd` (number), `ntp`, `tai64n`.
 *
 * Leap seconds: during an inserted one (the kernel's second 23:59:59,
 * {@linkcode RenderContext.insertedLeapSecond}) every format with a time of
 * day writes second `60` and `tai64n` counts the extra second; the Unix
 * counts, `ntp`, `mjd` and `jd` repeat the first 23:59:59's values. See
 * {@linkcode RenderContext}.
 */
export const FORMATS: readonly TimeFormat[] = Object.freeze([
  define(
    "go",
    "Go's time.Time.String(), with the monotonic reading",
    1,
    true,
    (instant, zone, monotonicNanos, context) => {
      const t = wallTime(instant, zone, context);
      return isoDate(t) + " " + clockTime(t) + trimmedFraction(t.nanos) + " " +
        numericOffset(t.offsetSeconds, false) + " " + t.abbreviation +
        monotonicField(monotonicNanos);
    },
  ),
  define(
    "rfc3339",
    "RFC 3339 to the second (Go's RFC3339)",
    1e9,
    true,
    (instant, zone, _, context) => {
      const t = wallTime(instant, zone, context);
      return isoDate(t) + "T" + clockTime(t) + rfc3339Offset(t.offsetSeconds);
    },
  ),
  define(
    "rfc3339nano",
    "RFC 3339 with the fraction, trailing zeros trimmed (Go's RFC3339Nano)",
    1,
    true,
    (instant, zone, _, context) => rfc3339Nano(wallTime(instant, zone, context)),
  ),
  define(
    "iso8601",
    "ISO 8601 calendar date and time, nanoseconds after a comma",
    1,
    true,
    (instant, zone, _, context) => {
      const t = wallTime(instant, zone, context);
      return isoDate(t) + isoTime(t);
    },
  ),
  define(
    "iso8601-ordinal",
    "ISO 8601 ordinal date (year and day of year) and time",
    1,
    true,
    (instant, zone, _, context) => {
      const t = wallTime(instant, zone, context);
      return ordinalDate(t) + isoTime(t);
    },
  ),
  define(
    "iso8601-week",
    "ISO 8601 week date (week-year, week, weekday) and time",
    1,
    true,
    (instant, zone, _, context) => {
      const t = wallTime(instant, zone, context);
      return isoWeekDate(t) + isoTime(t);
    },
  ),
  define(
    "unix",
    "Seconds since 1970-01-01 UTC; zone ignored",
    1e9,
    false,
    (i) => String(i.seconds),
  ),
  define(
    "unixms",
    "Milliseconds since 1970 UTC; zone ignored",
    1e6,
    false,
    (i) => scaledCount(i, 3),
  ),
  define(
    "unixus",
    "Microseconds since 1970 UTC; zone ignored",
    1e3,
    false,
    (i) => scaledCount(i, 6),
  ),
  define("unixns", "Nanoseconds since 1970 UTC; zone ignored", 1, false, (i) => scaledCount(i, 9)),
  define(
    "rfc1123",
    "Go's RFC1123 layout, in the zone, with its abbreviation",
    1e9,
    true,
    (instant, zone, _, context) => {
      const t = wallTime(instant, zone, context);
      return mailDate(t) + " " + t.abbreviation;
    },
  ),
  define(
    "http",
    "HTTP date (RFC 9110 IMF-fixdate), always GMT; zone ignored",
    1e9,
    false,
    (instant, _zone, _, context) => mailDate(wallTime(instant, UTC, context)) + " GMT",
  ),
  define(
    "rfc2822",
    "Internet mail date (RFC 5322) with the numeric offset",
    1e9,
    true,
    (instant, zone, _, context) => {
      const t = wallTime(instant, zone, context);
      return mailDate(t) + " " + numericOffset(t.offsetSeconds, false);
    },
  ),
  define(
    "rfc850",
    "Go's RFC850 layout, two-digit year",
    1e9,
    true,
    (instant, zone, _, context) => {
      const t = wallTime(instant, zone, context);
      return WEEKDAY_NAMES[t.weekday] + ", " + pad2(t.day) + "-" + MONTHS_SHORT[t.month] + "-" +
        pad2(Math.abs(t.year) % 100) + " " + clockTime(t) + " " + t.abbreviation;
    },
  ),
  define(
    "ansic",
    "C asctime() / Go's ANSIC layout: wall time in the zone, not named",
    1e9,
    true,
    (instant, zone, _, context) => {
      const t = wallTime(instant, zone, context);
      return WEEKDAYS_SHORT[t.weekday] + " " + MONTHS_SHORT[t.month] + " " + spaceDay(t.day) +
        " " + clockTime(t) + " " + padInt(t.year, 4);
    },
  ),
  define(
    "unixdate",
    "date(1) in the C locale / Go's UnixDate layout",
    1e9,
    true,
    (instant, zone, _, context) => {
      const t = wallTime(instant, zone, context);
      return WEEKDAYS_SHORT[t.weekday] + " " + MONTHS_SHORT[t.month] + " " + spaceDay(t.day) +
        " " + clockTime(t) + " " + t.abbreviation + " " + padInt(t.year, 4);
    },
  ),
  define(
    "daytime",
    "RFC 867 daytime: Weekday, Month Day, Year HH:MM:SS-ZONE",
    1e9,
    true,
    (instant, zone, _, context) => {
      const t = wallTime(instant, zone, context);
      const abbreviation = t.abbreviation;
      const numeric = abbreviation.startsWith("+") || abbreviation.startsWith("-");
      return WEEKDAY_NAMES[t.weekday] + ", " + MONTHS[t.month] + " " + t.day + ", " + t.year + " " +
        clockTime(t) + (numeric ? "" : "-") + abbreviation;
    },
  ),
  define(
    "nist",
    "NIST daytime layout (MJD, UTC, US DST code), UTC(clockd); zone ignored",
    1e9,
    false,
    (instant, _zone, _, context) => nistDaytime(instant, context),
  ),
  define(
    "mjd",
    "Modified Julian Date (UTC), 8 decimals; zone ignored",
    NANOS_PER_DAY_UNIT,
    false,
    (i) => modifiedJulianDate(i),
  ),
  define(
    "jd",
    "Julian Date (UTC), 8 decimals; zone ignored",
    NANOS_PER_DAY_UNIT,
    false,
    (i) => julianDate(i),
  ),
  define(
    "ntp",
    "NTP timestamp: era seconds.fraction in hex; zone ignored",
    1,
    false,
    (i) => ntpTimestamp(i),
  ),
  define(
    "tai64n",
    "TAI64N label in hex (TAI, leap seconds applied); zone ignored",
    1,
    false,
    (i, _zone, _, context) => tai64n(i, context),
  ),
  define(
    "json",
    "JSON object: unix, unixns, rfc3339nano, zone, offset, mjd, ntp, tai64n",
    1,
    true,
    (instant, zone, _, context) => {
      const t = wallTime(instant, zone, context);
      return '{"unix":' + instant.seconds + ',"unixns":"' + scaledCount(instant, 9) +
        '","rfc3339nano":"' + rfc3339Nano(t) + '","zone":' + JSON.stringify(zone.name) +
        ',"abbreviation":' + JSON.stringify(t.abbreviation) + ',"offset":' + t.offsetSeconds +
        ',"mjd":' + modifiedJulianDate(instant) + ',"ntp":"' + ntpTimestamp(instant) +
        '","tai64n":"' + tai64n(instant, context) + '"}';
    },
  ),
]);

const BY_NAME: ReadonlyMap<string, TimeFormat> = new Map([
  ...FORMATS.map((format) => [format.name, format] as const),
  ["timestamp", FORMATS.find((format) => format.name === "unix")!],
]);

/**
 * Looks a format up by name, case-insensitively; `timestamp` is `unix`.
 *
 * @param name The format name.
 * @returns The format, or `undefined` if there is none of that name.
 *
 * @example Usage
 * ```ts
 * import { getFormat } from "./formats.ts";
 * if (getFormat("TIMESTAMP")?.name !== "unix") throw new Error("alias");
 * ```
 */
export function getFormat(name: string): TimeFormat | undefined {
  return BY_NAME.get(name.toLowerCase());
}

/**
 * Writes an instant in a named format.
 *
 * @param name The format name (case-insensitive; `timestamp` is `unix`).
 * @param instant The instant.
 * @param zone The zone for zoned formats.
 * @param monotonicNanos A monotonic reading for `go`'s `m=` field; omitted
 *   (or `NaN`), `m=` is left out, as Go does for times without one.
 * @param context The leap-second table in force and whether the instant is
 *   an inserted leap second; see {@linkcode RenderContext}.
 * @returns The formatted line.
 * @throws {RangeError} `unknown format "…"` for an unknown name.
 *
 * @example Usage
 * ```ts
 * import { formatInstant } from "./formats.ts";
 * import { UTC } from "./zone.ts";
 * const text = formatInstant("go", { seconds: 0, nanos: 0 }, UTC, 1_500_000_000);
 * if (text !== "1970-01-01 00:00:00 +0000 UTC m=+1.500000000") throw new Error(text);
 * ```
 */
export function formatInstant(
  name: string,
  instant: Instant,
  zone: Zone,
  monotonicNanos: number = NaN,
  context: RenderContext = NO_CONTEXT,
): string {
  const format = getFormat(name);
  if (format === undefined) throw new RangeError(`unknown format "${name}"`);
  return format.render(instant, zone, monotonicNanos, context);
}
