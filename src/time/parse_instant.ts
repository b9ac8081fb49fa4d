/**
 * Parses the `--at INSTANT` argument: an RFC 3339 date-time or Unix seconds,
 * exact to the nanosecond (the digits are read as integers, never through a
 * float).
 *
 * @module
 */

import { daysFromCivil, daysInMonth, SECONDS_PER_DAY } from "./_format_calendar.ts";
import type { Instant } from "./instant.ts";

/**
 * RFC 3339 `date-time`: `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`, with `t`/`z`
 * in either case and a space allowed for `T` (RFC 3339 §5.6 note).
 */
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** Unix seconds: an optional sign, digits, and up to nine fraction digits. */
const UNIX_SECONDS = /^([+-]?)(\d+)(?:\.(\d{1,9}))?$/;

/** The largest |Unix seconds| accepted: ±10^8 days, the range of `Date` and `Temporal`. */
const MAX_SECONDS = 8.64e12;

function invalid(text: string, reason?: string): SyntaxError {
  return new SyntaxError(
    `invalid instant "${text}": expected RFC 3339 or Unix seconds` +
      (reason === undefined ? "" : ` (${reason})`),
  );
}

/** Nine digits of nanoseconds from up to nine fraction digits. */
function fractionNanos(digits: string | undefined): number {
  return digits === undefined ? 0 : Number(digits.padEnd(9, "0"));
}

function parseRfc3339(text: string, match: RegExpExecArray): Instant {
  const [, y, mo, d, h, mi, s, fraction, , sign, offsetHours, offsetMinutes] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12) throw invalid(text, "month out of range");
  if (day < 1 || day > daysInMonth(year, month)) throw invalid(text, "day out of range");
  if (hour > 23) throw invalid(text, "hour out of range");
  if (minute > 59) throw invalid(text, "minute out of range");
  if (second > 59) throw invalid(text, "second out of range");
  if (fraction !== undefined && fraction.length > 9) {
    throw invalid(text, "more than 9 fraction digits");
  }
  let offsetSeconds = 0;
  if (sign !== undefined) {
    if (Number(offsetHours) > 23 || Number(offsetMinutes) > 59) {
      throw invalid(text, "offset out of range");
    }
    offsetSeconds = (sign === "-" ? -1 : 1) *
      (Number(offsetHours) * 3600 + Number(offsetMinutes) * 60);
  }
  const seconds = daysFromCivil(year, month, day) * SECONDS_PER_DAY + hour * 3600 + minute * 60 +
    second - offsetSeconds;
  return { seconds, nanos: fractionNanos(fraction) };
}

function parseUnixSeconds(text: string, match: RegExpExecArray): Instant {
  const [, sign, whole, fraction] = match;
  const magnitude = Number(whole);
  if (magnitude > MAX_SECONDS) throw invalid(text, "out of range");
  const nanos = fractionNanos(fraction);
  if (sign !== "-") return { seconds: magnitude, nanos };
  // -(w + f) = -(w + 1) + (1 - f): floor the seconds, keep the nanoseconds positive.
  return nanos === 0
    ? { seconds: magnitude === 0 ? 0 : -magnitude, nanos: 0 }
    : { seconds: -magnitude - 1, nanos: 1_000_000_000 - nanos };
}

/**
 * Parses an instant given as an RFC 3339 date-time or as Unix seconds.
 *
 * - RFC 3339: `2026-11-21T09:54:05.123456789Z`, `2026-11-21 09:54:05+05:30`;
 *   `T` may be `t` or a space, `Z` may be `z`; 0 to 9 fraction digits; the
 *   offset `±HH:MM` (hours to 23) or `Z`; `-00:00` is UTC. Leap second
 *   `:60` is rejected: Unix time cannot name it.
 * - Unix seconds: `1795257816`, `1795257816.25`, `-1.5`, `+7`; up to 9
 *   fraction digits; at most ±8.64e12 (the range of `Date`).
 *
 * @param text The argument.
 * @returns The instant, exact to the nanosecond.
 * @throws {SyntaxError} `invalid instant "…": expected RFC 3339 or Unix
 *   seconds`, followed by the reason in parentheses when the shape was right
 *   but a field was out of range.
 *
 * @example Usage
 * ```ts
 * import { parseInstant } from "./parse_instant.ts";
 * const { seconds, nanos } = parseInstant("-1.5");
 * if (seconds !== -2 || nanos !== 500_000_000) throw new Error("floor");
 * ```
 */
export function parseInstant(text: string): Instant {
  const unix = UNIX_SECONDS.exec(text);
  if (unix !== null) return parseUnixSeconds(text, unix);
  const rfc3339 = RFC3339.exec(text);
  if (rfc3339 !== null) return parseRfc3339(text, rfc3339);
  throw invalid(text);
}
