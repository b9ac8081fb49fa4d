/**
 * Parses durations as the flags take them: a number and a unit, `ms`, `s`,
 * `m` or `h` (`2m`, `100ms`, `1.5s`), or a bare `0`.
 *
 * @module
 */

const UNIT_MILLISECONDS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses a duration.
 *
 * @param text The text, e.g. `2m`.
 * @returns The duration in milliseconds.
 * @throws {SyntaxError} When the text is not a duration.
 *
 * @example Usage
 * ```ts
 * import { parseDuration } from "./duration.ts";
 * if (parseDuration("1.5s") !== 1500) throw new Error();
 * ```
 */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (match === null || (match[2] === undefined && Number(match[1]) !== 0)) {
    throw new SyntaxError(`invalid duration "${text}": expected e.g. 100ms, 5s, 2m, 1h`);
  }
  return Math.round(Number(match[1]) * UNIT_MILLISECONDS[match[2] ?? "ms"]);
}

/**
 * Formats milliseconds the way {@linkcode parseDuration} reads them.
 *
 * @param milliseconds The duration.
 * @returns The shortest exact text, e.g. `2m`.
 */
export function formatDuration(milliseconds: number): string {
  for (const unit of ["h", "m", "s"]) {
    const size = UNIT_MILLISECONDS[unit];
    if (milliseconds >= size && milliseconds % size === 0) return `${milliseconds / size}${unit}`;
  }
  return `${milliseconds}ms`;
}
