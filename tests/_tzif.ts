/**
 * Test helper: an independent reading of the tz database, straight from the
 * host's compiled TZif files (/usr/share/zoneinfo, RFC 8536, the 64-bit
 * version 2+ block), to check clockd's Temporal/ICU-based answers against.
 * Only the transition table is read, not the footer's POSIX rule, so ask only
 * about instants before the last transition (Debian's "fat" files list them
 * to 2037).
 *
 * @module
 */

/** One local time type of a TZif file. */
export interface TzifType {
  /** Seconds east of UTC. */
  readonly utoff: number;
  /** The tz database's DST flag. */
  readonly isdst: boolean;
  /** The abbreviation. */
  readonly abbreviation: string;
}

/** A zone's transitions. */
export interface Tzif {
  /** Transition instants, Unix seconds, ascending. */
  readonly times: readonly number[];
  /** The type index in force from each transition. */
  readonly types: readonly number[];
  /** The local time types. */
  readonly ttinfos: readonly TzifType[];
  /** The footer's POSIX TZ string, which rules after the last transition. */
  readonly footer: string;
}

/** What the tz database says of an instant in a zone. */
export interface TzifState extends TzifType {
  /** When the DST run containing the instant began (null outside DST). */
  readonly dstFrom: number | null;
  /** When it ends (null outside DST). */
  readonly dstUntil: number | null;
  /** The standard offset: the offset after the DST run ends, or the offset itself. */
  readonly rawOffset: number;
}

/** The directory of the compiled tz database. */
export const ZONEINFO = "/usr/share/zoneinfo";

/**
 * Reads a zone's TZif file.
 *
 * @param name The zone name, e.g. `Europe/Paris`.
 * @returns Its transitions and types.
 */
export function readTzif(name: string): Tzif {
  const bytes = Deno.readFileSync(`${ZONEINFO}/${name}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = new TextDecoder().decode(bytes.subarray(0, 4));
  if (magic !== "TZif" || bytes[4] < 0x32) throw new Error(`${name}: not TZif version 2+`);
  const counts = (at: number) => [0, 1, 2, 3, 4, 5].map((i) => view.getUint32(at + 20 + i * 4));
  const [isut1, isstd1, leap1, time1, type1, char1] = counts(0);
  const v2 = 44 + time1 * 5 + type1 * 6 + char1 + leap1 * 8 + isstd1 + isut1;
  const [isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt] = counts(v2);
  let at = v2 + 44;
  const times: number[] = [];
  for (let i = 0; i < timecnt; i++, at += 8) times.push(Number(view.getBigInt64(at)));
  const types: number[] = [...bytes.subarray(at, at + timecnt)];
  at += timecnt;
  const raw: { utoff: number; isdst: boolean; index: number }[] = [];
  for (let i = 0; i < typecnt; i++, at += 6) {
    raw.push({ utoff: view.getInt32(at), isdst: bytes[at + 4] === 1, index: bytes[at + 5] });
  }
  const chars = new TextDecoder().decode(bytes.subarray(at, at + charcnt));
  const ttinfos = raw.map(({ utoff, isdst, index }) => ({
    utoff,
    isdst,
    abbreviation: chars.slice(index, chars.indexOf("\0", index)),
  }));
  at += charcnt + leapcnt * 12 + isstdcnt + isutcnt;
  const footer = new TextDecoder().decode(bytes.subarray(at)).trim();
  return { times, types, ttinfos, footer };
}

/**
 * The tz database's state of a zone at an instant.
 *
 * @param tz The zone's transitions.
 * @param seconds Unix seconds: before the last transition, unless the
 *   footer has no DST rule (the last type then holds for ever).
 * @returns Offset, DST flag, abbreviation, and the DST run's bounds.
 */
export function tzifAt(tz: Tzif, seconds: number): TzifState {
  const { times, types, ttinfos } = tz;
  if (seconds >= times[times.length - 1] && tz.footer.includes(",")) {
    throw new RangeError("past the transition table");
  }
  let index = -1;
  while (index + 1 < times.length && times[index + 1] <= seconds) index++;
  const type = ttinfos[index < 0 ? 0 : types[index]];
  if (!type.isdst) return { ...type, dstFrom: null, dstUntil: null, rawOffset: type.utoff };
  let first = index;
  while (first > 0 && ttinfos[types[first - 1]].isdst) first--;
  let next = index + 1;
  while (next < times.length && ttinfos[types[next]].isdst) next++;
  if (next === times.length) throw new RangeError("DST run past the transition table");
  return {
    ...type,
    dstFrom: times[first],
    dstUntil: times[next],
    rawOffset: ttinfos[types[next]].utoff,
  };
}

/**
 * The instants a zone's offset changes within [from, to).
 *
 * @param tz The zone's transitions.
 * @param from Unix seconds.
 * @param to Unix seconds.
 * @returns The transitions, ascending.
 */
export function transitionsBetween(tz: Tzif, from: number, to: number): number[] {
  return tz.times.filter((t, i) =>
    t >= from && t < to && i > 0 &&
    tz.ttinfos[tz.types[i]].utoff !== tz.ttinfos[tz.types[i - 1]].utoff
  );
}
