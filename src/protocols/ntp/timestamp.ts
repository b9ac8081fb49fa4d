/**
 * Conversions between {@linkcode Instant} and NTP's two fixed-point formats
 * (RFC 5905 §6): the 64-bit timestamp (32-bit seconds since 1900 in the
 * current era, 32-bit fraction) and the 32-bit short format (16.16 seconds)
 * used for root delay and root dispersion.
 *
 * All arithmetic is exact: a nanosecond count times 2^23 and a fraction
 * times 5^9 both stay below 2^53, so no bigint is needed and an instant
 * survives the round trip through the wire format unchanged.
 *
 * @module
 */

import type { Instant } from "../../time/instant.ts";
import { NTP_ERA_SECONDS, NTP_UNIX_EPOCH_OFFSET } from "./constants.ts";

/** A raw 64-bit NTP timestamp as it appears on the wire: two unsigned 32-bit halves. */
export interface NtpTimestamp {
  /** Seconds since 1900-01-01T00:00:00Z modulo 2^32 (the era is not on the wire). */
  readonly seconds: number;
  /** Fraction of a second in units of 2^-32 s. */
  readonly fraction: number;
}

/** The all-zero timestamp, which RFC 5905 reserves for "unknown". */
export const NTP_ZERO_TIMESTAMP: NtpTimestamp = Object.freeze({ seconds: 0, fraction: 0 });

// 2^32 / 10^9 = 2^23 / 5^9: both products below stay under 2^53.
const TWO_POW_23 = 8_388_608;
const FIVE_POW_9 = 1_953_125;
const TWO_POW_31 = 2_147_483_648;
const SHORT_MAX_SECONDS = 0xffff_ffff / 65_536;

/**
 * Converts nanoseconds into a second to a 32-bit NTP fraction, rounded to
 * the nearest unit of 2^-32 s (no ties occur: 5^9 is odd).
 *
 * @param nanos Nanoseconds, 0 to 999,999,999.
 * @returns round(nanos · 2^32 / 10^9), at most 4,294,967,292.
 *
 * @example Usage
 * ```ts
 * import { nanosToNtpFraction } from "./timestamp.ts";
 * if (nanosToNtpFraction(500_000_000) !== 0x8000_0000) throw new Error("half");
 * ```
 */
export function nanosToNtpFraction(nanos: number): number {
  const scaled = nanos * TWO_POW_23;
  const quotient = Math.floor(scaled / FIVE_POW_9);
  const remainder = scaled - quotient * FIVE_POW_9;
  return 2 * remainder >= FIVE_POW_9 ? quotient + 1 : quotient;
}

/**
 * Converts a 32-bit NTP fraction to nanoseconds, rounded half up.
 *
 * @param fraction Fraction of a second in units of 2^-32 s.
 * @returns round(fraction · 10^9 / 2^32): 0 to 1,000,000,000 (the top
 *   five fractions round up to a whole second; callers carry it).
 */
export function ntpFractionToNanos(fraction: number): number {
  return Math.round((fraction * FIVE_POW_9) / TWO_POW_23);
}

/**
 * The 32-bit NTP seconds field for a Unix second: seconds since 1900 modulo
 * 2^32, so 2036-02-07T06:28:16Z (the start of era 1) is 0 again.
 *
 * @param unixSeconds Whole seconds since 1970-01-01T00:00:00Z (may be negative).
 * @returns The seconds field, 0 to 2^32 − 1.
 */
export function ntpSecondsOf(unixSeconds: number): number {
  const ntp = (unixSeconds + NTP_UNIX_EPOCH_OFFSET) % NTP_ERA_SECONDS;
  return ntp < 0 ? ntp + NTP_ERA_SECONDS : ntp;
}

/**
 * Converts an instant to a raw NTP timestamp.
 *
 * @param instant The instant.
 * @returns Its seconds field (era dropped) and fraction.
 *
 * @example Usage
 * ```ts
 * import { instantToNtpTimestamp } from "./timestamp.ts";
 * const t = instantToNtpTimestamp({ seconds: 0, nanos: 0 });
 * if (t.seconds !== 2_208_988_800 || t.fraction !== 0) throw new Error("1970");
 * ```
 */
export function instantToNtpTimestamp(instant: Instant): NtpTimestamp {
  return { seconds: ntpSecondsOf(instant.seconds), fraction: nanosToNtpFraction(instant.nanos) };
}

/**
 * Converts a raw NTP timestamp to an instant, choosing the era that puts
 * the result nearest the pivot (RFC 5905 §6: the era is implied by a
 * reference point known to be within 68 years). The choice is made on
 * whole seconds: the result's seconds lie in [pivot − 2^31, pivot + 2^31).
 *
 * @param seconds The 32-bit seconds field.
 * @param fraction The 32-bit fraction field.
 * @param pivot An instant near the expected result, usually "now".
 * @returns The instant.
 *
 * @example Usage
 * ```ts
 * import { ntpTimestampToInstant } from "./timestamp.ts";
 * // Seconds field 0 seen in 2036 means 2036-02-07T06:28:16Z, not 1900.
 * const i = ntpTimestampToInstant(0, 0, { seconds: 2_085_978_000, nanos: 0 });
 * if (i.seconds !== 2_085_978_496) throw new Error("era 1");
 * ```
 */
export function ntpTimestampToInstant(seconds: number, fraction: number, pivot: Instant): Instant {
  let difference = seconds - ntpSecondsOf(pivot.seconds);
  if (difference >= TWO_POW_31) difference -= NTP_ERA_SECONDS;
  else if (difference < -TWO_POW_31) difference += NTP_ERA_SECONDS;
  const nanos = ntpFractionToNanos(fraction);
  const unixSeconds = pivot.seconds + difference;
  return nanos === 1_000_000_000
    ? { seconds: unixSeconds + 1, nanos: 0 }
    : { seconds: unixSeconds, nanos };
}

/**
 * Writes an instant as a 64-bit NTP timestamp, big-endian, without allocating.
 *
 * @param view The view to write into.
 * @param offset Byte offset of the timestamp in the view.
 * @param instant The instant to write.
 */
export function writeNtpTimestamp(view: DataView, offset: number, instant: Instant): void {
  view.setUint32(offset, ntpSecondsOf(instant.seconds));
  view.setUint32(offset + 4, nanosToNtpFraction(instant.nanos));
}

/**
 * Reads a raw 64-bit NTP timestamp, big-endian.
 *
 * @param view The view to read from.
 * @param offset Byte offset of the timestamp in the view.
 * @returns The seconds and fraction fields, untouched.
 */
export function readNtpTimestamp(view: DataView, offset: number): NtpTimestamp {
  return { seconds: view.getUint32(offset), fraction: view.getUint32(offset + 4) };
}

/**
 * Whether a raw timestamp is the reserved zero value ("unknown").
 *
 * @param timestamp The raw timestamp.
 * @returns True when both halves are 0.
 */
export function isZeroNtpTimestamp(timestamp: NtpTimestamp): boolean {
  return timestamp.seconds === 0 && timestamp.fraction === 0;
}

/**
 * Converts seconds to the 16.16 short format, rounding up (as chrony does,
 * so a delay or dispersion is never understated) and clamping to the
 * format's range [0, 65535.99998].
 *
 * @param seconds Seconds; negative and NaN give 0.
 * @returns The unsigned 32-bit short-format value.
 *
 * @example Usage
 * ```ts
 * import { secondsToNtpShort } from "./timestamp.ts";
 * if (secondsToNtpShort(1.5) !== 0x0001_8000) throw new Error("1.5 s");
 * ```
 */
export function secondsToNtpShort(seconds: number): number {
  if (!(seconds > 0)) return 0;
  if (seconds >= SHORT_MAX_SECONDS) return 0xffff_ffff;
  return Math.ceil(seconds * 65_536);
}

/**
 * Converts a 16.16 short-format value to seconds.
 *
 * @param value The unsigned 32-bit short-format value.
 * @returns Seconds (exact: a float holds every 16.16 value).
 */
export function ntpShortToSeconds(value: number): number {
  return value / 65_536;
}
