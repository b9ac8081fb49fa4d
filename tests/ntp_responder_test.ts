// Expected bytes computed independently (Python fractions for NTP fractions,
// `date -u -d … +%s` for Unix seconds), never by the code under test.
import assert from "node:assert/strict";
import type { Instant } from "../src/time/instant.ts";
import type { KernelClockStatus } from "../src/time/kernel_clock.ts";
import { writeKissOfDeath } from "../src/protocols/ntp/kiss_of_death.ts";
import {
  NtpResponder,
  writeNtpResponse,
  writeTransmitTime,
} from "../src/protocols/ntp/responder.ts";
import { type NtpServerState, ntpServerState } from "../src/protocols/ntp/server_state.ts";
import { validateNtpRequest } from "../src/protocols/ntp/validate_request.ts";
import { kernelStatus } from "./_fake_kernel.ts";

function hex(text: string): Uint8Array {
  const digits = text.replace(/\s+/g, "");
  return Uint8Array.from(
    { length: digits.length / 2 },
    (_, i) => parseInt(digits.slice(2 * i, 2 * i + 2), 16),
  );
}

function bytesOf(out: Uint8Array, from: number, to: number): string {
  return [...out.subarray(from, to)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** ntpdig 1.2.2's request, captured on loopback (see tests/ntp_packet_test.ts): LI 3, VN 4, mode 3. */
const NTPDIG_REQUEST = hex(`
  e3000000 00000000 00000000 00000000
  00000000 00000000 00000000 00000000
  00000000 00000000 eeabf561 9da4d800`);

/** chronyd 4.3's request, captured on loopback: LI 0, VN 4, mode 3, poll 6, precision 32. */
const CHRONY_REQUEST = hex(`
  23000620 00000000 00000000 00000000
  00000000 00000000 00000000 00000000
  00000000 00000000 8285ea68 aadd5e5b`);

function request(firstByte: number, length = 48): Uint8Array {
  const bytes = new Uint8Array(length);
  bytes.set(CHRONY_REQUEST.subarray(0, Math.min(48, length)));
  if (length > 0) bytes[0] = firstByte;
  return bytes;
}

// 2026-11-21T10:48:01.616000000Z and .616000123Z; reference 2026-11-21T10:48:00Z.
const RECEIVED: Instant = { seconds: 1_795_258_081, nanos: 616_000_000 };
const TRANSMIT: Instant = { seconds: 1_795_258_081, nanos: 616_000_123 };
const STATE: NtpServerState = {
  leap: 0,
  stratum: 10,
  referenceId: 0x4c4f_434c, // "LOCL"
  precision: -20,
  rootDelay: 0,
  rootDispersion: 0.001,
  referenceTime: { seconds: 1_795_258_080, nanos: 0 },
};

function answer(
  state: NtpServerState = STATE,
  req: Uint8Array = NTPDIG_REQUEST,
  received = RECEIVED,
  transmit = TRANSMIT,
): Uint8Array {
  const out = new Uint8Array(48);
  assert.equal(writeNtpResponse(req, received, transmit, state, out), 48);
  return out;
}

Deno.test("validateNtpRequest() accepts and drops by the table", () => {
  const extension = new Uint8Array(48 + 16); // one RFC 7822 extension field (type 0x0104, length 16)
  extension.set(CHRONY_REQUEST);
  extension.set([0x01, 0x04, 0x00, 0x10], 48);
  const mac = new Uint8Array(48 + 20); // key ID + 128-bit digest
  mac.set(CHRONY_REQUEST);
  const macV3 = new Uint8Array(48 + 24); // key ID + SHA-1 digest
  macV3.set(request(0x1b));
  const http = new TextEncoder().encode(
    "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".padEnd(48, " "),
  );
  const table: [string, Uint8Array, string | null][] = [
    ["empty", new Uint8Array(0), "short"],
    ["1 byte", request(0x23, 1), "short"],
    ["47 bytes", request(0x23, 47), "short"],
    ["ntpq control header (12 bytes)", hex("16010001 00000000 00000000"), "short"],
    ["49 bytes", request(0x23, 49), "length"],
    ["50 bytes", request(0x23, 50), "length"],
    ["ntpdig request", NTPDIG_REQUEST, null],
    ["chronyd request", CHRONY_REQUEST, null],
    ["48 bytes VN 4", request(0x23), null],
    ["48 bytes VN 3", request(0x1b), null],
    ["48 bytes VN 2", request(0x13), null],
    ["48 bytes VN 1", request(0x0b), null],
    ["48 + extension field", extension, null],
    ["48 + MAC", mac, null],
    ["48 + MAC, VN 3", macV3, null],
    ["VN 0", request(0x03), "version"],
    ["VN 5", request(0x2b), "version"],
    ["VN 6", request(0x33), "version"],
    ["VN 7", request(0x3b), "version"],
    ["mode 0", request(0x20), "mode"],
    ["mode 1 (symmetric active)", request(0x21), "mode"],
    ["mode 2 (symmetric passive)", request(0x22), "mode"],
    ["mode 4 (server)", request(0x24), "mode"],
    ["mode 5 (broadcast)", request(0x25), "mode"],
    ["mode 6 (control)", request(0x26), "mode"],
    ["mode 7 (private)", request(0x27), "mode"],
    ["all 0xff", new Uint8Array(48).fill(0xff), "version"],
    ["all zero", new Uint8Array(48), "version"],
    ["HTTP request", http, "version"],
  ];
  for (const [name, bytes, expected] of table) {
    assert.equal(validateNtpRequest(bytes), expected, name);
  }
});

Deno.test("writeNtpResponse() writes the whole answer to an ntpdig request", () => {
  assert.deepEqual(
    answer(),
    hex(`
      240a00ec 00000000 00000042 4c4f434c
      eeabf560 00000000 eeabf561 9da4d800
      eeabf561 9db22d0e eeabf561 9db22f1f`),
  );
});

Deno.test("writeNtpResponse() sets LI from the state", () => {
  for (const leap of [0, 1, 2, 3] as const) {
    assert.equal(answer({ ...STATE, leap })[0] >> 6, leap);
  }
});

Deno.test("writeNtpResponse() copies the version", () => {
  const table: [number, number][] = [[0x23, 0x24], [0xe3, 0x24], [0x1b, 0x1c], [0x13, 0x14], [
    0x0b,
    0x0c,
  ]];
  for (const [first, expected] of table) assert.equal(answer(STATE, request(first))[0], expected);
});

Deno.test("writeNtpResponse() sets mode 4", () => {
  assert.equal(answer()[0] & 0x7, 4);
});

Deno.test("writeNtpResponse() sets the stratum", () => {
  assert.equal(answer({ ...STATE, stratum: 1 })[1], 1);
  assert.equal(answer({ ...STATE, stratum: 10 })[1], 10);
});

Deno.test("writeNtpResponse() copies the poll", () => {
  assert.equal(answer(STATE, CHRONY_REQUEST)[2], 6);
  assert.equal(answer(STATE, NTPDIG_REQUEST)[2], 0);
  const negative = request(0x23);
  negative[2] = 0xfa; // -6
  assert.equal(answer(STATE, negative)[2], 0xfa);
});

Deno.test("writeNtpResponse() sets the precision", () => {
  assert.equal(answer({ ...STATE, precision: -20 })[3], 0xec);
  assert.equal(answer({ ...STATE, precision: -6 })[3], 0xfa);
});

Deno.test("writeNtpResponse() sets the root delay", () => {
  assert.equal(bytesOf(answer({ ...STATE, rootDelay: 0 }), 4, 8), "00000000");
  assert.equal(bytesOf(answer({ ...STATE, rootDelay: 1.5 }), 4, 8), "00018000");
});

Deno.test("writeNtpResponse() sets the root dispersion, rounded up", () => {
  assert.equal(bytesOf(answer({ ...STATE, rootDispersion: 0.001 }), 8, 12), "00000042");
  assert.equal(bytesOf(answer({ ...STATE, rootDispersion: 16 }), 8, 12), "00100000");
});

Deno.test("writeNtpResponse() sets the reference ID", () => {
  assert.equal(bytesOf(answer(), 12, 16), "4c4f434c");
  assert.equal(bytesOf(answer({ ...STATE, referenceId: 0xc000_0201 }), 12, 16), "c0000201");
});

Deno.test("writeNtpResponse() sets the reference timestamp, zero when unknown", () => {
  assert.equal(bytesOf(answer(), 16, 24), "eeabf56000000000");
  assert.equal(bytesOf(answer({ ...STATE, referenceTime: null }), 16, 24), "0000000000000000");
  const referenceTime = { seconds: 2_085_978_495, nanos: 500_000_000 }; // 2036-02-07T06:28:15.5Z
  assert.equal(bytesOf(answer({ ...STATE, referenceTime }), 16, 24), "ffffffff80000000");
});

Deno.test("writeNtpResponse() copies the origin timestamp", () => {
  assert.equal(bytesOf(answer(STATE, NTPDIG_REQUEST), 24, 32), "eeabf5619da4d800");
  assert.equal(bytesOf(answer(STATE, CHRONY_REQUEST), 24, 32), "8285ea68aadd5e5b");
  const odd = request(0x23);
  odd.set([0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01], 40);
  assert.equal(bytesOf(answer(STATE, odd), 24, 32), "ffffffff00000001");
});

Deno.test("writeNtpResponse() sets the receive timestamp", () => {
  assert.equal(bytesOf(answer(), 32, 40), "eeabf5619db22d0e");
  // 2036-02-07T06:28:15.5Z and 06:28:16.000000001Z, both sides of the era boundary.
  assert.equal(
    bytesOf(answer(STATE, NTPDIG_REQUEST, { seconds: 2_085_978_495, nanos: 500_000_000 }), 32, 40),
    "ffffffff80000000",
  );
  assert.equal(
    bytesOf(answer(STATE, NTPDIG_REQUEST, { seconds: 2_085_978_496, nanos: 1 }), 32, 40),
    "0000000000000004",
  );
});

Deno.test("writeNtpResponse() sets the transmit timestamp", () => {
  assert.equal(bytesOf(answer(), 40, 48), "eeabf5619db22f1f");
  const received = { seconds: 2_085_978_496, nanos: 0 };
  assert.equal(
    bytesOf(answer(STATE, NTPDIG_REQUEST, received, { seconds: 2_085_978_497, nanos: 0 }), 40, 48),
    "0000000100000000",
  );
});

Deno.test("writeTransmitTime() rewrites only the transmit timestamp of an answer", () => {
  const out = answer();
  const before = out.slice();
  // 2036-02-07T06:28:17Z, one second into era 1, as in the test above.
  writeTransmitTime(out, { seconds: 2_085_978_497, nanos: 0 });
  assert.equal(bytesOf(out, 40, 48), "0000000100000000");
  assert.deepEqual(out.subarray(0, 40), before.subarray(0, 40));
  const kiss = new Uint8Array(48);
  writeKissOfDeath(NTPDIG_REQUEST, "RATE", RECEIVED, kiss);
  writeTransmitTime(kiss, { seconds: 2_085_978_495, nanos: 500_000_000 });
  assert.equal(bytesOf(kiss, 40, 48), "ffffffff80000000");
  assert.equal(bytesOf(kiss, 32, 40), bytesOf(answer(), 32, 40), "the receive time stays");
  assert.throws(() => writeTransmitTime(new Uint8Array(47), RECEIVED), RangeError);
});

Deno.test("writeNtpResponse() answers 48 bytes to a request with a MAC and leaves the rest of out alone", () => {
  const withMac = new Uint8Array(68);
  withMac.set(NTPDIG_REQUEST);
  const out = new Uint8Array(100).fill(0x77);
  assert.equal(writeNtpResponse(withMac, RECEIVED, TRANSMIT, STATE, out), 48);
  assert.deepEqual(out.subarray(0, 48), answer());
  assert.ok(out.subarray(48).every((byte) => byte === 0x77));
});

Deno.test("writeNtpResponse() throws a RangeError on short buffers", () => {
  assert.throws(
    () => writeNtpResponse(new Uint8Array(47), RECEIVED, TRANSMIT, STATE, new Uint8Array(48)),
    RangeError,
  );
  assert.throws(
    () => writeNtpResponse(NTPDIG_REQUEST, RECEIVED, TRANSMIT, STATE, new Uint8Array(47)),
    RangeError,
  );
});

Deno.test("NtpResponder.update() changes the next answer", () => {
  const responder = new NtpResponder(STATE);
  const out = new Uint8Array(48);
  responder.write(NTPDIG_REQUEST, RECEIVED, TRANSMIT, out);
  assert.equal(out[1], 10);
  responder.update({ ...STATE, leap: 3, stratum: 0, referenceId: 0, referenceTime: null });
  responder.write(NTPDIG_REQUEST, RECEIVED, TRANSMIT, out);
  assert.equal(bytesOf(out, 0, 24), "e40000ec000000000000004200000000" + "0000000000000000");
  assert.equal(responder.state.stratum, 0);
});

Deno.test("NtpResponder throws a RangeError on an invalid state", () => {
  const table: Partial<NtpServerState>[] = [
    { leap: 4 as 0 },
    { stratum: 256 },
    { precision: 128 },
    { referenceId: -1 },
    { rootDelay: -1 },
    { rootDispersion: Number.NaN },
  ];
  for (const change of table) {
    assert.throws(
      () => new NtpResponder({ ...STATE, ...change }),
      RangeError,
      JSON.stringify(change),
    );
  }
});

Deno.test("writeKissOfDeath() writes the whole kiss", () => {
  const out = new Uint8Array(48);
  assert.equal(writeKissOfDeath(CHRONY_REQUEST, "RATE", TRANSMIT, out), 48);
  assert.deepEqual(
    out,
    hex(`
      e4000600 00000000 00000000 52415445
      00000000 00000000 8285ea68 aadd5e5b
      eeabf561 9db22f1f eeabf561 9db22f1f`),
  );
});

Deno.test("writeKissOfDeath() sets LI 3, the request's version and mode 4", () => {
  const table: [number, number][] = [[0x23, 0xe4], [0xe3, 0xe4], [0x1b, 0xdc], [0x0b, 0xcc]];
  for (const [first, expected] of table) {
    const out = new Uint8Array(48);
    writeKissOfDeath(request(first), "RATE", TRANSMIT, out);
    assert.equal(out[0], expected);
  }
});

Deno.test("writeKissOfDeath() sets stratum 0", () => {
  const out = new Uint8Array(48).fill(0xff);
  writeKissOfDeath(NTPDIG_REQUEST, "DENY", TRANSMIT, out);
  assert.equal(out[1], 0);
});

Deno.test("writeKissOfDeath() copies the poll", () => {
  const out = new Uint8Array(48);
  writeKissOfDeath(CHRONY_REQUEST, "RATE", TRANSMIT, out);
  assert.equal(out[2], 6);
});

Deno.test("writeKissOfDeath() zeroes precision, root delay, root dispersion and reference time", () => {
  const out = new Uint8Array(48).fill(0xff);
  writeKissOfDeath(CHRONY_REQUEST, "RATE", TRANSMIT, out);
  assert.equal(out[3], 0);
  assert.equal(bytesOf(out, 4, 12), "0000000000000000");
  assert.equal(bytesOf(out, 16, 24), "0000000000000000");
});

Deno.test("writeKissOfDeath() puts the ASCII code in the reference ID", () => {
  const table: [string, string][] = [["RATE", "52415445"], ["DENY", "44454e59"], [
    "RSTR",
    "52535452",
  ]];
  for (const [code, expected] of table) {
    const out = new Uint8Array(48);
    writeKissOfDeath(NTPDIG_REQUEST, code as "RATE", TRANSMIT, out);
    assert.equal(bytesOf(out, 12, 16), expected);
  }
});

Deno.test("writeKissOfDeath() copies the origin timestamp", () => {
  const out = new Uint8Array(48);
  writeKissOfDeath(NTPDIG_REQUEST, "RATE", TRANSMIT, out);
  assert.equal(bytesOf(out, 24, 32), "eeabf5619da4d800");
});

Deno.test("writeKissOfDeath() puts the transmit instant in receive and transmit", () => {
  const out = new Uint8Array(48);
  writeKissOfDeath(NTPDIG_REQUEST, "RATE", { seconds: 2_085_978_496, nanos: 1 }, out);
  assert.equal(bytesOf(out, 32, 40), "0000000000000004");
  assert.equal(bytesOf(out, 40, 48), "0000000000000004");
});

Deno.test("writeKissOfDeath() throws a RangeError on a malformed code", () => {
  for (const code of ["rate", "RAT", "RATES", "RA E"]) {
    assert.throws(
      () => writeKissOfDeath(NTPDIG_REQUEST, code as "RATE", TRANSMIT, new Uint8Array(48)),
      RangeError,
      code,
    );
  }
});

const NOW: Instant = { seconds: 1_767_225_600, nanos: 250_000_000 }; // 2026-01-01T00:00:00.25Z

function kernel(change: Partial<KernelClockStatus>): KernelClockStatus {
  return kernelStatus({ time: NOW, ...change });
}

Deno.test("ntpServerState() with sync always claims local stratum 10 LOCL", () => {
  assert.deepEqual(ntpServerState({ sync: "always", precision: -20, kernel: null, now: NOW }), {
    leap: 0,
    stratum: 10,
    referenceId: 0x4c4f_434c,
    precision: -20,
    rootDelay: 0,
    rootDispersion: 0,
    referenceTime: { seconds: 1_767_225_599, nanos: 250_000_000 },
  });
});

Deno.test("ntpServerState() with sync always ignores the kernel", () => {
  const state = ntpServerState({
    sync: "always",
    stratum: 3,
    referenceId: "192.0.2.1",
    precision: -18,
    kernel: kernel({ synchronised: false, state: 5, status: 0x40, leap: 3 }),
    now: NOW,
  });
  assert.equal(state.leap, 0);
  assert.equal(state.stratum, 3);
  assert.equal(state.referenceId, 0xc000_0201);
  assert.equal(state.precision, -18);
});

Deno.test("ntpServerState() with a synchronised kernel claims its maxerror as root dispersion", () => {
  assert.deepEqual(
    ntpServerState({
      sync: "kernel",
      stratum: 2,
      referenceId: "GPS",
      precision: -20,
      kernel: kernel({}),
      now: NOW,
    }),
    {
      leap: 0,
      stratum: 2,
      referenceId: 0x4750_5300,
      precision: -20,
      rootDelay: 0,
      rootDispersion: 0.0025,
      referenceTime: NOW,
    },
  );
});

Deno.test("ntpServerState() announces the kernel's pending leap second", () => {
  for (const leap of [1, 2] as const) {
    const state = ntpServerState({
      sync: "kernel",
      precision: -20,
      kernel: kernel({ leap }),
      now: NOW,
    });
    assert.equal(state.leap, leap);
  }
});

Deno.test("ntpServerState() with an unsynchronised kernel claims LI 3, stratum 0, no reference", () => {
  assert.deepEqual(
    ntpServerState({
      sync: "kernel",
      precision: -20,
      kernel: kernel({
        synchronised: false,
        state: 5,
        status: 0x40,
        maxErrorMicros: 16_000_000,
        leap: 3,
      }),
      now: NOW,
    }),
    {
      leap: 3,
      stratum: 0,
      referenceId: 0,
      precision: -20,
      rootDelay: 0,
      rootDispersion: 16,
      referenceTime: null,
    },
  );
});

Deno.test("ntpServerState() without a kernel reading claims LI 3 and 16 s dispersion", () => {
  const state = ntpServerState({ sync: "kernel", precision: -20, kernel: null, now: NOW });
  assert.equal(state.leap, 3);
  assert.equal(state.stratum, 0);
  assert.equal(state.referenceId, 0);
  assert.equal(state.rootDispersion, 16);
  assert.equal(state.referenceTime, null);
});

Deno.test("ntpServerState() throws a RangeError on bad configuration", () => {
  const table: [string, number, string, number][] = [
    ["stratum 0", 0, "LOCL", -20],
    ["stratum 16", 16, "LOCL", -20],
    ["stratum 1.5", 1.5, "LOCL", -20],
    ["refid too long", 10, "LOCAL", -20],
    ["precision 0.5", 10, "LOCL", 0.5],
    ["precision -129", 10, "LOCL", -129],
  ];
  for (const [name, stratum, referenceId, precision] of table) {
    assert.throws(
      () =>
        ntpServerState({ sync: "always", stratum, referenceId, precision, kernel: null, now: NOW }),
      RangeError,
      name,
    );
  }
});
