/**
 * Reading answers back into instants: every session format clockd writes,
 * in several zones; the daytime layouts of clockd, NIST and xinetd; RFC 868;
 * and the answers that are unknown or errors.
 */

import assert from "node:assert/strict";
import { FORMATS } from "../src/time/formats.ts";
import type { Instant } from "../src/time/instant.ts";
import {
  type AnswerReading,
  detectTime,
  readDaytimeAnswer,
  readSessionAnswer,
  readTimeAnswer,
  zoneOffsetSeconds,
} from "../src/query/answer_parse.ts";
import { resolveZone } from "../src/time/zone.ts";

/** 2026-11-21T09:54:05.123456789Z, the README's instant. */
const AT: Instant = { seconds: 1_795_254_845, nanos: 123_456_789 };
const PIVOT: Instant = { seconds: 1_795_254_845, nanos: 0 };

function time(reading: AnswerReading | null): { instant: Instant; res: number; layout: string } {
  assert.ok(reading !== null, "a reading");
  assert.equal(reading.kind, "time", JSON.stringify(reading));
  if (reading.kind !== "time") throw new Error();
  return {
    instant: reading.time.instant,
    res: reading.time.resolutionNanos,
    layout: reading.time.layout,
  };
}

/** The instant a format's rendering can hold: truncated to its resolution. */
function truncated(instant: Instant, resolutionNanos: number): Instant {
  return { seconds: instant.seconds, nanos: instant.nanos - (instant.nanos % resolutionNanos) };
}

/** Formats whose rendering names a zone only by an abbreviation (letters are not read). */
const ABBREVIATION_ONLY = new Set(["rfc1123", "rfc850", "unixdate", "daytime"]);

for (const zoneName of ["UTC", "+05:30", "-03:00", "Asia/Dubai", "Europe/Paris"]) {
  const zone = resolveZone(zoneName);
  for (const format of FORMATS) {
    Deno.test(`readSessionAnswer() reads ${format.name} in ${zoneName} back`, () => {
      const text = format.render(AT, zone, 12_345_678_901);
      const reading = readSessionAnswer(format.name, text, PIVOT);
      if (format.name === "ansic") {
        assert.deepEqual(reading, { kind: "unknown", reason: "the answer names no time zone" });
        return;
      }
      if (zoneName === "Europe/Paris" && ABBREVIATION_ONLY.has(format.name)) {
        assert.equal(reading.kind, "unknown");
        if (reading.kind === "unknown") assert.match(reading.reason, /unknown time zone "CET"/);
        return;
      }
      const got = time(reading);
      assert.equal(got.layout, format.name);
      assert.equal(got.res, format.resolutionNanos);
      // mjd and jd: floored to 1e-8 day, which is not a whole number of nanoseconds apart.
      const expected = format.resolutionNanos === 864_000
        ? { seconds: AT.seconds, nanos: 122_656_000 }
        : truncated(AT, format.resolutionNanos);
      assert.deepEqual(got.instant, expected);
      // Detection without knowing the format finds the same instant.
      assert.deepEqual(time(detectTime(text, PIVOT)).instant, expected);
    });
  }
}

const sessionCases: [string, string, Instant, number, string][] = [
  [
    "",
    "2026-11-21 09:54:05.5 +0000 UTC m=+1.000000000",
    { seconds: AT.seconds, nanos: 5e8 },
    1,
    "go",
  ],
  ["", "2026-11-21 09:54:05 +0100 CET", { seconds: AT.seconds - 3600, nanos: 0 }, 1, "go"],
  ["timestamp", "1795254845", PIVOT, 1e9, "unix"],
  ["TIMESTAMP", "1795254845", PIVOT, 1e9, "unix"],
  ["unix", "-1", { seconds: -1, nanos: 0 }, 1e9, "unix"],
  ["unixms", "-1", { seconds: -1, nanos: 999_000_000 }, 1e6, "unixms"],
  [
    "rfc3339nano Asia/Tokyo",
    "2026-11-21T18:54:05.1+09:00",
    { seconds: AT.seconds, nanos: 1e8 },
    1,
    "rfc3339nano",
  ],
  ["rfc3339 +05:30", "2026-11-21T15:24:05+05:30", PIVOT, 1e9, "rfc3339"],
  ["whatever", "2026-11-21T09:54:05Z", PIVOT, 1e9, "rfc3339"],
  ["whatever", "2026-11-21T09:54:05.25Z", { seconds: AT.seconds, nanos: 25e7 }, 1, "rfc3339nano"],
  ["", "1795254845123456", { seconds: AT.seconds, nanos: 123_456_000 }, 1e3, "unixus"],
  ["", '{"unixns":"1795254845000000001"}', { seconds: AT.seconds, nanos: 1 }, 1, "json"],
  ["", "Saturday, November 21, 2026 09:54:05-GMT", PIVOT, 1e9, "daytime"],
];

for (const [request, answer, instant, res, layout] of sessionCases) {
  Deno.test(`readSessionAnswer() reads ${JSON.stringify(answer)} asked ${JSON.stringify(request)}`, () => {
    assert.deepEqual(time(readSessionAnswer(request, answer, PIVOT)), { instant, res, layout });
  });
}

const sessionOther: [string, string, AnswerReading["kind"], RegExp][] = [
  ["rfc3339 Mars", 'ERR unknown time zone "mars"', "error", /the server answered: ERR unknown/],
  ["", "ERR busy", "error", /ERR busy/],
  ["unix", "hello", "error", /the answer "hello" is not in the unix format/],
  ["rfc3339", "2026-11-21T09:54:05.5", "error", /not in the rfc3339 format/],
  ["rfc3339", "2026-02-30T09:54:05Z", "error", /not in the rfc3339 format/],
  ["go", "2026-11-21 09:54:05 UTC", "error", /not in the go format/],
  ["json", "{}", "error", /not in the json format/],
  ["help", "OK requests: …", "unknown", /"help" asks for no time/],
  ["formats", "OK go rfc3339", "unknown", /"formats" asks for no time/],
  ["status", "OK synchronised=yes", "unknown", /asks for no time/],
  ["tz Europe/Paris", "OK tz Europe/Paris", "unknown", /"tz" asks for no time/],
  ["", "something else entirely", "unknown", /not recognised/],
  ["daytime Europe/Paris", "Saturday, November 21, 2026 10:54:05-CET", "unknown", /"CET"/],
  ["ansic", "Sat Nov 21 09:54:05 2026", "unknown", /names no time zone/],
];

for (const [request, answer, kind, reason] of sessionOther) {
  Deno.test(`readSessionAnswer() calls ${JSON.stringify(answer)} to ${JSON.stringify(request)} ${kind}`, () => {
    const reading = readSessionAnswer(request, answer, PIVOT);
    assert.equal(reading.kind, kind);
    if (reading.kind !== "time") assert.match(reading.reason, reason);
  });
}

const encoder = new TextEncoder();

const daytimeCases: [string, string, Instant, string][] = [
  ["clockd daytime", "Saturday, November 21, 2026 09:54:05-UTC\r\n", PIVOT, "daytime"],
  [
    "clockd daytime, numeric zone",
    "Saturday, November 21, 2026 15:24:05+0530\r\n",
    PIVOT,
    "daytime",
  ],
  ["clockd daytime, -03", "Saturday, November 21, 2026 06:54:05-03\r\n", PIVOT, "daytime"],
  [
    "clockd nist",
    "61365 26-11-21 09:54:05 00 0 0   0.0 UTC(clockd) *\r\n",
    PIVOT,
    "nist",
  ],
  [
    "NIST, blank line first, 50 ms advance",
    "\n61365 26-11-21 09:54:05 00 0 0  50.0 UTC(NIST) * \n",
    { seconds: PIVOT.seconds - 1, nanos: 950_000_000 },
    "nist",
  ],
  ["xinetd", "21 NOV 2026 09:54:05 UTC\r\n", PIVOT, "xinetd"],
  ["xinetd, single-digit day", "01 DEC 2026 00:00:00 UTC\r\n", {
    seconds: 1_796_083_200,
    nanos: 0,
  }, "xinetd"],
  ["RFC 3339", "2026-11-21T09:54:05Z\n", PIVOT, "rfc3339"],
  ["an HTTP date", "Sat, 21 Nov 2026 09:54:05 GMT\n", PIVOT, "http"],
  ["RFC 1123 in UTC", "Sat, 21 Nov 2026 09:54:05 UTC\n", PIVOT, "rfc1123"],
  ["RFC 2822", "Sat, 21 Nov 2026 10:54:05 +0100\n", PIVOT, "rfc2822"],
];

for (const [name, answer, instant, layout] of daytimeCases) {
  Deno.test(`readDaytimeAnswer() reads ${name}`, () => {
    const got = time(readDaytimeAnswer(encoder.encode(answer), PIVOT));
    assert.deepEqual(got, { instant, res: 1e9, layout });
  });
}

const daytimeOther: [string, string | Uint8Array, AnswerReading["kind"], RegExp][] = [
  ["xinetd in a named zone", "21 NOV 2026 15:24:05 IST\r\n", "unknown", /unknown time zone "IST"/],
  ["clockd daytime in CET", "Saturday, November 21, 2026 10:54:05-CET\r\n", "unknown", /"CET"/],
  ["inetd ctime", "Sat Nov 21 09:54:05 2026\r\n", "unknown", /names no time zone/],
  ["free text", "It is half past nine\r\n", "unknown", /not recognised/],
  ["nothing", "", "error", /empty/],
  ["blank lines", "\r\n\r\n", "error", /empty/],
  ["binary", new Uint8Array([0x83, 0xaa, 0x7e, 0x80]), "error", /not printable text/],
];

for (const [name, answer, kind, reason] of daytimeOther) {
  Deno.test(`readDaytimeAnswer() calls ${name} ${kind}`, () => {
    const bytes = typeof answer === "string" ? encoder.encode(answer) : answer;
    const reading = readDaytimeAnswer(bytes, PIVOT);
    assert.equal(reading.kind, kind);
    if (reading.kind !== "time") assert.match(reading.reason, reason);
  });
}

Deno.test("readDaytimeAnswer() rejects a NIST line whose date disagrees with its MJD", () => {
  const reading = readDaytimeAnswer(
    encoder.encode("61365 26-11-22 09:54:05 00 0 0   0.0 UTC(NIST) *\n"),
    PIVOT,
  );
  assert.equal(reading.kind, "unknown");
});

Deno.test("readTimeAnswer() reads 4 bytes in the era nearest the pivot", () => {
  // 0xEEABE8BD = 4004243645 = 2026-11-21T09:54:05Z.
  const got = time(readTimeAnswer(new Uint8Array([0xee, 0xab, 0xe8, 0xbd]), PIVOT));
  assert.deepEqual(got, { instant: PIVOT, res: 1e9, layout: "rfc868" });
  // 0 read in 2036 is era 1.
  const era1 = time(readTimeAnswer(new Uint8Array(4), { seconds: 2_085_978_000, nanos: 0 }));
  assert.equal(era1.instant.seconds, 2_085_978_496);
});

for (const length of [0, 3, 5]) {
  Deno.test(`readTimeAnswer() calls a ${length}-byte answer an error`, () => {
    assert.deepEqual(readTimeAnswer(new Uint8Array(length), PIVOT), {
      kind: "error",
      reason: `an RFC 868 answer is 4 bytes, got ${length}`,
    });
  });
}

Deno.test("detectTime() tells counts apart by magnitude", () => {
  assert.equal(time(detectTime("1795254845", PIVOT)).layout, "unix");
  assert.equal(time(detectTime("1795254845123", PIVOT)).layout, "unixms");
  assert.equal(time(detectTime("1795254845123456", PIVOT)).layout, "unixus");
  assert.equal(time(detectTime("1795254845123456789", PIVOT)).layout, "unixns");
  assert.equal(time(detectTime("61365.41255929", PIVOT)).layout, "mjd");
  assert.equal(time(detectTime("2461365.91255929", PIVOT)).layout, "jd");
  assert.equal(detectTime("hello", PIVOT), null);
});

Deno.test("zoneOffsetSeconds() reads UTC, GMT and numeric zones, and nothing else", () => {
  const cases: [string, number | null][] = [
    ["UTC", 0],
    ["gmt", 0],
    ["Z", 0],
    ["+00", 0],
    ["+05", 18_000],
    ["+0530", 19_800],
    ["+05:30", 19_800],
    ["-0330", -12_600],
    ["-033045", -12_645],
    ["+24", null],
    ["+0560", null],
    ["CET", null],
    ["IST", null],
    ["EST", null],
    ["", null],
  ];
  for (const [text, expected] of cases) assert.equal(zoneOffsetSeconds(text), expected, text);
});
