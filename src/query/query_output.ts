/**
 * What `clockd query` prints: the result line of one query, the summary
 * of several, and both as JSON.
 *
 * @module
 */

import { formatInstant } from "../time/formats.ts";
import type { NtpReply } from "../protocols/ntp/client.ts";
import { kissCodeOf } from "../protocols/ntp/packet.ts";
import { UTC } from "../time/zone.ts";
import { spread } from "./estimate.ts";
import type { QueryResult } from "./query_once.ts";
import type { QueryTarget } from "./query_url.ts";

function signed(seconds: number): string {
  return (seconds < 0 ? "-" : "+") + Math.abs(seconds).toFixed(6);
}

/**
 * What one query prints on stdout: with `json`, one object; for a single
 * query, the answer and the result line (nothing on failure: the reason
 * goes to stderr); for one of several, one line, the answer last, or
 * `URL  failed: why`.
 *
 * @param result The query's result.
 * @param count How many queries `--count` asked for.
 * @param json Whether `--json` was given.
 * @returns The lines.
 *
 * @example Usage
 * ```ts
 * import { formatResult } from "./query_output.ts";
 * import { parseQueryUrl } from "./query_url.ts";
 * const target = parseQueryUrl("ntp://127.0.0.1");
 * const result = {
 *   target,
 *   answer: null,
 *   time: null,
 *   estimate: null,
 *   unknown: null,
 *   ntp: null,
 *   failure: "connection refused",
 *   warning: null,
 *   stop: false,
 * };
 * const lines = formatResult(result, 3, false);
 * if (lines.join() !== "ntp://127.0.0.1:123  failed: connection refused") throw new Error(lines.join());
 * ```
 */
export function formatResult(result: QueryResult, count: number, json: boolean): string[] {
  if (json) return [JSON.stringify(resultJson(result))];
  if (count === 1) return result.failure === null ? [result.answer ?? "", resultLine(result)] : [];
  if (result.failure !== null) return [`${result.target.url}  failed: ${result.failure}`];
  const warning = result.warning === null ? "" : `  warning: ${result.warning}`;
  return [`${resultLine(result)}  answer ${result.answer}${warning}`];
}

/**
 * The summary line of several queries: how many were answered, and the
 * least, median and greatest offset and delay; or, with `json`, one object.
 *
 * @param target What was queried.
 * @param results Each query's result.
 * @param count How many queries `--count` asked for.
 * @param json Whether `--json` was given.
 * @returns The line.
 *
 * @example Usage
 * ```ts
 * import { formatSummary } from "./query_output.ts";
 * import { parseQueryUrl } from "./query_url.ts";
 * const line = formatSummary(parseQueryUrl("ntp://127.0.0.1"), [], 3, false);
 * if (line !== "ntp://127.0.0.1:123  answered 0/3  offset unknown") throw new Error(line);
 * ```
 */
export function formatSummary(
  target: QueryTarget,
  results: readonly QueryResult[],
  count: number,
  json: boolean,
): string {
  return json
    ? JSON.stringify(summaryJson(target, results, count))
    : summaryLine(target, results, count);
}

/** The one-line result: `URL  [stratum S REFID  ]offset ±x s ± e s  delay d s`. */
function resultLine(result: QueryResult): string {
  const parts = [result.target.url];
  if (result.ntp !== null) {
    parts.push(`stratum ${result.ntp.stratum} ${referenceText(result.ntp)}`);
  }
  const estimate = result.estimate!;
  parts.push(
    result.unknown === null
      ? `offset ${signed(estimate.offset)} s ± ${estimate.error.toFixed(6)} s`
      : `offset unknown (${result.unknown})`,
  );
  parts.push(`delay ${estimate.delay.toFixed(6)} s`);
  return parts.join("  ");
}

function summaryLine(target: QueryTarget, results: readonly QueryResult[], count: number): string {
  const answered = results.filter((r) => r.failure === null);
  const offsets = spread(answered.filter((r) => r.unknown === null).map((r) => r.estimate!.offset));
  const delays = spread(answered.map((r) => r.estimate!.delay));
  const parts = [target.url, `answered ${answered.length}/${count}`];
  parts.push(
    offsets === null
      ? "offset unknown"
      : `offset min ${signed(offsets.min)} median ${signed(offsets.median)} max ${
        signed(offsets.max)
      } s`,
  );
  if (delays !== null) {
    parts.push(
      `delay min ${delays.min.toFixed(6)} median ${delays.median.toFixed(6)} max ${
        delays.max.toFixed(6)
      } s`,
    );
  }
  return parts.join("  ");
}

/**
 * The reference ID for people: the reply's own reading (ASCII at stratum 0
 * and 1, a dotted quad above), except that four code characters (`LOCL`,
 * as clockd and ntpd's local clock send at any stratum) are shown as such.
 */
function referenceText(reply: NtpReply): string {
  return kissCodeOf(reply.referenceId) ?? reply.referenceIdText;
}

/** Seconds rounded to the nanosecond, or null when unknown. */
function seconds(value: number | undefined): number | null {
  return value === undefined || Number.isNaN(value) ? null : Math.round(value * 1e9) / 1e9;
}

function resultJson(result: QueryResult): Record<string, unknown> {
  const { target, estimate, time, ntp } = result;
  const json: Record<string, unknown> = {
    url: target.url,
    protocol: target.scheme.protocol,
    transport: target.scheme.transport,
    answered: result.failure === null,
    answer: result.answer,
    server_time: time === null ? null : formatInstant("rfc3339nano", time.instant, UTC),
    layout: time?.layout ?? null,
    offset_s: seconds(estimate?.offset),
    delay_s: seconds(estimate?.delay),
    error_s: seconds(estimate?.error),
    resolution_s: time === null ? null : time.resolutionNanos / 1e9,
    offset_unknown: result.unknown,
    failure: result.failure,
    warning: result.warning,
  };
  if (target.scheme.protocol === "ntp") {
    Object.assign(json, {
      stratum: ntp?.stratum ?? null,
      leap: ntp?.leap ?? null,
      version: ntp?.version ?? null,
      poll: ntp?.poll ?? null,
      precision: ntp?.precision ?? null,
      refid: ntp === null ? null : referenceText(ntp),
      kiss_code: ntp?.kissCode ?? null,
      root_delay_s: ntp?.rootDelay ?? null,
      root_dispersion_s: ntp?.rootDispersion ?? null,
      reference_time: ntp?.referenceTime == null
        ? null
        : formatInstant("rfc3339nano", ntp.referenceTime, UTC),
    });
  }
  return json;
}

function summaryJson(
  target: QueryTarget,
  results: readonly QueryResult[],
  count: number,
): Record<string, unknown> {
  const answered = results.filter((r) => r.failure === null);
  const round = (s: ReturnType<typeof spread>) =>
    s === null ? null : { min: seconds(s.min), median: seconds(s.median), max: seconds(s.max) };
  return {
    summary: true,
    url: target.url,
    answered: answered.length,
    count,
    offset_s: round(
      spread(answered.filter((r) => r.unknown === null).map((r) => r.estimate!.offset)),
    ),
    delay_s: round(spread(answered.map((r) => r.estimate!.delay))),
  };
}
