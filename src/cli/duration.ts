/**
 * Parses durations as the flags take them: a number and a unit, `ms`, `s`,
 * `m` or `h` (`2m`, `100ms`, `1.5s`), or a bare `0`; flags that say so also
 * take a bare number in a unit of their own (`query --timeout 2`, seconds,
 * as ntpdig takes it).
 *
 * @module
 */

const UNIT_MILLISECONDS: Record<DurationUnit, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A unit {@linkcode parseDuration} reads. */
export type DurationUnit = "ms" | "s" | "m" | "h";

/**
 * Parses a duration.
 *
 * @param text The text, e.g. `2m`.
 * @param bareUnit The unit of a number written without one; none by
 *   default, when only a bare `0` is taken.
 * @returns The duration in milliseconds.
 * @throws {SyntaxError} When the text is not a duration.
 *
 * @example Usage
 * ```ts
 * import { parseDuration } from "./duration.ts";
 * if (parseDuration("1.5s") !== 1500) throw new Error();
 * if (parseDuration("2", "s") !== 2000) throw new Error();
 * ```
 */
export function parseDuration(text: string, bareUnit?: DurationUnit): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (
    match === null || (match[2] === undefined && bareUnit === undefined && Number(match[1]) !== 0)
  ) {
    const bare = bareUnit === undefined ? "" : `, or a number of ${UNIT_NAMES[bareUnit]}`;
    throw new SyntaxError(`invalid duration "${text}": expected e.g. 100ms, 5s, 2m, 1h${bare}`);
  }
  return Math.round(
    Number(match[1]) *
      UNIT_MILLISECONDS[(match[2] as DurationUnit | undefined) ?? bareUnit ?? "ms"],
  );
}

const UNIT_NAMES: Record<DurationUnit, string> = {
  ms: "milliseconds",
  s: "seconds",
  m: "minutes",
  h: "hours",
};

/**
 * Formats milliseconds the way {@linkcode parseDuration} reads them.
 *
 * @param milliseconds The duration.
 * @returns The shortest exact text, e.g. `2m`.
 */
export function formatDuration(milliseconds: number): string {
  for (const unit of ["h", "m", "s"] as const) {
    const size = UNIT_MILLISECONDS[unit];
    if (milliseconds >= size && milliseconds % size === 0) return `${milliseconds / size}${unit}`;
  }
  return `${milliseconds}ms`;
}
