/**
 * The one message protocol between the primary and its serving workers
 * (`--workers N`):
 *
 * - in: `start` (the `serve` arguments, the listeners to bind, whether to
 *   serve UDP, the shared session counters, the engine, the process's start)
 * - out: `ready` or `error`; then every {@linkcode METRICS_INTERVAL_MS},
 *   `metrics` (this worker's counters), answered by in: `peers` (everyone
 *   else's), so `stats` in any isolate and `/metrics` count the whole process
 * - in: `collect`; out: `metrics` at once (the primary renders `/metrics` fresh)
 * - in: `reload` (the reloaded configuration as `serve` arguments): applied in place
 * - in: `shutdown`; out: `stopped`
 *
 * @module
 */

import type { IoName } from "../io/engine.ts";
import type { CounterSnapshot, GaugeSnapshot } from "../ops/counters.ts";
import type { BoundListener } from "./bind.ts";

/** How often a worker posts its counters (ms). */
export const METRICS_INTERVAL_MS = 1000;

/** A message from the primary to a worker. */
export type ToWorker =
  | {
    type: "start";
    /** The `serve` arguments, parsed again in the worker. */
    args: string[];
    /** The listeners to bind (resolved by the primary). */
    listeners: BoundListener[];
    /** Whether this worker serves the UDP listeners too. */
    serveUdp: boolean;
    /** The session counters shared by every isolate. */
    limitsBuffer: SharedArrayBuffer;
    /** The HTTP connection counters shared by every isolate. */
    httpLimitsBuffer: SharedArrayBuffer;
    /** The engine to serve on. */
    io: IoName;
    /** The primary's `performance.timeOrigin`: one start for `go`'s `m=`. */
    originMs: number;
    /** The Roughtime long-term key's seed (null: no Roughtime listener). */
    roughtimeSeed: Uint8Array | null;
  }
  | { type: "shutdown"; timeoutMs: number }
  | { type: "collect" }
  | { type: "reload"; args: string[] }
  | { type: "peers"; peers: [name: string, snapshot: readonly CounterSnapshot[]][] };

/** A message from a worker to the primary. */
export type FromWorker =
  | { type: "ready" }
  | { type: "error"; message: string; bind: boolean }
  | { type: "stopped" }
  | { type: "metrics"; snapshot: CounterSnapshot[]; gauges: GaugeSnapshot[] };
