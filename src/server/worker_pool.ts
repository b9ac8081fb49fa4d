/**
 * The primary's side of `--workers N`: starts N serving workers on one
 * engine, relays their counters, and stops them. On the kernel engine every
 * worker binds every listener (SO_REUSEPORT on TCP and UDP); on the `deno`
 * engine every worker binds the TCP listeners and the first also the UDP
 * ones (Deno's UDP sockets cannot share a port). `--max-sessions` and
 * `--max-sessions-per-ip` are counted across them all (shared counters).
 *
 * @module
 */

import type { IoName } from "../io/engine.ts";
import type { CounterSnapshot } from "../ops/counters.ts";
import type { Metrics } from "../ops/metrics.ts";
import { BindError, type BoundListener } from "./bind.ts";
import type { FromWorker, ToWorker } from "./worker_protocol.ts";

/** The longest `/metrics` waits for the workers' fresh counters (ms). */
export const COLLECT_TIMEOUT_MS = 1000;

/** Settings of {@linkcode WorkerPool.start}. */
export interface WorkerPoolOptions {
  /** How many workers. */
  count: number;
  /** The `serve` arguments, parsed again in each worker. */
  args: readonly string[];
  /** The listeners, as the primary resolved them. */
  listeners: readonly BoundListener[];
  /** The engine the workers serve on. */
  io: IoName;
  /** Whether every worker may bind the UDP ports (SO_REUSEPORT), or only the first. */
  sharedUdp: boolean;
  /** The session counters shared by every isolate. */
  limitsBuffer: SharedArrayBuffer;
  /** The HTTP connection counters shared by every isolate. */
  httpLimitsBuffer: SharedArrayBuffer;
  /** The Roughtime long-term key's seed, the same in every isolate; null: no Roughtime listener. */
  roughtimeSeed: Uint8Array | null;
  /** The primary's metrics, which take in the workers' counters. */
  metrics: Metrics;
  /**
   * Told when a worker fails after it started serving (an uncaught error):
   * its listeners are then served by the others only, so the primary stops.
   */
  onFailure?: (message: string) => void;
  /**
   * The worker module (tests use stand-ins).
   *
   * @default {`worker.ts`, beside this module}
   */
  entry?: URL;
}

/**
 * A worker that could not start: `load` when the worker itself could not
 * run (the primary may serve alone instead), otherwise a bind error.
 */
export class WorkerStartError extends Error {
  /** Whether the worker module failed to load or run, rather than to bind. */
  readonly load: boolean;

  /**
   * @param message What failed.
   * @param load Whether it was the worker itself.
   */
  constructor(message: string, load: boolean) {
    super(message);
    this.name = "WorkerStartError";
    this.load = load;
  }
}

/**
 * Running workers.
 *
 * @example Usage
 * ```ts ignore
 * import { WorkerPool } from "./worker_pool.ts";
 * const pool = await WorkerPool.start({ count: 2, args, listeners, io: "kernel",
 *   sharedUdp: true, limitsBuffer, httpLimitsBuffer, metrics });
 * await pool.shutdown(5000);
 * ```
 */
export class WorkerPool {
  readonly #workers: Worker[];
  /** Who waits for each worker's next counters (see {@linkcode WorkerPool.collect}). */
  readonly #collecting: (() => void)[][];

  private constructor(workers: Worker[], collecting: (() => void)[][]) {
    this.#workers = workers;
    this.#collecting = collecting;
  }

  /**
   * Asks every worker for its counters now and waits for them (at most
   * {@linkcode COLLECT_TIMEOUT_MS}), so `/metrics` shows the latest counts.
   */
  async collect(): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const answers = this.#workers.map((worker, index) =>
      new Promise<void>((resolve) => {
        this.#collecting[index].push(resolve);
        const message: ToWorker = { type: "collect" };
        worker.postMessage(message);
      })
    );
    await Promise.race([
      Promise.all(answers),
      new Promise((resolve) => timer = setTimeout(resolve, COLLECT_TIMEOUT_MS)),
    ]);
    clearTimeout(timer);
  }

  /** How many workers run. */
  get size(): number {
    return this.#workers.length;
  }

  /**
   * Starts the workers and waits until each has bound its listeners.
   *
   * @param options How many, on which engine, serving what.
   * @returns The pool.
   * @throws {BindError} When a worker cannot bind; the others are stopped.
   * @throws {WorkerStartError} When a worker cannot load or run.
   */
  static async start(options: WorkerPoolOptions): Promise<WorkerPool> {
    const { metrics } = options;
    const workers: Worker[] = [];
    const collecting: (() => void)[][] = Array.from({ length: options.count }, () => []);
    // Each worker gets every other isolate's counters, never its own.
    const peersOf = (index: number): [string, readonly CounterSnapshot[]][] =>
      metrics.peers().filter(([name]) => name !== workerName(index));
    try {
      await Promise.all(Array.from({ length: options.count }, (_, index) => {
        let worker: Worker;
        try {
          worker = new Worker(options.entry ?? new URL("./worker.ts", import.meta.url), {
            type: "module",
            name: workerName(index),
          });
        } catch (error) {
          throw new WorkerStartError((error as Error).message, true);
        }
        workers.push(worker);
        let serving = false;
        return new Promise<void>((resolve, reject) => {
          worker.onmessage = ({ data }: MessageEvent<FromWorker>) => {
            if (data.type === "metrics") {
              metrics.include(workerName(index), data.snapshot);
              metrics.includeGauges(workerName(index), data.gauges);
              for (const resolve of collecting[index].splice(0)) resolve();
              const peers: ToWorker = { type: "peers", peers: peersOf(index) };
              worker.postMessage(peers);
            } else if (data.type === "ready") {
              serving = true;
              resolve();
            } else if (data.type === "error") {
              reject(
                data.bind ? new BindError(data.message) : new WorkerStartError(
                  `worker ${index + 1}: ${data.message}`,
                  false,
                ),
              );
            }
          };
          worker.onerror = (event) => {
            event.preventDefault();
            const message = `worker ${index + 1}: ${event.message}`;
            if (serving) options.onFailure?.(message);
            else reject(new WorkerStartError(message, true));
          };
          const start: ToWorker = {
            type: "start",
            args: [...options.args],
            listeners: [...options.listeners],
            serveUdp: index === 0 || options.sharedUdp,
            limitsBuffer: options.limitsBuffer,
            httpLimitsBuffer: options.httpLimitsBuffer,
            roughtimeSeed: options.roughtimeSeed,
            io: options.io,
            originMs: performance.timeOrigin,
          };
          worker.postMessage(start);
        });
      }));
    } catch (error) {
      for (const worker of workers) worker.terminate();
      throw error;
    }
    return new WorkerPool(workers, collecting);
  }

  /**
   * Hands every worker a reloaded configuration to apply in place.
   *
   * @param args The reloaded configuration as `serve` arguments (`ServeConfig.args`).
   */
  reload(args: readonly string[]): void {
    const message: ToWorker = { type: "reload", args: [...args] };
    for (const worker of this.#workers) worker.postMessage(message);
  }

  /**
   * Asks every worker to shut down (goodbyes to its sessions) and waits, at
   * most `timeoutMs`, then terminates what is left.
   *
   * @param timeoutMs How long the workers may take.
   */
  async shutdown(timeoutMs: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const message: ToWorker = { type: "shutdown", timeoutMs };
    const stopped = this.#workers.map((worker) =>
      new Promise<void>((resolve) => {
        const previous = worker.onmessage;
        worker.onmessage = (event: MessageEvent<FromWorker>) => {
          if (event.data.type === "stopped") resolve();
          else previous?.call(worker, event);
        };
        worker.postMessage(message);
      })
    );
    await Promise.race([
      Promise.all(stopped),
      new Promise((resolve) => timer = setTimeout(resolve, timeoutMs + 1000)),
    ]);
    clearTimeout(timer);
    for (const worker of this.#workers) worker.terminate();
  }
}

function workerName(index: number): string {
  return `clockd-worker-${index + 1}`;
}
