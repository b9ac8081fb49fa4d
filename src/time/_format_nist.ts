/**
 * Private writer of the NIST Internet Time Service daytime layout, always in
 * UTC, re-exported by `formats.ts`.
 *
 * @module
 */

import { clockTime, pad2 } from "./_format_calendar.ts";
import { MJD_UNIX_EPOCH } from "./_format_counts.ts";
import { type RenderContext, wallTime } from "./_format_fields.ts";
import { nistDstCode } from "./_format_us_dst.ts";
import type { Instant } from "./instant.ts";
import { leapSecondEndsMonth } from "./leap_table.ts";
import { UTC } from "./zone.ts";

/** NIST's msADV field, `%5.1f` milliseconds: clockd advances nothing. */
const NIST_ADVANCE = "  0.0";

/**
 * The NIST Internet Time Service daytime layout,
 * `JJJJJ YR-MO-DA HH:MM:SS TT L H msADV UTC(NIST) OTM`, always in UTC:
 *
 * - `JJJJJ`: the Modified Julian Date (day number).
 * - `TT`: the US DST code as NIST documents it: `00` standard time, `50`
 *   DST; in the month of a change it counts down daily at 00:00 UTC to `51`
 *   (spring) or `01` (fall) on the day of the change. (NIST's servers have
 *   been seen counting down already in the month before; clockd follows
 *   the documentation.)
 * - `L`: `1` in a month that ends with a positive leap second (from the
 *   leap-second table in force: past months, and an announced one when the
 *   table comes from a current `leap-seconds.list`), else `0`. `H`
 *   (health): `0`.
 * - `msADV`: `  0.0`, NIST's `%5.1f`: clockd does not advance its answers.
 *
 * Deliberate deviation: this is not NIST's time, so the label is
 * `UTC(clockd)` where NIST writes `UTC(NIST)`; the on-time marker is `*`.
 *
 * @param instant The instant.
 * @param context The leap-second table (default: the built-in one) and
 *   whether the instant is the inserted leap second (written `23:59:60`).
 * @returns The line, e.g. `61365 26-11-21 09:54:05 00 0 0   0.0 UTC(clockd) *`.
 *
 * @example Usage
 * ```ts
 * import { nistDaytime } from "./_format_nist.ts";
 * const line = nistDaytime({ seconds: 0, nanos: 0 });
 * if (line !== "40587 70-01-01 00:00:00 00 0 0   0.0 UTC(clockd) *") throw new Error(line);
 * ```
 */
export function nistDaytime(instant: Instant, context: RenderContext = {}): string {
  const t = wallTime(instant, UTC, context);
  const mjd = t.days + MJD_UNIX_EPOCH;
  const leap = leapSecondEndsMonth(instant.seconds, context.leapSeconds) ? "1" : "0";
  return String(mjd).padStart(5, "0") + " " + pad2(Math.abs(t.year) % 100) + "-" +
    pad2(t.month) + "-" + pad2(t.day) + " " + clockTime(t) + " " +
    pad2(nistDstCode(instant.seconds)) + " " + leap + " 0 " + NIST_ADVANCE + " UTC(clockd) *";
}
