/**
 * A flood of the metrics port under a low descriptor limit neither stops
 * clockd nor starves the session listener (issue: the metrics listener once
 * ended the process on EMFILE).
 */

import { match, ok, strictEqual } from "node:assert/strict";
import { LineClient, ROOT, START_FLAGS } from "./_clockd.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

Deno.test("a flood of --metrics under ulimit -n 256 leaves clockd up and sessions served", async () => {
  const command = [Deno.execPath(), "run", "--quiet", ...START_FLAGS, `${ROOT}main.ts`]
    .map((word) => `'${word}'`).join(" ");
  const child = new Deno.Command("bash", {
    args: [
      "-c",
      `ulimit -n 256 && exec ${command} serve --ready-json --workers 1 --session 127.0.0.1:0/tcp ` +
      `--metrics 127.0.0.1:0 --tcp-rate off --max-sessions-per-ip 1000`,
    ],
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const ready = JSON.parse((await reader.read()).value!.split("\n")[0]);
  const sessionPort: number = ready.listeners[0].port;
  const metricsPort: number = ready.metrics.port;
  let exited: Deno.CommandStatus | null = null;
  child.status.then((status) => exited = status);
  const flood: Deno.TcpConn[] = [];
  try {
    // More idle connections to the metrics port than the process has descriptors.
    for (let i = 0; i < 600; i++) {
      try {
        flood.push(await Deno.connect({ hostname: "127.0.0.1", port: metricsPort }));
      } catch {
        break; // this side's own limit
      }
    }
    await sleep(500);
    strictEqual(exited, null, "clockd still runs under the flood");
    // While the flood is held, a session is served.
    let answer = "";
    for (let attempt = 0; attempt < 20 && !/^\d+$/.test(answer); attempt++) {
      try {
        using client = await LineClient.connect(sessionPort);
        answer = await client.ask("timestamp");
      } catch {
        await sleep(200);
      }
    }
    match(answer, /^\d+$/, "a session is answered while the metrics port is flooded");
    // And the metrics endpoint itself answers once the flood is gone.
    for (const conn of flood.splice(0)) conn.close();
    let status = 0;
    for (let attempt = 0; attempt < 20 && status !== 200; attempt++) {
      try {
        status = (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).status;
      } catch {
        await sleep(200);
      }
    }
    strictEqual(status, 200);
  } finally {
    for (const conn of flood) conn.close();
    if (exited === null) child.kill("SIGTERM");
    const final = await child.status;
    reader.releaseLock();
    await child.stdout.cancel().catch(() => {});
    const text = await stderr;
    strictEqual(final.code, 0, text);
    ok(!/Uncaught|panicked/.test(text), text);
  }
});
