/** Expected seconds come from GNU `date -u -d <text> +%s`; the nanoseconds are the digits given. */

import assert from "node:assert/strict";
import { parseInstant } from "../src/time/parse_instant.ts";

Deno.test("parseInstant() reads RFC 3339 date-times to the nanosecond", () => {
  // [text, seconds, nanos]
  const cases: readonly (readonly [string, number, number])[] = [
    ["2026-11-21T09:54:05Z", 1_795_254_845, 0],
    ["2026-11-21T09:54:05.123456789Z", 1_795_254_845, 123_456_789],
    ["2026-11-21T09:54:05.1Z", 1_795_254_845, 100_000_000],
    ["2026-11-21T09:54:05.000000001Z", 1_795_254_845, 1],
    ["2026-11-21T09:54:05.999999999Z", 1_795_254_845, 999_999_999],
    ["2026-11-21T09:54:05+05:30", 1_795_235_045, 0],
    ["2026-11-21T09:54:05.5-08:00", 1_795_283_645, 500_000_000],
    ["2026-11-21t09:54:05z", 1_795_254_845, 0],
    ["2026-11-21 09:54:05Z", 1_795_254_845, 0],
    ["2026-11-21T09:54:05-00:00", 1_795_254_845, 0],
    ["1969-12-31T23:59:59.999999999Z", -1, 999_999_999],
    ["1969-07-20T20:17:40.25Z", -14_182_940, 250_000_000],
    ["0001-01-01T00:00:00Z", -62_135_596_800, 0],
    ["9999-12-31T23:59:59Z", 253_402_300_799, 0],
    ["2024-02-29T12:00:00Z", 1_709_208_000, 0],
    ["2000-01-01T00:00:00+23:59", 946_598_460, 0],
    ["1970-01-01T00:00:00-23:59", 86_340, 0],
  ];
  for (const [text, seconds, nanos] of cases) {
    assert.deepEqual(parseInstant(text), { seconds, nanos }, text);
  }
});

Deno.test("parseInstant() reads Unix seconds with a fraction, flooring negatives", () => {
  const cases: readonly (readonly [string, number, number])[] = [
    ["1795257816", 1_795_257_816, 0],
    ["1795257816.25", 1_795_257_816, 250_000_000],
    ["1795257816.123456789", 1_795_257_816, 123_456_789],
    ["1795257816.000000001", 1_795_257_816, 1],
    ["0", 0, 0],
    ["-0", 0, 0],
    ["+7", 7, 0],
    ["0.5", 0, 500_000_000],
    ["-0.5", -1, 500_000_000],
    ["-1", -1, 0],
    ["-1.5", -2, 500_000_000],
    ["-1.000000001", -2, 999_999_999],
    ["-14182939.75", -14_182_940, 250_000_000],
    ["007", 7, 0],
    ["8640000000000", 8_640_000_000_000, 0],
    ["-8640000000000", -8_640_000_000_000, 0],
  ];
  for (const [text, seconds, nanos] of cases) {
    assert.deepEqual(parseInstant(text), { seconds, nanos }, text);
  }
});

Deno.test("parseInstant() rejects malformed input with a SyntaxError", () => {
  const base = (text: string) => `invalid instant "${text}": expected RFC 3339 or Unix seconds`;
  // [text, reason or undefined]
  const cases: readonly (readonly [string, string | undefined])[] = [
    ["", undefined],
    ["now", undefined],
    [" 1", undefined],
    ["1 ", undefined],
    ["1.", undefined],
    [".5", undefined],
    ["1e9", undefined],
    ["0x10", undefined],
    ["1.1234567891", undefined],
    ["--1", undefined],
    ["2026-11-21", undefined],
    ["2026-11-21T09:54:05", undefined],
    ["2026-11-21T09:54Z", undefined],
    ["2026-11-21T09:54:05.Z", undefined],
    ["2026-11-21T09:54:05+0530", undefined],
    ["2026-11-21T09:54:05+05", undefined],
    ["2026-11-21X09:54:05Z", undefined],
    ["26-11-21T09:54:05Z", undefined],
    ["2026-11-21T09:54:05Z[Europe/Paris]", undefined],
    ["2026-13-01T00:00:00Z", "month out of range"],
    ["2026-00-01T00:00:00Z", "month out of range"],
    ["2026-02-29T00:00:00Z", "day out of range"],
    ["2026-04-31T00:00:00Z", "day out of range"],
    ["2026-11-00T00:00:00Z", "day out of range"],
    ["2026-11-21T24:00:00Z", "hour out of range"],
    ["2026-11-21T09:60:00Z", "minute out of range"],
    ["2016-12-31T23:59:60Z", "second out of range"],
    ["2026-11-21T09:54:05.1234567891Z", "more than 9 fraction digits"],
    ["2026-11-21T09:54:05+24:00", "offset out of range"],
    ["2026-11-21T09:54:05+05:60", "offset out of range"],
    ["8640000000001", "out of range"],
    ["-99999999999999999999", "out of range"],
  ];
  for (const [text, reason] of cases) {
    assert.throws(() => parseInstant(text), {
      name: "SyntaxError",
      message: base(text) + (reason === undefined ? "" : ` (${reason})`),
    }, text);
  }
});
