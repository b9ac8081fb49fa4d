import assert from "node:assert/strict";
import { announcedLeap, ClockStatus, type ClockStatusOptions } from "../src/time/clock_status.ts";
import { fixedClock } from "../src/time/clock.ts";
import type { Instant } from "../src/time/instant.ts";
import type { KernelClockStatus } from "../src/time/kernel_clock.ts";
import { builtInLeapTable, LeapSeconds, leapTableFromText } from "../src/time/leap_seconds.ts";
import { leapFileTexts } from "./_leap_files.ts";
import { FakeKernel, kernelStatus as fakeKernelStatus } from "./_fake_kernel.ts";

/** 2026-11-30T12:00:00Z: the last day before the crafted files' leap at 2026-12-01. */
const LAST_DAY: Instant = { seconds: 1_796_040_000, nanos: 0 };
const LEAP_AT = 1_796_083_200;

/** A kernel reading on the last day before the leap: synchronised, no leap pending, unless changed. */
function kernelStatus(change: Partial<KernelClockStatus>): KernelClockStatus {
  return fakeKernelStatus({ time: LAST_DAY, ...change });
}

function leapsFrom(text: "insertion" | "deletion" | null): LeapSeconds {
  if (text === null) return new LeapSeconds(builtInLeapTable());
  return new LeapSeconds(leapTableFromText(leapFileTexts(LAST_DAY.seconds)[text], "/f", 0));
}

function status(options: Partial<ClockStatusOptions>, now: Instant = LAST_DAY): ClockStatus {
  return new ClockStatus({
    sync: "kernel",
    stratum: 2,
    referenceId: "GPS",
    clock: fixedClock(now),
    ...options,
  });
}

Deno.test("announcedLeap() keeps 3 and the kernel's leap, else takes the table's", () => {
  const table: [0 | 1 | 2 | 3, 0 | 1 | 2, 0 | 1 | 2 | 3][] = [
    [0, 0, 0],
    [0, 1, 1],
    [0, 2, 2],
    [1, 0, 1],
    [1, 2, 1],
    [2, 1, 2],
    [2, 0, 2],
    [3, 0, 3],
    [3, 1, 3],
    [3, 2, 3],
  ];
  for (const [claimed, fromTable, expected] of table) {
    assert.equal(announcedLeap(claimed, fromTable), expected, `${claimed} + ${fromTable}`);
  }
});

Deno.test("ClockStatus announces the file's leap when the kernel has none pending", () => {
  // [name, sync, kernel reading, file, expected LI]
  const table: [
    string,
    "kernel" | "always",
    Partial<KernelClockStatus>,
    "insertion" | "deletion" | null,
    number,
  ][] = [
    ["kernel idle, file inserts", "kernel", {}, "insertion", 1],
    ["kernel idle, file deletes", "kernel", {}, "deletion", 2],
    ["kernel idle, built-in table", "kernel", {}, null, 0],
    ["kernel inserts, no file", "kernel", { state: 1, status: 0x11, leap: 1 }, null, 1],
    [
      "kernel deletes, file inserts: the kernel wins",
      "kernel",
      { status: 0x21, leap: 2 },
      "insertion",
      2,
    ],
    [
      "kernel inserts, file deletes: the kernel wins",
      "kernel",
      { status: 0x11, leap: 1 },
      "deletion",
      1,
    ],
    [
      "kernel unsynchronised: 3 stands",
      "kernel",
      { synchronised: false, state: 5, status: 0x40, leap: 3 },
      "insertion",
      3,
    ],
    [
      "sync always: the file alone",
      "always",
      { synchronised: false, state: 5, leap: 3 },
      "insertion",
      1,
    ],
    ["sync always, built-in table", "always", {}, null, 0],
  ];
  for (const [name, sync, reading, file, expected] of table) {
    const kernel = new FakeKernel({ time: LAST_DAY });
    kernel.status = kernelStatus(reading);
    const clockStatus = status({ sync, kernel, leapSeconds: leapsFrom(file) });
    assert.equal(clockStatus.ntpState.leap, expected, name);
  }
});

Deno.test("ClockStatus re-reads the kernel and the table on refresh()", () => {
  const kernel = new FakeKernel({ time: LAST_DAY });
  const leaps = leapsFrom(null);
  const clockStatus = status({ kernel, leapSeconds: leaps });
  assert.equal(clockStatus.ntpState.leap, 0);
  leaps.replace(leapsFrom("insertion").table);
  assert.equal(clockStatus.ntpState.leap, 0, "until the next refresh");
  clockStatus.refresh();
  assert.equal(clockStatus.ntpState.leap, 1);
  kernel.status = kernelStatus({ state: 1, status: 0x11, leap: 1 });
  clockStatus.refresh();
  assert.equal(clockStatus.ntpState.leap, 1);
  kernel.status = kernelStatus({ synchronised: false, state: 5, status: 0x40, leap: 3 });
  clockStatus.refresh();
  assert.equal(clockStatus.ntpState.leap, 3);
  assert.equal(clockStatus.ntpState.stratum, 0);
  clockStatus.close();
  assert.ok(kernel.closed);
});

Deno.test("ClockStatus stops announcing at the leap", () => {
  const leaps = leapsFrom("insertion");
  const table: [string, Instant, number][] = [
    ["the day before", { seconds: LEAP_AT - 86_401, nanos: 0 }, 0],
    ["00:00 of the last day", { seconds: LEAP_AT - 86_400, nanos: 0 }, 1],
    ["the repeated 23:59:59", { seconds: LEAP_AT - 1, nanos: 999_999_999 }, 1],
    ["the leap is over", { seconds: LEAP_AT, nanos: 0 }, 0],
  ];
  for (const [name, now, expected] of table) {
    const clockStatus = status({ sync: "always", leapSeconds: leaps }, now);
    assert.equal(clockStatus.ntpState.leap, expected, name);
  }
});

Deno.test("ClockStatus without a leap source keeps its former behaviour", () => {
  const kernel = new FakeKernel({ time: LAST_DAY });
  kernel.status = kernelStatus({ status: 0x21, leap: 2 });
  assert.equal(status({ kernel }).ntpState.leap, 2);
  assert.equal(status({ sync: "always" }).ntpState.leap, 0);
  const fallback = status({ kernel: { error: "no FFI" } });
  assert.equal(fallback.sync, "always");
  assert.equal(fallback.fallbackReason, "no FFI");
  assert.equal(fallback.ntpState.leap, 0);
  assert.match(
    status({ kernel }).statusLine(),
    /^OK synchronised=yes stratum=2 error=0\.000010s sync=kernel precision=2\^-?\d+s$/,
  );
});
