/**
 * Copying and adding counter snapshots, for the registry that merges its
 * peers' counters and for the totals over reasons.
 *
 * @module
 */

import type { CounterSnapshot } from "./counters.ts";

/**
 * A copy of counters as plain data.
 *
 * @param c Counters (live or a snapshot).
 * @returns A snapshot sharing no object with `c`.
 *
 * @example Usage
 * ```ts
 * import { copySnapshot } from "./_counter_sums.ts";
 * import { ServiceCounters } from "./counters.ts";
 * const live = new ServiceCounters("ntp", "udp", false);
 * const copy = copySnapshot(live);
 * live.drops.malformed++;
 * if (copy.drops.malformed !== 0) throw new Error("a copy");
 * ```
 */
export function copySnapshot(c: CounterSnapshot): CounterSnapshot {
  return {
    service: c.service,
    transport: c.transport,
    sessions: c.sessions,
    requests: c.requests,
    answers: c.answers,
    errors: c.errors,
    drops: { ...c.drops },
    sessionsOpen: c.sessionsOpen,
    sessionsClosed: { ...c.sessionsClosed },
    refused: { ...c.refused },
  };
}

/**
 * The sum of two snapshots of the same service and transport.
 *
 * @param a One snapshot; its service and transport name the sum.
 * @param b The other.
 * @returns Every count added; session figures rendered if either renders them.
 *
 * @example Usage
 * ```ts
 * import { sumSnapshots } from "./_counter_sums.ts";
 * import { ServiceCounters } from "./counters.ts";
 * const a = new ServiceCounters("session", "tcp", true);
 * const b = new ServiceCounters("session", "tcp", true);
 * a.requests = 2;
 * b.requests = 3;
 * b.sessionsClosed.idle = 1;
 * const total = sumSnapshots(a, b);
 * if (total.requests !== 5 || total.sessionsClosed.idle !== 1) throw new Error("summed");
 * ```
 */
export function sumSnapshots(a: CounterSnapshot, b: CounterSnapshot): CounterSnapshot {
  return {
    service: a.service,
    transport: a.transport,
    sessions: a.sessions || b.sessions,
    requests: a.requests + b.requests,
    answers: a.answers + b.answers,
    errors: a.errors + b.errors,
    drops: sumCounts(a.drops, b.drops),
    sessionsOpen: a.sessionsOpen + b.sessionsOpen,
    sessionsClosed: sumCounts(a.sessionsClosed, b.sessionsClosed),
    refused: sumCounts(a.refused, b.refused),
  };
}

/**
 * The total over every reason of a per-reason count.
 *
 * @param counts One count per reason.
 * @returns Their sum.
 *
 * @example Usage
 * ```ts
 * import { sumOf } from "./_counter_sums.ts";
 * if (sumOf({ busy: 1, denied: 2 }) !== 3) throw new Error("3");
 * ```
 */
export function sumOf(counts: Readonly<Record<string, number>>): number {
  let total = 0;
  for (const key in counts) total += counts[key];
  return total;
}

function sumCounts<T extends Readonly<Record<string, number>>>(a: T, b: T): T {
  const total: Record<string, number> = { ...a };
  for (const key in b) total[key] = (total[key] ?? 0) + b[key];
  return total as T;
}
