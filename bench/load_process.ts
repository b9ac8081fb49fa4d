/**
 * The benchmark's child processes: the load-generator processes running
 * `load_worker.ts` (started, spoken to through stdin and stdout, closed) and
 * the registry that kills every child, clockd included, on interruption.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import type { Server } from "./server.ts";
import type { WorkerMessage, WorkerSpec } from "./worker_protocol.ts";

/**
 * Child processes to kill if the benchmark is interrupted.
 *
 * @example Usage
 * ```ts
 * import { ChildProcesses } from "./load_process.ts";
 * const children = new ChildProcesses();
 * children.killAll(); // none yet: nothing happens
 * ```
 */
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

/**
 * A running load process and its stdout lines.
 *
 * @example Usage
 * ```ts
 * import { ChildProcesses, LoadProcess } from "./load_process.ts";
 * import type { WorkerSpec } from "./worker_protocol.ts";
 * async function drive(spec: WorkerSpec): Promise<void> {
 *   const process = new LoadProcess(spec, new ChildProcesses());
 *   if ((await process.next()).event !== "ready") throw new Error("not ready");
 *   await process.go();
 *   console.log(await process.next());
 *   await process.close();
 * }
 * if (typeof drive !== "function") throw new Error();
 * ```
 */
export class LoadProcess {
  readonly #child: Deno.ChildProcess;
  readonly #lines: ReadableStreamDefaultReader<string>;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array>;
  #buffered = "";
  #stderr = "";
  readonly #stderrDone: Promise<void>;

  /**
   * Starts the process (network: loopback only).
   *
   * @param spec What it runs.
   * @param children Where it is tracked until it exits.
   */
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

  /** Tells it to start its clients. */
  async go(): Promise<void> {
    await this.#stdin.write(new TextEncoder().encode("go\n"));
  }

  /** Closes its stdin (it exits) and waits, killing it after 2 s. */
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
