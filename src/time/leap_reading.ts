/**
 * A clock reading that knows whether it falls in an inserted leap second.
 *
 * While Linux inserts a leap second, CLOCK_REALTIME shows 23:59:59 twice;
 * the second copy is 23:59:60 UTC, and only the kernel's clock state says
 * which copy a reading is in: `ntp_adjtime()` returns TIME_OOP with the
 * time of the second copy, both from one call. So within a second of an
 * insertion the leap-second table knows of, the reading is taken from the
 * kernel instead of the clock (one extra system call, for two seconds every
 * few years); everywhere else it is the clock's.
 *
 * What this cannot see: a leap the kernel was told of but the table was not
 * (an old or missing leap-seconds file), which then shows as 23:59:59 twice;
 * and a daemon that slews through the leap instead (chrony's `leapsecmode
 * slew`), where no second repeats and none is reported.
 *
 * @module
 */

import type { Clock } from "./clock.ts";
import type { Instant } from "./instant.ts";
import { insertedLeapSecond, type KernelClock } from "./kernel_clock.ts";
import { leapEndingDay, type LeapSecond } from "./leap_table.ts";
import { SECONDS_PER_DAY } from "./_format_calendar.ts";

/** An instant and whether it is the inserted leap second. */
export interface LeapAwareReading {
  /** The instant (during the leap second, the repeated 23:59:59). */
  readonly instant: Instant;
  /** True for the second copy of 23:59:59, that is 23:59:60 UTC. */
  readonly insertedLeapSecond: boolean;
}

/**
 * Whether a Unix second is within a second of an insertion in the table:
 * the last second of a day ending with one (23:59:59, shown twice), or the
 * midnight after it (which Linux may show until its next tick applies the leap).
 *
 * @param seconds Unix seconds.
 * @param table The leap-second table.
 * @returns `true` where the kernel must be asked.
 *
 * @example Usage
 * ```ts
 * import { nearInsertion } from "./leap_reading.ts";
 * import { LEAP_SECONDS } from "./leap_table.ts";
 * if (!nearInsertion(1_483_228_799, LEAP_SECONDS) || nearInsertion(1_483_228_798, LEAP_SECONDS)) {
 *   throw new Error();
 * }
 * ```
 */
export function nearInsertion(seconds: number, table: readonly LeapSecond[]): boolean {
  // Called per answer: the day's last second or the midnight after, before any table lookup.
  const inDay = ((seconds % SECONDS_PER_DAY) + SECONDS_PER_DAY) % SECONDS_PER_DAY;
  if (inDay === SECONDS_PER_DAY - 1) return leapEndingDay(seconds, table) > 0;
  if (inDay === 0) return leapEndingDay(seconds - 1, table) > 0;
  return false;
}

/**
 * Reads the time, from the kernel near an insertion the table knows of.
 *
 * @param clock The clock read everywhere else.
 * @param table The leap-second table in force.
 * @param kernel The kernel clock; without it no reading is a leap second.
 * @returns The instant and whether it is the inserted leap second.
 *
 * @example Usage
 * ```ts
 * import { readLeapAware } from "./leap_reading.ts";
 * import { fixedClock } from "./clock.ts";
 * import { LEAP_SECONDS } from "./leap_table.ts";
 * const reading = readLeapAware(fixedClock({ seconds: 0, nanos: 0 }), LEAP_SECONDS, null);
 * if (reading.insertedLeapSecond) throw new Error();
 * ```
 */
export function readLeapAware(
  clock: Clock,
  table: readonly LeapSecond[],
  kernel: KernelClock | null,
): LeapAwareReading {
  const instant = clock.now();
  if (kernel !== null && nearInsertion(instant.seconds, table)) {
    try {
      const status = kernel.read();
      return { instant: status.time, insertedLeapSecond: insertedLeapSecond(status) };
    } catch {
      // A closed or failing handle: fall back to the clock's reading.
    }
  }
  return { instant, insertedLeapSecond: false };
}
