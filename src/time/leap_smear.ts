/**
 * Google's public leap smear: instead of a repeated (or skipped) second,
 * the clock runs slower (or faster) for 24 hours, noon to noon UTC around
 * the leap, linearly, so it is 0.5 s behind (ahead) at the leap and back on
 * UTC at the end. An inserted second makes the window 86,401 SI seconds
 * long and the smeared clock covers 86,400 in it: each smeared second is
 * 1 + 1/86,400 s long, 11.574 ppm slow (https://developers.google.com/time/smear).
 *
 * Smeared time is not UTC, so it is only for a listener that says so (and
 * clients must not mix smeared and unsmeared servers). An NTP answer on it
 * announces no leap second: the leap indicator is 0 (3 stays 3, since that
 * says the clock is unsynchronised, not that a leap is coming).
 *
 * Inputs are what the host clock shows (POSIX time, with the kernel's
 * repeated 23:59:59); the second copy must be flagged, see `leap_reading.ts`.
 *
 * @module
 */

import type { Clock } from "./clock.ts";
import { type Instant, NANOS_PER_SECOND } from "./instant.ts";
import type { KernelClock } from "./kernel_clock.ts";
import { nearInsertion, readLeapAware } from "./leap_reading.ts";
import { leapAt, type LeapSecond } from "./leap_table.ts";
import { NtpLeap } from "../protocols/ntp/constants.ts";
import type { NtpServerState } from "../protocols/ntp/server_state.ts";

/** The smear window: 24 hours, from noon UTC before the leap to noon UTC after. */
export const SMEAR_WINDOW_SECONDS = 86_400;

/** Options of {@linkcode smearOffsetNanos} and {@linkcode smearedInstant}. */
export interface SmearOptions {
  /**
   * True when the instant is the second copy of 23:59:59 (23:59:60 UTC,
   * the kernel's TIME_OOP). Without it the second copy smears like the
   * first, and the smeared clock steps back by about a second once.
   *
   * @default {false}
   */
  insertedLeapSecond?: boolean;
}

/**
 * Smeared time minus the clock's time at an instant, in nanoseconds: 0
 * outside the 24 hours around a leap in the table; around an insertion,
 * from 0 down to −0.499994 s just before the leap, +0.499994 s after it (the
 * clock stepped back a second, the smear did not), back to 0; the mirror
 * image around a deletion.
 *
 * Exact: the smeared time is floor(elapsed · 86400 / (86400 ± 1)) ns from
 * the window's start, computed without overflow (see the source).
 *
 * @param instant The clock's instant (POSIX time).
 * @param table The leap-second table in force.
 * @param options Whether the instant is the inserted second.
 * @returns The offset in nanoseconds, |offset| < 1e9.
 *
 * @example Usage
 * ```ts
 * import { smearOffsetNanos } from "./leap_smear.ts";
 * import { LEAP_SECONDS } from "./leap_table.ts";
 * // 2016-12-31T18:00:00Z, six hours into the smear of 2016's leap second.
 * const offset = smearOffsetNanos({ seconds: 1_483_207_200, nanos: 0 }, LEAP_SECONDS);
 * if (offset !== -249_997_107) throw new Error(String(offset));
 * ```
 */
export function smearOffsetNanos(
  instant: Instant,
  table: readonly LeapSecond[],
  options: SmearOptions = {},
): number {
  const half = SMEAR_WINDOW_SECONDS / 2;
  for (let i = table.length - 1; i > 0; i--) {
    const leapAtSecond = table[i].unixSeconds;
    if (instant.seconds >= leapAtSecond + half) return 0;
    const start = leapAtSecond - half;
    if (instant.seconds < start) continue;
    const leap = leapAt(table, i);
    // Seconds really elapsed since the window opened, beyond what the clock shows.
    let extra = instant.seconds >= leapAtSecond ? leap : 0;
    if (leap > 0 && options.insertedLeapSecond === true && instant.seconds === leapAtSecond - 1) {
      extra = 1;
    }
    const shown = (instant.seconds - start) * NANOS_PER_SECOND + instant.nanos;
    const elapsed = shown + extra * NANOS_PER_SECOND;
    // smeared = floor(elapsed · 86400 / (86400 + leap)) = elapsed − ceil(elapsed / 86401)
    // for an insertion, elapsed + floor(elapsed / 86399) for a deletion. elapsed < 2^53 is
    // exact, and a non-integer quotient (< 1e9) is at least 1/86401 from an integer, far
    // beyond a double's rounding there, so ceil and floor see the exact quotient.
    const window = SMEAR_WINDOW_SECONDS + leap;
    const correction = leap > 0 ? -Math.ceil(elapsed / window) : Math.floor(elapsed / window);
    return extra * NANOS_PER_SECOND + correction;
  }
  return 0;
}

/**
 * The smeared instant: the clock's instant plus {@linkcode smearOffsetNanos}.
 *
 * @param instant The clock's instant (POSIX time).
 * @param table The leap-second table in force.
 * @param options Whether the instant is the inserted second.
 * @returns The smeared instant.
 *
 * @example Usage
 * ```ts
 * import { smearedInstant } from "./leap_smear.ts";
 * import { LEAP_SECONDS } from "./leap_table.ts";
 * // Halfway through 2016's inserted second, the smeared clock reads midnight.
 * const midnight = smearedInstant(
 *   { seconds: 1_483_228_799, nanos: 500_000_000 },
 *   LEAP_SECONDS,
 *   { insertedLeapSecond: true },
 * );
 * if (midnight.seconds !== 1_483_228_800 || midnight.nanos !== 0) throw new Error();
 * ```
 */
export function smearedInstant(
  instant: Instant,
  table: readonly LeapSecond[],
  options: SmearOptions = {},
): Instant {
  const offset = smearOffsetNanos(instant, table, options);
  if (offset === 0) return instant;
  const nanos = instant.nanos + offset;
  const carry = Math.floor(nanos / NANOS_PER_SECOND);
  return { seconds: instant.seconds + carry, nanos: nanos - carry * NANOS_PER_SECOND };
}

/**
 * A clock that reads smeared time, for the smear listener's timestamps.
 * Near an insertion it asks the kernel which copy of 23:59:59 it is in
 * (see `leap_reading.ts`), so the smeared time never steps back; without a
 * kernel it does, by about a second, once.
 *
 * Kernel receive timestamps (SO_TIMESTAMPNS) and transmit times read by the
 * engine bypass this clock: pass them through {@linkcode smearedStamps}.
 *
 * @param clock The host clock.
 * @param leaps The table in force (a `LeapSeconds`), read on every call.
 * @param kernel The kernel clock, or null.
 * @returns The smeared clock; its monotonic reading is the host clock's.
 *
 * @example Usage
 * ```ts
 * import { smearedClock } from "./leap_smear.ts";
 * import { fixedClock } from "./clock.ts";
 * import { LeapSeconds } from "./leap_seconds.ts";
 * const clock = smearedClock(fixedClock({ seconds: 1_483_207_200, nanos: 0 }), new LeapSeconds());
 * if (clock.now().nanos !== 750_002_893) throw new Error();
 * ```
 */
export function smearedClock(
  clock: Clock,
  leaps: { readonly entries: readonly LeapSecond[] },
  kernel: KernelClock | null = null,
): Clock {
  const now = (): Instant => {
    const table = leaps.entries;
    const reading = readLeapAware(clock, table, kernel);
    return smearedInstant(reading.instant, table, reading);
  };
  // The smeared second is not the clock's: seconds() reads it in full.
  return { now, seconds: () => now().seconds, monotonicNanos: () => clock.monotonicNanos() };
}

/**
 * Smears instants the engine read without this clock: the kernel's receive
 * stamps and the transmit time read just before an answer leaves. Away from
 * an insertion that is {@linkcode smearedInstant}. Within a second of one, a
 * stamp showing 23:59:59 cannot say which copy it is, and taking the wrong one
 * would put the smeared time a second back; there the smeared clock is read
 * instead, leap-aware, microseconds after the stamp was taken.
 *
 * @param smeared The smear listener's clock ({@linkcode smearedClock}).
 * @param leaps The table in force (a `LeapSeconds`), read on every call.
 * @returns The smearing of one stamp.
 *
 * @example Usage
 * ```ts
 * import { smearedClock, smearedStamps } from "./leap_smear.ts";
 * import { fixedClock } from "./clock.ts";
 * import { LeapSeconds } from "./leap_seconds.ts";
 * const leaps = new LeapSeconds();
 * const smear = smearedStamps(smearedClock(fixedClock({ seconds: 0, nanos: 0 }), leaps), leaps);
 * const stamp = { seconds: 1_700_000_000, nanos: 5 }; // no leap near: unchanged
 * if (smear(stamp).nanos !== 5) throw new Error();
 * ```
 */
export function smearedStamps(
  smeared: Clock,
  leaps: { readonly entries: readonly LeapSecond[] },
): (stamp: Instant) => Instant {
  return (stamp) => {
    const table = leaps.entries;
    return nearInsertion(stamp.seconds, table) ? smeared.now() : smearedInstant(stamp, table);
  };
}

/**
 * The server state a smear listener answers with: no leap announced (LI 0,
 * unless 3 for unsynchronised) and the reference time smeared.
 *
 * @param state The state the unsmeared listener answers with.
 * @param table The leap-second table in force.
 * @returns The smeared listener's state.
 *
 * @example Usage
 * ```ts
 * import { smearedNtpState } from "./leap_smear.ts";
 * import { LEAP_SECONDS } from "./leap_table.ts";
 * const state = smearedNtpState({
 *   leap: 1, stratum: 2, referenceId: 0, precision: -20, rootDelay: 0, rootDispersion: 0,
 *   referenceTime: null,
 * }, LEAP_SECONDS);
 * if (state.leap !== 0) throw new Error();
 * ```
 */
export function smearedNtpState(
  state: NtpServerState,
  table: readonly LeapSecond[],
): NtpServerState {
  return {
    ...state,
    leap: state.leap === NtpLeap.UNSYNCHRONISED ? NtpLeap.UNSYNCHRONISED : NtpLeap.NONE,
    referenceTime: state.referenceTime === null ? null : smearedInstant(state.referenceTime, table),
  };
}

/**
 * A clock status for the smear listener: the {@linkcode smearedNtpState}
 * of another status (a `ClockStatus`), recomputed only when that state or
 * the table changes, so an `NtpService` re-encodes its header as rarely.
 *
 * @example Usage
 * ```ts
 * import { SmearedClockStatus } from "./leap_smear.ts";
 * import { ClockStatus } from "./clock_status.ts";
 * import { systemClock } from "./clock.ts";
 * import { LeapSeconds } from "./leap_seconds.ts";
 * const status = new ClockStatus({ sync: "always", stratum: 2, referenceId: "GPS", clock: systemClock });
 * const smeared = new SmearedClockStatus(status, new LeapSeconds());
 * if (smeared.ntpState.leap !== 0 || smeared.ntpState !== smeared.ntpState) throw new Error();
 * ```
 */
export class SmearedClockStatus {
  readonly #source: { readonly ntpState: NtpServerState };
  readonly #leaps: { readonly entries: readonly LeapSecond[] };
  #from: NtpServerState | null = null;
  #table: readonly LeapSecond[] | null = null;
  #state: NtpServerState | null = null;

  /**
   * @param source The unsmeared status (a `ClockStatus`, refreshed by its owner).
   * @param leaps The table in force (a `LeapSeconds`).
   */
  constructor(
    source: { readonly ntpState: NtpServerState },
    leaps: { readonly entries: readonly LeapSecond[] },
  ) {
    this.#source = source;
    this.#leaps = leaps;
  }

  /** What the smear listener's answers claim now. */
  get ntpState(): NtpServerState {
    const from = this.#source.ntpState;
    const table = this.#leaps.entries;
    if (this.#state === null || from !== this.#from || table !== this.#table) {
      this.#from = from;
      this.#table = table;
      this.#state = smearedNtpState(from, table);
    }
    return this.#state;
  }
}
