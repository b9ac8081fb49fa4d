/**
 * Figures about the process, sampled when the metrics are rendered:
 * resident memory and V8 heap (`Deno.memoryUsage()`, no permission), start
 * time and uptime (`performance`), and, when FFI to libc is granted (the
 * `--allow-ffi=/lib/x86_64-linux-gnu/libc.so.6` the kernel clock and
 * sd_notify use), open and maximum file descriptors. Deno 2.9 asks for
 * `--allow-all` to read anything under `/proc/self`, even with
 * `--allow-read`, so the descriptors are counted through libc instead
 * (`getdents64` on `/proc/self/fd`, `getrlimit`); without FFI those two
 * figures are left out.
 *
 * @module
 */

import { processFds } from "./_process_fds.ts";

/** Figures about the process, sampled when rendering. */
export interface ProcessFigures {
  /** Resident set size, bytes. */
  residentBytes: number;
  /** V8 heap in use, bytes. */
  heapUsedBytes: number;
  /** V8 heap reserved, bytes. */
  heapTotalBytes: number;
  /** When the process started, Unix seconds. */
  startTimeSeconds: number;
  /** Seconds since the process started. */
  uptimeSeconds: number;
  /** Open file descriptors, or null when they cannot be counted (no FFI). */
  openFds: number | null;
  /** The open file descriptor limit (soft `RLIMIT_NOFILE`), or null when unknown. */
  maxFds: number | null;
}

/**
 * Samples the process figures: memory from `Deno.memoryUsage()`, times from
 * `performance`, descriptors through libc when FFI is granted.
 *
 * @returns The figures now.
 *
 * @example Usage
 * ```ts
 * import { sampleProcess } from "./process_figures.ts";
 * const figures = sampleProcess();
 * if (!(figures.residentBytes > 0 && figures.uptimeSeconds >= 0)) throw new Error("sampled");
 * ```
 */
export function sampleProcess(): ProcessFigures {
  const memory = Deno.memoryUsage();
  const fds = processFds();
  return {
    residentBytes: memory.rss,
    heapUsedBytes: memory.heapUsed,
    heapTotalBytes: memory.heapTotal,
    startTimeSeconds: round3(performance.timeOrigin / 1000),
    uptimeSeconds: round3(performance.now() / 1000),
    openFds: fds?.open() ?? null,
    maxFds: fds?.max() ?? null,
  };
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
