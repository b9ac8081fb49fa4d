/**
 * `clockd query URL`: asks a time server for the time, as `ntpdate -q` and
 * the classic `timequery` do, and estimates our clock's offset from it.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { type Clock, systemClock } from "../time/clock.ts";
import { parseDuration } from "../cli/duration.ts";
import { formatInstant } from "../time/formats.ts";
import type { Instant } from "../time/instant.ts";
import { buildNtpRequest, type NtpReply, parseNtpReply } from "../protocols/ntp/client.ts";
import { NtpLeap } from "../protocols/ntp/constants.ts";
import { kissCodeOf } from "../protocols/ntp/packet.ts";
import { parseFlag, parseInteger, UsageError } from "../cli/usage_error.ts";
import { UTC } from "../time/zone.ts";
import {
  type AnswerReading,
  type AnswerTime,
  readDaytimeAnswer,
  readSessionAnswer,
  readTimeAnswer,
} from "./answer_parse.ts";
import { type Estimate, midpointEstimate, ntpEstimate, spread } from "./estimate.ts";
import { parseQueryUrl, QUERY_SCHEMES, type QueryTarget } from "./query_url.ts";
import { QueryError, tcpExchange, udpExchange } from "./transports.ts";
import { parseRoughtimeVersion, queryRoughtime, roughtimeCommand } from "./roughtime_query.ts";

const SCHEME_HELP = QUERY_SCHEMES.map((s) =>
  `  ${(s.scheme + "://").padEnd(17)}${s.summary}, port ${s.defaultPort}`
).join("\n");

/** The `clockd query --help` text. */
export const QUERY_HELP = `Usage: clockd query [flags] URL
       clockd query [flags] roughtime://HOST?key=BASE64 [roughtime://… …]

Asks a time server for the time and estimates this clock's offset from it
(server minus local) and the round-trip delay.

URL is SCHEME://HOST[:PORT][/REQUEST], IPv6 hosts in brackets ([::1]):
${SCHEME_HELP}

Only session URLs take a REQUEST: the path, percent-decoded
(session://host/rfc3339%20Europe/Paris), or ?q= (session://host?q=unixns);
the default is rfc3339nano, ?q= alone sends the empty request.

Roughtime URLs name the server's long-term public key (?key=, base64 or
hex); answers are verified against it. Several Roughtime URLs are queried
in order as one chain (each nonce derived from the previous answer), and
any pair of answers whose times contradict their order is reported.

  --json                one JSON object per query (and one for the summary)
  --timeout DURATION    how long each query may take, lookup included (default 2s)
  --count N             queries to make (default 1); with N > 1, one line per
                        query, then a summary: answered/N, min/median/max
                        offset and delay
  --interval DURATION   pause between queries (default 1s for ntp://, 0 for others)
  --version VERSION     Roughtime versions to offer: ietf (default: RFC 10049,
                        drafts 19, 11 and 08), google, draft-08, draft-11,
                        draft-12, draft-19 or rfc
  -h, --help            show this help

Output: the answer, then
  URL  [stratum S REFID  ]offset +0.000123 s ± 0.000105 s  delay 0.000210 s
NTP uses its four timestamps; the others the midpoint of the round trip,
offset = T + resolution/2 - (t_send + t_receive)/2, error ± (delay/2 +
resolution/2), resolution being the answer format's (1 s for daytime and
time). An answer that names no instant we can place (a zone such as CET)
is printed with "offset unknown".

Exit status: 0 every query answered, 1 a query failed (timeout, refused,
unknown host, malformed answer, kiss-o'-death, unsynchronised server, bad
Roughtime signature or nonce, inconsistent Roughtime chain), 2 usage.`;

/** Settings of {@linkcode queryOnce}. */
export interface QueryOnceOptions {
  /**
   * How long the query may take, host lookup included, milliseconds.
   *
   * @default {2000}
   */
  timeoutMs?: number;
  /**
   * Where t_send and t_receive come from.
   *
   * @default {systemClock}
   */
  clock?: Clock;
}

/** The outcome of one query: an answer with an estimate, or a failure. */
export interface QueryResult {
  /** What was queried. */
  readonly target: QueryTarget;
  /** The answer for people (control characters escaped); null when none came. */
  readonly answer: string | null;
  /** The instant the answer names, when it could be read. */
  readonly time: AnswerTime | null;
  /** The estimate: `offset` and `error` are NaN when the offset is unknown; null with no answer. */
  readonly estimate: Estimate | null;
  /** Why the offset is unknown although the query was answered; null otherwise. */
  readonly unknown: string | null;
  /** The NTP reply, for `ntp://`. */
  readonly ntp: NtpReply | null;
  /** Why the query failed, one line; null when it was answered. */
  readonly failure: string | null;
  /** True after a failure that makes asking again pointless or rude (unknown host, kiss-o'-death). */
  readonly stop: boolean;
}

const ENCODER = new TextEncoder();
const DECODER = new TextDecoder();
/** Longest answer read over TCP; clockd's longest (`json`) is under 300 bytes. */
const MAX_TCP_ANSWER_BYTES = 1024;

/**
 * Makes one query and reads its answer. Network trouble and bad answers
 * are returned as a `failure`, never thrown.
 *
 * @param target What to query (from {@linkcode parseQueryUrl}).
 * @param options The timeout and the clock.
 * @returns The result.
 *
 * @example Usage
 * ```ts ignore
 * import { queryOnce } from "./query_command.ts";
 * import { parseQueryUrl } from "./query_url.ts";
 * const result = await queryOnce(parseQueryUrl("ntp://pool.ntp.org"));
 * console.log(result.failure ?? result.estimate?.offset);
 * ```
 */
export async function queryOnce(
  target: QueryTarget,
  options: QueryOnceOptions = {},
): Promise<QueryResult> {
  const timeoutMs = options.timeoutMs ?? 2000;
  const clock = options.clock ?? systemClock;
  try {
    switch (target.scheme.protocol) {
      case "ntp":
        return await queryNtp(target, timeoutMs, clock);
      case "session":
        return await querySession(target, timeoutMs, clock);
      case "daytime":
      case "time":
        return await queryDaytimeOrTime(target, timeoutMs, clock);
      case "roughtime":
        return await queryRoughtime(target, timeoutMs, clock);
    }
  } catch (error) {
    if (!(error instanceof QueryError)) throw error;
    return failed(target, error.message, error.kind === "dns");
  }
}

function failed(
  target: QueryTarget,
  failure: string,
  stop = false,
  ntp: NtpReply | null = null,
): QueryResult {
  return { target, answer: null, time: null, estimate: null, unknown: null, ntp, failure, stop };
}

async function querySession(
  target: QueryTarget,
  timeoutMs: number,
  clock: Clock,
): Promise<QueryResult> {
  const request = ENCODER.encode(target.request + "\n");
  const exchange = target.scheme.transport === "tcp"
    ? await tcpExchange({
      hostname: target.hostname,
      port: target.port,
      request,
      isComplete: (bytes) => bytes.includes(10),
      maxBytes: MAX_TCP_ANSWER_BYTES,
      timeoutMs,
      clock,
    })
    : await udpExchange({
      hostname: target.hostname,
      port: target.port,
      request: () => request,
      accept: () => true,
      timeoutMs,
      clock,
    });
  const lf = exchange.bytes.indexOf(10);
  if (exchange.bytes.length === 0) {
    return failed(target, "the server closed the connection without answering");
  }
  if (lf === -1 && exchange.bytes.length > MAX_TCP_ANSWER_BYTES) {
    return failed(target, `the answer is longer than ${MAX_TCP_ANSWER_BYTES} bytes`);
  }
  const line = DECODER.decode(lf === -1 ? exchange.bytes : exchange.bytes.subarray(0, lf))
    .replace(/\r$/, "");
  const reading = readSessionAnswer(target.request ?? "", line, exchange.received);
  return fromReading(target, printable(line), reading, exchange.sent, exchange.received);
}

async function queryDaytimeOrTime(
  target: QueryTarget,
  timeoutMs: number,
  clock: Clock,
): Promise<QueryResult> {
  const time = target.scheme.protocol === "time";
  const exchange = target.scheme.transport === "tcp"
    ? await tcpExchange({
      hostname: target.hostname,
      port: target.port,
      request: null,
      isComplete: time ? (bytes) => bytes.length >= 4 : daytimeComplete,
      maxBytes: MAX_TCP_ANSWER_BYTES,
      timeoutMs,
      clock,
    })
    : await udpExchange({
      hostname: target.hostname,
      port: target.port,
      // RFC 868 asks for an empty datagram; RFC 867 for any, and some servers ignore empty ones.
      request: () => time ? new Uint8Array(0) : ENCODER.encode("\n"),
      accept: () => true,
      timeoutMs,
      clock,
    });
  const { bytes, sent, received } = exchange;
  if (time) {
    const reading = readTimeAnswer(bytes, received);
    const answer = reading.kind === "time"
      ? `${new DataView(bytes.buffer, bytes.byteOffset).getUint32(0)} (${
        formatInstant("rfc3339", reading.time.instant, UTC)
      })`
      : Array.from(bytes.subarray(0, 16), (b) => b.toString(16).padStart(2, "0")).join(" ") +
        (bytes.length > 16 ? " …" : "");
    return fromReading(target, answer, reading, sent, received);
  }
  if (bytes.length > MAX_TCP_ANSWER_BYTES) {
    return failed(target, `the answer is longer than ${MAX_TCP_ANSWER_BYTES} bytes`);
  }
  const text = printable(DECODER.decode(bytes).trim());
  return fromReading(target, text, readDaytimeAnswer(bytes, received), sent, received);
}

/** A daytime answer is complete at the end of its first non-blank line (NIST starts with one). */
function daytimeComplete(bytes: Uint8Array): boolean {
  const lf = bytes.lastIndexOf(10);
  return lf !== -1 && bytes.subarray(0, lf).some((b) => b > 32);
}

function fromReading(
  target: QueryTarget,
  answer: string,
  reading: AnswerReading,
  sent: Instant,
  received: Instant,
): QueryResult {
  if (reading.kind === "error") return { ...failed(target, reading.reason), answer };
  const estimate = reading.kind === "time"
    ? midpointEstimate(reading.time.instant, reading.time.resolutionNanos, sent, received)
    : { ...midpointEstimate(sent, 0, sent, received), offset: NaN, error: NaN };
  return {
    target,
    answer,
    time: reading.kind === "time" ? reading.time : null,
    estimate,
    unknown: reading.kind === "unknown" ? reading.reason : null,
    ntp: null,
    failure: null,
    stop: false,
  };
}

async function queryNtp(
  target: QueryTarget,
  timeoutMs: number,
  clock: Clock,
): Promise<QueryResult> {
  let request: Uint8Array = new Uint8Array(0);
  const { value: reply } = await udpExchange<NtpReply>({
    hostname: target.hostname,
    port: target.port,
    request: (sent) => request = buildNtpRequest(sent),
    accept: (bytes, received) => {
      const parsed = parseNtpReply(bytes, request, received);
      return "ignore" in parsed ? undefined : parsed;
    },
    timeoutMs,
    clock,
  });
  if (reply.stratum === 0 && reply.kissCode !== null) {
    return failed(target, `kiss-o'-death ${reply.kissCode}`, true, reply);
  }
  if (reply.leap === NtpLeap.UNSYNCHRONISED) {
    return failed(target, "unsynchronised server (leap indicator 3)", false, reply);
  }
  if (!reply.synchronised) {
    return failed(target, `unsynchronised server (stratum ${reply.stratum})`, false, reply);
  }
  const time: AnswerTime = {
    instant: reply.transmitTime,
    resolutionNanos: Math.round(2 ** reply.precision * 1e9),
    layout: "ntp",
  };
  return {
    target,
    answer: formatInstant("rfc3339nano", reply.transmitTime, UTC),
    time,
    estimate: ntpEstimate(reply),
    unknown: null,
    ntp: reply,
    failure: null,
    stop: false,
  };
}

/** Escapes control characters so that a server cannot write to the terminal. */
function printable(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => JSON.stringify(c).slice(1, -1));
}

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

interface QueryFlags {
  target: QueryTarget;
  targets: QueryTarget[];
  version: string | undefined;
  json: boolean;
  timeoutMs: number;
  count: number;
  intervalMs: number;
}

function parseQueryArgs(args: string[]): QueryFlags | "help" {
  const { values, positionals } = parseFlag("clockd query", () =>
    parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        json: { type: "boolean", default: false },
        timeout: { type: "string", default: "2s" },
        count: { type: "string", default: "1" },
        interval: { type: "string" },
        version: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  if (values.help) return "help";
  if (positionals.length === 0) {
    throw new UsageError("clockd query: missing URL (try clockd query --help)");
  }
  const targets = positionals.map((url) => parseFlag("clockd query", () => parseQueryUrl(url)));
  const target = targets[0];
  const roughtime = targets.filter((t) => t.scheme.protocol === "roughtime").length;
  if (targets.length > 1 && roughtime !== targets.length) {
    throw new UsageError(
      `clockd query: expected one URL, got ${positionals.length} (only roughtime:// URLs chain)`,
    );
  }
  if (values.version !== undefined && roughtime === 0) {
    throw new UsageError("--version: only roughtime:// URLs have versions");
  }
  const timeoutMs = parseFlag("--timeout", () => parseDuration(values.timeout));
  if (timeoutMs <= 0) throw new UsageError("--timeout: must be more than 0");
  if (timeoutMs > 3_600_000) throw new UsageError("--timeout: must be at most 1h");
  const count = parseFlag("--count", () => parseInteger(values.count, 1, 100_000));
  const interval = values.interval;
  const intervalMs = interval === undefined
    ? (target.scheme.protocol === "ntp" ? 1000 : 0)
    : parseFlag("--interval", () => parseDuration(interval));
  if (intervalMs > 3_600_000) throw new UsageError("--interval: must be at most 1h");
  return {
    target,
    targets,
    version: values.version,
    json: values.json,
    timeoutMs,
    count,
    intervalMs,
  };
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
 * `offset_unknown` (the reason, or null), `failure` (or null), and for NTP
 * `stratum`, `leap`, `version`, `poll`, `precision`, `refid`, `kiss_code`,
 * `root_delay_s`, `root_dispersion_s`, `reference_time`; then, with
 * `--count` above 1, `{"summary": true, "url", "answered", "count",
 * "offset_s": {min, median, max} | null, "delay_s": …}`.
 *
 * A failed query (timeout, refusal, unknown host, malformed answer,
 * kiss-o'-death, unsynchronised NTP server) gives exit status 1 and one
 * line on stderr. An unknown host or a kiss-o'-death stops further queries.
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
    if (flags.json) output.out(JSON.stringify(resultJson(result)));
    else if (count === 1) {
      if (result.failure === null) {
        output.out(result.answer ?? "");
        output.out(resultLine(result));
      }
    } else {
      output.out(
        result.failure === null
          ? `${resultLine(result)}  answer ${result.answer}`
          : `${target.url}  failed: ${result.failure}`,
      );
    }
    if (result.stop) break;
  }
  if (count > 1) {
    output.out(
      flags.json ? JSON.stringify(summaryJson(target, results, count)) : summaryLine(
        target,
        results,
        count,
      ),
    );
  }
  const failures = results.filter((r) => r.failure !== null);
  if (failures.length === 0 && results.length === count) return 0;
  const last = failures[failures.length - 1].failure;
  const skipped = count - results.length;
  output.err(
    count === 1
      ? `clockd: ${target.url}: ${last}`
      : `clockd: ${target.url}: ${failures.length + skipped} of ${count} queries failed` +
        `${skipped > 0 ? ` (stopped after ${results.length})` : ""}; last: ${last}`,
  );
  return 1;
}

function signed(seconds: number): string {
  return (seconds < 0 ? "-" : "+") + Math.abs(seconds).toFixed(6);
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

function summaryLine(target: QueryTarget, results: QueryResult[], count: number): string {
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
  results: QueryResult[],
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
