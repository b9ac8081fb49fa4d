/**
 * The `deno task bench` command line: the flags a user gives (all optional,
 * with documented defaults) turned into the resolved {@linkcode BenchArgs}.
 *
 * @module
 */

import { parseArgs } from "node:util";
import {
  getWorkload,
  parseWorkloadList,
  PIPELINE_DEPTH,
  type Workload,
  WORKLOADS,
} from "./workloads.ts";

/** The environment variable that may hold the clockd command line (as `--server-cmd`). */
export const SERVER_CMD_ENV = "CLOCKD_BENCH_SERVER_CMD";

/** The benchmark's flags, resolved. */
export interface BenchArgs {
  /** Workloads to run, in table order. @default {every workload} */
  workloads: Workload[];
  /** Measured seconds per throughput workload. @default {5} */
  seconds: number;
  /** Seconds of load before measuring. @default {1} */
  warmupSeconds: number;
  /** Load-generator processes per workload. @default {2} */
  processes: number;
  /** Clients of every throughput workload, instead of each one's own. @default {null} */
  clients: number | null;
  /** Sessions of the idle workload. @default {10000} */
  idleSessions: number;
  /** Seconds the idle sessions stay silent. @default {10} */
  idleSilenceSeconds: number;
  /** An answer later than this is an error (ms). @default {2000} */
  timeoutMs: number;
  /** A clockd command line run with `sh -c`, or null for the default. @default {null} */
  serverCmd: string | null;
  /** Flags added to the default command's `serve` (not to `serverCmd`). @default {[]} */
  serveFlags: string[];
  /** Print one JSON object instead of the table. @default {false} */
  json: boolean;
  /** Rounds of the NTP fidelity run against chronyd after `ntp`; 0 skips it. @default {200} */
  fidelityRounds: number;
}

/** The `deno task bench --help` text. */
export const BENCH_HELP = `Usage: deno task bench [flags]

Starts clockd (a fresh process per workload), drives it over 127.0.0.1 from
several load-generator processes, and prints one table: ops/s, latency p50 and
p99, errors, the server's RSS, CPU time per answer (clockd's, every thread, and
the load processes'), and the idle workload's bytes per session.

Workloads (closed loop: each client waits for its answer before asking again):
${
  WORKLOADS.map((w) => `  ${w.name.padEnd(18)}${String(w.clients).padStart(6)}  ${w.description}`)
    .join("\n")
}

Flags:
  --workloads LIST       comma-separated names, or all (default all)
  --seconds N            measured seconds per workload (default 5)
  --warmup N             seconds of load before measuring (default 1)
  --processes N          load-generator processes (default 2; idle uses more when
                         its sessions exceed one process's open-file limit)
  --clients N            clients of every throughput workload (default: each its own)
  --idle-sessions N      sessions of the idle workload (default 10000)
  --idle-silence N       seconds they stay silent (default 10)
  --timeout MS           an answer later than this is an error (default 2000)
  --server-cmd CMD       clockd command line, run with sh -c ('--ready-json' appended
                         if missing; also \$${SERVER_CMD_ENV}); by default main.ts
                         with deno task start's permissions, serve with every listener
                         on 127.0.0.1:0 that this clockd's serve --help lists
  --serve-flags=FLAGS    more flags for the default command's serve (with '=', as
                         they start with a dash), e.g.
                         --serve-flags="--io deno --workers 1"
  --fidelity-rounds N    after the ntp workload, query clockd and chronyd (when
                         installed; run as root) N times each, alternating which
                         goes first, and print both round trips and offsets
                         (default 200; 0 skips it)
  --json                 print one JSON object instead of the table
  -h, --help             show this help

Pipelined ops are answer lines (${PIPELINE_DEPTH} per batch); its latencies are per batch.
roughtime-udp verifies each client's first answer and one in 1000 in full (after timing
it) with the public key clockd logs at startup (--log-level info, as by default here).
Idle latencies are every ask, before and after the silence. Server RSS is the highest
VmRSS sampled while loaded (idle: at the end of the silence, every session held).
CPU per answer is user + system time in the measured window over the answers in it:
the server and the load processes share the cores, so ops/s is about the cores over
the two together.`;

function number(flag: string, text: string, min: number, integer: boolean): number {
  const value = Number(text);
  if (
    text.trim() === "" || !Number.isFinite(value) || value < min ||
    (integer && !Number.isInteger(value))
  ) {
    throw new RangeError(
      `${flag}: expected ${
        integer ? "a whole number" : "a number"
      } of at least ${min}, got "${text}"`,
    );
  }
  return value;
}

/**
 * Parses the benchmark's arguments.
 *
 * @param args The arguments after the script.
 * @param env Reads an environment variable (for {@linkcode SERVER_CMD_ENV}).
 * @returns The resolved arguments, or `"help"`.
 * @throws {RangeError} Naming the flag and the problem.
 * @throws {TypeError} For an unknown flag or a missing value (from `parseArgs`).
 *
 * @example Usage
 * ```ts
 * import { parseBenchArgs } from "./cli.ts";
 * const args = parseBenchArgs(["--workloads", "ntp", "--seconds", "1"], () => undefined);
 * if (args === "help" || args.seconds !== 1 || args.workloads.length !== 1) throw new Error();
 * ```
 */
export function parseBenchArgs(
  args: string[],
  env: (name: string) => string | undefined,
): BenchArgs | "help" {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      workloads: { type: "string", default: "all" },
      seconds: { type: "string", default: "5" },
      warmup: { type: "string", default: "1" },
      processes: { type: "string", default: "2" },
      clients: { type: "string" },
      "idle-sessions": { type: "string", default: String(getWorkload("idle").clients) },
      "idle-silence": { type: "string", default: "10" },
      timeout: { type: "string", default: "2000" },
      "server-cmd": { type: "string" },
      "serve-flags": { type: "string", default: "" },
      json: { type: "boolean", default: false },
      "fidelity-rounds": { type: "string", default: "200" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) return "help";
  const serverCmd = values["server-cmd"] ?? env(SERVER_CMD_ENV) ?? null;
  const serveFlags = values["serve-flags"].split(/\s+/).filter((flag) => flag !== "");
  if (serverCmd !== null && serveFlags.length > 0) {
    throw new RangeError(
      "--serve-flags: adds to the default command; with --server-cmd, put them there",
    );
  }
  return {
    workloads: parseWorkloadList(values.workloads),
    seconds: number("--seconds", values.seconds, 0.1, false),
    warmupSeconds: number("--warmup", values.warmup, 0, false),
    processes: number("--processes", values.processes, 1, true),
    clients: values.clients === undefined ? null : number("--clients", values.clients, 1, true),
    idleSessions: number("--idle-sessions", values["idle-sessions"], 1, true),
    idleSilenceSeconds: number("--idle-silence", values["idle-silence"], 0, false),
    timeoutMs: number("--timeout", values.timeout, 1, false),
    serverCmd,
    serveFlags,
    json: values.json,
    fidelityRounds: number("--fidelity-rounds", values["fidelity-rounds"], 0, true),
  };
}
