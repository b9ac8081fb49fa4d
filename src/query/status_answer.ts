/**
 * Reading the session protocol's `status` and `stats` answers, as
 * `clockd status` receives them: `OK` then space-separated `key=value`
 * fields. Every field is kept, in order, whether this client knows it or
 * not, so a server with more fields than the client is shown in full.
 *
 * @module
 */

/** One `key=value` field, as written (a word with no `=` has value `""`). */
export type StatusField = readonly [key: string, value: string];

/** The counters of one service on one transport in a `stats` answer. */
export interface ServiceStats {
  /** The service, e.g. `session`. */
  readonly service: string;
  /** `tcp` or `udp` (as written). */
  readonly transport: string;
  /** Each counter in the order written: `req`, `ans`, `err`, `drop`, `open`, … */
  readonly counts: readonly (readonly [key: string, value: number])[];
}

/** A `stats` answer. */
export interface StatsAnswer {
  /** The process-wide fields before the first service (`up`, `rss`, `fds`, …). */
  readonly fields: readonly StatusField[];
  /** The services' counters, in order. */
  readonly services: readonly ServiceStats[];
  /** Whether the server cut the line short (`...`): more counters are in `/metrics`. */
  readonly truncated: boolean;
}

/**
 * Splits a `status` answer into its fields.
 *
 * @param line The answer, line ending removed.
 * @returns Every field in order, `synchronised` first.
 * @throws {SyntaxError} When the line is not a clockd `status` answer
 *   (an `ERR` line, another server's greeting).
 *
 * @example Usage
 * ```ts
 * import { parseStatusAnswer } from "./status_answer.ts";
 * const fields = parseStatusAnswer("OK synchronised=no stratum=0 io=kernel tzdata=2025b");
 * if (fields.length !== 4 || fields[3][0] !== "tzdata" || fields[3][1] !== "2025b") {
 *   throw new Error();
 * }
 * ```
 */
export function parseStatusAnswer(line: string): StatusField[] {
  if (!line.startsWith("OK synchronised=")) {
    throw new SyntaxError(`not a clockd status answer: "${printable(line)}"`);
  }
  return words(line.slice(3)).map(field);
}

/**
 * Splits a `stats` answer into process fields and per-service counters.
 *
 * @param line The answer, line ending removed.
 * @returns The fields, the services' counters and whether it was cut short.
 * @throws {SyntaxError} When the line is not a clockd `stats` answer, or a
 *   counter is not a whole number.
 *
 * @example Usage
 * ```ts
 * import { parseStatsAnswer } from "./status_answer.ts";
 * const stats = parseStatsAnswer("OK up=5 rss=48MiB ntp/udp req=2 ans=1 err=0 drop=1 ...");
 * const [ntp] = stats.services;
 * if (ntp.service !== "ntp" || ntp.counts[1][1] !== 1 || !stats.truncated) throw new Error();
 * ```
 */
export function parseStatsAnswer(line: string): StatsAnswer {
  if (!/^OK up=\d/.test(line)) {
    throw new SyntaxError(`not a clockd stats answer: "${printable(line)}"`);
  }
  const fields: StatusField[] = [];
  const services: { service: string; transport: string; counts: [string, number][] }[] = [];
  let truncated = false;
  for (const word of words(line.slice(3))) {
    if (word === "...") {
      truncated = true;
      continue;
    }
    const slash = word.indexOf("/");
    if (!word.includes("=") && slash > 0) {
      services.push({
        service: word.slice(0, slash),
        transport: word.slice(slash + 1),
        counts: [],
      });
      continue;
    }
    const [key, value] = field(word);
    const current = services[services.length - 1];
    if (current === undefined) {
      fields.push([key, value]);
      continue;
    }
    if (!/^\d+$/.test(value)) {
      throw new SyntaxError(`stats: ${current.service}/${current.transport} ${key}="${value}"`);
    }
    current.counts.push([key, Number(value)]);
  }
  return { fields, services, truncated };
}

/**
 * Reads a size as `stats` writes it: `48MiB`, `1024B`, `3KiB`, `2GiB`, or a
 * bare number, which older servers wrote in MiB.
 *
 * @param text The value of `rss=`.
 * @returns Bytes, or null when the text is not a size.
 *
 * @example Usage
 * ```ts
 * import { parseSize } from "./status_answer.ts";
 * if (parseSize("48MiB") !== 50_331_648 || parseSize("48") !== 50_331_648) throw new Error();
 * if (parseSize("512B") !== 512 || parseSize("lots") !== null) throw new Error();
 * ```
 */
export function parseSize(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)(B|KiB|MiB|GiB)?$/.exec(text);
  if (match === null) return null;
  const unit = { B: 1, KiB: 1024, MiB: 1048576, GiB: 1073741824 }[match[2] ?? "MiB"]!;
  return Math.round(Number(match[1]) * unit);
}

function words(text: string): string[] {
  return text.split(" ").filter((word) => word !== "");
}

function field(word: string): StatusField {
  const equals = word.indexOf("=");
  return equals === -1 ? [word, ""] : [word.slice(0, equals), word.slice(equals + 1)];
}

/** The text with control characters escaped, shortened, for a one-line message. */
function printable(text: string): string {
  const escaped = JSON.stringify(text).slice(1, -1);
  return escaped.length > 60 ? `${escaped.slice(0, 60)}…` : escaped;
}
