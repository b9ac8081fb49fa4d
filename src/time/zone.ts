/**
 * Time zones: UTC, fixed UTC offsets and IANA zones, each answering one
 * question: the UTC offset and the abbreviation in force at a Unix second.
 *
 * UTC and fixed offsets are plain constants. An IANA zone takes its offsets
 * and transition instants from ICU through `Temporal`: the data the runtime
 * itself uses, built into the binary. Its abbreviations come from the best
 * source at hand:
 *
 * 1. The tz database itself: the zone's TZif file under
 *    `/usr/share/zoneinfo`, read once per zone, only when the process may
 *    already read it (the permission is queried, never prompted for; the
 *    `start` and `compile` tasks grant it only if their `--allow-read` names
 *    that directory). A TZif file holds the abbreviation of every span of the
 *    zone's history, so this is tzdata's exact letters across history: `BST`
 *    for London's British Standard Time of 1968–1971, `BDST`, `PMT`, `EWT`,
 *    `LMT`. A span is taken from the file only where the file's offset is
 *    ICU's (the host's tzdata release, or its backzone data, can differ).
 * 2. Otherwise (no such directory, no permission, another offset), ICU's
 *    English metazone names (`British Summer Time`) mapped to tzdata's
 *    letters, digits (`+03`, `+0545`) where tzdata has none. ICU names most
 *    zones only from the 1970s, so before 1972 a span ICU leaves unnamed
 *    (`GMT+01:00`) takes the letters of the nearest span with the same
 *    offset, derived rather than listed: London's +01:00 of 1968–1971 is
 *    BST, New York's −04:00 of 1969 EDT; a zone's first span is `LMT`.
 *    Letters only tzdata has (`BDST`, `EWT`, `PMT`, `WEMT`) cannot be
 *    derived; such spans get ICU's modern name or digits.
 *
 * Why both: ICU alone cannot give tzdata's historical letters, and a table
 * of them compiled into clockd would be a second copy of tzdata, frozen at
 * build time and out of step with ICU's offsets; the host's files are
 * tzdata itself, and a compiled binary can read them (it cannot read files
 * beside its sources). `tests/zone_test.ts` checks every zone the tests use,
 * at every transition since 1800, against `zdump` (both sources: the files
 * match everywhere; ICU's names alone match from 1972 on, but for Istanbul's
 * EET of 1984–1985 and St. John's NDDT of 1988).
 *
 * Lookups are cached per span of constant offset and abbreviation (at most
 * a year long; 16 spans per zone), so the common case is two comparisons.
 *
 * @module
 */

import { numericOffset } from "./_format_fields.ts";
import { IanaZone } from "./_iana_zone.ts";

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
    zone = new FixedZone(name, offsetSeconds, numericOffset(offsetSeconds, false));
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
