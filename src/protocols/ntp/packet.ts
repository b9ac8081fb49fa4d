/**
 * The NTP packet codec (RFC 5905 §7.3): the 48-byte header read from and
 * written to fixed big-endian offsets. Timestamps, root delay and root
 * dispersion stay raw, so a decoded packet re-encodes bit for bit and an
 * origin timestamp can be echoed exactly. Extension fields and MACs after
 * the header are ignored.
 *
 * @module
 */

import {
  leapOf,
  modeOf,
  NTP_PACKET_SIZE,
  type NtpLeapIndicator,
  NtpOffset,
  packFirstByte,
  versionOf,
} from "./constants.ts";
import { type NtpTimestamp, readNtpTimestamp } from "./timestamp.ts";

/*
 * RFC 5905 §7.3, Figure 8: the packet header.
 *
 *     0                   1                   2                   3
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  0 +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |LI | VN  |Mode |    Stratum    |     Poll      |   Precision   |
 *  4 +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                         Root Delay                            |
 *  8 +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                         Root Dispersion                       |
 * 12 +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                          Reference ID                         |
 * 16 +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                                                               |
 *    +                     Reference Timestamp (64)                  +
 *    |                                                               |
 * 24 +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                                                               |
 *    +                      Origin Timestamp (64)                    +
 *    |                                                               |
 * 32 +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                                                               |
 *    +                      Receive Timestamp (64)                   +
 *    |                                                               |
 * 40 +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                                                               |
 *    +                      Transmit Timestamp (64)                  +
 *    |                                                               |
 * 48 +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    .                                                               .
 *    .    Extension fields, Key Identifier, Digest (optional)        .
 *    .                                                               .
 *
 * Short format (root delay, root dispersion): 16 bits of seconds, 16 of fraction.
 * Timestamp format: 32 bits of seconds since 1900 (modulo 2^32), 32 of fraction.
 */

/**
 * A decoded NTP packet header (RFC 5905 §7.3), fields as on the wire.
 *
 * @example Usage
 * ```ts
 * import { decodeNtpPacket, encodeNtpPacket } from "./packet.ts";
 * const bytes = new Uint8Array(48);
 * bytes[0] = 0x23; // LI 0, VN 4, mode 3
 * const packet = decodeNtpPacket(bytes);
 * if (packet.version !== 4 || packet.mode !== 3) throw new Error("decode");
 * if (encodeNtpPacket(packet)[0] !== 0x23) throw new Error("encode");
 * ```
 */
export interface NtpPacket {
  /** Leap indicator, 0 to 3. */
  leap: NtpLeapIndicator;
  /** Version number, 0 to 7. */
  version: number;
  /** Mode, 0 to 7. */
  mode: number;
  /** Stratum, 0 to 255. */
  stratum: number;
  /** Poll interval, log2 seconds, signed 8-bit. */
  poll: number;
  /** Clock precision, log2 seconds, signed 8-bit. */
  precision: number;
  /** Root delay, raw 16.16 unsigned short format (seconds × 65536). */
  rootDelay: number;
  /** Root dispersion, raw 16.16 unsigned short format (seconds × 65536). */
  rootDispersion: number;
  /** Reference ID, unsigned 32-bit (ASCII at stratum 0 and 1, IPv4 address or hash above). */
  referenceId: number;
  /** When the server's clock was last set or corrected; zero for unknown. */
  referenceTime: NtpTimestamp;
  /** In a reply, the request's transmit timestamp echoed back (T1). */
  originTime: NtpTimestamp;
  /** When the request reached the server (T2). */
  receiveTime: NtpTimestamp;
  /** When the packet left its sender (T3 in a reply, T1 in a request). */
  transmitTime: NtpTimestamp;
}

/**
 * Decodes the 48-byte header of an NTP packet. Bytes after the header
 * (extension fields, MAC) are ignored.
 *
 * @param bytes The datagram.
 * @returns The decoded header.
 * @throws {RangeError} If the datagram is shorter than 48 bytes.
 */
export function decodeNtpPacket(bytes: Uint8Array): NtpPacket {
  if (bytes.length < NTP_PACKET_SIZE) {
    throw new RangeError(
      `Cannot decode NTP packet: need at least "${NTP_PACKET_SIZE}" bytes, got "${bytes.length}"`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, NTP_PACKET_SIZE);
  const first = view.getUint8(NtpOffset.FIRST_BYTE);
  return {
    leap: leapOf(first),
    version: versionOf(first),
    mode: modeOf(first),
    stratum: view.getUint8(NtpOffset.STRATUM),
    poll: view.getInt8(NtpOffset.POLL),
    precision: view.getInt8(NtpOffset.PRECISION),
    rootDelay: view.getUint32(NtpOffset.ROOT_DELAY),
    rootDispersion: view.getUint32(NtpOffset.ROOT_DISPERSION),
    referenceId: view.getUint32(NtpOffset.REFERENCE_ID),
    referenceTime: readNtpTimestamp(view, NtpOffset.REFERENCE_TIME),
    originTime: readNtpTimestamp(view, NtpOffset.ORIGIN_TIME),
    receiveTime: readNtpTimestamp(view, NtpOffset.RECEIVE_TIME),
    transmitTime: readNtpTimestamp(view, NtpOffset.TRANSMIT_TIME),
  };
}

/**
 * Encodes an NTP packet header.
 *
 * @param packet The header to encode.
 * @param out Where to write the 48 bytes (at its start); a new array when omitted.
 * @returns `out` (its first 48 bytes written, the rest untouched), or the new 48-byte array.
 * @throws {RangeError} If `out` is shorter than 48 bytes or a field is out of its range.
 */
export function encodeNtpPacket(packet: NtpPacket, out?: Uint8Array): Uint8Array {
  const bytes = out ?? new Uint8Array(NTP_PACKET_SIZE);
  if (bytes.length < NTP_PACKET_SIZE) {
    throw new RangeError(
      `Cannot encode NTP packet: output needs "${NTP_PACKET_SIZE}" bytes, has "${bytes.length}"`,
    );
  }
  checkField("leap", packet.leap, 0, 3);
  checkField("version", packet.version, 0, 7);
  checkField("mode", packet.mode, 0, 7);
  checkField("stratum", packet.stratum, 0, 255);
  checkField("poll", packet.poll, -128, 127);
  checkField("precision", packet.precision, -128, 127);
  checkField("rootDelay", packet.rootDelay, 0, 0xffff_ffff);
  checkField("rootDispersion", packet.rootDispersion, 0, 0xffff_ffff);
  checkField("referenceId", packet.referenceId, 0, 0xffff_ffff);
  const view = new DataView(bytes.buffer, bytes.byteOffset, NTP_PACKET_SIZE);
  view.setUint8(NtpOffset.FIRST_BYTE, packFirstByte(packet.leap, packet.version, packet.mode));
  view.setUint8(NtpOffset.STRATUM, packet.stratum);
  view.setInt8(NtpOffset.POLL, packet.poll);
  view.setInt8(NtpOffset.PRECISION, packet.precision);
  view.setUint32(NtpOffset.ROOT_DELAY, packet.rootDelay);
  view.setUint32(NtpOffset.ROOT_DISPERSION, packet.rootDispersion);
  view.setUint32(NtpOffset.REFERENCE_ID, packet.referenceId);
  writeRaw(view, NtpOffset.REFERENCE_TIME, "referenceTime", packet.referenceTime);
  writeRaw(view, NtpOffset.ORIGIN_TIME, "originTime", packet.originTime);
  writeRaw(view, NtpOffset.RECEIVE_TIME, "receiveTime", packet.receiveTime);
  writeRaw(view, NtpOffset.TRANSMIT_TIME, "transmitTime", packet.transmitTime);
  return bytes;
}

/**
 * Converts a reference ID as configured to its 32-bit wire value: a dotted
 * IPv4 address (the upstream server, for stratum 2 and above) or one to four
 * printable ASCII characters, left-justified and zero-filled (RFC 5905 §7.3).
 *
 * @param text `"LOCL"`, `"GPS"`, `"192.0.2.1"`, …
 * @returns The unsigned 32-bit reference ID.
 * @throws {RangeError} If the text is neither.
 *
 * @example Usage
 * ```ts
 * import { referenceIdFromText } from "./packet.ts";
 * if (referenceIdFromText("GPS") !== 0x4750_5300) throw new Error("zero-filled");
 * if (referenceIdFromText("127.127.1.1") !== 0x7f7f_0101) throw new Error("IPv4");
 * ```
 */
export function referenceIdFromText(text: string): number {
  const quad = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (quad) {
    const octets = quad.slice(1).map(Number);
    if (octets.every((octet) => octet <= 255)) {
      return ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
    }
  } else if (/^[\x20-\x7e]{1,4}$/.test(text)) {
    let id = 0;
    for (let i = 0; i < 4; i++) id = id * 256 + (i < text.length ? text.charCodeAt(i) : 0);
    return id;
  }
  throw new RangeError(
    `Cannot use "${text}" as an NTP reference ID: expected 1 to 4 ASCII characters or an IPv4 address`,
  );
}

/**
 * Formats a reference ID for people: ASCII at stratum 0 (kiss code) and 1
 * (reference clock type), trailing NULs removed; a dotted quad above.
 * Non-printable bytes at stratum 0 or 1 fall back to the dotted quad.
 *
 * @param referenceId The unsigned 32-bit reference ID.
 * @param stratum The packet's stratum, which decides the interpretation.
 * @returns `"GPS"`, `"RATE"`, `"192.0.2.1"`, …
 */
export function referenceIdToText(referenceId: number, stratum: number): string {
  const octets = [
    referenceId >>> 24,
    (referenceId >>> 16) & 0xff,
    (referenceId >>> 8) & 0xff,
    referenceId & 0xff,
  ];
  if (stratum <= 1) {
    const ascii = asciiOf(octets);
    if (ascii !== null) return ascii;
  }
  return octets.join(".");
}

/**
 * The kiss code of a reference ID: its four bytes as ASCII when all are
 * printable uppercase-or-digit characters, as RFC 5905 codes are.
 *
 * @param referenceId The unsigned 32-bit reference ID of a stratum-0 packet.
 * @returns The four-character code, or null when the bytes are not one.
 */
export function kissCodeOf(referenceId: number): string | null {
  let code = "";
  for (let shift = 24; shift >= 0; shift -= 8) {
    const byte = (referenceId >>> shift) & 0xff;
    const isCodeChar = (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x30 && byte <= 0x39);
    if (!isCodeChar) return null;
    code += String.fromCharCode(byte);
  }
  return code;
}

function asciiOf(octets: number[]): string | null {
  let end = octets.length;
  while (end > 0 && octets[end - 1] === 0) end--;
  if (end === 0) return null;
  let text = "";
  for (let i = 0; i < end; i++) {
    if (octets[i] < 0x20 || octets[i] > 0x7e) return null;
    text += String.fromCharCode(octets[i]);
  }
  return text;
}

function writeRaw(view: DataView, offset: number, name: string, timestamp: NtpTimestamp): void {
  checkField(`${name}.seconds`, timestamp.seconds, 0, 0xffff_ffff);
  checkField(`${name}.fraction`, timestamp.fraction, 0, 0xffff_ffff);
  view.setUint32(offset, timestamp.seconds);
  view.setUint32(offset + 4, timestamp.fraction);
}

function checkField(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(
      `Cannot encode NTP packet: field "${name}" is "${value}", expected an integer from ${min} to ${max}`,
    );
  }
}
