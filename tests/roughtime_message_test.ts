/**
 * The Roughtime message codec and packet frame: layout, sorting,
 * alignment, and every structural error decoding must catch.
 */

import assert from "node:assert/strict";
import {
  decodeRoughtimeMessage,
  encodeRoughtimeMessage,
  frameRoughtimePacket,
  hasRoughtimeFrame,
  readUint32,
  roughtimeFrameLength,
  Tag,
  tagName,
  tagOf,
  uint32Bytes,
  unframeRoughtimePacket,
} from "../src/protocols/roughtime/mod.ts";

/** A message from raw uint32 words. */
function words(...values: number[]): Uint8Array {
  const out = new Uint8Array(4 * values.length);
  values.forEach((v, i) => out.set(uint32Bytes(v), 4 * i));
  return out;
}

Deno.test("tagOf() reads the ASCII name as a little-endian uint32, zero-padded", () => {
  assert.equal(tagOf("NONC"), 0x434e4f4e);
  assert.equal(tagOf("VER"), 0x00524556);
  assert.equal(tagOf("SIG"), 0x00474953);
  assert.equal(Tag.PAD, 0xff444150);
  assert.equal(Tag.ZZZZ, 0x5a5a5a5a);
  assert.equal(tagName(Tag.SRV), "SRV");
  assert.throws(() => tagOf("TOOLONG"), RangeError);
});

Deno.test("encodeRoughtimeMessage() sorts tags as uint32s and lays out offsets after the header", () => {
  const bytes = encodeRoughtimeMessage([
    [Tag.MIDP, new Uint8Array(8).fill(2)],
    [Tag.SIG, new Uint8Array(4).fill(1)],
    [Tag.PATH, new Uint8Array(0)],
  ]);
  // N=3, offsets 4 and 4 (PATH is empty), tags SIG PATH MIDP, then the values.
  assert.deepEqual(
    [...bytes.subarray(0, 24)],
    [...words(3, 4, 4, Tag.SIG, Tag.PATH, Tag.MIDP)],
  );
  assert.deepEqual([...bytes.subarray(24)], [1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2]);
  const decoded = decodeRoughtimeMessage(bytes);
  assert.equal(decoded.get(Tag.PATH)!.length, 0);
  assert.deepEqual([...decoded.keys()], [Tag.SIG, Tag.PATH, Tag.MIDP]);
});

Deno.test("encodeRoughtimeMessage() writes an empty message as a zero count", () => {
  assert.deepEqual([...encodeRoughtimeMessage([])], [0, 0, 0, 0]);
  assert.equal(decodeRoughtimeMessage(new Uint8Array(4)).size, 0);
});

Deno.test("encodeRoughtimeMessage() rejects unaligned values and repeated tags", () => {
  assert.throws(() => encodeRoughtimeMessage([[Tag.NONC, new Uint8Array(3)]]), RangeError);
  assert.throws(
    () => encodeRoughtimeMessage([[Tag.NONC, new Uint8Array(4)], [Tag.NONC, new Uint8Array(4)]]),
    RangeError,
  );
});

Deno.test("decodeRoughtimeMessage() rejects every structural error with a SyntaxError", async (t) => {
  const cases: [string, Uint8Array][] = [
    ["fewer than 4 bytes", new Uint8Array(3)],
    ["a length not a multiple of 4", new Uint8Array(10)],
    ["a header larger than the message", words(3, 0)],
    ["a tag count near 2^32", words(0xffffffff, 0, 0, 0)],
    ["tags out of order", words(2, 4, Tag.PATH, Tag.SIG, 0, 0)],
    ["a repeated tag", words(2, 4, Tag.SIG, Tag.SIG, 0, 0)],
    ["an offset not a multiple of 4", words(2, 2, Tag.SIG, Tag.PATH, 0, 0)],
    ["an offset past the end", words(2, 12, Tag.SIG, Tag.PATH, 0, 0)],
    ["decreasing offsets", words(3, 8, 4, Tag.SIG, Tag.NONC, Tag.PATH, 0, 0, 0)],
  ];
  for (const [name, bytes] of cases) {
    await t.step(name, () => assert.throws(() => decodeRoughtimeMessage(bytes), SyntaxError));
  }
});

Deno.test("decodeRoughtimeMessage() returns views that round-trip through encodeRoughtimeMessage()", () => {
  const fields: [number, Uint8Array][] = [
    [Tag.NONC, crypto.getRandomValues(new Uint8Array(32))],
    [Tag.VER, words(1, 0x8000000c)],
    [Tag.ZZZZ, new Uint8Array(100)],
  ];
  const bytes = encodeRoughtimeMessage(fields);
  const again = encodeRoughtimeMessage(decodeRoughtimeMessage(bytes).entries());
  assert.deepEqual(again, bytes);
});

Deno.test("frameRoughtimePacket() prefixes ROUGHTIM and the little-endian length", () => {
  const packet = frameRoughtimePacket(new Uint8Array(1012));
  assert.equal(new TextDecoder().decode(packet.subarray(0, 8)), "ROUGHTIM");
  assert.equal(readUint32(packet, 8), 1012);
  assert.ok(hasRoughtimeFrame(packet));
  assert.equal(unframeRoughtimePacket(packet).length, 1012);
});

Deno.test("unframeRoughtimePacket() rejects a missing magic and a length that does not match", () => {
  const packet = frameRoughtimePacket(new Uint8Array(16));
  assert.throws(() => unframeRoughtimePacket(packet.subarray(0, 20)), SyntaxError);
  assert.throws(() => unframeRoughtimePacket(new Uint8Array([...packet, 0, 0, 0, 0])), SyntaxError);
  assert.throws(() => unframeRoughtimePacket(new Uint8Array(28)), SyntaxError);
  assert.throws(() => unframeRoughtimePacket(packet.subarray(0, 10)), SyntaxError);
});

Deno.test("roughtimeFrameLength() splits a TCP stream into packets and refuses bad or huge frames", () => {
  const packet = frameRoughtimePacket(new Uint8Array(1012));
  assert.equal(roughtimeFrameLength(new Uint8Array(0)), "incomplete");
  assert.equal(roughtimeFrameLength(packet.subarray(0, 11)), "incomplete");
  assert.equal(roughtimeFrameLength(packet.subarray(0, 12)), 1024);
  assert.equal(roughtimeFrameLength(new TextEncoder().encode("ROUGX")), "invalid");
  const huge = packet.slice(0, 12);
  huge.set(uint32Bytes(0xfffffff0), 8);
  assert.equal(roughtimeFrameLength(huge), "invalid");
  assert.equal(roughtimeFrameLength(huge, 2 ** 33), 0xfffffff0 + 12);
});
