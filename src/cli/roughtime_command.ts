/**
 * `clockd roughtime keygen FILE`: makes the Roughtime long-term key.
 *
 * @module
 */

import { writeRoughtimeSeedFile } from "../protocols/roughtime/key_file.ts";
import { UsageError } from "./usage_error.ts";

/** The `clockd roughtime --help` text. */
export const ROUGHTIME_HELP = `Usage: clockd roughtime keygen FILE

Writes a new Roughtime long-term key to FILE: a 32-byte Ed25519 seed, mode
0600 (an existing file is never overwritten), and prints its public key in
base64, the key clients check answers against:

  clockd query 'roughtime://HOST?key=PUBLIC_KEY'

Keep FILE secret and backed up: clients trust answers signed by it for as
long as they are configured with the public key.`;

/** Where {@linkcode roughtimeCommand} writes. */
export interface RoughtimeCommandOutput {
  /** Writes one line to stdout. */
  out(line: string): void;
  /** Writes one line to stderr. */
  err(line: string): void;
}

/**
 * Runs `clockd roughtime`.
 *
 * @param args The arguments after `roughtime`.
 * @param output Where lines go.
 * @returns The exit status: 0 when the key was written, 1 when it could not be.
 * @throws {UsageError} On a missing or unknown subcommand or argument.
 *
 * @example Usage
 * ```ts
 * import { roughtimeCommand } from "./roughtime_command.ts";
 * const dir = await Deno.makeTempDir();
 * const lines: string[] = [];
 * const code = await roughtimeCommand(["keygen", `${dir}/root.key`], { out: (l) => lines.push(l), err: () => {} });
 * if (code !== 0 || !lines[0].startsWith("public key: ")) throw new Error(lines.join("\n"));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function roughtimeCommand(
  args: string[],
  output: RoughtimeCommandOutput = { out: console.log, err: console.error },
): Promise<number> {
  const [subcommand, ...rest] = args;
  if (subcommand === "--help" || subcommand === "-h" || subcommand === "help") {
    output.out(ROUGHTIME_HELP);
    return 0;
  }
  if (subcommand !== "keygen") {
    throw new UsageError(
      subcommand === undefined
        ? "clockd roughtime: missing subcommand (try clockd roughtime --help)"
        : `clockd roughtime: unknown subcommand "${subcommand}" (try clockd roughtime --help)`,
    );
  }
  if (rest.length !== 1 || rest[0].startsWith("-")) {
    throw new UsageError("clockd roughtime keygen: expected one FILE");
  }
  try {
    const publicKey = await writeRoughtimeSeedFile(rest[0]);
    output.out(`public key: ${publicKey}`);
    return 0;
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) {
      output.err(`clockd: "${rest[0]}" exists; a key is never overwritten`);
      return 1;
    }
    if (error instanceof Deno.errors.NotCapable) {
      output.err(`clockd: cannot write "${rest[0]}": this clockd runs without --allow-write`);
      return 1;
    }
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.PermissionDenied) {
      output.err(`clockd: cannot write "${rest[0]}": ${error.message}`);
      return 1;
    }
    throw error;
  }
}
