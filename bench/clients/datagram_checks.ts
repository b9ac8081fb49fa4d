/**
 * The answer checks of the simple datagram workloads (`session-udp`,
 * `time-udp`, `ntp`): pure functions of the answer (and the request).
 *
 * @module
 */

import { parseNtpReply } from "../../src/protocols/ntp/client.ts";
import { systemClock } from "../../src/time/clock.ts";
import { isDigit } from "./_io.ts";
import type { Verdict } from "./datagram.ts";

const SECONDS_1900_TO_1970 = 2_208_988_800;

/**
 * A datagram answer to `timestamp`: Unix seconds and a newline.
 *
 * @param answer The datagram.
 * @returns `ok`, or what is wrong.
 *
 * @example Usage
 * ```ts
 * import { checkSessionDatagram } from "./datagram_checks.ts";
 * if (checkSessionDatagram(new TextEncoder().encode("1800000000\n")) !== "ok") throw new Error();
 * ```
 */
export function checkSessionDatagram(answer: Uint8Array): Verdict {
  if (answer.length > 1 && isDigit(answer[0]) && answer[answer.length - 1] === 0x0a) return "ok";
  return `answer is not Unix seconds: ${JSON.stringify(new TextDecoder().decode(answer))}`;
}

/**
 * An RFC 868 answer: 4 bytes, seconds since 1900 within 2 s of this host's clock.
 *
 * @param answer The datagram.
 * @returns `ok`, or what is wrong.
 *
 * @example Usage
 * ```ts
 * import { checkTimeDatagram } from "./datagram_checks.ts";
 * if (checkTimeDatagram(new Uint8Array(5)) !== "answer is 5 bytes, want 4") throw new Error();
 * ```
 */
export function checkTimeDatagram(answer: Uint8Array): Verdict {
  if (answer.length !== 4) return `answer is ${answer.length} bytes, want 4`;
  const got = new DataView(answer.buffer, answer.byteOffset, 4).getUint32(0);
  const now = (Math.floor(Date.now() / 1000) + SECONDS_1900_TO_1970) >>> 0;
  const difference = (got - now) | 0; // modulo 2^32, as the era wraps
  return Math.abs(difference) <= 2 ? "ok" : `answer is ${difference} s from this host's clock`;
}

/**
 * An NTP answer: mode 4, our transmit timestamp as origin; a kiss-o'-death
 * is an error, an answer to an earlier request is `stale`.
 *
 * @param answer The datagram.
 * @param request The request just sent.
 * @returns `ok`, `stale`, or what is wrong.
 *
 * @example Usage
 * ```ts
 * import { checkNtpDatagram } from "./datagram_checks.ts";
 * import { buildNtpRequest } from "../../src/protocols/ntp/client.ts";
 * import { systemClock } from "../../src/time/clock.ts";
 * const request = buildNtpRequest(systemClock.now(), new Uint8Array(48));
 * if (!checkNtpDatagram(request.slice(), request).startsWith("NTP answer: mode")) throw new Error();
 * ```
 */
export function checkNtpDatagram(answer: Uint8Array, request: Uint8Array): Verdict {
  const reply = parseNtpReply(answer, request, systemClock.now());
  if ("ignore" in reply) return reply.ignore === "origin" ? "stale" : `NTP answer: ${reply.ignore}`;
  if (reply.kissCode !== null) return `NTP kiss-o'-death ${reply.kissCode}`;
  return "ok";
}
