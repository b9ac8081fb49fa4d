/**
 * Instants are worked out by hand from the dates in `leap-seconds.list`
 * (Unix = NTP − 2,208,988,800); 2016-12-31T00:00:00Z is 1,483,142,400.
 */

import assert from "node:assert/strict";
import {
  LEAP_SECONDS,
  leapAt,
  leapEndingDay,
  leapIndicatorAt,
  type LeapSecond,
  leapSecondEndsMonth,
  taiMinusUtc,
} from "../src/time/leap_table.ts";

const DAY = 86_400;
/** 2017-01-01T00:00:00Z: 2016-12-31 ended with 23:59:60. */
const JAN_2017 = 1_483_228_800;
/** 2012-07-01T00:00:00Z: 2012-06-30 ended with 23:59:60. */
const JUL_2012 = 1_341_100_800;
/** 2030-01-01T00:00:00Z, a hypothetical deletion in the test table. */
const JAN_2030 = 1_893_456_000;

/** The built-in table plus a second deleted at the end of 2029. */
const WITH_DELETION: readonly LeapSecond[] = [
  ...LEAP_SECONDS,
  { unixSeconds: JAN_2030, taiMinusUtc: 36 },
];

Deno.test("taiMinusUtc() reads any table, the built-in one by default", () => {
  const table: [number, readonly LeapSecond[], number][] = [
    [JAN_2017 - 1, LEAP_SECONDS, 36],
    [JAN_2017, LEAP_SECONDS, 37],
    [JAN_2030 - 1, WITH_DELETION, 37],
    [JAN_2030, WITH_DELETION, 36],
    [JAN_2030, LEAP_SECONDS, 37],
    [-1_000_000_000, WITH_DELETION, 10],
  ];
  for (const [seconds, leaps, expected] of table) {
    assert.equal(taiMinusUtc(seconds, leaps), expected, `${seconds} in ${leaps.length}`);
  }
  assert.equal(taiMinusUtc(JAN_2017), 37);
});

Deno.test("leapAt() gives +1, -1, and 0 for the table's start", () => {
  assert.equal(leapAt(WITH_DELETION, 0), 0);
  assert.equal(leapAt(WITH_DELETION, 27), 1);
  assert.equal(leapAt(WITH_DELETION, 28), -1);
});

Deno.test("leapEndingDay() finds the leap at the next midnight only", () => {
  const table: [string, number, number][] = [
    ["2016-12-30T23:59:59Z", JAN_2017 - DAY - 1, 0],
    ["2016-12-31T00:00:00Z", JAN_2017 - DAY, 1],
    ["2016-12-31T23:59:59Z", JAN_2017 - 1, 1],
    ["2017-01-01T00:00:00Z", JAN_2017, 0],
    ["2012-06-30T12:00:00Z", JUL_2012 - DAY / 2, 1],
    ["2029-12-31T00:00:00Z", JAN_2030 - DAY, -1],
    ["2029-12-31T23:59:58Z", JAN_2030 - 2, -1],
    ["2030-01-01T00:00:00Z", JAN_2030, 0],
    ["1971-12-31T12:00:00Z (the table's start is no leap)", 63_072_000 - DAY / 2, 0],
  ];
  for (const [name, seconds, expected] of table) {
    assert.equal(leapEndingDay(seconds, WITH_DELETION), expected, name);
  }
});

Deno.test("leapIndicatorAt() announces from 00:00 UTC of the last day until the leap", () => {
  const table: [string, number, number, 0 | 1 | 2][] = [
    ["the day before the last day", JAN_2017 - DAY - 1, 999_999_999, 0],
    ["the last day starts", JAN_2017 - DAY, 0, 1],
    ["the kernel's repeated 23:59:59", JAN_2017 - 1, 999_999_999, 1],
    ["the leap is over", JAN_2017, 0, 0],
    ["2012-06-30T18:00:00Z", JUL_2012 - DAY / 4, 0, 1],
    ["a deletion's last day", JAN_2030 - DAY, 0, 2],
    ["23:59:58, the deleted day's last second", JAN_2030 - 2, 500_000_000, 2],
    ["after the deletion", JAN_2030, 0, 0],
  ];
  for (const [name, seconds, nanos, expected] of table) {
    assert.equal(leapIndicatorAt({ seconds, nanos }, WITH_DELETION), expected, name);
  }
});

Deno.test("leapSecondEndsMonth() flags the month of an inserted second, not a deleted one", () => {
  const table: [string, number, readonly LeapSecond[], boolean][] = [
    ["2016-11-30T23:59:59Z", 1_480_550_399, LEAP_SECONDS, false],
    ["2016-12-01T00:00:00Z", 1_480_550_400, LEAP_SECONDS, true],
    ["2016-12-31T23:59:59Z", JAN_2017 - 1, LEAP_SECONDS, true],
    ["2017-01-01T00:00:00Z", JAN_2017, LEAP_SECONDS, false],
    ["2012-06-01T00:00:00Z", 1_338_508_800, LEAP_SECONDS, true],
    ["1972-06-16T00:00:00Z", 77_500_800, LEAP_SECONDS, true],
    ["1971-12-15T00:00:00Z (the table's start)", 61_603_200, LEAP_SECONDS, false],
    ["2029-12-15T00:00:00Z, a deletion", JAN_2030 - 17 * DAY, WITH_DELETION, false],
  ];
  for (const [name, seconds, leaps, expected] of table) {
    assert.equal(leapSecondEndsMonth(seconds, leaps), expected, name);
  }
});

Deno.test("leapSecondEndsMonth() with an announced mid-month leap flags from the 1st", () => {
  // A test file's leap at the coming midnight, 2026-11-30T00:00:00Z (TAI-UTC 38).
  const leap = 1_795_996_800;
  const leaps = [...LEAP_SECONDS, { unixSeconds: leap, taiMinusUtc: 38 }];
  assert.equal(leapSecondEndsMonth(1_793_491_200, leaps), true); // 2026-11-01
  assert.equal(leapSecondEndsMonth(1_793_491_199, leaps), false); // 2026-10-31T23:59:59Z
  assert.equal(leapSecondEndsMonth(leap, leaps), false);
});
