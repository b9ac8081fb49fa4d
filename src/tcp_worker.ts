/**
 * The entry of a TCP worker: a Web Worker running the same server on the
 * primary's TCP ports (SO_REUSEPORT lets the kernel spread connections over
 * the workers), with the primary's shared session counters. It speaks a
 * small message protocol with {@linkcode WorkerPool}:
 *
 * - in: `{ type: "start", args, listeners, limitsBuffer }`, then `{ type: "shutdown", timeoutMs }`
 * - out: `{ type: "ready" }` or `{ type: "error", message }`, then `{ type: "stopped" }`
 *
 * `deno compile` must `--include` this file (the `compile` task does).
 *
 * @module
 */

import { closeLogging, setupLogging } from "./log.ts";
import { parseServeArgs } from "./serve_config.ts";
import { type BoundListener, type Server, startServer } from "./server.ts";

/** A message from the primary to a worker. */
export type ToWorker =
  | {
    type: "start";
    args: string[];
    listeners: BoundListener[];
    limitsBuffer: SharedArrayBuffer;
  }
  | { type: "shutdown"; timeoutMs: number };

/** A message from a worker to the primary. */
export type FromWorker =
  | { type: "ready" }
  | { type: "error"; message: string }
  | { type: "stopped" };

interface WorkerScope {
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
  postMessage(message: FromWorker): void;
  close(): void;
}

const scope = globalThis as unknown as WorkerScope;
let server: Server | null = null;

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
    } catch (error) {
      scope.postMessage({
        type: "error",
        message: error instanceof Error ? error.message : String(error),
      });
    }
  } else if (data.type === "shutdown") {
    await server?.shutdown(data.timeoutMs);
    await closeLogging();
    scope.postMessage({ type: "stopped" });
    scope.close();
  }
};
