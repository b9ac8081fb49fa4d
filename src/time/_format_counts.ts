/**
 * Private number writers for the zone-less formats: Unix counts at any
 * scale, Modified and plain Julian Dates, NTP timestamps and TAI64N labels.
 * Every one is exact: whole seconds and nanoseconds are written side by
 * side or scaled in integers, never through a float of the whole instant.
 *
 * @module
 */

import { NTP_ERA_SECONDS, NTP_UNIX_EPOCH_OFFSET } from "../protocols/ntp/constants.ts";
import { SECONDS_PER_DAY } from "./_format_calendar.ts";
import { inLeapSecond, type RenderContext } from "./_format_fields.ts";
import type { Instant } from "./instant.ts";
import { taiMinusUtc } from "./leap_table.ts";

/** Days from the Modified Julian Date epoch (1858-11-17) to the Unix epoch. */
export const MJD_UNIX_EPOCH = 40_587;
/** Julian Day Number of 1970-01-01 (its Julian Date is 2440587.5). */
const JDN_UNIX_EPOCH = 2_440_587;
/** 2^32: the split of a TAI64 label's seconds into two hex words. */
const TWO_TO_32 = 4_294_967_296;
/** The TAI64 label of the TAI second 1970-01-01 00:00:00 is 2^62: its upper 32 bits. */
const TAI64_HIGH_BIAS = 0x4000_0000;
/** Decimal places of `mjd` and `jd`. */
const DAY_FRACTION_DIGITS = 8;
/** Nanoseconds in 1e-8 day, the last place of `mjd` and `jd`. */
export const NANOS_PER_DAY_UNIT = 864_000;

/**
 * floor((seconds·10^9 + nanos) / 10^(9 − digits)) in decimal, exact for any
 * safe-integer `seconds`: the whole seconds and the scaled fraction are
 * written side by side instead of multiplied out.
 *
 * @param instant The instant.
 * @param digits Decimal places of a second counted: 0 (seconds) to 9 (nanoseconds).
 * @returns The count.
 *
 * @example Usage
 * ```ts
 * import { scaledCount } from "./_format_counts.ts";
 * if (scaledCount({ seconds: -2, nanos: 500_000_000 }, 3) !== "-1500") throw new Error();
 * ```
 */
export function scaledCount(instant: Instant, digits: number): string {
  const scale = 10 ** (9 - digits);
  const fraction = Math.floor(instant.nanos / scale);
  const { seconds } = instant;
  if (seconds >= 0) {
    return seconds === 0 ? String(fraction) : seconds + String(fraction).padStart(digits, "0");
  }
  if (fraction === 0) return seconds + "0".repeat(digits);
  // seconds + fraction/10^digits = -((|seconds| - 1) + (10^digits - fraction)/10^digits)
  const whole = -seconds - 1;
  const rest = 10 ** digits - fraction;
  return "-" + (whole === 0 ? String(rest) : whole + String(rest).padStart(digits, "0"));
}

/**
 * A day count plus a fraction of a day, in units of 1e-8 day, as a decimal
 * with eight places: the value floored to the last place.
 */
function decimalDays(day: number, units: number): string {
  if (day >= 0 || units === 0) {
    return day + "." + String(units).padStart(DAY_FRACTION_DIGITS, "0");
  }
  const rest = 10 ** DAY_FRACTION_DIGITS - units;
  return "-" + (-day - 1) + "." + String(rest).padStart(DAY_FRACTION_DIGITS, "0");
}

/**
 * A time of day (seconds and nanoseconds into the day) in 1e-8 day units,
 * floored. Numerator < 8.64e13 and quotient < 1e8 are exact in a double, and
 * a non-integer quotient is at least 1/864000 from the next integer, far
 * beyond rounding.
 */
function dayUnits(secondOfDay: number, nanos: number): number {
  return Math.floor((secondOfDay * 1e9 + nanos) / NANOS_PER_DAY_UNIT);
}

/**
 * The Modified Julian Date (days since 1858-11-17 00:00 UTC) with eight
 * decimals, floored.
 *
 * @param instant The instant.
 * @returns The date, e.g. `40587.00000000` for the Unix epoch.
 *
 * @example Usage
 * ```ts
 * import { modifiedJulianDate } from "./_format_counts.ts";
 * if (modifiedJulianDate({ seconds: 0, nanos: 0 }) !== "40587.00000000") throw new Error();
 * ```
 */
export function modifiedJulianDate(instant: Instant): string {
  const days = Math.floor(instant.seconds / SECONDS_PER_DAY);
  const units = dayUnits(instant.seconds - days * SECONDS_PER_DAY, instant.nanos);
  return decimalDays(days + MJD_UNIX_EPOCH, units);
}

/**
 * The Julian Date (days since noon UTC, 4713 BC, proleptic Julian calendar)
 * with eight decimals, floored.
 *
 * @param instant The instant.
 * @returns The date, e.g. `2440587.50000000` for the Unix epoch.
 *
 * @example Usage
 * ```ts
 * import { julianDate } from "./_format_counts.ts";
 * if (julianDate({ seconds: 0, nanos: 0 }) !== "2440587.50000000") throw new Error();
 * ```
 */
export function julianDate(instant: Instant): string {
  // Julian days start at noon UTC.
  const fromNoon = instant.seconds + SECONDS_PER_DAY / 2;
  const days = Math.floor(fromNoon / SECONDS_PER_DAY);
  const units = dayUnits(fromNoon - days * SECONDS_PER_DAY, instant.nanos);
  return decimalDays(days + JDN_UNIX_EPOCH, units);
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, "0");
}

/** floor(nanos · 2^32 / 10^9), exactly: 2^32/10^9 = 2^23/1953125, and nanos · 2^23 < 2^53. */
function ntpFraction(nanos: number): number {
  const numerator = nanos * 8_388_608;
  let quotient = Math.floor(numerator / 1_953_125);
  if (quotient * 1_953_125 > numerator) quotient--;
  return quotient;
}

/**
 * The NTP timestamp as `ntpq` prints it: era seconds (mod 2^32) and the
 * 32-bit fraction, in hex.
 *
 * @param instant The instant.
 * @returns The timestamp, e.g. `83aa7e80.00000000` for the Unix epoch.
 *
 * @example Usage
 * ```ts
 * import { ntpTimestamp } from "./_format_counts.ts";
 * if (ntpTimestamp({ seconds: 0, nanos: 0 }) !== "83aa7e80.00000000") throw new Error();
 * ```
 */
export function ntpTimestamp(instant: Instant): string {
  const era = ((instant.seconds + NTP_UNIX_EPOCH_OFFSET) % NTP_ERA_SECONDS + NTP_ERA_SECONDS) %
    NTP_ERA_SECONDS;
  return hex8(era) + "." + hex8(ntpFraction(instant.nanos));
}

/**
 * The TAI64N label: `@`, then 2^62 + Unix seconds + TAI−UTC and the
 * nanoseconds, 24 hex digits in all. TAI counts the inserted leap second,
 * so its label is one more than the first 23:59:59's and one less than the
 * next midnight's.
 *
 * @param instant The instant.
 * @param context The leap-second table (default: the built-in one) and
 *   whether the instant is the second copy of 23:59:59 (23:59:60 UTC).
 * @returns The label.
 *
 * @example Usage
 * ```ts
 * import { tai64n } from "./_format_counts.ts";
 * if (tai64n({ seconds: 0, nanos: 0 }) !== "@400000000000000a00000000") throw new Error();
 * ```
 */
export function tai64n(instant: Instant, context: RenderContext = {}): string {
  const tai = instant.seconds + taiMinusUtc(instant.seconds, context.leapSeconds) +
    (inLeapSecond(instant, context) ? 1 : 0);
  const high = Math.floor(tai / TWO_TO_32);
  return "@" + hex8(TAI64_HIGH_BIAS + high) + hex8(tai - high * TWO_TO_32) + hex8(instant.nanos);
}
