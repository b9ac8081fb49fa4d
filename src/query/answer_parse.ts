/**
 * Reads servers' answers back into instants, for `clockd query`: every
 * session-protocol format clockd writes, RFC 868 time, and the daytime
 * layouts seen in the wild (clockd's RFC 867 suggestion, NIST's, xinetd's,
 * and inetd's `ctime`).
 *
 * A reading is one of three kinds:
 * - `time`: the instant, with the layout's resolution (the server's clock
 *   read somewhere in `[instant, instant + resolution)`).
 * - `unknown`: an answer that may well be right but names no instant we can
 *   place: a zone abbreviation other than UTC or GMT, no zone at all, an
 *   unrecognised daytime layout, a request that asks for no time. Printed,
 *   with the offset unknown; not an error.
 * - `error`: not the answer asked for: `ERR …` from the server, a session
 *   answer not in the format requested, RFC 868 time that is not 4 bytes,
 *   a daytime answer that is empty or not text.
 *
 * @module
 */

import { getFormat } from "../time/formats.ts";
import type { Instant } from "../time/instant.ts";
import { decodeRfc868, RFC868_SIZE } from "../protocols/oneshot/rfc868.ts";
import {
  DETECT_ORDER,
  FORMAT_PARSERS,
  parseCount,
  parseDecimalDays,
  parseXinetd,
  type UnknownZone,
} from "./_answer_layouts.ts";

/** An instant read from an answer. */
export interface AnswerTime {
  /**
   * The instant the answer names. Formats truncate: the server read its
   * clock somewhere in `[instant, instant + resolutionNanos)`.
   */
  readonly instant: Instant;
  /** The step of the layout, in nanoseconds: 1e9 for whole seconds. */
  readonly resolutionNanos: number;
  /** The layout recognised: a format name (`rfc3339nano`), `rfc868` or `xinetd`. */
  readonly layout: string;
}

/** What an answer says: an instant, nothing we can place, or an error. */
export type AnswerReading =
  | { readonly kind: "time"; readonly time: AnswerTime }
  | { readonly kind: "unknown"; readonly reason: string }
  | { readonly kind: "error"; readonly reason: string };

/** Which of the mail-date layouts a line is in, by its zone: `http`, `rfc2822` or `rfc1123`. */
function mailLayout(text: string): string {
  if (text.endsWith(" GMT")) return "http";
  return /[+-]\d{4}$/.test(text) ? "rfc2822" : "rfc1123";
}

function resolutionOf(layout: string): number {
  return getFormat(layout)?.resolutionNanos ?? 1e9;
}

function reading(
  result: Instant | UnknownZone | null,
  layout: string,
  resolutionNanos = resolutionOf(layout),
): AnswerReading | null {
  if (result === null) return null;
  if ("unknownZone" in result) {
    return {
      kind: "unknown",
      reason: result.unknownZone === ""
        ? "the answer names no time zone"
        : `unknown time zone "${result.unknownZone}" in the ${layout} answer`,
    };
  }
  return { kind: "time", time: { instant: result, resolutionNanos, layout } };
}

/**
 * Recognises an answer whose layout is not known in advance: every layout
 * above that shows its own shape, then bare numbers by magnitude (the
 * count of seconds, milliseconds, microseconds or nanoseconds, or the
 * Modified or plain Julian Date, nearest the pivot).
 *
 * @param text One line, trimmed.
 * @param pivot An instant near the expected answer, usually now.
 * @returns The reading, or null when no layout fits.
 *
 * @example Usage
 * ```ts
 * import { detectTime } from "./answer_parse.ts";
 * const r = detectTime("1795254845123", { seconds: 1_795_254_845, nanos: 0 });
 * if (r?.kind !== "time" || r.time.layout !== "unixms") throw new Error();
 * ```
 */
export function detectTime(text: string, pivot: Instant): AnswerReading | null {
  for (const layout of DETECT_ORDER) {
    const parse = layout === "xinetd" ? parseXinetd : FORMAT_PARSERS[layout];
    const result = parse(text, pivot);
    if (result === null) continue;
    if (layout === "rfc3339nano" && !/[.,]\d/.test(text)) return reading(result, "rfc3339");
    if (layout === "rfc3339nano" && text.includes(",")) return reading(result, "iso8601");
    if (layout === "rfc1123") return reading(result, mailLayout(text));
    return reading(result, layout);
  }
  const candidates: [Instant | null, string][] = /^\d+\.\d{8}$/.test(text)
    ? [[parseDecimalDays(text, false), "mjd"], [parseDecimalDays(text, true), "jd"]]
    : (["unix", "unixms", "unixus", "unixns"] as const).map((name, i) => [
      parseCount(text, 3 * i),
      name,
    ]);
  let best: AnswerReading | null = null;
  let bestDistance = Infinity;
  for (const [instant, layout] of candidates) {
    if (instant === null) continue;
    const distance = Math.abs(instant.seconds - pivot.seconds);
    if (distance < bestDistance) {
      bestDistance = distance;
      best = reading(instant, layout);
    }
  }
  return best;
}

const SESSION_VERBS_WITHOUT_TIME = new Set([
  "format",
  "tz",
  "formats",
  "status",
  "help",
  "quit",
  "exit",
]);

/**
 * Reads a session-protocol answer. The request decides what is expected:
 * a format name (or `timestamp`) expects that format, and an answer not in
 * it is an error; the empty request and unrecognised words are answered in
 * the server's session format, which is detected ({@linkcode detectTime});
 * `help`, `formats`, `status`, `format`, `tz` and `quit` ask for no time.
 * An `ERR` answer is an error.
 *
 * @param request The request line sent, without its newline.
 * @param answer The answer line, without its line ending.
 * @param pivot An instant near the expected answer, usually now (for
 *   two-digit years and NTP eras).
 * @returns The reading.
 *
 * @example Usage
 * ```ts
 * import { readSessionAnswer } from "./answer_parse.ts";
 * const now = { seconds: 1_795_254_845, nanos: 0 };
 * const r = readSessionAnswer("rfc3339nano", "2026-11-21T09:54:05.5Z", now);
 * if (r.kind !== "time" || r.time.instant.nanos !== 500_000_000) throw new Error();
 * ```
 */
export function readSessionAnswer(request: string, answer: string, pivot: Instant): AnswerReading {
  const text = answer.trim();
  if (/^ERR\b/.test(text)) return { kind: "error", reason: `the server answered: ${text}` };
  const words = request.trim().toLowerCase().split(/[ \t\v\f\r\0]+/);
  const verb = words[0];
  if (SESSION_VERBS_WITHOUT_TIME.has(verb)) {
    return { kind: "unknown", reason: `"${verb}" asks for no time` };
  }
  const format = verb === "" ? undefined : getFormat(verb);
  if (format === undefined) {
    return detectTime(text, pivot) ??
      { kind: "unknown", reason: "the answer's format was not recognised" };
  }
  const parsed = FORMAT_PARSERS[format.name]?.(text, pivot);
  if (parsed === undefined) {
    return { kind: "unknown", reason: `clockd query cannot read the ${format.name} format` };
  }
  return reading(parsed, format.name) ??
    { kind: "error", reason: `the answer "${text}" is not in the ${format.name} format` };
}

/**
 * Reads an RFC 868 time answer: exactly 4 bytes, placed in the era nearest
 * the pivot, to the second.
 *
 * @param bytes Everything the server sent.
 * @param pivot An instant near the expected answer, usually now.
 * @returns A `time` reading with layout `rfc868`, or an error naming the length.
 *
 * @example Usage
 * ```ts
 * import { readTimeAnswer } from "./answer_parse.ts";
 * const r = readTimeAnswer(new Uint8Array([0x83, 0xaa, 0x7e, 0x80]), { seconds: 0, nanos: 0 });
 * if (r.kind !== "time" || r.time.instant.seconds !== 0) throw new Error();
 * ```
 */
export function readTimeAnswer(bytes: Uint8Array, pivot: Instant): AnswerReading {
  if (bytes.length !== RFC868_SIZE) {
    return {
      kind: "error",
      reason: `an RFC 868 answer is ${RFC868_SIZE} bytes, got ${bytes.length}`,
    };
  }
  return {
    kind: "time",
    time: { instant: decodeRfc868(bytes, pivot), resolutionNanos: 1e9, layout: "rfc868" },
  };
}

/**
 * Reads a daytime answer. RFC 867 fixes no syntax, so any text is a valid
 * answer; each non-blank line is tried against clockd's `daytime` layout,
 * NIST's, xinetd's, and the rest of {@linkcode detectTime}, and the first
 * recognised wins. Text in no known layout, or with a zone other than UTC,
 * GMT or a numeric one, is `unknown`; an empty answer or one that is not
 * printable text is an error.
 *
 * @param bytes Everything the server sent.
 * @param pivot An instant near the expected answer, usually now.
 * @returns The reading.
 *
 * @example Usage
 * ```ts
 * import { readDaytimeAnswer } from "./answer_parse.ts";
 * const bytes = new TextEncoder().encode("21 NOV 2026 09:54:05 UTC\r\n");
 * const r = readDaytimeAnswer(bytes, { seconds: 1_795_254_845, nanos: 0 });
 * if (r.kind !== "time" || r.time.instant.seconds !== 1_795_254_845) throw new Error();
 * ```
 */
export function readDaytimeAnswer(bytes: Uint8Array, pivot: Instant): AnswerReading {
  if (bytes.some((b) => (b < 0x20 && b !== 9 && b !== 10 && b !== 13) || b > 0x7e)) {
    return { kind: "error", reason: "the daytime answer is not printable text" };
  }
  const lines = new TextDecoder().decode(bytes).split("\n").map((line) => line.trim())
    .filter((line) => line !== "");
  if (lines.length === 0) return { kind: "error", reason: "the daytime answer is empty" };
  let unknown: AnswerReading | null = null;
  for (const line of lines) {
    const result = detectTime(line, pivot);
    if (result?.kind === "time") return result;
    unknown ??= result;
  }
  return unknown ?? { kind: "unknown", reason: "the daytime layout was not recognised" };
}
