/**
 * The NTP server side: validate a request, then answer it with a mode-4
 * packet built from the server state and two instants the caller supplies
 * (when the request arrived, when the answer leaves). No clock is read here
 * and nothing is allocated per packet, so the socket loop stays in charge of
 * timing and the whole exchange is testable with fixed bytes.
 *
 * The flow mirrors chrony's server mode: a chain of early returns where an
 * invalid request is dropped (and counted by the caller), never answered.
 *
 * @module
 */

import type { Instant } from "../../time/instant.ts";
import {
  modeOf,
  NTP_MAX_COMPATIBLE_VERSION,
  NTP_MAX_SYNCHRONISED_STRATUM,
  NTP_MIN_COMPATIBLE_VERSION,
  NTP_PACKET_SIZE,
  NTP_REFID_LOCAL_TEXT,
  NTP_REFID_UNSYNCHRONISED,
  NTP_STRATUM_UNSPECIFIED,
  type NtpKissCode,
  NtpLeap,
  type NtpLeapIndicator,
  NtpMode,
  NtpOffset,
  packFirstByte,
  versionOf,
} from "./constants.ts";
import type { KernelClockStatus } from "../../time/kernel_clock.ts";
import { referenceIdFromText } from "./packet.ts";
import {
  nanosToNtpFraction,
  ntpSecondsOf,
  secondsToNtpShort,
  writeNtpTimestamp,
} from "./timestamp.ts";

/**
 * Why a datagram is not answered:
 * - `"short"`: fewer than 48 bytes.
 * - `"length"`: not a multiple of 4 bytes, so not a header followed by
 *   extension fields or a MAC, which are all 4-byte aligned (chrony drops these too).
 * - `"version"`: version 0, 5, 6 or 7.
 * - `"mode"`: anything but mode 3 (client); servers do not answer
 *   symmetric, broadcast, control (ntpq) or private (ntpdc) packets.
 */
export type NtpDropReason = "short" | "length" | "version" | "mode";

/**
 * Decides whether a datagram is an NTP client request this server answers:
 * at least 48 bytes, a multiple of 4, version 1 to 4, mode 3. Whatever follows
 * the 48-byte header (extension fields, a MAC) is ignored.
 *
 * @param bytes The datagram.
 * @returns Null to answer, or why to drop it.
 *
 * @example Usage
 * ```ts
 * import { validateNtpRequest } from "./responder.ts";
 * const request = new Uint8Array(48);
 * request[0] = 0x23; // LI 0, VN 4, mode 3
 * if (validateNtpRequest(request) !== null) throw new Error("valid");
 * if (validateNtpRequest(request.subarray(0, 47)) !== "short") throw new Error("short");
 * ```
 */
export function validateNtpRequest(bytes: Uint8Array): NtpDropReason | null {
  if (bytes.length < NTP_PACKET_SIZE) return "short";
  if (bytes.length % 4 !== 0) return "length";
  const first = bytes[NtpOffset.FIRST_BYTE];
  const version = versionOf(first);
  if (version < NTP_MIN_COMPATIBLE_VERSION || version > NTP_MAX_COMPATIBLE_VERSION) {
    return "version";
  }
  if (modeOf(first) !== NtpMode.CLIENT) return "mode";
  return null;
}

/** What the server claims about its clock in every answer. */
export interface NtpServerState {
  /** Leap indicator: 0 normal, 1/2 leap second pending, 3 unsynchronised. */
  readonly leap: NtpLeapIndicator;
  /** Stratum as sent: 1 to 15, or 0 when unsynchronised. */
  readonly stratum: number;
  /** Reference ID, unsigned 32-bit. */
  readonly referenceId: number;
  /** Clock precision, log2 seconds, -128 to 127 (e.g. -20 for about 1 µs). */
  readonly precision: number;
  /** Root delay, seconds. */
  readonly rootDelay: number;
  /** Root dispersion, seconds. */
  readonly rootDispersion: number;
  /** When the clock was last known to be set or corrected; null for unknown (sent as zero). */
  readonly referenceTime: Instant | null;
}

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
    checkState(state);
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
   * Validate the request first with {@linkcode validateNtpRequest}.
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
 * Writes a kiss-o'-death answer (RFC 5905 §7.4). The header is what both
 * chrony and ntpd send: LI 3 (unsynchronised), the request's version,
 * mode 4, stratum 0, the kiss code as the reference ID, the request's poll,
 * and origin = the request's transmit timestamp bit for bit, so the client
 * takes it as the answer to its request. Precision, root delay, root
 * dispersion and the reference timestamp are 0: a kiss says nothing about
 * the clock. Receive and transmit both carry `transmit`, the one instant the
 * caller supplies, as chrony fills in real timestamps; LI 3 and stratum 0
 * keep conforming clients from using them. (ntpd instead echoes the
 * client's own transmit timestamp in all three fields, so that even a client
 * ignoring LI and stratum computes nothing useful.)
 *
 * @param request The request datagram (at least 48 bytes, validated).
 * @param code The kiss code: `"RATE"` to slow a client down, `"DENY"` or `"RSTR"` to stop it.
 * @param transmit When the answer leaves.
 * @param out Where to write the answer (at least 48 bytes).
 * @returns The answer's length, 48.
 * @throws {RangeError} If a buffer is too short or the code is not four uppercase letters or digits.
 *
 * @example Usage
 * ```ts
 * import { writeKissOfDeath } from "./responder.ts";
 * const request = new Uint8Array(48);
 * request[0] = 0x23;
 * const out = new Uint8Array(48);
 * writeKissOfDeath(request, "RATE", { seconds: 1_767_225_600, nanos: 0 }, out);
 * if (out[0] !== 0xe4 || out[1] !== 0 || out[12] !== 0x52) throw new Error("LI 3, stratum 0, R");
 * ```
 */
export function writeKissOfDeath(
  request: Uint8Array,
  code: NtpKissCode,
  transmit: Instant,
  out: Uint8Array,
): number {
  checkBuffers(request, out);
  const referenceId = kissCodeToReferenceId(code);
  out.fill(0, 0, NTP_PACKET_SIZE);
  out[NtpOffset.FIRST_BYTE] = packFirstByte(
    NtpLeap.UNSYNCHRONISED,
    replyVersion(request),
    NtpMode.SERVER,
  );
  out[NtpOffset.STRATUM] = NTP_STRATUM_UNSPECIFIED;
  out[NtpOffset.POLL] = request[NtpOffset.POLL];
  putUint32(out, NtpOffset.REFERENCE_ID, referenceId);
  copyTransmitToOrigin(request, out);
  const seconds = ntpSecondsOf(transmit.seconds);
  const fraction = nanosToNtpFraction(transmit.nanos);
  putUint32(out, NtpOffset.RECEIVE_TIME, seconds);
  putUint32(out, NtpOffset.RECEIVE_TIME + 4, fraction);
  putUint32(out, NtpOffset.TRANSMIT_TIME, seconds);
  putUint32(out, NtpOffset.TRANSMIT_TIME + 4, fraction);
  return NTP_PACKET_SIZE;
}

/**
 * Rewrites the transmit timestamp (T3) of an answer already written, for a
 * sender that stamps a whole batch once, just before the batch leaves, so
 * T3 is not early by the time the rest of the batch took.
 *
 * @param answer A 48-byte (or longer) answer from {@linkcode NtpResponder.write} or {@linkcode writeKissOfDeath}.
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

/** The stratum a server with an undisciplined local clock claims by default (chrony's `local stratum 10`). */
export const DEFAULT_LOCAL_STRATUM = 10;

/** The maximum dispersion (RFC 5905 MAXDISP, 16 s): what "error unknown" looks like on the wire. */
export const NTP_MAX_DISPERSION_SECONDS = 16;

/** Inputs of {@linkcode ntpServerState}. */
export interface NtpServerStateInput {
  /**
   * `"always"`: claim synchronised whatever the host clock does (chrony's
   * `local stratum`, for an isolated network). `"kernel"`: claim what the
   * kernel's clock discipline says, so the server is only as synchronised
   * as the NTP daemon keeping the host clock.
   */
  sync: "kernel" | "always";
  /**
   * Stratum claimed while synchronised, 1 to 15.
   *
   * @default {10}
   */
  stratum?: number;
  /**
   * Reference ID claimed while synchronised: 1 to 4 ASCII characters or an IPv4 address.
   *
   * @default {"LOCL"}
   */
  referenceId?: string;
  /** Clock precision, log2 seconds (an integer, -20 for about 1 µs). */
  precision: number;
  /** The kernel clock's status (for `"kernel"`); null when it could not be read. */
  kernel: KernelClockStatus | null;
  /** When this state is computed. */
  now: Instant;
}

/**
 * Decides what the server claims about its clock. Pure: the caller reads
 * the kernel clock and the time, and recomputes the state periodically.
 *
 * - `"always"` (chrony's `local stratum` mode): LI 0, the configured
 *   stratum and reference ID; root delay 0 and root dispersion 0, because
 *   the clock is its own reference (clients still add our precision and
 *   their own measurement); reference time = `now` − 1 s, as chrony's local
 *   mode does, so no transmit timestamp can precede it.
 * - `"kernel"`, kernel clock synchronised: LI from the kernel's leap state,
 *   the configured stratum and reference ID; root delay 0 and root
 *   dispersion = the kernel's `maxerror`. chronyd and ntpd set `maxerror` to
 *   their root distance (root delay / 2 + root dispersion) and the kernel
 *   grows it by 500 µs every second until the next update, so a client's
 *   root distance (delay / 2 + dispersion) comes out equal to that bound.
 *   `esterror` is a statistical estimate, not a bound, and does not age, so
 *   it would understate the error. Reference time = `now`: the last moment
 *   the discipline was seen in force (the daemon's own update time is not
 *   visible to us).
 * - `"kernel"`, unsynchronised (TIME_ERROR or STA_UNSYNC) or unreadable:
 *   LI 3 and stratum 0 (chrony sends stratum 16 as 0); reference ID 0, as
 *   chrony's "no reference": at stratum 0 an ASCII word would read as a
 *   kiss code, and 0 is none; reference time zero ("unknown"); root delay
 *   0 and root dispersion the kernel's `maxerror` (which it caps at 16 s
 *   once unsynchronised), or 16 s (MAXDISP) when unread.
 *
 * @param input Configuration, kernel status and the current time.
 * @returns The state to answer with.
 * @throws {RangeError} If the stratum, reference ID or precision is invalid.
 *
 * @example Usage
 * ```ts
 * import { ntpServerState } from "./responder.ts";
 * const state = ntpServerState({
 *   sync: "always", precision: -20, kernel: null, now: { seconds: 1_767_225_600, nanos: 0 },
 * });
 * if (state.leap !== 0 || state.stratum !== 10) throw new Error("local stratum 10");
 * ```
 */
export function ntpServerState(input: NtpServerStateInput): NtpServerState {
  const stratum = input.stratum ?? DEFAULT_LOCAL_STRATUM;
  if (!Number.isInteger(stratum) || stratum < 1 || stratum > NTP_MAX_SYNCHRONISED_STRATUM) {
    throw new RangeError(`Cannot use NTP stratum "${stratum}": expected an integer from 1 to 15`);
  }
  const referenceId = referenceIdFromText(input.referenceId ?? NTP_REFID_LOCAL_TEXT);
  checkInteger("precision", input.precision, -128, 127);
  const precision = input.precision;
  const { kernel, now } = input;
  if (input.sync === "always") {
    return {
      leap: NtpLeap.NONE,
      stratum,
      referenceId,
      precision,
      rootDelay: 0,
      rootDispersion: 0,
      referenceTime: { seconds: now.seconds - 1, nanos: now.nanos },
    };
  }
  if (kernel === null || !kernel.synchronised) {
    return {
      leap: NtpLeap.UNSYNCHRONISED,
      stratum: NTP_STRATUM_UNSPECIFIED,
      referenceId: NTP_REFID_UNSYNCHRONISED,
      precision,
      rootDelay: 0,
      rootDispersion: kernel === null ? NTP_MAX_DISPERSION_SECONDS : kernel.maxErrorMicros / 1e6,
      referenceTime: null,
    };
  }
  return {
    leap: kernel.leap,
    stratum,
    referenceId,
    precision,
    rootDelay: 0,
    rootDispersion: kernel.maxErrorMicros / 1e6,
    referenceTime: now,
  };
}

function replyVersion(request: Uint8Array): number {
  const version = versionOf(request[NtpOffset.FIRST_BYTE]);
  return version > NTP_MAX_COMPATIBLE_VERSION ? NTP_MAX_COMPATIBLE_VERSION : version;
}

function copyTransmitToOrigin(request: Uint8Array, out: Uint8Array): void {
  for (let i = 0; i < 8; i++) out[NtpOffset.ORIGIN_TIME + i] = request[NtpOffset.TRANSMIT_TIME + i];
}

function putUint32(out: Uint8Array, offset: number, value: number): void {
  out[offset] = value >>> 24;
  out[offset + 1] = value >>> 16;
  out[offset + 2] = value >>> 8;
  out[offset + 3] = value;
}

function kissCodeToReferenceId(code: string): number {
  let id = 0;
  for (let i = 0; i < 4; i++) {
    const c = code.charCodeAt(i);
    if (!((c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39)) || code.length !== 4) {
      throw new RangeError(
        `Cannot send kiss code "${code}": expected four uppercase letters or digits`,
      );
    }
    id = id * 256 + c;
  }
  return id;
}

function checkBuffers(request: Uint8Array, out: Uint8Array): void {
  if (request.length < NTP_PACKET_SIZE) {
    throw new RangeError(
      `Cannot answer NTP request: need "${NTP_PACKET_SIZE}" bytes, got "${request.length}"`,
    );
  }
  if (out.length < NTP_PACKET_SIZE) {
    throw new RangeError(
      `Cannot answer NTP request: output needs "${NTP_PACKET_SIZE}" bytes, has "${out.length}"`,
    );
  }
}

function checkState(state: NtpServerState): void {
  checkInteger("leap", state.leap, 0, 3);
  checkInteger("stratum", state.stratum, 0, 255);
  checkInteger("referenceId", state.referenceId, 0, 0xffff_ffff);
  checkInteger("precision", state.precision, -128, 127);
  for (const name of ["rootDelay", "rootDispersion"] as const) {
    if (!(state[name] >= 0)) {
      throw new RangeError(`Cannot use NTP ${name} "${state[name]}": expected seconds, 0 or more`);
    }
  }
}

function checkInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(
      `Cannot use NTP ${name} "${value}": expected an integer from ${min} to ${max}`,
    );
  }
}
