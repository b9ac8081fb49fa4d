import { strictEqual } from "node:assert/strict";
import { WorkerPool } from "../src/server/worker_pool.ts";
import { Metrics } from "../src/ops/metrics.ts";

Deno.test("WorkerPool tells onFailure when a worker fails after it started serving", async () => {
  const metrics = new Metrics();
  let failure: (message: string) => void = () => {};
  const failed = new Promise<string>((resolve) => failure = resolve);
  const pool = await WorkerPool.start({
    count: 1,
    args: [],
    listeners: [],
    io: "deno",
    sharedUdp: false,
    limitsBuffer: new SharedArrayBuffer(8),
    httpLimitsBuffer: new SharedArrayBuffer(8),
    roughtimeSeed: null,
    metrics,
    onFailure: failure,
    entry: new URL("./_failing_worker.ts", import.meta.url),
  });
  const message = await failed;
  strictEqual(message.startsWith("worker 1: "), true, message);
  strictEqual(message.includes("the loop broke"), true, message);
  await pool.shutdown(100);
  metrics.close();
});
