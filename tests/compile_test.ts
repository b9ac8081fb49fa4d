/**
 * `deno task compile` builds one binary that serves. `deno compile` needs
 * the Deno runtime (denort), which it downloads from dl.deno.land; where
 * that host is out of reach, point DENORT_BIN at a denort binary. Without
 * either, the build test is reported as ignored, with the reason in its
 * name; the tests of the task's own checks run everywhere.
 */

import { deepStrictEqual, match, ok, strictEqual } from "node:assert/strict";
import { LineClient, ROOT } from "./_clockd.ts";
import { compileArgs, WORKER_MODULES } from "../tools/compile.ts";

Deno.test("compileArgs() bakes in deno task clockd's flags and embeds every worker module", async () => {
  const denoJson = await Deno.readTextFile(`${ROOT}deno.json`);
  const args = compileArgs(denoJson, "dist/clockd");
  const task = JSON.parse(denoJson).tasks.clockd.split(" ");
  deepStrictEqual(
    args.filter((arg) => arg.startsWith("--allow-") || arg.startsWith("--v8-flags=")),
    task.filter((arg: string) => arg.startsWith("--allow-") || arg.startsWith("--v8-flags=")),
  );
  // Every module started as a Worker is in the list, and every listed one exists.
  const started: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for await (const entry of Deno.readDir(`${ROOT}${dir}`)) {
      if (entry.isDirectory) await walk(`${dir}/${entry.name}`);
      if (!entry.isFile || !entry.name.endsWith(".ts")) continue;
      const text = await Deno.readTextFile(`${ROOT}${dir}/${entry.name}`);
      // new Worker(new URL("./x.ts", import.meta.url)), or with a default: `entry ?? new URL(…)`
      for (const m of text.matchAll(/new Worker\([^;]*?new URL\("\.\/([^"]+)"/g)) {
        started.push(`${dir}/${m[1]}`);
      }
    }
  };
  await walk("src");
  deepStrictEqual([...started].sort(), [...WORKER_MODULES].sort());
  for (const module of WORKER_MODULES) {
    ok(Deno.statSync(`${ROOT}${module}`).isFile, module);
    ok(args.join(" ").includes(`--include ${module}`), module);
  }
});

Deno.test("deno task compile fails with one line when DENORT_BIN is not denort", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const output = `${dir}/clockd`;
    const build = await new Deno.Command(Deno.execPath(), {
      args: ["task", "-q", "compile", output],
      cwd: ROOT,
      env: { DENORT_BIN: "/bin/true" },
      stdin: "null",
    }).output();
    const stderr = new TextDecoder().decode(build.stderr);
    strictEqual(build.code, 1, stderr);
    const last = stderr.trimEnd().split("\n").at(-1)!;
    match(
      last,
      /^compile: \/.*\/clockd --version printed "[^"]*", not "clockd [\d.]+": DENORT_BIN=\/bin\/true is not the denort of Deno /,
    );
    strictEqual(await Deno.stat(output).catch(() => null), null, "the wrong binary is removed");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const denort = Deno.env.get("DENORT_BIN");

Deno.test({
  name: denort
    ? "deno task compile builds dist/clockd, which serves with its workers"
    : "deno task compile (SKIPPED: DENORT_BIN is not set, and deno compile cannot download denort here)",
  ignore: denort === undefined,
  async fn() {
    const build = await new Deno.Command(Deno.execPath(), {
      args: ["task", "compile"],
      cwd: ROOT,
      env: { DENORT_BIN: denort! },
      stdin: "null",
    }).output();
    strictEqual(build.code, 0, new TextDecoder().decode(build.stderr));
    // Run it from another directory: nothing may be read relative to the sources.
    const child = new Deno.Command(`${ROOT}dist/clockd`, {
      args: ["serve", "--ready-json", "--session", "127.0.0.1:0", "--workers", "2"],
      cwd: "/",
      stdout: "piped",
      stderr: "piped",
      stdin: "null",
    }).spawn();
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    const ready = JSON.parse((await reader.read()).value!.split("\n")[0]);
    try {
      strictEqual(ready.workers, 2, "the TCP worker started inside the binary");
      using client = await LineClient.connect(ready.listeners[0].port);
      match(await client.ask("timestamp"), /^\d+$/);
    } finally {
      child.kill("SIGTERM");
      const status = await child.status;
      reader.releaseLock();
      await child.stdout.cancel();
      const stderr = await new Response(child.stderr).text();
      strictEqual(status.code, 0, stderr);
      ok(!stderr.includes("serving with one isolate"), stderr);
    }
  },
});
