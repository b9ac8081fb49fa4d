/**
 * The benchmark's results: one row per workload ({@linkcode WorkloadResult}),
 * the sum of its load processes' reports, and the row of a workload that did
 * not run.
 *
 * @module
 */

import { LatencyHistogram } from "./stats.ts";
import type { WorkerResult } from "./worker_protocol.ts";
import type { Workload, WorkloadName } from "./workloads.ts";

/** Figures of the idle workload. */
export interface IdleFigures {
  /** Sessions that answered both asks. */
  held: number;
  /** Server RSS before the sessions opened (bytes). */
  rssBeforeBytes: number | null;
  /** Server RSS at the end of the silence, every session held (bytes). */
  rssHeldBytes: number | null;
  /** (RSS held − RSS before) ÷ sessions held through the silence. */
  bytesPerSession: number | null;
}

/** One workload's merged figures: a row of the table. */
export interface WorkloadResult {
  /** The workload. */
  workload: WorkloadName;
  /** Clients (idle: sessions). */
  clients: number;
  /** Load processes used. */
  processes: number;
  /** `ran`; `skipped` when clockd has no listener for it; `failed` when it could not finish. */
  status: "ran" | "skipped" | "failed";
  /** Why it was skipped or failed, or null. */
  reason: string | null;
  /** Answers counted (pipelined: lines). */
  ops: number;
  /** Answers per second over the measured window; null for idle. */
  opsPerSecond: number | null;
  /** Median latency, µs (pipelined: per batch); null when nothing was measured. */
  p50Us: number | null;
  /** 99th percentile latency, µs. */
  p99Us: number | null;
  /** Largest latency, µs. */
  maxUs: number | null;
  /** Failed asks in all processes. */
  errors: number;
  /** The first error reported, or null. */
  firstError: string | null;
  /** NTP answers to an earlier ask, skipped (not errors). */
  stale: number;
  /** Answers fully verified (Roughtime: signatures and Merkle path). */
  verified: number;
  /** Server RSS: the highest sample while loaded (idle: while held), bytes. */
  serverRssBytes: number | null;
  /** clockd's CPU time (user + system, every thread) per answer in the measured window, µs; null for idle. */
  serverCpuUsPerOp: number | null;
  /** The load processes' CPU time per answer in the measured window, µs; null for idle. */
  loadCpuUsPerOp: number | null;
  /** Idle workload figures; null for the others. */
  idle: IdleFigures | null;
}

/** What the load processes' reports add up to. */
export interface MergedResults {
  /** Sum of answers. */
  ops: number;
  /** Sum of each process's answers ÷ its window (they run at the same time). */
  opsPerSecond: number;
  /** Sum of errors. */
  errors: number;
  /** The first process's first error, or null. */
  firstError: string | null;
  /** All latencies. */
  histogram: LatencyHistogram;
  /** Sum of held sessions or clients. */
  held: number;
  /** Sum of stale answers. */
  stale: number;
  /** Sum of fully verified answers. */
  verified: number;
  /** Sum of the processes' CPU seconds in the window; null when any did not say. */
  cpuSeconds: number | null;
}

/**
 * Merges the reports of the load processes of one workload.
 *
 * @param results One report per process.
 * @returns The totals, with one histogram of every latency.
 *
 * @example Usage
 * ```ts
 * import { mergeResults } from "./results.ts";
 * const empty = { count: 0, min: 0, max: 0, sum: 0, buckets: [] };
 * const one = {
 *   ops: 10, windowSeconds: 2, errors: 0, firstError: null, histogram: empty, held: 1, stale: 0, verified: 0,
 *   cpuSeconds: 0.5,
 * };
 * if (mergeResults([one, one]).opsPerSecond !== 10) throw new Error("5/s twice");
 * ```
 */
export function mergeResults(results: readonly WorkerResult[]): MergedResults {
  const histogram = new LatencyHistogram();
  const merged: MergedResults = {
    ops: 0,
    opsPerSecond: 0,
    errors: 0,
    firstError: null,
    histogram,
    held: 0,
    stale: 0,
    verified: 0,
    cpuSeconds: results.length === 0 ? null : 0,
  };
  for (const result of results) {
    merged.ops += result.ops;
    if (result.windowSeconds > 0) merged.opsPerSecond += result.ops / result.windowSeconds;
    merged.errors += result.errors;
    merged.firstError ??= result.firstError;
    merged.held += result.held;
    merged.stale += result.stale;
    merged.verified += result.verified;
    merged.cpuSeconds = merged.cpuSeconds === null || result.cpuSeconds === null
      ? null
      : merged.cpuSeconds + result.cpuSeconds;
    histogram.merge(LatencyHistogram.fromJSON(result.histogram));
  }
  return merged;
}

/**
 * The row of a workload that did not run.
 *
 * @param workload The workload.
 * @param clients Its clients.
 * @param status Skipped or failed.
 * @param reason Why.
 * @returns A row with no figures.
 *
 * @example Usage
 * ```ts
 * import { notRun } from "./results.ts";
 * import { getWorkload } from "./workloads.ts";
 * const row = notRun(getWorkload("ntp"), 16, "skipped", "no listener");
 * if (row.opsPerSecond !== null || row.status !== "skipped") throw new Error();
 * ```
 */
export function notRun(
  workload: Workload,
  clients: number,
  status: "skipped" | "failed",
  reason: string,
): WorkloadResult {
  return {
    workload: workload.name,
    clients,
    processes: 0,
    status,
    reason,
    ops: 0,
    opsPerSecond: null,
    p50Us: null,
    p99Us: null,
    maxUs: null,
    errors: 0,
    firstError: null,
    stale: 0,
    verified: 0,
    serverRssBytes: null,
    serverCpuUsPerOp: null,
    loadCpuUsPerOp: null,
    idle: null,
  };
}
