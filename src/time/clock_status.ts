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
 * @module
 */

import { type Clock, measureResolution } from "./clock.ts";
import { type KernelClock, type KernelClockStatus, openKernelClock } from "./kernel_clock.ts";
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

  /** @param options Mode, stratum, reference ID, clock and kernel source. */
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
    this.#state = ntpServerState({
      sync: this.sync,
      stratum: this.#options.stratum,
      referenceId: this.#options.referenceId,
      precision: this.precision,
      kernel: this.#kernelStatus,
      now: this.#options.clock.now(),
    });
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
