/**
 * Tests of the benchmark's own logic (statistics, fan-out, the table, the
 * flags, the load worker's answer checks) and one short smoke run of the
 * whole benchmark. No assertion here depends on timing.
 *
 * @module
 */

import assert from "node:assert/strict";
import { isFile } from "./_host.ts";
import { fileURLToPath } from "node:url";
import { parseBenchArgs } from "../bench/cli.ts";
import { parseOpenFileLimit, processesFor, RESERVED_FDS, splitClients } from "../bench/fanout.ts";
import { runWorker } from "../bench/load_worker.ts";
import type { WorkerMessage, WorkerSpec } from "../bench/worker_protocol.ts";
import { type BenchReport, renderReport } from "../bench/main.ts";
import { CHRONYD, chronydArgs, measureFidelity, summarizeFidelity } from "../bench/ntp_fidelity.ts";
import { mergeResults, type WorkloadResult } from "../bench/results.ts";
import {
  findListener,
  parseRoughtimePublicKey,
  parseVmRss,
  SERVE_ARGS,
  startPermissions,
} from "../bench/server.ts";
import { checkWorldTimeAnswer, parseHttpResponseHead } from "../bench/clients/http_response.ts";
import {
  checkRoughtimeDatagram,
  decodeRoughtimePublicKey,
  roughtimeAsk,
} from "../bench/clients/roughtime.ts";
import { RoughtimeResponder } from "../src/protocols/roughtime/responder.ts";
import { parseRoughtimeRequest } from "../src/protocols/roughtime/request.ts";
import { ROUGHTIME_PROFILES } from "../src/protocols/roughtime/versions.ts";
import {
  bucketHigh,
  bucketIndex,
  LatencyHistogram,
  MAX_TRACKED_US,
  percentile,
  SUB_BUCKETS,
} from "../bench/stats.ts";
import {
  formatBytes,
  formatLatency,
  formatRate,
  renderResults,
  renderTable,
} from "../bench/table.ts";
import { getWorkload, parseWorkloadList, WORKLOADS } from "../bench/workloads.ts";

/** A small deterministic generator (mulberry32), so the sample is the same every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function histogramOf(values: readonly number[]): LatencyHistogram {
  const histogram = new LatencyHistogram();
  for (const value of values) histogram.record(value);
  return histogram;
}

const oneToHundred = Array.from({ length: 100 }, (_, i) => i + 1);

Deno.test("percentile() is the nearest rank", () => {
  const cases: [number[], number, number][] = [
    [[7], 0, 7],
    [[7], 50, 7],
    [[7], 100, 7],
    [[1, 2, 3, 4], 25, 1],
    [[1, 2, 3, 4], 50, 2],
    [[1, 2, 3, 4], 51, 3],
    [[1, 2, 3, 4], 75, 3],
    [[1, 2, 3, 4], 99, 4],
    [[1, 2, 3, 4], 100, 4],
    [[10, 20, 30, 40, 50], 50, 30],
    [[10, 20, 30, 40, 50], 0, 10],
    [oneToHundred, 50, 50],
    [oneToHundred, 99, 99],
    [oneToHundred, 99.5, 100],
    [oneToHundred, 1, 1],
  ];
  for (const [sorted, p, want] of cases) {
    assert.equal(percentile(sorted, p), want, `p${p} of ${sorted.length} values`);
  }
  assert.ok(Number.isNaN(percentile([], 50)));
  assert.throws(() => percentile([1], -1), RangeError);
  assert.throws(() => percentile([1], 101), RangeError);
  assert.throws(() => percentile([1], NaN), RangeError);
});

Deno.test("bucketIndex() is exact below 128 µs and within 1/64 above", () => {
  let previous = -1;
  for (let us = 0; us <= 300_000; us++) {
    const index = bucketIndex(us);
    assert.ok(index >= previous, `buckets ascend at ${us}`);
    previous = index;
    const high = bucketHigh(index);
    if (us < 2 * SUB_BUCKETS) assert.equal(high, us);
    assert.ok(high >= us && high - us <= us / SUB_BUCKETS, `${us} µs reported as ${high}`);
    if (us > 0 && bucketIndex(us - 1) !== index) {
      assert.equal(bucketHigh(bucketIndex(us - 1)), us - 1);
    }
  }
  assert.equal(bucketHigh(bucketIndex(MAX_TRACKED_US)), MAX_TRACKED_US);
});

Deno.test("LatencyHistogram.percentile() matches the exact percentile of known inputs", () => {
  const cases: { values: number[]; p: number; want: number }[] = [
    { values: oneToHundred, p: 50, want: 50 },
    { values: oneToHundred, p: 99, want: 99 },
    { values: oneToHundred, p: 100, want: 100 },
    { values: [5, 5, 5, 5, 120], p: 50, want: 5 },
    { values: [5, 5, 5, 5, 120], p: 99, want: 120 },
    // 1000 µs shares a bucket with 1001..1007: reported as its top, never past the maximum.
    { values: [1000, 1000, 1000], p: 50, want: 1000 },
    { values: [1000, 1001, 2000], p: 50, want: 1007 },
    { values: [0.4, 0.6, 1.4], p: 50, want: 1 }, // rounded to whole µs
  ];
  for (const { values, p, want } of cases) {
    assert.equal(histogramOf(values).percentile(p), want, `p${p} of ${values}`);
  }
  const empty = new LatencyHistogram();
  assert.ok(Number.isNaN(empty.percentile(50)));
  assert.equal(empty.count, 0);
  assert.equal(empty.min, 0);
});

Deno.test("LatencyHistogram.percentile() is within 1/64 of the exact one on a wide sample", () => {
  const next = random(42);
  const values = Array.from({ length: 20_000 }, () => Math.round(50 * Math.exp(next() * 9)));
  const histogram = histogramOf(values);
  const sorted = [...values].sort((a, b) => a - b);
  for (const p of [1, 10, 50, 90, 99, 99.9, 100]) {
    const exact = percentile(sorted, p);
    const got = histogram.percentile(p);
    assert.ok(got >= exact && got - exact <= exact / SUB_BUCKETS, `p${p}: ${got} vs ${exact}`);
  }
  assert.equal(histogram.max, sorted.at(-1));
  assert.equal(histogram.min, sorted[0]);
  assert.equal(histogram.count, values.length);
});

Deno.test("LatencyHistogram.merge() of per-process histograms sent as JSON equals one histogram", () => {
  const next = random(7);
  const values = Array.from({ length: 9_000 }, () => Math.round(next() * 50_000));
  const processes = [values.slice(0, 1000), values.slice(1000, 5000), values.slice(5000), []];
  const merged = new LatencyHistogram();
  for (const share of processes) {
    const sent = JSON.parse(JSON.stringify(histogramOf(share)));
    merged.merge(LatencyHistogram.fromJSON(sent));
  }
  const whole = histogramOf(values);
  assert.deepEqual(merged.toJSON(), whole.toJSON());
  for (const p of [50, 99]) assert.equal(merged.percentile(p), whole.percentile(p));
  assert.equal(merged.mean, whole.mean);
});

Deno.test("LatencyHistogram.fromJSON() rejects data that is not a histogram", () => {
  assert.throws(() => LatencyHistogram.fromJSON(null as never), TypeError);
  assert.throws(
    () => LatencyHistogram.fromJSON({ count: 3, min: 1, max: 1, sum: 1, buckets: [[1, 1]] }),
    TypeError,
  );
  const empty = LatencyHistogram.fromJSON({ count: 0, min: 0, max: 0, sum: 0, buckets: [] });
  assert.equal(empty.count, 0);
  assert.equal(empty.min, 0);
});

Deno.test("mergeResults() adds up the load processes' reports", () => {
  const report = (values: number[], ops: number, errors: number, firstError: string | null) => ({
    ops,
    windowSeconds: 2,
    errors,
    firstError,
    histogram: histogramOf(values).toJSON(),
    held: 8,
    stale: 1,
    verified: 2,
    cpuSeconds: ops / 1000,
  });
  const merged = mergeResults([
    report([10, 20], 100, 0, null),
    report([30], 300, 2, "first"),
    report([40], 60, 1, "second"),
  ]);
  assert.equal(merged.ops, 460);
  assert.equal(merged.opsPerSecond, 230);
  assert.equal(merged.errors, 3);
  assert.equal(merged.firstError, "first");
  assert.equal(merged.held, 24);
  assert.equal(merged.stale, 3);
  assert.equal(merged.verified, 6);
  assert.equal(merged.cpuSeconds, 0.46);
  assert.equal(mergeResults([{ ...report([1], 1, 0, null), cpuSeconds: null }]).cpuSeconds, null);
  assert.equal(merged.histogram.count, 4);
  assert.equal(merged.histogram.percentile(50), 20);
  assert.equal(merged.histogram.max, 40);
});

Deno.test("splitClients() spreads clients evenly and never leaves a process empty", () => {
  const cases: [number, number, number[]][] = [
    [64, 2, [32, 32]],
    [64, 3, [22, 21, 21]],
    [16, 4, [4, 4, 4, 4]],
    [10_000, 3, [3334, 3333, 3333]],
    [5, 1, [5]],
    [2, 4, [1, 1]],
    [1, 3, [1]],
    [0, 2, []],
  ];
  for (const [total, processes, want] of cases) {
    const shares = splitClients(total, processes);
    assert.deepEqual(shares, want, `${total} over ${processes}`);
    assert.equal(shares.reduce((a, b) => a + b, 0), total);
  }
  assert.throws(() => splitClients(-1, 2), RangeError);
  assert.throws(() => splitClients(1.5, 2), RangeError);
  assert.throws(() => splitClients(4, 0), RangeError);
});

Deno.test("processesFor() adds processes when the sockets exceed one process's file limit", () => {
  const cases: [number, number, number, number][] = [
    [64, 2, 20_000, 2],
    [10_000, 2, 20_000, 2],
    [10_000, 2, 4096, 3],
    [10_000, 1, 1024, Math.ceil(10_000 / (1024 - RESERVED_FDS))],
    [10_000, 4, Infinity, 4],
  ];
  for (const [sockets, processes, limit, want] of cases) {
    assert.equal(processesFor(sockets, processes, limit), want, `${sockets} with limit ${limit}`);
  }
  assert.throws(() => processesFor(10, 1, RESERVED_FDS), RangeError);
});

Deno.test("parseOpenFileLimit() reads the soft limit", () => {
  const limits = (soft: string) =>
    "Limit                     Soft Limit           Hard Limit           Units\n" +
    "Max processes             62987                62987                processes\n" +
    `Max open files            ${soft}                1048576              files\n`;
  assert.equal(parseOpenFileLimit(limits("20000")), 20000);
  assert.equal(parseOpenFileLimit(limits("unlimited")), Infinity);
  assert.equal(parseOpenFileLimit(""), Infinity);
  assert.equal(parseOpenFileLimit(null), Infinity);
});

Deno.test("renderTable() aligns text left and figures right, with no trailing spaces", () => {
  const text = renderTable(
    [{ title: "workload" }, { title: "ops/s", align: "right" }, { title: "note" }],
    [["ntp", "1,234", ""], ["session-tcp", "56", "slow"]],
  );
  assert.equal(
    text,
    [
      "workload     ops/s  note",
      "-----------  -----  ----",
      "ntp          1,234",
      "session-tcp     56  slow",
      "",
    ].join("\n"),
  );
  assert.throws(() => renderTable([{ title: "a" }], [["1", "2"]]), RangeError);
});

Deno.test("formatLatency(), formatRate() and formatBytes() format the figures", () => {
  const latencies: [number, string][] = [
    [0, "0 µs"],
    [87.4, "87 µs"],
    [9999, "9999 µs"],
    [
      10_000,
      "10.0 ms",
    ],
    [1_234_567, "1234.6 ms"],
    [NaN, "-"],
  ];
  for (const [us, want] of latencies) assert.equal(formatLatency(us), want);
  const rates: [number, string][] = [[0, "0"], [999.5, "1,000"], [1_234_567.2, "1,234,567"], [
    NaN,
    "-",
  ]];
  for (const [rate, want] of rates) assert.equal(formatRate(rate), want);
  const sizes: [number | null, string][] = [
    [0, "0 B"],
    [10_239, "10,239 B"],
    [10_240, "10.0 KiB"],
    [2_621_440, "2560.0 KiB"],
    [10_485_760, "10.0 MiB"],
    [null, "-"],
  ];
  for (const [bytes, want] of sizes) assert.equal(formatBytes(bytes), want);
});

Deno.test("renderResults() renders ran, idle, not-run and failed rows", () => {
  const row = (fields: Partial<WorkloadResult>): WorkloadResult => ({
    workload: "session-tcp",
    clients: 64,
    processes: 2,
    status: "ran",
    reason: null,
    ops: 500_000,
    opsPerSecond: 100_000.4,
    p50Us: 450,
    p99Us: 12_600,
    maxUs: 20_000,
    errors: 0,
    firstError: null,
    stale: 0,
    verified: 0,
    serverRssBytes: 64 * 1024 * 1024,
    serverCpuUsPerOp: 11.64,
    loadCpuUsPerOp: 25.05,
    idle: null,
    ...fields,
  });
  const text = renderResults([
    row({}),
    row({
      workload: "idle",
      clients: 10_000,
      opsPerSecond: null,
      errors: 3,
      serverCpuUsPerOp: null,
      loadCpuUsPerOp: null,
      idle: { held: 9997, rssBeforeBytes: 1, rssHeldBytes: 2, bytesPerSession: 4321.4 },
    }),
    row({ workload: "ntp", clients: 16, status: "skipped", reason: "no listener", p50Us: null }),
    row({ workload: "time-udp", clients: 16, status: "failed", reason: "crashed", p99Us: null }),
  ]);
  assert.equal(
    text,
    [
      "workload     clients    ops/s     p50      p99  errors  server RSS  CPU/op server  CPU/op load  bytes/idle session",
      "-----------  -------  -------  ------  -------  ------  ----------  -------------  -----------  ------------------",
      "session-tcp       64  100,000  450 µs  12.6 ms       0    64.0 MiB        11.6 µs      25.1 µs                   -",
      "idle          10,000        -  450 µs  12.6 ms       3    64.0 MiB              -            -             4,321 B",
      "ntp               16  skipped       -  12.6 ms       -    64.0 MiB        11.6 µs      25.1 µs                   -",
      "time-udp          16   failed  450 µs        -       -    64.0 MiB        11.6 µs      25.1 µs                   -",
      "",
    ].join("\n"),
  );
});

Deno.test("renderReport() says how many Roughtime answers were verified, or why none", () => {
  const row = (verified: number): WorkloadResult => ({
    workload: "roughtime-udp",
    clients: 16,
    processes: 2,
    status: "ran",
    reason: null,
    ops: 1000,
    opsPerSecond: 1000,
    p50Us: 100,
    p99Us: 900,
    maxUs: 1000,
    errors: 0,
    firstError: null,
    stale: 0,
    verified,
    serverRssBytes: null,
    serverCpuUsPerOp: null,
    loadCpuUsPerOp: null,
    idle: null,
  });
  const report = (verified: number): BenchReport => ({
    server: "clockd",
    cores: 2,
    loadAverage: null,
    seconds: 1,
    warmupSeconds: 0,
    processes: 2,
    workloads: [row(verified)],
    ntpFidelity: null,
  });
  assert.match(renderReport(report(16)), /roughtime-udp: 16 answers fully verified/);
  assert.match(renderReport(report(0)), /roughtime-udp: no answer verified in full: clockd logged/);
  const measured = renderReport({
    ...report(16),
    ntpFidelity: summarizeFidelity([
      [{ offset: 12e-6, delay: 90e-6 }, { offset: 2e-6, delay: 80e-6 }],
      [{ offset: 14e-6, delay: 100e-6 }, { offset: 6e-6, delay: 90e-6 }],
      [{ offset: 16e-6, delay: 110e-6 }, { offset: 4e-6, delay: 85e-6 }],
    ]),
  });
  assert.match(measured, /3 rounds, alternating which goes first; client stamps: CLOCK_REALTIME/);
  assert.match(measured, /round trip clockd 100 µs, chronyd 85 µs \(1\.18x\)/);
  assert.match(measured, /offset clockd 14 µs, chronyd 4 µs, clockd - chronyd 10 µs/);
  assert.match(
    renderReport({ ...report(16), ntpFidelity: { skipped: "/usr/sbin/chronyd is not installed" } }),
    /ntp fidelity against chronyd: skipped: \/usr\/sbin\/chronyd is not installed/,
  );
});

Deno.test("chronydArgs() serves the local clock on loopback and never sets the clock", () => {
  const args = chronydArgs(12345, "/tmp/x.pid");
  assert.deepEqual(args.slice(0, 4), ["-x", "-d", "-u", "root"]);
  for (
    const directive of ["local stratum 10", "port 12345", "bindaddress 127.0.0.1", "cmdport 0"]
  ) {
    assert.ok(args.includes(directive), directive);
  }
});

Deno.test("measureFidelity() says why when chronyd is not there", async () => {
  assert.deepEqual(await measureFidelity(1, 1, "/nonexistent/chronyd"), {
    skipped: "/nonexistent/chronyd is not installed (apt-get install chrony)",
  });
});

Deno.test("parseWorkloadList() keeps table order and rejects unknown names", () => {
  assert.deepEqual(
    parseWorkloadList("idle, ntp,session-tcp,ntp").map((w) => w.name),
    ["session-tcp", "ntp", "idle"],
  );
  assert.deepEqual(
    parseWorkloadList("roughtime-udp,http-json,idle").map((w) => w.name),
    ["http-json", "roughtime-udp", "idle"],
  );
  assert.equal(parseWorkloadList("all").length, WORKLOADS.length);
  assert.throws(() => parseWorkloadList("ntp,nope"), /Unknown workload "nope"/);
  assert.throws(() => parseWorkloadList(" , "), RangeError);
});

Deno.test("http-json and roughtime-udp drive their listeners with 16 clients", () => {
  const http = getWorkload("http-json");
  assert.deepEqual([http.service, http.transport, http.clients], ["http", "tcp", 16]);
  const roughtime = getWorkload("roughtime-udp");
  assert.deepEqual([roughtime.service, roughtime.transport, roughtime.clients], [
    "roughtime",
    "udp",
    16,
  ]);
  const args = parseBenchArgs(["--workloads", "http-json,roughtime-udp"], () => undefined);
  if (args === "help") throw new Error("not help");
  assert.deepEqual(args.workloads, [http, roughtime]);
});

Deno.test("parseBenchArgs() resolves defaults, flags and the server command variable", () => {
  const none = () => undefined;
  const defaults = parseBenchArgs([], none);
  assert.notEqual(defaults, "help");
  if (defaults === "help") return;
  assert.equal(defaults.workloads.length, WORKLOADS.length);
  assert.equal(defaults.seconds, 5);
  assert.equal(defaults.processes, 2);
  assert.equal(defaults.idleSessions, 10_000);
  assert.equal(defaults.idleSilenceSeconds, 10);
  assert.equal(defaults.clients, null);
  assert.equal(defaults.serverCmd, null);
  assert.deepEqual(defaults.serveFlags, []);
  assert.equal(defaults.json, false);

  const env = (name: string) =>
    name === "CLOCKD_BENCH_SERVER_CMD" ? "dist/clockd serve" : undefined;
  const given = parseBenchArgs(
    ["--seconds", "1", "--processes", "3", "--clients", "8", "--idle-silence", "0", "--json"],
    env,
  );
  if (given === "help") throw new Error("not help");
  assert.deepEqual(
    [given.seconds, given.processes, given.clients, given.idleSilenceSeconds, given.json],
    [1, 3, 8, 0, true],
  );
  assert.equal(given.serverCmd, "dist/clockd serve");
  const flagWins = parseBenchArgs(["--server-cmd", "x"], env);
  assert.equal(flagWins !== "help" && flagWins.serverCmd, "x");
  const extra = parseBenchArgs(["--serve-flags=--io deno  --workers 1 "], none);
  assert.deepEqual(extra !== "help" && extra.serveFlags, [
    "--io",
    "deno",
    "--workers",
    "1",
  ]);
  assert.throws(
    () => parseBenchArgs(["--server-cmd", "x", "--serve-flags=--workers 1"], none),
    /--serve-flags: adds to the default command/,
  );

  assert.equal(parseBenchArgs(["-h"], none), "help");
  assert.throws(() => parseBenchArgs(["--processes", "0"], none), /--processes/);
  assert.throws(() => parseBenchArgs(["--processes", "1.5"], none), /--processes/);
  assert.throws(() => parseBenchArgs(["--seconds", "soon"], none), /--seconds/);
  assert.throws(() => parseBenchArgs(["--frobnicate"], none), TypeError);
});

Deno.test("SERVE_ARGS serve every workload's listener with the rate limits off", () => {
  const args = SERVE_ARGS.join(" ");
  for (const service of ["session", "daytime", "time", "ntp", "http", "roughtime"]) {
    assert.match(args, new RegExp(`--${service} 127\\.0\\.0\\.1:0`));
  }
  assert.match(args, /--udp-rate off --tcp-rate off/);
  assert.match(args, /--ready-json/);
  // Roughtime answers only a synchronised clock, and its key line is logged at info.
  assert.match(args, /--ntp-sync always/);
  assert.match(args, /--log-level info/);
});

Deno.test("parseRoughtimePublicKey() finds the key in clockd's startup lines", () => {
  const key = "k6J4/9tMuhhWuunHbEB3hCDLGqsYw1568HzhMJNE1+4=";
  const log = "2026-11-30T02:31:30.496Z [INF] clockd.server: clockd 0.1.0 listening: ...\n" +
    `2026-11-30T02:31:30.498Z [INF] clockd.server: roughtime public key ${key} (ephemeral)\n`;
  assert.equal(parseRoughtimePublicKey(log), key);
  const json = `{"level":"INFO","message":"roughtime public key ${key} (from /k)"}`;
  assert.equal(parseRoughtimePublicKey(json), key);
  assert.equal(parseRoughtimePublicKey(log.split("\n")[0]), null);
  assert.equal(parseRoughtimePublicKey(`roughtime public key ${key.slice(0, 20)} (cut)`), null);
});

Deno.test("decodeRoughtimePublicKey() takes base64 of 32 bytes only", () => {
  const key = decodeRoughtimePublicKey("k6J4/9tMuhhWuunHbEB3hCDLGqsYw1568HzhMJNE1+4=");
  assert.equal(key.length, 32);
  assert.deepEqual([...key.subarray(0, 3)], [0x93, 0xa2, 0x78]);
  assert.throws(() => decodeRoughtimePublicKey("not base64!"), /not base64/);
  assert.throws(() => decodeRoughtimePublicKey("AAAA"), /3 bytes, want 32/);
});

Deno.test("parseHttpResponseHead() waits for the blank line and reads Content-Length", () => {
  const bytes = (text: string) => new TextEncoder().encode(text);
  const head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\ncontent-length: 397\r\n\r\n";
  assert.equal(parseHttpResponseHead(bytes(head.slice(0, -2))), null);
  assert.deepEqual(parseHttpResponseHead(bytes(head + "{")), {
    status: 200,
    headBytes: head.length,
    contentLength: 397,
    close: false,
  });
  const closing =
    "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
  assert.deepEqual(parseHttpResponseHead(bytes(closing)), {
    status: 503,
    headBytes: closing.length,
    contentLength: 0,
    close: true,
  });
  assert.throws(() => parseHttpResponseHead(bytes("SSH-2.0\r\n\r\n")), /status line/);
  assert.throws(
    () => parseHttpResponseHead(bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")),
    /without Content-Length/,
  );
  assert.throws(
    () => parseHttpResponseHead(bytes("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n")),
    /Bad Content-Length "-1"/,
  );
});

Deno.test("checkWorldTimeAnswer() wants status 200 and JSON with utc_datetime", () => {
  const head = { status: 200, headBytes: 0, contentLength: 0, close: false };
  const body = (text: string) => new TextEncoder().encode(text);
  const good = '{"timezone":"Europe/Paris","utc_datetime":"2026-11-30T02:31:33.639931+00:00"}';
  assert.equal(checkWorldTimeAnswer(head, body(good)), null);
  assert.equal(checkWorldTimeAnswer({ ...head, status: 404 }, body(good)), "status 404, want 200");
  assert.match(checkWorldTimeAnswer(head, body("<html>")) ?? "", /not JSON/);
  assert.match(checkWorldTimeAnswer(head, body('{"datetime":"x"}')) ?? "", /no utc_datetime/);
  assert.match(checkWorldTimeAnswer(head, body("null")) ?? "", /no utc_datetime/);
  assert.match(
    checkWorldTimeAnswer(head, body('{"utc_datetime":"soon"}')) ?? "",
    /no utc_datetime/,
  );
});

Deno.test("roughtimeAsk() sends valid RFC requests, each with a fresh nonce", () => {
  const ask = roughtimeAsk(null);
  const options = {
    transport: "udp" as const,
    srv: new Uint8Array(32),
    allowed: [ROUGHTIME_PROFILES.rfc],
  };
  const nonces = new Set<string>();
  for (let i = 0; i < 4; i++) {
    const request = ask.request();
    assert.ok(request.length >= 1024, `${request.length} bytes`);
    const parsed = parseRoughtimeRequest(request, options);
    if (typeof parsed === "string") throw new Error(parsed);
    assert.equal(parsed.profile.name, "rfc");
    nonces.add(parsed.nonce.join());
  }
  assert.equal(nonces.size, 4);
});

Deno.test("checkRoughtimeDatagram() wants a framed answer no larger than the request", () => {
  const now = { seconds: Math.floor(Date.now() / 1000), nanos: 0 };
  const responder = RoughtimeResponder.create({ rootSeed: new Uint8Array(32).fill(3), now });
  const request = roughtimeAsk(null).request();
  const [outcome] = responder.answerBatch([request], now, 1_000_000);
  if (outcome.answer === null) throw new Error(outcome.drop);
  assert.equal(checkRoughtimeDatagram(outcome.answer, request), "ok");
  assert.equal(checkRoughtimeDatagram(new Uint8Array(0), request), "empty answer");
  assert.match(checkRoughtimeDatagram(new Uint8Array(2000), request), /more than the 1036-byte/);
  assert.match(checkRoughtimeDatagram(outcome.answer.subarray(8), request), /ROUGHTIM/);
});

Deno.test("roughtimeAsk() verifies the first answer and one in N with the public key", async () => {
  const now = { seconds: Math.floor(Date.now() / 1000), nanos: 0 };
  const responder = RoughtimeResponder.create({ rootSeed: new Uint8Array(32).fill(4), now });
  const ask = roughtimeAsk(responder.publicKey, 3);
  const verdicts: boolean[] = [];
  for (let i = 0; i < 4; i++) {
    const request = ask.request();
    const [outcome] = responder.answerBatch([request], now, 1_000_000);
    verdicts.push(await ask.audit!(outcome.answer!, request));
  }
  assert.deepEqual(verdicts, [true, false, false, true]);

  const other = RoughtimeResponder.create({ rootSeed: new Uint8Array(32).fill(5), now });
  const strict = roughtimeAsk(other.publicKey, 1);
  const request = strict.request();
  const [wrongKey] = responder.answerBatch([request], now, 1_000_000);
  await assert.rejects(() => strict.audit!(wrongKey.answer!, request), /fails verification/);
  const later = { seconds: now.seconds + 3600, nanos: 0 };
  const next = strict.request();
  const [farOff] = other.answerBatch([next], later, 1_000_000);
  await assert.rejects(() => strict.audit!(farOff.answer!, next), /MIDP is 3\d{3}\.\d s from/);
  assert.equal(await roughtimeAsk(null).audit!(farOff.answer!, next), false);
});

Deno.test("startPermissions() takes deno task start's permissions, paths made absolute", () => {
  const json = JSON.stringify({
    tasks: {
      start:
        "deno run --allow-net --allow-env --allow-read=./main.ts,./src --allow-ffi=/lib/libc.so.6 main.ts serve",
    },
  });
  assert.deepEqual(startPermissions(json, "/work/clockd/"), [
    "--allow-net",
    "--allow-env",
    "--allow-read=/work/clockd/main.ts,/work/clockd/src",
    "--allow-ffi=/lib/libc.so.6",
  ]);
  assert.deepEqual(startPermissions("{}", "/x/"), ["--allow-net", "--allow-env"]);
});

Deno.test("startPermissions() follows a start task that runs another task", () => {
  const json = JSON.stringify({
    tasks: {
      clockd: "deno run --allow-net --allow-read=./main.ts,./src,/etc/clockd main.ts",
      start: "deno task clockd serve",
    },
  });
  assert.deepEqual(startPermissions(json, "/work/clockd/"), [
    "--allow-net",
    "--allow-read=/work/clockd/main.ts,/work/clockd/src,/etc/clockd",
  ]);
});

Deno.test("findListener() picks the service and transport and drives it on loopback", () => {
  const listeners = [
    { service: "session", transport: "tcp" as const, hostname: "127.0.0.1", port: 1200 },
    { service: "session", transport: "udp" as const, hostname: "127.0.0.1", port: 1201 },
    { service: "ntp", transport: "udp" as const, hostname: "0.0.0.0", port: 123 },
    { service: "daytime", transport: "tcp" as const, hostname: "::1", port: 13 },
  ];
  assert.deepEqual(findListener(listeners, "session", "udp"), {
    hostname: "127.0.0.1",
    port: 1201,
  });
  assert.deepEqual(findListener(listeners, "ntp", "udp"), { hostname: "127.0.0.1", port: 123 });
  assert.deepEqual(findListener(listeners, "daytime", "tcp"), { hostname: "::1", port: 13 });
  assert.equal(findListener(listeners, "time", "udp"), null);
});

Deno.test("parseVmRss() reads VmRSS in bytes", () => {
  assert.equal(parseVmRss("Name:\tdeno\nVmHWM:\t 9 kB\nVmRSS:\t   65536 kB\n"), 65536 * 1024);
  assert.equal(parseVmRss("Name:\tdeno\n"), null);
});

/** Runs one load worker in this process against a fake server, for the answer checks. */
async function runAgainst(
  workload: WorkerSpec["workload"],
  port: number,
  more: Partial<WorkerSpec> = {},
): Promise<WorkerMessage & { event: "result" }> {
  const messages: WorkerMessage[] = [];
  await runWorker(
    {
      workload,
      hostname: "127.0.0.1",
      port,
      clients: 2,
      warmupSeconds: 0,
      seconds: 0.3,
      timeoutMs: 5000,
      ...more,
    },
    Promise.resolve(),
    (message) => messages.push(message),
  );
  assert.equal(messages.length, 2);
  assert.equal(messages[0].event, "ready");
  const result = messages[1];
  if (result.event !== "result") throw new Error("no result");
  return result;
}

/** A UDP server answering each datagram with `answer(request)` until closed. */
function fakeUdpServer(answer: (request: Uint8Array) => Uint8Array) {
  const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const done = (async () => {
    while (true) {
      try {
        const [request, remote] = await socket.receive();
        await socket.send(answer(request), remote);
      } catch {
        return;
      }
    }
  })();
  return {
    port: (socket.addr as Deno.NetAddr).port,
    async [Symbol.asyncDispose]() {
      socket.close();
      await done;
    },
  };
}

Deno.test("runWorker() counts answers that are not Unix seconds as session errors", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Promise<void>[] = [];
  const accepting = (async () => {
    for await (const conn of listener) {
      conns.push((async () => {
        const buffer = new Uint8Array(256);
        try {
          while ((await conn.read(buffer)) !== null) {
            await conn.write(new TextEncoder().encode("ERR busy\n"));
          }
        } catch { /* the client closed first */ }
        conn.close();
      })());
    }
  })();
  const result = await runAgainst("session-tcp", listener.addr.port);
  listener.close();
  await accepting;
  await Promise.all(conns);
  assert.equal(result.ops, 0);
  assert.ok(result.errors > 0);
  assert.match(result.firstError ?? "", /not Unix seconds: "ERR busy/);
});

Deno.test("runWorker() checks RFC 868 answers are 4 bytes", async () => {
  await using server = fakeUdpServer(() => new Uint8Array(5));
  const result = await runAgainst("time-udp", server.port);
  assert.equal(result.ops, 0);
  assert.ok(result.errors > 0);
  assert.match(result.firstError ?? "", /5 bytes, want 4/);
});

Deno.test("runWorker() rejects NTP answers that are not mode 4", async () => {
  await using server = fakeUdpServer((request) => request.slice()); // echo: mode 3
  const result = await runAgainst("ntp", server.port);
  assert.equal(result.ops, 0);
  assert.ok(result.errors > 0);
  assert.match(result.firstError ?? "", /NTP answer: mode/);
});

Deno.test("runWorker() accepts a well-formed RFC 868 answer", async () => {
  await using server = fakeUdpServer(() => {
    const out = new Uint8Array(4);
    new DataView(out.buffer).setUint32(0, (Math.floor(Date.now() / 1000) + 2_208_988_800) >>> 0);
    return out;
  });
  const result = await runAgainst("time-udp", server.port);
  assert.equal(result.errors, 0, result.firstError ?? "");
  assert.ok(result.ops > 0);
  assert.equal(result.histogram.count, result.ops);
});

/** A keep-alive HTTP server answering every request of a connection with `response`. */
function fakeHttpServer(response: string) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Promise<void>[] = [];
  const accepting = (async () => {
    for await (const conn of listener) {
      conns.push((async () => {
        const buffer = new Uint8Array(1024);
        let text = "";
        try {
          for (let n = await conn.read(buffer); n !== null; n = await conn.read(buffer)) {
            text += new TextDecoder().decode(buffer.subarray(0, n));
            for (let end = text.indexOf("\r\n\r\n"); end !== -1; end = text.indexOf("\r\n\r\n")) {
              text = text.slice(end + 4);
              await conn.write(new TextEncoder().encode(response));
            }
          }
        } catch { /* the client closed first */ }
        conn.close();
      })());
    }
  })();
  return {
    port: listener.addr.port,
    async [Symbol.asyncDispose]() {
      listener.close();
      await accepting;
      await Promise.all(conns);
    },
  };
}

function httpResponse(status: string, body: string): string {
  return `HTTP/1.1 ${status}\r\ncontent-type: application/json\r\n` +
    `content-length: ${new TextEncoder().encode(body).length}\r\n\r\n${body}`;
}

Deno.test("runWorker() counts keep-alive HTTP answers with utc_datetime", async () => {
  const body = '{"timezone":"Europe/Paris","utc_datetime":"2026-11-30T02:31:33.639931+00:00"}';
  await using server = fakeHttpServer(httpResponse("200 OK", body));
  const result = await runAgainst("http-json", server.port);
  assert.equal(result.errors, 0, result.firstError ?? "");
  assert.ok(result.ops > 0);
});

Deno.test("runWorker() counts HTTP answers that are not 200 as errors", async () => {
  await using server = fakeHttpServer(httpResponse("503 Service Unavailable", "{}"));
  const result = await runAgainst("http-json", server.port);
  assert.equal(result.ops, 0);
  assert.ok(result.errors > 0);
  assert.match(result.firstError ?? "", /status 503, want 200/);
});

Deno.test("runWorker() verifies Roughtime answers with the public key", async () => {
  const now = () => ({ seconds: Math.floor(Date.now() / 1000), nanos: 0 });
  const responder = RoughtimeResponder.create({ rootSeed: new Uint8Array(32).fill(6), now: now() });
  const publicKey = btoa(String.fromCharCode(...responder.publicKey));
  {
    await using server = fakeUdpServer((request) => {
      const [outcome] = responder.answerBatch([request], now(), 1_000_000);
      return outcome.answer ?? new Uint8Array(0);
    });
    const result = await runAgainst("roughtime-udp", server.port, {
      roughtimePublicKey: publicKey,
    });
    assert.equal(result.errors, 0, result.firstError ?? "");
    assert.ok(result.ops > 0);
    assert.ok(result.verified >= 2, `each client verifies its first answer: ${result.verified}`);
  }
  await using echo = fakeUdpServer((request) => request.slice());
  const result = await runAgainst("roughtime-udp", echo.port, { roughtimePublicKey: publicKey });
  assert.ok(result.errors > 0);
  assert.match(result.firstError ?? "", /fails verification/);
});

/** Runs `deno task bench`'s script with its permissions and `--json`; exits 0 or fails the test. */
async function benchJson(args: string[]): Promise<BenchReport> {
  const script = fileURLToPath(new URL("../bench/main.ts", import.meta.url));
  // The permissions of deno task bench, as deno.json gives them.
  const config = JSON.parse(
    await Deno.readTextFile(new URL("../deno.json", import.meta.url)),
  ) as { tasks: { bench: string } };
  const task = config.tasks.bench.split(" ");
  const permissions = task.filter((word) => word.startsWith("--allow-"));
  assert.deepEqual(task.at(-1), "bench/main.ts");
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...permissions, script, "--json", ...args],
    stdin: "null",
  }).output();
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  return JSON.parse(new TextDecoder().decode(output.stdout));
}

Deno.test({
  name: "bench/main.ts runs every workload against clockd with answers and no errors",
  // The whole benchmark, shortened: about one second per workload.
  async fn() {
    const report = await benchJson([
      "--seconds",
      "1",
      "--warmup",
      "0.2",
      "--idle-sessions",
      "200",
      "--idle-silence",
      "1",
      "--timeout", // generous: a late answer on a loaded machine is not what this test is about
      "10000",
      "--fidelity-rounds",
      "0", // its own test below, ignored where chronyd is missing
    ]);
    assert.deepEqual(report.workloads.map((row) => row.workload), WORKLOADS.map((w) => w.name));
    for (const row of report.workloads) {
      // The bench's clockd has every listener: no workload may be skipped.
      assert.equal(row.status, "ran", `${row.workload}: ${row.reason}`);
      assert.equal(row.errors, 0, `${row.workload}: ${row.firstError}`);
      assert.ok(row.ops > 0, `${row.workload} got answers`);
      assert.ok(row.p50Us !== null && row.p99Us !== null && row.p99Us >= row.p50Us);
      assert.ok(row.serverRssBytes !== null && row.serverRssBytes > 0, "server RSS read");
      if (row.workload !== "idle") {
        assert.ok(row.serverCpuUsPerOp !== null && row.serverCpuUsPerOp > 0, "server CPU read");
        assert.ok(row.loadCpuUsPerOp !== null && row.loadCpuUsPerOp > 0, "load CPU read");
      } else {
        assert.equal(row.serverCpuUsPerOp, null);
      }
      if (row.workload === "roughtime-udp") {
        assert.ok(row.verified > 0, "answers verified with the key from clockd's startup line");
      }
      if (row.workload === "idle") {
        assert.equal(row.idle?.held, 200);
        assert.ok(row.idle?.bytesPerSession !== null);
        assert.equal(row.opsPerSecond, null);
      } else {
        assert.ok(row.opsPerSecond !== null && row.opsPerSecond > 0);
      }
    }
    assert.equal(report.ntpFidelity, null, "--fidelity-rounds 0 skips the fidelity run");
  },
});

/** Where the fidelity run looks for chronyd (the test runs where it would). */
const CHRONYD_INSTALLED = isFile(CHRONYD);

Deno.test({
  name: CHRONYD_INSTALLED
    ? "bench/main.ts measures NTP fidelity against chronyd after the ntp workload"
    : "bench/main.ts NTP fidelity (SKIPPED: chronyd is not installed)",
  ignore: !CHRONYD_INSTALLED,
  async fn() {
    const report = await benchJson(
      ["--workloads", "ntp", "--seconds", "0.5", "--warmup", "0", "--fidelity-rounds", "20"],
    );
    const fidelity = report.ntpFidelity;
    assert.ok(fidelity !== null, "the fidelity run follows the ntp workload");
    assert.ok(!("skipped" in fidelity), "skipped" in fidelity ? fidelity.skipped : "");
    assert.ok(fidelity.queries > 0 && fidelity.queries <= 20);
    assert.ok(fidelity.clockd.delayMicros > 0 && fidelity.chronyd.delayMicros > 0);
    assert.ok(Math.abs(fidelity.offsetDifferenceMicros) < 5000, "both serve this host's clock");
    assert.equal(fidelity.client, "kernel", "deno task bench grants FFI to libc: kernel stamps");
  },
});

/** Starts a probe server on a kernel-chosen port; its first line names the port. */
async function startProbe(file: string, permission: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      permission,
      fileURLToPath(new URL(`../bench/probes/${file}`, import.meta.url)),
      "0",
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  const port = Number(/^listening on (\d+)\n/.exec(text)?.[1]);
  return {
    port,
    async [Symbol.asyncDispose]() {
      child.kill("SIGKILL");
      await child.status;
      reader.releaseLock();
      await child.stdout.cancel().catch(() => {});
    },
  };
}

for (
  const [file, permission] of [
    ["pending_read_server.ts", "--allow-net"],
    ["epoll_session_server.ts", "--allow-ffi"],
  ]
) {
  Deno.test(`bench/probes/${file} answers every line of a read with the Unix seconds`, async () => {
    await using probe = await startProbe(file, permission);
    assert.ok(probe.port > 0, "the probe printed its port");
    using conn = await Deno.connect({ hostname: "127.0.0.1", port: probe.port });
    await conn.write(new TextEncoder().encode("timestamp\ntimestamp\n"));
    let text = "";
    const buffer = new Uint8Array(256);
    while (text.split("\n").length < 3) {
      const count = await conn.read(buffer);
      if (count === null) break;
      text += new TextDecoder().decode(buffer.subarray(0, count));
    }
    const lines = text.trimEnd().split("\n");
    assert.equal(lines.length, 2);
    for (const line of lines) {
      assert.match(line, /^\d+$/);
      assert.ok(Math.abs(Number(line) - Date.now() / 1000) < 5, "the seconds are now");
    }
  });
}
