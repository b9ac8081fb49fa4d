/**
 * The session protocol over UDP: one request per datagram, stateless, the
 * answer bytes reused for as long as the answer text stays the same.
 *
 * @module
 */

import type { ServiceCounters } from "../../ops/counters.ts";
import { LINE_ENDINGS, MAX_REQUEST_BYTES, Terminator } from "./request_framer.ts";
import type { SessionProtocol, SessionState } from "./session_protocol.ts";

const encoder = new TextEncoder();

/**
 * Answers session datagrams.
 *
 * @example Usage
 * ```ts
 * import { SessionDatagrams } from "./session_datagrams.ts";
 * import { SessionProtocol } from "./session_protocol.ts";
 * import { Metrics } from "../../ops/metrics.ts";
 * import { fixedClock } from "../../time/clock.ts";
 * import { getFormat } from "../../time/formats.ts";
 * import { UTC } from "../../time/zone.ts";
 * const protocol = new SessionProtocol({
 *   clock: fixedClock({ seconds: 1795257245, nanos: 0 }),
 *   defaultFormat: getFormat("go")!,
 *   defaultZone: UTC,
 * });
 * const datagrams = new SessionDatagrams(protocol);
 * const counters = new Metrics().counter("session", "udp");
 * const answer = datagrams.answer(new TextEncoder().encode("timestamp\r\n"), counters);
 * if (new TextDecoder().decode(answer!) !== "1795257245\r\n") throw new Error("answer");
 * ```
 */
export class SessionDatagrams {
  readonly #protocol: SessionProtocol;
  readonly #state: SessionState;
  #lastText = "";
  #lastBytes: Uint8Array[] = [];

  /** @param protocol What answers the requests. */
  constructor(protocol: SessionProtocol) {
    this.#protocol = protocol;
    this.#state = protocol.newState(false);
  }

  /**
   * Answers one datagram. A trailing LF or CR LF ends the request and is
   * echoed as the answer's line ending; with none, the answer ends in LF.
   *
   * @param request The datagram's payload.
   * @param counters The session/udp counters; an oversized datagram counts as a drop.
   * @returns The answer datagram, or null to drop (oversized).
   */
  answer(request: Uint8Array, counters: ServiceCounters): Uint8Array | null {
    let end = request.length;
    if (end > MAX_REQUEST_BYTES) {
      counters.drops.oversized++;
      return null;
    }
    let ending: Terminator = Terminator.None;
    if (end > 0 && request[end - 1] === 10) {
      end--;
      ending = Terminator.Lf;
      if (end > 0 && request[end - 1] === 13) {
        end--;
        ending = Terminator.CrLf;
      }
    }
    const state = this.#state;
    const text = this.#protocol.answer(state, request, 0, end);
    state.closing = false;
    if (text !== this.#lastText) {
      this.#lastText = text;
      this.#lastBytes = [];
    }
    return this.#lastBytes[ending] ??= encoder.encode(text + LINE_ENDINGS[ending]);
  }
}
