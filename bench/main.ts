/**
 * `deno task bench`: clockd's own benchmark. Starts clockd, drives each
 * workload over loopback from several load-generator processes, and prints
 * one table (or, with `--json`, one JSON object).
 *
 * ```sh
 * deno task bench
 * deno task bench --workloads session-tcp,ntp --seconds 10
 * deno task bench --json > bench.json
 * ```
 *
 * @module
 */

import { BENCH_HELP, type BenchArgs, parseBenchArgs } from "./cli.ts";
import { ChildProcesses } from "./load_process.ts";
import { notRun, type WorkloadResult } from "./results.ts";
import { clientsOf, runWorkload } from "./runner.ts";
import { findListener, readProcFile, serverCommand, startServer } from "./server.ts";
import { type Fidelity, measureFidelity } from "./ntp_fidelity.ts";
import { formatBytes, renderResults } from "./table.ts";

/** What `--json` prints. */
export interface BenchReport {
  /** The clockd command line. */
  server: string;
  /** Logical processors of this machine. */
  cores: number;
  /** The 1-minute load average when the run started, or null when unknown. */
  loadAverage: number | null;
  /** Measured seconds per throughput workload. */
  seconds: number;
  /** Seconds of load before measuring. */
  warmupSeconds: number;
  /** Load processes per workload (configured). */
  processes: number;
  /** One row per workload. */
  workloads: WorkloadResult[];
  /** NTP fidelity against chronyd, or why not measured; null when `ntp` was not run. */
  ntpFidelity: Fidelity | null;
}

async function loadAverage(): Promise<number | null> {
  const text = await readProcFile("/proc/loadavg");
  return text === null ? null : Number(text.split(" ")[0]);
}

/**
 * Runs the benchmark.
 *
 * @param args The resolved flags.
 * @param children Where started processes are tracked (killed on interruption).
 * @param progress Receives a line as each workload starts and ends.
 * @returns The report; workloads that failed say so in their rows.
 */
export async function runBench(
  args: BenchArgs,
  children: ChildProcesses,
  progress: (line: string) => void = () => {},
): Promise<BenchReport> {
  const command = await serverCommand(args.serverCmd ?? undefined, args.serveFlags);
  const report: BenchReport = {
    server: command.join(" "),
    cores: navigator.hardwareConcurrency,
    loadAverage: await loadAverage(),
    seconds: args.seconds,
    warmupSeconds: args.warmupSeconds,
    processes: args.processes,
    workloads: [],
    ntpFidelity: null,
  };
  const options = { ...args, serverCommand: command };
  for (const workload of args.workloads) {
    progress(`${workload.name}: running`);
    let result: WorkloadResult;
    try {
      result = await runWorkload(workload, options, children);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      result = notRun(workload, clientsOf(workload, options), "failed", reason);
    }
    progress(`${workload.name}: ${result.status}`);
    report.workloads.push(result);
  }
  if (args.fidelityRounds > 0 && args.workloads.some((w) => w.name === "ntp")) {
    progress("ntp fidelity against chronyd: running");
    report.ntpFidelity = await fidelity(command, args.fidelityRounds);
  }
  return report;
}

/** Starts a fresh clockd and measures its NTP fidelity against chronyd. */
async function fidelity(command: string[], rounds: number): Promise<Fidelity> {
  try {
    await using server = await startServer(command);
    const ntp = findListener(server.listeners, "ntp", "udp");
    if (ntp === null) return { skipped: "this clockd has no NTP listener" };
    return await measureFidelity(ntp.port, rounds);
  } catch (error) {
    return { skipped: `clockd did not start: ${error instanceof Error ? error.message : error}` };
  }
}

/**
 * Renders what the fidelity run found, as one line.
 *
 * @param fidelity The result.
 * @returns The line.
 *
 * @example Usage
 * ```ts
 * import { renderFidelity } from "./main.ts";
 * if (!renderFidelity({ skipped: "no chronyd" }).endsWith("skipped: no chronyd")) throw new Error();
 * ```
 */
export function renderFidelity(fidelity: Fidelity): string {
  if ("skipped" in fidelity) return `ntp fidelity against chronyd: skipped: ${fidelity.skipped}`;
  const { clockd, chronyd } = fidelity;
  const ratio = (clockd.delayMicros / chronyd.delayMicros).toFixed(2);
  const client = fidelity.client === "kernel"
    ? "client stamps: CLOCK_REALTIME at send, kernel stamp at receive"
    : "client stamps: clock reads (no FFI to libc)";
  return `ntp fidelity against chronyd (${fidelity.queries} rounds, alternating which goes first; ` +
    `${client}): ` +
    `round trip clockd ${clockd.delayMicros} µs, chronyd ${chronyd.delayMicros} µs (${ratio}x); ` +
    `offset clockd ${clockd.offsetMicros} µs, chronyd ${chronyd.offsetMicros} µs, ` +
    `clockd - chronyd ${fidelity.offsetDifferenceMicros} µs (medians)`;
}

/**
 * Renders a report as the table, with a heading line and notes below it
 * (skipped and failed workloads, first errors).
 *
 * @param report The report.
 * @returns The text to print.
 */
export function renderReport(report: BenchReport): string {
  const load = report.loadAverage === null ? "" : `, load average ${report.loadAverage} at start`;
  const lines = [
    `clockd bench: ${report.seconds} s measured after ${report.warmupSeconds} s warm-up per ` +
    `workload, ${report.processes} load processes; ${report.cores} cores${load}`,
    `server: ${report.server}`,
    "",
    renderResults(report.workloads).trimEnd(),
  ];
  const notes = report.workloads.flatMap((row) => {
    if (row.status !== "ran") return [`${row.workload}: ${row.status}: ${row.reason}`];
    const out = [];
    if (row.firstError !== null) out.push(`${row.workload}: first error: ${row.firstError}`);
    if (row.verified > 0) {
      out.push(`${row.workload}: ${row.verified} answers fully verified (signatures, Merkle path)`);
    } else if (row.workload === "roughtime-udp") {
      out.push(
        `${row.workload}: no answer verified in full: clockd logged no public key ` +
          "(it does at --log-level info)",
      );
    }
    if (row.idle !== null) {
      out.push(
        `${row.workload}: ${row.idle.held} of ${row.clients} sessions answered both asks; ` +
          `server RSS ${formatBytes(row.idle.rssBeforeBytes)} before, ` +
          `${formatBytes(row.idle.rssHeldBytes)} held`,
      );
    }
    return out;
  });
  if (report.ntpFidelity !== null) notes.push(renderFidelity(report.ntpFidelity));
  if (notes.length > 0) lines.push("", ...notes);
  return lines.join("\n") + "\n";
}

/**
 * The command line: parse, run, print.
 *
 * @param args The arguments after the script.
 * @returns The exit status: 0 when every workload ran, 1 when one failed, 2 on a usage error.
 */
export async function main(args: string[]): Promise<number> {
  let parsed: BenchArgs | "help";
  try {
    parsed = parseBenchArgs(args, (name) => Deno.env.get(name));
  } catch (error) {
    console.error(`bench: ${error instanceof Error ? error.message : error}`);
    return 2;
  }
  if (parsed === "help") {
    console.log(BENCH_HELP);
    return 0;
  }
  const children = new ChildProcesses();
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => {
      children.killAll();
      Deno.exit(130);
    });
  }
  const report = await runBench(parsed, children, (line) => console.error(`bench: ${line}`));
  console.log(parsed.json ? JSON.stringify(report, null, 2) : renderReport(report));
  return report.workloads.some((row) => row.status === "failed") ? 1 : 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
