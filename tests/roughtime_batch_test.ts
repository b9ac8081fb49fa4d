/**
 * Tests of the Roughtime batching microbenchmark's logic (flags, median,
 * summary, table, the measured call). No assertion depends on timing: the
 * speed-up is shown by the printed figures, never asserted.
 *
 * @module
 */

import assert from "node:assert/strict";
import { DEFAULT_BATCH_SIZES, parseBatchArgs, runBatchRounds } from "../bench/roughtime_batch.ts";
import {
  measureAnswerBatch,
  median,
  renderBatchTable,
  roughtimeRequests,
  summariseBatches,
} from "../bench/roughtime_batch_measure.ts";
import { parseRoughtimeRequest } from "../src/protocols/roughtime/request.ts";
import { RoughtimeResponder } from "../src/protocols/roughtime/responder.ts";
import { ROUGHTIME_PROFILES } from "../src/protocols/roughtime/versions.ts";

Deno.test("parseBatchArgs() resolves defaults and rejects bad values", () => {
  const defaults = parseBatchArgs([]);
  if (defaults === "help") throw new Error("not help");
  assert.deepEqual(defaults.sizes, [1, 2, 8, 32, 128]);
  assert.deepEqual(defaults.sizes, [...DEFAULT_BATCH_SIZES]);
  assert.deepEqual([defaults.rounds, defaults.seconds, defaults.warmupSeconds], [5, 0.5, 0.5]);
  const given = parseBatchArgs(["--sizes", "32,1,32", "--seconds", "0.1", "--warmup", "0"]);
  if (given === "help") throw new Error("not help");
  assert.deepEqual([given.sizes, given.seconds, given.warmupSeconds], [[1, 32], 0.1, 0]);
  assert.equal(parseBatchArgs(["-h"]), "help");
  assert.throws(
    () => parseBatchArgs(["--sizes", "1,129"]),
    /--sizes: expected a whole number above 0, at most 128, got "129"/,
  );
  assert.throws(() => parseBatchArgs(["--sizes", "0"]), /--sizes/);
  assert.throws(() => parseBatchArgs(["--rounds", "2.5"]), /--rounds/);
  assert.throws(() => parseBatchArgs(["--seconds=-1"]), /--seconds: expected a number above 0/);
  assert.throws(
    () => parseBatchArgs(["--warmup=-1"]),
    /--warmup: expected a number of at least 0/,
  );
  assert.throws(() => parseBatchArgs(["--frobnicate"]), TypeError);
});

Deno.test("median() is the middle value, or the mean of the middle two", () => {
  assert.equal(median([5]), 5);
  assert.equal(median([9, 1, 5]), 5);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
});

Deno.test("summariseBatches() takes medians and the speed-up over batch 1", () => {
  const rows = summariseBatches(
    new Map([[8, [40_000, 10_000, 50_000]], [1, [10_000, 12_000, 8_000]], [2, [15_000]]]),
  );
  assert.deepEqual(rows.map((row) => row.batch), [1, 2, 8]);
  assert.deepEqual(rows.map((row) => row.answersPerSecond), [10_000, 15_000, 40_000]);
  assert.deepEqual(rows.map((row) => row.speedUp), [1, 1.5, 4]);
  assert.equal(rows[0].microsPerAnswer, 100);
  assert.deepEqual(rows[2].rounds, [40_000, 10_000, 50_000]);
  assert.equal(summariseBatches(new Map([[2, [1]]]))[0].speedUp, null);
});

Deno.test("renderBatchTable() shows medians, the rounds' spread, µs per answer and speed-up", () => {
  const text = renderBatchTable(
    summariseBatches(new Map([[1, [10_000, 12_000, 8_000]], [32, [30_000, 31_000, 29_500]]])),
  );
  assert.equal(
    text,
    [
      "batch  answers/s  rounds: lowest–highest  µs/answer  vs batch 1",
      "-----  ---------  ----------------------  ---------  ----------",
      "    1     10,000            8,000–12,000      100.0       1.00×",
      "   32     30,000           29,500–31,000       33.3       3.00×",
      "",
    ].join("\n"),
  );
});

Deno.test("roughtimeRequests() builds distinct valid RFC requests", () => {
  const requests = roughtimeRequests(3);
  const nonces = requests.map((request) => {
    const parsed = parseRoughtimeRequest(request, {
      transport: "udp",
      srv: new Uint8Array(32),
      allowed: [ROUGHTIME_PROFILES.rfc],
    });
    if (typeof parsed === "string") throw new Error(parsed);
    return parsed.nonce.join();
  });
  assert.equal(new Set(nonces).size, 3);
});

Deno.test("measureAnswerBatch() answers every request and refuses to count drops", () => {
  const now = { seconds: Math.floor(Date.now() / 1000), nanos: 0 };
  const responder = RoughtimeResponder.create({ rootSeed: new Uint8Array(32).fill(2), now });
  assert.ok(measureAnswerBatch(responder, roughtimeRequests(4), now, 0.01) > 0);
  assert.throws(
    () => measureAnswerBatch(responder, [new Uint8Array(100)], now, 0.01),
    /request dropped: short/,
  );
});

Deno.test("runBatchRounds() measures every size in every round", () => {
  const lines: string[] = [];
  const rounds = runBatchRounds(
    { sizes: [1, 8], rounds: 2, seconds: 0.005, warmupSeconds: 0.005 },
    (line) => lines.push(line),
  );
  assert.deepEqual([...rounds.keys()], [1, 8]);
  for (const values of rounds.values()) assert.equal(values.length, 2);
  assert.deepEqual(lines, ["round 1 of 2 done", "round 2 of 2 done"]);
});
