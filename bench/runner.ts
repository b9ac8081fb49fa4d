/**
 * Runs the benchmark's workloads: for each, a fresh clockd, load processes
 * running `load_worker.ts` with the clients split between them, a common
 * start, and their reports merged into one `WorkloadResult` (`results.ts`).
 *
 * @module
 */

import type { BenchArgs } from "./cli.ts";
import { parseOpenFileLimit, processesFor, RESERVED_FDS, splitClients } from "./fanout.ts";
import { cpuSeconds } from "./cpu_time.ts";
import { type ChildProcesses, LoadProcess } from "./load_process.ts";
import { mergeResults, notRun, type WorkloadResult } from "./results.ts";
import { findListener, readProcFile, residentBytes, startServer } from "./server.ts";
import type { WorkerMessage, WorkerSpec } from "./worker_protocol.ts";
import type { Workload } from "./workloads.ts";

/** How a run is shaped: the resolved `bench/main.ts` flags. */
export type RunOptions = Omit<BenchArgs, "workloads" | "serverCmd" | "serveFlags" | "json"> & {
  /** The clockd command, from `serverCommand`. */
  serverCommand: string[];
};

/** How often the server's RSS is sampled while loaded. */
const RSS_SAMPLE_MS = 250;
/** How long to wait for the Roughtime key line after the ready line (they are on two pipes). */
const ROUGHTIME_KEY_WAIT_MS = 2000;

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
    // Roughtime answers are verified with the key clockd logs at startup, when it does.
    const roughtimePublicKey = workload.service === "roughtime"
      ? await server.roughtimePublicKey(ROUGHTIME_KEY_WAIT_MS)
      : null;
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
        roughtimePublicKey,
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
    // clockd's CPU time in the measured window (the load processes report their own).
    const serverCpu = idle ? null : cpuWindow(server.pid, options.warmupSeconds, options.seconds);
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
    const used = serverCpu === null ? null : await serverCpu;
    const perOp = (seconds: number | null) =>
      seconds === null || merged.ops === 0 ? null : seconds * 1e6 / merged.ops;
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
      verified: merged.verified,
      serverRssBytes: idle ? rssHeld : rssPeak,
      serverCpuUsPerOp: perOp(used),
      loadCpuUsPerOp: idle ? null : perOp(merged.cpuSeconds),
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

/**
 * Samples clockd's CPU time when the measured window opens (after the
 * warm-up) and when it closes; resolves with what it used in it, seconds
 * (null when unreadable).
 */
async function cpuWindow(pid: number, warmupSeconds: number, seconds: number) {
  await sleep(warmupSeconds * 1000);
  const start = await cpuSeconds(pid);
  await sleep(seconds * 1000);
  const end = await cpuSeconds(pid);
  return start === null || end === null ? null : end - start;
}
