/**
 * Crafted `leap-seconds.list` files for tests, end-to-end ones against the
 * real process included: a leap second inserted (or deleted) at the coming
 * UTC midnight, both with correct hashes, an expired file and one whose hash
 * is wrong. The text follows the IERS layout (tabs, `#$`, `#@`, `#h` with
 * eight-digit hash words), so the parser meets what tzdata ships.
 *
 * @module
 */

import { LEAP_SECONDS, type LeapSecond } from "../src/time/leap_table.ts";
import { leapSecondsListHash } from "../src/time/leap_seconds_list.ts";
import { NTP_UNIX_EPOCH_OFFSET } from "../src/protocols/ntp/constants.ts";

const DAY = 86_400;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** What goes in a crafted file; times in Unix seconds. */
export interface LeapFileContent {
  /** The TAI − UTC steps. */
  entries: readonly LeapSecond[];
  /** The `#$` update time. */
  updated: number;
  /** The `#@` expiry time. */
  expires: number;
  /**
   * `correct`: the `#h` line hashes the data; `wrong`: its last digit is
   * changed; `none`: no `#h` line.
   *
   * @default {"correct"}
   */
  hash?: "correct" | "wrong" | "none";
}

/**
 * Writes the text of a `leap-seconds.list`.
 *
 * @param content Entries, times and the kind of hash.
 * @returns The file's text.
 */
export function leapSecondsListText(content: LeapFileContent): string {
  const lines = [
    "#\tA leap-seconds.list crafted by clockd's tests (IERS layout).",
    "#",
    "#$\t" + ntp(content.updated),
    "#",
    "#@\t" + ntp(content.expires),
    "#",
    "#NTP Time      DTAI    Day Month Year",
    "#",
    ...content.entries.map((entry) =>
      `${ntp(entry.unixSeconds)}\t${entry.taiMinusUtc}\t# ${dayMonthYear(entry.unixSeconds)}`
    ),
    "#",
  ];
  let text = lines.join("\n") + "\n";
  const kind = content.hash ?? "correct";
  if (kind === "none") return text;
  let hash = leapSecondsListHash(text);
  if (kind === "wrong") hash = hash.slice(0, -1) + (hash.endsWith("0") ? "1" : "0");
  text += "#h\t" + hash.match(/.{8}/g)!.join(" ") + "\n";
  return text;
}

/** Paths of the files {@linkcode writeLeapFiles} wrote, and the leap they announce. */
export interface LeapFiles {
  /** The directory holding them (remove it when done). */
  dir: string;
  /** The next UTC midnight after `now`, Unix seconds: the announced leap. */
  leapAt: number;
  /** A second inserted at `leapAt` (TAI − UTC 37 → 38); correct hash, expires 180 days later. */
  insertion: string;
  /** A second deleted at `leapAt` (37 → 36); correct hash. */
  deletion: string;
  /** The built-in entries, expired 30 days before `now`; correct hash. */
  expired: string;
  /** The insertion file with one hash digit changed. */
  badHash: string;
}

/**
 * Writes the four crafted files into a new temporary directory.
 *
 * @param now The time they are made for, Unix seconds (the leap is at the next midnight).
 * @returns Their paths and the leap's time.
 */
export async function writeLeapFiles(
  now: number = Math.floor(Date.now() / 1000),
): Promise<LeapFiles> {
  const dir = await Deno.makeTempDir({ prefix: "clockd-leap-" });
  const files = leapFileTexts(now);
  const paths = {} as Record<keyof typeof files, string>;
  for (const [name, text] of Object.entries(files)) {
    const path = `${dir}/${name}.list`;
    await Deno.writeTextFile(path, text);
    paths[name as keyof typeof files] = path;
  }
  return { dir, leapAt: nextMidnight(now), ...paths };
}

/**
 * The texts {@linkcode writeLeapFiles} writes.
 *
 * @param now The time they are made for, Unix seconds.
 * @returns The four texts by name.
 */
export function leapFileTexts(
  now: number,
): { insertion: string; deletion: string; expired: string; badHash: string } {
  const leapAt = nextMidnight(now);
  const today = leapAt - DAY;
  const last = LEAP_SECONDS[LEAP_SECONDS.length - 1].taiMinusUtc;
  const announcing = (step: number, hash: "correct" | "wrong") =>
    leapSecondsListText({
      entries: [...LEAP_SECONDS, { unixSeconds: leapAt, taiMinusUtc: last + step }],
      updated: today,
      expires: leapAt + 180 * DAY,
      hash,
    });
  return {
    insertion: announcing(1, "correct"),
    deletion: announcing(-1, "correct"),
    expired: leapSecondsListText({
      entries: LEAP_SECONDS,
      updated: today - 400 * DAY,
      expires: today - 30 * DAY,
    }),
    badHash: announcing(1, "wrong"),
  };
}

function nextMidnight(seconds: number): number {
  return (Math.floor(seconds / DAY) + 1) * DAY;
}

function ntp(unixSeconds: number): number {
  return unixSeconds + NTP_UNIX_EPOCH_OFFSET;
}

function dayMonthYear(unixSeconds: number): string {
  const date = new Date(unixSeconds * 1000);
  return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}`;
}
