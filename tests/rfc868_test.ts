// Unix seconds from `date -u -d … +%s`; RFC 868 values as (Unix + 2208988800) mod 2^32 in Python.
import assert from "node:assert/strict";
import { decodeRfc868, encodeRfc868, writeRfc868 } from "../src/protocols/oneshot/rfc868.ts";

const T1900 = -2_208_988_800; // 1900-01-01T00:00:00Z
const T2026 = 1_767_225_600; // 2026-01-01T00:00:00Z
const T2036_15 = 2_085_978_495; // 2036-02-07T06:28:15Z
const T2036_16 = 2_085_978_496; // 2036-02-07T06:28:16Z
const T2036_17 = 2_085_978_497; // 2036-02-07T06:28:17Z

const TABLE: [string, number, number[]][] = [
  ["1899-12-31T23:59:59Z", T1900 - 1, [0xff, 0xff, 0xff, 0xff]],
  ["1900-01-01T00:00:00Z", T1900, [0x00, 0x00, 0x00, 0x00]],
  ["1970-01-01T00:00:00Z", 0, [0x83, 0xaa, 0x7e, 0x80]],
  ["2026-01-01T00:00:00Z", T2026, [0xed, 0x00, 0x37, 0x80]],
  ["2036-02-07T06:28:15Z", T2036_15, [0xff, 0xff, 0xff, 0xff]],
  ["2036-02-07T06:28:16Z", T2036_16, [0x00, 0x00, 0x00, 0x00]],
  ["2036-02-07T06:28:17Z", T2036_17, [0x00, 0x00, 0x00, 0x01]],
];

Deno.test("encodeRfc868() counts seconds from 1900 modulo 2^32", () => {
  for (const [name, seconds, bytes] of TABLE) {
    assert.deepEqual([...encodeRfc868({ seconds, nanos: 0 })], bytes, name);
  }
});

Deno.test("encodeRfc868() drops the fraction of the second", () => {
  assert.deepEqual([...encodeRfc868({ seconds: T2036_15, nanos: 999_999_999 })], [
    0xff,
    0xff,
    0xff,
    0xff,
  ]);
});

Deno.test("writeRfc868() writes at the offset and nothing else", () => {
  const out = new Uint8Array(8).fill(0x55);
  assert.equal(writeRfc868({ seconds: 0, nanos: 0 }, out, 3), 4);
  assert.deepEqual([...out], [0x55, 0x55, 0x55, 0x83, 0xaa, 0x7e, 0x80, 0x55]);
});

Deno.test("writeRfc868() throws a RangeError when the bytes do not fit", () => {
  for (const offset of [-1, 5, 1.5]) {
    assert.throws(
      () => writeRfc868({ seconds: 0, nanos: 0 }, new Uint8Array(8), offset),
      RangeError,
      `${offset}`,
    );
  }
});

Deno.test("decodeRfc868() round-trips with a pivot at the same instant", () => {
  for (const [name, seconds, bytes] of TABLE) {
    assert.deepEqual(decodeRfc868(Uint8Array.from(bytes), { seconds, nanos: 0 }), {
      seconds,
      nanos: 0,
    }, name);
  }
});

Deno.test("decodeRfc868() picks the era nearest the pivot", () => {
  const table: [string, number[], number, number][] = [
    ["0 read just before the wrap is era 1", [0, 0, 0, 0], T2036_15, T2036_16],
    ["0xffffffff read just after the wrap is era 0", [0xff, 0xff, 0xff, 0xff], T2036_17, T2036_15],
    ["1 read in 2026 is 2036", [0, 0, 0, 1], T2026, T2036_17],
    ["0 read in 1930 is 1900", [0, 0, 0, 0], -1_262_304_000, T1900],
    ["1970 read in 2026", [0x83, 0xaa, 0x7e, 0x80], T2026, 0],
  ];
  for (const [name, bytes, pivot, expected] of table) {
    assert.deepEqual(decodeRfc868(Uint8Array.from(bytes), { seconds: pivot, nanos: 123 }), {
      seconds: expected,
      nanos: 0,
    }, name);
  }
});

Deno.test("decodeRfc868() throws a RangeError unless given 4 bytes", () => {
  for (const length of [0, 3, 5, 48]) {
    assert.throws(
      () => decodeRfc868(new Uint8Array(length), { seconds: T2026, nanos: 0 }),
      new RangeError(`Cannot decode RFC 868 time: need "4" bytes, got "${length}"`),
    );
  }
});
