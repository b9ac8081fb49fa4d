/**
 * Questions answered from a leap-second table (TAI − UTC steps): the offset
 * at an instant, the leap second (if any) at the end of a day or month, and
 * the NTP leap indicator to announce. Pure functions of the table, which the
 * caller passes in: the built-in one ({@linkcode LEAP_SECONDS}) or one read
 * from a `leap-seconds.list` file.
 *
 * A table lists, in time order, the first Unix second (00:00:00 UTC, the 1st
 * of a month in every real table) from which each TAI − UTC value holds. The first entry is
 * where the table starts (1972-01-01, 10 s); every later entry differs from
 * the one before by +1 (a second inserted as 23:59:60 on the last day of the
 * day before) or −1 (a second deleted: that day ends at 23:59:58).
 *
 * @module
 */

import { civilFromDays, daysFromCivil, SECONDS_PER_DAY } from "./_format_calendar.ts";
import { LEAP_SECONDS } from "./_format_leap_seconds.ts";
import type { Instant } from "./instant.ts";

export { LEAP_SECONDS };

/** One step of TAI − UTC. */
export interface LeapSecond {
  /** First Unix second (00:00:00 UTC, in practice on the 1st of a month) with the new offset. */
  readonly unixSeconds: number;
  /** TAI − UTC in whole seconds from then on. */
  readonly taiMinusUtc: number;
}

/** NTP's leap indicator for a pending leap second: 0 none, 1 insert, 2 delete. */
export type LeapAnnouncement = 0 | 1 | 2;

/**
 * TAI − UTC at a Unix second: the offset of the last entry at or before it;
 * before the first entry, the first entry's offset (UTC's pre-1972 rubber
 * seconds have no whole-second offset; TAI64 tools use 10 s).
 *
 * @param seconds Unix seconds.
 * @param table The leap-second table, in time order, not empty; the built-in one by default.
 * @returns TAI − UTC in whole seconds.
 *
 * @example Usage
 * ```ts
 * import { taiMinusUtc } from "./leap_table.ts";
 * const table = [{ unixSeconds: 0, taiMinusUtc: 10 }, { unixSeconds: 86_400, taiMinusUtc: 11 }];
 * if (taiMinusUtc(86_399, table) !== 10 || taiMinusUtc(86_400, table) !== 11) throw new Error();
 * ```
 */
export function taiMinusUtc(
  seconds: number,
  table: readonly LeapSecond[] = LEAP_SECONDS,
): number {
  // Most instants are after the last entry: search from the end.
  for (let i = table.length - 1; i >= 0; i--) {
    if (seconds >= table[i].unixSeconds) return table[i].taiMinusUtc;
  }
  return table[0].taiMinusUtc;
}

/**
 * The leap second at a table entry: +1 inserted, −1 deleted, 0 for the first
 * entry (the table's start, not a leap).
 *
 * @param table The leap-second table.
 * @param index An index into it.
 * @returns The change of TAI − UTC at that entry.
 *
 * @example Usage
 * ```ts
 * import { leapAt } from "./leap_table.ts";
 * const table = [{ unixSeconds: 0, taiMinusUtc: 10 }, { unixSeconds: 86_400, taiMinusUtc: 9 }];
 * if (leapAt(table, 0) !== 0 || leapAt(table, 1) !== -1) throw new Error();
 * ```
 */
export function leapAt(table: readonly LeapSecond[], index: number): number {
  return index === 0 ? 0 : table[index].taiMinusUtc - table[index - 1].taiMinusUtc;
}

/**
 * The leap second that ends the UTC day containing a Unix second: the entry
 * at the next midnight, if the table has one there.
 *
 * @param seconds Unix seconds.
 * @param table The leap-second table.
 * @returns +1 (the day ends at 23:59:60), −1 (it ends at 23:59:58) or 0.
 *
 * @example Usage
 * ```ts
 * import { leapEndingDay, LEAP_SECONDS } from "./leap_table.ts";
 * // 2016-12-31 ended with a leap second; 2016-12-30 did not.
 * if (leapEndingDay(1_483_142_400, LEAP_SECONDS) !== 1) throw new Error("2016-12-31");
 * if (leapEndingDay(1_483_142_399, LEAP_SECONDS) !== 0) throw new Error("2016-12-30");
 * ```
 */
export function leapEndingDay(seconds: number, table: readonly LeapSecond[]): number {
  const midnight = (Math.floor(seconds / SECONDS_PER_DAY) + 1) * SECONDS_PER_DAY;
  for (let i = table.length - 1; i > 0; i--) {
    const at = table[i].unixSeconds;
    if (at === midnight) return leapAt(table, i);
    if (at < midnight) return 0;
  }
  return 0;
}

/**
 * Whether a positive leap second is inserted at the end of the UTC month
 * containing a Unix second (the NIST daytime `L` flag): from the 1st of the
 * month of the leap's last day until the leap. The table knows the months it
 * lists: past ones, and an announced one when read from a current
 * `leap-seconds.list`.
 *
 * @param seconds Unix seconds.
 * @param table The leap-second table; the built-in one by default.
 * @returns `true` in the month that ends with an inserted second.
 *
 * @example Usage
 * ```ts
 * import { LEAP_SECONDS, leapSecondEndsMonth } from "./leap_table.ts";
 * // 2016-12-01T00:00:00Z: December 2016 ended with 23:59:60.
 * if (!leapSecondEndsMonth(1_480_550_400, LEAP_SECONDS)) throw new Error();
 * ```
 */
export function leapSecondEndsMonth(
  seconds: number,
  table: readonly LeapSecond[] = LEAP_SECONDS,
): boolean {
  for (let i = table.length - 1; i > 0; i--) {
    const step = table[i].unixSeconds;
    if (seconds >= step) return false;
    if (leapAt(table, i) <= 0) continue;
    // The month before the step: the month of the day before the step.
    const { year, month } = civilFromDays(step / SECONDS_PER_DAY - 1);
    if (seconds >= daysFromCivil(year, month, 1) * SECONDS_PER_DAY) return true;
  }
  return false;
}

/**
 * The leap indicator a server announces at an instant from the table alone:
 * 1 (insert) or 2 (delete) from 00:00:00 UTC of the last day before a leap
 * second until the leap itself (the next midnight), 0 otherwise. NTP
 * clients arm their kernel from it; RFC 5905 only says the indicator warns
 * of a leap at the end of the current day, so the last day is when it is
 * sent, as ntpd's server does from its leap file.
 *
 * @param instant The instant (Unix seconds; the kernel's repeated 23:59:59
 *   is still before the leap, so still announced).
 * @param table The leap-second table.
 * @returns 0, 1 or 2.
 *
 * @example Usage
 * ```ts
 * import { leapIndicatorAt, LEAP_SECONDS } from "./leap_table.ts";
 * // 2016-12-31T00:00:00Z to 23:59:59Z announce the insertion; 2017-01-01 does not.
 * if (leapIndicatorAt({ seconds: 1_483_142_400, nanos: 0 }, LEAP_SECONDS) !== 1) throw new Error();
 * if (leapIndicatorAt({ seconds: 1_483_228_800, nanos: 0 }, LEAP_SECONDS) !== 0) throw new Error();
 * ```
 */
export function leapIndicatorAt(instant: Instant, table: readonly LeapSecond[]): LeapAnnouncement {
  const leap = leapEndingDay(instant.seconds, table);
  return leap > 0 ? 1 : leap < 0 ? 2 : 0;
}
