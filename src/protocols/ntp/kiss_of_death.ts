/**
 * The kiss-o'-death answer (RFC 5905 §7.4): how the NTP server tells a
 * client to slow down (`RATE`) or to stop (`DENY`, `RSTR`).
 *
 * @module
 */

import type { Instant } from "../../time/instant.ts";
import {
  NTP_PACKET_SIZE,
  NTP_STRATUM_UNSPECIFIED,
  type NtpKissCode,
  NtpLeap,
  NtpMode,
  NtpOffset,
  packFirstByte,
} from "./constants.ts";
import { nanosToNtpFraction, ntpSecondsOf } from "./timestamp.ts";
import { checkBuffers, copyTransmitToOrigin, putUint32, replyVersion } from "./_answer.ts";

/**
 * Writes a kiss-o'-death answer (RFC 5905 §7.4). The header is what both
 * chrony and ntpd send: LI 3 (unsynchronised), the request's version,
 * mode 4, stratum 0, the kiss code as the reference ID, the request's poll,
 * and origin = the request's transmit timestamp bit for bit, so the client
 * takes it as the answer to its request. Precision, root delay, root
 * dispersion and the reference timestamp are 0: a kiss says nothing about
 * the clock. Receive and transmit both carry `transmit`, the one instant the
 * caller supplies, as chrony fills in real timestamps; LI 3 and stratum 0
 * keep conforming clients from using them. (ntpd instead echoes the
 * client's own transmit timestamp in all three fields, so that even a client
 * ignoring LI and stratum computes nothing useful.)
 *
 * @param request The request datagram (at least 48 bytes, validated).
 * @param code The kiss code: `"RATE"` to slow a client down, `"DENY"` or `"RSTR"` to stop it.
 * @param transmit When the answer leaves.
 * @param out Where to write the answer (at least 48 bytes).
 * @returns The answer's length, 48.
 * @throws {RangeError} If a buffer is too short or the code is not four uppercase letters or digits.
 *
 * @example Usage
 * ```ts
 * import { writeKissOfDeath } from "./kiss_of_death.ts";
 * const request = new Uint8Array(48);
 * request[0] = 0x23;
 * const out = new Uint8Array(48);
 * writeKissOfDeath(request, "RATE", { seconds: 1_767_225_600, nanos: 0 }, out);
 * if (out[0] !== 0xe4 || out[1] !== 0 || out[12] !== 0x52) throw new Error("LI 3, stratum 0, R");
 * ```
 */
export function writeKissOfDeath(
  request: Uint8Array,
  code: NtpKissCode,
  transmit: Instant,
  out: Uint8Array,
): number {
  checkBuffers(request, out);
  const referenceId = kissCodeToReferenceId(code);
  out.fill(0, 0, NTP_PACKET_SIZE);
  out[NtpOffset.FIRST_BYTE] = packFirstByte(
    NtpLeap.UNSYNCHRONISED,
    replyVersion(request),
    NtpMode.SERVER,
  );
  out[NtpOffset.STRATUM] = NTP_STRATUM_UNSPECIFIED;
  out[NtpOffset.POLL] = request[NtpOffset.POLL];
  putUint32(out, NtpOffset.REFERENCE_ID, referenceId);
  copyTransmitToOrigin(request, out);
  const seconds = ntpSecondsOf(transmit.seconds);
  const fraction = nanosToNtpFraction(transmit.nanos);
  putUint32(out, NtpOffset.RECEIVE_TIME, seconds);
  putUint32(out, NtpOffset.RECEIVE_TIME + 4, fraction);
  putUint32(out, NtpOffset.TRANSMIT_TIME, seconds);
  putUint32(out, NtpOffset.TRANSMIT_TIME + 4, fraction);
  return NTP_PACKET_SIZE;
}

function kissCodeToReferenceId(code: string): number {
  let id = 0;
  for (let i = 0; i < 4; i++) {
    const c = code.charCodeAt(i);
    if (!((c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39)) || code.length !== 4) {
      throw new RangeError(
        `Cannot send kiss code "${code}": expected four uppercase letters or digits`,
      );
    }
    id = id * 256 + c;
  }
  return id;
}
