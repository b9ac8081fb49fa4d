/**
 * The clock state every serving isolate builds the same way: the
 * leap-seconds table in force and the {@linkcode ClockStatus} that reads
 * it, re-read every {@linkcode CLOCK_STATUS_REFRESH_MS}.
 *
 * @module
 */

import type { ServeConfig } from "../cli/serve_config.ts";
import type { Clock } from "../time/clock.ts";
import { ClockStatus } from "../time/clock_status.ts";
import { LeapSeconds, type LeapTable, loadLeapSecondsSync } from "../time/leap_seconds.ts";

/** How often every isolate re-reads the clock state (the kernel's discipline), in ms. */
export const CLOCK_STATUS_REFRESH_MS = 1000;

/** A {@linkcode ClockStatus} kept fresh by a timer, until {@linkcode WatchedClock.close}. */
export interface WatchedClock {
  /** The clock state; its leap indicator reads {@linkcode WatchedClock.leapSeconds}. */
  readonly status: ClockStatus;
  /** The leap-seconds table in force (the file's, or the built-in one). */
  readonly leapSeconds: LeapSeconds;
  /**
   * Reads the leap-seconds file again (SIGHUP) and puts its table in force.
   *
   * @param config The reloaded configuration (`--leap-file`).
   * @returns The table now in force.
   */
  reloadLeapSeconds(config: ServeConfig): LeapTable;
  /** Stops the refresh and releases the kernel clock. */
  close(): void;
}

/**
 * The leap-seconds table a configuration asks for: `--leap-file`, or the
 * system's. Never throws: a missing or bad file gives the built-in table
 * and says why in its `reason`.
 *
 * @param config The resolved configuration.
 * @returns The table.
 *
 * @example Usage
 * ```ts
 * import { parseServeArgs, type ServeConfig } from "../cli/serve_config.ts";
 * import { loadConfiguredLeapSeconds } from "./clock_watch.ts";
 * const config = parseServeArgs(["--leap-file", "/nonexistent.list"]) as ServeConfig;
 * if (loadConfiguredLeapSeconds(config).source !== "built-in") throw new Error();
 * ```
 */
export function loadConfiguredLeapSeconds(config: ServeConfig): LeapTable {
  return loadLeapSecondsSync({ path: config.leapFile ?? undefined });
}

/**
 * The clock state the configuration asks for (`--ntp-sync`, `--ntp-stratum`,
 * `--ntp-refid`, `--leap-file`), re-read every {@linkcode CLOCK_STATUS_REFRESH_MS}:
 * the one way every isolate, primary or worker, builds it.
 *
 * @param config The resolved configuration.
 * @param clock Where "now" comes from.
 * @returns The state, the leap table and `close()`.
 *
 * @example Usage
 * ```ts
 * import { parseServeArgs, type ServeConfig } from "../cli/serve_config.ts";
 * import { systemClock } from "../time/clock.ts";
 * import { watchClock } from "./clock_watch.ts";
 * const config = parseServeArgs(["--ntp-sync", "always"]) as ServeConfig;
 * const clock = watchClock(config, systemClock);
 * if (!clock.status.statusLine().includes("synchronised=yes")) throw new Error();
 * clock.close();
 * ```
 */
export function watchClock(config: ServeConfig, clock: Clock): WatchedClock {
  const leapSeconds = new LeapSeconds(loadConfiguredLeapSeconds(config));
  const status = new ClockStatus({
    sync: config.ntpSync,
    stratum: config.ntpStratum,
    referenceId: config.ntpRefid,
    clock,
    leapSeconds,
  });
  const refresh = setInterval(() => status.refresh(), CLOCK_STATUS_REFRESH_MS);
  return {
    status,
    leapSeconds,
    reloadLeapSeconds(next) {
      leapSeconds.replace(loadConfiguredLeapSeconds(next));
      status.refresh();
      return leapSeconds.table;
    },
    close() {
      clearInterval(refresh);
      status.close();
    },
  };
}
