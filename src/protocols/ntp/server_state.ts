/**
 * What the NTP server claims about its clock in every answer (leap
 * indicator, stratum, reference ID, precision, root delay and dispersion,
 * reference time), and how that claim is decided from the configuration and
 * the kernel's clock discipline.
 *
 * @module
 */

import type { Instant } from "../../time/instant.ts";
import type { KernelClockStatus } from "../../time/kernel_clock.ts";
import {
  NTP_MAX_SYNCHRONISED_STRATUM,
  NTP_REFID_LOCAL_TEXT,
  NTP_REFID_UNSYNCHRONISED,
  NTP_STRATUM_UNSPECIFIED,
  NtpLeap,
  type NtpLeapIndicator,
} from "./constants.ts";
import { referenceIdFromText } from "./packet.ts";

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
 * import { ntpServerState } from "./server_state.ts";
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

/**
 * Checks that every field of a state fits its place in the header.
 *
 * @param state The state to check.
 * @throws {RangeError} If a field is out of range: leap 0 to 3, stratum 0
 * to 255, reference ID unsigned 32-bit, precision -128 to 127, root delay
 * and dispersion 0 or more.
 *
 * @example Usage
 * ```ts
 * import { checkNtpServerState } from "./server_state.ts";
 * const state = {
 *   leap: 0, stratum: 10, referenceId: 0x4c4f434c, precision: -20,
 *   rootDelay: 0, rootDispersion: -1, referenceTime: null,
 * } as const;
 * try {
 *   checkNtpServerState(state);
 *   throw new Error("accepted");
 * } catch (error) {
 *   if (!(error instanceof RangeError)) throw error;
 * }
 * ```
 */
export function checkNtpServerState(state: NtpServerState): void {
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
