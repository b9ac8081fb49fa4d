/**
 * The NIST daytime `TT` code: United States daylight-saving state with the
 * countdown NIST documents for its Internet Time Service, from the federal
 * DST rules (15 U.S.C. 260a as amended; the one in force since 2007, the
 * 1987–2006 and 1967–1986 ones, and the 1974–1975 energy-crisis dates).
 *
 * @module
 */

import {
  civilFromDays,
  daysFromCivil,
  SECONDS_PER_DAY,
  weekdayFromDays,
} from "./_format_calendar.ts";

/** The two days of a year the US changes clocks, at 2 a.m. local time. */
export interface UsDstDates {
  /** Month DST starts, 1 to 12. */
  readonly startMonth: number;
  /** Day of the month DST starts. */
  readonly startDay: number;
  /** Month DST ends. */
  readonly endMonth: number;
  /** Day of the month DST ends. */
  readonly endDay: number;
}

/**
 * The day of the month of the n-th Sunday (n ≥ 1), or of the last Sunday
 * when n is 0.
 */
function sunday(year: number, month: number, n: number): number {
  if (n > 0) {
    const first = daysFromCivil(year, month, 1);
    return 1 + ((7 - weekdayFromDays(first)) % 7) + (n - 1) * 7;
  }
  const nextFirst = month === 12
    ? daysFromCivil(year + 1, 1, 1)
    : daysFromCivil(year, month + 1, 1);
  const last = nextFirst - 1;
  return civilFromDays(last - weekdayFromDays(last)).day;
}

/**
 * The US DST change dates of a year.
 *
 * @param year The year.
 * @returns The spring and fall change dates, or `undefined` before the
 *   Uniform Time Act took effect (1967).
 */
export function usDstDates(year: number): UsDstDates | undefined {
  if (year >= 2007) {
    return {
      startMonth: 3,
      startDay: sunday(year, 3, 2),
      endMonth: 11,
      endDay: sunday(year, 11, 1),
    };
  }
  if (year >= 1987) {
    return {
      startMonth: 4,
      startDay: sunday(year, 4, 1),
      endMonth: 10,
      endDay: sunday(year, 10, 0),
    };
  }
  if (year === 1974) return { startMonth: 1, startDay: 6, endMonth: 10, endDay: 27 };
  if (year === 1975) return { startMonth: 2, startDay: 23, endMonth: 10, endDay: 26 };
  if (year >= 1967) {
    return {
      startMonth: 4,
      startDay: sunday(year, 4, 0),
      endMonth: 10,
      endDay: sunday(year, 10, 0),
    };
  }
  return undefined;
}

/**
 * The NIST `TT` code for a UTC day, as NIST documents it: `00` on standard
 * time, `50` on DST; in the month of a change it counts down once a day at
 * 00:00 UTC, reaching `51` (spring) or `01` (fall) on the day of the change,
 * which happens at 2 a.m. local time; the day after, `50` or `00`.
 *
 * @param seconds Unix seconds of any moment of the UTC day.
 * @returns 0 to 99.
 */
export function nistDstCode(seconds: number): number {
  const { year, month, day } = civilFromDays(Math.floor(seconds / SECONDS_PER_DAY));
  const dates = usDstDates(year);
  if (dates === undefined) return 0;
  if (month === dates.startMonth) return day <= dates.startDay ? 51 + dates.startDay - day : 50;
  if (month === dates.endMonth) return day <= dates.endDay ? 1 + dates.endDay - day : 0;
  return month > dates.startMonth && month < dates.endMonth ? 50 : 0;
}
