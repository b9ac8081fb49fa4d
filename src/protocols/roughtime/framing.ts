/**
 * The IETF Roughtime packet frame (draft-08 onwards, draft-19 §5): the
 * magic `ROUGHTIM`, the message length as a little-endian uint32, then
 * the message. Over UDP a datagram holds exactly one packet; over TCP the
 * frame delimits packets in the stream.
 *
 *      0                   1                   2                   3
 *      0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *     |                  0x4d49544847554f52 (uint64)                  |
 *     |                        ("ROUGHTIM")                           |
 *     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *     |                    Message length (uint32)                    |
 *     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *     .                      Roughtime message                        .
 *     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Google-Roughtime has no frame over UDP: a datagram is a bare message
 * (it starts with its tag count, which "ROUG" as a uint32 can never be).
 * Google-Roughtime defines no TCP transport; clockd carries it over TCP in
 * this same frame, so one stream format serves every version (see the
 * README).
 *
 * @module
 */

import {
  ROUGHTIME_FRAME_HEADER_BYTES,
  ROUGHTIME_FRAME_MAGIC,
  ROUGHTIME_MAX_REQUEST_BYTES,
} from "./constants.ts";
import { readUint32, uint32Bytes } from "./message.ts";

/**
 * Wraps a message in the frame.
 *
 * @param message The encoded message.
 * @returns The packet: 12 header bytes, then the message.
 *
 * @example Usage
 * ```ts
 * import { frameRoughtimePacket } from "./framing.ts";
 * const packet = frameRoughtimePacket(new Uint8Array(8));
 * if (packet.length !== 20 || packet[8] !== 8) throw new Error();
 * ```
 */
export function frameRoughtimePacket(message: Uint8Array): Uint8Array {
  const out = new Uint8Array(ROUGHTIME_FRAME_HEADER_BYTES + message.length);
  out.set(ROUGHTIME_FRAME_MAGIC, 0);
  out.set(uint32Bytes(message.length), ROUGHTIME_FRAME_MAGIC.length);
  out.set(message, ROUGHTIME_FRAME_HEADER_BYTES);
  return out;
}

/**
 * Whether bytes start with the frame's magic.
 *
 * @param bytes A datagram or the start of a stream.
 * @returns True when the first eight bytes are `ROUGHTIM`.
 *
 * @example Usage
 * ```ts
 * import { hasRoughtimeFrame } from "./framing.ts";
 * if (!hasRoughtimeFrame(new TextEncoder().encode("ROUGHTIM...."))) throw new Error();
 * ```
 */
export function hasRoughtimeFrame(bytes: Uint8Array): boolean {
  if (bytes.length < ROUGHTIME_FRAME_MAGIC.length) return false;
  for (let i = 0; i < ROUGHTIME_FRAME_MAGIC.length; i++) {
    if (bytes[i] !== ROUGHTIME_FRAME_MAGIC[i]) return false;
  }
  return true;
}

/**
 * Takes the message out of one whole packet.
 *
 * @param packet The packet: exactly the header and the message it announces.
 * @returns The message (a view into `packet`).
 * @throws {SyntaxError} Without the magic, or when the length field does
 *   not match the bytes that follow.
 *
 * @example Usage
 * ```ts
 * import { frameRoughtimePacket, unframeRoughtimePacket } from "./framing.ts";
 * if (unframeRoughtimePacket(frameRoughtimePacket(new Uint8Array(4))).length !== 4) throw new Error();
 * ```
 */
export function unframeRoughtimePacket(packet: Uint8Array): Uint8Array {
  if (!hasRoughtimeFrame(packet)) throw new SyntaxError("the packet does not start with ROUGHTIM");
  if (packet.length < ROUGHTIME_FRAME_HEADER_BYTES) {
    throw new SyntaxError("the packet ends inside its header");
  }
  const length = readUint32(packet, ROUGHTIME_FRAME_MAGIC.length);
  const actual = packet.length - ROUGHTIME_FRAME_HEADER_BYTES;
  if (length !== actual) {
    throw new SyntaxError(
      `the header announces ${length} message bytes, the packet holds ${actual}`,
    );
  }
  return packet.subarray(ROUGHTIME_FRAME_HEADER_BYTES);
}

/**
 * Where the first packet in a TCP stream ends, for a stream reader that
 * splits the stream into packets.
 *
 * @param buffered The bytes read so far, from the start of a packet.
 * @param maxBytes The largest packet accepted, frame included.
 * @returns The whole packet's length (frame included) once the header is
 *   in, `"incomplete"` while fewer than 12 bytes are buffered, or
 *   `"invalid"` when the magic is wrong or the packet would exceed
 *   `maxBytes` (close the connection).
 *
 * @example Usage
 * ```ts
 * import { frameRoughtimePacket, roughtimeFrameLength } from "./framing.ts";
 * const packet = frameRoughtimePacket(new Uint8Array(1012));
 * if (roughtimeFrameLength(packet.subarray(0, 5)) !== "incomplete") throw new Error();
 * if (roughtimeFrameLength(packet.subarray(0, 12)) !== 1024) throw new Error();
 * if (roughtimeFrameLength(new Uint8Array(12)) !== "invalid") throw new Error();
 * ```
 */
export function roughtimeFrameLength(
  buffered: Uint8Array,
  maxBytes: number = ROUGHTIME_MAX_REQUEST_BYTES,
): number | "incomplete" | "invalid" {
  const magic = Math.min(buffered.length, ROUGHTIME_FRAME_MAGIC.length);
  for (let i = 0; i < magic; i++) {
    if (buffered[i] !== ROUGHTIME_FRAME_MAGIC[i]) return "invalid";
  }
  if (buffered.length < ROUGHTIME_FRAME_HEADER_BYTES) return "incomplete";
  const total = ROUGHTIME_FRAME_HEADER_BYTES + readUint32(buffered, ROUGHTIME_FRAME_MAGIC.length);
  return total > maxBytes ? "invalid" : total;
}
