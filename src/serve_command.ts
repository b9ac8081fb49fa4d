/**
 * `clockd serve`: sets up logging, starts the server, prints where it
 * listens, and shuts down on SIGINT or SIGTERM (a second signal exits at
 * once).
 *
 * @module
 */

import { closeLogging, logger, setupLogging } from "./log.ts";
import type { ServeConfig } from "./serve_config.ts";
import { BindError, startServer } from "./server.ts";
import { WorkerPool } from "./worker_pool.ts";

const log = logger("server");

/**
 * Runs the server until a signal asks it to stop.
 *
 * @param config The resolved configuration.
 * @returns The exit status: 0 after a clean shutdown.
 */
export async function serve(config: ServeConfig): Promise<number> {
  await setupLogging(config.log);
  // Listen for signals before anyone can learn we are ready.
  const signal = new Promise<Deno.Signal>((resolve) => {
    for (const name of ["SIGINT", "SIGTERM"] as const) {
      Deno.addSignalListener(name, () => resolve(name));
    }
  });
  const server = startServer(config);
  let workers: WorkerPool | null = null;
  if (config.workers > 1) {
    try {
      workers = await WorkerPool.start(
        config.workers - 1,
        config.args,
        server.listeners,
        server.sessionLimits,
      );
    } catch (error) {
      await server.shutdown(0);
      throw new BindError(`--workers ${config.workers}: ${(error as Error).message}`);
    }
  }
  if (config.readyJson) {
    console.log(JSON.stringify({
      event: "ready",
      pid: Deno.pid,
      workers: config.workers,
      listeners: server.listeners,
    }));
  }
  log.info("{signal}: shutting down", { signal: await signal });
  for (const name of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(name, () => {
      log.warning("second signal: exiting now");
      Deno.exit(1);
    });
  }
  const deadline = setTimeout(() => {
    log.error("shutdown took longer than {ms} ms: exiting", { ms: config.shutdownTimeoutMs });
    Deno.exit(1);
  }, config.shutdownTimeoutMs + 1000);
  await Promise.all([
    workers?.shutdown(config.shutdownTimeoutMs),
    server.shutdown(config.shutdownTimeoutMs),
  ]);
  clearTimeout(deadline);
  log.info("stopped");
  await closeLogging();
  return 0;
}
