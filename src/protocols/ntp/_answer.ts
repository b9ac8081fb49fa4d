/**
 * Header bytes every NTP answer (a time answer or a kiss-o'-death) shares:
 * the buffer checks, the version echoed, origin = the request's transmit
 * timestamp, and a big-endian 32-bit store that needs no `DataView`.
 *
 * @module
 */

import { NTP_MAX_COMPATIBLE_VERSION, NTP_PACKET_SIZE, NtpOffset, versionOf } from "./constants.ts";

/**
 * The version to answer with: the request's, capped at 4.
 *
 * @param request The request datagram.
 * @returns 1 to 4 for a validated request.
 *
 * @example Usage
 * ```ts
 * import { replyVersion } from "./_answer.ts";
 * if (replyVersion(new Uint8Array([0x3b])) !== 4) throw new Error("version 7 answered as 4");
 * ```
 */
export function replyVersion(request: Uint8Array): number {
  const version = versionOf(request[NtpOffset.FIRST_BYTE]);
  return version > NTP_MAX_COMPATIBLE_VERSION ? NTP_MAX_COMPATIBLE_VERSION : version;
}

/**
 * Copies the request's transmit timestamp into the answer's origin
 * timestamp, bit for bit.
 *
 * @param request The request datagram (at least 48 bytes).
 * @param out The answer (at least 48 bytes).
 *
 * @example Usage
 * ```ts
 * import { copyTransmitToOrigin } from "./_answer.ts";
 * const request = new Uint8Array(48);
 * request[40] = 0xab;
 * const out = new Uint8Array(48);
 * copyTransmitToOrigin(request, out);
 * if (out[24] !== 0xab) throw new Error("origin");
 * ```
 */
export function copyTransmitToOrigin(request: Uint8Array, out: Uint8Array): void {
  for (let i = 0; i < 8; i++) out[NtpOffset.ORIGIN_TIME + i] = request[NtpOffset.TRANSMIT_TIME + i];
}

/**
 * Stores an unsigned 32-bit value big-endian.
 *
 * @param out Where to store it.
 * @param offset The first byte's index.
 * @param value The value, 0 to 2^32 - 1.
 *
 * @example Usage
 * ```ts
 * import { putUint32 } from "./_answer.ts";
 * const out = new Uint8Array(4);
 * putUint32(out, 0, 0x01020304);
 * if (out.join() !== "1,2,3,4") throw new Error("big-endian");
 * ```
 */
export function putUint32(out: Uint8Array, offset: number, value: number): void {
  out[offset] = value >>> 24;
  out[offset + 1] = value >>> 16;
  out[offset + 2] = value >>> 8;
  out[offset + 3] = value;
}

/**
 * Checks that the request and the answer buffer hold a whole header.
 *
 * @param request The request datagram.
 * @param out Where the answer goes.
 * @throws {RangeError} If either is shorter than 48 bytes.
 *
 * @example Usage
 * ```ts
 * import { checkBuffers } from "./_answer.ts";
 * checkBuffers(new Uint8Array(48), new Uint8Array(48));
 * ```
 */
export function checkBuffers(request: Uint8Array, out: Uint8Array): void {
  if (request.length < NTP_PACKET_SIZE) {
    throw new RangeError(
      `Cannot answer NTP request: need "${NTP_PACKET_SIZE}" bytes, got "${request.length}"`,
    );
  }
  if (out.length < NTP_PACKET_SIZE) {
    throw new RangeError(
      `Cannot answer NTP request: output needs "${NTP_PACKET_SIZE}" bytes, has "${out.length}"`,
    );
  }
}
