/**
 * Private field writers the formats share: dates, offsets, fractions, Go's
 * monotonic reading, ISO week and ordinal dates, and the English names.
 *
 * @module
 */

import {
  civilFromDays,
  daysFromCivil,
  type LocalTime,
  localTime,
  MONTH_NAMES,
  pad2,
  pad9,
  padInt,
  timeOfDay,
  trimmedFraction,
  WEEKDAY_NAMES,
} from "./_format_calendar.ts";
import type { RenderContext } from "./formats.ts";
import type { Instant } from "./instant.ts";
import type { Zone } from "./zone.ts";

export const WEEKDAYS = WEEKDAY_NAMES;
export const WEEKDAYS_SHORT = WEEKDAYS.map((day) => day.slice(0, 3));
/** Month names by 1-based month number. */
export const MONTHS = ["", ...MONTH_NAMES];
export const MONTHS_SHORT = MONTHS.map((month) => month.slice(0, 3));

export function date(t: LocalTime): string {
  return padInt(t.year, 4) + "-" + pad2(t.month) + "-" + pad2(t.day);
}

/** Go's `_2`: the day of the month padded with a space. */
export function spaceDay(day: number): string {
  return day < 10 ? " " + day : String(day);
}

/**
 * Go's `-0700` and, with a colon, `-07:00`: whole minutes of the offset
 * (seconds truncated), the sign of those minutes.
 */
export function numericOffset(offsetSeconds: number, colon: boolean): string {
  const minutes = Math.trunc(offsetSeconds / 60);
  const abs = Math.abs(minutes);
  return (minutes < 0 ? "-" : "+") + pad2(Math.floor(abs / 60)) + (colon ? ":" : "") +
    pad2(abs % 60);
}

/** Go's `Z07:00`: `Z` for a zero offset. */
export function rfc3339Offset(offsetSeconds: number): string {
  return offsetSeconds === 0 ? "Z" : numericOffset(offsetSeconds, true);
}

export function rfc3339Nano(t: LocalTime): string {
  return date(t) + "T" + timeOfDay(t) + trimmedFraction(t.nanos) + rfc3339Offset(t.offsetSeconds);
}

/** The ISO 8601 time part shared by the three `iso8601` formats. */
export function isoTime(t: LocalTime): string {
  return "T" + timeOfDay(t) + "," + pad9(t.nanos) + numericOffset(t.offsetSeconds, true);
}

/** Go's `m=±s.nnnnnnnnn`, or nothing without a monotonic reading. */
export function monotonic(nanos: number): string {
  if (!Number.isFinite(nanos)) return "";
  const rounded = Math.round(nanos);
  const abs = Math.abs(rounded);
  const seconds = Math.floor(abs / 1e9);
  return " m=" + (rounded < 0 ? "-" : "+") + seconds + "." + pad9(abs - seconds * 1e9);
}

/** The ISO 8601 week date: the week-year is the year of the week's Thursday. */
export function isoWeekDate(t: LocalTime): string {
  const weekday = t.weekday === 0 ? 7 : t.weekday;
  const thursday = t.days - weekday + 4;
  const weekYear = civilFromDays(thursday).year;
  const week = Math.floor((thursday - daysFromCivil(weekYear, 1, 1)) / 7) + 1;
  return padInt(weekYear, 4) + "-W" + pad2(week) + "-" + weekday;
}

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
 */
export function wallTime(instant: Instant, zone: Zone, context: RenderContext): LocalTime {
  const t = localTime(instant, zone);
  return inLeapSecond(instant, context) && t.second === 59 ? { ...t, second: 60 } : t;
}
