/**
 * Private: an IANA zone, as `resolveZone` hands it out. Offsets and
 * transition instants always come from ICU (through `Temporal`), the data
 * the runtime itself uses; abbreviations come from the tz database when its
 * file can be read, else from ICU's names. See `zone.ts` for the whole
 * story.
 *
 * @module
 */

import { readSystemTzif, tzifAbbreviation, type TzifHistory } from "./_tzif.ts";
import { icuAbbreviation, numericAbbreviation } from "./_zone_names.ts";
import type { Zone, ZoneOffset } from "./zone.ts";

/** Instants Temporal and Date accept: ±10^8 days, less a day of margin for the local wall time. */
const MAX_LOOKUP_SECONDS = 8.64e12 - 86_400;

/** A span of Unix seconds [start, end) with one offset and abbreviation. */
interface Span {
  readonly start: number;
  readonly end: number;
  readonly offset: ZoneOffset;
}

const EMPTY_SPAN: Span = { start: 0, end: 0, offset: { offsetSeconds: 0, abbreviation: "UTC" } };

/** How far a cached span may reach from the second it was looked up for: a year. */
const SPAN_HORIZON_SECONDS = 366 * 86_400;

/** How many recent spans each IANA zone remembers besides the last one used. */
const SPAN_CACHE_SIZE = 16;

/**
 * 1972-01-01T00:00:00Z. Before it ICU leaves many zones without a metazone
 * name (`GMT+01:00`) where the tz database has letters, so an unnamed span
 * borrows the name of the nearest span of the same offset; from it on, an
 * unnamed span is one the tz database writes in digits.
 */
const ICU_NAMES_COMPLETE = 63_072_000;

/** How many offset changes either way the search for a nearby name to borrow looks at. */
const NEARBY_TRANSITIONS = 8;

/** How many offset changes after 1972-01-01 the search for a name to borrow looks at. */
const LATER_TRANSITIONS = 4;

/** Transition instants are whole seconds in the tz database; round up any sub-second part. */
function ceilSeconds(epochNanoseconds: bigint): number {
  const billion = 1_000_000_000n;
  const quotient = epochNanoseconds / billion;
  return Number(epochNanoseconds % billion > 0n ? quotient + 1n : quotient);
}

function zonedAt(seconds: number, id: string): Temporal.ZonedDateTime {
  return Temporal.Instant.fromEpochMilliseconds(seconds * 1000).toZonedDateTimeISO(id);
}

function offsetOf(zoned: Temporal.ZonedDateTime): number {
  return Math.round(zoned.offsetNanoseconds / 1e9);
}

/**
 * An IANA zone: offsets from ICU, abbreviations from the tz database's file
 * when readable, else derived from ICU's names. Looks are cached per span of
 * constant offset and abbreviation (at most a year long, 16 spans per zone),
 * so the common case is two comparisons.
 *
 * @example Usage
 * ```ts
 * import { IanaZone } from "./_iana_zone.ts";
 * const paris = new IanaZone("Europe/Paris");
 * if (paris.offsetAt(1_784_073_600).abbreviation !== "CEST") throw new Error();
 * ```
 */
export class IanaZone implements Zone {
  /** The IANA name, as Temporal spells it. */
  readonly name: string;
  readonly #names: Intl.DateTimeFormat;
  /** The tz database's history: undefined until first needed, null when unreadable. */
  #history: TzifHistory | null | undefined;
  #last: Span = EMPTY_SPAN;
  readonly #spans: Span[] = [];
  #next = 0;

  /**
   * @param id An IANA name Temporal accepts.
   * @param history The tz database's history of the zone; by default read
   *   from `/usr/share/zoneinfo` on first use, `null` for none (ICU's names only).
   */
  constructor(id: string, history?: TzifHistory | null) {
    this.name = id;
    this.#names = new Intl.DateTimeFormat("en-US", { timeZone: id, timeZoneName: "long" });
    this.#history = history;
  }

  /**
   * The offset and abbreviation in force at a Unix second.
   *
   * @param seconds Unix seconds.
   * @returns The offset and abbreviation.
   */
  offsetAt(seconds: number): ZoneOffset {
    const last = this.#last;
    if (seconds >= last.start && seconds < last.end) return last.offset;
    for (const span of this.#spans) {
      if (seconds >= span.start && seconds < span.end) {
        this.#last = span;
        return span.offset;
      }
    }
    const span = this.#lookUp(seconds);
    if (this.#spans.length < SPAN_CACHE_SIZE) this.#spans.push(span);
    else this.#spans[this.#next] = span;
    this.#next = (this.#next + 1) % SPAN_CACHE_SIZE;
    this.#last = span;
    return span.offset;
  }

  #lookUp(seconds: number): Span {
    const at = Math.min(Math.max(Math.floor(seconds), -MAX_LOOKUP_SECONDS), MAX_LOOKUP_SECONDS);
    const zoned = zonedAt(at, this.name);
    const offsetSeconds = offsetOf(zoned);
    // "previous" is strictly before its receiver: ask from 1 ns later so a
    // transition exactly at `at` is found.
    const previous = zoned.add({ nanoseconds: 1 }).getTimeZoneTransition("previous");
    const next = zoned.getTimeZoneTransition("next");
    let start = Math.max(
      previous === null ? -Infinity : ceilSeconds(previous.epochNanoseconds),
      at - SPAN_HORIZON_SECONDS,
    );
    let end = Math.min(
      next === null ? Infinity : ceilSeconds(next.epochNanoseconds),
      at + SPAN_HORIZON_SECONDS,
    );
    if (this.#history === undefined) this.#history = readSystemTzif(this.name) ?? null;
    const tz = this.#history === null
      ? undefined
      : tzifAbbreviation(this.#history, at, offsetSeconds);
    let abbreviation: string;
    if (tz !== undefined) {
      abbreviation = tz.abbreviation;
      start = Math.max(start, tz.start);
      end = Math.min(end, tz.end);
    } else {
      const name = this.#longName(at);
      abbreviation = this.#icuAbbreviation(at, name, offsetSeconds, previous === null);
      // ICU names a zone after its metazone only between some dates (often
      // from the 1970s; `GMT+09:00` outside), so the name can change, and
      // change back, where the offset does not: narrow the span to where
      // the name holds.
      if (this.#longName(start) !== name) start = this.#nameBoundary(start, at, name, false);
      if (this.#longName(end - 1) !== name) end = this.#nameBoundary(at, end - 1, name, true);
    }
    const offset: ZoneOffset = Object.freeze({ offsetSeconds, abbreviation });
    if (at !== seconds) return { start: seconds, end: seconds + 1, offset };
    return { start, end, offset };
  }

  /**
   * The first second in (low, high] whose name is `name` (or, with `leaving`,
   * is not), by bisection; the name at `low` is the opposite.
   */
  #nameBoundary(low: number, high: number, name: string, leaving: boolean): number {
    while (high - low > 1) {
      const middle = Math.floor(low + (high - low) / 2);
      if ((this.#longName(middle) === name) !== leaving) high = middle;
      else low = middle;
    }
    return high;
  }

  #longName(seconds: number): string {
    for (const part of this.#names.formatToParts(seconds * 1000)) {
      if (part.type === "timeZoneName") return part.value;
    }
    return "";
  }

  /** The abbreviation from ICU's names alone, when the tz database says nothing. */
  #icuAbbreviation(
    seconds: number,
    longName: string,
    offsetSeconds: number,
    beforeFirstTransition: boolean,
  ): string {
    const letters = icuAbbreviation(this.name, longName);
    if (letters !== undefined) return letters;
    // tz database zones start in local mean time, or "-00" where uninhabited.
    if (beforeFirstTransition) return offsetSeconds === 0 ? "-00" : "LMT";
    if (seconds < ICU_NAMES_COMPLETE && longName.startsWith("GMT")) {
      const borrowed = this.#borrowedAbbreviation(seconds, offsetSeconds);
      if (borrowed !== undefined) return borrowed;
    }
    return numericAbbreviation(offsetSeconds);
  }

  /**
   * Letters for an unnamed span before ICU names the zone, from ICU's names
   * of other spans with the same offset: the nearest one within a few
   * offset changes either way, else the first one from 1972 on, within a
   * few changes. So London's +01:00 of 1968–1971 is BST, New York's −04:00
   * of 1969 EDT, Moscow's +04:00 of 1919 MSD (as in the 1980s) and
   * Shanghai's +09:00 of the 1940s CDT (as in 1986–1991).
   */
  #borrowedAbbreviation(seconds: number, offsetSeconds: number): string | undefined {
    let best: string | undefined;
    let bestDistance = Infinity;
    for (const direction of ["next", "previous"] as const) {
      let zoned = zonedAt(seconds, this.name);
      for (let i = 0; i < NEARBY_TRANSITIONS; i++) {
        const transition = zoned.getTimeZoneTransition(direction);
        if (transition === null) break;
        zoned = transition;
        // The span after a "next" transition starts at it; the span before
        // a "previous" one ends just before it.
        const edge = ceilSeconds(transition.epochNanoseconds) - (direction === "next" ? 0 : 1);
        if (Math.abs(edge - seconds) >= bestDistance) break;
        const letters = this.#lettersAt(edge, offsetSeconds);
        if (letters !== undefined) {
          best = letters;
          bestDistance = Math.abs(edge - seconds);
          break;
        }
      }
    }
    if (best !== undefined) return best;
    let probe = ICU_NAMES_COMPLETE;
    let zoned = zonedAt(probe, this.name);
    for (let i = 0; i <= LATER_TRANSITIONS; i++) {
      const letters = this.#lettersAt(probe, offsetSeconds);
      if (letters !== undefined) return letters;
      const transition = zoned.getTimeZoneTransition("next");
      if (transition === null) break;
      zoned = transition;
      probe = ceilSeconds(transition.epochNanoseconds);
    }
    return undefined;
  }

  /** ICU's letters at an instant if the zone's offset there is `offsetSeconds`. */
  #lettersAt(seconds: number, offsetSeconds: number): string | undefined {
    if (offsetOf(zonedAt(seconds, this.name)) !== offsetSeconds) return undefined;
    return icuAbbreviation(this.name, this.#longName(seconds));
  }
}
