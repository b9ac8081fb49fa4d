/**
 * Private field writers the wall-clock formats share: dates, numeric
 * offsets as Go and ISO 8601 write them, Go's monotonic `m=` field, and the
 * English names the layouts abbreviate; and the {@linkcode RenderContext}
 * (re-exported by `formats.ts`) with the wall-clock fields it changes: second
 * 60 during an inserted leap second.
 *
 * @module
 */

import {
  civilFromDays,
  clockTime,
  daysFromCivil,
  type LocalTime,
  localTime,
  MONTH_NAMES,
  pad2,
  pad9,
  padInt,
  trimmedFraction,
  WEEKDAY_NAMES,
} from "./_format_calendar.ts";
import type { Instant } from "./instant.ts";
import type { LeapSecond } from "./leap_table.ts";
import type { Zone } from "./zone.ts";

/**
 * What a format needs besides the instant and zone to get leap seconds
 * right. Everything is optional: without it the built-in table applies and
 * no instant is taken for a leap second.
 *
 * clockd reads CLOCK_REALTIME, which counts no leap seconds: while the
 * kernel inserts one it shows 23:59:59 twice, and only the kernel's
 * TIME_OOP state marks the second copy. With
 * {@linkcode RenderContext.insertedLeapSecond} set:
 * - every format with a time of day (`go`, `rfc3339`, `rfc3339nano`, the
 *   three `iso8601`, `rfc1123`, `http`, `rfc2822`, `rfc850`, `ansic`,
 *   `unixdate`, `daytime`, `nist` and `json`'s `rfc3339nano`) writes second
 *   `60` (`23:59:60Z`, `00:59:60+01:00` in Paris), as RFC 3339, ISO 8601 and
 *   RFC 5322 allow; Go itself cannot, as its `time.Time` has no second 60;
 * - `tai64n` counts the extra second (TAI has it);
 * - `unix`, `unixms`, `unixus`, `unixns`, `ntp`, `mjd` and `jd` repeat the
 *   first copy's values: POSIX and NTP time have no number for it.
 *
 * Without the flag every format writes what the clock shows, 23:59:59 twice.
 * A deleted second (23:59:59 skipped) needs nothing: the clock never shows it.
 * With a smeared clock (`leap_smear.ts`) there is no leap second to show.
 */
export interface RenderContext {
  /**
   * TAI − UTC steps for `tai64n` (and `json`'s) and `nist`'s `L` flag: the
   * table in force, `LeapSeconds.entries`.
   *
   * @default {LEAP_SECONDS, the built-in table}
   */
  readonly leapSeconds?: readonly LeapSecond[];
  /**
   * True when the instant is the inserted leap second, 23:59:60 UTC: with
   * the kernel inserting it, CLOCK_REALTIME shows 23:59:59 a second time,
   * and only the kernel's state (TIME_OOP, read in the same `ntp_adjtime()`
   * call as the time: `insertedLeapSecond()` in `kernel_clock.ts`) tells the
   * second copy from the first. Set it from nothing else; on an instant
   * whose UTC second is not :59 it is ignored.
   *
   * @default {false}
   */
  readonly insertedLeapSecond?: boolean;
}

/** Three-letter weekday names, Sunday first: `Sun` … `Sat`. */
export const WEEKDAYS_SHORT: readonly string[] = WEEKDAY_NAMES.map((day) => day.slice(0, 3));
/** Month names by 1-based month number (index 0 is empty). */
export const MONTHS: readonly string[] = ["", ...MONTH_NAMES];
/** Three-letter month names by 1-based month number (index 0 is empty). */
export const MONTHS_SHORT: readonly string[] = MONTHS.map((month) => month.slice(0, 3));

/**
 * The calendar date as `2006-01-02`.
 *
 * @param t The local time.
 * @returns The date, the year padded to four digits.
 *
 * @example Usage
 * ```ts
 * import { isoDate } from "./_format_fields.ts";
 * import { localTime } from "./_format_calendar.ts";
 * import { UTC } from "./zone.ts";
 * if (isoDate(localTime({ seconds: 0, nanos: 0 }, UTC)) !== "1970-01-01") throw new Error();
 * ```
 */
export function isoDate(t: LocalTime): string {
  return padInt(t.year, 4) + "-" + pad2(t.month) + "-" + pad2(t.day);
}

/**
 * `Mon, 02 Jan 2006 15:04:05`: the mail and HTTP dates before their zone.
 *
 * @param t The local time.
 * @returns The date and time.
 *
 * @example Usage
 * ```ts
 * import { mailDate } from "./_format_fields.ts";
 * import { localTime } from "./_format_calendar.ts";
 * import { UTC } from "./zone.ts";
 * const text = mailDate(localTime({ seconds: 0, nanos: 0 }, UTC));
 * if (text !== "Thu, 01 Jan 1970 00:00:00") throw new Error(text);
 * ```
 */
export function mailDate(t: LocalTime): string {
  return WEEKDAYS_SHORT[t.weekday] + ", " + pad2(t.day) + " " + MONTHS_SHORT[t.month] + " " +
    padInt(t.year, 4) + " " + clockTime(t);
}

/**
 * Go's `_2`: the day of the month padded with a space.
 *
 * @param day 1 to 31.
 * @returns Two characters.
 *
 * @example Usage
 * ```ts
 * import { spaceDay } from "./_format_fields.ts";
 * if (spaceDay(4) !== " 4" || spaceDay(21) !== "21") throw new Error();
 * ```
 */
export function spaceDay(day: number): string {
  return day < 10 ? " " + day : String(day);
}

/**
 * Go's `-0700` and, with a colon, `-07:00`: whole minutes of the offset
 * (seconds truncated), the sign of those minutes.
 *
 * @param offsetSeconds Seconds east of UTC.
 * @param colon Whether to write `-07:00` rather than `-0700`.
 * @returns The offset.
 *
 * @example Usage
 * ```ts
 * import { numericOffset } from "./_format_fields.ts";
 * if (numericOffset(19_800, true) !== "+05:30" || numericOffset(-75, false) !== "-0001") {
 *   throw new Error();
 * }
 * ```
 */
export function numericOffset(offsetSeconds: number, colon: boolean): string {
  const minutes = Math.trunc(offsetSeconds / 60);
  const abs = Math.abs(minutes);
  return (minutes < 0 ? "-" : "+") + pad2(Math.floor(abs / 60)) + (colon ? ":" : "") +
    pad2(abs % 60);
}

/**
 * Go's `Z07:00`: `Z` for a zero offset.
 *
 * @param offsetSeconds Seconds east of UTC.
 * @returns `Z` or `±hh:mm`.
 *
 * @example Usage
 * ```ts
 * import { rfc3339Offset } from "./_format_fields.ts";
 * if (rfc3339Offset(0) !== "Z" || rfc3339Offset(3600) !== "+01:00") throw new Error();
 * ```
 */
export function rfc3339Offset(offsetSeconds: number): string {
  return offsetSeconds === 0 ? "Z" : numericOffset(offsetSeconds, true);
}

/**
 * Go's `RFC3339Nano`: the fraction trimmed of trailing zeros.
 *
 * @param t The local time.
 * @returns The date, time and offset.
 *
 * @example Usage
 * ```ts
 * import { rfc3339Nano } from "./_format_fields.ts";
 * import { localTime } from "./_format_calendar.ts";
 * import { UTC } from "./zone.ts";
 * const text = rfc3339Nano(localTime({ seconds: 0, nanos: 500_000_000 }, UTC));
 * if (text !== "1970-01-01T00:00:00.5Z") throw new Error(text);
 * ```
 */
export function rfc3339Nano(t: LocalTime): string {
  return isoDate(t) + "T" + clockTime(t) + trimmedFraction(t.nanos) +
    rfc3339Offset(t.offsetSeconds);
}

/**
 * The ISO 8601 time part shared by the three `iso8601` formats:
 * `T15:04:05,999999999-07:00`.
 *
 * @param t The local time.
 * @returns The time part.
 *
 * @example Usage
 * ```ts
 * import { isoTime } from "./_format_fields.ts";
 * import { localTime } from "./_format_calendar.ts";
 * import { UTC } from "./zone.ts";
 * const text = isoTime(localTime({ seconds: 0, nanos: 1 }, UTC));
 * if (text !== "T00:00:00,000000001+00:00") throw new Error(text);
 * ```
 */
export function isoTime(t: LocalTime): string {
  return "T" + clockTime(t) + "," + pad9(t.nanos) + numericOffset(t.offsetSeconds, true);
}

/**
 * Go's ` m=±s.nnnnnnnnn`, or nothing without a monotonic reading.
 *
 * @param nanos The monotonic reading in nanoseconds; `NaN` for none.
 * @returns The field with its leading space, or `""`.
 *
 * @example Usage
 * ```ts
 * import { monotonicField } from "./_format_fields.ts";
 * if (monotonicField(1_500_000_000) !== " m=+1.500000000" || monotonicField(NaN) !== "") {
 *   throw new Error();
 * }
 * ```
 */
export function monotonicField(nanos: number): string {
  if (!Number.isFinite(nanos)) return "";
  const rounded = Math.round(nanos);
  const abs = Math.abs(rounded);
  const seconds = Math.floor(abs / 1e9);
  return " m=" + (rounded < 0 ? "-" : "+") + seconds + "." + pad9(abs - seconds * 1e9);
}

/**
 * The ISO 8601 week date: the week-year is the year of the week's Thursday.
 *
 * @param t The local time.
 * @returns `2026-W47-6`.
 *
 * @example Usage
 * ```ts
 * import { isoWeekDate } from "./_format_fields.ts";
 * import { localTime } from "./_format_calendar.ts";
 * import { UTC } from "./zone.ts";
 * if (isoWeekDate(localTime({ seconds: 0, nanos: 0 }, UTC)) !== "1970-W01-4") throw new Error();
 * ```
 */
export function isoWeekDate(t: LocalTime): string {
  const weekday = t.weekday === 0 ? 7 : t.weekday;
  const thursday = t.days - weekday + 4;
  const weekYear = civilFromDays(thursday).year;
  const week = Math.floor((thursday - daysFromCivil(weekYear, 1, 1)) / 7) + 1;
  return padInt(weekYear, 4) + "-W" + pad2(week) + "-" + weekday;
}

/**
 * The ISO 8601 ordinal date: year and day of the year.
 *
 * @param t The local time.
 * @returns `2026-325`.
 *
 * @example Usage
 * ```ts
 * import { ordinalDate } from "./_format_fields.ts";
 * import { localTime } from "./_format_calendar.ts";
 * import { UTC } from "./zone.ts";
 * if (ordinalDate(localTime({ seconds: 0, nanos: 0 }, UTC)) !== "1970-001") throw new Error();
 * ```
 */
export function ordinalDate(t: LocalTime): string {
  const dayOfYear = t.days - daysFromCivil(t.year, 1, 1) + 1;
  return padInt(t.year, 4) + "-" + String(dayOfYear).padStart(3, "0");
}

/**
 * Whether to write an instant as the inserted leap second: the context says
 * so and the instant's UTC second is :59 (the flag is ignored elsewhere).
 *
 * @param instant The instant.
 * @param context The caller's leap-second knowledge.
 * @returns `true` for the second copy of 23:59:59.
 *
 * @example Usage
 * ```ts
 * import { inLeapSecond } from "./_format_fields.ts";
 * const context = { insertedLeapSecond: true };
 * if (!inLeapSecond({ seconds: 59, nanos: 0 }, context)) throw new Error(":59");
 * if (inLeapSecond({ seconds: 58, nanos: 0 }, context)) throw new Error(":58");
 * ```
 */
export function inLeapSecond(instant: Instant, context: RenderContext): boolean {
  return context.insertedLeapSecond === true && ((instant.seconds % 60) + 60) % 60 === 59;
}

/**
 * The wall-clock fields of an instant, with second 60 during the inserted
 * leap second (:59 in every zone since 1972, all whole minutes from UTC).
 *
 * @param instant The instant.
 * @param zone The zone.
 * @param context Whether the instant is the inserted leap second.
 * @returns The broken-down time.
 *
 * @example Usage
 * ```ts
 * import { wallTime } from "./_format_fields.ts";
 * import { UTC } from "./zone.ts";
 * const t = wallTime({ seconds: 1_483_228_799, nanos: 0 }, UTC, { insertedLeapSecond: true });
 * if (t.hour !== 23 || t.minute !== 59 || t.second !== 60) throw new Error(String(t.second));
 * ```
 */
export function wallTime(instant: Instant, zone: Zone, context: RenderContext): LocalTime {
  const t = localTime(instant, zone);
  return inLeapSecond(instant, context) && t.second === 59 ? { ...t, second: 60 } : t;
}
