// Expected values computed independently: Unix seconds with `date -u -d … +%s`,
// fractions with Python's fractions.Fraction (round(nanos · 2^32 / 10^9)).
import assert from "node:assert/strict";
import type { Instant } from "../src/time/instant.ts";
import {
  instantToNtpTimestamp,
  isZeroNtpTimestamp,
  nanosToNtpFraction,
  NTP_ZERO_TIMESTAMP,
  ntpFractionToNanos,
  ntpSecondsOf,
  ntpShortToSeconds,
  ntpTimestampToInstant,
  readNtpTimestamp,
  secondsToNtpShort,
  writeNtpTimestamp,
} from "../src/protocols/ntp/timestamp.ts";

const T1900 = -2_208_988_800; // 1900-01-01T00:00:00Z
const T1968 = -61_505_153; // 1968-01-20T03:14:07Z, NTP seconds 2^31 − 1
const T2026 = 1_767_225_600; // 2026-01-01T00:00:00Z
const T2036_15 = 2_085_978_495; // 2036-02-07T06:28:15Z, last second of era 0
const T2036_16 = 2_085_978_496; // 2036-02-07T06:28:16Z, NTP seconds 0 of era 1
const T2036_17 = 2_085_978_497; // 2036-02-07T06:28:17Z

Deno.test("ntpSecondsOf() counts from 1900 modulo 2^32", () => {
  const table: [string, number, number][] = [
    ["1900-01-01T00:00:00Z", T1900, 0],
    ["1899-12-31T23:59:59Z", T1900 - 1, 0xffff_ffff],
    ["1968-01-20T03:14:07Z", T1968, 0x7fff_ffff],
    ["1970-01-01T00:00:00Z", 0, 0x83aa_7e80],
    ["2026-01-01T00:00:00Z", T2026, 0xed00_3780],
    ["2036-02-07T06:28:15Z", T2036_15, 0xffff_ffff],
    ["2036-02-07T06:28:16Z", T2036_16, 0],
    ["2036-02-07T06:28:17Z", T2036_17, 1],
  ];
  for (const [name, unix, expected] of table) assert.equal(ntpSecondsOf(unix), expected, name);
});

Deno.test("nanosToNtpFraction() rounds to the nearest 2^-32 s", () => {
  const table: [number, number][] = [
    [0, 0],
    [1, 4],
    [2, 9],
    [3, 13],
    [123_456_789, 0x1f9a_dd37],
    [250_000_000, 0x4000_0000],
    [500_000_000, 0x8000_0000],
    [999_999_998, 0xffff_fff7],
    [999_999_999, 0xffff_fffc],
  ];
  for (const [nanos, expected] of table) {
    assert.equal(nanosToNtpFraction(nanos), expected, `${nanos}`);
  }
});

Deno.test("ntpFractionToNanos() rounds to the nearest nanosecond", () => {
  const table: [number, number][] = [
    [0, 0],
    [1, 0],
    [2, 0],
    [3, 1],
    [0x0040_0000, 976_563], // exactly 976,562.5: half rounds up
    [0x8000_0000, 500_000_000],
    [0x9da4_d800, 615_796_566],
    [0xffff_fffb, 999_999_999],
    [0xffff_fffd, 999_999_999],
    [0xffff_fffe, 1_000_000_000],
    [0xffff_ffff, 1_000_000_000],
  ];
  for (const [fraction, expected] of table) {
    assert.equal(ntpFractionToNanos(fraction), expected, fraction.toString(16));
  }
});

Deno.test("instantToNtpTimestamp() converts both halves", () => {
  const table: [string, Instant, number, number][] = [
    ["1900", { seconds: T1900, nanos: 0 }, 0, 0],
    ["1970", { seconds: 0, nanos: 0 }, 0x83aa_7e80, 0],
    ["2026 + 0.5 s", { seconds: T2026, nanos: 500_000_000 }, 0xed00_3780, 0x8000_0000],
    [
      "2036 06:28:15.999999999",
      { seconds: T2036_15, nanos: 999_999_999 },
      0xffff_ffff,
      0xffff_fffc,
    ],
    ["2036 06:28:16", { seconds: T2036_16, nanos: 0 }, 0, 0],
    ["2036 06:28:17 + 1 ns", { seconds: T2036_17, nanos: 1 }, 1, 4],
  ];
  for (const [name, instant, seconds, fraction] of table) {
    assert.deepEqual(instantToNtpTimestamp(instant), { seconds, fraction }, name);
  }
});

Deno.test("ntpTimestampToInstant() picks the era nearest the pivot", () => {
  const table: [string, number, number, number, number][] = [
    // [name, seconds field, fraction, pivot Unix seconds, expected Unix seconds]
    ["0 just before the 2036 wrap is era 1", 0, 0, T2036_15, T2036_16],
    ["0xffffffff just after the wrap is era 0", 0xffff_ffff, 0, T2036_17, T2036_15],
    ["1 near 2036-02-07T06:28:16Z", 1, 0, T2036_16, T2036_17],
    ["1 seen in 2026 is 2036, not 1900", 1, 0, T2026, T2036_17],
    ["1970 seen in 2026", 0x83aa_7e80, 0, T2026, 0],
    ["0 seen in 1900 is 1900", 0, 0, T1900, T1900],
    ["0 seen in 1930 is 1900", 0, 0, -1_262_304_000, T1900],
    ["0 seen in 2100 is 2036", 0, 0, 4_102_444_800, T2036_16],
    // 2^31 s either side is the same field value; the earlier one is chosen.
    ["exactly half an era away goes back", 0x6d00_3780, 0, T2026, T2026 - 2_147_483_648],
    ["one second less than half an era ahead", 0x6d00_377f, 0, T2026, T2026 + 2_147_483_647],
  ];
  for (const [name, seconds, fraction, pivot, expected] of table) {
    assert.deepEqual(
      ntpTimestampToInstant(seconds, fraction, { seconds: pivot, nanos: 0 }),
      { seconds: expected, nanos: 0 },
      name,
    );
  }
});

Deno.test("ntpTimestampToInstant() carries a fraction that rounds to a whole second", () => {
  assert.deepEqual(
    ntpTimestampToInstant(0xffff_ffff, 0xffff_ffff, { seconds: T2036_15, nanos: 0 }),
    { seconds: T2036_16, nanos: 0 },
  );
});

Deno.test("ntpTimestampToInstant() round-trips instants to the nanosecond", () => {
  const instants: Instant[] = [
    { seconds: T1900, nanos: 0 },
    { seconds: T1900, nanos: 1 },
    { seconds: 0, nanos: 999_999_999 },
    { seconds: T2026, nanos: 123_456_789 },
    { seconds: T2036_15, nanos: 999_999_999 },
    { seconds: T2036_16, nanos: 0 },
    { seconds: T2036_17, nanos: 500_000_001 },
  ];
  for (const instant of instants) {
    const { seconds, fraction } = instantToNtpTimestamp(instant);
    assert.deepEqual(ntpTimestampToInstant(seconds, fraction, instant), instant);
  }
  for (let nanos = 0; nanos < 1_000_000_000; nanos += 999_983) {
    const instant = { seconds: T2026, nanos };
    assert.equal(ntpFractionToNanos(nanosToNtpFraction(nanos)), nanos);
    assert.deepEqual(
      ntpTimestampToInstant(ntpSecondsOf(T2026), nanosToNtpFraction(nanos), instant),
      instant,
    );
  }
});

Deno.test("writeNtpTimestamp() writes big-endian at the offset", () => {
  const bytes = new Uint8Array(16).fill(0xaa);
  writeNtpTimestamp(new DataView(bytes.buffer), 3, { seconds: T2026, nanos: 500_000_000 });
  assert.deepEqual(
    [...bytes],
    [
      0xaa,
      0xaa,
      0xaa,
      0xed,
      0x00,
      0x37,
      0x80,
      0x80,
      0x00,
      0x00,
      0x00,
      0xaa,
      0xaa,
      0xaa,
      0xaa,
      0xaa,
    ],
  );
});

Deno.test("readNtpTimestamp() reads both halves at the offset", () => {
  const bytes = new Uint8Array([0, 0xee, 0xab, 0xf5, 0x61, 0x9d, 0xa4, 0xd8, 0x00, 0]);
  assert.deepEqual(readNtpTimestamp(new DataView(bytes.buffer), 1), {
    seconds: 0xeeab_f561,
    fraction: 0x9da4_d800,
  });
});

Deno.test("isZeroNtpTimestamp() is true only for zero", () => {
  assert.equal(isZeroNtpTimestamp(NTP_ZERO_TIMESTAMP), true);
  assert.equal(isZeroNtpTimestamp({ seconds: 0, fraction: 1 }), false);
  assert.equal(isZeroNtpTimestamp({ seconds: 1, fraction: 0 }), false);
});

Deno.test("secondsToNtpShort() rounds up and clamps", () => {
  const table: [number, number][] = [
    [0, 0],
    [-1, 0],
    [Number.NaN, 0],
    [0.000015, 0x0000_0001], // 0.98 units rounds up to 1
    [0.001, 0x0000_0042], // 65.536 units
    [1.5, 0x0001_8000],
    [16, 0x0010_0000],
    [65_535.999_984_741_21, 0xffff_ffff],
    [1e9, 0xffff_ffff],
  ];
  for (const [seconds, expected] of table) {
    assert.equal(secondsToNtpShort(seconds), expected, `${seconds}`);
  }
});

Deno.test("ntpShortToSeconds() divides by 2^16", () => {
  assert.equal(ntpShortToSeconds(0x0001_8000), 1.5);
  assert.equal(ntpShortToSeconds(0x0000_0042), 66 / 65_536);
  assert.equal(ntpShortToSeconds(0xffff_ffff), 4_294_967_295 / 65_536);
});
