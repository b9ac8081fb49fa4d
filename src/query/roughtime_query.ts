/**
 * `clockd query roughtime://HOST[:PORT]?key=BASE64` (and `roughtime+tcp://`):
 * a Roughtime client. Each query sends a padded request with a fresh
 * nonce, verifies the whole chain of the answer (long-term key → DELE →
 * SREP → Merkle path → this request, MIDP within MINT..MAXT), and prints
 * the midpoint ± radius, this clock's offset and the round trip.
 *
 * Several URLs make a chain (draft-19 §8.2): each nonce after the first is
 * H(previous answer ‖ rand), and every pair of answers is checked for
 * causal order; a pair whose intervals contradict the order they came in
 * is reported, with a malfeasance report under `--json`.
 *
 * @module
 */

import type { Clock } from "../time/clock.ts";
import { formatInstant } from "../time/formats.ts";
import { UTC } from "../time/zone.ts";
import { ROUGHTIME_MAX_RESPONSE_BYTES } from "../protocols/roughtime/constants.ts";
import { roughtimeFrameLength, unframeRoughtimePacket } from "../protocols/roughtime/framing.ts";
import { decodeRoughtimeMessage } from "../protocols/roughtime/message.ts";
import { roughtimeSrv } from "../protocols/roughtime/hash.ts";
import { buildRoughtimeRequest } from "../protocols/roughtime/request.ts";
import {
  type RoughtimeVerified,
  RoughtimeVerifyError,
  verifyRoughtimeResponse,
} from "../protocols/roughtime/verify.ts";
import { causalViolations, chainedNonce, malfeasanceReport } from "../protocols/roughtime/chain.ts";
import { ROUGHTIME_PROFILES, type RoughtimeProfile } from "../protocols/roughtime/versions.ts";
import { type Estimate, midpointEstimate } from "./estimate.ts";
import type { QueryTarget } from "./query_url.ts";
import { QueryError, tcpExchange, udpExchange } from "./transports.ts";
import type { QueryOutput, QueryResult } from "./query_command.ts";

/** The `--version` choices: what each offers. */
export const ROUGHTIME_VERSION_CHOICES: Readonly<Record<string, readonly RoughtimeProfile[]>> =
  Object
    .freeze({
      ietf: [
        ROUGHTIME_PROFILES["draft-08"],
        ROUGHTIME_PROFILES["draft-11"],
        ROUGHTIME_PROFILES["draft-19"],
        ROUGHTIME_PROFILES.rfc,
      ],
      google: [ROUGHTIME_PROFILES.google],
      "draft-08": [ROUGHTIME_PROFILES["draft-08"]],
      "draft-11": [ROUGHTIME_PROFILES["draft-11"]],
      "draft-12": [ROUGHTIME_PROFILES["draft-12"]],
      "draft-19": [ROUGHTIME_PROFILES["draft-19"]],
      rfc: [ROUGHTIME_PROFILES.rfc],
    });

/**
 * The versions a `--version` value offers.
 *
 * @param text `ietf` (every IETF version, the default), `google`,
 *   `draft-08`, `draft-11`, `draft-12`, `draft-19` or `rfc`.
 * @returns The profiles to offer.
 * @throws {RangeError} Listing the choices.
 *
 * @example Usage
 * ```ts
 * import { parseRoughtimeVersion } from "./roughtime_query.ts";
 * if (parseRoughtimeVersion("google")[0].nonceBytes !== 64) throw new Error();
 * ```
 */
export function parseRoughtimeVersion(text: string): readonly RoughtimeProfile[] {
  const found = ROUGHTIME_VERSION_CHOICES[text.toLowerCase()];
  if (found === undefined) {
    throw new RangeError(
      `unknown Roughtime version "${text}": expected ${
        Object.keys(ROUGHTIME_VERSION_CHOICES).join(", ")
      }`,
    );
  }
  return found;
}

/** Settings of {@linkcode queryRoughtimeLink}. */
export interface RoughtimeQueryOptions {
  /** How long the query may take, lookup included, milliseconds. */
  readonly timeoutMs: number;
  /** Where t_send and t_receive come from. */
  readonly clock: Clock;
  /** The versions to offer. */
  readonly offered: readonly RoughtimeProfile[];
  /** The previous answer of the chain, whole; null for the first query. */
  readonly previous: Uint8Array | null;
}

/** One verified Roughtime exchange. */
export interface RoughtimeLink {
  /** Who was asked. */
  readonly target: QueryTarget;
  /** The server's long-term public key. */
  readonly publicKey: Uint8Array;
  /** The request as sent. */
  readonly request: Uint8Array;
  /** The answer as received. */
  readonly response: Uint8Array;
  /** The rand mixed into the nonce; null for a chain's first request. */
  readonly rand: Uint8Array | null;
  /** What the answer proves. */
  readonly verified: RoughtimeVerified;
  /** Offset of this clock (server − local), round trip, and error bound (radius + delay/2). */
  readonly estimate: Estimate;
}

/**
 * One Roughtime query: build, send, receive, verify.
 *
 * @param target A `roughtime://` or `roughtime+tcp://` target.
 * @param options Timeout, clock, versions, and the chain's previous answer.
 * @returns The verified exchange.
 * @throws {QueryError} On lookup failure, refusal, timeout, or an answer
 *   that fails verification (kind `answer`, the message naming the check).
 */
export async function queryRoughtimeLink(
  target: QueryTarget,
  options: RoughtimeQueryOptions,
): Promise<RoughtimeLink> {
  const { offered, clock, timeoutMs } = options;
  const publicKey = Uint8Array.fromBase64(target.key ?? "");
  const transport = target.scheme.transport;
  const framed = transport === "tcp" || offered[0].framed;
  const { nonce, rand } = await chainedNonce(offered[0], options.previous);
  const request = buildRoughtimeRequest({
    profiles: offered,
    nonce,
    srv: await roughtimeSrv(publicKey),
    transport,
  });
  const exchange = transport === "tcp"
    ? await tcpExchange({
      hostname: target.hostname,
      port: target.port,
      request,
      isComplete: (bytes) => {
        const length = roughtimeFrameLength(bytes, ROUGHTIME_MAX_RESPONSE_BYTES);
        return length === "invalid" || (typeof length === "number" && bytes.length >= length);
      },
      maxBytes: ROUGHTIME_MAX_RESPONSE_BYTES,
      timeoutMs,
      clock,
    })
    : await udpExchange({
      hostname: target.hostname,
      port: target.port,
      request: () => request,
      // Stray datagrams that cannot be an answer are ignored; verification follows.
      accept: (bytes) => plausibleAnswer(bytes, framed) ? true : undefined,
      timeoutMs,
      clock,
    });
  let response = exchange.bytes;
  if (transport === "tcp") {
    if (response.length === 0) {
      throw new QueryError("answer", "the server closed the connection without answering");
    }
    const length = roughtimeFrameLength(response, ROUGHTIME_MAX_RESPONSE_BYTES);
    if (typeof length === "number" && response.length > length) {
      response = response.slice(0, length);
    }
  }
  let verified: RoughtimeVerified;
  try {
    verified = await verifyRoughtimeResponse(response, {
      request,
      nonce,
      offered,
      publicKey,
      transport,
    });
  } catch (error) {
    if (!(error instanceof RoughtimeVerifyError)) throw error;
    throw new QueryError("answer", `${FAILURE_TEXT[error.failure]}: ${error.message}`);
  }
  const estimate = midpointEstimate(verified.midpoint, 0, exchange.sent, exchange.received);
  return {
    target,
    publicKey,
    request,
    response,
    rand,
    verified,
    estimate: { ...estimate, error: estimate.error + verified.radiusMicros / 1e6 },
  };
}

/** Whether a datagram has the shape of an answer: framed as expected, a message inside. */
function plausibleAnswer(bytes: Uint8Array, framed: boolean): boolean {
  try {
    decodeRoughtimeMessage(framed ? unframeRoughtimePacket(bytes) : bytes);
    return true;
  } catch {
    return false;
  }
}

const FAILURE_TEXT: Record<RoughtimeVerifyError["failure"], string> = {
  malformed: "malformed answer",
  version: "unexpected version",
  nonce: "wrong nonce",
  type: "malformed answer",
  signature: "bad signature",
  path: "bad Merkle path",
  delegation: "outside the delegation window",
};

/** The answer for people: `2026-11-30T00:16:33Z ± 3 s (RFC 10049)`. */
function answerText(verified: RoughtimeVerified): string {
  const layout = verified.midpoint.nanos === 0 ? "rfc3339" : "rfc3339nano";
  return `${formatInstant(layout, verified.midpoint, UTC)} ± ${
    seconds(verified.radiusMicros / 1e6)
  } s (${verified.profile.label})`;
}

function seconds(value: number): string {
  return String(Number(value.toFixed(6)));
}

/**
 * One Roughtime query as a {@linkcode QueryResult}, for `queryOnce`:
 * network trouble and failed verification become a `failure`.
 *
 * @param target A `roughtime://` or `roughtime+tcp://` target.
 * @param timeoutMs How long the query may take.
 * @param clock Where t_send and t_receive come from.
 * @param offered The versions to offer.
 * @returns The result.
 * @throws {QueryError} On network trouble, for `queryOnce` to report.
 */
export async function queryRoughtime(
  target: QueryTarget,
  timeoutMs: number,
  clock: Clock,
  offered: readonly RoughtimeProfile[] = ROUGHTIME_VERSION_CHOICES.ietf,
): Promise<QueryResult> {
  const link = await queryRoughtimeLink(target, { timeoutMs, clock, offered, previous: null });
  return {
    target,
    answer: answerText(link.verified),
    time: { instant: link.verified.midpoint, resolutionNanos: 0, layout: "roughtime" },
    estimate: link.estimate,
    unknown: null,
    ntp: null,
    failure: null,
    stop: false,
  };
}

/** Settings of {@linkcode roughtimeCommand}. */
export interface RoughtimeCommandOptions {
  /** One JSON object per query, then one for the chain. */
  readonly json: boolean;
  /** Each query's timeout, milliseconds. */
  readonly timeoutMs: number;
  /** How many times to go through the URLs, all in one chain. */
  readonly count: number;
  /** Pause between queries, milliseconds. */
  readonly intervalMs: number;
  /** The versions to offer. */
  readonly offered: readonly RoughtimeProfile[];
  /** Where lines go. */
  readonly output: QueryOutput;
  /** Where t_send and t_receive come from. */
  readonly clock: Clock;
  /** How to pause. */
  readonly sleep: (ms: number) => Promise<void>;
}

/**
 * Runs `clockd query` for Roughtime URLs: queries them in order (`count`
 * times over), chaining the nonces, and reports each answer and, for more
 * than one, whether the chain is in causal order.
 *
 * @param targets The URLs, in order.
 * @param options Output format, timing, versions, I/O.
 * @returns 0 when every query was answered and verified and the chain is
 *   consistent; 1 otherwise.
 */
export async function roughtimeCommand(
  targets: readonly QueryTarget[],
  options: RoughtimeCommandOptions,
): Promise<number> {
  const { output, offered } = options;
  const sequence = Array.from({ length: options.count }, () => targets).flat();
  const links: RoughtimeLink[] = [];
  const failures: string[] = [];
  const single = sequence.length === 1;
  for (let i = 0; i < sequence.length; i++) {
    if (i > 0 && options.intervalMs > 0) await options.sleep(options.intervalMs);
    const target = sequence[i];
    try {
      const link = await queryRoughtimeLink(target, {
        timeoutMs: options.timeoutMs,
        clock: options.clock,
        offered,
        previous: links.at(-1)?.response ?? null,
      });
      links.push(link);
      if (options.json) output.out(JSON.stringify(linkJson(link)));
      else if (single) {
        output.out(answerText(link.verified));
        output.out(resultLine(link));
      } else output.out(`${resultLine(link)}  answer ${answerText(link.verified)}`);
    } catch (error) {
      if (!(error instanceof QueryError)) throw error;
      failures.push(`${target.url}: ${error.message}`);
      if (options.json) output.out(JSON.stringify(failureJson(target, error)));
      else if (!single) output.out(`${target.url}  failed: ${error.message}`);
    }
  }
  const violations = causalViolations(links.map((link) => link.verified));
  if (!single) {
    if (options.json) {
      output.out(JSON.stringify({
        chain: true,
        answered: links.length,
        count: sequence.length,
        consistent: violations.length === 0,
        inconsistent: violations.map(({ earlier, later }) => ({
          earlier: links[earlier].target.url,
          later: links[later].target.url,
        })),
        malfeasance_report: violations.length === 0 ? null : malfeasanceReport(links),
      }));
    } else if (violations.length === 0) {
      output.out(`chain  ${links.length}/${sequence.length} answered, in causal order`);
    } else {
      for (const { earlier, later } of violations) {
        output.out(`chain  ${violationText(links, earlier, later)}`);
      }
    }
  }
  if (failures.length === 0 && violations.length === 0) return 0;
  for (const failure of failures) output.err(`clockd: ${failure}`);
  if (violations.length > 0) {
    output.err(
      `clockd: ${violations.length} pair(s) of Roughtime answers contradict the order they came in` +
        (options.json ? "" : " (--json prints a malfeasance report)"),
    );
  }
  return 1;
}

function violationText(links: readonly RoughtimeLink[], earlier: number, later: number): string {
  const a = links[earlier];
  const b = links[later];
  return `inconsistent: #${earlier + 1} ${a.target.url} (${answerText(a.verified)}) ` +
    `is later than #${later + 1} ${b.target.url} (${answerText(b.verified)}) allows`;
}

function signed(value: number): string {
  return (value < 0 ? "-" : "+") + Math.abs(value).toFixed(6);
}

/** `URL  offset +0.000123 s ± 3.000105 s  delay 0.000210 s`. */
function resultLine(link: RoughtimeLink): string {
  const { offset, error, delay } = link.estimate;
  return `${link.target.url}  offset ${signed(offset)} s ± ${error.toFixed(6)} s  delay ${
    delay.toFixed(6)
  } s`;
}

function linkJson(link: RoughtimeLink): Record<string, unknown> {
  const { verified, estimate, target } = link;
  return {
    url: target.url,
    protocol: "roughtime",
    transport: target.scheme.transport,
    answered: true,
    version: verified.profile.name,
    version_label: verified.profile.label,
    midpoint: formatInstant("rfc3339nano", verified.midpoint, UTC),
    radius_s: verified.radiusMicros / 1e6,
    offset_s: Math.round(estimate.offset * 1e9) / 1e9,
    delay_s: Math.round(estimate.delay * 1e9) / 1e9,
    error_s: Math.round(estimate.error * 1e9) / 1e9,
    failure: null,
  };
}

function failureJson(target: QueryTarget, error: QueryError): Record<string, unknown> {
  return {
    url: target.url,
    protocol: "roughtime",
    transport: target.scheme.transport,
    answered: false,
    failure: error.message,
  };
}
