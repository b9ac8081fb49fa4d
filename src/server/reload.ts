/**
 * SIGHUP: re-reads the configuration (the config file and the same command
 * line), and says in one line what it applied in place and what needs a
 * restart. A configuration that does not load is logged and the running one
 * kept. Never stops clockd, never closes a session.
 *
 * @module
 */

import { diffConfig } from "../cli/config_diff.ts";
import { loadServeConfig, type ServeConfig } from "../cli/serve_config.ts";
import { logger, setupLogging } from "../ops/log.ts";

const log = logger("server");

/**
 * Reloads once: loads the configuration again from `current.commandLine`,
 * applies it through `apply` (every serving isolate) and the log level here,
 * and logs one line.
 *
 * @param current The configuration in force.
 * @param apply Hands the reloaded configuration to the serving isolates.
 * @returns The configuration in force afterwards (`current` when the reload failed).
 *
 * @example Usage
 * ```ts ignore
 * import { reload } from "./reload.ts";
 * let config = initial;
 * Deno.addSignalListener("SIGHUP", async () => config = await reload(config, apply));
 * ```
 */
export async function reload(
  current: ServeConfig,
  apply: (next: ServeConfig) => void,
): Promise<ServeConfig> {
  let next: ServeConfig | "help";
  try {
    next = loadServeConfig(current.commandLine);
  } catch (error) {
    log.error("SIGHUP: {error}; the running configuration is kept", {
      error: error instanceof Error ? error.message : String(error),
    });
    return current;
  }
  if (next === "help") return current;
  const { applied, needsRestart } = diffConfig(current, next);
  // The log format takes a restart; the level changes now.
  await setupLogging({ level: next.log.level, format: current.log.format });
  apply(next);
  log.info("SIGHUP: reloaded {source}: {applied}{restart}; every session kept", {
    source: next.configFile ?? "the command line",
    applied: applied.length === 0 ? "nothing changed" : `applied ${applied.join(", ")}`,
    restart: needsRestart.length === 0 ? "" : `; needs a restart: ${needsRestart.join(", ")}`,
  });
  return next;
}
