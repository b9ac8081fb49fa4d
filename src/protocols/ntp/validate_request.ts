/**
 * Which datagrams the NTP server answers: the first early returns of
 * chrony's server mode. An invalid request is dropped (and counted by the
 * caller), never answered.
 *
 * @module
 */

import {
  modeOf,
  NTP_MAX_COMPATIBLE_VERSION,
  NTP_MIN_COMPATIBLE_VERSION,
  NTP_PACKET_SIZE,
  NtpMode,
  NtpOffset,
  versionOf,
} from "./constants.ts";

/**
 * Why a datagram is not answered:
 * - `"short"`: fewer than 48 bytes.
 * - `"length"`: not a multiple of 4 bytes, so not a header followed by
 *   extension fields or a MAC, which are all 4-byte aligned (chrony drops these too).
 * - `"version"`: version 0, 5, 6 or 7.
 * - `"mode"`: anything but mode 3 (client); servers do not answer
 *   symmetric, broadcast, control (ntpq) or private (ntpdc) packets.
 */
export type NtpDropReason = "short" | "length" | "version" | "mode";

/**
 * Decides whether a datagram is an NTP client request this server answers:
 * at least 48 bytes, a multiple of 4, version 1 to 4, mode 3. Whatever follows
 * the 48-byte header (extension fields, a MAC) is ignored.
 *
 * @param bytes The datagram.
 * @returns Null to answer, or why to drop it.
 *
 * @example Usage
 * ```ts
 * import { validateNtpRequest } from "./validate_request.ts";
 * const request = new Uint8Array(48);
 * request[0] = 0x23; // LI 0, VN 4, mode 3
 * if (validateNtpRequest(request) !== null) throw new Error("valid");
 * if (validateNtpRequest(request.subarray(0, 47)) !== "short") throw new Error("short");
 * ```
 */
export function validateNtpRequest(bytes: Uint8Array): NtpDropReason | null {
  if (bytes.length < NTP_PACKET_SIZE) return "short";
  if (bytes.length % 4 !== 0) return "length";
  const first = bytes[NtpOffset.FIRST_BYTE];
  const version = versionOf(first);
  if (version < NTP_MIN_COMPATIBLE_VERSION || version > NTP_MAX_COMPATIBLE_VERSION) {
    return "version";
  }
  if (modeOf(first) !== NtpMode.CLIENT) return "mode";
  return null;
}
