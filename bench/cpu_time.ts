/**
 * CPU time of the benchmark's processes, from `/proc/PID/stat`: user and
 * system time of every thread (clockd's workers are threads of its one
 * process), so a workload's CPU per answer can be set beside its rate.
 * Linux only; elsewhere every reading is null.
 *
 * @module
 */

import { readProcFile } from "./server.ts";

/** Clock ticks per second when `getconf CLK_TCK` cannot say (Linux's USER_HZ). */
const DEFAULT_TICKS_PER_SECOND = 100;

let ticksPerSecond: Promise<number> | null = null;

/** `sysconf(_SC_CLK_TCK)`: the unit of the times in `/proc/PID/stat`. */
function clockTicksPerSecond(): Promise<number> {
  ticksPerSecond ??= (async () => {
    try {
      const output = await new Deno.Command("getconf", { args: ["CLK_TCK"], stderr: "null" })
        .output();
      const value = Number(new TextDecoder().decode(output.stdout).trim());
      return output.success && value > 0 ? value : DEFAULT_TICKS_PER_SECOND;
    } catch {
      return DEFAULT_TICKS_PER_SECOND;
    }
  })();
  return ticksPerSecond;
}

/**
 * User plus system time in a `/proc/PID/stat` line, in clock ticks: fields
 * 14 and 15, counted after the command name (which may hold spaces and
 * parentheses, so the count starts after its last `)`).
 *
 * @param stat The file's text.
 * @returns The ticks, or null when the line is not one.
 *
 * @example Usage
 * ```ts
 * import { parseCpuTicks } from "./cpu_time.ts";
 * const line = "42 (deno (x)) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 9 0 1 2 3";
 * if (parseCpuTicks(line) !== 300) throw new Error();
 * ```
 */
export function parseCpuTicks(stat: string): number | null {
  const fields = stat.slice(stat.lastIndexOf(")") + 2).trim().split(/\s+/);
  // fields[0] is field 3 (state): utime is field 14, stime field 15.
  const user = Number(fields[11]);
  const system = Number(fields[12]);
  return Number.isInteger(user) && Number.isInteger(system) ? user + system : null;
}

/**
 * CPU seconds a process has used so far, all its threads together.
 *
 * @param pid The process.
 * @returns The seconds, or null when it cannot be read (gone, not Linux).
 */
export async function cpuSeconds(pid: number): Promise<number | null> {
  const stat = await readProcFile(`/proc/${pid}/stat`);
  const ticks = stat === null ? null : parseCpuTicks(stat);
  return ticks === null ? null : ticks / await clockTicksPerSecond();
}
