/**
 * An instant on the UTC time line with nanosecond precision, and the few
 * conversions every other module shares.
 *
 * @module
 */

/** Nanoseconds in one second. */
export const NANOS_PER_SECOND = 1_000_000_000;

/**
 * An instant: whole Unix seconds (floored, so negative before 1970) plus the
 * nanoseconds into that second. Plain data, so it crosses worker boundaries.
 *
 * @example Usage
 * ```ts
 * import type { Instant } from "./instant.ts";
 * const epochPlusHalf: Instant = { seconds: 0, nanos: 500_000_000 };
 * ```
 */
export interface Instant {
  /** Whole seconds since 1970-01-01T00:00:00Z, rounded towards minus infinity. */
  readonly seconds: number;
  /** Nanoseconds into the second, 0 to 999,999,999. */
  readonly nanos: number;
}

/**
 * Builds an instant from nanoseconds since the Unix epoch.
 *
 * @param epochNanoseconds Nanoseconds since 1970-01-01T00:00:00Z.
 * @returns The instant.
 *
 * @example Usage
 * ```ts
 * import { instantFromEpochNanoseconds } from "./instant.ts";
 * const i = instantFromEpochNanoseconds(-1n);
 * if (i.seconds !== -1 || i.nanos !== 999_999_999) throw new Error("floor");
 * ```
 */
export function instantFromEpochNanoseconds(epochNanoseconds: bigint): Instant {
  const billion = 1_000_000_000n;
  let seconds = epochNanoseconds / billion;
  let nanos = epochNanoseconds % billion;
  if (nanos < 0n) {
    nanos += billion;
    seconds -= 1n;
  }
  return { seconds: Number(seconds), nanos: Number(nanos) };
}

/**
 * Nanoseconds since the Unix epoch of an instant.
 *
 * @param instant The instant.
 * @returns Its nanoseconds since 1970-01-01T00:00:00Z.
 */
export function epochNanoseconds(instant: Instant): bigint {
  return BigInt(instant.seconds) * 1_000_000_000n + BigInt(instant.nanos);
}
