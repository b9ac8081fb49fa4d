/**
 * The entry of a TCP worker: a Web Worker running the same server on the
 * primary's TCP ports (SO_REUSEPORT lets the kernel spread connections over
 * the workers), with the primary's shared session counters. It speaks a
 * small message protocol with {@linkcode WorkerPool}:
 *
 * - in: `{ type: "start", args, listeners, limitsBuffer }`, then `{ type: "shutdown", timeoutMs }`
 * - out: `{ type: "ready" }` or `{ type: "error", message }`, then `{ type: "stopped" }`
 * - every {@linkcode METRICS_INTERVAL_MS}, out: `{ type: "metrics", snapshot }` (this
 *   worker's counters), answered by in: `{ type: "peers", peers }` (everyone else's),
 *   so `stats` in any isolate and `/metrics` in the primary count the whole process
 *
 * `deno compile` must `--include` this file (the `compile` task does).
 *
 * @module
 */

import { closeLogging, setupLogging } from "../../ops/log.ts";
import type { CounterSnapshot } from "../../ops/metrics.ts";
import { parseServeArgs } from "../../cli/serve_config.ts";
import { type BoundListener, type Server, startServer } from "../../server/server.ts";

/** A message from the primary to a worker. */
export type ToWorker =
  | {
    type: "start";
    args: string[];
    listeners: BoundListener[];
    limitsBuffer: SharedArrayBuffer;
  }
  | { type: "shutdown"; timeoutMs: number }
  | { type: "peers"; peers: [name: string, snapshot: readonly CounterSnapshot[]][] };

/** A message from a worker to the primary. */
export type FromWorker =
  | { type: "ready" }
  | { type: "error"; message: string }
  | { type: "stopped" }
  | { type: "metrics"; snapshot: CounterSnapshot[] };

/** How often a worker posts its counters. */
export const METRICS_INTERVAL_MS = 1000;

interface WorkerScope {
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
  postMessage(message: FromWorker): void;
  close(): void;
}

const scope = globalThis as unknown as WorkerScope;
let server: Server | null = null;
let metricsTimer: ReturnType<typeof setInterval> | undefined;

scope.onmessage = async ({ data }) => {
  if (data.type === "start") {
    try {
      const config = parseServeArgs(data.args);
      if (config === "help") throw new Error("a worker was asked for help");
      await setupLogging(config.log);
      server = startServer(config, {
        worker: { listeners: data.listeners, limitsBuffer: data.limitsBuffer },
      });
      scope.postMessage({ type: "ready" });
      const running = server;
      metricsTimer = setInterval(() => {
        scope.postMessage({ type: "metrics", snapshot: running.metrics.snapshot() });
      }, METRICS_INTERVAL_MS);
    } catch (error) {
      scope.postMessage({
        type: "error",
        message: error instanceof Error ? error.message : String(error),
      });
    }
  } else if (data.type === "peers") {
    for (const [name, snapshot] of data.peers) server?.metrics.include(name, snapshot);
  } else if (data.type === "shutdown") {
    clearInterval(metricsTimer);
    await server?.shutdown(data.timeoutMs);
    await closeLogging();
    scope.postMessage({ type: "stopped" });
    scope.close();
  }
};
