/**
 * A flood of the metrics port under a low descriptor limit neither stops
 * clockd nor starves the session listener (issue: the metrics listener once
 * ended the process on EMFILE).
 */

import { match, ok, strictEqual } from "node:assert/strict";
import { LineClient, startClockd, underUlimit } from "./_clockd.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

Deno.test("a flood of --metrics under ulimit -n 256 leaves clockd up and sessions served", async () => {
  await using clockd = await startClockd([
    "--workers",
    "1",
    "--session",
    "127.0.0.1:0/tcp",
    "--metrics",
    "127.0.0.1:0",
    "--tcp-rate",
    "off",
    "--max-sessions-per-ip",
    "1000",
  ], { wrap: underUlimit(256) });
  const sessionPort = clockd.port("session", "tcp");
  const metricsPort = clockd.metrics!.port;
  let exited: Deno.CommandStatus | null = null;
  clockd.process.status.then((status) => exited = status);
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
  }
  const final = await clockd.stop("SIGTERM");
  strictEqual(final.code, 0, clockd.stderr());
  ok(!/Uncaught|panicked/.test(clockd.stderr()), clockd.stderr());
});
