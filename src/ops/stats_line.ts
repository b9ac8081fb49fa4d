/**
 * The session protocol's `stats` answer: clockd's counters and a few
 * process figures on one short line.
 *
 * @module
 */

import type { CounterSnapshot } from "./counters.ts";
import { sumOf } from "./_counter_sums.ts";
import type { ProcessFigures } from "./process_figures.ts";

/** The longest {@linkcode statsLine}, in bytes, line ending excluded. */
export const MAX_STATS_LINE_BYTES = 999;

/**
 * One line for the session protocol's `stats` command:
 * `OK up=SECONDS rss=NMiB [fds=N]` (resident memory in whole MiB, unit
 * written), then per counter
 * `SERVICE/TRANSPORT req=N ans=N err=N drop=N`, and for TCP
 * `open=N closed=N refused=N`. Drops, closes and refusals are totals over
 * their reasons (`/metrics` has them by reason). At most
 * {@linkcode MAX_STATS_LINE_BYTES} bytes: counters that do not fit are
 * replaced by `...`.
 *
 * @param counters The counters of every service and transport, in order.
 * @param figures The process figures.
 * @returns E.g. `OK up=3600 rss=48MiB session/tcp req=12 ans=12 err=0 drop=0 open=3 closed=9 refused=0`.
 *
 * @example Usage
 * ```ts
 * import { statsLine } from "./stats_line.ts";
 * import { ServiceCounters } from "./counters.ts";
 * const ntp = new ServiceCounters("ntp", "udp", false);
 * ntp.requests = 2;
 * ntp.answers = 1;
 * ntp.drops.malformed = 1;
 * const line = statsLine([ntp], {
 *   residentBytes: 50_331_648, heapUsedBytes: 1, heapTotalBytes: 1, startTimeSeconds: 0,
 *   uptimeSeconds: 3600.5, openFds: null, maxFds: null,
 * });
 * if (line !== "OK up=3600 rss=48MiB ntp/udp req=2 ans=1 err=0 drop=1") throw new Error(line);
 * ```
 */
export function statsLine(counters: readonly CounterSnapshot[], figures: ProcessFigures): string {
  const up = Math.floor(figures.uptimeSeconds);
  let line = `OK up=${up} rss=${Math.round(figures.residentBytes / 1048576)}MiB`;
  if (figures.openFds !== null) line += ` fds=${figures.openFds}`;
  for (const c of counters) {
    let part = ` ${c.service}/${c.transport} req=${c.requests} ans=${c.answers} ` +
      `err=${c.errors} drop=${sumOf(c.drops)}`;
    if (c.sessions) {
      part += ` open=${c.sessionsOpen} closed=${sumOf(c.sessionsClosed)} ` +
        `refused=${sumOf(c.refused)}`;
    }
    if (line.length + part.length > MAX_STATS_LINE_BYTES - 4) return `${line} ...`;
    line += part;
  }
  return line;
}
