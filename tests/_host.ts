/**
 * Test harness: what the host offers (programs, root, bindable ports) and
 * small runners, for tests' `ignore:` and setup. Re-exported by `_clockd.ts`.
 *
 * @module
 */

/** Whether a program is on PATH (tests that drive it skip with a message when not). */
export function hasProgram(name: string): boolean {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      if (Deno.statSync(`${dir}/${name}`).isFile) return true;
    } catch { /* not here */ }
  }
  return false;
}

/**
 * Whether a socket can be bound at this address and port now (for a test's
 * `ignore:`, decided before the test runs).
 *
 * @param transport `tcp` or `udp`.
 * @param hostname The address.
 * @param port The port.
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
 */
export function commandSucceeds(command: string, args: string[]): boolean {
  try {
    return new Deno.Command(command, { args, stdin: "null", stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

/** Whether the tests run as root: the owner of a file the test process creates. */
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

/** A UDP client socket bound to a chosen local address and port, closed by `using`. */
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
