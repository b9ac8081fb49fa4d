/**
 * `deno task compile [OUTPUT]`: builds the single clockd executable
 * (default `dist/clockd`) with the permissions and V8 flags of
 * `deno task clockd` baked in and the worker modules embedded, then runs
 * `OUTPUT --version` and fails with one line unless the binary says it is
 * clockd: a `DENORT_BIN` that is not the denort of this very Deno version
 * makes `deno compile` succeed with a binary that is something else.
 *
 * @module
 */

import { VERSION } from "../src/cli/version.ts";

/**
 * The modules clockd starts as Web Workers: `deno compile` cannot see them
 * in the module graph, so each is embedded with `--include`. The one list.
 */
export const WORKER_MODULES: readonly string[] = ["src/server/worker.ts"];

/** Where the binary goes by default. */
export const DEFAULT_OUTPUT = "dist/clockd";

/**
 * The `deno compile` arguments: the runtime flags of deno.json's `clockd`
 * task (its `--allow-*` and `--v8-flags`), the worker modules, the output.
 *
 * @param denoJson The text of deno.json.
 * @param output Where the binary goes.
 * @returns The arguments after `deno`.
 *
 * @example Usage
 * ```ts
 * import { compileArgs } from "./compile.ts";
 * const json = '{"tasks":{"clockd":"deno run --allow-net --v8-flags=--x main.ts"}}';
 * const args = compileArgs(json, "dist/clockd");
 * if (args.slice(0, 3).join(" ") !== "compile --allow-net --v8-flags=--x") throw new Error();
 * if (!args.includes("src/server/worker.ts") || args.at(-1) !== "main.ts") throw new Error();
 * ```
 */
export function compileArgs(denoJson: string, output: string): string[] {
  const task: unknown = JSON.parse(denoJson)?.tasks?.clockd;
  if (typeof task !== "string") throw new Error("deno.json has no clockd task");
  const runtime = task.split(/\s+/)
    .filter((word) => word.startsWith("--allow-") || word.startsWith("--v8-flags="));
  const includes = WORKER_MODULES.flatMap((module) => ["--include", module]);
  return ["compile", ...runtime, ...includes, "-o", output, "main.ts"];
}

/**
 * Runs a built binary's `--version`.
 *
 * @param binary The binary.
 * @param expected What it must print: `clockd VERSION`.
 * @returns Null when it printed `expected`, else why not, in one line.
 *
 * @example Usage
 * ```ts
 * import { checkVersion } from "./compile.ts";
 * const problem = await checkVersion(Deno.execPath(), "clockd 0.1.0");
 * if (!problem?.startsWith('--version printed "deno ')) throw new Error(problem ?? "accepted");
 * ```
 */
export async function checkVersion(binary: string, expected: string): Promise<string | null> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(binary, {
      args: ["--version"],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(15_000),
    }).output();
  } catch (error) {
    return `--version did not run: ${(error as Error).message.split("\n")[0]}`;
  }
  const printed = new TextDecoder().decode(output.stdout).trim();
  if (output.success && printed === expected) return null;
  const first = printed.split("\n")[0] ||
    new TextDecoder().decode(output.stderr).trim().split("\n")[0];
  const status = output.success ? "" : ` and exited ${output.code}`;
  return `--version printed ${JSON.stringify(first)}${status}, not ${JSON.stringify(expected)}`;
}

/**
 * Builds the binary and checks it.
 *
 * @param output Where the binary goes.
 * @returns The exit status: 0 built and checked, 1 otherwise.
 */
async function compile(output: string): Promise<number> {
  const root = new URL("../", import.meta.url);
  const denoJson = await Deno.readTextFile(new URL("deno.json", root));
  const build = await new Deno.Command(Deno.execPath(), {
    args: compileArgs(denoJson, output),
    cwd: root,
    stdin: "null",
  }).output();
  if (!build.success) return 1;
  const binary = new URL(output, root).pathname;
  const problem = await checkVersion(binary, `clockd ${VERSION}`);
  if (problem === null) return 0;
  await Deno.remove(binary).catch(() => {});
  const denort = Deno.env.get("DENORT_BIN");
  const runtime = denort === undefined
    ? "the runtime deno compile downloaded"
    : `DENORT_BIN=${denort}`;
  console.error(
    `compile: ${output} ${problem}: ${runtime} is not the denort of Deno ${Deno.version.deno} ` +
      "(see README, deno task compile); binary removed",
  );
  return 1;
}

if (import.meta.main) Deno.exit(await compile(Deno.args[0] ?? DEFAULT_OUTPUT));
