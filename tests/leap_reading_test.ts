import assert from "node:assert/strict";
import { ClockStatus } from "../src/time/clock_status.ts";
import { fixedClock } from "../src/time/clock.ts";
import type { Instant } from "../src/time/instant.ts";
import type { KernelClock } from "../src/time/kernel_clock.ts";
import { nearInsertion, readLeapAware } from "../src/time/leap_reading.ts";
import { builtInLeapTable, LeapSeconds, leapTableFromText } from "../src/time/leap_seconds.ts";
import { smearedClock, SmearedClockStatus } from "../src/time/leap_smear.ts";
import { LEAP_SECONDS } from "../src/time/leap_table.ts";
import { Metrics } from "../src/ops/metrics.ts";
import { NtpService } from "../src/protocols/ntp/ntp_service.ts";
import { leapFileTexts } from "./_leap_files.ts";
import { FakeKernel } from "./_fake_kernel.ts";

/** 2017-01-01T00:00:00Z, after 2016's inserted second. */
const L2016 = 1_483_228_800;

function kernelAt(time: Instant, state: number): FakeKernel {
  return new FakeKernel({
    state,
    status: 0x2011,
    maxErrorMicros: 1_000,
    estErrorMicros: 1,
    leap: state === 4 ? 0 : 1,
    time,
    tai: 36,
  });
}

Deno.test("nearInsertion() is true for 23:59:59 before an inserted second and the midnight after", () => {
  const deletion = [...LEAP_SECONDS, { unixSeconds: 1_893_456_000, taiMinusUtc: 36 }];
  const table: [string, number, boolean][] = [
    ["23:59:58", L2016 - 2, false],
    ["23:59:59", L2016 - 1, true],
    ["00:00:00", L2016, true],
    ["00:00:01", L2016 + 1, false],
    ["a midnight without a leap", 1_483_142_400, false],
    ["before a deletion", 1_893_455_999, false],
  ];
  for (const [name, seconds, expected] of table) {
    assert.equal(nearInsertion(seconds, deletion), expected, name);
  }
});

Deno.test("readLeapAware() takes the kernel's time and state near an insertion only", () => {
  const repeated = { seconds: L2016 - 1, nanos: 250_000_000 };
  const table: [string, Instant, number, boolean, Instant, boolean, number][] = [
    // [name, clock, kernel state, kernel given, expected instant, inserted, kernel reads]
    ["the second copy", repeated, 3, true, repeated, true, 1],
    ["the first copy", repeated, 1, true, repeated, false, 1],
    ["before the tick", { seconds: L2016, nanos: 1 }, 3, true, repeated, true, 1],
    ["after the leap", { seconds: L2016, nanos: 1 }, 4, true, repeated, false, 1],
    ["no kernel", repeated, 3, false, repeated, false, 0],
    [
      "away from the leap",
      { seconds: L2016 - 10, nanos: 0 },
      3,
      true,
      { seconds: L2016 - 10, nanos: 0 },
      false,
      0,
    ],
  ];
  for (const [name, now, state, given, instant, inserted, reads] of table) {
    const kernel = kernelAt(repeated, state);
    const reading = readLeapAware(fixedClock(now), LEAP_SECONDS, given ? kernel : null);
    assert.deepEqual(reading, { instant, insertedLeapSecond: inserted }, name);
    assert.equal(kernel.reads, reads, name);
  }
});

Deno.test("readLeapAware() falls back to the clock when the kernel read fails", () => {
  const now = { seconds: L2016 - 1, nanos: 5 };
  const broken: KernelClock = {
    read() {
      throw new TypeError("closed");
    },
    close() {},
  };
  assert.deepEqual(readLeapAware(fixedClock(now), LEAP_SECONDS, broken), {
    instant: now,
    insertedLeapSecond: false,
  });
});

Deno.test("NtpService on a smeared clock and status answers LI 0 with smeared timestamps", () => {
  // 2026-11-30T18:00:00Z, six hours before the crafted file's leap at 2026-12-01.
  const now = { seconds: 1_796_061_600, nanos: 0 };
  const leaps = new LeapSeconds(builtInLeapTable());
  leaps.replace(leapTableFromText(leapFileTexts(now.seconds).insertion, "/f", now.seconds));
  const clock = fixedClock(now);
  const status = new ClockStatus({
    sync: "always",
    stratum: 2,
    referenceId: "GPS",
    clock,
    leapSeconds: leaps,
  });
  assert.equal(status.ntpState.leap, 1);
  const smeared = smearedClock(clock, leaps);
  const service = new NtpService(smeared, new SmearedClockStatus(status, leaps));
  const request = new Uint8Array(48);
  request[0] = 0x23; // LI 0, version 4, mode 3
  // The engine stamps receive (and later transmit) times: from the smeared clock for this listener.
  const answer = service.handleDatagram(
    request,
    new Metrics().counter("ntp", "udp"),
    smeared.now(),
  )!;
  assert.equal(answer[0] >> 6, 0, "LI");
  // Transmit time: 18:00 smeared is 0.249997107 s behind, 17:59:59.750002893.
  const view = new DataView(answer.buffer, answer.byteOffset, 48);
  assert.equal(view.getUint32(40), 1_796_061_599 + 2_208_988_800);
  assert.equal(view.getUint32(44), Math.floor(0.750_002_893 * 2 ** 32));
  const plain = new NtpService(clock, status).handleDatagram(
    request,
    new Metrics().counter("ntp", "udp"),
    clock.now(),
  )!;
  assert.equal(plain[0] >> 6, 1, "the unsmeared listener announces the insertion");
});
