/**
 * Test harness: what the host offers (programs, root, bindable ports) and
 * small runners, for tests' `ignore:` and setup. Re-exported by `_clockd.ts`.
 *
 * @module
 */

/**
 * Whether a program is on PATH (tests that drive it are ignored when not, saying so in their name).
 *
 * @param name The program's name.
 * @returns True when a file of that name is in a PATH directory.
 *
 * @example Usage
 * ```ts
 * import { hasProgram } from "./_host.ts";
 * if (hasProgram("no-such-program-clockd")) throw new Error();
 * ```
 */
export function hasProgram(name: string): boolean {
  return (Deno.env.get("PATH") ?? "").split(":").some((dir) => isFile(`${dir}/${name}`));
}

/**
 * Whether a regular file is at `path` (false when it cannot be looked at).
 *
 * @param path The path.
 * @returns True for a file.
 *
 * @example Usage
 * ```ts
 * import { isFile } from "./_host.ts";
 * if (isFile("/nonexistent/clockd") || isFile("/")) throw new Error();
 * ```
 */
export function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/**
 * Runs a program to its end, with stdin closed.
 *
 * @param program The program.
 * @param args Its arguments.
 * @param options Its working directory and extra environment.
 * @returns Its exit code and what it printed.
 *
 * @example Usage
 * ```ts
 * import { runProgram } from "./_host.ts";
 * const { code, stdout } = await runProgram(Deno.execPath(), ["eval", "console.log(6 * 7)"]);
 * if (code !== 0 || stdout !== "42\n") throw new Error(stdout);
 * ```
 */
export async function runProgram(
  program: string,
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command(program, {
    args: [...args],
    cwd: options.cwd,
    env: options.env,
    stdin: "null",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/**
 * Whether a socket can be bound at this address and port now (for a test's
 * `ignore:`, decided before the test runs).
 *
 * @param transport `tcp` or `udp`.
 * @param hostname The address.
 * @param port The port.
 * @returns True when the bind succeeded (the socket is closed again).
 *
 * @example Usage
 * ```ts
 * import { canBind } from "./_host.ts";
 * if (!canBind("udp", "127.0.0.1", 0)) throw new Error("port 0 is always free");
 * ```
 */
export function canBind(transport: "tcp" | "udp", hostname: string, port: number): boolean {
  try {
    const socket = transport === "tcp"
      ? Deno.listen({ hostname, port })
      : Deno.listenDatagram({ transport: "udp", hostname, port });
    socket.close();
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether a command runs and exits 0 (for a test's `ignore:`).
 *
 * @param command The program.
 * @param args Its arguments.
 * @returns True when it ran and exited 0.
 *
 * @example Usage
 * ```ts
 * import { commandSucceeds } from "./_host.ts";
 * if (commandSucceeds("no-such-program-clockd", [])) throw new Error();
 * ```
 */
export function commandSucceeds(command: string, args: string[]): boolean {
  try {
    return new Deno.Command(command, { args, stdin: "null", stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

/**
 * Whether the tests run as root: the owner of a file the test process creates.
 *
 * @returns True for root.
 *
 * @example Usage
 * ```ts
 * import { isRoot } from "./_host.ts";
 * console.log(isRoot() ? "root" : "not root");
 * ```
 */
export function isRoot(): boolean {
  try {
    const path = Deno.makeTempFileSync({ prefix: "clockd-uid-" });
    try {
      return Deno.statSync(path).uid === 0;
    } finally {
      Deno.removeSync(path);
    }
  } catch {
    return false;
  }
}

/**
 * Runs a script in a fresh Deno with exactly the given permission flags
 * (no prompt, no config), fed on stdin.
 *
 * @param flags Permission flags, e.g. `--allow-read=/nonexistent`.
 * @param script The module's source.
 * @returns What it printed, trimmed.
 *
 * @example Usage
 * ```ts
 * import { runDenoScript } from "./_host.ts";
 * const { stdout } = await runDenoScript([], "console.log(6 * 7)");
 * if (stdout !== "42") throw new Error(stdout);
 * ```
 */
export async function runDenoScript(
  flags: readonly string[],
  script: string,
): Promise<{ stdout: string; stderr: string }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", "--no-config", ...flags, "-"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(script));
  await writer.close();
  const { stdout, stderr } = await child.output();
  const decoder = new TextDecoder();
  return { stdout: decoder.decode(stdout).trim(), stderr: decoder.decode(stderr) };
}

/**
 * A UDP client socket bound to a chosen local address and port, closed by `using`.
 *
 * @param hostname The local address.
 * @param port The local port; 0 picks one.
 * @returns The socket.
 *
 * @example Usage
 * ```ts
 * import { socketAt } from "./_host.ts";
 * using socket = socketAt("127.0.0.1");
 * if ((socket.addr as Deno.NetAddr).port === 0) throw new Error();
 * ```
 */
export function socketAt(hostname: string, port = 0): Deno.DatagramConn & Disposable {
  const socket = Deno.listenDatagram({ transport: "udp", hostname, port });
  return Object.assign(socket, {
    [Symbol.dispose]() {
      try {
        socket.close();
      } catch { /* closed */ }
    },
  });
}

/**
 * Sends one datagram from a fresh socket and waits for one answer.
 *
 * @param port The port it goes to.
 * @param payload The datagram.
 * @param timeoutMs How long to wait for the answer.
 * @param hostname The address it goes to.
 * @returns The answer, or null when none came within the timeout.
 *
 * @example Usage
 * ```ts
 * import { udpAsk } from "./_host.ts";
 * if (await udpAsk(9, "anyone?", 100) !== null) throw new Error("the discard port answered");
 * ```
 */
export async function udpAsk(
  port: number,
  payload: Uint8Array | string,
  timeoutMs = 2000,
  hostname = "127.0.0.1",
): Promise<Uint8Array | null> {
  const socket = Deno.listenDatagram({
    transport: "udp",
    hostname: hostname.includes(":") ? "::1" : "127.0.0.1",
    port: 0,
  });
  const bytes = typeof payload === "string" ? new TextEncoder().encode(payload) : payload;
  const timer = setTimeout(() => socket.close(), timeoutMs);
  try {
    await socket.send(bytes, { transport: "udp", hostname, port });
    const [answer] = await socket.receive();
    return answer;
  } catch (error) {
    // The timer closed the socket under the pending receive: no answer.
    if (error instanceof Deno.errors.BadResource || error instanceof Deno.errors.Interrupted) {
      return null;
    }
    throw error;
  } finally {
    clearTimeout(timer);
    try {
      socket.close();
    } catch { /* closed by the timer */ }
  }
}

/**
 * A `wrap` for `startClockd` that runs clockd under `ulimit -n limit`
 * (bash execs the rest of the command after lowering the limit).
 *
 * @param limit The descriptor limit.
 * @returns The command prefix.
 *
 * @example Usage
 * ```ts
 * import { underUlimit } from "./_host.ts";
 * if (underUlimit(64)[2] !== 'ulimit -n 64 && exec "$0" "$@"') throw new Error();
 * ```
 */
export function underUlimit(limit: number): string[] {
  return ["bash", "-c", `ulimit -n ${limit} && exec "$0" "$@"`];
}
