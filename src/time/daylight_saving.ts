/**
 * Daylight saving time as worldtimeapi reports it: whether a zone is on DST
 * at an instant, its standard ("raw") offset, the DST amount, and when the
 * DST period began and ends.
 *
 * ICU, behind `Temporal`, exposes offsets and the instants they change, not
 * the tz database's `isdst` flag, so DST is read from the offsets: a period
 * between two offset transitions is DST when its offset is greater than the
 * offsets both before and after it (the summer of a zone that springs
 * forward and falls back). Its DST amount is the excess over the larger of
 * the two, the raw offset the rest. This agrees with the tz database for
 * every zone that observes DST today, southern hemisphere and half-hour
 * amounts (Lord Howe) included. It differs where the tz database models
 * "negative DST" (Europe/Dublin's winter GMT, Africa/Casablanca's Ramadan
 * +00): there the summer or the usual offset reads as DST, as in the tz
 * database's "rearguard" form that ICU and most libraries follow. A period
 * with no transition after it (a permanent change of offset) is never DST.
 *
 * @module
 */

import type { Zone } from "./zone.ts";

/** A zone's daylight saving state at an instant. */
export interface DaylightSaving {
  /** Whether the instant is in a DST period. */
  readonly dst: boolean;
  /** The standard offset from UTC, seconds east: the offset less {@linkcode DaylightSaving.dstOffsetSeconds}. */
  readonly rawOffsetSeconds: number;
  /** What DST adds to the standard offset, seconds; 0 outside DST. */
  readonly dstOffsetSeconds: number;
  /** When the DST period began, Unix seconds; null outside DST. */
  readonly from: number | null;
  /** When the DST period ends, Unix seconds; null outside DST. */
  readonly until: number | null;
}

/** One offset period of a zone, as cached: [start, end) in Unix seconds. */
interface Period {
  readonly start: number;
  readonly end: number;
  readonly saving: DaylightSaving;
}

/** The last period looked up, per zone name (bounded by the number of zones). */
const periods = new Map<string, Period>();

const BILLION = 1_000_000_000n;
/** Instants Temporal accepts, less a day of margin. */
const MAX_SECONDS = 8.64e12 - 86_400;

/**
 * The daylight saving state of a zone at an instant. UTC and fixed offsets
 * never observe DST.
 *
 * @param zone The zone (its name is read as an IANA identifier or offset).
 * @param seconds Unix seconds.
 * @returns Whether DST is in force, the offsets, and the DST period's bounds.
 *
 * @example Usage
 * ```ts
 * import { daylightSavingAt } from "./daylight_saving.ts";
 * import { resolveZone } from "./zone.ts";
 * // 2024-07-01T00:00:00Z in Paris: CEST since 31 March 01:00 UTC, until 27 October 01:00 UTC.
 * const summer = daylightSavingAt(resolveZone("Europe/Paris"), 1_719_792_000);
 * if (!summer.dst || summer.rawOffsetSeconds !== 3600 || summer.dstOffsetSeconds !== 3600) {
 *   throw new Error("CEST");
 * }
 * if (summer.from !== 1_711_846_800 || summer.until !== 1_729_990_800) throw new Error("period");
 * ```
 */
export function daylightSavingAt(zone: Zone, seconds: number): DaylightSaving {
  const at = Math.min(Math.max(Math.floor(seconds), -MAX_SECONDS), MAX_SECONDS);
  const cached = periods.get(zone.name);
  if (cached !== undefined && at >= cached.start && at < cached.end) return cached.saving;
  const offset = zone.offsetAt(at).offsetSeconds;
  const none = {
    dst: false,
    rawOffsetSeconds: offset,
    dstOffsetSeconds: 0,
    from: null,
    until: null,
  };
  let zoned: Temporal.ZonedDateTime;
  try {
    zoned = Temporal.Instant.fromEpochMilliseconds(at * 1000).toZonedDateTimeISO(zone.name);
  } catch {
    return none; // not a name Temporal knows (none such resolves today): no DST
  }
  // "previous" is strictly before its receiver: ask from 1 ns later so a
  // transition exactly at `at` is found.
  const previous = zoned.add({ nanoseconds: 1 }).getTimeZoneTransition("previous");
  const next = zoned.getTimeZoneTransition("next");
  const start = previous === null ? -Infinity : Number(previous.epochNanoseconds / BILLION);
  const end = next === null ? Infinity : Number(next.epochNanoseconds / BILLION);
  let saving: DaylightSaving = none;
  if (previous !== null && next !== null) {
    const before = offsetSecondsAt(zone.name, previous.epochNanoseconds - 1n);
    const after = offsetSecondsAt(zone.name, next.epochNanoseconds);
    if (offset > before && offset > after) {
      const raw = Math.max(before, after);
      saving = {
        dst: true,
        rawOffsetSeconds: raw,
        dstOffsetSeconds: offset - raw,
        from: start,
        until: end,
      };
    }
  }
  periods.set(zone.name, { start, end, saving });
  return saving;
}

function offsetSecondsAt(zone: string, epochNanoseconds: bigint): number {
  const zoned = Temporal.Instant.fromEpochNanoseconds(epochNanoseconds).toZonedDateTimeISO(zone);
  return Math.round(zoned.offsetNanoseconds / 1e9);
}
