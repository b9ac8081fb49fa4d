/**
 * The three fields every JSON answer of the HTTP API carries about the host
 * clock: `synchronised`, `error_bound_s` and `leap`.
 *
 * @module
 */

import type { NtpLeapIndicator } from "../ntp/constants.ts";

/**
 * What the HTTP API reads about the host clock; a {@linkcode ClockStatus}
 * (src/time/clock_status.ts) is one.
 */
export interface ClockView {
  /** What NTP answers claim now: the leap indicator (3 when unsynchronised) and the stratum. */
  readonly ntpState: { readonly leap: NtpLeapIndicator; readonly stratum: number };
  /** The kernel's maximum error bound in seconds, or null when unknown or unsynchronised. */
  readonly errorBoundSeconds: number | null;
}

/** The fields added to every JSON answer. */
export interface ClockFields {
  /** Whether the host clock is synchronised (the NTP leap indicator is not 3). */
  readonly synchronised: boolean;
  /** The kernel's maximum error bound, seconds; null when unsynchronised or not read. */
  readonly error_bound_s: number | null;
  /** A leap second pending at the end of the UTC day: `none`, `insert`, `delete`; null when unsynchronised. */
  readonly leap: "none" | "insert" | "delete" | null;
}

const LEAP_NAMES = ["none", "insert", "delete", null] as const;

/**
 * The clock fields of a clock view now.
 *
 * @param clock The clock status.
 * @returns `synchronised`, `error_bound_s`, `leap`.
 *
 * @example Usage
 * ```ts
 * import { clockFields } from "./clock_fields.ts";
 * const fields = clockFields({ ntpState: { leap: 1, stratum: 2 }, errorBoundSeconds: 0.0125 });
 * if (!fields.synchronised || fields.leap !== "insert" || fields.error_bound_s !== 0.0125) throw new Error();
 * ```
 */
export function clockFields(clock: ClockView): ClockFields {
  const leap = clock.ntpState.leap;
  return {
    synchronised: leap !== 3,
    error_bound_s: leap === 3 ? null : clock.errorBoundSeconds,
    leap: LEAP_NAMES[leap],
  };
}
