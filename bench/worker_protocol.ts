/**
 * What the benchmark's parent and its load-generator processes
 * (`load_worker.ts`) say to each other: the spec a process is started with,
 * and the JSON lines it prints back.
 *
 * @module
 */

import type { HistogramData } from "./stats.ts";
import type { WorkloadName } from "./workloads.ts";

/** What one load process is asked to do. */
export interface WorkerSpec {
  /** The workload to run. */
  workload: WorkloadName;
  /** The listener's address (loopback). */
  hostname: string;
  /** The listener's port. */
  port: number;
  /** Clients of this process (for `idle`, sessions). */
  clients: number;
  /** Seconds run before measuring (not for `idle`). */
  warmupSeconds: number;
  /** Seconds measured (not for `idle`). */
  seconds: number;
  /** An answer later than this (ms) is an error. */
  timeoutMs: number;
  /**
   * The server's Roughtime long-term public key, base64, from its startup
   * line: `roughtime-udp` fully verifies some answers with it; null (or
   * absent) checks the framing only.
   *
   * @default {null}
   */
  roughtimePublicKey?: string | null;
}

/** What a load process reports when done. */
export interface WorkerResult {
  /** Answers within the measured window (pipelined: lines). */
  ops: number;
  /** Length of the measured window, seconds (0 for `idle`). */
  windowSeconds: number;
  /** Failed asks: wrong answer, timeout, refused or reset connection. */
  errors: number;
  /** The first error's message, or null. */
  firstError: string | null;
  /** Latencies of the measured asks (pipelined: per batch), µs. */
  histogram: HistogramData;
  /** Sessions or clients set up; for `idle`, sessions that answered both asks. */
  held: number;
  /** NTP answers to an earlier ask, skipped. */
  stale: number;
  /** Answers fully verified (Roughtime signatures and Merkle path), whenever they came. */
  verified: number;
  /** CPU seconds (user + system) this process used in the measured window; null for `idle`. */
  cpuSeconds: number | null;
}

/** A line a load process prints on stdout. */
export type WorkerMessage =
  | { event: "ready"; held: number }
  | ({ event: "result" } & WorkerResult);
