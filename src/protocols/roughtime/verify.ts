/**
 * The client's check of a Roughtime response (draft-19 §5.4): the whole
 * chain from the long-term key to the client's own request.
 *
 * 1. The long-term key signed DELE (CERT's SIG, delegation context).
 * 2. The delegated key (DELE's PUBK) signed SREP (top-level SIG).
 * 3. The Merkle path (PATH, INDX) leads from the request's leaf (its
 *    nonce, or its whole packet from draft-12 on) to SREP's ROOT.
 * 4. MIDP lies within DELE's [MINT, MAXT].
 *
 * It also checks the framing, that the version answered was offered, that
 * NONC (when present) is the request's, and TYPE = 1 where the version has
 * it. Any failure throws a {@linkcode RoughtimeVerifyError} naming it.
 *
 * @module
 */

import {
  ED25519_PUBLIC_KEY_BYTES,
  ED25519_SIGNATURE_BYTES,
  RESPONSE_CONTEXT,
  ROUGHTIME_MAX_PATH_HASHES,
  Tag,
} from "./constants.ts";
import { hasRoughtimeFrame, unframeRoughtimePacket } from "./framing.ts";
import { verifyWithContext } from "./keys.ts";
import { merkleRootFromPath } from "./merkle.ts";
import {
  decodeRoughtimeMessage,
  readUint32,
  readUint64,
  requireField,
  type RoughtimeMessage,
} from "./message.ts";
import type { RoughtimeTransport } from "./request.ts";
import { ietfProfile, type RoughtimeProfile, VERSION_RFC } from "./versions.ts";
import type { Instant } from "../../time/instant.ts";

/**
 * Which check a response failed:
 * - `"malformed"`: framing, message structure, a missing or mis-sized tag.
 * - `"version"`: a version the request did not offer.
 * - `"nonce"`: NONC differs from the request's.
 * - `"type"`: TYPE is not 1.
 * - `"signature"`: the delegation or the response signature does not verify.
 * - `"path"`: the Merkle path does not lead from the request to ROOT.
 * - `"delegation"`: MIDP lies outside [MINT, MAXT].
 */
export type RoughtimeVerifyFailure =
  | "malformed"
  | "version"
  | "nonce"
  | "type"
  | "signature"
  | "path"
  | "delegation";

/**
 * A response that failed verification.
 *
 * @example Usage
 * ```ts
 * import { RoughtimeVerifyError } from "./verify.ts";
 * const error = new RoughtimeVerifyError("signature", "the response is not signed by the delegated key");
 * if (error.failure !== "signature" || error.name !== "RoughtimeVerifyError") throw new Error();
 * ```
 */
export class RoughtimeVerifyError extends Error {
  /** The check that failed. */
  readonly failure: RoughtimeVerifyFailure;

  /**
   * @param failure The check that failed.
   * @param message What was wrong, one line.
   */
  constructor(failure: RoughtimeVerifyFailure, message: string) {
    super(message);
    this.name = "RoughtimeVerifyError";
    this.failure = failure;
  }
}

/** A verified response. */
export interface RoughtimeVerified {
  /** The version the server answered in. */
  readonly profile: RoughtimeProfile;
  /** MIDP: the server's time when it processed the request. */
  readonly midpoint: Instant;
  /** RADI in microseconds: the true time was within midpoint ± radius. */
  readonly radiusMicros: number;
  /** MINT, as sent (seconds, or microseconds for Google-Roughtime). */
  readonly minTime: bigint;
  /** MAXT, as sent. */
  readonly maxTime: bigint;
  /** The delegated (online) public key. */
  readonly onlineKey: Uint8Array;
}

/** What the client sent, for {@linkcode verifyRoughtimeResponse}. */
export interface RoughtimeExchange {
  /** The request packet exactly as sent. */
  readonly request: Uint8Array;
  /** Its nonce. */
  readonly nonce: Uint8Array;
  /** The versions it offered. */
  readonly offered: readonly RoughtimeProfile[];
  /** The server's long-term public key (32 bytes). */
  readonly publicKey: Uint8Array;
  /**
   * The transport (Google-Roughtime answers are framed over TCP only).
   *
   * @default {"udp"}
   */
  readonly transport?: RoughtimeTransport;
}

function fail(failure: RoughtimeVerifyFailure, message: string): never {
  throw new RoughtimeVerifyError(failure, message);
}

function decode(bytes: Uint8Array, what: string): RoughtimeMessage {
  try {
    return decodeRoughtimeMessage(bytes);
  } catch (error) {
    return fail("malformed", `${what}: ${(error as Error).message}`);
  }
}

function field(message: RoughtimeMessage, tag: number, length?: number): Uint8Array {
  try {
    return requireField(message, tag, length);
  } catch (error) {
    return fail("malformed", (error as Error).message);
  }
}

/**
 * Verifies a response to a request this client sent.
 *
 * @param response The datagram, or the whole TCP packet.
 * @param exchange The request, its nonce, the versions offered and the server's key.
 * @returns The verified time.
 * @throws {RoughtimeVerifyError} Naming the first check that failed.
 *
 * @example Usage
 * ```ts
 * import { verifyRoughtimeResponse } from "./verify.ts";
 * import { buildRoughtimeRequest } from "./request.ts";
 * import { RoughtimeResponder } from "./responder.ts";
 * import { ROUGHTIME_PROFILES } from "./versions.ts";
 * const now = { seconds: 1_800_000_000, nanos: 0 };
 * const server = await RoughtimeResponder.create({ rootSeed: new Uint8Array(32).fill(5), now });
 * const nonce = crypto.getRandomValues(new Uint8Array(32));
 * const offered = [ROUGHTIME_PROFILES["draft-11"]];
 * const request = buildRoughtimeRequest({ profiles: offered, nonce, srv: server.srv });
 * const [{ answer }] = await server.answerBatch([request], now, 1_000);
 * const verified = await verifyRoughtimeResponse(answer!, {
 *   request, nonce, offered, publicKey: server.publicKey,
 * });
 * if (verified.profile.name !== "draft-11" || verified.midpoint.seconds !== now.seconds) throw new Error();
 * ```
 */
export async function verifyRoughtimeResponse(
  response: Uint8Array,
  exchange: RoughtimeExchange,
): Promise<RoughtimeVerified> {
  const google = exchange.offered.length === 1 && exchange.offered[0].number === null;
  const framed = !google || exchange.transport === "tcp";
  let body = response;
  if (framed) {
    try {
      body = unframeRoughtimePacket(response);
    } catch (error) {
      fail("malformed", (error as Error).message);
    }
  } else if (hasRoughtimeFrame(response)) {
    fail("malformed", "a framed answer to an unframed Google-Roughtime request");
  }
  const top = decode(body, "response");
  const srepBytes = field(top, Tag.SREP);
  const srep = decode(srepBytes, "SREP");
  const profile = answeredProfile(top, srep, exchange);
  const nonc = top.get(Tag.NONC);
  if (profile.nonceInResponse && nonc === undefined) fail("malformed", "missing NONC");
  if (nonc !== undefined && !equal(nonc, exchange.nonce)) {
    fail("nonce", "NONC is not this request's nonce");
  }
  if (profile.type) {
    const type = field(top, Tag.TYPE, 4);
    if (readUint32(type) !== 1) fail("type", `TYPE is ${readUint32(type)}, expected 1`);
  }

  const cert = decode(field(top, Tag.CERT), "CERT");
  const deleBytes = field(cert, Tag.DELE);
  const certSig = field(cert, Tag.SIG, ED25519_SIGNATURE_BYTES);
  if (!await verifyWithContext(exchange.publicKey, profile.delegationContext, deleBytes, certSig)) {
    fail("signature", "the delegation is not signed by the server's long-term key");
  }
  const dele = decode(deleBytes, "DELE");
  const onlineKey = field(dele, Tag.PUBK, ED25519_PUBLIC_KEY_BYTES);
  const minTime = readUint64(field(dele, Tag.MINT, 8));
  const maxTime = readUint64(field(dele, Tag.MAXT, 8));
  const sig = field(top, Tag.SIG, ED25519_SIGNATURE_BYTES);
  if (!await verifyWithContext(onlineKey, RESPONSE_CONTEXT, srepBytes, sig)) {
    fail("signature", "the response is not signed by the delegated key");
  }

  const root = field(srep, Tag.ROOT, profile.hashBytes);
  const midp = readUint64(field(srep, Tag.MIDP, 8));
  const radius = readUint32(field(srep, Tag.RADI, 4));
  if (profile.versionIn === "srep" && radius === 0) fail("malformed", "RADI is 0");
  const index = readUint32(field(top, Tag.INDX, 4));
  const path = field(top, Tag.PATH);
  if (
    path.length % profile.hashBytes !== 0 ||
    path.length / profile.hashBytes > ROUGHTIME_MAX_PATH_HASHES
  ) {
    fail("malformed", `PATH is ${path.length} bytes, not up to 32 hashes of ${profile.hashBytes}`);
  }
  const leaf = profile.leaf === "nonce" ? exchange.nonce : exchange.request;
  if (!await pathLeadsToRoot(leaf, index, path, root, profile)) {
    fail("path", "the Merkle path does not lead from this request to the signed root");
  }
  if (midp < minTime || midp > maxTime) {
    fail("delegation", `MIDP ${midp} is outside the delegation window ${minTime} to ${maxTime}`);
  }
  return {
    profile,
    midpoint: midpointInstant(midp, profile),
    radiusMicros: profile.microseconds ? radius : radius * 1_000_000,
    minTime,
    maxTime,
    onlineKey,
  };
}

/** The profile the server answered in, which must be one the request offered. */
function answeredProfile(
  top: RoughtimeMessage,
  srep: RoughtimeMessage,
  exchange: RoughtimeExchange,
): RoughtimeProfile {
  const google = exchange.offered.find((p) => p.number === null);
  if (google !== undefined) return google;
  const ver = top.get(Tag.VER) ?? srep.get(Tag.VER);
  if (ver === undefined || ver.length !== 4) fail("malformed", "missing or malformed VER");
  const number = readUint32(ver);
  // 0x8000000c answers with TYPE are draft-14 to -19, without draft-12 or -13.
  const profile = ietfProfile(number, top.has(Tag.TYPE) || number === VERSION_RFC);
  if (profile === null || !exchange.offered.some((p) => p.number === number)) {
    fail(
      "version",
      `the server answered in version 0x${number.toString(16)}, which was not offered`,
    );
  }
  const inSrep = srep.has(Tag.VER);
  if (inSrep !== (profile.versionIn === "srep")) {
    fail("malformed", `VER is in the wrong place for ${profile.label}`);
  }
  if (inSrep) {
    const vers = field(srep, Tag.VERS);
    let listed = false;
    for (let at = 0; at + 4 <= vers.length; at += 4) listed ||= readUint32(vers, at) === number;
    if (vers.length % 4 !== 0 || !listed) {
      fail("malformed", "VERS does not list the version answered");
    }
  }
  return profile;
}

/**
 * Whether the path leads to the root. Drafts 08 to 19 texts disagree on
 * how INDX bits read (see `merkle.ts`), so for draft versions both
 * readings are tried; Google-Roughtime and RFC 10049 get the one they define.
 */
async function pathLeadsToRoot(
  leaf: Uint8Array,
  index: number,
  path: Uint8Array,
  root: Uint8Array,
  profile: RoughtimeProfile,
): Promise<boolean> {
  const computed = await merkleRootFromPath(leaf, index, path, profile.hashBytes);
  if (computed !== null && equal(computed, root)) return true;
  if (profile.name === "google" || profile.name === "rfc" || path.length === 0) return false;
  const other = await merkleRootFromPath(leaf, index, path, profile.hashBytes, "node-first");
  return other !== null && equal(other, root);
}

function midpointInstant(midp: bigint, profile: RoughtimeProfile): Instant {
  const micros = profile.microseconds ? midp : midp * 1_000_000n;
  const seconds = micros / 1_000_000n;
  if (seconds > BigInt(Number.MAX_SAFE_INTEGER)) fail("malformed", `MIDP ${midp} is out of range`);
  return { seconds: Number(seconds), nanos: Number(micros % 1_000_000n) * 1000 };
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
