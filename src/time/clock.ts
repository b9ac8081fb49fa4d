/**
 * The clock source: the host's real-time clock at its full resolution, and a
 * monotonic reading since start (for Go's `m=` field). Everything that needs
 * "now" receives a {@linkcode Clock}, so tests inject fixed instants.
 *
 * @module
 */

import { type Instant, instantFromEpochNanoseconds } from "./instant.ts";

/** A source of instants. */
export interface Clock {
  /** The current real-time (CLOCK_REALTIME) instant, at the clock's full resolution. */
  now(): Instant;
  /**
   * The current Unix second: what `now().seconds` would be, for a caller
   * that needs no more (an answer cached for the second). Cheaper to read.
   */
  seconds(): number;
  /** Nanoseconds elapsed on a monotonic clock since the clock was made. */
  monotonicNanos(): number;
}

/**
 * The host clock: `Temporal.Now.instant()` reads CLOCK_REALTIME with
 * nanosecond units (about 1 µs resolution on Linux), so it never drifts from
 * the wall clock the way `performance.timeOrigin + performance.now()` does.
 *
 * @example Usage
 * ```ts
 * import { systemClock } from "./clock.ts";
 * const { seconds } = systemClock.now();
 * if (Math.abs(seconds - Date.now() / 1000) > 2) throw new Error("clock");
 * ```
 */
export const systemClock: Clock = {
  now(): Instant {
    return instantFromEpochNanoseconds(Temporal.Now.instant().epochNanoseconds);
  },
  /** `Date.now()` reads the same clock, in whole milliseconds, allocating nothing. */
  seconds(): number {
    return Math.floor(Date.now() / 1000);
  },
  monotonicNanos(): number {
    return Math.round(performance.now() * 1_000_000);
  },
};

/**
 * The system clock with its monotonic count started at `originMs`, a
 * `performance.timeOrigin` of this process (the primary isolate's): every
 * isolate of the process then counts from the same start, so `go`'s `m=`
 * does not jump between connections served by different workers.
 *
 * @param originMs The start, in milliseconds since the Unix epoch.
 * @returns The clock.
 *
 * @example Usage
 * ```ts
 * import { processClock } from "./clock.ts";
 * const clock = processClock(performance.timeOrigin - 1000);
 * if (clock.monotonicNanos() < 1e9) throw new Error("counts from a second ago");
 * ```
 */
export function processClock(originMs: number): Clock {
  const offsetMs = performance.timeOrigin - originMs;
  return {
    now: systemClock.now,
    seconds: systemClock.seconds,
    monotonicNanos: () => Math.round((offsetMs + performance.now()) * 1_000_000),
  };
}

/**
 * A clock stopped at one instant, for tests.
 *
 * @param instant The instant `now()` returns.
 * @param monotonicNanos What `monotonicNanos()` returns.
 * @returns The clock.
 */
export function fixedClock(instant: Instant, monotonicNanos = 0): Clock {
  return {
    now: () => instant,
    seconds: () => instant.seconds,
    monotonicNanos: () => monotonicNanos,
  };
}

/**
 * Measures the clock's resolution: the smallest non-zero step seen between
 * successive readings, in seconds. NTP's precision field is its log2.
 *
 * @param clock The clock to measure.
 * @param samples How many successive readings to take.
 * @returns The smallest step, in seconds.
 */
export function measureResolution(clock: Clock, samples = 2000): number {
  let smallest = Infinity;
  let previous = clock.now();
  for (let i = 0; i < samples; i++) {
    const next = clock.now();
    const step = (next.seconds - previous.seconds) * 1e9 + (next.nanos - previous.nanos);
    if (step > 0 && step < smallest) smallest = step;
    previous = next;
  }
  return Number.isFinite(smallest) ? smallest / 1e9 : 1;
}
