/**
 * The RFC 868 Time Protocol: the time as one 32-bit big-endian count of
 * seconds since 1900-01-01T00:00:00Z. The count wraps at
 * 2036-02-07T06:28:16Z (0 again, the start of era 1), so a reader places
 * it in the era nearest a pivot it trusts. The count is exactly the seconds
 * half of an NTP timestamp, so the NTP conversions do the work.
 *
 * @module
 */

import type { Instant } from "../../time/instant.ts";
import { ntpSecondsOf, ntpTimestampToInstant } from "../ntp/timestamp.ts";

/** Length of an RFC 868 time value in bytes. */
export const RFC868_SIZE = 4;

/**
 * Encodes an instant as RFC 868 time. The fraction of the second is
 * dropped (the instant's seconds are already floored).
 *
 * @param instant The instant.
 * @returns 4 bytes: seconds since 1900 modulo 2^32, big-endian.
 *
 * @example Usage
 * ```ts
 * import { encodeRfc868 } from "./rfc868.ts";
 * const bytes = encodeRfc868({ seconds: 0, nanos: 0 }); // 1970: 2,208,988,800 = 0x83AA7E80
 * if (bytes.join() !== "131,170,126,128") throw new Error("1970");
 * ```
 */
export function encodeRfc868(instant: Instant): Uint8Array {
  const out = new Uint8Array(RFC868_SIZE);
  writeRfc868(instant, out, 0);
  return out;
}

/**
 * Writes an instant as RFC 868 time into a buffer, without allocating.
 *
 * @param instant The instant.
 * @param out The buffer.
 * @param offset Where the 4 bytes start.
 * @returns The number of bytes written, 4.
 * @throws {RangeError} If the 4 bytes do not fit at `offset`.
 */
export function writeRfc868(instant: Instant, out: Uint8Array, offset: number): number {
  if (!Number.isInteger(offset) || offset < 0 || offset + RFC868_SIZE > out.length) {
    throw new RangeError(
      `Cannot write RFC 868 time at offset "${offset}" into "${out.length}" bytes`,
    );
  }
  const seconds = ntpSecondsOf(instant.seconds);
  out[offset] = seconds >>> 24;
  out[offset + 1] = seconds >>> 16;
  out[offset + 2] = seconds >>> 8;
  out[offset + 3] = seconds;
  return RFC868_SIZE;
}

/**
 * Decodes RFC 868 time, choosing the era (1900 + k · 2^32 s) that puts the
 * result nearest the pivot: within [pivot − 2^31 s, pivot + 2^31 s).
 *
 * @param bytes Exactly 4 bytes.
 * @param pivot An instant near the expected result, usually "now".
 * @returns The instant (whole seconds, nanos 0).
 * @throws {RangeError} If `bytes` is not 4 bytes long.
 *
 * @example Usage
 * ```ts
 * import { decodeRfc868 } from "./rfc868.ts";
 * // 0 read in 2036 is the start of era 1: 2036-02-07T06:28:16Z.
 * const i = decodeRfc868(new Uint8Array(4), { seconds: 2_085_978_000, nanos: 0 });
 * if (i.seconds !== 2_085_978_496) throw new Error("era 1");
 * ```
 */
export function decodeRfc868(bytes: Uint8Array, pivot: Instant): Instant {
  if (bytes.length !== RFC868_SIZE) {
    throw new RangeError(`Cannot decode RFC 868 time: need "4" bytes, got "${bytes.length}"`);
  }
  const seconds = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
  return ntpTimestampToInstant(seconds, 0, pivot);
}
