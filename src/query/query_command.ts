/**
 * `clockd query URL`: asks a time server for the time, as `ntpdate -q` and
 * the classic `timequery` do, and estimates our clock's offset from it.
 *
 * @module
 */

import { type Clock, systemClock } from "../time/clock.ts";
import { parseQueryArgs, QUERY_HELP } from "./query_flags.ts";
import { queryOnce, type QueryResult } from "./query_once.ts";
import { formatResult, formatSummary } from "./query_output.ts";
import { parseRoughtimeVersion, roughtimeCommand } from "./roughtime_query.ts";
import { parseFlag } from "../cli/usage_error.ts";

/** Where {@linkcode queryCommand} writes. */
export interface QueryOutput {
  /** Writes one line of results to stdout. */
  out(line: string): void;
  /** Writes one line of diagnostics to stderr. */
  err(line: string): void;
}

/** Settings of {@linkcode queryCommand}. */
export interface QueryCommandOptions {
  /**
   * Where lines go.
   *
   * @default {console.log and console.error}
   */
  output?: QueryOutput;
  /**
   * Where t_send and t_receive come from.
   *
   * @default {systemClock}
   */
  clock?: Clock;
  /**
   * How to pause between queries.
   *
   * @default {setTimeout}
   */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Runs `clockd query`: makes `--count` queries `--interval` apart and
 * prints each result.
 *
 * Human output, for one query: the answer on one line (control characters
 * escaped), then one result line,
 *
 * ```text
 * 2026-11-21T09:54:05.123456789Z
 * ntp://127.0.0.1:123  stratum 10 LOCL  offset +0.000123 s ± 0.000105 s  delay 0.000210 s
 * ```
 *
 * (`stratum S REFID` for NTP only; `offset unknown (why)` when the answer
 * names no instant we can place). With `--count` above 1, one line per
 * query, the answer last (`… delay 0.000210 s  answer 2026-…Z`), or
 * `URL  failed: why`; then a summary line:
 *
 * ```text
 * ntp://127.0.0.1:123  answered 3/3  offset min +0.000100 median +0.000120 max +0.000130 s  delay min … s
 * ```
 *
 * `--json` prints one object per query instead: `url`, `protocol`,
 * `transport`, `answered`, `answer`, `server_time` (RFC 3339, UTC),
 * `layout`, `offset_s`, `delay_s`, `error_s`, `resolution_s`,
 * `offset_unknown` (the reason, or null), `failure` (or null), `warning`
 * (or null), and for NTP
 * `stratum`, `leap`, `version`, `poll`, `precision`, `refid`, `kiss_code`,
 * `root_delay_s`, `root_dispersion_s`, `reference_time`; then, with
 * `--count` above 1, `{"summary": true, "url", "answered", "count",
 * "offset_s": {min, median, max} | null, "delay_s": …}`.
 *
 * Roughtime URLs (one or several, queried as one chain) go to
 * {@linkcode roughtimeCommand}, which verifies every answer and reports
 * answers that contradict the order they came in.
 *
 * A failed query (timeout, refusal, unknown host, malformed answer,
 * kiss-o'-death) gives exit status 1 and one line on stderr. An unknown
 * host or a kiss-o'-death stops further queries. An unsynchronised NTP
 * server's answer (leap indicator 3, or no valid stratum) is printed with
 * its offset and delay like any other, with its `warning` (and in JSON),
 * then the warning on stderr and exit status 1, as `ntpdate -q` users expect.
 *
 * @param args The arguments after `query`.
 * @param options Output, clock and sleep, for tests.
 * @returns The exit status: 0 when every query was answered, 1 otherwise.
 * @throws {UsageError} On a bad flag or URL.
 *
 * @example Usage
 * ```ts ignore
 * import { queryCommand } from "./query_command.ts";
 * Deno.exit(await queryCommand(["--count", "3", "ntp://127.0.0.1:123"]));
 * ```
 */
export async function queryCommand(
  args: string[],
  options: QueryCommandOptions = {},
): Promise<number> {
  const output = options.output ?? { out: console.log, err: console.error };
  const clock = options.clock ?? systemClock;
  const sleep = options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const flags = parseQueryArgs(args);
  if (flags === "help") {
    output.out(QUERY_HELP);
    return 0;
  }
  const { target, count } = flags;
  if (target.scheme.protocol === "roughtime") {
    const version = flags.version ?? "ietf";
    return await roughtimeCommand(flags.targets, {
      ...flags,
      offered: parseFlag("--version", () => parseRoughtimeVersion(version)),
      output,
      clock,
      sleep,
    });
  }
  const results: QueryResult[] = [];
  for (let i = 0; i < count; i++) {
    if (i > 0 && flags.intervalMs > 0) await sleep(flags.intervalMs);
    const result = await queryOnce(target, { timeoutMs: flags.timeoutMs, clock });
    results.push(result);
    for (const line of formatResult(result, count, flags.json)) output.out(line);
    if (result.stop) break;
  }
  if (count > 1) output.out(formatSummary(target, results, count, flags.json));
  const failures = results.filter((r) => r.failure !== null);
  const warnings = results.filter((r) => r.warning !== null);
  const skipped = count - results.length;
  if (failures.length > 0 || skipped > 0) {
    const last = failures[failures.length - 1].failure;
    output.err(
      count === 1
        ? `clockd: ${target.url}: ${last}`
        : `clockd: ${target.url}: ${failures.length + skipped} of ${count} queries failed` +
          `${skipped > 0 ? ` (stopped after ${results.length})` : ""}; last: ${last}`,
    );
    return 1;
  }
  if (warnings.length === 0) return 0;
  const last = warnings[warnings.length - 1].warning;
  output.err(
    count === 1
      ? `clockd: ${target.url}: ${last}`
      : `clockd: ${target.url}: ${warnings.length} of ${count} answers are not to be trusted; ` +
        `last: ${last}`,
  );
  return 1;
}
