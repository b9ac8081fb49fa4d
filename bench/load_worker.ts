/**
 * One load-generator process of the benchmark. The parent starts several,
 * each with a {@linkcode WorkerSpec} as its only argument:
 *
 * 1. it sets its clients up (connects sessions; for `idle`, every session
 *    also asks once) and prints `{"event":"ready","held":N}`;
 * 2. on a `go` line on stdin, the clients run closed loops (each waits for
 *    its answer before asking again) for the warm-up and the measured
 *    seconds (for `idle`, every session asks once more);
 * 3. it prints `{"event":"result",...}` ({@linkcode WorkerResult}: counts and
 *    a latency histogram, not every value) and exits.
 *
 * The client loops, one file per protocol family, are in `clients/`. Every
 * answer is checked; a wrong or late one (past `timeoutMs`, enforced by one
 * watchdog sweep, no timer per request) counts as an error. The process
 * exits when stdin closes, so it never outlives its parent.
 *
 * @module
 */

import process from "node:process";
import { buildNtpRequest } from "../src/protocols/ntp/client.ts";
import { systemClock } from "../src/time/clock.ts";
import type { Client } from "./clients/_io.ts";
import { DatagramClient } from "./clients/datagram.ts";
import {
  checkNtpDatagram,
  checkSessionDatagram,
  checkTimeDatagram,
} from "./clients/datagram_checks.ts";
import { HttpClient } from "./clients/http.ts";
import { forEachLimited, IDLE_TIMEOUT_MS, IdleSession } from "./clients/idle.ts";
import { OneShotClient } from "./clients/oneshot.ts";
import { decodeRoughtimePublicKey, roughtimeAsk } from "./clients/roughtime.ts";
import { SessionClient } from "./clients/session.ts";
import { Tally } from "./clients/tally.ts";
import { Watchdog } from "./clients/watchdog.ts";
import type { WorkerMessage, WorkerResult, WorkerSpec } from "./worker_protocol.ts";
import { PIPELINE_DEPTH } from "./workloads.ts";

/** `idle` sessions a process opens at once (stays well inside the listen backlog). */
const IDLE_CONNECT_CONCURRENCY = 64;

function makeClients(spec: WorkerSpec, tally: Tally, watchdog: Watchdog): Client[] {
  const publicKey = spec.roughtimePublicKey ?? null;
  const key = publicKey === null ? null : decodeRoughtimePublicKey(publicKey);
  const make = (): Client => {
    switch (spec.workload) {
      case "session-tcp":
        return new SessionClient(spec, tally, watchdog, 1);
      case "session-pipelined":
        return new SessionClient(spec, tally, watchdog, PIPELINE_DEPTH);
      case "session-udp": {
        const request = new TextEncoder().encode("timestamp");
        return new DatagramClient(spec, tally, watchdog, {
          request: () => request,
          check: checkSessionDatagram,
        });
      }
      case "daytime-tcp":
        return new OneShotClient(spec, tally, watchdog);
      case "time-udp": {
        const request = new Uint8Array(0);
        return new DatagramClient(spec, tally, watchdog, {
          request: () => request,
          check: checkTimeDatagram,
        });
      }
      case "ntp": {
        const request = new Uint8Array(48);
        return new DatagramClient(spec, tally, watchdog, {
          request: () => buildNtpRequest(systemClock.now(), request),
          check: checkNtpDatagram,
        });
      }
      case "http-json":
        return new HttpClient(spec, tally, watchdog);
      case "roughtime-udp":
        return new DatagramClient(spec, tally, watchdog, roughtimeAsk(key));
      case "idle":
        throw new RangeError("The idle workload has no closed-loop clients");
    }
  };
  return Array.from({ length: spec.clients }, make);
}

/**
 * Runs one load process: set up, report ready, wait for `go`, run, report.
 *
 * @param spec What to run.
 * @param go Resolves when the parent says go.
 * @param report Receives each message (printed as a JSON line by the entry point).
 *
 * @example Usage
 * ```ts
 * import { runWorker } from "./load_worker.ts";
 * import type { WorkerMessage } from "./worker_protocol.ts";
 * const messages: WorkerMessage[] = [];
 * const spec = { workload: "ntp", hostname: "127.0.0.1", port: 9, clients: 0,
 *   warmupSeconds: 0, seconds: 0.01, timeoutMs: 100 } as const;
 * await runWorker(spec, Promise.resolve(), (message) => messages.push(message));
 * if (messages.map((m) => m.event).join() !== "ready,result") throw new Error();
 * ```
 */
export async function runWorker(
  spec: WorkerSpec,
  go: Promise<void>,
  report: (message: WorkerMessage) => void,
): Promise<void> {
  const tally = new Tally();
  if (spec.workload === "idle") {
    tally.from = 0;
    const watchdog = new Watchdog(Math.max(spec.timeoutMs, IDLE_TIMEOUT_MS));
    const sessions = Array.from({ length: spec.clients }, () => new IdleSession(spec, tally));
    for (const session of sessions) watchdog.watch(session);
    await forEachLimited(sessions, IDLE_CONNECT_CONCURRENCY, (session) => session.open());
    report({ event: "ready", held: sessions.filter((session) => session.held).length });
    await go;
    const answered = await Promise.all(sessions.map((session) => session.ask()));
    watchdog.stop();
    for (const session of sessions) session.close();
    const held = answered.filter(Boolean).length;
    report({ event: "result", ...summary(tally, 0, held, null) });
    return;
  }
  const watchdog = new Watchdog(spec.timeoutMs);
  const clients = makeClients(spec, tally, watchdog);
  const ready = await Promise.all(clients.map((client) => client.setup()));
  tally.to = -Infinity; // nothing counts before go
  report({ event: "ready", held: ready.filter(Boolean).length });
  await go;
  const start = performance.now();
  tally.from = start + spec.warmupSeconds * 1000;
  tally.to = tally.from + spec.seconds * 1000;
  const cpu = cpuInWindow(tally.from, tally.to);
  await Promise.all(clients.map((client) => client.run()));
  watchdog.stop();
  const held = ready.filter(Boolean).length;
  report({ event: "result", ...summary(tally, spec.seconds, held, await cpu) });
}

/** This process's CPU seconds between two `performance.now()` instants, sampled by timers. */
async function cpuInWindow(from: number, to: number): Promise<number> {
  const at = (instant: number) =>
    new Promise<NodeJS.CpuUsage>((resolve) =>
      setTimeout(() => resolve(process.cpuUsage()), Math.max(0, instant - performance.now()))
    );
  const start = await at(from);
  const end = await at(to);
  return (end.user - start.user + end.system - start.system) / 1e6;
}

function summary(
  tally: Tally,
  windowSeconds: number,
  held: number,
  cpuSeconds: number | null,
): WorkerResult {
  return {
    ops: tally.ops,
    windowSeconds,
    errors: tally.errors,
    firstError: tally.firstError,
    histogram: tally.histogram.toJSON(),
    held,
    stale: tally.stale,
    verified: tally.verified,
    cpuSeconds,
  };
}

/** Resolves on the first line of stdin; exits the process when stdin closes (the parent is gone). */
async function stdinGo(): Promise<void> {
  const lines = Deno.stdin.readable.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  let resolveGo!: () => void;
  const go = new Promise<void>((resolve) => resolveGo = resolve);
  (async () => {
    while (true) {
      const { value, done } = await lines.read();
      if (done) Deno.exit(3);
      text += value;
      if (text.includes("\n")) resolveGo();
    }
  })();
  return await go;
}

if (import.meta.main) {
  const spec = JSON.parse(Deno.args[0]) as WorkerSpec;
  const print = (message: WorkerMessage) => console.log(JSON.stringify(message));
  // Bounded whatever the server does: set-up, warm-up, window and a last timeout, with margin.
  let hardDeadline: ReturnType<typeof setTimeout> | undefined;
  const go = stdinGo().then(() => {
    const idle = spec.workload === "idle";
    const ms = (idle ? 0 : (spec.warmupSeconds + spec.seconds) * 1000) +
      2 * Math.max(spec.timeoutMs, idle ? IDLE_TIMEOUT_MS : 0) + 5000;
    hardDeadline = setTimeout(() => {
      console.error(`load worker: still running ${ms} ms after go; exiting`);
      Deno.exit(4);
    }, ms);
  });
  await runWorker(spec, go, print);
  clearTimeout(hardDeadline);
  Deno.exit(0);
}
