/**
 * Runs the benchmark's workloads: for each, a fresh clockd, load processes
 * running `load_worker.ts` with the clients split between them, a common
 * start, and their reports merged into one {@linkcode WorkloadResult}.
 *
 * @module
 */

import type { BenchArgs } from "./cli.ts";
import { fileURLToPath } from "node:url";
import { parseOpenFileLimit, processesFor, RESERVED_FDS, splitClients } from "./fanout.ts";
import type { WorkerMessage, WorkerResult, WorkerSpec } from "./load_worker.ts";
import { findListener, readProcFile, residentBytes, type Server, startServer } from "./server.ts";
import { LatencyHistogram } from "./stats.ts";
import type { Workload, WorkloadName } from "./workloads.ts";

/** How a run is shaped: the resolved `bench/main.ts` flags. */
export type RunOptions = Omit<BenchArgs, "workloads" | "serverCmd" | "serveFlags" | "json"> & {
  /** The clockd command, from `serverCommand`. */
  serverCommand: string[];
};

/** Figures of the idle workload. */
export interface IdleFigures {
  /** Sessions that answered both asks. */
  held: number;
  /** Server RSS before the sessions opened (bytes). */
  rssBeforeBytes: number | null;
  /** Server RSS at the end of the silence, every session held (bytes). */
  rssHeldBytes: number | null;
  /** (RSS held − RSS before) ÷ sessions held through the silence. */
  bytesPerSession: number | null;
}

/** One workload's merged figures: a row of the table. */
export interface WorkloadResult {
  /** The workload. */
  workload: WorkloadName;
  /** Clients (idle: sessions). */
  clients: number;
  /** Load processes used. */
  processes: number;
  /** `ran`; `skipped` when clockd has no listener for it; `failed` when it could not finish. */
  status: "ran" | "skipped" | "failed";
  /** Why it was skipped or failed, or null. */
  reason: string | null;
  /** Answers counted (pipelined: lines). */
  ops: number;
  /** Answers per second over the measured window; null for idle. */
  opsPerSecond: number | null;
  /** Median latency, µs (pipelined: per batch); null when nothing was measured. */
  p50Us: number | null;
  /** 99th percentile latency, µs. */
  p99Us: number | null;
  /** Largest latency, µs. */
  maxUs: number | null;
  /** Failed asks in all processes. */
  errors: number;
  /** The first error reported, or null. */
  firstError: string | null;
  /** NTP answers to an earlier ask, skipped (not errors). */
  stale: number;
  /** Server RSS: the highest sample while loaded (idle: while held), bytes. */
  serverRssBytes: number | null;
  /** Idle workload figures; null for the others. */
  idle: IdleFigures | null;
}

/** What the load processes' reports add up to. */
export interface MergedResults {
  /** Sum of answers. */
  ops: number;
  /** Sum of each process's answers ÷ its window (they run at the same time). */
  opsPerSecond: number;
  /** Sum of errors. */
  errors: number;
  /** The first process's first error, or null. */
  firstError: string | null;
  /** All latencies. */
  histogram: LatencyHistogram;
  /** Sum of held sessions or clients. */
  held: number;
  /** Sum of stale answers. */
  stale: number;
}

/**
 * Merges the reports of the load processes of one workload.
 *
 * @param results One report per process.
 * @returns The totals, with one histogram of every latency.
 *
 * @example Usage
 * ```ts
 * import { mergeResults } from "./runner.ts";
 * const empty = { count: 0, min: 0, max: 0, sum: 0, buckets: [] };
 * const one = { ops: 10, windowSeconds: 2, errors: 0, firstError: null, histogram: empty, held: 1, stale: 0 };
 * if (mergeResults([one, one]).opsPerSecond !== 10) throw new Error("5/s twice");
 * ```
 */
export function mergeResults(results: readonly WorkerResult[]): MergedResults {
  const histogram = new LatencyHistogram();
  const merged: MergedResults = {
    ops: 0,
    opsPerSecond: 0,
    errors: 0,
    firstError: null,
    histogram,
    held: 0,
    stale: 0,
  };
  for (const result of results) {
    merged.ops += result.ops;
    if (result.windowSeconds > 0) merged.opsPerSecond += result.ops / result.windowSeconds;
    merged.errors += result.errors;
    merged.firstError ??= result.firstError;
    merged.held += result.held;
    merged.stale += result.stale;
    histogram.merge(LatencyHistogram.fromJSON(result.histogram));
  }
  return merged;
}

/** Child processes to kill if the benchmark is interrupted. */
export class ChildProcesses {
  readonly #children = new Set<Deno.ChildProcess>();
  readonly #servers = new Set<Server>();

  /** Tracks a load process until it exits. */
  add(child: Deno.ChildProcess): void {
    this.#children.add(child);
    child.status.finally(() => this.#children.delete(child));
  }

  /** Tracks a server until it is stopped. */
  addServer(server: Server): void {
    this.#servers.add(server);
  }

  /** Forgets a stopped server. */
  deleteServer(server: Server): void {
    this.#servers.delete(server);
  }

  /** Kills every tracked process now. */
  killAll(): void {
    for (const child of this.#children) {
      try {
        child.kill("SIGKILL");
      } catch { /* exited */ }
    }
    for (const server of this.#servers) server.stop();
  }
}

/** A running load process and its stdout lines. */
class LoadProcess {
  readonly #child: Deno.ChildProcess;
  readonly #lines: ReadableStreamDefaultReader<string>;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array>;
  #buffered = "";
  #stderr = "";
  readonly #stderrDone: Promise<void>;

  constructor(spec: WorkerSpec, children: ChildProcesses) {
    this.#child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        "--allow-net=127.0.0.1,[::1]", // loopback only, enforced
        "--unstable-net",
        fileURLToPath(new URL("./load_worker.ts", import.meta.url)),
        JSON.stringify(spec),
      ],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    children.add(this.#child);
    this.#stdin = this.#child.stdin.getWriter();
    this.#lines = this.#child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    const stderr = this.#child.stderr;
    this.#stderrDone = (async () => {
      for await (const chunk of stderr.pipeThrough(new TextDecoderStream())) {
        this.#stderr = (this.#stderr + chunk).slice(-2000);
      }
    })();
  }

  /** The next message; throws if the process exits first. */
  async next(): Promise<WorkerMessage> {
    while (true) {
      const lf = this.#buffered.indexOf("\n");
      if (lf !== -1) {
        const line = this.#buffered.slice(0, lf);
        this.#buffered = this.#buffered.slice(lf + 1);
        if (line.startsWith("{")) return JSON.parse(line);
        continue;
      }
      const { value, done } = await this.#lines.read();
      if (done) {
        const status = await this.#child.status;
        await this.#stderrDone;
        throw new Error(`load process exited with code ${status.code}: ${this.#stderr.trim()}`);
      }
      this.#buffered += value;
    }
  }

  async go(): Promise<void> {
    await this.#stdin.write(new TextEncoder().encode("go\n"));
  }

  async close(): Promise<void> {
    try {
      await this.#stdin.close();
    } catch { /* exited */ }
    const kill = setTimeout(() => {
      try {
        this.#child.kill("SIGKILL");
      } catch { /* exited */ }
    }, 2000);
    await this.#child.status;
    clearTimeout(kill);
    await this.#lines.cancel().catch(() => {});
    await this.#stderrDone.catch(() => {});
  }
}

/** How often the server's RSS is sampled while loaded. */
const RSS_SAMPLE_MS = 250;

/** Rejects after `ms` with a message naming what took too long. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One session ask before the idle baseline, so first-connection costs are not counted per session. */
async function warmUpSession(hostname: string, port: number): Promise<void> {
  const conn = await Deno.connect({ hostname, port });
  try {
    await conn.write(new TextEncoder().encode("timestamp\n"));
    await conn.read(new Uint8Array(64));
  } finally {
    conn.close();
  }
}

/**
 * The row of a workload that did not run.
 *
 * @param workload The workload.
 * @param clients Its clients.
 * @param status Skipped or failed.
 * @param reason Why.
 * @returns A row with no figures.
 */
export function notRun(
  workload: Workload,
  clients: number,
  status: "skipped" | "failed",
  reason: string,
): WorkloadResult {
  return {
    workload: workload.name,
    clients,
    processes: 0,
    status,
    reason,
    ops: 0,
    opsPerSecond: null,
    p50Us: null,
    p99Us: null,
    maxUs: null,
    errors: 0,
    firstError: null,
    stale: 0,
    serverRssBytes: null,
    idle: null,
  };
}

/**
 * How many clients a workload runs with (idle: sessions).
 *
 * @param workload The workload.
 * @param options The run's shape.
 * @returns `idleSessions` for idle, else `clients` when set, else the workload's own.
 */
export function clientsOf(workload: Workload, options: Omit<RunOptions, "serverCommand">): number {
  if (workload.name === "idle") return options.idleSessions;
  return options.clients ?? workload.clients;
}

/**
 * Runs one workload against a fresh clockd.
 *
 * @param workload The workload.
 * @param options The run's shape.
 * @param children Where started processes are tracked, for interruption.
 * @returns Its figures; `skipped` says why when the server has no listener for it.
 * @throws {Error} If clockd or a load process fails, or a phase overruns its time.
 */
export async function runWorkload(
  workload: Workload,
  options: RunOptions,
  children: ChildProcesses,
): Promise<WorkloadResult> {
  const idle = workload.name === "idle";
  const clients = clientsOf(workload, options);
  // cat inherits this process's limits, as the load processes and clockd do.
  const fdLimit = parseOpenFileLimit(await readProcFile("/proc/self/limits"));
  if (idle && clients + RESERVED_FDS > fdLimit) {
    throw new Error(
      `idle: ${clients} sessions need more than the open file limit of ${fdLimit} in clockd ` +
        `(raise it with ulimit -n, or lower --idle-sessions)`,
    );
  }
  const server = await startServer(options.serverCommand);
  children.addServer(server);
  const workers: LoadProcess[] = [];
  try {
    const listener = findListener(server.listeners, workload.service, workload.transport);
    if (listener === null) {
      return notRun(
        workload,
        clients,
        "skipped",
        `clockd has no ${workload.service} ${workload.transport} listener`,
      );
    }
    const processes = idle ? processesFor(clients, options.processes, fdLimit) : options.processes;
    const shares = splitClients(clients, processes);
    if (idle) await warmUpSession(listener.hostname, listener.port);
    const rssBefore = await residentBytes(server.pid);
    for (const share of shares) {
      const spec: WorkerSpec = {
        workload: workload.name,
        hostname: listener.hostname,
        port: listener.port,
        clients: share,
        warmupSeconds: options.warmupSeconds,
        seconds: options.seconds,
        timeoutMs: options.timeoutMs,
      };
      workers.push(new LoadProcess(spec, children));
    }
    const setupMs = 30_000 + clients * 5;
    const ready = await within(
      Promise.all(workers.map((w) => w.next())),
      setupMs,
      `${workload.name} set-up`,
    );
    let heldDuringSilence = 0;
    for (const message of ready) {
      if (message.event !== "ready") throw new Error(`load process said ${message.event}`);
      heldDuringSilence += message.held;
    }

    let rssHeld: number | null = null;
    let rssPeak = await residentBytes(server.pid);
    if (idle) {
      await sleep(options.idleSilenceSeconds * 1000);
      rssHeld = await residentBytes(server.pid);
    }
    const sampler = setInterval(async () => {
      const rss = await residentBytes(server.pid);
      if (rss !== null && (rssPeak === null || rss > rssPeak)) rssPeak = rss;
    }, RSS_SAMPLE_MS);
    let messages: WorkerMessage[];
    try {
      await Promise.all(workers.map((w) => w.go()));
      const runMs = (idle ? 0 : (options.warmupSeconds + options.seconds) * 1000) +
        2 * Math.max(options.timeoutMs, idle ? 10_000 : 0) + 15_000;
      messages = await within(
        Promise.all(workers.map((w) => w.next())),
        runMs,
        `${workload.name} run`,
      );
    } finally {
      clearInterval(sampler);
    }
    const results = messages.map((message) => {
      if (message.event !== "result") throw new Error(`load process said ${message.event}`);
      return message;
    });
    const merged = mergeResults(results);
    const measured = merged.histogram.count > 0;
    return {
      workload: workload.name,
      clients,
      processes: shares.length,
      status: "ran",
      reason: null,
      ops: merged.ops,
      opsPerSecond: idle ? null : merged.opsPerSecond,
      p50Us: measured ? merged.histogram.percentile(50) : null,
      p99Us: measured ? merged.histogram.percentile(99) : null,
      maxUs: measured ? merged.histogram.max : null,
      errors: idle ? Math.max(merged.errors, clients - merged.held) : merged.errors,
      firstError: merged.firstError,
      stale: merged.stale,
      serverRssBytes: idle ? rssHeld : rssPeak,
      idle: idle
        ? {
          held: merged.held,
          rssBeforeBytes: rssBefore,
          rssHeldBytes: rssHeld,
          bytesPerSession: rssBefore !== null && rssHeld !== null && heldDuringSilence > 0
            ? (rssHeld - rssBefore) / heldDuringSilence
            : null,
        }
        : null,
    };
  } catch (error) {
    const tail = server.stderrTail().trim();
    throw new Error(
      `${workload.name}: ${error instanceof Error ? error.message : error}` +
        (tail === ""
          ? ""
          : `\nclockd stderr (last lines):\n${tail.split("\n").slice(-5).join("\n")}`),
    );
  } finally {
    await Promise.all(workers.map((w) => w.close()));
    await server.stop();
    children.deleteServer(server);
  }
}
