/**
 * The clockd process under test: the command line the benchmark starts it
 * with (only the flags this clockd knows, found in `clockd serve --help`, or
 * one given whole), its `--ready-json` line, and its resident memory.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import type { ServiceName } from "./workloads.ts";

/** The project root (where `main.ts` is). */
export const ROOT: string = fileURLToPath(new URL("../", import.meta.url));

/** A listener from the `--ready-json` line. */
export interface ReadyListener {
  /** The service it serves. */
  service: string;
  /** Its transport. */
  transport: "tcp" | "udp";
  /** The address it bound. */
  hostname: string;
  /** The port it bound. */
  port: number;
}

/**
 * The arguments after `serve` for the benchmark: every listener on
 * 127.0.0.1 port 0, limits high enough for the idle workload, NTP and
 * Roughtime claiming synchronisation (Roughtime answers nothing while the
 * kernel clock is unsynchronised, as on most build machines), and the
 * per-source rate limits off (every load client shares 127.0.0.1, so the
 * limits would measure themselves). Logs at `info`, which adds only startup
 * and shutdown lines, among them the Roughtime public key the
 * `roughtime-udp` workload verifies answers with.
 */
export const SERVE_ARGS: readonly string[] = [
  "--session",
  "127.0.0.1:0",
  "--daytime",
  "127.0.0.1:0",
  "--time",
  "127.0.0.1:0",
  "--ntp",
  "127.0.0.1:0",
  "--http",
  "127.0.0.1:0",
  "--roughtime",
  "127.0.0.1:0",
  "--ntp-sync",
  "always",
  "--udp-rate",
  "off",
  "--tcp-rate",
  "off",
  "--max-sessions",
  "20000",
  "--max-sessions-per-ip",
  "20000",
  "--log-level",
  "info",
  "--ready-json",
];

/**
 * The runtime flags `deno task start` gives clockd (permissions and V8
 * flags), read from deno.json's `start` task (or the task it runs, as
 * `deno task clockd serve`), with paths relative to the project made
 * absolute: the benchmark runs clockd exactly as users do.
 *
 * @param denoJson The text of deno.json.
 * @param root The project root, ending with `/`.
 * @returns The `--allow-…` flags.
 *
 * @example Usage
 * ```ts
 * import { startPermissions } from "./server.ts";
 * const json = '{"tasks":{"start":"deno run --allow-net --allow-read=./src main.ts serve"}}';
 * const flags = startPermissions(json, "/app/");
 * if (flags.join(" ") !== "--allow-net --allow-read=/app/src") throw new Error(flags.join(" "));
 * ```
 */
export function startPermissions(denoJson: string, root: string): string[] {
  const tasks = JSON.parse(denoJson)?.tasks ?? {};
  let start: unknown = tasks.start;
  // `start` may run another task (`deno task clockd serve`): follow it.
  for (let hops = 0; typeof start === "string" && hops < 4; hops++) {
    const next = /^deno task (\S+)/.exec(start)?.[1];
    if (next === undefined) break;
    start = tasks[next];
  }
  if (typeof start !== "string") return ["--allow-net", "--allow-env"];
  return start.split(/\s+/)
    .filter((word) => word.startsWith("--allow-") || word.startsWith("--v8-flags="))
    .map((word) => word.replaceAll("./", root));
}

/**
 * The command that starts clockd for the benchmark.
 *
 * @param custom A command line to run with `sh -c` instead (`--server-cmd` or
 *   `CLOCKD_BENCH_SERVER_CMD`); `--ready-json` is appended when missing.
 *   By default: `deno run` with the permissions of `deno task start`, then
 *   `main.ts serve` and {@linkcode SERVE_ARGS}.
 * @returns The program and its arguments.
 */
export async function serverCommand(
  custom?: string,
  serveFlags: readonly string[] = [],
): Promise<string[]> {
  if (custom !== undefined && custom.trim() !== "") {
    const line = /(^|\s)--ready-json(\s|$)/.test(custom) ? custom : `${custom} --ready-json`;
    return ["sh", "-c", `exec ${line}`];
  }
  const permissions = startPermissions(await Deno.readTextFile(`${ROOT}deno.json`), ROOT);
  return [
    Deno.execPath(),
    "run",
    ...permissions,
    `${ROOT}main.ts`,
    "serve",
    ...SERVE_ARGS,
    ...serveFlags,
  ];
}

/** The most bytes of the server's stderr kept for error messages. */
const STDERR_TAIL_BYTES = 4000;

/** A running clockd started by {@linkcode startServer}. */
export interface Server extends AsyncDisposable {
  /** The pid from the ready line: the process whose memory is measured. */
  readonly pid: number;
  /** Its listeners. */
  readonly listeners: readonly ReadyListener[];
  /** The last few thousand characters of its stderr. */
  stderrTail(): string;
  /**
   * The Roughtime public key (base64) from clockd's startup line, waiting
   * up to `waitMs` for it (stderr and the ready line come on two pipes).
   *
   * @param waitMs The longest wait.
   * @returns The key, or null when clockd has not logged it (no Roughtime
   *   listener, or a log level above info).
   */
  roughtimePublicKey(waitMs: number): Promise<string | null>;
  /** Stops it (SIGTERM, then SIGKILL after 5 s); idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts clockd and waits for its `--ready-json` line.
 *
 * @param command The program and arguments, from {@linkcode serverCommand}.
 * @param timeoutMs How long to wait for the ready line.
 * @returns The running server.
 * @throws {Error} If it exits or says nothing within the timeout.
 */
export async function startServer(command: string[], timeoutMs = 30_000): Promise<Server> {
  const child = new Deno.Command(command[0], {
    args: command.slice(1),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let stderr = "";
  let publicKey: string | null = null;
  let stderrEnded = false;
  const stderrDone = (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
      // Matched on the tail, so a line split over two chunks is found with the second.
      stderr = (stderr + chunk).slice(-STDERR_TAIL_BYTES);
      publicKey ??= parseRoughtimePublicKey(stderr);
    }
  })().finally(() => stderrEnded = true);
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  let buffered = "";
  let ready: { pid?: unknown; listeners?: unknown } | null = null;
  try {
    while (ready === null) {
      const { value, done } = await lines.read();
      if (done) {
        await stderrDone;
        throw new Error(
          `clockd exited before its ready line (${command.join(" ")}):\n${stderr.trim()}`,
        );
      }
      buffered += value;
      for (let lf = buffered.indexOf("\n"); lf !== -1; lf = buffered.indexOf("\n")) {
        const line = buffered.slice(0, lf).trim();
        buffered = buffered.slice(lf + 1);
        if (line.startsWith("{") && line.includes('"ready"')) {
          ready = JSON.parse(line);
          break;
        }
      }
    }
  } finally {
    clearTimeout(timer);
  }
  if (typeof ready.pid !== "number" || !Array.isArray(ready.listeners)) {
    child.kill("SIGKILL");
    throw new Error(`clockd's ready line has no pid or listeners: ${JSON.stringify(ready)}`);
  }
  const drained = (async () => {
    while (!(await lines.read()).done) { /* keep the pipe flowing */ }
  })();
  let stopped: Promise<void> | null = null;
  const stop = () =>
    stopped ??= (async () => {
      try {
        child.kill("SIGTERM");
      } catch { /* exited already */ }
      const kill = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch { /* exited meanwhile */ }
      }, 5000);
      await child.status;
      clearTimeout(kill);
      await Promise.all([stderrDone, drained]);
    })();
  return {
    pid: ready.pid,
    listeners: ready.listeners as ReadyListener[],
    stderrTail: () => stderr,
    roughtimePublicKey: async (waitMs) => {
      const until = performance.now() + waitMs;
      while (publicKey === null && !stderrEnded && performance.now() < until) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return publicKey;
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/**
 * Finds the Roughtime public key in clockd's log: the line
 * `roughtime public key BASE64 (...)` it writes at startup (info level).
 *
 * @param log Log text, any number of lines.
 * @returns The base64 key, or null when no such line is there.
 *
 * @example Usage
 * ```ts
 * import { parseRoughtimePublicKey } from "./server.ts";
 * const line = "2026-11-30T02:31:30.498Z [INF] clockd.server: roughtime public key " +
 *   "k6J4/9tMuhhWuunHbEB3hCDLGqsYw1568HzhMJNE1+4= (ephemeral: made at start)\n";
 * if (parseRoughtimePublicKey(line) !== "k6J4/9tMuhhWuunHbEB3hCDLGqsYw1568HzhMJNE1+4=") throw new Error();
 * ```
 */
export function parseRoughtimePublicKey(log: string): string | null {
  return /roughtime public key ([A-Za-z0-9+/]{43}=)(?![A-Za-z0-9+/=])/.exec(log)?.[1] ?? null;
}

/**
 * Finds the listener of a service on a transport.
 *
 * @param listeners The listeners from the ready line.
 * @param service The service.
 * @param transport The transport.
 * @returns The address to drive it on (loopback), or null when there is none.
 *
 * @example Usage
 * ```ts
 * import { findListener } from "./server.ts";
 * const listeners = [{ service: "ntp", transport: "udp" as const, hostname: "0.0.0.0", port: 123 }];
 * if (findListener(listeners, "ntp", "udp")?.hostname !== "127.0.0.1") throw new Error("loopback");
 * ```
 */
export function findListener(
  listeners: readonly ReadyListener[],
  service: ServiceName,
  transport: "tcp" | "udp",
): { hostname: string; port: number } | null {
  const found = listeners.find((l) => l.service === service && l.transport === transport);
  if (found === undefined) return null;
  const hostname = found.hostname === "::1" ? "::1" : "127.0.0.1";
  return { hostname, port: found.port };
}

/**
 * Reads a file under `/proc` with `cat` (Deno lets only `--allow-all`
 * programs read `/proc` themselves; `--allow-run` is enough for this).
 *
 * @param path The file, e.g. `/proc/1234/status`.
 * @returns Its text, or null when it cannot be read (no such process, not Linux).
 */
export async function readProcFile(path: string): Promise<string | null> {
  try {
    const output = await new Deno.Command("cat", { args: [path], stdin: "null", stderr: "null" })
      .output();
    return output.success ? new TextDecoder().decode(output.stdout) : null;
  } catch {
    return null;
  }
}

/**
 * A process's resident memory, from `VmRSS` in `/proc/PID/status`.
 *
 * @param pid The process.
 * @returns Bytes, or null when it cannot be read (the process is gone, not Linux).
 */
export async function residentBytes(pid: number): Promise<number | null> {
  const status = await readProcFile(`/proc/${pid}/status`);
  return status === null ? null : parseVmRss(status);
}

/**
 * Reads `VmRSS` from the text of `/proc/PID/status`.
 *
 * @param status The file's text.
 * @returns Bytes, or null when the line is missing.
 *
 * @example Usage
 * ```ts
 * import { parseVmRss } from "./server.ts";
 * if (parseVmRss("Name:\tdeno\nVmRSS:\t  51200 kB\n") !== 51200 * 1024) throw new Error("kB");
 * ```
 */
export function parseVmRss(status: string): number | null {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return match === null ? null : Number(match[1]) * 1024;
}
