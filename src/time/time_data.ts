/**
 * The time data clockd runs with, as one record for `status`, `/api/stats`
 * and `/metrics`: the zone-rule release the runtime uses, the system's
 * tzdata release, and the leap-seconds table in force with its expiry.
 *
 * @module
 */

import type { LeapSeconds } from "./leap_seconds.ts";
import type { LeapFileVerdict } from "./leap_seconds_list.ts";
import { isoDate } from "./leap_seconds_list.ts";
import { runtimeTzVersion, systemTzdataVersion, tzVersionWord } from "./tz_versions.ts";

/** What {@linkcode timeData} reports (a type, so it is a plain string record). */
export type TimeData = {
  /** The zone-rule release the runtime's ICU carries (`2026b`, `2026b+`, `unknown`). */
  readonly tz_runtime: string;
  /** The system's tzdata release (`2025b`, or `unknown`). */
  readonly tzdata_system: string;
  /** `file` when the leap-seconds file's table is in force, `built-in` otherwise. */
  readonly leap_source: "file" | "built-in";
  /** The leap-seconds file read (or tried), or null. */
  readonly leap_file: string | null;
  /** The file's verdict now: `ok`, `expired`, `missing`, `corrupt` or `bad-hash`. */
  readonly leap_file_state: LeapFileVerdict;
  /** When the table in force expires, `YYYY-MM-DD`. */
  readonly leap_expires: string;
};

let releases: { runtime: string; system: string } | null = null;

/**
 * The time data now. The two tz releases are probed once per isolate.
 *
 * @param leaps The leap-seconds table in force.
 * @param now Unix seconds the file's expiry is judged at.
 * @returns The record.
 *
 * @example Usage
 * ```ts
 * import { timeData } from "./time_data.ts";
 * import { LeapSeconds } from "./leap_seconds.ts";
 * const data = timeData(new LeapSeconds(), 0);
 * if (data.leap_source !== "built-in" || !/^\d{4}-\d\d-\d\d/.test(data.leap_expires)) throw new Error();
 * ```
 */
export function timeData(
  leaps: LeapSeconds,
  now: number = Math.floor(Date.now() / 1000),
): TimeData {
  releases ??= {
    runtime: tzVersionWord(runtimeTzVersion()),
    system: tzVersionWord(systemTzdataVersion()),
  };
  const table = leaps.table;
  return {
    tz_runtime: releases.runtime,
    tzdata_system: releases.system,
    leap_source: table.source,
    leap_file: table.path,
    leap_file_state: leaps.judgement(now).verdict,
    leap_expires: isoDate(table.expires),
  };
}

/**
 * The time data as the `status` line's fields.
 *
 * @param data The record.
 * @returns `tz`, `tzdata`, `leapfile` and `leapexpires`, in that order.
 *
 * @example Usage
 * ```ts
 * import { timeDataFields } from "./time_data.ts";
 * const fields = timeDataFields({
 *   tz_runtime: "2026b", tzdata_system: "2025b", leap_source: "file", leap_file: "/x",
 *   leap_file_state: "ok", leap_expires: "2027-06-28",
 * });
 * if (JSON.stringify(fields) !== '{"tz":"2026b","tzdata":"2025b","leapfile":"ok","leapexpires":"2027-06-28"}') {
 *   throw new Error();
 * }
 * ```
 */
export function timeDataFields(data: TimeData): Record<string, string> {
  return {
    tz: data.tz_runtime,
    tzdata: data.tzdata_system,
    leapfile: data.leap_file_state,
    leapexpires: data.leap_expires,
  };
}
