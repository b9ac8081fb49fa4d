/**
 * Test harness: runs the real clockd process and talks to it over loopback.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { runProgram } from "./_host.ts";

export {
  canBind,
  commandSucceeds,
  hasProgram,
  isFile,
  isRoot,
  runDenoScript,
  runProgram,
  socketAt,
  udpAsk,
  underUlimit,
} from "./_host.ts";

/** A listener from the `--ready-json` line. */
export interface ReadyListener {
  service: string;
  transport: "tcp" | "udp";
  hostname: string;
  port: number;
}

/** The project root. */
export const ROOT = fileURLToPath(new URL("../", import.meta.url));
/**
 * The runtime flags of `deno task clockd`, which `deno task start` runs (the
 * permissions it grants and its V8 flags), read from deno.json, with paths
 * relative to the project made absolute: the tests run clockd exactly as
 * users do.
 */
export const START_FLAGS: string[] = JSON.parse(
  Deno.readTextFileSync(`${ROOT}deno.json`),
).tasks.clockd.split(" ")
  .filter((word: string) => word.startsWith("--allow-") || word.startsWith("--v8-flags="))
  .map((word: string) => word.replaceAll("./", ROOT));
/**
 * {@linkcode START_FLAGS} with read access to more paths (a config file).
 *
 * @param paths Files or directories clockd may read besides its own.
 */
export function startFlagsReading(...paths: string[]): string[] {
  return START_FLAGS.map((flag) =>
    flag.startsWith("--allow-read=") ? [flag, ...paths].join(",") : flag
  );
}

/** How the tests run clockd: with exactly the permissions of `deno task clockd`. */
export const CLOCKD_COMMAND = ["run", "--quiet", ...START_FLAGS, `${ROOT}main.ts`];

/** Every service on 127.0.0.1, kernel-free NTP (`--ntp-sync always`), no UDP rate limit. */
export const ALL_SERVICES: readonly string[] = [
  "--session",
  "127.0.0.1:0",
  "--daytime",
  "127.0.0.1:0",
  "--time",
  "127.0.0.1:0",
  "--ntp",
  "127.0.0.1:0",
  "--ntp-sync",
  "always",
  // Tests send many datagrams from 127.0.0.1; the limits have tests of their own.
  "--udp-rate",
  "off",
];

/** A clockd process started by {@linkcode startClockd}. */
export interface Clockd extends AsyncDisposable {
  readonly process: Deno.ChildProcess;
  /** The engine it serves on, from its ready line. */
  readonly io: string;
  readonly listeners: ReadyListener[];
  /** The metrics endpoint's address, when started with --metrics. */
  readonly metrics: { hostname: string; port: number } | null;
  /** The port of a service's listener on a transport. */
  port(service: string, transport: "tcp" | "udp"): number;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Sends a signal and waits for the exit status. */
  stop(signal?: Deno.Signal): Promise<Deno.CommandStatus>;
}

/**
 * The I/O engines the integration tests run on: the default (`kernel` on
 * Linux) and `deno`, named in the test's title, with the engine each must
 * report in its ready line.
 */
export const IO_ENGINES: readonly { name: string; io: string; flags: readonly string[] }[] = [
  { name: " [io=kernel]", io: "kernel", flags: [] },
  { name: " [io=deno]", io: "deno", flags: ["--io", "deno"] },
];

/** Each engine by explicit flag, for tests that loop over engines themselves. */
export const IO_FLAGS: readonly { name: string; flags: string[] }[] = [
  { name: " [io=kernel]", flags: ["--io", "kernel"] },
  { name: " [io=deno]", flags: ["--io", "deno"] },
];

/** The engine the running test is on; tests in a file run one at a time. */
let engine: (typeof IO_ENGINES)[number] | null = null;

/**
 * The engine {@linkcode engineTest} is running now, or null outside one.
 *
 * @returns The engine's entry of {@linkcode IO_ENGINES}.
 */
export function currentEngine(): (typeof IO_ENGINES)[number] | null {
  return engine;
}

/**
 * Registers a test once per {@linkcode IO_ENGINES} entry; every clockd it
 * starts with {@linkcode startClockd} serves on that engine, and
 * {@linkcode startClockd} checks that it says so in its ready line.
 *
 * @param definition The test, as `Deno.test` takes it (name, fn, ignore).
 */
export function engineTest(
  definition: { name: string; ignore?: boolean; fn: () => Promise<void> },
): void {
  for (const variant of IO_ENGINES) {
    Deno.test({
      name: definition.name + variant.name,
      ignore: definition.ignore,
      async fn() {
        engine = variant;
        try {
          await definition.fn();
        } finally {
          engine = null;
        }
      },
    });
  }
}

/** How {@linkcode startClockd} and {@linkcode runClockd} run clockd. */
export interface RunOptions {
  /** Extra environment. */
  env?: Record<string, string>;
  /** Permissions other than `deno task clockd`'s. */
  permissions?: string[];
  /** A command that runs the rest, e.g. `["ip", "netns", "exec", "ns1"]` (it must exec it). */
  wrap?: readonly string[];
}

/**
 * The program and arguments that run this `deno` with `args`, behind `wrap` if any.
 *
 * @param args The arguments of `deno`.
 * @param wrap A command prefix that execs the rest (`ip netns exec NS`), or none.
 * @returns The program and its arguments, for `Deno.Command`.
 *
 * @example Usage
 * ```ts
 * import { denoCommand } from "./_clockd.ts";
 * const [program, args] = denoCommand(["--version"], ["ip", "netns", "exec", "ns1"]);
 * if (program !== "ip" || args[3] !== Deno.execPath()) throw new Error(args.join(" "));
 * ```
 */
export function denoCommand(args: string[], wrap: readonly string[] = []): [string, string[]] {
  return wrap.length === 0
    ? [Deno.execPath(), args]
    : [wrap[0], [...wrap.slice(1), Deno.execPath(), ...args]];
}

/**
 * Starts clockd with `serve --ready-json` and the given flags, and waits for
 * its ready line.
 *
 * @param flags Flags after `serve`.
 * @param options Extra environment; permissions other than `deno task start`'s; a wrapper.
 * @returns The running clockd; `await using` kills it.
 *
 * @example Usage
 * ```ts
 * import { startClockd } from "./_clockd.ts";
 * // Defined, not run here: each example would start a server.
 * async function demo(): Promise<number> {
 *   await using clockd = await startClockd(["--session", "127.0.0.1:0"]);
 *   return clockd.port("session", "tcp");
 * }
 * if (typeof demo !== "function") throw new Error();
 * ```
 */
export async function startClockd(
  flags: readonly string[],
  options: RunOptions = {},
): Promise<Clockd> {
  const permissions = options.permissions ?? START_FLAGS;
  const [program, args] = denoCommand([
    "run",
    "--quiet",
    ...permissions,
    `${ROOT}main.ts`,
    "serve",
    "--ready-json",
    ...flags,
    ...(engine?.flags ?? []),
  ], options.wrap);
  const process = new Deno.Command(program, {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: options.env,
  }).spawn();
  let stderr = "";
  const stderrDone = (async () => {
    for await (const chunk of process.stderr.pipeThrough(new TextDecoderStream())) stderr += chunk;
  })();
  const lines = process.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  const timeout = setTimeout(() => process.kill("SIGKILL"), 15_000);
  while (!buffered.includes("\n")) {
    const { value, done } = await lines.read();
    if (done) {
      clearTimeout(timeout);
      await stderrDone;
      throw new Error(`clockd exited before ready: ${stderr}`);
    }
    buffered += value;
  }
  clearTimeout(timeout);
  const ready = JSON.parse(buffered.slice(0, buffered.indexOf("\n")));
  // Never a silent slow path: the engine asked for (by the test variant or
  // an explicit --io) must be the engine serving.
  const ioFlag = flags.lastIndexOf("--io");
  const expected = ioFlag >= 0 ? flags[ioFlag + 1] : engine?.io;
  if (expected !== undefined && ready.io !== expected) {
    process.kill("SIGKILL");
    throw new Error(`expected io=${expected}, clockd serves on io=${ready.io}: ${stderr}`);
  }
  const drainStdout = (async () => {
    while (!(await lines.read()).done) { /* keep the pipe flowing */ }
  })();
  let status: Promise<Deno.CommandStatus> | null = null;
  const stop = (signal: Deno.Signal = "SIGTERM") => {
    if (status === null) {
      try {
        process.kill(signal);
      } catch { /* exited already */ }
      status = (async () => {
        const result = await process.status;
        await Promise.all([stderrDone, drainStdout]);
        return result;
      })();
    }
    return status;
  };
  return {
    process,
    io: ready.io,
    listeners: ready.listeners,
    metrics: ready.metrics ?? null,
    port(service, transport) {
      const found = ready.listeners.find((l: ReadyListener) =>
        l.service === service && l.transport === transport
      );
      if (found === undefined) throw new Error(`no ${service} ${transport} listener`);
      return found.port;
    },
    stderr: () => stderr,
    stop,
    async [Symbol.asyncDispose]() {
      await stop("SIGKILL");
    },
  };
}

/**
 * Runs clockd to completion with the given arguments.
 *
 * @param args The arguments after the script.
 * @param options Extra environment; permissions other than `deno task clockd`'s; a wrapper.
 * @returns The status and what it printed.
 *
 * @example Usage
 * ```ts
 * import { runClockd } from "./_clockd.ts";
 * const { code, stdout } = await runClockd(["--version"]);
 * if (code !== 0 || !stdout.startsWith("clockd ")) throw new Error(stdout);
 * ```
 */
export async function runClockd(
  args: string[],
  options: RunOptions = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const runtime = options.permissions === undefined
    ? CLOCKD_COMMAND
    : ["run", "--quiet", ...options.permissions, `${ROOT}main.ts`];
  const [program, programArgs] = denoCommand([...runtime, ...args], options.wrap);
  return await runProgram(program, programArgs, { env: options.env });
}

/** A TCP connection to a test server with line-oriented helpers. */
export class LineClient implements Disposable {
  readonly conn: Deno.TcpConn;
  #buffered = new Uint8Array(0);

  private constructor(conn: Deno.TcpConn) {
    this.conn = conn;
  }

  /** Connects to 127.0.0.1 (or the given host) on `port`. */
  static async connect(port: number, hostname = "127.0.0.1"): Promise<LineClient> {
    return new LineClient(await Deno.connect({ hostname, port }));
  }

  /** Writes text as is. */
  async send(text: string | Uint8Array): Promise<void> {
    const bytes = typeof text === "string" ? new TextEncoder().encode(text) : text;
    let written = 0;
    while (written < bytes.length) written += await this.conn.write(bytes.subarray(written));
  }

  /** Reads one line, its ending included; null at EOF with nothing buffered. */
  async readLine(timeoutMs = 5000): Promise<string | null> {
    const deadline = setTimeout(() => this.conn.close(), timeoutMs);
    try {
      while (true) {
        const lf = this.#buffered.indexOf(10);
        if (lf !== -1) {
          const line = this.#buffered.subarray(0, lf + 1);
          this.#buffered = this.#buffered.slice(lf + 1);
          return new TextDecoder().decode(line);
        }
        const chunk = new Uint8Array(4096);
        let count: number | null;
        try {
          count = await this.conn.read(chunk);
        } catch (error) {
          if (error instanceof Deno.errors.BadResource) throw new Error("readLine timed out");
          if (error instanceof Deno.errors.ConnectionReset) count = null;
          else throw error;
        }
        if (count === null) {
          if (this.#buffered.length === 0) return null;
          const rest = new TextDecoder().decode(this.#buffered);
          this.#buffered = new Uint8Array(0);
          return rest;
        }
        const joined = new Uint8Array(this.#buffered.length + count);
        joined.set(this.#buffered);
        joined.set(chunk.subarray(0, count), this.#buffered.length);
        this.#buffered = joined;
      }
    } finally {
      clearTimeout(deadline);
    }
  }

  /** Sends one request line (LF added) and reads the answer line without its ending. */
  async ask(request: string): Promise<string> {
    await this.send(request + "\n");
    const line = await this.readLine();
    if (line === null) throw new Error(`no answer to ${JSON.stringify(request)}`);
    return line.replace(/\r?\n$/, "");
  }

  /** Whether the server has closed the connection (EOF within the timeout). */
  async closedByServer(timeoutMs = 5000): Promise<boolean> {
    return (await this.readLine(timeoutMs)) === null;
  }

  /** Closes the connection. */
  [Symbol.dispose](): void {
    try {
      this.conn.close();
    } catch { /* closed */ }
  }
}
