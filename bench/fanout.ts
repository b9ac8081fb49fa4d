/**
 * How the benchmark spreads its clients over load-generator processes, so
 * that one JavaScript thread is never the bottleneck and no process runs
 * out of file descriptors.
 *
 * @module
 */

/** File descriptors a load process keeps for itself (stdio, the runtime, its module files). */
export const RESERVED_FDS = 64;

/**
 * Splits clients over processes as evenly as possible: the first
 * `total % processes` processes take one more. Never returns an empty share:
 * with fewer clients than processes, fewer processes are used.
 *
 * @param total Clients in all, at least 0.
 * @param processes Processes to use at most, at least 1.
 * @returns The clients of each process, largest first; `[]` for 0 clients.
 * @throws {RangeError} If `total` is negative or `processes` is below 1.
 *
 * @example Usage
 * ```ts
 * import { splitClients } from "./fanout.ts";
 * if (splitClients(64, 3).join() !== "22,21,21") throw new Error("64 over 3");
 * ```
 */
export function splitClients(total: number, processes: number): number[] {
  if (!Number.isInteger(total) || total < 0) {
    throw new RangeError(`Clients must be a whole number, at least 0, got "${total}"`);
  }
  if (!Number.isInteger(processes) || processes < 1) {
    throw new RangeError(`Processes must be a whole number, at least 1, got "${processes}"`);
  }
  const used = Math.min(total, processes);
  const base = Math.floor(total / Math.max(1, used));
  const extra = total - base * used;
  return Array.from({ length: used }, (_, i) => base + (i < extra ? 1 : 0));
}

/**
 * How many load processes a workload needs: the configured number, or more
 * when the sockets would not fit in one process's file descriptor limit.
 *
 * @param sockets Sockets the workload holds open at once, in all processes.
 * @param processes The configured number of load processes.
 * @param fdLimit The soft `RLIMIT_NOFILE` every process inherits.
 * @returns The number of processes to start.
 * @throws {RangeError} If the limit leaves no room for a socket.
 *
 * @example Usage
 * ```ts
 * import { processesFor } from "./fanout.ts";
 * if (processesFor(10_000, 2, 4096) !== 3) throw new Error("4032 sockets per process");
 * ```
 */
export function processesFor(sockets: number, processes: number, fdLimit: number): number {
  const perProcess = fdLimit - RESERVED_FDS;
  if (perProcess < 1) {
    throw new RangeError(`File descriptor limit "${fdLimit}" leaves no room for sockets`);
  }
  return Math.max(processes, Math.ceil(sockets / perProcess));
}

/**
 * Reads the soft limit on open files from the text of `/proc/PID/limits`
 * (child processes inherit it).
 *
 * @param text The file's text, or null when it could not be read.
 * @returns The limit, or Infinity when unlimited or unknown.
 *
 * @example Usage
 * ```ts
 * import { parseOpenFileLimit } from "./fanout.ts";
 * const limits = "Max open files            20000                20000                files\n";
 * if (parseOpenFileLimit(limits) !== 20000) throw new Error("soft limit");
 * ```
 */
export function parseOpenFileLimit(text: string | null): number {
  const match = text === null ? null : /^Max open files\s+(\S+)/m.exec(text);
  if (match === null || match[1] === "unlimited") return Infinity;
  const limit = Number(match[1]);
  return Number.isFinite(limit) ? limit : Infinity;
}
