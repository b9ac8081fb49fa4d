/**
 * Reads the Linux kernel's clock discipline state, the one the local NTP
 * daemon (chronyd, ntpd, systemd-timesyncd) keeps up to date, by calling
 * glibc's `ntp_adjtime()` through FFI with `modes = 0`: a pure read that
 * never adjusts the clock and needs no privilege.
 *
 * The FFI permission must name the library by absolute path. Deno resolves
 * a bare name in `--allow-ffi=libc.so.6` against the working directory, so
 * only `--allow-ffi=/lib/x86_64-linux-gnu/libc.so.6` (the exact string later
 * passed to `Deno.dlopen`; a symlinked alias such as
 * `/usr/lib/x86_64-linux-gnu/libc.so.6` is a different path to the
 * permission check) or an unscoped `--allow-ffi` work.
 *
 * @module
 */

import type { Instant } from "./instant.ts";

/** Kernel clock states, the return value of `ntp_adjtime()` (`<sys/timex.h>`). */
export const TimeState = {
  /** Clock synchronised, no leap second pending. */
  OK: 0,
  /** A leap second will be inserted at the end of the UTC day. */
  INS: 1,
  /** A leap second will be deleted at the end of the UTC day. */
  DEL: 2,
  /** Leap second in progress. */
  OOP: 3,
  /** Leap second has occurred. */
  WAIT: 4,
  /** Clock not synchronised (STA_UNSYNC or STA_CLOCKERR set). */
  ERROR: 5,
} as const;

/** Status bits of `struct timex` (`<sys/timex.h>`). */
export const TimexStatus = {
  /** Phase-locked loop updates enabled. */
  PLL: 0x0001,
  /** PPS frequency discipline enabled. */
  PPSFREQ: 0x0002,
  /** PPS time discipline enabled. */
  PPSTIME: 0x0004,
  /** Frequency-locked loop mode. */
  FLL: 0x0008,
  /** Insert a leap second at the end of the day. */
  INS: 0x0010,
  /** Delete a leap second at the end of the day. */
  DEL: 0x0020,
  /** Clock unsynchronised. */
  UNSYNC: 0x0040,
  /** Frequency hold. */
  FREQHOLD: 0x0080,
  /** PPS signal present. */
  PPSSIGNAL: 0x0100,
  /** PPS signal jitter exceeded. */
  PPSJITTER: 0x0200,
  /** PPS signal wander exceeded. */
  PPSWANDER: 0x0400,
  /** PPS signal calibration error. */
  PPSERROR: 0x0800,
  /** Clock hardware fault. */
  CLOCKERR: 0x1000,
  /** Nanosecond resolution (offset and time.tv_usec in ns). */
  NANO: 0x2000,
  /** FLL mode selected. */
  MODE: 0x4000,
  /** Clock source (A or B). */
  CLK: 0x8000,
} as const;

/** Size of glibc's `struct timex` on 64-bit Linux (x86_64, aarch64), padding included. */
export const TIMEX_SIZE = 208;

/**
 * Byte offsets of the fields read from `struct timex` on LP64 glibc
 * (x86_64 and aarch64; checked with `offsetof` on x86_64 glibc 2.36).
 * `long` fields are 8 bytes, `int` fields 4 bytes followed by padding.
 */
export const TimexOffset = {
  /** `unsigned int modes`. */
  MODES: 0,
  /** `long offset`. */
  OFFSET: 8,
  /** `long freq`. */
  FREQ: 16,
  /** `long maxerror`, microseconds. */
  MAXERROR: 24,
  /** `long esterror`, microseconds. */
  ESTERROR: 32,
  /** `int status`. */
  STATUS: 40,
  /** `long precision`, microseconds. */
  PRECISION: 56,
  /** `struct timeval time`: `long tv_sec`, then `long tv_usec` (nanoseconds with STA_NANO). */
  TIME: 72,
  /** `int tai`. */
  TAI: 160,
} as const;

/** The kernel clock's synchronisation state as an NTP server needs it. */
export interface KernelClockStatus {
  /** True when the state is not TIME_ERROR and STA_UNSYNC is clear. */
  synchronised: boolean;
  /** The `ntp_adjtime()` return value: a {@linkcode TimeState}, or -1 on failure. */
  state: number;
  /** The STA_* status bits. */
  status: number;
  /** Maximum error bound, microseconds: set by the daemon, grown by the kernel 500 µs per second. */
  maxErrorMicros: number;
  /** Estimated error (the daemon's statistical estimate), microseconds. */
  estErrorMicros: number;
  /** The leap indicator to announce: 3 unless synchronised, else 1 or 2 for a pending leap. */
  leap: 0 | 1 | 2 | 3;
  /**
   * CLOCK_REALTIME when the kernel answered (`time`: nanoseconds with
   * STA_NANO, else microseconds). Read in the same call as `state`, so
   * during an inserted leap second (state TIME_OOP) it is the repeated
   * 23:59:59 and the pair says which of the two it is.
   */
  time: Instant;
  /** TAI − UTC as the daemon told the kernel (`tai`), 0 if it never did. */
  tai: number;
}

/**
 * Whether a kernel reading falls in an inserted leap second: the state is
 * TIME_OOP, and its `time` is the second copy of 23:59:59, which is
 * 23:59:60 UTC. Linux reports TIME_OOP (and steps the time back) from the
 * leap itself, even before the next tick applies it.
 *
 * @param status A reading from {@linkcode KernelClock.read}.
 * @returns `true` during the inserted second.
 *
 * @example Usage
 * ```ts
 * import { decodeTimex, insertedLeapSecond, TIMEX_SIZE, TimeState } from "./kernel_clock.ts";
 * if (!insertedLeapSecond(decodeTimex(new Uint8Array(TIMEX_SIZE), TimeState.OOP))) throw new Error();
 * ```
 */
export function insertedLeapSecond(status: KernelClockStatus): boolean {
  return status.state === TimeState.OOP;
}

/**
 * Decodes a `struct timex` filled by `ntp_adjtime()`. Pure, so tests feed it
 * fixed bytes.
 *
 * The leap indicator is 3 when unsynchronised. Otherwise it is 1 while
 * STA_INS is set and the state is TIME_OK, TIME_INS or TIME_OOP (before and
 * during the inserted second), 2 while STA_DEL is set and the state is
 * TIME_OK or TIME_DEL, and 0 otherwise: in TIME_WAIT the leap is over even
 * though the daemon has not cleared the bit yet.
 *
 * @param bytes At least {@linkcode TIMEX_SIZE} bytes, little-endian (both supported targets are).
 * @param returnValue What `ntp_adjtime()` returned.
 * @returns The status.
 * @throws {RangeError} If `bytes` is shorter than the struct.
 *
 * @example Usage
 * ```ts
 * import { decodeTimex, TIMEX_SIZE, TimexOffset } from "./kernel_clock.ts";
 * const timex = new Uint8Array(TIMEX_SIZE);
 * new DataView(timex.buffer).setInt32(TimexOffset.STATUS, 0x0040, true); // STA_UNSYNC
 * const status = decodeTimex(timex, 5); // TIME_ERROR
 * if (status.synchronised || status.leap !== 3) throw new Error("unsynchronised");
 * ```
 */
export function decodeTimex(bytes: Uint8Array, returnValue: number): KernelClockStatus {
  if (bytes.length < TIMEX_SIZE) {
    throw new RangeError(
      `Cannot decode struct timex: need "${TIMEX_SIZE}" bytes, got "${bytes.length}"`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, TIMEX_SIZE);
  const status = view.getInt32(TimexOffset.STATUS, true);
  const subsecond = Number(view.getBigInt64(TimexOffset.TIME + 8, true));
  const synchronised = returnValue >= TimeState.OK && returnValue < TimeState.ERROR &&
    (status & TimexStatus.UNSYNC) === 0;
  let leap: 0 | 1 | 2 | 3 = 3;
  if (synchronised) {
    if (
      (status & TimexStatus.INS) !== 0 &&
      (returnValue === TimeState.OK || returnValue === TimeState.INS ||
        returnValue === TimeState.OOP)
    ) leap = 1;
    else if (
      (status & TimexStatus.DEL) !== 0 &&
      (returnValue === TimeState.OK || returnValue === TimeState.DEL)
    ) leap = 2;
    else leap = 0;
  }
  return {
    synchronised,
    state: returnValue,
    status,
    maxErrorMicros: Number(view.getBigInt64(TimexOffset.MAXERROR, true)),
    estErrorMicros: Number(view.getBigInt64(TimexOffset.ESTERROR, true)),
    leap,
    time: {
      seconds: Number(view.getBigInt64(TimexOffset.TIME, true)),
      nanos: (status & TimexStatus.NANO) !== 0 ? subsecond : subsecond * 1000,
    },
    tai: view.getInt32(TimexOffset.TAI, true),
  };
}

/** An open handle on the kernel clock. */
export interface KernelClock {
  /** Reads the current status (one `ntp_adjtime()` call with `modes = 0`). */
  read(): KernelClockStatus;
  /** Unloads the library; idempotent. */
  close(): void;
}

/** Options of {@linkcode openKernelClock}. */
export interface KernelClockOptions {
  /**
   * Absolute path of glibc to load; must match the `--allow-ffi=` path
   * exactly. When undefined, the {@linkcode LIBC_CANDIDATES} of this
   * architecture for which FFI is granted are tried in order.
   *
   * @default {undefined}
   */
  libraryPath?: string;
}

/** Where glibc lives, by architecture (re-exported from `../io/linux/libc.ts`). */
export { LIBC_CANDIDATES } from "../io/linux/libc.ts";

import { openLibc } from "../io/linux/libc.ts";

const SYMBOLS = {
  ntp_adjtime: { parameters: ["buffer"], result: "i32" },
} as const;

/**
 * Opens the kernel clock through FFI. Never throws and never prompts: FFI
 * permission is queried first, and every failure (not Linux, unsupported
 * architecture, permission not granted, library missing) comes back as
 * `{ error }` so the caller can fall back and log why.
 *
 * @param options Which library to load.
 * @returns The handle, or `{ error }` with a sentence saying why not.
 *
 * @example Usage
 * ```ts ignore
 * import { openKernelClock } from "./kernel_clock.ts";
 * const clock = openKernelClock();
 * if ("error" in clock) console.warn(clock.error);
 * else { console.log(clock.read()); clock.close(); }
 * ```
 */
export function openKernelClock(options: KernelClockOptions = {}): KernelClock | { error: string } {
  const library = openLibc(SYMBOLS, "Kernel clock status", options.libraryPath);
  return "error" in library ? library : handleOn(library);
}

function handleOn(library: Deno.DynamicLibrary<typeof SYMBOLS>): KernelClock {
  const timex = new Uint8Array(TIMEX_SIZE);
  let open = true;
  return {
    read(): KernelClockStatus {
      if (!open) throw new TypeError("Cannot read the kernel clock: the handle is closed");
      // modes = 0 (the whole buffer zeroed): read only, never adjust.
      timex.fill(0);
      const returnValue = library.symbols.ntp_adjtime(timex);
      return decodeTimex(timex, returnValue);
    },
    close(): void {
      if (!open) return;
      open = false;
      library.close();
    },
  };
}
