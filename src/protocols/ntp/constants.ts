/**
 * Every NTP protocol constant in one place, and the helpers that pack and
 * unpack the packet's first byte (leap indicator, version, mode), in the
 * manner of chrony's `ntp.h`.
 *
 * @module
 */

/** Seconds from the NTP prime epoch (1900-01-01T00:00:00Z) to the Unix epoch (1970-01-01T00:00:00Z). */
export const NTP_UNIX_EPOCH_OFFSET = 2_208_988_800;

/** Seconds in one NTP era: the 32-bit seconds field wraps after 2^32 seconds (136 years). */
export const NTP_ERA_SECONDS = 4_294_967_296;

/** Length of the NTP header in bytes; extension fields and MACs follow it. */
export const NTP_PACKET_SIZE = 48;

/** The UDP port NTP servers listen on. */
export const NTP_PORT = 123;

/** The protocol version this implementation speaks (RFC 5905). */
export const NTP_VERSION = 4;

/** The oldest protocol version a request may carry and still be answered. */
export const NTP_MIN_COMPATIBLE_VERSION = 1;

/** The newest protocol version a request may carry and still be answered. */
export const NTP_MAX_COMPATIBLE_VERSION = 4;

/** Stratum 0: unspecified or invalid; with an ASCII reference ID, a kiss-o'-death. */
export const NTP_STRATUM_UNSPECIFIED = 0;

/** Stratum 1: a primary server, attached to a reference clock. */
export const NTP_STRATUM_PRIMARY = 1;

/** The highest stratum a synchronised server may claim. */
export const NTP_MAX_SYNCHRONISED_STRATUM = 15;

/** Stratum 16: unsynchronised. Sent on the wire as 0, as chrony and ntpd do. */
export const NTP_STRATUM_UNSYNCHRONISED = 16;

/** Leap indicator values (RFC 5905 §7.3, the first two bits of the packet). */
export const NtpLeap = {
  /** No warning. */
  NONE: 0,
  /** The last minute of the day has 61 seconds. */
  INSERT_SECOND: 1,
  /** The last minute of the day has 59 seconds. */
  DELETE_SECOND: 2,
  /** Alarm condition: the clock is not synchronised. */
  UNSYNCHRONISED: 3,
} as const;

/** A leap indicator value, 0 to 3. */
export type NtpLeapIndicator = 0 | 1 | 2 | 3;

/** Association modes (RFC 5905 §7.3, the low three bits of the first byte). */
export const NtpMode = {
  /** Reserved. */
  RESERVED: 0,
  /** Symmetric active. */
  SYMMETRIC_ACTIVE: 1,
  /** Symmetric passive. */
  SYMMETRIC_PASSIVE: 2,
  /** Client: a request. */
  CLIENT: 3,
  /** Server: the answer to a client request. */
  SERVER: 4,
  /** Broadcast. */
  BROADCAST: 5,
  /** NTP control message (ntpq). */
  CONTROL: 6,
  /** Reserved for private use (ntpdc). */
  PRIVATE: 7,
} as const;

/** Byte offsets of the header fields (RFC 5905 §7.3). */
export const NtpOffset = {
  /** Leap indicator, version and mode (one byte). */
  FIRST_BYTE: 0,
  /** Stratum (one byte). */
  STRATUM: 1,
  /** Poll interval, log2 seconds (signed byte). */
  POLL: 2,
  /** Precision, log2 seconds (signed byte). */
  PRECISION: 3,
  /** Root delay, 16.16 short format. */
  ROOT_DELAY: 4,
  /** Root dispersion, 16.16 short format. */
  ROOT_DISPERSION: 8,
  /** Reference ID (four bytes). */
  REFERENCE_ID: 12,
  /** Reference timestamp, 32.32 timestamp format. */
  REFERENCE_TIME: 16,
  /** Origin timestamp (T1 echoed back by the server). */
  ORIGIN_TIME: 24,
  /** Receive timestamp (T2). */
  RECEIVE_TIME: 32,
  /** Transmit timestamp (T3, or T1 in a request). */
  TRANSMIT_TIME: 40,
} as const;

/**
 * Kiss-o'-death codes a server sends in the reference ID of a stratum-0
 * packet (RFC 5905 §7.4). Clients must stop on `DENY` and `RSTR` and slow
 * down on `RATE`.
 */
export const NTP_KISS_CODES = [
  "ACST",
  "AUTH",
  "AUTO",
  "BCST",
  "CRYP",
  "DENY",
  "DROP",
  "RSTR",
  "INIT",
  "MCST",
  "NKEY",
  "NTSN",
  "RATE",
  "RMOT",
  "STEP",
] as const;

/** A kiss-o'-death code from the RFC 5905 (and RFC 8915 `NTSN`) registry. */
export type NtpKissCode = typeof NTP_KISS_CODES[number];

/** The reference ID chrony sends when it is not synchronised: no reference. */
export const NTP_REFID_UNSYNCHRONISED = 0;

/** The reference ID a server with an undisciplined local clock sends by default. */
export const NTP_REFID_LOCAL_TEXT = "LOCL";

/**
 * Packs the leap indicator, version and mode into the first byte.
 *
 * @param leap Leap indicator, 0 to 3 (higher bits are masked off).
 * @param version Version number, 0 to 7 (higher bits are masked off).
 * @param mode Mode, 0 to 7 (higher bits are masked off).
 * @returns The first byte of the packet.
 *
 * @example Usage
 * ```ts
 * import { packFirstByte } from "./constants.ts";
 * if (packFirstByte(0, 4, 3) !== 0x23) throw new Error("LI 0, VN 4, client");
 * ```
 */
export function packFirstByte(leap: number, version: number, mode: number): number {
  return ((leap & 0x3) << 6) | ((version & 0x7) << 3) | (mode & 0x7);
}

/**
 * The leap indicator of a first byte.
 *
 * @param firstByte The packet's first byte.
 * @returns Its top two bits, 0 to 3.
 */
export function leapOf(firstByte: number): NtpLeapIndicator {
  return ((firstByte >> 6) & 0x3) as NtpLeapIndicator;
}

/**
 * The version number of a first byte.
 *
 * @param firstByte The packet's first byte.
 * @returns Its bits 3 to 5, 0 to 7.
 */
export function versionOf(firstByte: number): number {
  return (firstByte >> 3) & 0x7;
}

/**
 * The mode of a first byte.
 *
 * @param firstByte The packet's first byte.
 * @returns Its low three bits, 0 to 7.
 */
export function modeOf(firstByte: number): number {
  return firstByte & 0x7;
}
