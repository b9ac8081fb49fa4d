/**
 * "Did you mean …?": the known word closest to a mistyped one, for flags,
 * commands and config file keys.
 *
 * @module
 */

/**
 * The edit distance between two words (optimal string alignment: inserts,
 * deletes, substitutions and swaps of two neighbours each count 1).
 *
 * @param a One word.
 * @param b The other.
 * @returns How many edits turn `a` into `b`.
 *
 * @example Usage
 * ```ts
 * import { editDistance } from "./closest.ts";
 * if (editDistance("--sesion", "--session") !== 1) throw new Error();
 * if (editDistance("jsno", "json") !== 1) throw new Error();
 * ```
 */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    rows.push([i]);
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        rows[0].push(j);
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, rows[i - 2][j - 2] + 1);
      }
      rows[i].push(best);
    }
  }
  return rows[a.length][b.length];
}

/**
 * The known word a mistyped one most likely meant: the one word it is a
 * prefix of (three characters at least, dashes aside), else the nearest
 * within two edits (one for words of four characters or fewer).
 *
 * @param word What was typed, e.g. `--sesion`.
 * @param known The words it could have meant, e.g. every flag.
 * @returns The suggestion, or undefined when nothing is close.
 *
 * @example Usage
 * ```ts
 * import { closest } from "./closest.ts";
 * if (closest("--sesion", ["--session", "--time"]) !== "--session") throw new Error();
 * if (closest("--ses", ["--session", "--time"]) !== "--session") throw new Error();
 * if (closest("--bogus", ["--session", "--time"]) !== undefined) throw new Error();
 * ```
 */
export function closest(word: string, known: Iterable<string>): string | undefined {
  const candidates = [...known];
  const lower = word.toLowerCase();
  if (lower.replace(/^-+/, "").length >= 3) {
    const extending = candidates.filter((c) => c.toLowerCase().startsWith(lower));
    if (extending.length === 1) return extending[0];
  }
  const limit = lower.replace(/^-+/, "").length <= 4 ? 1 : 2;
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/**
 * The `; did you mean X?` tail of an error message, or nothing.
 *
 * @param word What was typed.
 * @param known The words it could have meant.
 * @returns `; did you mean --session?`, or `""` when nothing is close.
 *
 * @example Usage
 * ```ts
 * import { didYouMean } from "./closest.ts";
 * if (didYouMean("serv", ["serve", "query"]) !== "; did you mean serve?") throw new Error();
 * ```
 */
export function didYouMean(word: string, known: Iterable<string>): string {
  const suggestion = closest(word, known);
  return suggestion === undefined ? "" : `; did you mean ${suggestion}?`;
}
