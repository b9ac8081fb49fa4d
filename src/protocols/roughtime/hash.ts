/**
 * Roughtime's hash H: SHA-512 of the concatenated inputs, truncated to
 * the version's hash size (32 bytes in the IETF drafts, all 64 in
 * Google-Roughtime), synchronously through `node:crypto`: a batch of
 * answers is built and sent within one receive of the datagram loop.
 *
 * @module
 */

import { createHash } from "node:crypto";

/**
 * SHA-512 of the concatenation of `parts`, cut to `bytes`.
 *
 * @param bytes How much of the 64-byte digest to keep.
 * @param parts The inputs, hashed as one string.
 * @returns The digest prefix.
 *
 * @example Usage
 * ```ts
 * import { roughtimeHash } from "./hash.ts";
 * const digest = roughtimeHash(32, new TextEncoder().encode("abc"));
 * if (digest.length !== 32 || digest[0] !== 0xdd) throw new Error(); // SHA-512("abc") = ddaf35a1…
 * ```
 */
export function roughtimeHash(bytes: number, ...parts: readonly Uint8Array[]): Uint8Array {
  const hash = createHash("sha512");
  for (const part of parts) hash.update(part);
  const digest = new Uint8Array(hash.digest());
  return bytes === digest.length ? digest : digest.slice(0, bytes);
}

/**
 * The SRV tag's value for a long-term public key (draft-11 onwards):
 * H(0xff ‖ key), 32 bytes.
 *
 * @param publicKey The server's 32-byte Ed25519 long-term public key.
 * @returns The 32-byte SRV value.
 *
 * @example Usage
 * ```ts
 * import { roughtimeSrv } from "./hash.ts";
 * if ((roughtimeSrv(new Uint8Array(32))).length !== 32) throw new Error();
 * ```
 */
export function roughtimeSrv(publicKey: Uint8Array): Uint8Array {
  return roughtimeHash(32, new Uint8Array([0xff]), publicKey);
}
