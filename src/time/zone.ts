/**
 * Time zones: UTC, fixed UTC offsets and IANA zones, each answering one
 * question: the UTC offset and the abbreviation in force at a Unix second.
 *
 * UTC and fixed offsets are plain constants. IANA zones read ICU's time zone
 * data through `Temporal` (offsets and exact transition instants) and one
 * cached `Intl.DateTimeFormat` per zone (English metazone names, mapped to the
 * tz database abbreviations Go prints), once per span of constant offset and
 * name (at most a year long; 16 spans remembered per zone), so the common
 * case is two comparisons.
 *
 * Abbreviations match the tz database for every zone since 1990 (checked
 * against tzdata 2025b at sampled instants); before 1970, where ICU names few
 * zones, the name the zone used for the same offset in 1971 is reused (EDT for
 * New York's −04:00 in 1969), local mean time is `LMT`, and anything else is
 * numeric (`+03`). Wartime and other historical letters (`EWT`, `BDST`) are
 * not reproduced.
 *
 * @module
 */

/** The offset from UTC in force at an instant, and its abbreviation. */
export interface ZoneOffset {
  /** Seconds east of UTC (negative west of Greenwich). */
  readonly offsetSeconds: number;
  /**
   * The abbreviation Go prints for the `MST` layout element: letters where the
   * tz database has them (`UTC`, `CET`, `CEST`, `PST`), otherwise numeric
   * (`+03`, `+0545` as the tz database writes them; `+0530` for fixed
   * offsets, as Go writes a zone without a name).
   */
  readonly abbreviation: string;
}

/** A time zone: a name and a rule for the offset at each instant. */
export interface Zone {
  /** Canonical display name: `UTC`, `Europe/Paris`, `+05:30`, or the host's IANA name. */
  readonly name: string;
  /**
   * The offset and abbreviation in force at a Unix second.
   *
   * @param seconds Unix seconds.
   * @returns The offset and abbreviation.
   */
  offsetAt(seconds: number): ZoneOffset;
}

/** A zone with one offset for all time. */
class FixedZone implements Zone {
  readonly name: string;
  readonly #offset: ZoneOffset;

  constructor(name: string, offsetSeconds: number, abbreviation: string) {
    this.name = name;
    this.#offset = Object.freeze({ offsetSeconds, abbreviation });
  }

  offsetAt(_seconds: number): ZoneOffset {
    return this.#offset;
  }
}

/**
 * Coordinated Universal Time: offset 0, abbreviation `UTC`, no Intl lookups.
 *
 * @example Usage
 * ```ts
 * import { UTC } from "./zone.ts";
 * if (UTC.offsetAt(0).abbreviation !== "UTC") throw new Error("utc");
 * ```
 */
export const UTC: Zone = new FixedZone("UTC", 0, "UTC");

/** Greenwich Mean Time, as the tz database's `GMT` and `Etc/GMT`: UTC by another name. */
const GMT: Zone = new FixedZone("GMT", 0, "GMT");

const UTC_NAMES: ReadonlySet<string> = new Set([
  "utc",
  "z",
  "zulu",
  "uct",
  "universal",
  "etc/utc",
  "etc/uct",
  "etc/zulu",
  "etc/universal",
]);

const GMT_NAMES: ReadonlySet<string> = new Set([
  "gmt",
  "gmt0",
  "gmt+0",
  "gmt-0",
  "greenwich",
  "etc/gmt",
  "etc/gmt0",
  "etc/gmt+0",
  "etc/gmt-0",
  "etc/greenwich",
]);

/**
 * ICU's English long names of the metazones whose tz database abbreviations
 * are letters, mapped to those abbreviations. Any other name (`Gulf Standard
 * Time`, `GMT+03:00`) means the tz database writes the offset in digits.
 */
const ABBREVIATIONS: ReadonlyMap<string, string> = new Map([
  ["Coordinated Universal Time", "UTC"],
  ["Greenwich Mean Time", "GMT"],
  ["British Summer Time", "BST"],
  ["Irish Standard Time", "IST"],
  ["Western European Standard Time", "WET"],
  ["Western European Summer Time", "WEST"],
  ["Central European Standard Time", "CET"],
  ["Central European Summer Time", "CEST"],
  ["Eastern European Standard Time", "EET"],
  ["Eastern European Summer Time", "EEST"],
  ["Moscow Standard Time", "MSK"],
  ["Moscow Summer Time", "MSD"],
  ["Volgograd Standard Time", "MSK"],
  ["Volgograd Summer Time", "MSD"],
  ["Israel Standard Time", "IST"],
  ["Israel Daylight Time", "IDT"],
  ["South Africa Standard Time", "SAST"],
  ["Central Africa Time", "CAT"],
  ["East Africa Time", "EAT"],
  ["West Africa Standard Time", "WAT"],
  ["India Standard Time", "IST"],
  ["Pakistan Standard Time", "PKT"],
  ["Pakistan Summer Time", "PKST"],
  ["China Standard Time", "CST"],
  ["China Daylight Time", "CDT"],
  ["Taiwan Standard Time", "CST"],
  ["Taiwan Daylight Time", "CDT"],
  ["Macao Standard Time", "CST"],
  ["Macao Summer Time", "CDT"],
  ["Hong Kong Standard Time", "HKT"],
  ["Hong Kong Summer Time", "HKST"],
  ["Japan Standard Time", "JST"],
  ["Japan Daylight Time", "JDT"],
  ["Korean Standard Time", "KST"],
  ["Korean Daylight Time", "KDT"],
  ["Western Indonesia Time", "WIB"],
  ["Central Indonesia Time", "WITA"],
  ["Eastern Indonesia Time", "WIT"],
  ["Chamorro Standard Time", "ChST"],
  ["Australian Eastern Standard Time", "AEST"],
  ["Australian Eastern Daylight Time", "AEDT"],
  ["Australian Central Standard Time", "ACST"],
  ["Australian Central Daylight Time", "ACDT"],
  ["Australian Western Standard Time", "AWST"],
  ["Australian Western Daylight Time", "AWDT"],
  ["New Zealand Standard Time", "NZST"],
  ["New Zealand Daylight Time", "NZDT"],
  ["American Samoa Standard Time", "SST"],
  ["Philippine Standard Time", "PST"],
  ["Philippine Summer Time", "PDT"],
  ["Yukon Time", "MST"],
  ["Hawaii-Aleutian Standard Time", "HST"],
  ["Hawaii-Aleutian Daylight Time", "HDT"],
  ["Alaska Standard Time", "AKST"],
  ["Alaska Daylight Time", "AKDT"],
  ["Pacific Standard Time", "PST"],
  ["Pacific Daylight Time", "PDT"],
  ["Mexican Pacific Standard Time", "MST"],
  ["Mexican Pacific Daylight Time", "MDT"],
  ["Mountain Standard Time", "MST"],
  ["Mountain Daylight Time", "MDT"],
  ["Central Standard Time", "CST"],
  ["Central Daylight Time", "CDT"],
  ["Eastern Standard Time", "EST"],
  ["Eastern Daylight Time", "EDT"],
  ["Cuba Standard Time", "CST"],
  ["Cuba Daylight Time", "CDT"],
  ["Atlantic Standard Time", "AST"],
  ["Atlantic Daylight Time", "ADT"],
  ["Newfoundland Standard Time", "NST"],
  ["Newfoundland Daylight Time", "NDT"],
]);

/** Zones whose ICU metazone has a name above but whose tz database abbreviations are numeric. */
const NUMERIC_ABBREVIATION_ZONES: ReadonlySet<string> = new Set([
  "Africa/Casablanca",
  "Africa/El_Aaiun",
  "Antarctica/Casey",
  "Antarctica/Troll",
  "Asia/Colombo",
  "Asia/Dili",
  "Europe/Astrakhan",
  "Europe/Saratov",
  "Europe/Ulyanovsk",
]);

const BRITISH_CROWN_DEPENDENCY: ReadonlyMap<string, string> = new Map([["GMT+01:00", "BST"]]);

/** Zones whose tz database abbreviations ICU names differently. */
const ZONE_ABBREVIATIONS: ReadonlyMap<string, ReadonlyMap<string, string>> = new Map([
  ["Asia/Famagusta", new Map([["GMT+02:00", "EET"], ["GMT+03:00", "EEST"]])],
  ["Europe/Guernsey", BRITISH_CROWN_DEPENDENCY],
  ["Europe/Isle_of_Man", BRITISH_CROWN_DEPENDENCY],
  ["Europe/Jersey", BRITISH_CROWN_DEPENDENCY],
  ["Europe/Kirov", new Map([["GMT+03:00", "MSK"]])],
  ["Europe/Minsk", new Map([["Moscow Standard Time", "+03"]])],
  [
    "MET",
    new Map([["Central European Standard Time", "MET"], ["Central European Summer Time", "MEST"]]),
  ],
]);

/**
 * An offset written as the tz database writes an abbreviation-less offset
 * (`%z`): `+03`, `+0530`, `-0330`, and seconds only when present.
 */
function numericAbbreviation(offsetSeconds: number): string {
  const sign = offsetSeconds < 0 ? "-" : "+";
  const abs = Math.abs(offsetSeconds);
  const hours = Math.floor(abs / 3600);
  const minutes = Math.floor((abs % 3600) / 60);
  const seconds = abs % 60;
  let text = sign + String(hours).padStart(2, "0");
  if (minutes !== 0 || seconds !== 0) text += String(minutes).padStart(2, "0");
  if (seconds !== 0) text += String(seconds).padStart(2, "0");
  return text;
}

/** The `-0700` form Go prints for a zone without a name: always four digits. */
function goNumericZone(offsetSeconds: number): string {
  const minutes = Math.trunc(offsetSeconds / 60);
  const abs = Math.abs(minutes);
  return (minutes < 0 ? "-" : "+") + String(Math.floor(abs / 60)).padStart(2, "0") +
    String(abs % 60).padStart(2, "0");
}

/** Instants Temporal and Date accept: ±10^8 days, less a day of margin for the local wall time. */
const MAX_LOOKUP_SECONDS = 8.64e12 - 86_400;

/** A span of Unix seconds [start, end) with one offset. */
interface Span {
  readonly start: number;
  readonly end: number;
  readonly offset: ZoneOffset;
}

const EMPTY_SPAN: Span = { start: 0, end: 0, offset: { offsetSeconds: 0, abbreviation: "UTC" } };

/** 1971-01-15 and 1971-07-15, 00:00 UTC: winter and summer of ICU's first metazone year. */
const EARLY_REFERENCES: readonly number[] = [32_745_600, 48_384_000];

/** How far a cached span may reach from the second it was looked up for: a year. */
const SPAN_HORIZON_SECONDS = 366 * 86_400;

/** How many recent spans each IANA zone remembers besides the last one used. */
const SPAN_CACHE_SIZE = 16;

/** Transition instants are whole seconds in the tz database; round up any sub-second part. */
function ceilSeconds(epochNanoseconds: bigint): number {
  const billion = 1_000_000_000n;
  const quotient = epochNanoseconds / billion;
  return Number(epochNanoseconds % billion > 0n ? quotient + 1n : quotient);
}

/** An IANA zone read from ICU's data through Temporal and Intl. */
class IanaZone implements Zone {
  readonly name: string;
  readonly #names: Intl.DateTimeFormat;
  #last: Span = EMPTY_SPAN;
  readonly #spans: Span[] = [];
  #next = 0;
  readonly #early = new Map<number, string | undefined>();

  constructor(id: string) {
    this.name = id;
    this.#names = new Intl.DateTimeFormat("en-US", { timeZone: id, timeZoneName: "long" });
  }

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
    const zoned = Temporal.Instant.fromEpochMilliseconds(at * 1000).toZonedDateTimeISO(this.name);
    const offsetSeconds = Math.round(zoned.offsetNanoseconds / 1e9);
    // "previous" is strictly before its receiver: ask from 1 ns later so a
    // transition exactly at `at` is found.
    const previous = zoned.add({ nanoseconds: 1 }).getTimeZoneTransition("previous");
    const next = zoned.getTimeZoneTransition("next");
    const name = this.#longName(at);
    const offset: ZoneOffset = Object.freeze({
      offsetSeconds,
      abbreviation: this.#abbreviation(
        at,
        name,
        offsetSeconds,
        previous === null && next !== null,
      ),
    });
    if (at !== seconds) return { start: seconds, end: seconds + 1, offset };
    // ICU names a zone after its metazone only between some dates (often from
    // the 1970s; `GMT+09:00` outside), so the name can change, and change
    // back, where the offset does not: keep spans within a year of the lookup
    // and narrow them to where the name holds.
    let start = Math.max(
      previous === null ? -Infinity : ceilSeconds(previous.epochNanoseconds),
      at - SPAN_HORIZON_SECONDS,
    );
    let end = Math.min(
      next === null ? Infinity : ceilSeconds(next.epochNanoseconds),
      at + SPAN_HORIZON_SECONDS,
    );
    if (this.#longName(start) !== name) start = this.#nameBoundary(start, at, name, false);
    if (this.#longName(end - 1) !== name) end = this.#nameBoundary(at, end - 1, name, true);
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

  #abbreviation(
    seconds: number,
    longName: string,
    offsetSeconds: number,
    beforeFirstTransition: boolean,
  ): string {
    const numeric = NUMERIC_ABBREVIATION_ZONES.has(this.name);
    if (!numeric) {
      const letters = ZONE_ABBREVIATIONS.get(this.name)?.get(longName) ??
        ABBREVIATIONS.get(longName);
      if (letters !== undefined) return letters;
    }
    if (beforeFirstTransition) {
      // tz database zones start in local mean time, or "-00" where uninhabited.
      return offsetSeconds === 0 ? "-00" : "LMT";
    }
    if (!numeric && seconds < 0 && longName.startsWith("GMT")) {
      const borrowed = this.#earlyAbbreviation(offsetSeconds);
      if (borrowed !== undefined) return borrowed;
    }
    return numericAbbreviation(offsetSeconds);
  }

  /**
   * ICU gives most zones a metazone name only from 1970 on: before, reuse the
   * name the zone had for the same offset in 1971 (New York's -04:00 in 1969
   * is EDT, as in 1971).
   */
  #earlyAbbreviation(offsetSeconds: number): string | undefined {
    if (this.#early.has(offsetSeconds)) return this.#early.get(offsetSeconds);
    let found: string | undefined;
    for (const reference of EARLY_REFERENCES) {
      const zoned = Temporal.Instant.fromEpochMilliseconds(reference * 1000)
        .toZonedDateTimeISO(this.name);
      if (Math.round(zoned.offsetNanoseconds / 1e9) !== offsetSeconds) continue;
      const name = this.#longName(reference);
      found = ZONE_ABBREVIATIONS.get(this.name)?.get(name) ?? ABBREVIATIONS.get(name);
      if (found !== undefined) break;
    }
    this.#early.set(offsetSeconds, found);
    return found;
  }
}

/**
 * `+05:30`, `+0530`, `+05`, `+5`, `-08:00`, `UTC+2`, `GMT-03:30`: hours 0 to
 * 23, minutes 0 to 59; the sign means east (+) or west (−) of UTC, as in ISO
 * 8601 (not POSIX `TZ`, and not `Etc/GMT+5`, whose sign is inverted).
 */
const OFFSET = /^(?:utc|gmt)?([+-])(?:(\d{1,2}):(\d{2})|(\d{2})(\d{2})?|(\d))$/i;

function parseOffset(text: string): Zone | undefined {
  const match = OFFSET.exec(text);
  if (match === null) return undefined;
  const [, sign, colonHours, colonMinutes, hours4, minutes4, hours1] = match;
  const hours = Number(colonHours ?? hours4 ?? hours1);
  const minutes = Number(colonMinutes ?? minutes4 ?? 0);
  if (hours > 23 || minutes > 59) return undefined;
  const magnitude = hours * 3600 + minutes * 60;
  const offsetSeconds = sign === "-" && magnitude !== 0 ? -magnitude : magnitude;
  const name = (offsetSeconds < 0 ? "-" : "+") + String(hours).padStart(2, "0") + ":" +
    String(minutes).padStart(2, "0");
  let zone = fixedZones.get(name);
  if (zone === undefined) {
    zone = new FixedZone(name, offsetSeconds, goNumericZone(offsetSeconds));
    fixedZones.set(name, zone);
  }
  return zone;
}

const fixedZones = new Map<string, Zone>();

/** The shape of an IANA zone name; keeps ISO strings with zone annotations away from Temporal. */
const IANA_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/;

/** The IANA identifier in its canonical case (`europe/paris` → `Europe/Paris`), aliases kept. */
function ianaIdentifier(text: string): string | undefined {
  if (text.length > 64 || !IANA_NAME.test(text)) return undefined;
  try {
    return Temporal.Instant.fromEpochMilliseconds(0).toZonedDateTimeISO(text).timeZoneId;
  } catch {
    return undefined;
  }
}

const ianaZones = new Map<string, IanaZone>();

function ianaZone(id: string): Zone {
  const lower = id.toLowerCase();
  if (UTC_NAMES.has(lower)) return UTC;
  if (GMT_NAMES.has(lower)) return GMT;
  let zone = ianaZones.get(id);
  if (zone === undefined) {
    zone = new IanaZone(id);
    ianaZones.set(id, zone);
  }
  return zone;
}

/** The TZ variable, when readable without a permission prompt. */
function tzEnvironment(): string | undefined {
  try {
    if (Deno.permissions.querySync({ name: "env", variable: "TZ" }).state !== "granted") {
      return undefined;
    }
    const tz = Deno.env.get("TZ");
    return tz?.startsWith(":") ? tz.slice(1) : tz;
  } catch {
    return undefined;
  }
}

function canonicalId(id: string): string {
  return new Intl.DateTimeFormat("en-US", { timeZone: id }).resolvedOptions().timeZone;
}

/** The host's zone, as ICU reads it (honouring TZ), spelled as TZ spells it when they agree. */
function hostZone(): Zone {
  let icu: string | undefined;
  try {
    icu = ianaIdentifier(Temporal.Now.timeZoneId());
  } catch {
    icu = undefined;
  }
  if (icu === undefined) return UTC;
  const tz = tzEnvironment();
  const spelled = tz === undefined ? undefined : ianaIdentifier(tz);
  if (spelled !== undefined && canonicalId(spelled) === canonicalId(icu)) return ianaZone(spelled);
  return ianaZone(icu);
}

const resolved = new Map<string, Zone>();

/**
 * Resolves a zone from its text, case-insensitively:
 *
 * - `UTC`, `Z`, `Zulu`, `UCT`, `Universal`, `Etc/UTC` and the other `Etc/`
 *   spellings: {@linkcode UTC}.
 * - `GMT`, `GMT0`, `Greenwich`, `Etc/GMT`: a zone named `GMT` (offset 0,
 *   abbreviation `GMT`).
 * - `local`: the host's zone as ICU reads it, which honours `TZ`; its name is
 *   the host's IANA name (as `TZ` spells it, if set); UTC if ICU has none.
 *   Resolved once per process.
 * - Fixed offsets `+05:30`, `+0530`, `+05`, `+5`, optionally after `UTC` or
 *   `GMT` (`UTC+2`, `gmt-03:30`): `+` is east of UTC, as in ISO 8601. Hours 0
 *   to 23, minutes 0 to 59. Named `±hh:mm`, abbreviated as Go abbreviates a
 *   zone without a name (`+0530`).
 * - IANA names in any case, aliases kept: `europe/paris` → `Europe/Paris`,
 *   `US/Eastern` stays `US/Eastern`. `Etc/GMT+5` is UTC−5, as in the tz
 *   database.
 *
 * @param text The zone text.
 * @returns The zone; the same object for the same zone.
 * @throws {RangeError} `unknown time zone "…"` for anything else.
 *
 * @example Usage
 * ```ts
 * import { resolveZone } from "./zone.ts";
 * if (resolveZone("europe/paris").name !== "Europe/Paris") throw new Error("case");
 * if (resolveZone("UTC+5:30").offsetAt(0).offsetSeconds !== 19_800) throw new Error("offset");
 * ```
 */
export function resolveZone(text: string): Zone {
  const key = text.toLowerCase();
  let zone = resolved.get(key);
  if (zone !== undefined) return zone;
  if (key === "local") zone = hostZone();
  else if (UTC_NAMES.has(key)) zone = UTC;
  else if (GMT_NAMES.has(key)) zone = GMT;
  else {
    zone = parseOffset(text);
    if (zone === undefined) {
      const id = ianaIdentifier(text);
      if (id === undefined) throw new RangeError(`unknown time zone "${text}"`);
      zone = ianaZone(id);
    }
  }
  // Bounded: only texts that name a zone get here, and keys are lower-cased.
  resolved.set(key, zone);
  return zone;
}
