/**
 * The primary's side of the opt-in NTP fast path (`--ntp-workers N`): for
 * each `--ntp` address, N workers bind the same port with SO_REUSEPORT (the
 * first one picks it when the port is 0) and the kernel spreads datagrams
 * over them. Off by default; it needs only the scoped `--allow-ffi` on libc
 * that the tasks already grant.
 *
 * @module
 */

import type { ListenerConfig } from "../../cli/serve_config.ts";
import type { BoundListener } from "../../server/server.ts";
import type { Metrics } from "../../ops/metrics.ts";
import type { FromNtpWorker, ToNtpWorker } from "./ntp_worker.ts";
import { stopWorkers } from "./worker_pool.ts";

/**
 * Running NTP workers.
 *
 * @example Usage
 * ```ts ignore
 * const pool = await NtpWorkerPool.start(2, config.args, ntpListeners, server.metrics);
 * console.log(pool.listeners);
 * await pool.shutdown(1000);
 * ```
 */
export class NtpWorkerPool {
  /** The NTP listeners as bound (one per `--ntp` address). */
  readonly listeners: readonly BoundListener[];
  readonly #workers: Worker[];
  readonly #stop: Int32Array;

  private constructor(listeners: BoundListener[], workers: Worker[], stop: Int32Array) {
    this.listeners = listeners;
    this.#workers = workers;
    this.#stop = stop;
  }

  /**
   * Starts `count` workers per NTP listener and waits until each is bound.
   *
   * @param count Workers per listener.
   * @param args The `serve` arguments, parsed again in each worker.
   * @param configs The `--ntp` listeners.
   * @param metrics The primary's metrics, which take in the workers' counters.
   * @returns The pool.
   * @throws {Error} When a worker cannot bind; the others are stopped.
   */
  static async start(
    count: number,
    args: readonly string[],
    configs: readonly ListenerConfig[],
    metrics: Metrics,
  ): Promise<NtpWorkerPool> {
    const stopBuffer = new SharedArrayBuffer(4);
    const stop = new Int32Array(stopBuffer);
    const workers: Worker[] = [];
    const listeners: BoundListener[] = [];
    try {
      for (const config of configs) {
        let port = config.address.port;
        for (let i = 0; i < count; i++) {
          const name = `clockd-ntp-${workers.length + 1}`;
          const worker = new Worker(new URL("./ntp_worker.ts", import.meta.url), {
            type: "module",
            name,
          });
          workers.push(worker);
          port = await new Promise<number>((resolve, reject) => {
            worker.onmessage = ({ data }: MessageEvent<FromNtpWorker>) => {
              if (data.type === "ready") resolve(data.port);
              else if (data.type === "error") {
                reject(new Error(`${config.origin}: ${data.message}`));
              } else if (data.type === "metrics") metrics.include(name, data.snapshot);
            };
            worker.onerror = (event) => {
              event.preventDefault();
              reject(new Error(`${config.origin}: ${event.message}`));
            };
            const start: ToNtpWorker = {
              type: "start",
              args: [...args],
              hostname: config.address.hostname,
              port,
              stop: stopBuffer,
            };
            worker.postMessage(start);
          });
        }
        const hostname = config.address.hostname === "" ? "::" : config.address.hostname;
        listeners.push({ service: "ntp", transport: "udp", hostname, port });
      }
    } catch (error) {
      Atomics.store(stop, 0, 1);
      for (const worker of workers) worker.terminate();
      throw error;
    }
    return new NtpWorkerPool(listeners, workers, stop);
  }

  /**
   * Stops the workers: they see the flag within one receive timeout.
   *
   * @param timeoutMs How long to wait before terminating them.
   */
  async shutdown(timeoutMs: number): Promise<void> {
    Atomics.store(this.#stop, 0, 1);
    await stopWorkers(this.#workers, timeoutMs, () => {});
  }
}
