/**
 * Expected instants were computed outside this code with Python's exact
 * fractions: smeared = start + floor((shown + extra) · 86400 / (86400 + leap))
 * ns, start = noon UTC before the leap, extra = the leap once past it (and 1
 * s in the inserted second).
 */

import assert from "node:assert/strict";
import { fixedClock } from "../src/time/clock.ts";
import type { Instant } from "../src/time/instant.ts";
import { LeapSeconds } from "../src/time/leap_seconds.ts";
import {
  SMEAR_WINDOW_SECONDS,
  smearedClock,
  SmearedClockStatus,
  smearedInstant,
  smearedNtpState,
  smearedStamps,
  smearOffsetNanos,
} from "../src/time/leap_smear.ts";
import { LEAP_SECONDS, type LeapSecond } from "../src/time/leap_table.ts";
import type { NtpServerState } from "../src/protocols/ntp/server_state.ts";
import { FakeKernel } from "./_fake_kernel.ts";

/** 2017-01-01T00:00:00Z and 2012-07-01T00:00:00Z: after the inserted seconds. */
const L2016 = 1_483_228_800;
const L2012 = 1_341_100_800;
/** 2030-01-01T00:00:00Z: a hypothetical deleted second (2029-12-31 ends at 23:59:58). */
const L2030 = 1_893_456_000;
const WITH_DELETION: readonly LeapSecond[] = [
  ...LEAP_SECONDS,
  { unixSeconds: L2030, taiMinusUtc: 36 },
];

// [name, clock seconds, nanos, inserted second?, smeared seconds, nanos, offset ns]
type Case = readonly [string, number, number, boolean, number, number, number];

const CASES: readonly Case[] = [
  ["2016: before the window", L2016 - 43_201, 999_999_999, false, L2016 - 43_201, 999_999_999, 0],
  ["2016: noon, the window opens", L2016 - 43_200, 0, false, L2016 - 43_200, 0, 0],
  ["2016: 18:00", L2016 - 21_600, 0, false, 1_483_207_199, 750_002_893, -249_997_107],
  ["2016: the first 23:59:59", L2016 - 1, 0, false, 1_483_228_798, 500_017_360, -499_982_640],
  ["2016: 23:59:60", L2016 - 1, 0, true, 1_483_228_799, 500_005_786, 500_005_786],
  ["2016: 23:59:60.5 is smeared midnight", L2016 - 1, 500_000_000, true, L2016, 0, 500_000_000],
  ["2016: 00:00:00", L2016, 0, false, L2016, 499_994_213, 499_994_213],
  ["2016: 06:00", L2016 + 21_600, 0, false, L2016 + 21_600, 249_997_106, 249_997_106],
  ["2016: the last instant", L2016 + 43_199, 999_999_999, false, L2016 + 43_199, 999_999_999, 0],
  ["2016: noon, the window closes", L2016 + 43_200, 0, false, L2016 + 43_200, 0, 0],
  ["2012: a second in, 11.574 ppm", L2012 - 43_199, 0, false, L2012 - 43_200, 999_988_426, -11_574],
  ["2012: 23:59:60", L2012 - 1, 0, true, L2012 - 1, 500_005_786, 500_005_786],
  ["2012: 00:00:00", L2012, 0, false, L2012, 499_994_213, 499_994_213],
  ["deletion: 18:00", L2030 - 21_600, 0, false, L2030 - 21_600, 250_002_893, 250_002_893],
  ["deletion: 23:59:58, the last second", L2030 - 2, 0, false, L2030 - 2, 499_982_638, 499_982_638],
  ["deletion: 00:00:00", L2030, 0, false, L2030 - 1, 499_994_212, -500_005_788],
  [
    "deletion: the last instant",
    L2030 + 43_199,
    999_999_999,
    false,
    L2030 + 43_199,
    999_999_998,
    -1,
  ],
  ["deletion: the flag means nothing", L2030 - 2, 0, true, L2030 - 2, 499_982_638, 499_982_638],
];

Deno.test("smearedInstant() and smearOffsetNanos() smear 24 hours, noon to noon", () => {
  for (const [name, seconds, nanos, inserted, smearedSeconds, smearedNanos, offset] of CASES) {
    const instant = { seconds, nanos };
    const options = { insertedLeapSecond: inserted };
    assert.equal(smearOffsetNanos(instant, WITH_DELETION, options), offset, name);
    assert.deepEqual(
      smearedInstant(instant, WITH_DELETION, options),
      { seconds: smearedSeconds, nanos: smearedNanos },
      name,
    );
  }
});

/** The definition, in BigInt: the reference the fast path is checked against. */
function reference(instant: Instant, leapAt: number, leap: number, inserted: boolean): bigint {
  const start = BigInt(leapAt - SMEAR_WINDOW_SECONDS / 2);
  const shown = (BigInt(instant.seconds) - start) * 1_000_000_000n + BigInt(instant.nanos);
  let extra = instant.seconds >= leapAt ? leap : 0;
  if (leap > 0 && inserted && instant.seconds === leapAt - 1) extra = 1;
  const elapsed = shown + BigInt(extra) * 1_000_000_000n;
  const smeared = elapsed * 86_400n / BigInt(86_400 + leap);
  return smeared - shown;
}

Deno.test("smearOffsetNanos() agrees with exact integer arithmetic across the window", () => {
  let seed = 12_345;
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
  for (const [leapAt, leap] of [[L2016, 1], [L2030, -1]]) {
    for (let i = 0; i < 20_000; i++) {
      const seconds = leapAt - 43_200 + Math.floor(random() * SMEAR_WINDOW_SECONDS);
      const instant = { seconds, nanos: Math.floor(random() * 1e9) };
      const inserted = seconds === leapAt - 1 && random() < 0.5;
      assert.equal(
        BigInt(smearOffsetNanos(instant, WITH_DELETION, { insertedLeapSecond: inserted })),
        reference(instant, leapAt, leap, inserted),
        `${seconds}.${instant.nanos}`,
      );
    }
  }
});

Deno.test("smearedInstant() is monotonic through an inserted second flagged as such", () => {
  let previous = -Infinity;
  // Every 100 ms from 23:59:58 to 00:00:01, the repeated second flagged.
  const readings: [number, number, boolean][] = [];
  for (
    const [second, inserted] of [[L2016 - 2, false], [L2016 - 1, false], [L2016 - 1, true], [
      L2016,
      false,
    ]] as const
  ) {
    for (let tenth = 0; tenth < 10; tenth++) readings.push([second, tenth * 1e8, inserted]);
  }
  for (const [seconds, nanos, inserted] of readings) {
    const smeared = smearedInstant({ seconds, nanos }, LEAP_SECONDS, {
      insertedLeapSecond: inserted,
    });
    const value = (smeared.seconds - L2016) * 1e9 + smeared.nanos;
    assert.ok(value > previous, `${seconds}.${nanos} ${inserted}`);
    // 100 ms of real time is 100 ms · 86400/86401 of smeared time.
    if (previous !== -Infinity) assert.ok(Math.abs(value - previous - 99_998_843) <= 1);
    previous = value;
  }
});

Deno.test("smearOffsetNanos() is 0 away from leaps and with the built-in table after 2017", () => {
  const table: [string, Instant][] = [
    ["1970", { seconds: 0, nanos: 0 }],
    ["1972-01-01, the table's start, is no leap", { seconds: 63_072_000, nanos: 0 }],
    ["2026-11-30", { seconds: 1_795_997_879, nanos: 1 }],
  ];
  for (const [name, instant] of table) {
    assert.equal(smearOffsetNanos(instant, LEAP_SECONDS), 0, name);
    assert.equal(smearedInstant(instant, LEAP_SECONDS), instant, name);
  }
  // 1972-06-30T18:00:00Z is smeared: the first leap second.
  assert.equal(smearOffsetNanos({ seconds: 78_775_200, nanos: 0 }, LEAP_SECONDS), -249_997_107);
});

/** A kernel inserting 2016's leap second: TIME_OOP with the repeated 23:59:59.5. */
function oopKernel(): FakeKernel {
  return new FakeKernel({
    state: 3,
    status: 0x2011,
    maxErrorMicros: 1_000,
    estErrorMicros: 1,
    leap: 1,
    time: { seconds: L2016 - 1, nanos: 500_000_000 },
    tai: 37,
  });
}

Deno.test("smearedClock() asks the kernel near an insertion and smears its reading", () => {
  const leaps = new LeapSeconds();
  const kernel = oopKernel();
  // The clock still shows midnight (before the tick), the kernel says 23:59:60.5.
  const atLeap = smearedClock(fixedClock({ seconds: L2016, nanos: 100 }, 7), leaps, kernel);
  assert.deepEqual(atLeap.now(), { seconds: L2016, nanos: 0 });
  assert.equal(kernel.reads, 1);
  assert.equal(atLeap.monotonicNanos(), 7);
  // Away from the leap the kernel is not read.
  const noon = smearedClock(fixedClock({ seconds: L2016 - 21_600, nanos: 0 }), leaps, kernel);
  assert.deepEqual(noon.now(), { seconds: 1_483_207_199, nanos: 750_002_893 });
  assert.equal(kernel.reads, 1);
  // Without a kernel the repeated second smears like the first.
  const blind = smearedClock(fixedClock({ seconds: L2016 - 1, nanos: 0 }), leaps);
  assert.deepEqual(blind.now(), { seconds: 1_483_228_798, nanos: 500_017_360 });
});

Deno.test("smearedStamps() reads the smeared clock for a stamp in the repeated second", () => {
  const leaps = new LeapSeconds();
  const kernel = oopKernel(); // now: 23:59:60.5, the second copy
  const smear = smearedStamps(
    smearedClock(fixedClock({ seconds: L2016, nanos: 100 }), leaps, kernel),
    leaps,
  );
  // A receive stamp taken during the second copy shows 23:59:59.4: smeared as
  // the first copy it would be a second behind the answers before it.
  const stamp = { seconds: L2016 - 1, nanos: 400_000_000 };
  const asFirstCopy = smearedInstant(stamp, LEAP_SECONDS);
  const endOfFirstCopy = smearedInstant({ seconds: L2016 - 1, nanos: 999_999_999 }, LEAP_SECONDS);
  const smeared = smear(stamp);
  assert.deepEqual(smeared, { seconds: L2016, nanos: 0 }, "the leap-aware reading of now");
  assert.equal(kernel.reads, 1);
  const nanos = (i: Instant) => BigInt(i.seconds) * 1_000_000_000n + BigInt(i.nanos);
  assert.ok(nanos(smeared) > nanos(endOfFirstCopy), "after every first-copy instant");
  assert.ok(nanos(asFirstCopy) < nanos(endOfFirstCopy), "what the stamp alone would give");
  // Away from the leap a stamp is smeared as it is, and the kernel is not asked.
  const noon = { seconds: L2016 - 21_600, nanos: 0 };
  assert.deepEqual(smear(noon), smearedInstant(noon, LEAP_SECONDS));
  assert.equal(kernel.reads, 1);
});

const STATE: NtpServerState = {
  leap: 1,
  stratum: 2,
  referenceId: 0x4750_5300,
  precision: -20,
  rootDelay: 0,
  rootDispersion: 0.0025,
  referenceTime: { seconds: L2016 - 21_600, nanos: 0 },
};

Deno.test("smearedNtpState() announces no leap and smears the reference time", () => {
  const table: [NtpServerState["leap"], NtpServerState["leap"]][] = [[0, 0], [1, 0], [2, 0], [
    3,
    3,
  ]];
  for (const [leap, expected] of table) {
    const state = smearedNtpState({ ...STATE, leap }, LEAP_SECONDS);
    assert.equal(state.leap, expected, `${leap}`);
    assert.deepEqual(state.referenceTime, { seconds: 1_483_207_199, nanos: 750_002_893 });
    assert.equal(state.stratum, 2);
    assert.equal(state.rootDispersion, 0.0025);
  }
  assert.equal(
    smearedNtpState({ ...STATE, referenceTime: null }, LEAP_SECONDS).referenceTime,
    null,
  );
});

Deno.test("SmearedClockStatus recomputes only when the state or the table changes", () => {
  const source = { ntpState: STATE };
  const leaps = new LeapSeconds();
  const smeared = new SmearedClockStatus(source, leaps);
  const first = smeared.ntpState;
  assert.equal(first.leap, 0);
  assert.equal(smeared.ntpState, first);
  source.ntpState = { ...STATE, leap: 3 };
  const second = smeared.ntpState;
  assert.notEqual(second, first);
  assert.equal(second.leap, 3);
  leaps.replace({ ...leaps.table, entries: WITH_DELETION });
  assert.notEqual(smeared.ntpState, second);
});
