/**
 * The answer a text service (session, daytime) sends over UDP instead of
 * one that would break the amplification bound: how long the request must
 * be, padded with spaces (which the session protocol ignores), or to use
 * TCP when no request the service reads would do.
 *
 * @module
 */

import { paddedRequestLength } from "../../admission/udp_guard.ts";
import { MAX_REQUEST_BYTES } from "./request_framer.ts";

const encoder = new TextEncoder();
/**
 * Answer bytes the advised padding leaves room for beyond this answer: the
 * same request a moment later may be answered a little longer (a fraction
 * of a second with more digits, a longer zone abbreviation), and must still
 * fit.
 */
const GROWTH_BYTES = 24;

/**
 * The `ERR` line for an answer too large for its request.
 *
 * @param requestLength The request's payload bytes.
 * @param answerLength The answer's payload bytes; the advised length leaves
 *   room for {@linkcode GROWTH_BYTES} more.
 * @returns The line (at most 56 bytes: within the bound of any request).
 *
 * @example Usage
 * ```ts
 * import { udpTooLarge } from "./udp_too_large.ts";
 * const line = new TextDecoder().decode(udpTooLarge(5, 300));
 * if (line !== "ERR too large: pad request to 90 bytes or use TCP\n") throw new Error(line);
 * ```
 */
export function udpTooLarge(requestLength: number, answerLength: number): Uint8Array {
  const needed = paddedRequestLength(answerLength + GROWTH_BYTES);
  const text = needed <= MAX_REQUEST_BYTES && needed > requestLength
    ? `ERR too large: pad request to ${needed} bytes or use TCP\n`
    : "ERR too large for UDP: use TCP\n";
  return encoder.encode(text);
}
