/**
 * The error for a bad command line: the CLI prints its message on one line
 * and exits with status 2, with no stack trace.
 *
 * @module
 */

/**
 * A mistake in the command line, named by the flag it concerns.
 *
 * @example Usage
 * ```ts
 * import { UsageError } from "./usage_error.ts";
 * const error = new UsageError('--tz: unknown time zone "Mars/Base"');
 * if (error.name !== "UsageError") throw new Error();
 * ```
 */
export class UsageError extends Error {
  /** @param message What is wrong, starting with the flag. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * Runs `parse`, turning any error it throws into a {@linkcode UsageError}
 * that names the flag.
 *
 * @param flag The flag, e.g. `--tz`.
 * @param parse Parses the flag's value.
 * @returns What `parse` returns.
 */
export function parseFlag<T>(flag: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new UsageError(`${flag}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Parses a whole number within bounds.
 *
 * @param text The flag's value.
 * @param min The least value allowed.
 * @param max The greatest value allowed.
 * @returns The number.
 * @throws {RangeError} When it is not an integer within bounds.
 */
export function parseInteger(text: string, min: number, max: number): number {
  if (!/^-?\d+$/.test(text.trim()) || Number(text) < min || Number(text) > max) {
    throw new RangeError(`expected a whole number from ${min} to ${max}, got "${text}"`);
  }
  return Number(text);
}
