/**
 * The `roughtime-udp` workload's requests and checks: RFC 10049 requests
 * (1036 bytes, a fresh random nonce each) built by clockd's own
 * {@linkcode buildRoughtimeRequest}; every answer's framing and size
 * checked on the timed path, and some answers fully verified (signatures,
 * Merkle path, delegation window) after they are timed.
 *
 * @module
 */

import { buildRoughtimeRequest } from "../../src/protocols/roughtime/request.ts";
import { hasRoughtimeFrame } from "../../src/protocols/roughtime/framing.ts";
import { verifyRoughtimeResponse } from "../../src/protocols/roughtime/verify.ts";
import { ROUGHTIME_PROFILES } from "../../src/protocols/roughtime/versions.ts";
import type { DatagramAsk, Verdict } from "./datagram.ts";

/** A client fully verifies its first answer and then one in this many. */
export const ROUGHTIME_VERIFY_EVERY = 1000;

/** How far a verified MIDP may be from this host's clock beyond the radius, seconds. */
const MIDPOINT_SLACK_SECONDS = 5;

/**
 * The cheap check of every answer: not empty, no larger than the request
 * (Roughtime's amplification rule), framed (`ROUGHTIM`, as every IETF
 * version is).
 *
 * @param answer The datagram.
 * @param request The request just sent.
 * @returns `ok`, or what is wrong.
 *
 * @example Usage
 * ```ts
 * import { checkRoughtimeDatagram } from "./roughtime.ts";
 * const request = new Uint8Array(1036);
 * const answer = new TextEncoder().encode("ROUGHTIM\0\0\0\0");
 * if (checkRoughtimeDatagram(answer, request) !== "ok") throw new Error();
 * if (checkRoughtimeDatagram(new Uint8Array(0), request) !== "empty answer") throw new Error();
 * ```
 */
export function checkRoughtimeDatagram(answer: Uint8Array, request: Uint8Array): Verdict {
  if (answer.length === 0) return "empty answer";
  if (answer.length > request.length) {
    return `answer is ${answer.length} bytes, more than the ${request.length}-byte request`;
  }
  if (!hasRoughtimeFrame(answer)) return "answer does not start with ROUGHTIM";
  return "ok";
}

/**
 * Decodes the base64 public key clockd logs at startup.
 *
 * @param base64 The key as logged.
 * @returns The 32-byte Ed25519 public key.
 * @throws {RangeError} If it is not base64 of 32 bytes.
 *
 * @example Usage
 * ```ts
 * import { decodeRoughtimePublicKey } from "./roughtime.ts";
 * const key = decodeRoughtimePublicKey("k6J4/9tMuhhWuunHbEB3hCDLGqsYw1568HzhMJNE1+4=");
 * if (key.length !== 32 || key[0] !== 0x93) throw new Error();
 * ```
 */
export function decodeRoughtimePublicKey(base64: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  } catch {
    throw new RangeError(`Roughtime public key "${base64}" is not base64`);
  }
  if (bytes.length !== 32) {
    throw new RangeError(`Roughtime public key "${base64}" is ${bytes.length} bytes, want 32`);
  }
  return bytes;
}

/**
 * One client's Roughtime requests and checks: each request is a fresh RFC
 * 10049 packet with a random 32-byte nonce; with a public key, the first
 * answer and one in `verifyEvery` after it are verified with
 * {@linkcode verifyRoughtimeResponse} and their MIDP must be within RADI
 * (plus 5 s) of this host's clock.
 *
 * @param publicKey The server's long-term key, or null to check framing only.
 * @param verifyEvery Verify one answer in this many.
 * @returns What a `DatagramClient` asks and checks.
 *
 * @example Usage
 * ```ts
 * import { roughtimeAsk } from "./roughtime.ts";
 * const ask = roughtimeAsk(null);
 * const first = ask.request();
 * const second = ask.request();
 * if (first.length !== 1036 || first.every((byte, i) => byte === second[i])) throw new Error();
 * ```
 */
export function roughtimeAsk(
  publicKey: Uint8Array | null,
  verifyEvery: number = ROUGHTIME_VERIFY_EVERY,
): DatagramAsk {
  const offered = [ROUGHTIME_PROFILES.rfc];
  const nonce = new Uint8Array(offered[0].nonceBytes);
  let answers = 0;
  return {
    request() {
      crypto.getRandomValues(nonce);
      return buildRoughtimeRequest({ profiles: offered, nonce });
    },
    check: checkRoughtimeDatagram,
    async audit(answer, request) {
      if (publicKey === null || answers++ % verifyEvery !== 0) return false;
      let verified;
      try {
        verified = await verifyRoughtimeResponse(answer, { request, nonce, offered, publicKey });
      } catch (error) {
        throw new Error(`Roughtime answer fails verification: ${(error as Error).message}`);
      }
      const offBy = Math.abs(verified.midpoint.seconds - Date.now() / 1000);
      if (offBy > verified.radiusMicros / 1e6 + MIDPOINT_SLACK_SECONDS) {
        throw new Error(`Roughtime MIDP is ${offBy.toFixed(1)} s from this host's clock`);
      }
      return true;
    },
  };
}
