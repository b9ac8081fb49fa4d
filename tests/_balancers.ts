/**
 * Test harness: the recipes of `deploy/nginx` and `deploy/haproxy` made
 * runnable in a test (backend addresses replaced, paths moved to a
 * temporary directory), and nginx and HAProxy started and stopped.
 *
 * @module
 */

import { commandSucceeds } from "./_host.ts";
import { ROOT } from "./_clockd.ts";

/** The backend addresses the recipes name (TEST-NET-1), in order. */
const RECIPE_BACKENDS = ["192.0.2.11", "192.0.2.12", "192.0.2.13"];
/** How long a balancer may take to start. */
const START_TIMEOUT_MS = 10_000;
/** How long a balancer may take to stop before it is killed. */
const STOP_TIMEOUT_MS = 5_000;

/** The nginx recipe, as shipped. */
export const NGINX_RECIPE = `${ROOT}deploy/nginx/clockd-stream.conf`;
/** The HAProxy recipe, as shipped. */
export const HAPROXY_RECIPE = `${ROOT}deploy/haproxy/haproxy.cfg`;

function run(program: string, args: string[]): string | null {
  try {
    const output = new Deno.Command(program, { args, stdin: "null" }).outputSync();
    const decoder = new TextDecoder();
    return output.success ? decoder.decode(output.stdout) + decoder.decode(output.stderr) : null;
  } catch {
    return null;
  }
}

/**
 * The `load_module` line nginx needs for its stream module: empty when the
 * module is built in, null when nginx or the module is missing.
 *
 * @returns The line, or null.
 *
 * @example Usage
 * ```ts
 * import { nginxStreamModule } from "./_balancers.ts";
 * const line = nginxStreamModule();
 * if (line !== null && line !== "" && !line.startsWith("load_module ")) throw new Error(line);
 * ```
 */
export function nginxStreamModule(): string | null {
  const version = run("nginx", ["-V"]);
  if (version === null || !/--with-stream\b/.test(version)) return null;
  if (!version.includes("--with-stream=dynamic")) return "";
  const dir = version.match(/--modules-path=(\S+)/)?.[1] ?? "/usr/lib/nginx/modules";
  try {
    Deno.statSync(`${dir}/ngx_stream_module.so`);
    return `load_module ${dir}/ngx_stream_module.so;`;
  } catch {
    return null;
  }
}

/**
 * Whether HAProxy runs here (for a test's `ignore:`).
 *
 * @returns True when `haproxy -v` succeeds.
 *
 * @example Usage
 * ```ts
 * import { hasHaproxy } from "./_balancers.ts";
 * if (typeof hasHaproxy() !== "boolean") throw new Error();
 * ```
 */
export function hasHaproxy(): boolean {
  return commandSucceeds("haproxy", ["-v"]);
}

/**
 * A recipe with the test's backend addresses.
 *
 * @param text The recipe.
 * @param backends The backends' addresses, replacing 192.0.2.11, .12 and .13.
 * @returns The recipe to run.
 *
 * @example Usage
 * ```ts
 * import { adaptRecipe } from "./_balancers.ts";
 * const adapted = adaptRecipe("server 192.0.2.12:13;\n", ["10.0.0.1", "10.0.0.2", "10.0.0.3"]);
 * if (adapted !== "server 10.0.0.2:13;\n") throw new Error(adapted);
 * ```
 */
export function adaptRecipe(text: string, backends: readonly string[]): string {
  let adapted = text;
  RECIPE_BACKENDS.forEach((address, i) => {
    adapted = adapted.replaceAll(`${address}:`, `${backends[i]}:`);
  });
  return adapted;
}

/** A balancer process; disposing kills it. */
export interface Balancer extends AsyncDisposable {
  /** Its temporary directory (configuration, pid, logs, sockets). */
  readonly dir: string;
  /** What it wrote to stdout and stderr so far. */
  output(): string;
  /** Stops it (SIGTERM, then SIGKILL) and waits for it to exit. */
  stop(): Promise<void>;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Spawns `args` behind `wrap` and waits until `ready` exists. */
async function spawnBalancer(
  wrap: readonly string[],
  args: string[],
  dir: string,
  ready: string,
): Promise<Balancer> {
  const child = new Deno.Command(wrap[0] ?? args[0], {
    args: wrap.length === 0 ? args.slice(1) : [...wrap.slice(1), ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let output = "";
  const pump = (stream: ReadableStream<Uint8Array>) =>
    (async () => {
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) output += chunk;
    })();
  const drained = Promise.all([pump(child.stdout), pump(child.stderr)]);
  let stopped: Promise<void> | null = null;
  const stop = () =>
    stopped ??= (async () => {
      try {
        child.kill("SIGTERM");
      } catch { /* exited */ }
      const timer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch { /* exited */ }
      }, STOP_TIMEOUT_MS);
      await child.status;
      clearTimeout(timer);
      await drained;
    })();
  const balancer: Balancer = {
    dir,
    output: () => output,
    stop,
    [Symbol.asyncDispose]: stop,
  };
  const deadline = Date.now() + START_TIMEOUT_MS;
  let exited = false;
  child.status.then(() => exited = true);
  while (!(await exists(ready))) {
    if (exited || Date.now() > deadline) {
      await stop();
      throw new Error(`${args[0]} did not start: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return balancer;
}

/**
 * Starts nginx in the foreground with the stream recipe included from a
 * main configuration of its own (pid, error log, one worker) in `dir`.
 *
 * @param wrap The command prefix (`ip netns exec NS`).
 * @param dir A directory for the configuration, pid and log.
 * @param stream The stream configuration (from {@linkcode adaptRecipe}).
 * @returns nginx, once it has written its pid file (its listeners are bound by then).
 *
 * @example Usage
 * ```ts
 * import { startNginx } from "./_balancers.ts";
 * // Defined, not run here: it binds privileged ports.
 * async function demo(dir: string, stream: string): Promise<void> {
 *   await using nginx = await startNginx(["ip", "netns", "exec", "ns1"], dir, stream);
 *   console.log(nginx.output());
 * }
 * if (typeof demo !== "function") throw new Error();
 * ```
 */
export async function startNginx(
  wrap: readonly string[],
  dir: string,
  stream: string,
): Promise<Balancer> {
  const module = nginxStreamModule();
  if (module === null) throw new Error("nginx with the stream module is not installed");
  await Deno.writeTextFile(`${dir}/clockd-stream.conf`, stream);
  await Deno.writeTextFile(
    `${dir}/nginx.conf`,
    [
      module,
      "worker_processes 1;",
      `pid ${dir}/nginx.pid;`,
      `error_log ${dir}/error.log info;`,
      "events { worker_connections 256; }",
      `include ${dir}/clockd-stream.conf;`,
      "",
    ].join("\n"),
  );
  return await spawnBalancer(
    wrap,
    ["nginx", "-p", dir, "-c", `${dir}/nginx.conf`, "-g", "daemon off;"],
    dir,
    `${dir}/nginx.pid`,
  );
}

/**
 * Starts HAProxy in the foreground (`-db`) with the recipe's sections after
 * `global`, and a `global` of its own: the stats socket `haproxy.sock` in
 * `dir`, logs to stderr, no chroot, no user switch.
 *
 * @param wrap The command prefix (`ip netns exec NS`).
 * @param dir A directory for the configuration and the stats socket.
 * @param config The configuration (from {@linkcode adaptRecipe}).
 * @returns HAProxy, once its stats socket exists.
 *
 * @example Usage
 * ```ts
 * import { startHaproxy } from "./_balancers.ts";
 * // Defined, not run here: it binds privileged ports.
 * async function demo(dir: string, config: string): Promise<void> {
 *   await using haproxy = await startHaproxy(["ip", "netns", "exec", "ns1"], dir, config);
 *   console.log(haproxy.output());
 * }
 * if (typeof demo !== "function") throw new Error();
 * ```
 */
export async function startHaproxy(
  wrap: readonly string[],
  dir: string,
  config: string,
): Promise<Balancer> {
  const sections = config.slice(config.search(/^defaults\b/m));
  await Deno.writeTextFile(
    `${dir}/haproxy.cfg`,
    `global\n    log stderr format raw local0\n    stats socket ${dir}/haproxy.sock mode 600 level admin\n\n${sections}`,
  );
  return await spawnBalancer(
    wrap,
    ["haproxy", "-f", `${dir}/haproxy.cfg`, "-db"],
    dir,
    `${dir}/haproxy.sock`,
  );
}

/**
 * The state of every server HAProxy balances to, from `show stat` on its
 * stats socket.
 *
 * @param socket The stats socket's path.
 * @returns `backend/server` → status (`UP`, `DOWN`, `UP 1/2`, `no check` …).
 *
 * @example Usage
 * ```ts
 * import { haproxyServers } from "./_balancers.ts";
 * // Defined, not run here: it needs a running HAProxy.
 * async function demo(socket: string): Promise<boolean> {
 *   return (await haproxyServers(socket)).get("clockd_session/b3") === "DOWN";
 * }
 * if (typeof demo !== "function") throw new Error();
 * ```
 */
export async function haproxyServers(socket: string): Promise<Map<string, string>> {
  const conn = await Deno.connect({ transport: "unix", path: socket });
  const timer = setTimeout(() => conn.close(), STOP_TIMEOUT_MS);
  let text = "";
  try {
    await conn.write(new TextEncoder().encode("show stat\n"));
    for await (const chunk of conn.readable.pipeThrough(new TextDecoderStream())) text += chunk;
  } finally {
    clearTimeout(timer);
  }
  const states = new Map<string, string>();
  const [header, ...rows] = text.trim().split("\n");
  const columns = header.replace(/^# /, "").split(",");
  const status = columns.indexOf("status");
  for (const row of rows) {
    const fields = row.split(",");
    if (fields[1] === "FRONTEND" || fields[1] === "BACKEND") continue;
    states.set(`${fields[0]}/${fields[1]}`, fields[status]);
  }
  return states;
}
