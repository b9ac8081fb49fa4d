import assert from "node:assert/strict";
import {
  decodeNtpPacket,
  encodeNtpPacket,
  kissCodeOf,
  type NtpPacket,
  referenceIdFromText,
  referenceIdToText,
} from "../src/protocols/ntp/packet.ts";
import { leapOf, modeOf, packFirstByte, versionOf } from "../src/protocols/ntp/constants.ts";
import { ntpTimestampToInstant } from "../src/protocols/ntp/timestamp.ts";

function hex(text: string): Uint8Array {
  const digits = text.replace(/\s+/g, "");
  return Uint8Array.from(
    { length: digits.length / 2 },
    (_, i) => parseInt(digits.slice(2 * i, 2 * i + 2), 16),
  );
}

/**
 * A real request from ntpsec's ntpdig 1.2.2, captured on loopback on
 * 2026-11-21 (ntpdig has no port option; as root):
 *   socat -u UDP-RECV:123,bind=127.0.0.1 OPEN:/tmp/ntpdig.bin,creat & ntpdig -t 1 127.0.0.1
 * LI 3 (ntpdig claims no sync), VN 4, mode 3; transmit 0xeeabf561.9da4d800
 * = 2026-11-21T10:48:01.615796566Z (Python: 0xeeabf561 − 2208988800 = 1795258081).
 */
const NTPDIG_REQUEST = hex(`
  e3000000 00000000 00000000 00000000
  00000000 00000000 00000000 00000000
  00000000 00000000 eeabf561 9da4d800`);

/**
 * A real request from chronyd 4.3, captured on loopback:
 *   socat -u UDP-RECV:12345,bind=127.0.0.1 OPEN:/tmp/chrony.bin,creat &
 *   chronyd -Q -t 3 -f /dev/null "server 127.0.0.1 port 12345 iburst maxsamples 1"
 * LI 0, VN 4, mode 3, poll 6, precision 32 (chrony hides its clock in
 * requests), and a wholly random transmit timestamp.
 */
const CHRONY_REQUEST = hex(`
  23000620 00000000 00000000 00000000
  00000000 00000000 00000000 00000000
  00000000 00000000 8285ea68 aadd5e5b`);

/** A server reply with every field distinct, laid out by hand from RFC 5905 Figure 8. */
const REPLY = hex(`
  24 02 06 ec
  00000180
  00000200
  c0000201
  ed003780 00000000
  eeabf561 9da4d800
  ed003781 80000000
  ed003781 80001000`);

const REPLY_PACKET: NtpPacket = {
  leap: 0,
  version: 4,
  mode: 4,
  stratum: 2,
  poll: 6,
  precision: -20,
  rootDelay: 0x180,
  rootDispersion: 0x200,
  referenceId: 0xc000_0201,
  referenceTime: { seconds: 0xed00_3780, fraction: 0 },
  originTime: { seconds: 0xeeab_f561, fraction: 0x9da4_d800 },
  receiveTime: { seconds: 0xed00_3781, fraction: 0x8000_0000 },
  transmitTime: { seconds: 0xed00_3781, fraction: 0x8000_1000 },
};

Deno.test("packFirstByte() packs LI, VN and mode", () => {
  const table: [number, number, number, number][] = [
    [0, 4, 3, 0x23],
    [3, 4, 3, 0xe3],
    [0, 4, 4, 0x24],
    [3, 4, 4, 0xe4],
    [0, 3, 4, 0x1c],
    [3, 7, 7, 0xff],
    [0, 0, 0, 0x00],
  ];
  for (const [leap, version, mode, byte] of table) {
    assert.equal(packFirstByte(leap, version, mode), byte);
    assert.equal(leapOf(byte), leap);
    assert.equal(versionOf(byte), version);
    assert.equal(modeOf(byte), mode);
  }
});

Deno.test("decodeNtpPacket() decodes an ntpdig request", () => {
  const packet = decodeNtpPacket(NTPDIG_REQUEST);
  assert.deepEqual(packet, {
    leap: 3,
    version: 4,
    mode: 3,
    stratum: 0,
    poll: 0,
    precision: 0,
    rootDelay: 0,
    rootDispersion: 0,
    referenceId: 0,
    referenceTime: { seconds: 0, fraction: 0 },
    originTime: { seconds: 0, fraction: 0 },
    receiveTime: { seconds: 0, fraction: 0 },
    transmitTime: { seconds: 0xeeab_f561, fraction: 0x9da4_d800 },
  });
  const sent = ntpTimestampToInstant(
    packet.transmitTime.seconds,
    packet.transmitTime.fraction,
    { seconds: 1_795_258_081, nanos: 0 },
  );
  assert.deepEqual(sent, { seconds: 1_795_258_081, nanos: 615_796_566 });
});

Deno.test("decodeNtpPacket() decodes a chronyd request", () => {
  const packet = decodeNtpPacket(CHRONY_REQUEST);
  assert.equal(packet.leap, 0);
  assert.equal(packet.version, 4);
  assert.equal(packet.mode, 3);
  assert.equal(packet.poll, 6);
  assert.equal(packet.precision, 32);
  assert.deepEqual(packet.transmitTime, { seconds: 0x8285_ea68, fraction: 0xaadd_5e5b });
});

Deno.test("decodeNtpPacket() decodes every field of a reply", () => {
  assert.deepEqual(decodeNtpPacket(REPLY), REPLY_PACKET);
});

Deno.test("decodeNtpPacket() ignores extension fields and MACs", () => {
  const withMac = new Uint8Array(48 + 20).fill(0x5a);
  withMac.set(REPLY);
  assert.deepEqual(decodeNtpPacket(withMac), REPLY_PACKET);
});

Deno.test("decodeNtpPacket() decodes from a subarray at an offset", () => {
  const datagram = new Uint8Array(64);
  datagram.set(REPLY, 7);
  assert.deepEqual(decodeNtpPacket(datagram.subarray(7, 55)), REPLY_PACKET);
});

Deno.test("decodeNtpPacket() throws a RangeError on short input", () => {
  for (const length of [0, 1, 47]) {
    assert.throws(
      () => decodeNtpPacket(new Uint8Array(length)),
      new RangeError(`Cannot decode NTP packet: need at least "48" bytes, got "${length}"`),
    );
  }
});

Deno.test("encodeNtpPacket() encodes every field of a reply", () => {
  assert.deepEqual(encodeNtpPacket(REPLY_PACKET), REPLY);
});

Deno.test("encodeNtpPacket() re-encodes decoded requests bit for bit", () => {
  for (const bytes of [NTPDIG_REQUEST, CHRONY_REQUEST, REPLY]) {
    assert.deepEqual(encodeNtpPacket(decodeNtpPacket(bytes)), bytes);
  }
});

Deno.test("encodeNtpPacket() writes into out and leaves the rest alone", () => {
  const out = new Uint8Array(52).fill(0x77);
  const result = encodeNtpPacket(REPLY_PACKET, out);
  assert.equal(result, out);
  assert.deepEqual(out.subarray(0, 48), REPLY);
  assert.deepEqual([...out.subarray(48)], [0x77, 0x77, 0x77, 0x77]);
});

Deno.test("encodeNtpPacket() throws a RangeError on a short output", () => {
  assert.throws(
    () => encodeNtpPacket(REPLY_PACKET, new Uint8Array(47)),
    new RangeError(`Cannot encode NTP packet: output needs "48" bytes, has "47"`),
  );
});

Deno.test("encodeNtpPacket() throws a RangeError on a field out of range", () => {
  const table: [Partial<NtpPacket>, string][] = [
    [{ version: 8 }, "version"],
    [{ stratum: 256 }, "stratum"],
    [{ poll: 128 }, "poll"],
    [{ precision: -129 }, "precision"],
    [{ rootDelay: -1 }, "rootDelay"],
    [{ referenceId: 2 ** 32 }, "referenceId"],
    [{ transmitTime: { seconds: 1.5, fraction: 0 } }, "transmitTime.seconds"],
    [{ originTime: { seconds: 0, fraction: 2 ** 32 } }, "originTime.fraction"],
  ];
  for (const [change, field] of table) {
    assert.throws(
      () => encodeNtpPacket({ ...REPLY_PACKET, ...change }),
      (error: unknown) => error instanceof RangeError && error.message.includes(`field "${field}"`),
      field,
    );
  }
});

Deno.test("referenceIdFromText() encodes ASCII zero-filled and IPv4 addresses", () => {
  const table: [string, number][] = [
    ["LOCL", 0x4c4f_434c],
    ["GPS", 0x4750_5300],
    ["PPS", 0x5050_5300],
    ["X", 0x5800_0000],
    ["127.127.1.1", 0x7f7f_0101],
    ["192.0.2.1", 0xc000_0201],
    ["255.255.255.255", 0xffff_ffff],
  ];
  for (const [text, id] of table) assert.equal(referenceIdFromText(text), id, text);
});

Deno.test("referenceIdFromText() throws a RangeError on anything else", () => {
  for (const text of ["", "TOOLONG", "256.0.0.1", "é", "a\u0000"]) {
    assert.throws(() => referenceIdFromText(text), RangeError, JSON.stringify(text));
  }
});

Deno.test("referenceIdToText() reads ASCII at stratum 0 and 1, addresses above", () => {
  const table: [number, number, string][] = [
    [0x5241_5445, 0, "RATE"],
    [0x4750_5300, 1, "GPS"],
    [0x4c4f_434c, 10, "76.79.67.76"],
    [0xc000_0201, 2, "192.0.2.1"],
    [0, 0, "0.0.0.0"],
    [0x0102_0304, 1, "1.2.3.4"],
  ];
  for (const [id, stratum, text] of table) assert.equal(referenceIdToText(id, stratum), text);
});

Deno.test("kissCodeOf() accepts four uppercase letters or digits", () => {
  const table: [number, string | null][] = [
    [0x5241_5445, "RATE"],
    [0x4445_4e59, "DENY"],
    [0, null],
    [0x4750_5300, null],
    [0x7261_7465, null],
  ];
  for (const [id, code] of table) assert.equal(kissCodeOf(id), code);
});
