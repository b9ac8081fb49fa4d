/**
 * The leap-second table: TAI − UTC since 1972, from IERS Bulletin C (the same
 * entries as the IETF/NIST `leap-seconds.list`). Used by the `tai64n` format
 * and the NIST leap-second flag.
 *
 * @module
 */

import { daysFromCivil, SECONDS_PER_DAY } from "./_format_calendar.ts";

/** One step of TAI − UTC. */
export interface LeapSecond {
  /** First Unix second (UTC, 00:00:00 on the 1st of the month) with the new offset. */
  readonly unixSeconds: number;
  /** TAI − UTC in whole seconds from then on. */
  readonly taiMinusUtc: number;
}

/** [year, month] of each 1st-of-the-month 00:00:00 UTC when TAI − UTC steps. */
const STEPS: readonly (readonly [number, number])[] = [
  [1972, 1],
  [1972, 7],
  [1973, 1],
  [1974, 1],
  [1975, 1],
  [1976, 1],
  [1977, 1],
  [1978, 1],
  [1979, 1],
  [1980, 1],
  [1981, 7],
  [1982, 7],
  [1983, 7],
  [1985, 7],
  [1988, 1],
  [1990, 1],
  [1991, 1],
  [1992, 7],
  [1993, 7],
  [1994, 7],
  [1996, 1],
  [1997, 7],
  [1999, 1],
  [2006, 1],
  [2009, 1],
  [2012, 7],
  [2015, 7],
  [2017, 1],
];

/**
 * TAI − UTC since 1972-01-01 (10 s, the offset UTC started from), stepping
 * by one second after each positive leap second; 37 s since 2017-01-01. No
 * leap second has been scheduled since (IERS Bulletin C).
 *
 * @example Usage
 * ```ts
 * import { LEAP_SECONDS } from "./_format_leap_seconds.ts";
 * const last = LEAP_SECONDS[LEAP_SECONDS.length - 1];
 * if (last.unixSeconds !== 1_483_228_800 || last.taiMinusUtc !== 37) throw new Error("table");
 * ```
 */
export const LEAP_SECONDS: readonly LeapSecond[] = Object.freeze(
  STEPS.map(([year, month], i) =>
    Object.freeze({
      unixSeconds: daysFromCivil(year, month, 1) * SECONDS_PER_DAY,
      taiMinusUtc: 10 + i,
    })
  ),
);

/**
 * TAI − UTC at a Unix second, from {@linkcode LEAP_SECONDS}: 10 before 1972
 * (where UTC's rubber seconds have no whole-second offset, the 1972 value is
 * used, as TAI64 tools do), 37 from 2017-01-01 on.
 *
 * @param seconds Unix seconds.
 * @returns TAI − UTC in whole seconds.
 *
 * @example Usage
 * ```ts
 * import { taiMinusUtc } from "./_format_leap_seconds.ts";
 * if (taiMinusUtc(1_483_228_799) !== 36 || taiMinusUtc(1_483_228_800) !== 37) throw new Error("tai");
 * ```
 */
export function taiMinusUtc(seconds: number): number {
  // Most instants are after the last entry: check from the end.
  for (let i = LEAP_SECONDS.length - 1; i >= 0; i--) {
    if (seconds >= LEAP_SECONDS[i].unixSeconds) return LEAP_SECONDS[i].taiMinusUtc;
  }
  return LEAP_SECONDS[0].taiMinusUtc;
}

/**
 * Whether a leap second is inserted at the end of the UTC month containing a
 * Unix second (known for past months only; the table has no future entries).
 *
 * @param seconds Unix seconds.
 * @returns `true` in the month that ends with a positive leap second.
 */
export function leapSecondEndsMonth(seconds: number): boolean {
  for (let i = LEAP_SECONDS.length - 1; i > 0; i--) {
    const step = LEAP_SECONDS[i].unixSeconds;
    if (seconds >= step) return false;
    // The month before the step: from its first day to the step itself.
    const stepDays = step / SECONDS_PER_DAY;
    const monthStart = stepDays - (stepIsJuly(i) ? 30 : 31); // June has 30 days, December 31
    if (seconds >= monthStart * SECONDS_PER_DAY) return true;
  }
  return false;
}

function stepIsJuly(index: number): boolean {
  return STEPS[index][1] === 7;
}
