/**
 * The NTP server's answer: a mode-4 packet built from the server state and
 * two instants the caller supplies (when the request arrived, when the
 * answer leaves). No clock is read here and nothing is allocated per packet,
 * so the socket loop stays in charge of timing and the whole exchange is
 * testable with fixed bytes.
 *
 * The flow mirrors chrony's server mode: validate the request first
 * (`validate_request.ts`), refuse with a kiss-o'-death (`kiss_of_death.ts`),
 * or answer with the state (`server_state.ts`) written here.
 *
 * @module
 */

import type { Instant } from "../../time/instant.ts";
import { NTP_PACKET_SIZE, NtpMode, NtpOffset, packFirstByte } from "./constants.ts";
import { checkNtpServerState, type NtpServerState } from "./server_state.ts";
import {
  nanosToNtpFraction,
  ntpSecondsOf,
  secondsToNtpShort,
  writeNtpTimestamp,
} from "./timestamp.ts";
import { checkBuffers, copyTransmitToOrigin, putUint32, replyVersion } from "./_answer.ts";

/**
 * Answers NTP requests for one server state. The header bytes that do not
 * depend on the request are encoded once, in the constructor and in
 * {@linkcode NtpResponder.update}, so {@linkcode NtpResponder.write} only
 * copies them and fills in the three per-request timestamps.
 *
 * @example Usage
 * ```ts
 * import { NtpResponder } from "./responder.ts";
 * const responder = new NtpResponder({
 *   leap: 0, stratum: 10, referenceId: 0x4c4f434c, precision: -20,
 *   rootDelay: 0, rootDispersion: 0, referenceTime: null,
 * });
 * const request = new Uint8Array(48);
 * request[0] = 0x23;
 * const out = new Uint8Array(48);
 * const now = { seconds: 1_767_225_600, nanos: 0 };
 * if (responder.write(request, now, now, out) !== 48 || out[0] !== 0x24) throw new Error("mode 4");
 * ```
 */
export class NtpResponder {
  #state!: NtpServerState;
  /** Bytes 0 to 23 of every answer; bytes 0 (VN) and 2 (poll) are patched per request. */
  readonly #template = new Uint8Array(NtpOffset.ORIGIN_TIME);
  #leapBits = 0;
  #out: Uint8Array | null = null;
  #view: DataView | null = null;

  /**
   * Builds a responder.
   *
   * @param state What to claim in answers.
   * @throws {RangeError} If a field of the state is out of range.
   */
  constructor(state: NtpServerState) {
    this.update(state);
  }

  /** The state answers are built from. */
  get state(): NtpServerState {
    return this.#state;
  }

  /**
   * Replaces the state (e.g. after re-reading the kernel clock). Takes
   * effect for the next answer.
   *
   * @param state What to claim in answers.
   * @throws {RangeError} If a field of the state is out of range.
   */
  update(state: NtpServerState): void {
    checkNtpServerState(state);
    const template = new DataView(this.#template.buffer);
    template.setUint8(NtpOffset.STRATUM, state.stratum);
    template.setInt8(NtpOffset.PRECISION, state.precision);
    template.setUint32(NtpOffset.ROOT_DELAY, secondsToNtpShort(state.rootDelay));
    template.setUint32(NtpOffset.ROOT_DISPERSION, secondsToNtpShort(state.rootDispersion));
    template.setUint32(NtpOffset.REFERENCE_ID, state.referenceId);
    if (state.referenceTime === null) {
      template.setUint32(NtpOffset.REFERENCE_TIME, 0);
      template.setUint32(NtpOffset.REFERENCE_TIME + 4, 0);
    } else {
      writeNtpTimestamp(template, NtpOffset.REFERENCE_TIME, state.referenceTime);
    }
    this.#leapBits = state.leap;
    this.#state = state;
  }

  /**
   * Writes the mode-4 answer to a client request into `out`: version and
   * poll copied from the request, origin = the request's transmit timestamp
   * bit for bit, receive and transmit as given, the rest from the state.
   * Validate the request first with `validateNtpRequest` (`validate_request.ts`).
   *
   * @param request The request datagram (at least 48 bytes).
   * @param received When the request arrived (T2).
   * @param transmit When the answer leaves (T3); read the clock as late as possible.
   * @param out Where to write the answer (at least 48 bytes; reuse one buffer).
   * @returns The answer's length, 48.
   * @throws {RangeError} If `request` or `out` is shorter than 48 bytes.
   */
  write(request: Uint8Array, received: Instant, transmit: Instant, out: Uint8Array): number {
    const view = this.#viewOf(request, out);
    out.set(this.#template);
    out[NtpOffset.FIRST_BYTE] = packFirstByte(
      this.#leapBits,
      replyVersion(request),
      NtpMode.SERVER,
    );
    out[NtpOffset.POLL] = request[NtpOffset.POLL];
    copyTransmitToOrigin(request, out);
    writeNtpTimestamp(view, NtpOffset.RECEIVE_TIME, received);
    writeNtpTimestamp(view, NtpOffset.TRANSMIT_TIME, transmit);
    return NTP_PACKET_SIZE;
  }

  #viewOf(request: Uint8Array, out: Uint8Array): DataView {
    checkBuffers(request, out);
    if (out !== this.#out || this.#view === null) {
      this.#out = out;
      this.#view = new DataView(out.buffer, out.byteOffset, NTP_PACKET_SIZE);
    }
    return this.#view;
  }
}

const responders = new WeakMap<NtpServerState, NtpResponder>();

/**
 * Writes the mode-4 answer to a client request: the functional form of
 * {@linkcode NtpResponder.write}. The encoded state is cached per state
 * object, so pass the same (immutable) object on every call and a new one
 * when the state changes.
 *
 * @param request The request datagram (at least 48 bytes, validated).
 * @param received When the request arrived (T2).
 * @param transmit When the answer leaves (T3).
 * @param state What to claim about the clock.
 * @param out Where to write the answer (at least 48 bytes).
 * @returns The answer's length, 48.
 * @throws {RangeError} If a buffer is too short or the state is out of range.
 *
 * @example Usage
 * ```ts
 * import { writeNtpResponse } from "./responder.ts";
 * import { ntpServerState } from "./server_state.ts";
 * const now = { seconds: 1_767_225_600, nanos: 0 };
 * const state = ntpServerState({ sync: "always", precision: -20, kernel: null, now });
 * const request = new Uint8Array(48);
 * request[0] = 0x23;
 * const out = new Uint8Array(48);
 * if (writeNtpResponse(request, now, now, state, out) !== 48 || out[1] !== 10) {
 *   throw new Error("stratum 10");
 * }
 * ```
 */
export function writeNtpResponse(
  request: Uint8Array,
  received: Instant,
  transmit: Instant,
  state: NtpServerState,
  out: Uint8Array,
): number {
  let responder = responders.get(state);
  if (responder === undefined) {
    responder = new NtpResponder(state);
    responders.set(state, responder);
  }
  return responder.write(request, received, transmit, out);
}

/**
 * Rewrites the transmit timestamp (T3) of an answer already written, for a
 * sender that stamps a whole batch once, just before the batch leaves, so
 * T3 is not early by the time the rest of the batch took.
 *
 * @param answer A 48-byte (or longer) answer from {@linkcode NtpResponder.write} or `writeKissOfDeath` (`kiss_of_death.ts`).
 * @param transmit When the answer leaves.
 * @throws {RangeError} If `answer` is shorter than 48 bytes.
 *
 * @example Usage
 * ```ts
 * import { writeTransmitTime } from "./responder.ts";
 * const answer = new Uint8Array(48);
 * writeTransmitTime(answer, { seconds: 0, nanos: 500_000_000 });
 * // 1970 is 2,208,988,800 s after the NTP era began; half a second is 0x80000000.
 * if (answer[40] !== 0x83 || answer[44] !== 0x80) throw new Error("T3");
 * ```
 */
export function writeTransmitTime(answer: Uint8Array, transmit: Instant): void {
  if (answer.length < NTP_PACKET_SIZE) {
    throw new RangeError(
      `an NTP answer is at least ${NTP_PACKET_SIZE} bytes, got ${answer.length}`,
    );
  }
  putUint32(answer, NtpOffset.TRANSMIT_TIME, ntpSecondsOf(transmit.seconds));
  putUint32(answer, NtpOffset.TRANSMIT_TIME + 4, nanosToNtpFraction(transmit.nanos));
}
