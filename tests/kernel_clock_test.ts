import assert from "node:assert/strict";
import {
  decodeTimex,
  insertedLeapSecond,
  type KernelClockStatus,
  LIBC_CANDIDATES,
  openKernelClock,
  TIMEX_SIZE,
  TimexOffset,
} from "../src/time/kernel_clock.ts";
import { runDenoScript } from "./_clockd.ts";

function hex(text: string): Uint8Array {
  const digits = text.replace(/\s+/g, "");
  const bytes = new Uint8Array(Math.max(TIMEX_SIZE, digits.length / 2));
  for (let i = 0; i < digits.length / 2; i++) {
    bytes[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  }
  return bytes;
}

/*
 * Golden struct timex bytes dumped by a C program built with gcc against
 * x86_64 glibc 2.36 (`memset(&t, 0, sizeof t)`, fields set by name, then the
 * bytes printed); the remaining bytes up to 208 are zero.
 */

/** A fully populated struct: offset -1234, freq 12 ppm, maxerror 123456, esterror 789,
 * status STA_PLL|STA_INS|STA_NANO, constant 6, precision 1, tolerance 32768000,
 * time 1767225599.999999000, tick 10000, tai 37; ntp_adjtime() returned TIME_INS. */
const SYNCED_INS = hex(`
  00000000000000002efbffffffffffff
  00000c000000000040e2010000000000
  15030000000000001120000000000000
  06000000000000000100000000000000
  0000f40100000000ffb8556900000000
  18c69a3b000000001027000000000000
  00000000000000000000000000000000
  00000000000000000000000000000000
  00000000000000000000000000000000
  00000000000000000000000000000000
  25000000000000000000000000000000
  00000000000000000000000000000000
  00000000000000000000000000000000`);

/** The kernel of the test machine itself (no NTP daemon): TIME_ERROR, STA_UNSYNC, 16 s errors. */
const REAL_UNSYNCHRONISED = hex(`
  00000000000000000000000000000000
  00000000000000000024f40000000000
  0024f400000000004000000000000000
  02000000000000000100000000000000
  0000f40100000000d077016b00000000
  8bed0800000000001027000000000000`);

Deno.test("decodeTimex() decodes every field of a populated struct", () => {
  assert.deepEqual(decodeTimex(SYNCED_INS, 1), {
    synchronised: true,
    state: 1,
    status: 0x2011,
    maxErrorMicros: 123_456,
    estErrorMicros: 789,
    leap: 1,
    time: { seconds: 1_767_225_599, nanos: 999_999_000 },
    tai: 37,
  });
});

Deno.test("decodeTimex() decodes a real unsynchronised kernel", () => {
  assert.deepEqual(decodeTimex(REAL_UNSYNCHRONISED, 5), {
    synchronised: false,
    state: 5,
    status: 0x40,
    maxErrorMicros: 16_000_000,
    estErrorMicros: 16_000_000,
    leap: 3,
    time: { seconds: 1_795_258_320, nanos: 585_099_000 },
    tai: 0,
  });
});

Deno.test("decodeTimex() derives synchronisation and leap from state and status", () => {
  // First 48 bytes dumped by the same C program; [name, bytes, return value, expected].
  const table: [string, string, number, Omit<KernelClockStatus, "state" | "time" | "tai">][] = [
    [
      "TIME_OK, STA_PLL",
      "000000000000000000000000000000000000000000000000c4090000000000000a000000000000000100000000000000",
      0,
      { synchronised: true, status: 0x01, maxErrorMicros: 2_500, estErrorMicros: 10, leap: 0 },
    ],
    [
      "TIME_OK, STA_DEL pending",
      "000000000000000000000000000000000000000000000000813e00000000000003000000000000002100000000000000",
      0,
      { synchronised: true, status: 0x21, maxErrorMicros: 16_001, estErrorMicros: 3, leap: 2 },
    ],
    [
      "TIME_OOP, inserted second in progress",
      "000000000000000000000000000000000000000000000000409c00000000000014000000000000001100000000000000",
      3,
      { synchronised: true, status: 0x11, maxErrorMicros: 40_000, estErrorMicros: 20, leap: 1 },
    ],
    [
      "TIME_WAIT, leap over though STA_INS is still set",
      "00000000000000000000000000000000000000000000000028a000000000000014000000000000001100000000000000",
      4,
      { synchronised: true, status: 0x11, maxErrorMicros: 41_000, estErrorMicros: 20, leap: 0 },
    ],
    [
      "TIME_OK but STA_UNSYNC",
      "0000000000000000000000000000000000000000000000000024f400000000000024f400000000004100000000000000",
      0,
      {
        synchronised: false,
        status: 0x41,
        maxErrorMicros: 16_000_000,
        estErrorMicros: 16_000_000,
        leap: 3,
      },
    ],
    [
      "TIME_ERROR from STA_CLOCKERR",
      "000000000000000000000000000000000000000000000000881300000000000064000000000000000110000000000000",
      5,
      { synchronised: false, status: 0x1001, maxErrorMicros: 5_000, estErrorMicros: 100, leap: 3 },
    ],
    [
      "ntp_adjtime() failed (-1)",
      "000000000000000000000000000000000000000000000000c4090000000000000a000000000000000100000000000000",
      -1,
      { synchronised: false, status: 0x01, maxErrorMicros: 2_500, estErrorMicros: 10, leap: 3 },
    ],
  ];
  for (const [name, bytes, returnValue, expected] of table) {
    assert.deepEqual(
      decodeTimex(hex(bytes), returnValue),
      { ...expected, state: returnValue, time: { seconds: 0, nanos: 0 }, tai: 0 },
      name,
    );
  }
});

Deno.test("decodeTimex() reads the time in microseconds, or nanoseconds with STA_NANO", () => {
  const timex = new Uint8Array(TIMEX_SIZE);
  const view = new DataView(timex.buffer);
  view.setBigInt64(TimexOffset.TIME, 1_483_228_799n, true);
  view.setBigInt64(TimexOffset.TIME + 8, 250_000n, true);
  view.setInt32(TimexOffset.TAI, 36, true);
  assert.deepEqual(decodeTimex(timex, 3).time, { seconds: 1_483_228_799, nanos: 250_000_000 });
  view.setInt32(TimexOffset.STATUS, 0x2000, true); // STA_NANO
  assert.deepEqual(decodeTimex(timex, 3).time, { seconds: 1_483_228_799, nanos: 250_000 });
  assert.equal(decodeTimex(timex, 3).tai, 36);
});

Deno.test("insertedLeapSecond() is true in TIME_OOP only", () => {
  const timex = new Uint8Array(TIMEX_SIZE);
  for (const state of [-1, 0, 1, 2, 3, 4, 5]) {
    assert.equal(insertedLeapSecond(decodeTimex(timex, state)), state === 3, `${state}`);
  }
});

Deno.test("decodeTimex() reads from a subarray at an offset", () => {
  const buffer = new Uint8Array(TIMEX_SIZE + 8);
  buffer.set(SYNCED_INS, 8);
  assert.equal(decodeTimex(buffer.subarray(8), 1).maxErrorMicros, 123_456);
});

Deno.test("decodeTimex() throws a RangeError on a short buffer", () => {
  assert.throws(
    () => decodeTimex(new Uint8Array(207), 0),
    new RangeError(`Cannot decode struct timex: need "208" bytes, got "207"`),
  );
});

const ffiGranted = Deno.build.os === "linux" &&
  Deno.permissions.querySync({ name: "ffi" }).state === "granted";

Deno.test({
  name: "openKernelClock() reads plausible values from the real kernel",
  ignore: !ffiGranted,
  fn() {
    const clock = openKernelClock();
    if ("error" in clock) throw new Error(clock.error);
    try {
      const status = clock.read();
      assert.ok(status.state >= 0 && status.state <= 5, `state ${status.state}`);
      assert.ok(Number.isInteger(status.status) && status.status >= 0 && status.status <= 0xffff);
      // The kernel caps maxerror at NTP_PHASE_LIMIT, 16 s, and marks the clock unsynchronised.
      assert.ok(
        status.maxErrorMicros >= 0 && status.maxErrorMicros <= 16_000_000,
        `${status.maxErrorMicros}`,
      );
      assert.ok(
        status.estErrorMicros >= 0 && status.estErrorMicros <= 16_000_000,
        `${status.estErrorMicros}`,
      );
      const unsynchronised = status.state === 5 || (status.status & 0x40) !== 0;
      const drift = Math.abs(status.time.seconds + status.time.nanos / 1e9 - Date.now() / 1000);
      assert.ok(drift < 2, `kernel time ${status.time.seconds}.${status.time.nanos}`);
      assert.equal(status.synchronised, !unsynchronised);
      if (!status.synchronised) assert.equal(status.leap, 3);
      else assert.ok(status.leap <= 2);
      clock.close();
      clock.close(); // idempotent
      assert.throws(() => clock.read(), TypeError);
    } finally {
      clock.close();
    }
  },
});

const libc = (LIBC_CANDIDATES[Deno.build.arch] ?? [])[0];
const canSpawn = Deno.permissions.querySync({ name: "run" }).state === "granted" &&
  Deno.build.os === "linux" && libc !== undefined;

Deno.test({
  name: "openKernelClock() needs --allow-ffi with libc's absolute path and never throws",
  ignore: !canSpawn,
  async fn() {
    const script = `
      import { openKernelClock } from ${
      JSON.stringify(new URL("../src/time/kernel_clock.ts", import.meta.url).href)
    };
      const clock = openKernelClock();
      console.log("error" in clock ? "error: " + clock.error : "ok " + clock.read().state);
    `;
    const table: [string[], RegExp][] = [
      [[], /^error: FFI access to libc is not permitted: run with --allow-ffi=\//],
      [[`--allow-ffi=${libc}`], /^ok [0-5]$/],
      [["--allow-ffi=libc.so.6"], /^error: Cannot load libc: "libc.so.6": /],
      [["--allow-ffi"], /^ok [0-5]$/],
    ];
    for (const [flags, expected] of table) {
      const { stdout: output, stderr } = await runDenoScript(flags, script);
      assert.match(output, expected, `${flags.join(" ")}: ${output} ${stderr}`);
    }
  },
});
