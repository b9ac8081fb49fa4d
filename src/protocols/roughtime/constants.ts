/**
 * Roughtime's protocol constants, each in one place: the tags, the packet
 * frame, the signature contexts, the size limits and the default port.
 * Version numbers and what each version changes live in `versions.ts`.
 *
 * Sources: Google-Roughtime's PROTOCOL.md, draft-ietf-ntp-roughtime-08,
 * -11, -12 and -19 (RFC 10049), and the IANA "Roughtime Tags" registry.
 *
 * @module
 */

/** UDP and TCP port of Roughtime services (the drafts' and the ecosystem's choice). */
export const ROUGHTIME_DEFAULT_PORT = 2002;

/**
 * The least request a server answers, bytes of the whole packet (frame
 * included): the amplification guard of every version. Clients pad with
 * `ZZZZ` (IETF) or `PAD\xff` (Google) to reach it.
 */
export const ROUGHTIME_MIN_REQUEST_BYTES = 1024;

/** The largest request a server reads, bytes; longer ones are dropped (no version needs more). */
export const ROUGHTIME_MAX_REQUEST_BYTES = 8192;

/** The largest answer a client reads, bytes (an answer is never larger than its request). */
export const ROUGHTIME_MAX_RESPONSE_BYTES = ROUGHTIME_MAX_REQUEST_BYTES;

/** The 8-byte magic opening every IETF packet: ASCII `ROUGHTIM` (uint64 0x4d49544847554f52). */
export const ROUGHTIME_FRAME_MAGIC: Uint8Array = new TextEncoder().encode("ROUGHTIM");

/** Bytes of the IETF packet header: the magic, then the message length as a uint32. */
export const ROUGHTIME_FRAME_HEADER_BYTES = 12;

/** Bytes of an Ed25519 public key. */
export const ED25519_PUBLIC_KEY_BYTES = 32;

/** Bytes of an Ed25519 signature. */
export const ED25519_SIGNATURE_BYTES = 64;

/** Bytes of an Ed25519 private key seed (RFC 8032 §5.1.5). */
export const ED25519_SEED_BYTES = 32;

/** Most hashes a PATH may hold (draft-12 onwards; a tree of 2^32 leaves). */
export const ROUGHTIME_MAX_PATH_HASHES = 32;

/** Most version numbers a VER or VERS list may hold (draft-19 §5.1.1). */
export const ROUGHTIME_MAX_VERSIONS = 32;

const ENCODER = new TextEncoder();

/**
 * Signature context of the delegation (CERT's SIG over DELE) up to
 * draft-11 and in Google-Roughtime, terminating zero included.
 */
export const DELEGATION_CONTEXT_LEGACY: Uint8Array = ENCODER.encode(
  "RoughTime v1 delegation signature--\0",
);

/** Signature context of the delegation from draft-12 on (RFC 10049), terminating zero included. */
export const DELEGATION_CONTEXT: Uint8Array = ENCODER.encode("RoughTime v1 delegation signature\0");

/** Signature context of the response (SIG over SREP) in every version, terminating zero included. */
export const RESPONSE_CONTEXT: Uint8Array = ENCODER.encode("RoughTime v1 response signature\0");

/**
 * A tag from its ASCII name: the name's bytes, padded with zero bytes to
 * four, read as a little-endian uint32 (so "NONC" is 0x434e4f4e and "VER"
 * 0x00524556). Messages sort their tags by this number.
 *
 * @param name One to four characters (a `\xff` pad is allowed, as in
 *   Google's `PAD\xff`).
 * @returns The tag.
 * @throws {RangeError} If the name is empty or longer than four characters.
 *
 * @example Usage
 * ```ts
 * import { tagOf } from "./constants.ts";
 * if (tagOf("NONC") !== 0x434e4f4e || tagOf("VER") !== 0x00524556) throw new Error();
 * ```
 */
export function tagOf(name: string): number {
  if (name.length < 1 || name.length > 4) {
    throw new RangeError(`a tag has 1 to 4 characters: "${name}"`);
  }
  let value = 0;
  for (let i = 0; i < 4; i++) {
    value += (i < name.length ? name.charCodeAt(i) & 0xff : 0) * 2 ** (8 * i);
  }
  return value;
}

/**
 * A tag for people: its ASCII letters, zero padding dropped, any other
 * byte as `\xNN`.
 *
 * @param tag The tag.
 * @returns Its name, e.g. `NONC`, `VER`, `PAD\xff`.
 *
 * @example Usage
 * ```ts
 * import { Tag, tagName } from "./constants.ts";
 * if (tagName(Tag.VER) !== "VER" || tagName(Tag.PAD) !== "PAD\\xff") throw new Error();
 * ```
 */
export function tagName(tag: number): string {
  let name = "";
  for (let i = 0; i < 4; i++) {
    const byte = Math.floor(tag / 2 ** (8 * i)) & 0xff;
    if (byte === 0) continue;
    name += byte >= 0x20 && byte < 0x7f
      ? String.fromCharCode(byte)
      : `\\x${byte.toString(16).padStart(2, "0")}`;
  }
  return name;
}

/** Every tag clockd reads or writes, by name (IANA "Roughtime Tags", plus Google's `PAD\xff`). */
export const Tag = Object.freeze({
  /** An Ed25519 signature (top level: over SREP; in CERT: over DELE). */
  SIG: tagOf("SIG"),
  /** Version numbers: the list a client offers, or the one a response uses. */
  VER: tagOf("VER"),
  /** The client's hash of the long-term key it expects (draft-11 onwards). */
  SRV: tagOf("SRV"),
  /** The client's nonce. */
  NONC: tagOf("NONC"),
  /** The delegation: the online key and its validity window, signed by the long-term key. */
  DELE: tagOf("DELE"),
  /** 0 in requests, 1 in responses (draft-14 onwards). */
  TYPE: tagOf("TYPE"),
  /** The Merkle path from the request's leaf to the root. */
  PATH: tagOf("PATH"),
  /** The radius: how far the true time may be from MIDP. */
  RADI: tagOf("RADI"),
  /** The online public key, inside DELE. */
  PUBK: tagOf("PUBK"),
  /** The midpoint: the server's time when it processed the batch. */
  MIDP: tagOf("MIDP"),
  /** The signed response: MIDP, RADI, ROOT (and VER, VERS from draft-12). */
  SREP: tagOf("SREP"),
  /** The versions the server supports, inside SREP (draft-12 onwards). */
  VERS: tagOf("VERS"),
  /** Start of the delegation's validity. */
  MINT: tagOf("MINT"),
  /** The Merkle tree root, inside SREP. */
  ROOT: tagOf("ROOT"),
  /** The certificate: DELE and the long-term key's SIG over it. */
  CERT: tagOf("CERT"),
  /** End of the delegation's validity. */
  MAXT: tagOf("MAXT"),
  /** The request's leaf index in the Merkle tree. */
  INDX: tagOf("INDX"),
  /** IETF request padding, all zero bytes. */
  ZZZZ: tagOf("ZZZZ"),
  /** Google-Roughtime request padding: `PAD` then the byte 0xff. */
  PAD: tagOf("PAD\xff"),
});
