/**
 * The calendar fields of an instant in a zone that the HTTP time API
 * reports: the wall-clock date and time, the weekday, the day of the year and
 * the ISO 8601 week.
 *
 * @module
 */

import {
  dayOfYearFromDays,
  isoWeekFromDays,
  type LocalTime,
  localTime,
} from "./_format_calendar.ts";
import type { Instant } from "./instant.ts";
import type { Zone } from "./zone.ts";

/** {@linkcode LocalTime} with the day of the year and the ISO week. */
export interface CalendarDate extends LocalTime {
  /** 1 for 1 January, up to 366. */
  readonly dayOfYear: number;
  /** The ISO 8601 week, 1 to 53 (of {@linkcode CalendarDate.isoWeekYear}). */
  readonly isoWeek: number;
  /** The ISO 8601 week-numbering year, which differs from `year` around New Year. */
  readonly isoWeekYear: number;
}

/**
 * Breaks an instant down into calendar fields in a zone.
 *
 * @param instant The instant.
 * @param zone The zone whose offset applies.
 * @returns Date, time, weekday (0 Sunday), offset, abbreviation, day of year and ISO week.
 *
 * @example Usage
 * ```ts
 * import { calendarDate } from "./calendar_date.ts";
 * import { UTC } from "./zone.ts";
 * // 2024-12-30 is a Monday in ISO week 1 of 2025.
 * const date = calendarDate({ seconds: 1_735_516_800, nanos: 0 }, UTC);
 * if (date.dayOfYear !== 365 || date.isoWeek !== 1 || date.isoWeekYear !== 2025) throw new Error();
 * ```
 */
export function calendarDate(instant: Instant, zone: Zone): CalendarDate {
  const local = localTime(instant, zone);
  const { weekYear, week } = isoWeekFromDays(local.days);
  return {
    ...local,
    dayOfYear: dayOfYearFromDays(local.days, local.year),
    isoWeek: week,
    isoWeekYear: weekYear,
  };
}
