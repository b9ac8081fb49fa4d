/**
 * Roughtime requests: the client builds one, the server parses and
 * checks one. Both are pure functions of bytes.
 *
 * A request holds NONC; IETF requests add VER (the versions offered),
 * TYPE = 0 (draft-14 onwards) and, optionally, SRV (which long-term key
 * the client expects), and are framed; padding (`ZZZZ`, or `PAD\xff` for
 * Google-Roughtime) brings every request to at least 1024 bytes.
 *
 * On UDP the server tells the families apart by the frame: a datagram
 * starting `ROUGHTIM` is IETF and must carry VER, anything else is a bare
 * Google-Roughtime message. On TCP every packet is framed, and a framed
 * message without VER is Google-Roughtime (clockd's convention; see the
 * README).
 *
 * @module
 */

import {
  ROUGHTIME_FRAME_HEADER_BYTES,
  ROUGHTIME_MAX_REQUEST_BYTES,
  ROUGHTIME_MAX_VERSIONS,
  ROUGHTIME_MIN_REQUEST_BYTES,
  Tag,
} from "./constants.ts";
import { frameRoughtimePacket, hasRoughtimeFrame, unframeRoughtimePacket } from "./framing.ts";
import {
  decodeRoughtimeMessage,
  encodeRoughtimeMessage,
  readUint32,
  uint32Bytes,
} from "./message.ts";
import {
  negotiateRoughtimeVersion,
  ROUGHTIME_PROFILES,
  type RoughtimeProfile,
} from "./versions.ts";

/** The transport a packet came over or goes over. */
export type RoughtimeTransport = "udp" | "tcp";

/**
 * Why the server does not answer a request (one counter each):
 * - `"short"`: fewer than 1024 bytes, frame included (amplification guard).
 * - `"long"`: more than 8192 bytes.
 * - `"framing"`: a `ROUGHTIM` header whose length does not match, or an unframed TCP packet.
 * - `"malformed"`: the message does not decode, or VER is not a list of uint32s.
 * - `"version"`: no VER in an IETF packet, or no version clockd answers.
 * - `"nonce"`: NONC missing or of the wrong length for the version.
 * - `"type"`: TYPE is not 0, or missing where the version requires it.
 * - `"srv"`: SRV names another long-term key.
 * - `"unsynchronised"`: the caller has no honest radius (clock not synchronised).
 * - `"expired"`: the delegation does not cover the current time.
 * - `"oversize"`: the answer would be larger than the request (never expected).
 */
export type RoughtimeDropReason =
  | "short"
  | "long"
  | "framing"
  | "malformed"
  | "version"
  | "nonce"
  | "type"
  | "srv"
  | "unsynchronised"
  | "expired"
  | "oversize";

/** A request the server will answer. */
export interface RoughtimeRequest {
  /** The version to answer in. */
  readonly profile: RoughtimeProfile;
  /** The client's nonce (a view into the packet). */
  readonly nonce: Uint8Array;
  /** The request as received, frame included: the Merkle leaf from draft-12 on. */
  readonly packet: Uint8Array;
  /** Whether to frame the answer (always for IETF and for TCP). */
  readonly framed: boolean;
}

/** What {@linkcode parseRoughtimeRequest} needs to know about the server. */
export interface ParseRoughtimeRequestOptions {
  /** The transport the request came over. */
  readonly transport: RoughtimeTransport;
  /** The SRV value of the server's long-term key. */
  readonly srv: Uint8Array;
  /** The versions the server answers. */
  readonly allowed: readonly RoughtimeProfile[];
}

/**
 * Checks a request and picks the version to answer in, as a chain of
 * early returns; never throws.
 *
 * @param bytes The datagram, or one whole packet from a TCP stream.
 * @param options Transport, SRV and allowed versions.
 * @returns The request, or why to drop it.
 *
 * @example Usage
 * ```ts
 * import { buildRoughtimeRequest, parseRoughtimeRequest } from "./request.ts";
 * import { ROUGHTIME_PROFILES } from "./versions.ts";
 * const packet = buildRoughtimeRequest({ profiles: [ROUGHTIME_PROFILES.rfc], nonce: new Uint8Array(32) });
 * const parsed = parseRoughtimeRequest(packet, {
 *   transport: "udp", srv: new Uint8Array(32), allowed: Object.values(ROUGHTIME_PROFILES),
 * });
 * if (typeof parsed === "string" || parsed.profile.name !== "rfc") throw new Error(String(parsed));
 * if (parseRoughtimeRequest(packet.subarray(0, 1000), {
 *   transport: "udp", srv: new Uint8Array(32), allowed: [],
 * }) !== "short") throw new Error();
 * ```
 */
export function parseRoughtimeRequest(
  bytes: Uint8Array,
  options: ParseRoughtimeRequestOptions,
): RoughtimeRequest | RoughtimeDropReason {
  if (bytes.length < ROUGHTIME_MIN_REQUEST_BYTES) return "short";
  if (bytes.length > ROUGHTIME_MAX_REQUEST_BYTES) return "long";
  const framed = hasRoughtimeFrame(bytes);
  if (!framed && options.transport === "tcp") return "framing";
  let body = bytes;
  if (framed) {
    try {
      body = unframeRoughtimePacket(bytes);
    } catch {
      return "framing";
    }
  }
  let message: Map<number, Uint8Array>;
  try {
    message = decodeRoughtimeMessage(body);
  } catch {
    return "malformed";
  }
  const ver = message.get(Tag.VER);
  const type = message.get(Tag.TYPE);
  let profile: RoughtimeProfile | null;
  if (ver === undefined || !framed) {
    if (framed && options.transport === "udp") return "version";
    profile = ROUGHTIME_PROFILES.google;
    if (!options.allowed.includes(profile)) return "version";
  } else {
    if (ver.length === 0 || ver.length % 4 !== 0) return "malformed";
    if (ver.length > 4 * ROUGHTIME_MAX_VERSIONS) return "malformed";
    const offered: number[] = [];
    for (let at = 0; at < ver.length; at += 4) offered.push(readUint32(ver, at));
    profile = negotiateRoughtimeVersion(offered, type !== undefined, options.allowed);
    if (profile === null) return "version";
    if (profile.type) {
      if (type === undefined || type.length !== 4 || readUint32(type) !== 0) return "type";
    }
  }
  const nonce = message.get(Tag.NONC);
  if (nonce === undefined || nonce.length !== profile.nonceBytes) return "nonce";
  if (profile.srv) {
    const srv = message.get(Tag.SRV);
    if (srv !== undefined && !sameBytes(srv, options.srv)) return "srv";
  }
  return { profile, nonce, packet: bytes, framed };
}

/** Settings of {@linkcode buildRoughtimeRequest}. */
export interface BuildRoughtimeRequestOptions {
  /**
   * The versions to offer: Google-Roughtime alone, or IETF versions (their
   * numbers go into VER, ascending; TYPE is added if any needs it).
   */
  readonly profiles: readonly RoughtimeProfile[];
  /** The nonce: 64 bytes for Google-Roughtime, 32 for IETF. */
  readonly nonce: Uint8Array;
  /**
   * The SRV value of the expected long-term key, sent when an offered
   * version knows SRV.
   *
   * @default {null: no SRV}
   */
  readonly srv?: Uint8Array | null;
  /**
   * The transport: Google-Roughtime requests are framed over TCP only.
   *
   * @default {"udp"}
   */
  readonly transport?: RoughtimeTransport;
  /**
   * The packet's size, frame included, reached with padding.
   *
   * @default {the largest `requestBytes` of the offered profiles (plus 12 for framed Google)}
   */
  readonly packetBytes?: number;
}

/**
 * Builds a request packet.
 *
 * @param options Versions, nonce, SRV, transport and size.
 * @returns The packet to send.
 * @throws {RangeError} On no versions, Google mixed with IETF, or a nonce of the wrong size.
 *
 * @example Usage
 * ```ts
 * import { buildRoughtimeRequest } from "./request.ts";
 * import { ROUGHTIME_PROFILES } from "./versions.ts";
 * const google = buildRoughtimeRequest({ profiles: [ROUGHTIME_PROFILES.google], nonce: new Uint8Array(64) });
 * if (google.length !== 1024 || google[0] !== 2) throw new Error(); // NONC and PAD, unframed
 * const rfc = buildRoughtimeRequest({ profiles: [ROUGHTIME_PROFILES.rfc], nonce: new Uint8Array(32) });
 * if (rfc.length !== 1036) throw new Error(String(rfc.length));
 * ```
 */
export function buildRoughtimeRequest(options: BuildRoughtimeRequestOptions): Uint8Array {
  const { profiles, nonce } = options;
  if (profiles.length === 0) throw new RangeError("offer at least one version");
  const google = profiles.some((p) => p.number === null);
  if (google && profiles.length > 1) {
    throw new RangeError("Google-Roughtime cannot be offered with other versions");
  }
  const nonceBytes = profiles[0].nonceBytes;
  if (nonce.length !== nonceBytes) {
    throw new RangeError(`the nonce must be ${nonceBytes} bytes, got ${nonce.length}`);
  }
  const framed = !google || options.transport === "tcp";
  const fields: [number, Uint8Array][] = [[Tag.NONC, nonce]];
  if (!google) {
    const numbers = [...new Set(profiles.map((p) => p.number!))].sort((a, b) => a - b);
    const ver = new Uint8Array(4 * numbers.length);
    numbers.forEach((n, i) => ver.set(uint32Bytes(n), 4 * i));
    fields.push([Tag.VER, ver]);
    if (profiles.some((p) => p.type)) fields.push([Tag.TYPE, uint32Bytes(0)]);
    const srv = options.srv ?? null;
    if (srv !== null && profiles.some((p) => p.srv)) fields.push([Tag.SRV, srv]);
  }
  const target = options.packetBytes ??
    Math.max(...profiles.map((p) => p.requestBytes)) +
      (google && framed ? ROUGHTIME_FRAME_HEADER_BYTES : 0);
  const used = (framed ? ROUGHTIME_FRAME_HEADER_BYTES : 0) + 8 * (fields.length + 1) +
    fields.reduce((sum, [, value]) => sum + value.length, 0);
  const padding = Math.max(0, target - used);
  fields.push([google ? Tag.PAD : Tag.ZZZZ, new Uint8Array(padding - padding % 4)]);
  const message = encodeRoughtimeMessage(fields);
  return framed ? frameRoughtimePacket(message) : message;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}
