/**
 * The entry of a serving worker: a Web Worker that runs one
 * {@linkcode startServer} on its engine, binding the listeners the primary
 * resolved (SO_REUSEPORT lets the kernel spread connections and, on the
 * kernel engine, datagrams over the workers). It speaks the protocol of
 * `worker_protocol.ts`.
 *
 * `deno compile` must `--include` this file (the `compile` task does).
 *
 * @module
 */

import { parseServeArgs } from "../cli/serve_config.ts";
import type { IoEngine } from "../io/engine.ts";
import { DenoEngine } from "../io/deno/engine.ts";
import { KernelEngine } from "../io/linux/engine.ts";
import { closeLogging, setupLogging } from "../ops/log.ts";
import { processClock } from "../time/clock.ts";
import { BindError } from "./bind.ts";
import { type Server, startServer } from "./server.ts";
import { type FromWorker, METRICS_INTERVAL_MS, type ToWorker } from "./worker_protocol.ts";

interface WorkerScope {
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
  postMessage(message: FromWorker): void;
  close(): void;
}

const scope = globalThis as unknown as WorkerScope;
let server: Server | null = null;
let metricsTimer: ReturnType<typeof setInterval> | undefined;

/** Posts this worker's counters and gauges to the primary. */
function postMetrics(): void {
  if (server === null) return;
  const { metrics } = server;
  scope.postMessage({
    type: "metrics",
    snapshot: metrics.snapshot(),
    gauges: metrics.gaugeSnapshot(),
  });
}

scope.onmessage = async ({ data }) => {
  if (data.type === "start") {
    try {
      const config = parseServeArgs(data.args);
      if (config === "help") throw new Error("a worker was asked for help");
      await setupLogging(config.log);
      const clock = processClock(data.originMs);
      const engine: IoEngine = data.io === "kernel"
        ? KernelEngine.open(clock)
        : new DenoEngine(clock);
      server = startServer(config, {
        engine,
        listeners: data.listeners,
        serveUdp: data.serveUdp,
        limitsBuffer: data.limitsBuffer,
        httpLimitsBuffer: data.httpLimitsBuffer,
        roughtimeSeed: data.roughtimeSeed,
        clock,
      });
      scope.postMessage({ type: "ready" });
      metricsTimer = setInterval(postMetrics, METRICS_INTERVAL_MS);
    } catch (error) {
      scope.postMessage({
        type: "error",
        message: error instanceof Error ? error.message : String(error),
        bind: error instanceof BindError,
      });
    }
  } else if (data.type === "reload") {
    const config = parseServeArgs(data.args);
    if (config === "help" || server === null) return;
    await setupLogging(config.log);
    server.reconfigure(config);
  } else if (data.type === "collect") {
    postMetrics();
  } else if (data.type === "peers") {
    for (const [name, snapshot] of data.peers) server?.metrics.include(name, snapshot);
  } else if (data.type === "shutdown") {
    clearInterval(metricsTimer);
    await server?.shutdown(data.timeoutMs);
    postMetrics();
    await closeLogging();
    scope.postMessage({ type: "stopped" });
    scope.close();
  }
};
