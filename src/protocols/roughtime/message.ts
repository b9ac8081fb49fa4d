/**
 * The Roughtime message codec: a map from tags to byte strings, the same
 * in every version (draft-19 §4, Google's PROTOCOL.md), and the
 * little-endian integers its values hold.
 *
 *      0                   1                   2                   3
 *      0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *     |                   Number of pairs, N (uint32)                 |
 *     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *     .                     N-1 offsets (uint32)                      .
 *     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *     .                        N tags (uint32)                        .
 *     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *     .                           N values                            .
 *     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * All integers are little-endian. Tags are sorted in ascending order as
 * uint32s and appear once; the first value starts at offset 0 (implicit),
 * value i at offset[i]; offsets are multiples of four and never decrease,
 * and the last value runs to the end of the message.
 *
 * @module
 */

import { tagName } from "./constants.ts";

/** A decoded message: tag to value (views into the decoded bytes). */
export type RoughtimeMessage = ReadonlyMap<number, Uint8Array>;

/**
 * Encodes a message: sorts the fields by tag and lays out the header.
 *
 * @param fields Tag and value pairs, in any order; values must be a
 *   multiple of four bytes long.
 * @returns The message bytes.
 * @throws {RangeError} On a repeated tag or a value whose length is not a multiple of four.
 *
 * @example Usage
 * ```ts
 * import { decodeRoughtimeMessage, encodeRoughtimeMessage } from "./message.ts";
 * import { Tag } from "./constants.ts";
 * const bytes = encodeRoughtimeMessage([[Tag.RADI, new Uint8Array(4)], [Tag.NONC, new Uint8Array(32)]]);
 * if (bytes.length !== 4 + 4 + 8 + 36) throw new Error(String(bytes.length));
 * if (decodeRoughtimeMessage(bytes).get(Tag.NONC)?.length !== 32) throw new Error();
 * ```
 */
export function encodeRoughtimeMessage(
  fields: Iterable<readonly [number, Uint8Array]>,
): Uint8Array {
  const sorted = [...fields].sort((a, b) => a[0] - b[0]);
  let valuesLength = 0;
  for (let i = 0; i < sorted.length; i++) {
    const [tag, value] = sorted[i];
    if (i > 0 && sorted[i - 1][0] === tag) {
      throw new RangeError(`tag "${tagName(tag)}" appears twice`);
    }
    if (value.length % 4 !== 0) {
      throw new RangeError(`the value of "${tagName(tag)}" is not a multiple of 4 bytes long`);
    }
    valuesLength += value.length;
  }
  const count = sorted.length;
  const headerLength = count === 0 ? 4 : 8 * count;
  const out = new Uint8Array(headerLength + valuesLength);
  const view = new DataView(out.buffer);
  view.setUint32(0, count, true);
  let offset = 0;
  for (let i = 0; i < count; i++) {
    const [tag, value] = sorted[i];
    if (i > 0) view.setUint32(4 * i, offset, true);
    view.setUint32(4 * count + 4 * i, tag, true);
    out.set(value, headerLength + offset);
    offset += value.length;
  }
  return out;
}

/**
 * Decodes a message, checking its structure: a whole number of uint32s,
 * a header that fits, tags in strictly ascending order, offsets that are
 * multiples of four, never decrease and stay within the message.
 *
 * @param bytes The message (without the IETF packet frame).
 * @returns The fields; the values are views into `bytes`.
 * @throws {SyntaxError} Naming what is wrong.
 *
 * @example Usage
 * ```ts
 * import { decodeRoughtimeMessage } from "./message.ts";
 * let rejected = false;
 * try {
 *   decodeRoughtimeMessage(new Uint8Array([1, 0, 0]));
 * } catch (error) {
 *   rejected = error instanceof SyntaxError;
 * }
 * if (!rejected) throw new Error("3 bytes are no message");
 * ```
 */
export function decodeRoughtimeMessage(bytes: Uint8Array): Map<number, Uint8Array> {
  if (bytes.length < 4) throw new SyntaxError(`a message needs 4 bytes, got ${bytes.length}`);
  if (bytes.length % 4 !== 0) {
    throw new SyntaxError(`the message length ${bytes.length} is not a multiple of 4`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint32(0, true);
  const fields = new Map<number, Uint8Array>();
  if (count === 0) return fields;
  if (count > bytes.length / 8) {
    throw new SyntaxError(`a header of ${count} tags does not fit in ${bytes.length} bytes`);
  }
  const headerLength = 8 * count;
  const valuesLength = bytes.length - headerLength;
  let start = 0;
  let previousTag = -1;
  for (let i = 0; i < count; i++) {
    const tag = view.getUint32(4 * count + 4 * i, true);
    if (tag <= previousTag) {
      throw new SyntaxError(`tag "${tagName(tag)}" is out of order or repeated`);
    }
    const end = i === count - 1 ? valuesLength : view.getUint32(4 + 4 * i, true);
    if (end % 4 !== 0) throw new SyntaxError(`offset ${end} is not a multiple of 4`);
    if (end < start) throw new SyntaxError(`offset ${end} is smaller than the one before`);
    if (end > valuesLength) throw new SyntaxError(`offset ${end} is past the end of the message`);
    fields.set(tag, bytes.subarray(headerLength + start, headerLength + end));
    previousTag = tag;
    start = end;
  }
  return fields;
}

/**
 * A field's value, checked for presence and, optionally, length.
 *
 * @param message The decoded message.
 * @param tag The tag.
 * @param length The exact length required, if any.
 * @returns The value.
 * @throws {SyntaxError} If the tag is missing or its value has the wrong length.
 *
 * @example Usage
 * ```ts
 * import { requireField } from "./message.ts";
 * import { Tag } from "./constants.ts";
 * const message = new Map([[Tag.RADI, new Uint8Array(4)]]);
 * if (requireField(message, Tag.RADI, 4).length !== 4) throw new Error();
 * ```
 */
export function requireField(message: RoughtimeMessage, tag: number, length?: number): Uint8Array {
  const value = message.get(tag);
  if (value === undefined) throw new SyntaxError(`missing ${tagName(tag)}`);
  if (length !== undefined && value.length !== length) {
    throw new SyntaxError(`${tagName(tag)} is ${value.length} bytes, expected ${length}`);
  }
  return value;
}

/**
 * A uint32 in four little-endian bytes.
 *
 * @param value 0 to 2^32 - 1.
 * @returns The bytes.
 *
 * @example Usage
 * ```ts
 * import { uint32Bytes } from "./message.ts";
 * if (uint32Bytes(0x8000000c).join() !== "12,0,0,128") throw new Error();
 * ```
 */
export function uint32Bytes(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value, true);
  return out;
}

/**
 * A uint64 in eight little-endian bytes.
 *
 * @param value 0 to 2^64 - 1.
 * @returns The bytes.
 *
 * @example Usage
 * ```ts
 * import { uint64Bytes } from "./message.ts";
 * if (uint64Bytes(50n).join() !== "50,0,0,0,0,0,0,0") throw new Error();
 * ```
 */
export function uint64Bytes(value: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, value, true);
  return out;
}

/**
 * Reads a little-endian uint32.
 *
 * @param bytes At least four bytes.
 * @param offset Where it starts.
 * @returns The number.
 *
 * @example Usage
 * ```ts
 * import { readUint32 } from "./message.ts";
 * if (readUint32(new Uint8Array([12, 0, 0, 128])) !== 0x8000000c) throw new Error();
 * ```
 */
export function readUint32(bytes: Uint8Array, offset = 0): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(offset, true);
}

/**
 * Reads a little-endian uint64.
 *
 * @param bytes At least eight bytes.
 * @param offset Where it starts.
 * @returns The number.
 *
 * @example Usage
 * ```ts
 * import { readUint64 } from "./message.ts";
 * if (readUint64(new Uint8Array([100, 0, 0, 0, 0, 0, 0, 0])) !== 100n) throw new Error();
 * ```
 */
export function readUint64(bytes: Uint8Array, offset = 0): bigint {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(offset, true);
}

/**
 * Joins byte strings.
 *
 * @param parts The pieces, in order.
 * @returns One array holding them all.
 *
 * @example Usage
 * ```ts
 * import { concatBytes } from "./message.ts";
 * if (concatBytes(new Uint8Array([1]), new Uint8Array([2, 3])).join() !== "1,2,3") throw new Error();
 * ```
 */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
