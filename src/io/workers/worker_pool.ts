/**
 * The primary's side of `--workers N`: starts N−1 TCP workers (the primary
 * is the N-th) on the ports it bound, and stops them.
 *
 * With workers, the kernel spreads TCP connections over the isolates by a
 * hash of each connection's addresses and ports. `--max-sessions` and
 * `--max-sessions-per-ip` are counted across all of them (shared counters);
 * UDP is served by the primary alone (a second UDP socket on the port would
 * take all of its traffic rather than share it).
 *
 * @module
 */

import type { CounterSnapshot, Metrics } from "../../ops/metrics.ts";
import type { BoundListener } from "../../server/server.ts";
import type { FromWorker, ToWorker } from "./worker.ts";

/**
 * Running TCP workers.
 *
 * @example Usage
 * ```ts ignore
 * const pool = await WorkerPool.start(1, args, server.listeners, server.sessionLimits);
 * await pool.shutdown(5000);
 * ```
 */
export class WorkerPool {
  readonly #workers: Worker[];

  private constructor(workers: Worker[]) {
    this.#workers = workers;
  }

  /** How many workers run. */
  get size(): number {
    return this.#workers.length;
  }

  /**
   * Starts workers and waits until each has bound its listeners.
   *
   * @param count How many workers.
   * @param args The `serve` arguments, parsed again in each worker.
   * @param listeners The primary's bound listeners.
   * @param limitsBuffer The primary's session counters.
   * @param metrics The primary's metrics, which take in the workers' counters.
   * @returns The pool.
   * @throws {Error} When a worker fails to start; the others are stopped.
   */
  static async start(
    count: number,
    args: readonly string[],
    listeners: readonly BoundListener[],
    limitsBuffer: SharedArrayBuffer,
    metrics: Metrics,
  ): Promise<WorkerPool> {
    const workers: Worker[] = [];
    // Each worker gets the primary's counters and every other peer's
    // (TCP workers and NTP fast-path workers), never its own.
    const peersOf = (index: number): [string, readonly CounterSnapshot[]][] => [
      ["primary", metrics.snapshot()],
      ...metrics.peers().filter(([name]) => name !== workerName(index)),
    ];
    try {
      await Promise.all(Array.from({ length: count }, (_, index) => {
        const worker = new Worker(new URL("./worker.ts", import.meta.url), {
          type: "module",
          name: workerName(index),
        });
        workers.push(worker);
        return new Promise<void>((resolve, reject) => {
          worker.onmessage = ({ data }: MessageEvent<FromWorker>) => {
            if (data.type === "metrics") {
              metrics.include(workerName(index), data.snapshot);
              const peers: ToWorker = { type: "peers", peers: peersOf(index) };
              worker.postMessage(peers);
            } else if (data.type === "ready") resolve();
            else if (data.type === "error") {
              reject(new Error(`worker ${index + 1}: ${data.message}`));
            }
          };
          worker.onerror = (event) => {
            event.preventDefault();
            reject(new Error(`worker ${index + 1}: ${event.message}`));
          };
          const start: ToWorker = {
            type: "start",
            args: [...args],
            listeners: [...listeners],
            limitsBuffer,
          };
          worker.postMessage(start);
        });
      }));
    } catch (error) {
      for (const worker of workers) worker.terminate();
      throw error;
    }
    return new WorkerPool(workers);
  }

  /**
   * Asks every worker to shut down (goodbyes to its sessions) and waits, at
   * most `timeoutMs`, then terminates what is left.
   *
   * @param timeoutMs How long the workers may take.
   */
  async shutdown(timeoutMs: number): Promise<void> {
    const message: ToWorker = { type: "shutdown", timeoutMs };
    await stopWorkers(this.#workers, timeoutMs, (worker) => worker.postMessage(message));
  }
}

function workerName(index: number): string {
  return `clockd-tcp-${index + 1}`;
}

/**
 * Asks workers to stop, waits at most `timeoutMs` for each to post
 * `{ type: "stopped" }`, then terminates them all.
 *
 * @param workers The workers.
 * @param timeoutMs How long they may take.
 * @param ask Tells one worker to stop (a message, or nothing when a shared flag says it).
 */
export async function stopWorkers(
  workers: readonly Worker[],
  timeoutMs: number,
  ask: (worker: Worker) => void,
): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stopped = workers.map((worker) =>
    new Promise<void>((resolve) => {
      const previous = worker.onmessage;
      worker.onmessage = (event: MessageEvent<{ type: string }>) => {
        if (event.data.type === "stopped") resolve();
        else previous?.call(worker, event);
      };
      ask(worker);
    })
  );
  await Promise.race([
    Promise.all(stopped),
    new Promise((resolve) => timer = setTimeout(resolve, timeoutMs)),
  ]);
  clearTimeout(timer);
  for (const worker of workers) worker.terminate();
}
