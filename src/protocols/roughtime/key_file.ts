/**
 * The long-term key's file: the 32-byte Ed25519 seed (RFC 8032 §5.1.5),
 * raw, readable by its owner only (mode 0600). `clockd roughtime keygen
 * FILE` writes one and prints the public key clients are configured with.
 *
 * @module
 */

import { ED25519_SEED_BYTES } from "./constants.ts";
import { signingKeyFromSeed } from "./keys.ts";

/**
 * Writes a new random seed to a file that must not exist yet, mode 0600.
 *
 * @param path Where to write it.
 * @returns The long-term public key, base64 (as `roughtime://host?key=` and
 *   ecosystem files spell it).
 * @throws {Deno.errors.AlreadyExists} If the file exists (a key is never overwritten).
 *
 * @example Usage
 * ```ts
 * import { readRoughtimeSeedFile, writeRoughtimeSeedFile } from "./key_file.ts";
 * const dir = await Deno.makeTempDir();
 * const publicKey = await writeRoughtimeSeedFile(`${dir}/root.key`);
 * if (publicKey.length !== 44 || (await readRoughtimeSeedFile(`${dir}/root.key`)).length !== 32) throw new Error();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeRoughtimeSeedFile(path: string): Promise<string> {
  const seed = crypto.getRandomValues(new Uint8Array(ED25519_SEED_BYTES));
  try {
    const { publicKey } = await signingKeyFromSeed(seed);
    const file = await Deno.open(path, { write: true, createNew: true, mode: 0o600 });
    try {
      if (Deno.build.os !== "windows") await Deno.chmod(path, 0o600);
      let written = 0;
      while (written < seed.length) written += await file.write(seed.subarray(written));
      await file.sync();
    } finally {
      file.close();
    }
    return publicKey.toBase64();
  } finally {
    seed.fill(0);
  }
}

/**
 * Reads a seed file: 32 raw bytes, or 64 hex digits (with an optional
 * trailing newline, as other servers' tools write them).
 *
 * @param path The file.
 * @returns The 32-byte seed.
 * @throws {Deno.errors.NotFound} If the file does not exist.
 * @throws {Deno.errors.PermissionDenied} If group or others may read or write it.
 * @throws {SyntaxError} If it holds anything else.
 *
 * @example Usage
 * ```ts
 * import { readRoughtimeSeedFile } from "./key_file.ts";
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "11".repeat(32) + "\n");
 * await Deno.chmod(path, 0o600);
 * if ((await readRoughtimeSeedFile(path))[0] !== 0x11) throw new Error();
 * await Deno.remove(path);
 * ```
 */
export async function readRoughtimeSeedFile(path: string): Promise<Uint8Array> {
  const info = await Deno.stat(path);
  if (Deno.build.os !== "windows" && info.mode !== null && (info.mode & 0o077) !== 0) {
    throw new Deno.errors.PermissionDenied(
      `"${path}" is accessible to others (mode ${(info.mode & 0o777).toString(8)}); chmod 600 it`,
    );
  }
  const bytes = await Deno.readFile(path);
  if (bytes.length === ED25519_SEED_BYTES) return bytes;
  const text = new TextDecoder().decode(bytes).trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Uint8Array.fromHex(text.toLowerCase());
  throw new SyntaxError(
    `"${path}" holds ${bytes.length} bytes: expected a ${ED25519_SEED_BYTES}-byte seed or 64 hex digits`,
  );
}
