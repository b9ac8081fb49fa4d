/**
 * The IETF/IERS `leap-seconds.list` format (the file tzdata installs as
 * `/usr/share/zoneinfo/leap-seconds.list`), parsed and verified without I/O.
 *
 * The file is lines of text:
 *
 * - data lines: an NTP timestamp (seconds since 1900-01-01T00:00:00Z) and
 *   TAI − UTC from that instant on, then an optional `#` comment
 *   (`3692217600  37  # 1 Jan 2017`);
 * - `#$` and an NTP timestamp: when the file was last updated;
 * - `#@` and an NTP timestamp: when it expires (IERS publishes a new one
 *   every six months, each valid for about a year);
 * - `#h` and five groups of hex digits: the SHA-1 hash of the file's data;
 * - any other line starting with `#`: a comment.
 *
 * The hash, as the file's README (and ntpd's `leapsec_validate`) defines it,
 * is over the ASCII digits alone of the `#$` line, the `#@` line and every
 * data line up to its `#`, in file order, all other characters dropped. The
 * five hash words are 32-bit numbers: older NIST files wrote them without
 * leading zeros, so each is compared as a number.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { SECONDS_PER_DAY } from "./_format_calendar.ts";
import { NTP_UNIX_EPOCH_OFFSET } from "../protocols/ntp/constants.ts";
import type { LeapSecond } from "./leap_table.ts";

/** A parsed `leap-seconds.list`; times in Unix seconds. */
export interface LeapSecondsList {
  /** The TAI − UTC steps, in file (time) order. */
  readonly entries: readonly LeapSecond[];
  /** The `#$` last-update time. */
  readonly updated: number;
  /** The `#@` expiry time. */
  readonly expires: number;
  /** The `#h` hash as 40 lower-case hex digits, or null if the file has none. */
  readonly declaredHash: string | null;
  /** The SHA-1 of the file's data, 40 lower-case hex digits. */
  readonly computedHash: string;
}

/**
 * What a leap-seconds file is worth:
 * - `ok`: parsed, hash verified, not expired;
 * - `expired`: parsed and verified, but its `#@` time has passed, so a leap
 *   second announced since is missing from it;
 * - `missing`: no file to read (or no permission to read it);
 * - `corrupt`: not in the format, or its entries are inconsistent;
 * - `bad-hash`: the `#h` hash is absent or does not match the data.
 */
export type LeapFileVerdict = "ok" | "expired" | "missing" | "corrupt" | "bad-hash";

/** A verdict and the one-line reason for it. */
export interface LeapFileJudgement {
  /** The verdict. */
  readonly verdict: LeapFileVerdict;
  /** One line saying why, without a trailing period. */
  readonly reason: string;
}

const DATA_LINE = /^(\d+)\s+(\d+)\s*(?:#.*)?$/;
const TIME_LINE = /^\s*(\d+)\s*$/;
const HASH_WORD = /^[0-9a-fA-F]{1,8}$/;

/**
 * The SHA-1 hash a `leap-seconds.list` should declare on its `#h` line:
 * over the digits of the `#$` and `#@` values and of each data line before
 * its comment, in file order.
 *
 * @param text The file's text.
 * @returns 40 lower-case hex digits.
 *
 * @example Usage
 * ```ts
 * import { leapSecondsListHash } from "./leap_seconds_list.ts";
 * import { createHash } from "node:crypto";
 * const text = "#$ 1\n#@ 2\n# a comment 3\n2272060800 10 # 1 Jan 1972\n#h 0\n";
 * const expected = createHash("sha1").update("12227206080010").digest("hex");
 * if (leapSecondsListHash(text) !== expected) throw new Error();
 * ```
 */
export function leapSecondsListHash(text: string): string {
  const hash = createHash("sha1");
  for (const line of text.split("\n")) {
    let data: string;
    if (line.startsWith("#$") || line.startsWith("#@")) data = line.slice(2);
    else if (line.length > 0 && line.charCodeAt(0) >= 0x30 && line.charCodeAt(0) <= 0x39) {
      data = line;
    } else continue;
    const end = data.indexOf("#");
    hash.update((end < 0 ? data : data.slice(0, end)).replace(/[^0-9]/g, ""));
  }
  return hash.digest("hex");
}

/**
 * Parses a `leap-seconds.list`. The hash is computed and returned beside the
 * declared one, not enforced: {@linkcode judgeLeapSecondsList} decides.
 *
 * Entries must be in time order, each at 00:00:00 UTC (a leap second is the
 * last second of a UTC day: ITU-R TF.460-6 puts it at the end of a month,
 * and test files put it at the coming midnight), each after the first
 * differing from the one before by exactly one second.
 *
 * @param text The file's text.
 * @returns The entries, update and expiry times, and both hashes.
 * @throws {SyntaxError} If a line is malformed, a `#$`, `#@` or `#h` line is
 *   missing a value or repeated, `#$` or `#@` is absent, there are no data
 *   lines, or the entries are inconsistent; the message names the line.
 *
 * @example Usage
 * ```ts
 * import { parseLeapSecondsList } from "./leap_seconds_list.ts";
 * const list = parseLeapSecondsList("#$ 3960835200\n#@ 3991593600\n2272060800 10\n2287785600 11\n");
 * if (list.entries[1].unixSeconds !== 78_796_800 || list.expires !== 1_782_604_800) throw new Error();
 * ```
 */
export function parseLeapSecondsList(text: string): LeapSecondsList {
  let updated: number | null = null;
  let expires: number | null = null;
  let declaredHash: string | null = null;
  const entries: LeapSecond[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].endsWith("\r") ? lines[i].slice(0, -1) : lines[i];
    const where = `line ${i + 1}`;
    if (line.startsWith("#$") || line.startsWith("#@")) {
      const value = ntpTimeValue(line.slice(2), where, line.slice(0, 2));
      if (line[1] === "$") {
        if (updated !== null) {
          throw new SyntaxError(`Cannot parse leap-seconds file: ${where} repeats "#$"`);
        }
        updated = value;
      } else {
        if (expires !== null) {
          throw new SyntaxError(`Cannot parse leap-seconds file: ${where} repeats "#@"`);
        }
        expires = value;
      }
    } else if (line.startsWith("#h")) {
      if (declaredHash !== null) {
        throw new SyntaxError(`Cannot parse leap-seconds file: ${where} repeats "#h"`);
      }
      declaredHash = hashValue(line.slice(2), where);
    } else if (line.startsWith("#") || line.trim() === "") {
      continue;
    } else {
      const match = DATA_LINE.exec(line.trimEnd());
      if (match === null) {
        throw new SyntaxError(
          `Cannot parse leap-seconds file: ${where} is not "NTP-seconds TAI-UTC [# comment]"`,
        );
      }
      entries.push(entry(Number(match[1]), Number(match[2]), entries, where));
    }
  }
  if (updated === null) {
    throw new SyntaxError(`Cannot parse leap-seconds file: no "#$" update line`);
  }
  if (expires === null) {
    throw new SyntaxError(`Cannot parse leap-seconds file: no "#@" expiry line`);
  }
  if (entries.length === 0) throw new SyntaxError("Cannot parse leap-seconds file: no data lines");
  return Object.freeze({
    entries: Object.freeze(entries),
    updated,
    expires,
    declaredHash,
    computedHash: leapSecondsListHash(text),
  });
}

/**
 * Judges a parsed file at an instant: `bad-hash` if its hash is absent or
 * wrong, else `expired` from its `#@` time on, else `ok`.
 *
 * @param list The parsed file.
 * @param now Unix seconds.
 * @returns The verdict and a one-line reason (entries, last leap, expiry).
 *
 * @example Usage
 * ```ts
 * import { judgeLeapSecondsList, parseLeapSecondsList } from "./leap_seconds_list.ts";
 * const list = parseLeapSecondsList("#$ 3960835200\n#@ 3991593600\n2272060800 10\n");
 * if (judgeLeapSecondsList(list, 0).verdict !== "bad-hash") throw new Error("no #h line");
 * ```
 */
export function judgeLeapSecondsList(list: LeapSecondsList, now: number): LeapFileJudgement {
  if (list.declaredHash === null) {
    return { verdict: "bad-hash", reason: 'no "#h" hash line, so the data cannot be verified' };
  }
  if (list.declaredHash !== list.computedHash) {
    return {
      verdict: "bad-hash",
      reason:
        `hash mismatch: the file declares ${list.declaredHash}, its data hash to ${list.computedHash}`,
    };
  }
  const last = list.entries[list.entries.length - 1];
  const summary = `${list.entries.length} entries, TAI-UTC ${last.taiMinusUtc} s from ${
    isoDate(last.unixSeconds)
  }, updated ${isoDate(list.updated)}`;
  if (now >= list.expires) {
    return { verdict: "expired", reason: `expired on ${isoDate(list.expires)}; ${summary}` };
  }
  return { verdict: "ok", reason: `valid until ${isoDate(list.expires)}; ${summary}` };
}

/**
 * A Unix second as `YYYY-MM-DD`, or with the time when not at midnight.
 *
 * @param seconds Unix seconds.
 * @returns e.g. `2026-06-28` or `2026-06-28T12:00:00Z`.
 */
export function isoDate(seconds: number): string {
  const text = new Date(seconds * 1000).toISOString();
  return seconds % SECONDS_PER_DAY === 0 ? text.slice(0, 10) : text.slice(0, 19) + "Z";
}

function ntpTimeValue(text: string, where: string, marker: string): number {
  const match = TIME_LINE.exec(text);
  if (match === null || !Number.isSafeInteger(Number(match[1]))) {
    throw new SyntaxError(
      `Cannot parse leap-seconds file: ${where} "${marker}" needs one NTP timestamp`,
    );
  }
  return Number(match[1]) - NTP_UNIX_EPOCH_OFFSET;
}

function hashValue(text: string, where: string): string {
  const words = text.trim().split(/\s+/);
  if (words.length !== 5 || !words.every((word) => HASH_WORD.test(word))) {
    throw new SyntaxError(
      `Cannot parse leap-seconds file: ${where} "#h" needs five words of 1 to 8 hex digits`,
    );
  }
  return words.map((word) => word.toLowerCase().padStart(8, "0")).join("");
}

function entry(
  ntpSeconds: number,
  offset: number,
  before: LeapSecond[],
  where: string,
): LeapSecond {
  const unixSeconds = ntpSeconds - NTP_UNIX_EPOCH_OFFSET;
  const fail = (why: string) => new SyntaxError(`Cannot parse leap-seconds file: ${where} ${why}`);
  if (!Number.isSafeInteger(ntpSeconds) || !Number.isSafeInteger(offset)) {
    throw fail("has a number out of range");
  }
  if (unixSeconds % SECONDS_PER_DAY !== 0) {
    throw fail(`is not at 00:00:00 UTC (${isoDate(unixSeconds)})`);
  }
  const previous = before[before.length - 1];
  if (previous !== undefined) {
    if (unixSeconds <= previous.unixSeconds) throw fail("is not after the line before");
    if (Math.abs(offset - previous.taiMinusUtc) !== 1) {
      throw fail(`steps TAI-UTC from ${previous.taiMinusUtc} to ${offset}, not by one second`);
    }
  }
  return Object.freeze({ unixSeconds, taiMinusUtc: offset });
}
