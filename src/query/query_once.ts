/**
 * One query of `clockd query`: ask a session, daytime, time, NTP or
 * Roughtime server once, read its answer, and estimate this clock's offset
 * from it.
 *
 * @module
 */

import { type Clock, systemClock } from "../time/clock.ts";
import { formatInstant } from "../time/formats.ts";
import type { Instant } from "../time/instant.ts";
import { buildNtpRequest, type NtpReply, parseNtpReply } from "../protocols/ntp/client.ts";
import { NtpLeap } from "../protocols/ntp/constants.ts";
import { UTC } from "../time/zone.ts";
import {
  type AnswerReading,
  type AnswerTime,
  readDaytimeAnswer,
  readSessionAnswer,
  readTimeAnswer,
} from "./answer_parse.ts";
import { type Estimate, midpointEstimate, ntpEstimate } from "./estimate.ts";
import type { QueryTarget } from "./query_url.ts";
import { QueryError } from "./query_error.ts";
import { tcpExchange, udpExchange } from "./transports.ts";
import { queryRoughtime } from "./roughtime_query.ts";

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
  /**
   * Why an answer, offset and delay given should not be trusted (an
   * unsynchronised NTP server), one line; null otherwise.
   */
  readonly warning: string | null;
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
 * import { queryOnce } from "./query_once.ts";
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
  return {
    target,
    answer: null,
    time: null,
    estimate: null,
    unknown: null,
    ntp,
    failure,
    warning: null,
    stop,
  };
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
    warning: null,
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
  // An unsynchronised server's numbers are still shown (ntpdate -q shows them), with a warning.
  const warning = reply.leap === NtpLeap.UNSYNCHRONISED
    ? "unsynchronised server (leap indicator 3)"
    : reply.synchronised
    ? null
    : `unsynchronised server (stratum ${reply.stratum})`;
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
    warning,
    stop: false,
  };
}

/** Escapes control characters so that a server cannot write to the terminal. */
function printable(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => JSON.stringify(c).slice(1, -1));
}
