/**
 * The leap-second table clockd runs with: read from a `leap-seconds.list`
 * (the system's by default), or the built-in table when the file is missing,
 * corrupt or fails its hash, and held by a {@linkcode LeapSeconds} object
 * that the server swaps on reload.
 *
 * A {@linkcode LeapTable} is plain data, so it crosses worker boundaries:
 * each Web Worker builds its own {@linkcode LeapSeconds} (there is no shared
 * global), and the primary can post it a reloaded table to `replace()`.
 *
 * Reading never prompts: the read permission for the path is queried first,
 * and a path without it counts as `missing` (the reason names the flag).
 *
 * @module
 */

import {
  BUILT_IN_LEAP_SECONDS_EXPIRES,
  BUILT_IN_LEAP_SECONDS_UPDATED,
  LEAP_SECONDS,
} from "./_format_leap_seconds.ts";
import type { Instant } from "./instant.ts";
import {
  isoDate,
  judgeLeapSecondsList,
  type LeapFileJudgement,
  type LeapFileVerdict,
  parseLeapSecondsList,
} from "./leap_seconds_list.ts";
import {
  type LeapAnnouncement,
  leapIndicatorAt,
  type LeapSecond,
  leapSecondEndsMonth,
  taiMinusUtc,
} from "./leap_table.ts";

/**
 * Where systems keep `leap-seconds.list`, tried in order when no path is
 * given: tzdata's copy (Debian, Ubuntu, Fedora, RHEL, Arch, Alpine), then
 * the one FreeBSD's `periodic` keeps fresh for ntpd.
 */
export const LEAP_SECONDS_FILE_CANDIDATES: readonly string[] = Object.freeze([
  "/usr/share/zoneinfo/leap-seconds.list",
  "/var/db/ntpd.leap-seconds.list",
]);

/** The leap-second table in force, where it came from, and what the file was worth. */
export interface LeapTable {
  /** TAI − UTC steps in time order: the file's, or the built-in ones. */
  readonly entries: readonly LeapSecond[];
  /** `"file"` when the entries are the file's, `"built-in"` when clockd's own. */
  readonly source: "file" | "built-in";
  /** The file read (or the last candidate tried); null when none was tried. */
  readonly path: string | null;
  /** The `#$` update time of the entries' origin, Unix seconds. */
  readonly updated: number;
  /** The `#@` expiry time of the entries' origin, Unix seconds. */
  readonly expires: number;
  /** The file's verdict (`missing` when none was read). */
  readonly verdict: LeapFileVerdict;
  /** One line: the file's state and, on fallback, that the built-in table is used. */
  readonly reason: string;
}

/** Options of {@linkcode loadLeapSeconds} and {@linkcode loadLeapSecondsSync}. */
export interface LoadLeapSecondsOptions {
  /**
   * The file to read; when undefined, the first of
   * {@linkcode LEAP_SECONDS_FILE_CANDIDATES} that exists.
   *
   * @default {undefined}
   */
  path?: string;
  /**
   * The time the expiry is judged at, Unix seconds.
   *
   * @default {the current time}
   */
  now?: number;
}

/**
 * The built-in table alone, as a provider starts before any file is read.
 *
 * @param now When the built-in table's own expiry is judged, Unix seconds.
 * @returns The table, verdict `missing` (no file read).
 *
 * @example Usage
 * ```ts
 * import { builtInLeapTable } from "./leap_seconds.ts";
 * const table = builtInLeapTable(0);
 * if (table.source !== "built-in" || table.entries.length !== 28) throw new Error();
 * ```
 */
export function builtInLeapTable(now: number = currentSecond()): LeapTable {
  return fallback(null, { verdict: "missing", reason: "no leap-seconds file read" }, now);
}

/**
 * The table to run with, given a file's text: the file's entries when it
 * is `ok`, and when `expired` if it lists at least as many entries as the
 * built-in table (an expired file's past is still right; only leaps
 * announced after it are missing); the built-in table otherwise.
 *
 * @param text The file's text.
 * @param path Where it was read, for the reason.
 * @param now When the expiry is judged, Unix seconds.
 * @returns The table.
 *
 * @example Usage
 * ```ts
 * import { leapTableFromText } from "./leap_seconds.ts";
 * const table = leapTableFromText("not a leap-seconds file", "/tmp/x", 0);
 * if (table.verdict !== "corrupt" || table.source !== "built-in") throw new Error();
 * ```
 */
export function leapTableFromText(text: string, path: string, now: number): LeapTable {
  let judgement: LeapFileJudgement;
  try {
    const list = parseLeapSecondsList(text);
    judgement = judgeLeapSecondsList(list, now);
    const usable = judgement.verdict === "ok" ||
      (judgement.verdict === "expired" && list.entries.length >= LEAP_SECONDS.length);
    if (usable) {
      return Object.freeze({
        entries: list.entries,
        source: "file",
        path,
        updated: list.updated,
        expires: list.expires,
        verdict: judgement.verdict,
        reason: `${path}: ${judgement.reason}`,
      });
    }
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    judgement = {
      verdict: "corrupt",
      reason: error.message.replace(/^Cannot parse leap-seconds file: /, ""),
    };
  }
  return fallback(
    path,
    { verdict: judgement.verdict, reason: `${path}: ${judgement.reason}` },
    now,
  );
}

/**
 * Reads a leap-seconds file and decides the table to run with. Never throws
 * for a missing, unreadable or bad file: the verdict says what happened and
 * the built-in table stands in.
 *
 * @param options The path (default: the first existing candidate) and the time.
 * @returns The table.
 *
 * @example Usage
 * ```ts ignore
 * import { LeapSeconds, loadLeapSeconds } from "./leap_seconds.ts";
 * const leaps = new LeapSeconds(await loadLeapSeconds());
 * console.log(leaps.table.verdict, leaps.table.reason);
 * // On SIGHUP:
 * leaps.replace(await loadLeapSeconds({ path: leaps.table.path ?? undefined }));
 * ```
 */
export async function loadLeapSeconds(options: LoadLeapSecondsOptions = {}): Promise<LeapTable> {
  const now = options.now ?? currentSecond();
  const path = choosePath(options.path);
  if (typeof path !== "string") return fallback(path.path, path, now);
  try {
    return leapTableFromText(await Deno.readTextFile(path), path, now);
  } catch (error) {
    return fallback(path, readFailure(path, error), now);
  }
}

/**
 * {@linkcode loadLeapSeconds} with a synchronous read (the file is a few
 * kilobytes), for constructors and worker start-up.
 *
 * @param options The path (default: the first existing candidate) and the time.
 * @returns The table.
 *
 * @example Usage
 * ```ts
 * import { loadLeapSecondsSync } from "./leap_seconds.ts";
 * const table = loadLeapSecondsSync({ path: "/nonexistent/leap-seconds.list" });
 * if (table.verdict !== "missing" || table.source !== "built-in") throw new Error(table.reason);
 * ```
 */
export function loadLeapSecondsSync(options: LoadLeapSecondsOptions = {}): LeapTable {
  const now = options.now ?? currentSecond();
  const path = choosePath(options.path);
  if (typeof path !== "string") return fallback(path.path, path, now);
  try {
    return leapTableFromText(Deno.readTextFileSync(path), path, now);
  } catch (error) {
    return fallback(path, readFailure(path, error), now);
  }
}

/**
 * The table in force, swappable: formats, the NTP leap indicator and the
 * smear read it through this object, so a reload reaches them all. One per
 * isolate (each Web Worker makes its own).
 *
 * @example Usage
 * ```ts
 * import { builtInLeapTable, LeapSeconds } from "./leap_seconds.ts";
 * const leaps = new LeapSeconds();
 * if (leaps.taiMinusUtc(1_483_228_800) !== 37) throw new Error();
 * leaps.replace(builtInLeapTable());
 * ```
 */
export class LeapSeconds {
  #table: LeapTable;

  /** @param table The table to start with; the built-in one by default. */
  constructor(table: LeapTable = builtInLeapTable()) {
    this.#table = table;
  }

  /** The table in force. */
  get table(): LeapTable {
    return this.#table;
  }

  /** Its entries, for the pure functions that take a table. */
  get entries(): readonly LeapSecond[] {
    return this.#table.entries;
  }

  /**
   * Swaps the table in (on reload).
   *
   * @param table The new table, e.g. from {@linkcode loadLeapSeconds}.
   */
  replace(table: LeapTable): void {
    this.#table = table;
  }

  /**
   * TAI − UTC at a Unix second.
   *
   * @param seconds Unix seconds.
   * @returns Whole seconds.
   */
  taiMinusUtc(seconds: number): number {
    return taiMinusUtc(seconds, this.#table.entries);
  }

  /**
   * Whether the UTC month of a Unix second ends with an inserted second.
   *
   * @param seconds Unix seconds.
   * @returns `true` in such a month.
   */
  leapSecondEndsMonth(seconds: number): boolean {
    return leapSecondEndsMonth(seconds, this.#table.entries);
  }

  /**
   * The leap indicator the table calls for at an instant (1 insert, 2
   * delete, during the last day before a leap; else 0): the leap source of
   * a `ClockStatus`.
   *
   * @param now The instant.
   * @returns 0, 1 or 2.
   */
  leapIndicator(now: Instant): LeapAnnouncement {
    return leapIndicatorAt(now, this.#table.entries);
  }

  /**
   * The file's verdict at a later time: a table loaded `ok` turns
   * `expired` at its expiry without a reload.
   *
   * @param now Unix seconds.
   * @returns The verdict and reason.
   */
  judgement(now: number): LeapFileJudgement {
    const table = this.#table;
    if (table.verdict === "ok" && now >= table.expires) {
      return { verdict: "expired", reason: `${table.path}: expired on ${isoDate(table.expires)}` };
    }
    return { verdict: table.verdict, reason: table.reason };
  }
}

interface NoPath extends LeapFileJudgement {
  readonly path: string | null;
}

function choosePath(path: string | undefined): string | NoPath {
  const candidates = path === undefined ? LEAP_SECONDS_FILE_CANDIDATES : [path];
  const denied: string[] = [];
  for (const candidate of candidates) {
    if (Deno.permissions.querySync({ name: "read", path: candidate }).state !== "granted") {
      denied.push(candidate);
      continue;
    }
    if (path !== undefined || exists(candidate)) return candidate;
  }
  if (denied.length > 0) {
    return {
      path: denied[0],
      verdict: "missing",
      reason: `${denied.join(", ")}: read permission not granted (run with --allow-read=${
        denied.join(",")
      })`,
    };
  }
  return {
    path: null,
    verdict: "missing",
    reason: `none of ${candidates.join(", ")} exists`,
  };
}

function exists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

function readFailure(path: string, error: unknown): LeapFileJudgement {
  if (error instanceof Deno.errors.NotFound) {
    return { verdict: "missing", reason: `${path}: no such file` };
  }
  return { verdict: "missing", reason: `${path}: cannot read: ${(error as Error).message}` };
}

function fallback(path: string | null, judgement: LeapFileJudgement, now: number): LeapTable {
  const last = LEAP_SECONDS[LEAP_SECONDS.length - 1];
  const validity = now >= BUILT_IN_LEAP_SECONDS_EXPIRES ? "expired" : "valid until";
  return Object.freeze({
    entries: LEAP_SECONDS,
    source: "built-in",
    path,
    updated: BUILT_IN_LEAP_SECONDS_UPDATED,
    expires: BUILT_IN_LEAP_SECONDS_EXPIRES,
    verdict: judgement.verdict,
    reason: `${judgement.reason}; using the built-in table (${LEAP_SECONDS.length} entries, ` +
      `TAI-UTC ${last.taiMinusUtc} s from ${isoDate(last.unixSeconds)}, ${validity} ${
        isoDate(BUILT_IN_LEAP_SECONDS_EXPIRES)
      })`,
  });
}

function currentSecond(): number {
  return Math.floor(Date.now() / 1000);
}
