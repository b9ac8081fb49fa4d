/**
 * Private reader of the tz database's compiled zone files (TZif, RFC 8536)
 * for the one thing ICU cannot give: the abbreviation strings the tz
 * database writes for each span of a zone's history (`BST` for London's
 * British Standard Time of 1968–1971, `BDST`, `PMT`, `EWT`, `LMT`).
 *
 * The files are read from the system's `/usr/share/zoneinfo` at run time,
 * only when the process may already read them (the permission is queried,
 * never prompted for) and only once per zone; a missing directory, a
 * missing or malformed file or a refused permission all mean "no history",
 * and the caller falls back to ICU's names.
 *
 * @module
 */

/** Where the system keeps its compiled tz database. */
const ZONEINFO_DIRECTORY = "/usr/share/zoneinfo";

/** The largest zone file read: real ones are under 10 KB. */
const MAX_TZIF_BYTES = 256 * 1024;

/** A TZif header: magic, version, 15 reserved bytes, six counts. */
const HEADER_BYTES = 44;

/** One local time type of a zone: its offset and abbreviation. */
export interface TzifType {
  /** Seconds east of UTC. */
  readonly offsetSeconds: number;
  /** The tz database's abbreviation (`GMT`, `BST`, `+03`, `LMT`). */
  readonly abbreviation: string;
}

/** A zone's history as one TZif file records it. */
export interface TzifHistory {
  /** Transition instants, Unix seconds, ascending. */
  readonly transitions: readonly number[];
  /** For each transition, the index in {@linkcode TzifHistory.types} in force from it. */
  readonly typeIndexes: readonly number[];
  /** Local time types; type 0 is in force before the first transition. */
  readonly types: readonly TzifType[];
  /**
   * From the footer's POSIX TZ string: the standard and (if any) daylight
   * types in force after the last transition.
   */
  readonly footer: readonly TzifType[];
}

/** An abbreviation and the span of Unix seconds [start, end) it holds for. */
export interface TzifSpan {
  /** First second of the span (`-Infinity` before a zone's first transition). */
  readonly start: number;
  /** First second after the span (`Infinity` after the last one). */
  readonly end: number;
  /** The tz database's abbreviation over the span. */
  readonly abbreviation: string;
}

/**
 * Parses a TZif file (versions 1 to 4): the 64-bit data block when there is
 * one, else the 32-bit one, and the footer's standard and daylight names.
 *
 * @param bytes The file's contents.
 * @returns The zone's history.
 * @throws {SyntaxError} When the bytes are not a well-formed TZif file.
 *
 * @example Usage
 * ```ts
 * import { parseTzif } from "./_tzif.ts";
 * // Etc/GMT+5: no transitions, one type, footer "<-05>5".
 * const file = new Uint8Array([
 *   ...new TextEncoder().encode("TZif"), 0, ...new Array(15).fill(0),
 *   0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 4,
 *   0xff, 0xff, 0xb9, 0xb0, 0, 0, ...new TextEncoder().encode("-05"), 0,
 * ]);
 * const history = parseTzif(file);
 * if (history.types[0].abbreviation !== "-05") throw new Error();
 * if (history.types[0].offsetSeconds !== -18_000) throw new Error();
 * ```
 */
export function parseTzif(bytes: Uint8Array): TzifHistory {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const first = header(bytes, view, 0);
  if (first.version === 0) return dataBlock(bytes, view, first, HEADER_BYTES, 4).history;
  const second = header(bytes, view, HEADER_BYTES + blockLength(first, 4));
  const { history, end } = dataBlock(bytes, view, second, second.offset + HEADER_BYTES, 8);
  return { ...history, footer: parseFooter(bytes, end) };
}

interface Header {
  readonly offset: number;
  readonly version: number;
  readonly isutcnt: number;
  readonly isstdcnt: number;
  readonly leapcnt: number;
  readonly timecnt: number;
  readonly typecnt: number;
  readonly charcnt: number;
}

function header(bytes: Uint8Array, view: DataView, offset: number): Header {
  if (
    offset + HEADER_BYTES > bytes.length || bytes[offset] !== 0x54 || bytes[offset + 1] !== 0x5a ||
    bytes[offset + 2] !== 0x69 || bytes[offset + 3] !== 0x66
  ) {
    throw new SyntaxError("not a TZif file");
  }
  const version = bytes[offset + 4] === 0 ? 0 : bytes[offset + 4] - 0x30;
  const count = (i: number) => view.getUint32(offset + 20 + 4 * i);
  const result = {
    offset,
    version,
    isutcnt: count(0),
    isstdcnt: count(1),
    leapcnt: count(2),
    timecnt: count(3),
    typecnt: count(4),
    charcnt: count(5),
  };
  if (result.typecnt === 0 || result.charcnt === 0 || version < 0 || version > 9) {
    throw new SyntaxError("malformed TZif header");
  }
  return result;
}

/** Bytes of a data block after its header, with `timeSize`-byte times. */
function blockLength(h: Header, timeSize: number): number {
  return h.timecnt * (timeSize + 1) + h.typecnt * 6 + h.charcnt + h.leapcnt * (timeSize + 4) +
    h.isstdcnt + h.isutcnt;
}

function dataBlock(
  bytes: Uint8Array,
  view: DataView,
  h: Header,
  start: number,
  timeSize: number,
): { history: TzifHistory; end: number } {
  const end = start + blockLength(h, timeSize);
  if (end > bytes.length) throw new SyntaxError("truncated TZif file");
  const transitions: number[] = [];
  for (let i = 0; i < h.timecnt; i++) {
    const at = start + i * timeSize;
    transitions.push(timeSize === 8 ? Number(view.getBigInt64(at)) : view.getInt32(at));
  }
  let at = start + h.timecnt * timeSize;
  const typeIndexes = Array.from(bytes.subarray(at, at + h.timecnt));
  if (typeIndexes.some((index) => index >= h.typecnt)) throw new SyntaxError("bad TZif type");
  at += h.timecnt;
  const chars = at + h.typecnt * 6;
  const types: TzifType[] = [];
  for (let i = 0; i < h.typecnt; i++, at += 6) {
    const index = bytes[at + 5];
    if (index >= h.charcnt) throw new SyntaxError("bad TZif abbreviation index");
    let stop = chars + index;
    while (stop < chars + h.charcnt && bytes[stop] !== 0) stop++;
    types.push({
      offsetSeconds: view.getInt32(at),
      abbreviation: String.fromCharCode(...bytes.subarray(chars + index, stop)),
    });
  }
  return { history: { transitions, typeIndexes, types, footer: [] }, end };
}

/** `STD offset [DST [offset]] [,rule]`, names alphabetic or in `<>`; POSIX offsets are west-positive. */
const POSIX_TZ =
  /^(<[^>]*>|[A-Za-z]{3,})([+-]?\d{1,3}(?::\d{1,2}){0,2})(?:(<[^>]*>|[A-Za-z]{3,})([+-]?\d{1,3}(?::\d{1,2}){0,2})?)?(?:,.*)?$/;

function posixOffset(text: string): number {
  const [hours, minutes = "0", seconds = "0"] = text.replace(/^[+-]/, "").split(":");
  const magnitude = Number(hours) * 3600 + Number(minutes) * 60 + Number(seconds);
  return text.startsWith("-") ? magnitude : 0 - magnitude; // 0 - 0 is +0, not -0
}

/** The footer's types: none when it is empty or not understood. */
function parseFooter(bytes: Uint8Array, start: number): TzifType[] {
  if (bytes[start] !== 10) return [];
  const stop = bytes.indexOf(10, start + 1);
  if (stop < 0) return [];
  const match = POSIX_TZ.exec(String.fromCharCode(...bytes.subarray(start + 1, stop)));
  if (match === null) return [];
  const name = (text: string) => text.replace(/^<(.*)>$/, "$1");
  const standard = posixOffset(match[2]);
  const types = [{ offsetSeconds: standard, abbreviation: name(match[1]) }];
  if (match[3] !== undefined) {
    const daylight = match[4] === undefined ? standard + 3600 : posixOffset(match[4]);
    types.push({ offsetSeconds: daylight, abbreviation: name(match[3]) });
  }
  return types;
}

/**
 * The tz database's abbreviation at an instant, if the file's offset there
 * is the one given (the offset ICU reports): a file from another tzdata
 * release than ICU's can disagree, and then it says nothing.
 *
 * @param history The zone's history.
 * @param seconds Unix seconds.
 * @param offsetSeconds The offset in force at `seconds`, seconds east of UTC.
 * @returns The abbreviation and the span of the file's type, or undefined.
 *
 * @example Usage
 * ```ts
 * import { tzifAbbreviation } from "./_tzif.ts";
 * const history = {
 *   transitions: [0],
 *   typeIndexes: [1],
 *   types: [{ offsetSeconds: 0, abbreviation: "GMT" }, { offsetSeconds: 3600, abbreviation: "BST" }],
 *   footer: [],
 * };
 * if (tzifAbbreviation(history, 10, 3600)?.abbreviation !== "BST") throw new Error();
 * if (tzifAbbreviation(history, -10, 3600) !== undefined) throw new Error();
 * ```
 */
export function tzifAbbreviation(
  history: TzifHistory,
  seconds: number,
  offsetSeconds: number,
): TzifSpan | undefined {
  const { transitions, typeIndexes, types, footer } = history;
  // The last transition at or before `seconds`, by bisection (-1: none).
  let low = -1;
  let high = transitions.length;
  while (high - low > 1) {
    const middle = (low + high) >>> 1;
    if (transitions[middle] <= seconds) low = middle;
    else high = middle;
  }
  const start = low < 0 ? -Infinity : transitions[low];
  const end = low + 1 < transitions.length ? transitions[low + 1] : Infinity;
  if (end === Infinity && footer.length > 0) {
    const rule = footer.find((type) => type.offsetSeconds === offsetSeconds);
    if (rule !== undefined) return { start, end, abbreviation: rule.abbreviation };
  }
  const type = types[low < 0 ? 0 : typeIndexes[low]];
  if (type.offsetSeconds !== offsetSeconds) return undefined;
  return { start, end, abbreviation: type.abbreviation };
}

/**
 * Reads a zone's TZif file from `/usr/share/zoneinfo`, if the process may
 * read it without a prompt and it is there and well-formed.
 *
 * @param id An IANA zone name (`Europe/London`); names with `.` or a
 *   leading `/` are refused.
 * @returns The zone's history, or undefined.
 *
 * @example Usage
 * ```ts
 * import { readSystemTzif } from "./_tzif.ts";
 * const history = readSystemTzif("Europe/London"); // undefined without tzdata or permission
 * if (history !== undefined && history.types.length === 0) throw new Error();
 * ```
 */
export function readSystemTzif(id: string): TzifHistory | undefined {
  if (id.includes(".") || id.startsWith("/") || id.length === 0) return undefined;
  const path = `${ZONEINFO_DIRECTORY}/${id}`;
  try {
    if (Deno.permissions.querySync({ name: "read", path }).state !== "granted") return undefined;
    if (Deno.statSync(path).size > MAX_TZIF_BYTES) return undefined;
    return parseTzif(Deno.readFileSync(path));
  } catch {
    return undefined;
  }
}
