/**
 * `deno task compile` builds one binary that serves. `deno compile` needs
 * the Deno runtime (denort), which it downloads from dl.deno.land; where
 * that host is out of reach, point DENORT_BIN at a denort binary. Without
 * either, this test is reported as ignored, with the reason in its name.
 */

import { match, ok, strictEqual } from "node:assert/strict";
import { LineClient, ROOT } from "./_clockd.ts";

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
