/**
 * The clock offset and round-trip delay `clockd query` reports, and the
 * summary of several queries.
 *
 * For protocols that send one time (session, daytime, RFC 868 time) the
 * server read its clock somewhere between our send (t_send) and our
 * receipt (t_receive), and its answer is truncated to the format's
 * resolution, so the server's clock was within [T, T + resolution) when
 * read. The midpoint estimate assumes both: the reading was halfway
 * through the round trip and halfway through the resolution step:
 *
 *     offset = T + resolution/2 − (t_send + t_receive)/2
 *     delay  = t_receive − t_send
 *     error  = ± (delay/2 + resolution/2)
 *
 * The error bound holds whatever the path asymmetry: the true offset is
 * within it as long as the server's clock was read during the round trip.
 *
 * NTP's four timestamps give the offset and delay directly (RFC 5905 §8,
 * computed by {@linkcode parseNtpReply}); the bound is the same with the
 * server's precision (2^precision s) as the resolution.
 *
 * @module
 */

import { epochNanoseconds, type Instant } from "../time/instant.ts";
import type { NtpReply } from "../protocols/ntp/client.ts";

/** An offset estimate, in seconds. */
export interface Estimate {
  /** Server clock minus ours, seconds (positive: the server is ahead). */
  readonly offset: number;
  /** Round-trip delay, seconds. */
  readonly delay: number;
  /** Half-width of the interval the true offset lies in, seconds. */
  readonly error: number;
}

/**
 * The midpoint estimate from one timestamped answer. Exact integer
 * nanoseconds until the final division.
 *
 * @param server The instant the answer names (truncated to its resolution).
 * @param resolutionNanos The answer format's step, nanoseconds (1e9 for whole seconds).
 * @param sent When we sent the request (t_send).
 * @param received When the answer arrived (t_receive).
 * @returns Offset, delay and error bound.
 *
 * @example Usage
 * ```ts
 * import { midpointEstimate } from "./estimate.ts";
 * // Answer "10 s" at 1 s resolution, sent at 9.9 s, received at 10.1 s.
 * const e = midpointEstimate(
 *   { seconds: 10, nanos: 0 }, 1e9, { seconds: 9, nanos: 9e8 }, { seconds: 10, nanos: 1e8 },
 * );
 * if (e.offset !== 0.5 || Math.abs(e.delay - 0.2) > 1e-12 || Math.abs(e.error - 0.6) > 1e-12) {
 *   throw new Error(JSON.stringify(e));
 * }
 * ```
 */
export function midpointEstimate(
  server: Instant,
  resolutionNanos: number,
  sent: Instant,
  received: Instant,
): Estimate {
  const resolution = BigInt(Math.round(resolutionNanos));
  const twiceOffset = 2n * epochNanoseconds(server) + resolution -
    (epochNanoseconds(sent) + epochNanoseconds(received));
  const delayNanos = epochNanoseconds(received) - epochNanoseconds(sent);
  const delay = Number(delayNanos > 0n ? delayNanos : 0n) / 1e9;
  return {
    offset: Number(twiceOffset) / 2e9,
    delay,
    error: (Number(delayNanos > 0n ? delayNanos : 0n) + Number(resolution)) / 2e9,
  };
}

/**
 * The estimate from an NTP reply: its offset and delay, and the error
 * bound delay/2 + 2^precision/2 (a negative delay, possible when the
 * server's clock steps mid-exchange, counts as 0).
 *
 * @param reply The parsed reply.
 * @returns Offset, delay and error bound.
 *
 * @example Usage
 * ```ts
 * import { ntpEstimate } from "./estimate.ts";
 * import type { NtpReply } from "../protocols/ntp/client.ts";
 * const e = ntpEstimate({ offset: 0.25, delay: 0.002, precision: -20 } as NtpReply);
 * if (e.offset !== 0.25 || Math.abs(e.error - (0.001 + 2 ** -21)) > 1e-15) throw new Error();
 * ```
 */
export function ntpEstimate(reply: NtpReply): Estimate {
  const delay = Math.max(reply.delay, 0);
  return { offset: reply.offset, delay: reply.delay, error: delay / 2 + 2 ** reply.precision / 2 };
}

/** The least, median and greatest of some numbers. */
export interface Spread {
  /** The least. */
  readonly min: number;
  /** The median: the middle value, or the mean of the two middle values. */
  readonly median: number;
  /** The greatest. */
  readonly max: number;
}

/**
 * The least, median and greatest of some numbers.
 *
 * @param values The numbers (not modified).
 * @returns Their spread, or null when there are none.
 *
 * @example Usage
 * ```ts
 * import { spread } from "./estimate.ts";
 * const s = spread([3, 1, 4, 2]);
 * if (s?.min !== 1 || s.median !== 2.5 || s.max !== 4) throw new Error();
 * ```
 */
export function spread(values: readonly number[]): Spread | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  const median = sorted.length % 2 === 1
    ? sorted[middle]
    : (sorted[middle - 1] + sorted[middle]) / 2;
  return { min: sorted[0], median, max: sorted[sorted.length - 1] };
}
