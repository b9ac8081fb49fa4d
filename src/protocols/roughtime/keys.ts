/**
 * Ed25519 keys and signatures for Roughtime, through WebCrypto: a signing
 * key from a 32-byte seed (the long-term key) or freshly generated (the
 * online key), and signing or verifying a context string followed by a
 * tag's value.
 *
 * Private keys are imported non-extractable: once loaded, no code can
 * read them back out of the CryptoKey.
 *
 * @module
 */

import {
  ED25519_PUBLIC_KEY_BYTES,
  ED25519_SEED_BYTES,
  ED25519_SIGNATURE_BYTES,
} from "./constants.ts";
import { concatBytes } from "./message.ts";

/** A private key that signs, and its public key. */
export interface RoughtimeSigningKey {
  /** The Ed25519 private key (non-extractable). */
  readonly privateKey: CryptoKey;
  /** The 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
}

/** PKCS #8 prefix of an Ed25519 private key (RFC 8410): the seed follows. */
const PKCS8_ED25519_PREFIX = new Uint8Array([
  0x30,
  0x2e,
  0x02,
  0x01,
  0x00,
  0x30,
  0x05,
  0x06,
  0x03,
  0x2b,
  0x65,
  0x70,
  0x04,
  0x22,
  0x04,
  0x20,
]);

/**
 * A signing key from a 32-byte Ed25519 seed (RFC 8032 §5.1.5).
 *
 * @param seed The seed.
 * @returns The key pair; the private half cannot be exported.
 * @throws {RangeError} If the seed is not 32 bytes.
 *
 * @example Usage
 * ```ts
 * import { signingKeyFromSeed } from "./keys.ts";
 * const key = await signingKeyFromSeed(new Uint8Array(32));
 * if (key.publicKey.length !== 32 || key.privateKey.extractable) throw new Error();
 * ```
 */
export async function signingKeyFromSeed(seed: Uint8Array): Promise<RoughtimeSigningKey> {
  if (seed.length !== ED25519_SEED_BYTES) {
    throw new RangeError(`an Ed25519 seed is ${ED25519_SEED_BYTES} bytes, got ${seed.length}`);
  }
  const pkcs8 = concatBytes(PKCS8_ED25519_PREFIX, seed);
  try {
    const exportable = await crypto.subtle.importKey("pkcs8", pkcs8, "Ed25519", true, ["sign"]);
    const jwk = await crypto.subtle.exportKey("jwk", exportable);
    const privateKey = await crypto.subtle.importKey("pkcs8", pkcs8, "Ed25519", false, ["sign"]);
    return { privateKey, publicKey: Uint8Array.fromBase64(jwk.x ?? "", { alphabet: "base64url" }) };
  } finally {
    pkcs8.fill(0);
  }
}

/**
 * A fresh random signing key, for the online key; its private half never
 * leaves the process.
 *
 * @returns The key pair.
 *
 * @example Usage
 * ```ts
 * import { generateSigningKey } from "./keys.ts";
 * if ((await generateSigningKey()).publicKey.length !== 32) throw new Error();
 * ```
 */
export async function generateSigningKey(): Promise<RoughtimeSigningKey> {
  const pair = await crypto.subtle.generateKey("Ed25519", false, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  const publicKey = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  return { privateKey: pair.privateKey, publicKey };
}

/**
 * Signs `context ‖ value`.
 *
 * @param key The signing key.
 * @param context The signature context, terminating zero included.
 * @param value The tag value signed (DELE or SREP).
 * @returns The 64-byte signature.
 *
 * @example Usage
 * ```ts
 * import { generateSigningKey, signWithContext, verifyWithContext } from "./keys.ts";
 * import { RESPONSE_CONTEXT } from "./constants.ts";
 * const key = await generateSigningKey();
 * const srep = new Uint8Array(8);
 * const sig = await signWithContext(key, RESPONSE_CONTEXT, srep);
 * if (!await verifyWithContext(key.publicKey, RESPONSE_CONTEXT, srep, sig)) throw new Error();
 * ```
 */
export async function signWithContext(
  key: RoughtimeSigningKey,
  context: Uint8Array,
  value: Uint8Array,
): Promise<Uint8Array> {
  return new Uint8Array(
    await crypto.subtle.sign("Ed25519", key.privateKey, concatBytes(context, value)),
  );
}

/**
 * Verifies a signature over `context ‖ value`.
 *
 * @param publicKey The signer's 32-byte public key.
 * @param context The signature context, terminating zero included.
 * @param value The tag value signed.
 * @param signature The 64-byte signature.
 * @returns True when it verifies; false otherwise, also for a malformed key or signature.
 *
 * @example Usage
 * ```ts
 * import { verifyWithContext } from "./keys.ts";
 * import { RESPONSE_CONTEXT } from "./constants.ts";
 * const ok = await verifyWithContext(new Uint8Array(32), RESPONSE_CONTEXT, new Uint8Array(4), new Uint8Array(64));
 * if (ok) throw new Error("a zero signature does not verify");
 * ```
 */
export async function verifyWithContext(
  publicKey: Uint8Array,
  context: Uint8Array,
  value: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  if (publicKey.length !== ED25519_PUBLIC_KEY_BYTES) return false;
  if (signature.length !== ED25519_SIGNATURE_BYTES) return false;
  try {
    const key = await crypto.subtle.importKey("raw", publicKey.slice(), "Ed25519", false, [
      "verify",
    ]);
    return await crypto.subtle.verify(
      "Ed25519",
      key,
      signature.slice(),
      concatBytes(context, value),
    );
  } catch {
    return false;
  }
}
