/**
 * Chained Roughtime measurements (draft-19 §8.2): each request's nonce
 * commits to the previous response, so a sequence of responses proves the
 * order they were received in, and a server whose time contradicts that
 * order is caught with cryptographic evidence (the malfeasance report of
 * §8.4).
 *
 * The first nonce is random. Each next one is H(previous response ‖ rand)
 * with a fresh 32-byte rand, H being SHA-512 cut to 32 bytes, the
 * response taken whole with its frame. Google-Roughtime's 64-byte nonces
 * follow its reference client: SHA-512(SHA-512(previous) ‖ blind), with a
 * 64-byte blind.
 *
 * @module
 */

import { roughtimeHash } from "./hash.ts";
import type { RoughtimeProfile } from "./versions.ts";
import { epochNanoseconds, type Instant } from "../../time/instant.ts";

/** A nonce, and the random value it was derived with (null for a chain's first). */
export interface ChainedNonce {
  /** The nonce for the next request. */
  readonly nonce: Uint8Array;
  /** The random value mixed in, needed to prove the chaining; null when the nonce is simply random. */
  readonly rand: Uint8Array | null;
}

/**
 * The nonce of a chain's next request.
 *
 * @param profile The version of the next request (it sets the nonce size).
 * @param previous The previous response, whole; null for the first request.
 * @param rand The random value to mix in (tests); fresh random bytes by default.
 * @returns The nonce and its rand.
 *
 * @example Usage
 * ```ts
 * import { chainedNonce } from "./chain.ts";
 * import { ROUGHTIME_PROFILES } from "./versions.ts";
 * const first = await chainedNonce(ROUGHTIME_PROFILES.rfc, null);
 * const next = await chainedNonce(ROUGHTIME_PROFILES.rfc, new Uint8Array(400));
 * if (first.rand !== null || next.rand?.length !== 32 || next.nonce.length !== 32) throw new Error();
 * ```
 */
export async function chainedNonce(
  profile: RoughtimeProfile,
  previous: Uint8Array | null,
  rand?: Uint8Array,
): Promise<ChainedNonce> {
  const size = profile.nonceBytes;
  if (previous === null) return { nonce: crypto.getRandomValues(new Uint8Array(size)), rand: null };
  const blind = rand ?? crypto.getRandomValues(new Uint8Array(size));
  const nonce = profile.number === null
    ? await roughtimeHash(64, await roughtimeHash(64, previous), blind)
    : await roughtimeHash(32, previous, blind);
  return { nonce, rand: blind };
}

/** One verified response of a chain, as far as ordering is concerned. */
export interface TimedResponse {
  /** MIDP. */
  readonly midpoint: Instant;
  /** RADI, microseconds. */
  readonly radiusMicros: number;
}

/** Two responses of a chain whose times contradict the order they came in. */
export interface CausalViolation {
  /** Index of the response received first. */
  readonly earlier: number;
  /** Index of the response received later. */
  readonly later: number;
}

/**
 * The pairs (i, j), i received before j, whose intervals contradict that
 * order: MIDP_i − RADI_i > MIDP_j + RADI_j, i.e. the earlier server says
 * the time was already past what the later one allows (draft-19 §8.2).
 *
 * @param responses The chain's verified responses, in the order received.
 * @returns Every contradicting pair; empty when the chain is consistent.
 *
 * @example Usage
 * ```ts
 * import { causalViolations } from "./chain.ts";
 * const at = (seconds: number) => ({ midpoint: { seconds, nanos: 0 }, radiusMicros: 1_000_000 });
 * if (causalViolations([at(100), at(101)]).length !== 0) throw new Error();
 * const [bad] = causalViolations([at(100), at(90)]);
 * if (bad.earlier !== 0 || bad.later !== 1) throw new Error();
 * ```
 */
export function causalViolations(responses: readonly TimedResponse[]): CausalViolation[] {
  const bounds = responses.map((r) => {
    const mid = epochNanoseconds(r.midpoint);
    const radius = BigInt(Math.round(r.radiusMicros)) * 1000n;
    return { low: mid - radius, high: mid + radius };
  });
  const found: CausalViolation[] = [];
  for (let i = 0; i < bounds.length; i++) {
    for (let j = i + 1; j < bounds.length; j++) {
      if (bounds[i].low > bounds[j].high) found.push({ earlier: i, later: j });
    }
  }
  return found;
}

/** One link of a chain, as a malfeasance report holds it. */
export interface ChainLink {
  /** The server's long-term public key. */
  readonly publicKey: Uint8Array;
  /** The request as sent. */
  readonly request: Uint8Array;
  /** The response as received. */
  readonly response: Uint8Array;
  /** The rand of the request's nonce; null for the first link. */
  readonly rand: Uint8Array | null;
}

/** A malfeasance report (draft-19 §8.4.1), ready for `JSON.stringify`. */
export interface MalfeasanceReport {
  /** The links in the order received, every value base64. */
  readonly responses: readonly {
    readonly rand?: string;
    readonly publicKey: string;
    readonly request: string;
    readonly response: string;
  }[];
}

/**
 * The malfeasance report of a chain (media type
 * `application/roughtime-malfeasance+json`).
 *
 * @param links The chain, in the order received.
 * @returns The report.
 *
 * @example Usage
 * ```ts
 * import { malfeasanceReport } from "./chain.ts";
 * const report = malfeasanceReport([
 *   { publicKey: new Uint8Array(32), request: new Uint8Array(4), response: new Uint8Array(4), rand: null },
 * ]);
 * if (report.responses[0].rand !== undefined || report.responses[0].request !== "AAAAAA==") throw new Error();
 * ```
 */
export function malfeasanceReport(links: readonly ChainLink[]): MalfeasanceReport {
  return {
    responses: links.map((link) => ({
      ...(link.rand === null ? {} : { rand: link.rand.toBase64() }),
      publicKey: link.publicKey.toBase64(),
      request: link.request.toBase64(),
      response: link.response.toBase64(),
    })),
  };
}
