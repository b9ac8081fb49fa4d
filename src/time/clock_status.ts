/**
 * What clockd claims about the host clock: synchronised or not, how
 * accurate, at which stratum. One place decides it, for the NTP answers and
 * for the session protocol's `status` command.
 *
 * `--ntp-sync kernel` (the default on Linux) reads the kernel's clock
 * discipline (`ntp_adjtime` with modes 0, read only, through FFI scoped to
 * libc) once a second: while the kernel says unsynchronised (no NTP daemon
 * disciplines the clock), NTP answers LI=3 and stratum 0 as chrony does.
 * `--ntp-sync always` claims the configured stratum regardless (chrony's
 * `local stratum`). Without FFI, or off Linux, `kernel` falls back to
 * `always` and says so once.
 *
 * The leap indicator comes from the kernel when it has a leap second
 * pending (the NTP daemon armed it), otherwise from the leap-seconds table
 * when one is given (`leapSeconds`: 1 or 2 during the last day before a
 * leap in the file); unsynchronised stays 3. See {@linkcode announcedLeap}.
 *
 * @module
 */

import { type Clock, measureResolution } from "./clock.ts";
import type { Instant } from "./instant.ts";
import type { LeapAnnouncement } from "./leap_table.ts";
import { type KernelClock, type KernelClockStatus, openKernelClock } from "./kernel_clock.ts";
import type { NtpLeapIndicator } from "../protocols/ntp/constants.ts";
import { type NtpServerState, ntpServerState } from "../protocols/ntp/server_state.ts";

/** How the synchronisation state is decided. */
export type SyncMode = "kernel" | "always";

/** Settings of a {@linkcode ClockStatus}. */
export interface ClockStatusOptions {
  /** `kernel` or `always`. */
  sync: SyncMode;
  /** Stratum claimed while synchronised (1 to 15). */
  stratum: number;
  /** Reference ID claimed while synchronised (up to 4 ASCII characters). */
  referenceId: string;
  /** The clock answers are stamped with. */
  clock: Clock;
  /**
   * Reads the kernel clock; injected by tests.
   *
   * @default {openKernelClock() through FFI}
   */
  kernel?: KernelClock | { error: string };
  /**
   * The leap-seconds table's announcement (a `LeapSeconds`), used when the
   * kernel has no leap pending; read on every refresh, so a reload counts.
   *
   * @default {none: only the kernel announces leap seconds}
   */
  leapSeconds?: LeapIndicatorSource;
}

/** What a leap-seconds table calls for at an instant: 0, 1 (insert) or 2 (delete). */
export interface LeapIndicatorSource {
  /**
   * The leap indicator at an instant.
   *
   * @param now The instant.
   * @returns 0, 1 or 2.
   */
  leapIndicator(now: Instant): LeapAnnouncement;
}

/**
 * Combines the leap indicator the clock state claims with the table's: an
 * unsynchronised claim (3) stands, a leap the kernel has pending (1 or 2)
 * wins, and only a claim of 0 takes the table's announcement. With `sync
 * always` the claim is 0, so the table alone announces.
 *
 * @param claimed The indicator from the kernel state (or 0 for `always`).
 * @param fromTable What the leap-seconds table calls for now.
 * @returns The indicator to send.
 *
 * @example Usage
 * ```ts
 * import { announcedLeap } from "./clock_status.ts";
 * if (announcedLeap(0, 1) !== 1 || announcedLeap(2, 1) !== 2 || announcedLeap(3, 1) !== 3) {
 *   throw new Error();
 * }
 * ```
 */
export function announcedLeap(
  claimed: NtpLeapIndicator,
  fromTable: LeapAnnouncement,
): NtpLeapIndicator {
  return claimed === 0 ? fromTable : claimed;
}

/**
 * The clock's state, refreshed by {@linkcode ClockStatus.refresh}.
 *
 * @example Usage
 * ```ts
 * import { ClockStatus } from "./clock_status.ts";
 * import { systemClock } from "./clock.ts";
 * const status = new ClockStatus({ sync: "always", stratum: 10, referenceId: "LOCL", clock: systemClock });
 * if (status.ntpState.stratum !== 10) throw new Error();
 * ```
 */
export class ClockStatus {
  /** The mode in force (`kernel` may have fallen back to `always`). */
  readonly sync: SyncMode;
  /** Why `kernel` fell back to `always`, if it did. */
  readonly fallbackReason: string | null = null;
  /** The clock's precision, log2 seconds, measured at start. */
  readonly precision: number;
  readonly #options: ClockStatusOptions;
  readonly #kernel: KernelClock | null = null;
  #kernelStatus: KernelClockStatus | null = null;
  #state!: NtpServerState;

  /** @param options Mode, stratum, reference ID, clock, kernel and leap sources. */
  constructor(options: ClockStatusOptions) {
    this.#options = options;
    this.precision = Math.round(Math.log2(measureResolution(options.clock)));
    let sync = options.sync;
    if (sync === "kernel") {
      const kernel = options.kernel ?? openKernelClock();
      if ("error" in kernel) {
        sync = "always";
        this.fallbackReason = kernel.error;
      } else {
        this.#kernel = kernel;
      }
    }
    this.sync = sync;
    this.refresh();
  }

  /**
   * The kernel clock read for the state, or null (`--ntp-sync always`, or
   * no FFI): others may ask it whether the clock shows an inserted leap second.
   */
  get kernelClock(): KernelClock | null {
    return this.#kernel;
  }

  /** What NTP answers claim now. */
  get ntpState(): NtpServerState {
    return this.#state;
  }

  /**
   * The kernel's maximum error bound (`maxerror`), in seconds, as of the last
   * {@linkcode ClockStatus.refresh}: null unless the kernel was read and says
   * synchronised (so always null under `--ntp-sync always`, which claims
   * synchronisation without a bound).
   */
  get errorBoundSeconds(): number | null {
    const kernel = this.#kernelStatus;
    return kernel !== null && kernel.synchronised ? kernel.maxErrorMicros / 1e6 : null;
  }

  /** Re-reads the kernel clock and recomputes the state. Cheap: one syscall. */
  refresh(): void {
    if (this.#kernel !== null) {
      try {
        this.#kernelStatus = this.#kernel.read();
      } catch {
        this.#kernelStatus = null;
      }
    }
    const now = this.#options.clock.now();
    const state = ntpServerState({
      sync: this.sync,
      stratum: this.#options.stratum,
      referenceId: this.#options.referenceId,
      precision: this.precision,
      kernel: this.#kernelStatus,
      now,
    });
    const leap = announcedLeap(state.leap, this.#options.leapSeconds?.leapIndicator(now) ?? 0);
    this.#state = leap === state.leap ? state : { ...state, leap };
  }

  /**
   * One line for the `status` command and the startup log.
   *
   * @returns e.g. `OK synchronised=no stratum=0 error=16.000000s sync=kernel precision=2^-20s`.
   */
  statusLine(): string {
    const state = this.#state;
    const synchronised = state.leap !== 3;
    let error = "unknown";
    if (this.sync === "kernel") {
      const micros = synchronised && this.#kernelStatus !== null
        ? this.#kernelStatus.estErrorMicros
        : state.rootDispersion * 1e6;
      error = `${(micros / 1e6).toFixed(6)}s`;
    }
    return `OK synchronised=${synchronised ? "yes" : "no"} stratum=${state.stratum} ` +
      `error=${error} sync=${this.sync} precision=2^${this.precision}s`;
  }

  /** Releases the kernel clock handle. */
  close(): void {
    this.#kernel?.close();
  }
}
