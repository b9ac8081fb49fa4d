/**
 * Private calendar arithmetic for the formats: proleptic Gregorian dates from
 * day counts and back (Howard Hinnant's `days_from_civil` / `civil_from_days`,
 * exact integer math, no `Date`, no `Intl`), the broken-down local time of an
 * instant in a zone, and the zero-padding helpers the layouts share.
 *
 * @module
 */

import type { Instant } from "./instant.ts";
import type { Zone } from "./zone.ts";

/** Seconds in one civil day (Unix time has no leap seconds). */
export const SECONDS_PER_DAY = 86_400;

/** English weekday names, Sunday first (as {@linkcode weekdayFromDays} counts). */
export const WEEKDAY_NAMES: readonly string[] = [
  "Sunday",
  "Monday",
  "Tuesday",
  "Wednesday",
  "Thursday",
  "Friday",
  "Saturday",
];

/** English month names, January first (index = month − 1). */
export const MONTH_NAMES: readonly string[] = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

/**
 * Days from 1970-01-01 to a proleptic Gregorian date.
 *
 * @param year The year (astronomical numbering: 0 is 1 BC).
 * @param month The month, 1 to 12.
 * @param day The day of the month, 1 to 31.
 * @returns Days since 1970-01-01, negative before it.
 *
 * @example Usage
 * ```ts
 * import { daysFromCivil } from "./_format_calendar.ts";
 * if (daysFromCivil(2000, 3, 1) !== 11_017) throw new Error("days");
 * ```
 */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) +
    dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** A proleptic Gregorian calendar date. */
export interface CivilDate {
  /** The year (astronomical numbering). */
  readonly year: number;
  /** The month, 1 to 12. */
  readonly month: number;
  /** The day of the month, 1 to 31. */
  readonly day: number;
}

/**
 * The proleptic Gregorian date of a day count.
 *
 * @param days Days since 1970-01-01.
 * @returns The date.
 *
 * @example Usage
 * ```ts
 * import { civilFromDays } from "./_format_calendar.ts";
 * const { year, month, day } = civilFromDays(-1);
 * if (year !== 1969 || month !== 12 || day !== 31) throw new Error("civil");
 * ```
 */
export function civilFromDays(days: number): CivilDate {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) / 365,
  );
  const dayOfYear = dayOfEra -
    (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/**
 * Whether a year is a Gregorian leap year.
 *
 * @param year The year.
 * @returns `true` for leap years.
 */
export function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

/**
 * Days in a month of a year.
 *
 * @param year The year.
 * @param month The month, 1 to 12.
 * @returns 28 to 31.
 */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Day of the week of a day count, 0 for Sunday to 6 for Saturday.
 *
 * @param days Days since 1970-01-01 (a Thursday).
 * @returns 0 (Sunday) to 6 (Saturday).
 */
export function weekdayFromDays(days: number): number {
  return (((days + 4) % 7) + 7) % 7;
}

/** An ISO 8601 week: the week-numbering year and the week, 1 to 53. */
export interface IsoWeek {
  /** The ISO week-numbering year (that of the week's Thursday). */
  readonly weekYear: number;
  /** The week of that year, 1 to 53; week 1 holds the year's first Thursday. */
  readonly week: number;
}

/**
 * The ISO 8601 week of a day.
 *
 * @param days Days since 1970-01-01.
 * @returns Its week-numbering year and week.
 *
 * @example Usage
 * ```ts
 * import { daysFromCivil, isoWeekFromDays } from "./_format_calendar.ts";
 * const { weekYear, week } = isoWeekFromDays(daysFromCivil(2021, 1, 3));
 * if (weekYear !== 2020 || week !== 53) throw new Error(`${weekYear}-W${week}`);
 * ```
 */
export function isoWeekFromDays(days: number): IsoWeek {
  const weekday = weekdayFromDays(days) || 7;
  const thursday = days - weekday + 4;
  const weekYear = civilFromDays(thursday).year;
  return { weekYear, week: Math.floor((thursday - daysFromCivil(weekYear, 1, 1)) / 7) + 1 };
}

/**
 * The day of the year of a day, 1 to 366.
 *
 * @param days Days since 1970-01-01.
 * @param year Its year (from {@linkcode civilFromDays}).
 * @returns 1 for 1 January.
 */
export function dayOfYearFromDays(days: number, year: number): number {
  return days - daysFromCivil(year, 1, 1) + 1;
}

/** The broken-down wall-clock time of an instant in a zone. */
export interface LocalTime {
  /** Year (astronomical numbering). */
  readonly year: number;
  /** Month, 1 to 12. */
  readonly month: number;
  /** Day of the month, 1 to 31. */
  readonly day: number;
  /** Hour, 0 to 23. */
  readonly hour: number;
  /** Minute, 0 to 59. */
  readonly minute: number;
  /** Second, 0 to 59. */
  readonly second: number;
  /** Nanoseconds into the second, 0 to 999,999,999. */
  readonly nanos: number;
  /** Day of the week, 0 (Sunday) to 6 (Saturday). */
  readonly weekday: number;
  /** Local days since 1970-01-01. */
  readonly days: number;
  /** The zone's offset from UTC at the instant, in seconds east. */
  readonly offsetSeconds: number;
  /** The zone's abbreviation at the instant. */
  readonly abbreviation: string;
}

/**
 * Breaks an instant down into wall-clock fields in a zone.
 *
 * @param instant The instant.
 * @param zone The zone whose offset applies.
 * @returns The local date, time, weekday, offset and abbreviation.
 */
export function localTime(instant: Instant, zone: Zone): LocalTime {
  const { offsetSeconds, abbreviation } = zone.offsetAt(instant.seconds);
  const local = instant.seconds + offsetSeconds;
  const days = Math.floor(local / SECONDS_PER_DAY);
  const secondOfDay = local - days * SECONDS_PER_DAY;
  const { year, month, day } = civilFromDays(days);
  const hour = Math.floor(secondOfDay / 3600);
  const minute = Math.floor((secondOfDay - hour * 3600) / 60);
  return {
    year,
    month,
    day,
    hour,
    minute,
    second: secondOfDay - hour * 3600 - minute * 60,
    nanos: instant.nanos,
    weekday: weekdayFromDays(days),
    days,
    offsetSeconds,
    abbreviation,
  };
}

const TWO_DIGITS: readonly string[] = Array.from(
  { length: 100 },
  (_, i) => (i < 10 ? "0" : "") + i,
);

/**
 * Zero-pads a number in 0 to 99 to two digits.
 *
 * @param n The number.
 * @returns Two digits.
 */
export function pad2(n: number): string {
  return TWO_DIGITS[n] ?? String(n);
}

/**
 * Zero-pads an integer to a width, with a leading `-` for negatives, as Go's
 * `appendInt(b, x, width)` does.
 *
 * @param n The integer.
 * @param width The minimum number of digits.
 * @returns The padded decimal.
 */
export function padInt(n: number, width: number): string {
  return n < 0 ? "-" + String(-n).padStart(width, "0") : String(n).padStart(width, "0");
}

/**
 * The wall-clock time as `15:04:05`, two digits each.
 *
 * @param t The local time.
 * @returns `hh:mm:ss`.
 *
 * @example Usage
 * ```ts
 * import { clockTime, localTime } from "./_format_calendar.ts";
 * import { UTC } from "./zone.ts";
 * if (clockTime(localTime({ seconds: 3_723, nanos: 0 }, UTC)) !== "01:02:03") throw new Error();
 * ```
 */
export function clockTime(t: LocalTime): string {
  return pad2(t.hour) + ":" + pad2(t.minute) + ":" + pad2(t.second);
}

/**
 * Nanoseconds as exactly nine digits.
 *
 * @param nanos 0 to 999,999,999.
 * @returns Nine digits.
 */
export function pad9(nanos: number): string {
  return String(nanos).padStart(9, "0");
}

/**
 * A Go-style trimmed fraction: `.` and the nanoseconds without trailing
 * zeros, or the empty string when the fraction is zero (Go's `.999999999`).
 *
 * @param nanos 0 to 999,999,999.
 * @returns `""` or `.` followed by one to nine digits.
 */
export function trimmedFraction(nanos: number): string {
  if (nanos === 0) return "";
  let digits = pad9(nanos);
  let end = 9;
  while (digits.charCodeAt(end - 1) === 48) end--;
  if (end < 9) digits = digits.slice(0, end);
  return "." + digits;
}
