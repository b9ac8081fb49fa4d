/**
 * Ed25519 keys and signatures for Roughtime, synchronous through
 * `node:crypto` (so a batch is signed and sent within one receive of the
 * datagram loop): a signing key from a 32-byte seed (the long-term key) or
 * freshly generated (the online key), and signing or verifying a context
 * string followed by a tag's value.
 *
 * The seed given is zeroed once imported; the private key lives only in its
 * `KeyObject`.
 *
 * @module
 */

import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from "node:crypto";
import { Buffer } from "node:buffer";
import {
  ED25519_PUBLIC_KEY_BYTES,
  ED25519_SEED_BYTES,
  ED25519_SIGNATURE_BYTES,
} from "./constants.ts";
import { concatBytes } from "./message.ts";

/** A private key that signs, and its public key. */
export interface RoughtimeSigningKey {
  /** The Ed25519 private key. */
  readonly privateKey: KeyObject;
  /** The 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
}

/** DER of PKCS #8 `PrivateKeyInfo` for Ed25519 up to the 32-byte seed (RFC 8410). */
const PKCS8_ED25519_PREFIX = Uint8Array.of(
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
);
/** DER of `SubjectPublicKeyInfo` for Ed25519 up to the 32-byte key (RFC 8410). */
const SPKI_ED25519_PREFIX = Uint8Array.of(
  0x30,
  0x2a,
  0x30,
  0x05,
  0x06,
  0x03,
  0x2b,
  0x65,
  0x70,
  0x03,
  0x21,
  0x00,
);

/**
 * The signing key a 32-byte Ed25519 seed gives (the long-term key's file holds one).
 *
 * @param seed The seed (RFC 8032's private key).
 * @returns The key pair.
 * @throws {RangeError} When the seed is not 32 bytes.
 *
 * @example Usage
 * ```ts
 * import { signingKeyFromSeed } from "./keys.ts";
 * const key = signingKeyFromSeed(new Uint8Array(32));
 * if (key.publicKey.length !== 32) throw new Error();
 * ```
 */
export function signingKeyFromSeed(seed: Uint8Array): RoughtimeSigningKey {
  if (seed.length !== ED25519_SEED_BYTES) {
    throw new RangeError(`an Ed25519 seed is ${ED25519_SEED_BYTES} bytes, got ${seed.length}`);
  }
  const pkcs8 = concatBytes(PKCS8_ED25519_PREFIX, seed);
  try {
    const privateKey = createPrivateKey({ key: shared(pkcs8), format: "der", type: "pkcs8" });
    return { privateKey, publicKey: rawPublicKey(privateKey) };
  } finally {
    pkcs8.fill(0);
  }
}

/**
 * A fresh random signing key (the online key; never written anywhere).
 *
 * @returns The key pair.
 *
 * @example Usage
 * ```ts
 * import { generateSigningKey } from "./keys.ts";
 * if (generateSigningKey().publicKey.length !== 32) throw new Error();
 * ```
 */
export function generateSigningKey(): RoughtimeSigningKey {
  const { privateKey } = generateKeyPairSync("ed25519");
  return { privateKey, publicKey: rawPublicKey(privateKey) };
}

/**
 * Signs `context` followed by `value`.
 *
 * @param key The signing key.
 * @param context The context string (with its NUL), e.g. `RESPONSE_CONTEXT`.
 * @param value The tag's value (SREP or DELE bytes).
 * @returns The 64-byte signature.
 *
 * @example Usage
 * ```ts
 * import { generateSigningKey, signWithContext, verifyWithContext } from "./keys.ts";
 * import { RESPONSE_CONTEXT } from "./constants.ts";
 * const key = generateSigningKey();
 * const srep = new Uint8Array(8);
 * const sig = signWithContext(key, RESPONSE_CONTEXT, srep);
 * if (!verifyWithContext(key.publicKey, RESPONSE_CONTEXT, srep, sig)) throw new Error();
 * ```
 */
export function signWithContext(
  key: RoughtimeSigningKey,
  context: Uint8Array,
  value: Uint8Array,
): Uint8Array {
  return new Uint8Array(sign(null, concatBytes(context, value), key.privateKey));
}

/**
 * Whether `signature` is `publicKey`'s signature of `context` followed by `value`.
 *
 * @param publicKey The 32-byte Ed25519 public key.
 * @param context The context string (with its NUL).
 * @param value The signed tag's value.
 * @param signature The 64-byte signature.
 * @returns True when it verifies; false for any malformed input.
 *
 * @example Usage
 * ```ts
 * import { verifyWithContext } from "./keys.ts";
 * import { RESPONSE_CONTEXT } from "./constants.ts";
 * const ok = verifyWithContext(new Uint8Array(32), RESPONSE_CONTEXT, new Uint8Array(4), new Uint8Array(64));
 * if (ok) throw new Error("a zero signature does not verify");
 * ```
 */
export function verifyWithContext(
  publicKey: Uint8Array,
  context: Uint8Array,
  value: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (publicKey.length !== ED25519_PUBLIC_KEY_BYTES) return false;
  if (signature.length !== ED25519_SIGNATURE_BYTES) return false;
  try {
    const key = createPublicKey({
      key: shared(concatBytes(SPKI_ED25519_PREFIX, publicKey)),
      format: "der",
      type: "spki",
    });
    return verify(null, concatBytes(context, value), key, signature);
  } catch {
    return false;
  }
}

/** A Buffer over the same memory (no copy to zero later). */
function shared(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The 32 raw bytes of a private key's public half. */
function rawPublicKey(privateKey: KeyObject): Uint8Array {
  const spki = createPublicKey(privateKey).export({ format: "der", type: "spki" });
  return new Uint8Array(spki.subarray(spki.length - ED25519_PUBLIC_KEY_BYTES));
}
