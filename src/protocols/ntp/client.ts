/**
 * The NTP client side of `clockd query ntp://`: build one mode-3 request,
 * then sort the datagrams that come back into the answer to that request
 * (returned with offset and delay) and everything else (ignored, keep
 * waiting), as RFC 5905 §8 and chrony's client tests do.
 *
 * @module
 */

import { epochNanoseconds, type Instant } from "../../time/instant.ts";
import {
  leapOf,
  modeOf,
  NTP_PACKET_SIZE,
  NTP_VERSION,
  NtpLeap,
  type NtpLeapIndicator,
  NtpMode,
  NtpOffset,
  packFirstByte,
  versionOf,
} from "./constants.ts";
import { kissCodeOf, referenceIdToText } from "./packet.ts";
import {
  isZeroNtpTimestamp,
  nanosToNtpFraction,
  ntpSecondsOf,
  ntpShortToSeconds,
  type NtpTimestamp,
  ntpTimestampToInstant,
  readNtpTimestamp,
} from "./timestamp.ts";

/**
 * How many low bits of the request's transmit fraction are random: the
 * bits below 2^-20 s (0.95 µs), finer than the host clock's resolution of
 * about 1 µs, as RFC 5905 suggests ("fuzz" below the precision). They make
 * the origin check harder to pass for an off-path attacker who can guess
 * the time, and move T1 by less than the clock can resolve.
 */
export const TRANSMIT_FUZZ_BITS = 12;

const FUZZ_MASK = (1 << TRANSMIT_FUZZ_BITS) - 1;
const fuzz = new Uint32Array(1);

/**
 * Builds a 48-byte client request: LI 0, version 4, mode 3, every field 0
 * except the transmit timestamp, which is `transmit` with its
 * {@linkcode TRANSMIT_FUZZ_BITS} lowest fraction bits randomised. Keep the
 * returned bytes: the transmit field (bytes 40 to 47) is what the server
 * must echo as origin, and is T1.
 *
 * @param transmit When the request is sent.
 * @param out Where to write it (at least 48 bytes); a new array when omitted.
 * @returns The 48 bytes to send: `out.subarray(0, 48)`, or the new array.
 * @throws {RangeError} If `out` is shorter than 48 bytes.
 *
 * @example Usage
 * ```ts
 * import { buildNtpRequest } from "./client.ts";
 * const request = buildNtpRequest({ seconds: 1_767_225_600, nanos: 0 });
 * if (request.length !== 48 || request[0] !== 0x23) throw new Error("VN 4, mode 3");
 * ```
 */
export function buildNtpRequest(transmit: Instant, out?: Uint8Array): Uint8Array {
  if (out !== undefined && out.length < NTP_PACKET_SIZE) {
    throw new RangeError(
      `Cannot build NTP request: output needs "${NTP_PACKET_SIZE}" bytes, has "${out.length}"`,
    );
  }
  const bytes = out === undefined
    ? new Uint8Array(NTP_PACKET_SIZE)
    : out.subarray(0, NTP_PACKET_SIZE);
  bytes.fill(0);
  bytes[NtpOffset.FIRST_BYTE] = packFirstByte(NtpLeap.NONE, NTP_VERSION, NtpMode.CLIENT);
  crypto.getRandomValues(fuzz);
  const fraction = ((nanosToNtpFraction(transmit.nanos) & ~FUZZ_MASK) | (fuzz[0] & FUZZ_MASK)) >>>
    0;
  const view = new DataView(bytes.buffer, bytes.byteOffset, NTP_PACKET_SIZE);
  view.setUint32(NtpOffset.TRANSMIT_TIME, ntpSecondsOf(transmit.seconds));
  view.setUint32(NtpOffset.TRANSMIT_TIME + 4, fraction);
  return bytes;
}

/** A server's answer to our request, with the clock offset and round-trip delay. */
export interface NtpReply {
  /** Leap indicator: 3 means the server is not synchronised (do not use its time). */
  leap: NtpLeapIndicator;
  /** The reply's version number. */
  version: number;
  /** Stratum: 0 for a kiss-o'-death or unsynchronised server, 1 to 15, 16+ invalid. */
  stratum: number;
  /** Poll interval, log2 seconds. */
  poll: number;
  /** Server clock precision, log2 seconds. */
  precision: number;
  /** Root delay, seconds. */
  rootDelay: number;
  /** Root dispersion, seconds. */
  rootDispersion: number;
  /** Reference ID, unsigned 32-bit. */
  referenceId: number;
  /** Reference ID for people: ASCII at stratum 0 and 1, dotted quad above. */
  referenceIdText: string;
  /** At stratum 0, the kiss-o'-death code (`"RATE"`, `"DENY"`, …); otherwise null. */
  kissCode: string | null;
  /** True when LI ≠ 3 and the stratum is 1 to 15: the time may be used. */
  synchronised: boolean;
  /** When the server's clock was last set; null when sent as zero. */
  referenceTime: Instant | null;
  /** T1: our transmit timestamp, as echoed back in the origin field. */
  originTime: Instant;
  /** T2: when the server received the request. */
  receiveTime: Instant;
  /** T3: when the server sent the reply. */
  transmitTime: Instant;
  /** T4: when we received the reply. */
  destinationTime: Instant;
  /** Server clock minus ours, seconds: ((T2 − T1) + (T3 − T4)) / 2. */
  offset: number;
  /** Round-trip network delay, seconds: (T4 − T1) − (T3 − T2). */
  delay: number;
}

/**
 * Why a datagram is not the answer to our request (keep waiting):
 * - `"short"`: fewer than 48 bytes.
 * - `"mode"`: not mode 4 (server).
 * - `"origin"`: the origin timestamp is not our transmit timestamp, bit for
 *   bit: a stale, duplicate or forged reply (RFC 5905 §8).
 * - `"zero-transmit"`: a transmit timestamp of zero, which RFC 5905 §8 calls bogus.
 */
export type NtpIgnoreReason = "short" | "mode" | "origin" | "zero-transmit";

/**
 * Parses a datagram received after sending a request. Timestamps are
 * placed in the era nearest `received`; offset and delay are computed in
 * exact integer nanoseconds before conversion to seconds.
 *
 * @param bytes The datagram.
 * @param sentTransmit The transmit timestamp we sent: the raw request (its
 *   bytes 40 to 47 are used), the 8 raw bytes, or the seconds and fraction.
 * @param received When the datagram arrived (T4).
 * @returns The reply, or `{ ignore }` with the reason it is not one.
 *
 * @example Usage
 * ```ts
 * import { buildNtpRequest, parseNtpReply } from "./client.ts";
 * const now = { seconds: 1_767_225_600, nanos: 0 };
 * const request = buildNtpRequest(now);
 * const reply = parseNtpReply(new Uint8Array(48), request, now);
 * if (!("ignore" in reply) || reply.ignore !== "mode") throw new Error("mode 0 is no reply");
 * ```
 */
export function parseNtpReply(
  bytes: Uint8Array,
  sentTransmit: Uint8Array | NtpTimestamp,
  received: Instant,
): NtpReply | { ignore: NtpIgnoreReason } {
  if (bytes.length < NTP_PACKET_SIZE) return { ignore: "short" };
  const view = new DataView(bytes.buffer, bytes.byteOffset, NTP_PACKET_SIZE);
  const first = view.getUint8(NtpOffset.FIRST_BYTE);
  if (modeOf(first) !== NtpMode.SERVER) return { ignore: "mode" };
  const sent = rawTransmit(sentTransmit);
  const origin = readNtpTimestamp(view, NtpOffset.ORIGIN_TIME);
  if (origin.seconds !== sent.seconds || origin.fraction !== sent.fraction) {
    return { ignore: "origin" };
  }
  const transmit = readNtpTimestamp(view, NtpOffset.TRANSMIT_TIME);
  if (isZeroNtpTimestamp(transmit)) return { ignore: "zero-transmit" };

  const leap = leapOf(first);
  const stratum = view.getUint8(NtpOffset.STRATUM);
  const referenceId = view.getUint32(NtpOffset.REFERENCE_ID);
  const reference = readNtpTimestamp(view, NtpOffset.REFERENCE_TIME);
  const t1 = toInstant(sent, received);
  const t2 = toInstant(readNtpTimestamp(view, NtpOffset.RECEIVE_TIME), received);
  const t3 = toInstant(transmit, received);
  const [n1, n2, n3, n4] = [t1, t2, t3, received].map(epochNanoseconds);
  return {
    leap,
    version: versionOf(first),
    stratum,
    poll: view.getInt8(NtpOffset.POLL),
    precision: view.getInt8(NtpOffset.PRECISION),
    rootDelay: ntpShortToSeconds(view.getUint32(NtpOffset.ROOT_DELAY)),
    rootDispersion: ntpShortToSeconds(view.getUint32(NtpOffset.ROOT_DISPERSION)),
    referenceId,
    referenceIdText: referenceIdToText(referenceId, stratum),
    kissCode: stratum === 0 ? kissCodeOf(referenceId) : null,
    synchronised: leap !== NtpLeap.UNSYNCHRONISED && stratum >= 1 && stratum <= 15,
    referenceTime: isZeroNtpTimestamp(reference) ? null : toInstant(reference, received),
    originTime: t1,
    receiveTime: t2,
    transmitTime: t3,
    destinationTime: received,
    // Exact integer nanoseconds until here; twice the offset is an integer, so halve it as a float.
    offset: Number(n2 - n1 + (n3 - n4)) / 2e9,
    delay: Number(n4 - n1 - (n3 - n2)) / 1e9,
  };
}

function rawTransmit(sent: Uint8Array | NtpTimestamp): NtpTimestamp {
  if (!(sent instanceof Uint8Array)) return sent;
  const offset = sent.length >= NTP_PACKET_SIZE ? NtpOffset.TRANSMIT_TIME : 0;
  if (sent.length !== 8 && sent.length < NTP_PACKET_SIZE) {
    throw new RangeError(
      `Cannot read the sent transmit timestamp: need 8 or 48 bytes, got "${sent.length}"`,
    );
  }
  return readNtpTimestamp(new DataView(sent.buffer, sent.byteOffset, sent.length), offset);
}

function toInstant(timestamp: NtpTimestamp, pivot: Instant): Instant {
  return ntpTimestampToInstant(timestamp.seconds, timestamp.fraction, pivot);
}
