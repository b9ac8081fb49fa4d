/**
 * The built-in leap-second table: TAI − UTC since 1972, from IERS Bulletin C
 * (the same entries as the IETF/IERS `leap-seconds.list`). clockd uses it
 * when no valid `leap-seconds.list` is loaded (see `leap_seconds.ts`); the
 * lookups on any table live in `leap_table.ts`.
 *
 * @module
 */

import { daysFromCivil, SECONDS_PER_DAY } from "./_format_calendar.ts";
import type { LeapSecond } from "./leap_table.ts";

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
 * The `#$` (last update) of the `leap-seconds.list` the built-in table was
 * last checked against, in Unix seconds: 2025-07-07T00:00:00Z (IERS
 * Bulletin C 70, no leap second at the end of 2025-12).
 */
export const BUILT_IN_LEAP_SECONDS_UPDATED = 1_751_846_400;

/**
 * The `#@` (expiry) of that file, in Unix seconds: 2026-06-28T00:00:00Z.
 * After it the built-in table cannot rule out an announced leap second.
 */
export const BUILT_IN_LEAP_SECONDS_EXPIRES = 1_782_604_800;
