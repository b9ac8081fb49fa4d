// Expected values computed independently with Python's fractions.Fraction:
// timestamps as (Unix seconds + 2208988800) mod 2^32 and round(nanos · 2^32 / 10^9),
// offset and delay as exact rationals.
import assert from "node:assert/strict";
import type { Instant } from "../src/time/instant.ts";
import {
  buildNtpRequest,
  type NtpReply,
  parseNtpReply,
  TRANSMIT_FUZZ_BITS,
} from "../src/protocols/ntp/client.ts";
import { NtpResponder } from "../src/protocols/ntp/responder.ts";

function hex(text: string): Uint8Array {
  const digits = text.replace(/\s+/g, "");
  return Uint8Array.from(
    { length: digits.length / 2 },
    (_, i) => parseInt(digits.slice(2 * i, 2 * i + 2), 16),
  );
}

function reply(result: ReturnType<typeof parseNtpReply>): NtpReply {
  if ("ignore" in result) throw new Error(`ignored: ${result.ignore}`);
  return result;
}

const T2026: Instant = { seconds: 1_767_225_600, nanos: 0 }; // 2026-01-01T00:00:00Z

Deno.test("buildNtpRequest() builds a 48-byte VN 4 mode 3 request with only the transmit time set", () => {
  const request = buildNtpRequest({ seconds: 1_767_225_600, nanos: 500_000_000 });
  assert.equal(request.length, 48);
  assert.equal(request[0], 0x23);
  assert.ok(request.subarray(1, 40).every((byte) => byte === 0));
  assert.deepEqual([...request.subarray(40, 44)], [0xed, 0x00, 0x37, 0x80]);
});

Deno.test("buildNtpRequest() keeps the fraction above the fuzz bits and randomises those below", () => {
  // 2036-02-07T06:28:15.999999999Z: seconds 0xffffffff, fraction 0xfffffffc.
  const lows = new Set<number>();
  for (let i = 0; i < 64; i++) {
    const request = buildNtpRequest({ seconds: 2_085_978_495, nanos: 999_999_999 });
    const view = new DataView(request.buffer, request.byteOffset, 48);
    assert.equal(view.getUint32(40), 0xffff_ffff);
    const fraction = view.getUint32(44);
    assert.equal(fraction >>> TRANSMIT_FUZZ_BITS, 0xffff_fffc >>> TRANSMIT_FUZZ_BITS);
    lows.add(fraction & ((1 << TRANSMIT_FUZZ_BITS) - 1));
  }
  assert.ok(lows.size > 1, "the low bits vary");
  assert.equal(TRANSMIT_FUZZ_BITS, 12);
});

Deno.test("buildNtpRequest() writes into out and returns its first 48 bytes", () => {
  const out = new Uint8Array(64).fill(0xff);
  const request = buildNtpRequest(T2026, out);
  assert.equal(request.buffer, out.buffer);
  assert.equal(request.length, 48);
  assert.equal(out[0], 0x23);
  assert.equal(out[1], 0);
  assert.equal(out[48], 0xff);
  assert.throws(() => buildNtpRequest(T2026, new Uint8Array(47)), RangeError);
});

// T1 = 2026-01-01T00:00:00Z, T2 = T1 + 1.000000100 s, T3 = T1 + 1.000000300 s,
// T4 = T1 + 0.000001000 s: offset = 9999997/10^7 s, delay = 1/1250000 s.
const SENT = hex("ed003780 00000000");
const REPLY = hex(`
  24 02 06 ec  00000180  00000200  c0000201
  ed003780 00000000
  ed003780 00000000
  ed003781 000001ad
  ed003781 00000508`);
const RECEIVED: Instant = { seconds: 1_767_225_600, nanos: 1_000 };

Deno.test("parseNtpReply() computes offset and delay in exact nanoseconds", () => {
  const parsed = reply(parseNtpReply(REPLY, SENT, RECEIVED));
  assert.equal(parsed.offset, 0.9999997);
  assert.equal(parsed.delay, 8e-7);
  assert.deepEqual(parsed.originTime, T2026);
  assert.deepEqual(parsed.receiveTime, { seconds: 1_767_225_601, nanos: 100 });
  assert.deepEqual(parsed.transmitTime, { seconds: 1_767_225_601, nanos: 300 });
  assert.deepEqual(parsed.destinationTime, RECEIVED);
});

Deno.test("parseNtpReply() reports the header fields", () => {
  const parsed = reply(parseNtpReply(REPLY, SENT, RECEIVED));
  assert.equal(parsed.leap, 0);
  assert.equal(parsed.version, 4);
  assert.equal(parsed.stratum, 2);
  assert.equal(parsed.poll, 6);
  assert.equal(parsed.precision, -20);
  assert.equal(parsed.rootDelay, 384 / 65_536);
  assert.equal(parsed.rootDispersion, 512 / 65_536);
  assert.equal(parsed.referenceId, 0xc000_0201);
  assert.equal(parsed.referenceIdText, "192.0.2.1");
  assert.equal(parsed.kissCode, null);
  assert.equal(parsed.synchronised, true);
  assert.deepEqual(parsed.referenceTime, T2026);
});

Deno.test("parseNtpReply() places timestamps across the 2036 era boundary", () => {
  // T1 = 2036-02-07T06:28:15.900000000Z (era 0), T2 = 06:28:16.000000250Z,
  // T3 = 06:28:16.000000750Z, T4 = 06:28:16.100000000Z (era 1):
  // offset = 1/2000000 s, delay = 399999/2000000 s.
  const bytes = hex(`
    24 01 00 ec  00000000  00000000  47505300
    00000000 00000000
    ffffffff e6666666
    00000000 00000432
    00000000 00000c95`);
  const parsed = reply(
    parseNtpReply(bytes, { seconds: 0xffff_ffff, fraction: 0xe666_6666 }, {
      seconds: 2_085_978_496,
      nanos: 100_000_000,
    }),
  );
  assert.deepEqual(parsed.originTime, { seconds: 2_085_978_495, nanos: 900_000_000 });
  assert.deepEqual(parsed.receiveTime, { seconds: 2_085_978_496, nanos: 250 });
  assert.deepEqual(parsed.transmitTime, { seconds: 2_085_978_496, nanos: 750 });
  assert.equal(parsed.offset, 5e-7);
  assert.equal(parsed.delay, 0.1999995);
  assert.equal(parsed.referenceIdText, "GPS");
  assert.equal(parsed.referenceTime, null);
});

Deno.test("parseNtpReply() accepts the sent transmit as a request, 8 bytes or two halves", () => {
  const request = new Uint8Array(48);
  request.set(SENT, 40);
  for (const sent of [request, SENT, { seconds: 0xed00_3780, fraction: 0 }]) {
    assert.equal(reply(parseNtpReply(REPLY, sent, RECEIVED)).delay, 8e-7);
  }
  assert.throws(() => parseNtpReply(REPLY, new Uint8Array(7), RECEIVED), RangeError);
});

Deno.test("parseNtpReply() ignores what is not the answer to our request", () => {
  const withMode = (mode: number) => {
    const bytes = REPLY.slice();
    bytes[0] = (bytes[0] & 0xf8) | mode;
    return bytes;
  };
  const wrongOrigin = REPLY.slice();
  wrongOrigin[31] ^= 1;
  const zeroTransmit = REPLY.slice();
  zeroTransmit.fill(0, 40, 48);
  const table: [string, Uint8Array, string][] = [
    ["empty", new Uint8Array(0), "short"],
    ["47 bytes", REPLY.subarray(0, 47), "short"],
    ["mode 3 (our own request looped back)", withMode(3), "mode"],
    ["mode 5 (broadcast)", withMode(5), "mode"],
    ["mode 0", withMode(0), "mode"],
    ["origin differs in the last bit", wrongOrigin, "origin"],
    ["zero transmit timestamp", zeroTransmit, "zero-transmit"],
  ];
  for (const [name, bytes, reason] of table) {
    assert.deepEqual(parseNtpReply(bytes, SENT, RECEIVED), { ignore: reason }, name);
  }
});

Deno.test("parseNtpReply() reports a kiss-o'-death with its code", () => {
  // ntpd's RATE kiss: LI 3, stratum 0, refid "RATE", every timestamp our transmit time.
  const kiss = hex(`
    e4 00 06 00  00000000  00000000  52415445
    00000000 00000000
    ed003780 00000000
    ed003780 00000000
    ed003780 00000000`);
  const parsed = reply(parseNtpReply(kiss, SENT, RECEIVED));
  assert.equal(parsed.kissCode, "RATE");
  assert.equal(parsed.referenceIdText, "RATE");
  assert.equal(parsed.leap, 3);
  assert.equal(parsed.stratum, 0);
  assert.equal(parsed.synchronised, false);
});

Deno.test("parseNtpReply() reports an unsynchronised server without a kiss code", () => {
  const unsynchronised = REPLY.slice();
  unsynchronised.set([0xe4, 0x00], 0);
  unsynchronised.fill(0, 12, 16);
  const parsed = reply(parseNtpReply(unsynchronised, SENT, RECEIVED));
  assert.equal(parsed.leap, 3);
  assert.equal(parsed.kissCode, null);
  assert.equal(parsed.synchronised, false);
});

Deno.test("parseNtpReply() reads the answer NtpResponder writes to buildNtpRequest()", () => {
  const responder = new NtpResponder({
    leap: 0,
    stratum: 10,
    referenceId: 0x4c4f_434c,
    precision: -20,
    rootDelay: 0,
    rootDispersion: 0,
    referenceTime: null,
  });
  const request = buildNtpRequest(T2026);
  const out = new Uint8Array(48);
  // The server is 2.5 s ahead; 100 µs each way.
  responder.write(request, { seconds: 1_767_225_602, nanos: 500_100_000 }, {
    seconds: 1_767_225_602,
    nanos: 500_100_000,
  }, out);
  const parsed = reply(parseNtpReply(out, request, { seconds: 1_767_225_600, nanos: 200_000 }));
  // T1 carries up to 2^12 units (< 0.954 µs) of fuzz; everything else is exact.
  assert.ok(Math.abs(parsed.offset - 2.5) < 1e-6, `${parsed.offset}`);
  assert.ok(Math.abs(parsed.delay - 0.0002) < 1e-6, `${parsed.delay}`);
  assert.equal(parsed.referenceIdText, "76.79.67.76");
  assert.equal(parsed.stratum, 10);
});
