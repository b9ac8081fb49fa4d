import assert from "node:assert/strict";
// A real Prometheus text format parser (prom2json-compatible output, sample parsing ported
// from the official Python client), for the tests alone:
// pinned inline so deno.json's imports stay the runtime's.
import { type ParsedFamily, parsePrometheus } from "./_prometheus.ts";
import { Metrics } from "../src/ops/metrics.ts";
import { type ProcessFigures, sampleProcess } from "../src/ops/process_figures.ts";
import { escapeLabel, formatValue } from "../src/ops/prometheus.ts";
import { MAX_STATS_LINE_BYTES } from "../src/ops/stats_line.ts";
import { PROMETHEUS_CONTENT_TYPE, startMetricsServer } from "../src/ops/metrics_server.ts";
import { VERSION } from "../src/cli/version.ts";
import { DROP_REASONS } from "../src/ops/counters.ts";

async function parse(text: string): Promise<Map<string, ParsedFamily>> {
  const families = await parsePrometheus(text);
  return new Map(families.map((family) => [family.name, family]));
}

/** The value of one sample, found by its labels. */
function sample(
  families: Map<string, ParsedFamily>,
  name: string,
  labels: Record<string, string> = {},
): number {
  const family = families.get(name);
  assert.ok(family, `family ${name}`);
  const found = family.metrics.filter((metric) =>
    Object.entries(labels).every(([key, value]) => metric.labels?.[key] === value) &&
    Object.keys(metric.labels ?? {}).length === Object.keys(labels).length
  );
  assert.equal(found.length, 1, `${name} ${JSON.stringify(labels)}`);
  return Number(found[0].value);
}

const FIXED: ProcessFigures = {
  residentBytes: 50_331_648,
  heapUsedBytes: 4_000_000,
  heapTotalBytes: 8_000_000,
  startTimeSeconds: 1_795_254_845.123,
  uptimeSeconds: 3600.5,
  openFds: 17,
  maxFds: 65_536,
};

function knownMetrics(figures: ProcessFigures = FIXED): Metrics {
  const metrics = new Metrics({ processFigures: () => figures });
  const sessionTcp = metrics.counter("session", "tcp");
  sessionTcp.requests += 12;
  sessionTcp.answers += 11;
  sessionTcp.errors++;
  sessionTcp.drops.oversized += 2;
  sessionTcp.sessionsOpen = 3;
  sessionTcp.sessionsClosed.idle += 4;
  sessionTcp.sessionsClosed.quit += 5;
  sessionTcp.refused["rate-limited"] += 6;
  const ntpUdp = metrics.counter("ntp", "udp");
  ntpUdp.requests += 100;
  ntpUdp.answers += 90;
  ntpUdp.drops["rate-limited"] += 7;
  ntpUdp.drops.malformed += 3;
  return metrics;
}

const EXPECTED = `# HELP clockd_build_info clockd's version, as labels; always 1.
# TYPE clockd_build_info gauge
clockd_build_info{version="${VERSION}",deno="${Deno.version.deno}"} 1
# HELP clockd_requests_total Requests received: lines, datagrams, or connections of one-shot TCP services.
# TYPE clockd_requests_total counter
clockd_requests_total{service="session",transport="tcp"} 12
clockd_requests_total{service="ntp",transport="udp"} 100
# HELP clockd_answers_total Answers sent.
# TYPE clockd_answers_total counter
clockd_answers_total{service="session",transport="tcp"} 11
clockd_answers_total{service="ntp",transport="udp"} 90
# HELP clockd_errors_total Requests answered with an error, or failing inside clockd.
# TYPE clockd_errors_total counter
clockd_errors_total{service="session",transport="tcp"} 1
clockd_errors_total{service="ntp",transport="udp"} 0
# HELP clockd_dropped_total Requests dropped without an answer, by reason.
# TYPE clockd_dropped_total counter
clockd_dropped_total{service="session",transport="tcp",reason="oversized"} 2
clockd_dropped_total{service="session",transport="tcp",reason="rate-limited"} 0
clockd_dropped_total{service="session",transport="tcp",reason="denied"} 0
clockd_dropped_total{service="session",transport="tcp",reason="malformed"} 0
clockd_dropped_total{service="session",transport="tcp",reason="reflection"} 0
clockd_dropped_total{service="session",transport="tcp",reason="amplification"} 0
clockd_dropped_total{service="session",transport="tcp",reason="unsynchronised"} 0
clockd_dropped_total{service="ntp",transport="udp",reason="oversized"} 0
clockd_dropped_total{service="ntp",transport="udp",reason="rate-limited"} 7
clockd_dropped_total{service="ntp",transport="udp",reason="denied"} 0
clockd_dropped_total{service="ntp",transport="udp",reason="malformed"} 3
clockd_dropped_total{service="ntp",transport="udp",reason="reflection"} 0
clockd_dropped_total{service="ntp",transport="udp",reason="amplification"} 0
clockd_dropped_total{service="ntp",transport="udp",reason="unsynchronised"} 0
# HELP clockd_sessions_open TCP sessions open now.
# TYPE clockd_sessions_open gauge
clockd_sessions_open{service="session",transport="tcp"} 3
# HELP clockd_sessions_closed_total TCP sessions ended, by reason.
# TYPE clockd_sessions_closed_total counter
clockd_sessions_closed_total{service="session",transport="tcp",reason="idle"} 4
clockd_sessions_closed_total{service="session",transport="tcp",reason="quit"} 5
clockd_sessions_closed_total{service="session",transport="tcp",reason="cap"} 0
clockd_sessions_closed_total{service="session",transport="tcp",reason="busy"} 0
clockd_sessions_closed_total{service="session",transport="tcp",reason="peer"} 0
clockd_sessions_closed_total{service="session",transport="tcp",reason="error"} 0
clockd_sessions_closed_total{service="session",transport="tcp",reason="shutdown"} 0
# HELP clockd_connections_refused_total TCP connections refused before a service read from them, by reason.
# TYPE clockd_connections_refused_total counter
clockd_connections_refused_total{service="session",transport="tcp",reason="busy"} 0
clockd_connections_refused_total{service="session",transport="tcp",reason="rate-limited"} 6
clockd_connections_refused_total{service="session",transport="tcp",reason="denied"} 0
clockd_connections_refused_total{service="session",transport="tcp",reason="proxy-header"} 0
# HELP process_resident_memory_bytes Resident memory size in bytes.
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes 50331648
# HELP process_start_time_seconds Start time of the process since the Unix epoch in seconds.
# TYPE process_start_time_seconds gauge
process_start_time_seconds 1795254845.123
# HELP process_open_fds Number of open file descriptors.
# TYPE process_open_fds gauge
process_open_fds 17
# HELP process_max_fds Maximum number of open file descriptors.
# TYPE process_max_fds gauge
process_max_fds 65536
# HELP clockd_heap_used_bytes V8 heap in use, bytes.
# TYPE clockd_heap_used_bytes gauge
clockd_heap_used_bytes 4000000
# HELP clockd_heap_total_bytes V8 heap reserved, bytes.
# TYPE clockd_heap_total_bytes gauge
clockd_heap_total_bytes 8000000
# HELP clockd_uptime_seconds Seconds since the process started.
# TYPE clockd_uptime_seconds gauge
clockd_uptime_seconds 3600.5
`;

Deno.test("Metrics.renderPrometheus() renders known counters exactly", () => {
  assert.equal(knownMetrics().renderPrometheus(), EXPECTED);
});

Deno.test("Metrics.renderPrometheus() leaves out what it cannot measure", () => {
  const text = knownMetrics({ ...FIXED, openFds: null, maxFds: null }).renderPrometheus();
  assert.doesNotMatch(text, /process_open_fds|process_max_fds|event_loop_lag/);
  assert.match(text, /^process_resident_memory_bytes 50331648$/m);
  const empty = new Metrics({ processFigures: () => FIXED }).renderPrometheus();
  assert.doesNotMatch(empty, /clockd_requests_total/, "no empty families");
  assert.match(empty, /^clockd_uptime_seconds 3600\.5$/m);
});

Deno.test("Metrics.renderPrometheus() output parses with a Prometheus text parser", async () => {
  const metrics = knownMetrics();
  const odd = metrics.counter('we"ird\\ser\nvice', "udp");
  odd.requests = 42;
  const families = await parse(metrics.renderPrometheus());
  const types = Object.fromEntries([...families.values()].map((f) => [f.name, f.type]));
  assert.deepEqual(types, {
    clockd_build_info: "GAUGE",
    clockd_requests_total: "COUNTER",
    clockd_answers_total: "COUNTER",
    clockd_errors_total: "COUNTER",
    clockd_dropped_total: "COUNTER",
    clockd_sessions_open: "GAUGE",
    clockd_sessions_closed_total: "COUNTER",
    clockd_connections_refused_total: "COUNTER",
    process_resident_memory_bytes: "GAUGE",
    process_start_time_seconds: "GAUGE",
    process_open_fds: "GAUGE",
    process_max_fds: "GAUGE",
    clockd_heap_used_bytes: "GAUGE",
    clockd_heap_total_bytes: "GAUGE",
    clockd_uptime_seconds: "GAUGE",
  });
  const session = { service: "session", transport: "tcp" };
  const ntp = { service: "ntp", transport: "udp" };
  assert.equal(sample(families, "clockd_requests_total", session), 12);
  assert.equal(sample(families, "clockd_requests_total", ntp), 100);
  assert.equal(
    sample(families, "clockd_requests_total", { service: 'we"ird\\ser\nvice', transport: "udp" }),
    42,
    "label escaping round-trips",
  );
  assert.equal(sample(families, "clockd_answers_total", ntp), 90);
  assert.equal(sample(families, "clockd_errors_total", session), 1);
  assert.equal(sample(families, "clockd_dropped_total", { ...ntp, reason: "rate-limited" }), 7);
  assert.equal(sample(families, "clockd_dropped_total", { ...ntp, reason: "malformed" }), 3);
  assert.equal(families.get("clockd_dropped_total")!.metrics.length, 3 * DROP_REASONS.length);
  assert.equal(sample(families, "clockd_sessions_open", session), 3);
  assert.equal(families.get("clockd_sessions_open")!.metrics.length, 1, "tcp only");
  assert.equal(sample(families, "clockd_sessions_closed_total", { ...session, reason: "quit" }), 5);
  assert.equal(
    sample(families, "clockd_connections_refused_total", { ...session, reason: "rate-limited" }),
    6,
  );
  assert.equal(
    sample(families, "clockd_build_info", { version: VERSION, deno: Deno.version.deno }),
    1,
  );
  assert.equal(sample(families, "process_start_time_seconds"), 1_795_254_845.123);
  assert.equal(sample(families, "process_max_fds"), 65_536);
  assert.equal(families.get("clockd_answers_total")!.help, "Answers sent.");
});

Deno.test("Metrics.counter() returns one preallocated object per service and transport", () => {
  const metrics = new Metrics({ processFigures: () => FIXED });
  const a = metrics.counter("daytime", "tcp");
  assert.equal(metrics.counter("daytime", "tcp"), a);
  assert.notEqual(metrics.counter("daytime", "udp"), a);
  assert.equal(a.sessions, true);
  assert.equal(metrics.counter("daytime", "udp").sessions, false);
  assert.equal(metrics.counter("metrics", "tcp", { sessions: false }).sessions, false);
  a.drops.oversized++;
  a.drops.reflection += 2;
  a.sessionsClosed.peer++;
  a.sessionsClosed.shutdown++;
  a.refused.busy += 4;
  assert.equal(a.dropsTotal, 3);
  assert.equal(a.sessionsClosedTotal, 2);
  assert.equal(a.refusedTotal, 4);
  assert.deepEqual(metrics.counters.map((c) => `${c.service}/${c.transport}`), [
    "daytime/tcp",
    "daytime/udp",
    "metrics/tcp",
  ]);
});

Deno.test("Metrics.include() sums the snapshots of other isolates", async () => {
  const primary = knownMetrics();
  const worker = new Metrics({ processFigures: () => FIXED });
  const workerTcp = worker.counter("session", "tcp");
  workerTcp.requests = 8;
  workerTcp.sessionsOpen = 2;
  workerTcp.sessionsClosed.idle = 1;
  workerTcp.refused.busy = 3;
  worker.counter("daytime", "tcp").requests = 5;
  const snapshot = structuredClone(worker.snapshot());
  workerTcp.requests = 1000; // later changes do not leak into the snapshot
  primary.include("worker-1", snapshot);
  primary.include("worker-2", snapshot);
  const families = await parse(primary.renderPrometheus());
  const session = { service: "session", transport: "tcp" };
  assert.equal(sample(families, "clockd_requests_total", session), 12 + 8 + 8);
  assert.equal(sample(families, "clockd_sessions_open", session), 3 + 2 + 2);
  assert.equal(sample(families, "clockd_sessions_closed_total", { ...session, reason: "idle" }), 6);
  assert.equal(
    sample(families, "clockd_connections_refused_total", { ...session, reason: "busy" }),
    6,
  );
  assert.equal(
    sample(families, "clockd_requests_total", { service: "daytime", transport: "tcp" }),
    10,
  );
  assert.equal(
    sample(families, "clockd_requests_total", { service: "ntp", transport: "udp" }),
    100,
  );
  assert.match(
    primary.statsLine(),
    / session\/tcp req=28 ans=11 err=1 drop=2 open=7 closed=11 refused=12 /,
  );
  primary.include("worker-1", null);
  primary.include("worker-2", null);
  assert.equal(primary.renderPrometheus(), EXPECTED);
});

Deno.test("Metrics.statsLine() sums each counter on one short line", () => {
  assert.equal(
    knownMetrics().statsLine(),
    "OK up=3600 rss=48MiB fds=17 session/tcp req=12 ans=11 err=1 drop=2 open=3 closed=9 refused=6 " +
      "ntp/udp req=100 ans=90 err=0 drop=10",
  );
  assert.equal(
    new Metrics({ processFigures: () => ({ ...FIXED, openFds: null }) }).statsLine(),
    "OK up=3600 rss=48MiB",
  );
});

Deno.test("Metrics.statsLine() stays under 1000 bytes however many counters there are", () => {
  const metrics = new Metrics({ processFigures: () => FIXED });
  for (let i = 0; i < 40; i++) {
    const c = metrics.counter(`service${i}`, "tcp");
    c.requests = Number.MAX_SAFE_INTEGER;
  }
  const line = metrics.statsLine();
  assert.ok(new TextEncoder().encode(line).length <= MAX_STATS_LINE_BYTES, `${line.length}`);
  assert.match(line, / \.\.\.$/);
  assert.doesNotMatch(line, /\n/);
});

Deno.test("escapeLabel() and formatValue() follow the text format", () => {
  assert.equal(escapeLabel("plain"), "plain");
  assert.equal(escapeLabel('a"b\\c\nd'), 'a\\"b\\\\c\\nd');
  assert.equal(formatValue(12), "12");
  assert.equal(formatValue(0.125), "0.125");
  assert.equal(formatValue(NaN), "NaN");
  assert.equal(formatValue(Infinity), "+Inf");
  assert.equal(formatValue(-Infinity), "-Inf");
});

Deno.test("sampleProcess() measures this process", () => {
  const figures = sampleProcess();
  assert.ok(figures.residentBytes > 1_000_000);
  assert.ok(figures.heapUsedBytes > 0 && figures.heapUsedBytes <= figures.heapTotalBytes);
  assert.ok(figures.uptimeSeconds > 0);
  assert.ok(Math.abs(figures.startTimeSeconds + figures.uptimeSeconds - Date.now() / 1000) < 5);
  const ffi = Deno.permissions.querySync({ name: "ffi" }).state === "granted";
  if (!ffi || Deno.build.os !== "linux") return;
  assert.ok(figures.openFds !== null && figures.openFds >= 3, "at least stdin, stdout, stderr");
  try {
    // Descriptors counted through libc agree with a directory listing (which holds one itself).
    // Deno 2.9 lists /proc/self only under --allow-all, hence the count through libc.
    const listed = [...Deno.readDirSync("/proc/self/fd")].length - 1;
    assert.ok(Math.abs(figures.openFds - listed) <= 3, `${figures.openFds} vs ${listed}`);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotCapable)) throw error;
  }
  const files = Array.from({ length: 5 }, () => Deno.openSync(Deno.execPath()));
  try {
    const opened = sampleProcess().openFds! - figures.openFds!;
    assert.ok(opened >= 4 && opened <= 6, `expected about 5 more descriptors, got ${opened}`);
  } finally {
    for (const file of files) file.close();
  }
  assert.ok(figures.maxFds !== null && figures.maxFds >= 1024);
});

Deno.test("Metrics.startEventLoopMonitor() reports the lag of a blocked event loop", async () => {
  const metrics = new Metrics({ processFigures: () => FIXED });
  try {
    assert.equal(metrics.eventLoopLagSeconds, null);
    assert.doesNotMatch(metrics.renderPrometheus(), /event_loop_lag/);
    metrics.startEventLoopMonitor(100);
    metrics.startEventLoopMonitor(100);
    const until = performance.now() + 400;
    while (performance.now() < until) { /* block past the first due time */ }
    await new Promise((resolve) => setTimeout(resolve, 10));
    const lag = metrics.eventLoopLagSeconds;
    assert.ok(lag !== null && lag >= 0.2, String(lag));
    assert.match(metrics.renderPrometheus(), /^clockd_event_loop_lag_seconds [0-9.]+$/m);
  } finally {
    metrics.close();
    metrics.close();
  }
});

Deno.test("startMetricsServer() serves /metrics and /healthz", async () => {
  const metrics = knownMetrics();
  let healthy = true;
  const server = startMetricsServer({
    hostname: "127.0.0.1",
    port: 0,
    metrics,
    healthy: () => healthy,
  });
  try {
    assert.equal(server.addr.hostname, "127.0.0.1");
    assert.ok(server.addr.port > 0);
    const base = `http://127.0.0.1:${server.addr.port}`;

    const response = await fetch(`${base}/metrics`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), PROMETHEUS_CONTENT_TYPE);
    const families = await parse(await response.text());
    assert.equal(
      sample(families, "clockd_requests_total", { service: "session", transport: "tcp" }),
      12,
    );
    assert.equal(
      sample(families, "clockd_requests_total", { service: "metrics", transport: "tcp" }),
      1,
    );

    const withQuery = await fetch(`${base}/metrics?name[]=x`);
    assert.equal(withQuery.status, 200);
    await withQuery.body?.cancel();

    const head = await fetch(`${base}/metrics`, { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get("content-type"), PROMETHEUS_CONTENT_TYPE);
    assert.equal(await head.text(), "");

    const ok = await fetch(`${base}/healthz`);
    assert.deepEqual([ok.status, await ok.text()], [200, "ok\n"]);
    healthy = false;
    const sick = await fetch(`${base}/healthz`);
    assert.deepEqual([sick.status, await sick.text()], [503, "unhealthy\n"]);

    const missing = await fetch(`${base}/`);
    assert.deepEqual([missing.status, await missing.text()], [404, "not found\n"]);
    const post = await fetch(`${base}/metrics`, { method: "POST", body: "x" });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get("allow"), "GET, HEAD");
    await post.body?.cancel();

    const self = metrics.counter("metrics", "tcp");
    assert.deepEqual([self.requests, self.answers, self.errors], [7, 5, 2]);
  } finally {
    await server.shutdown();
    await server.shutdown();
  }
  await assert.rejects(fetch(`http://127.0.0.1:${server.addr.port}/healthz`));
});

Deno.test("startMetricsServer() answers 503 when healthy() throws", async () => {
  const server = startMetricsServer({
    hostname: "127.0.0.1",
    port: 0,
    metrics: new Metrics(),
    healthy: () => {
      throw new Error("broken");
    },
  });
  try {
    const response = await fetch(`http://127.0.0.1:${server.addr.port}/healthz`);
    assert.equal(response.status, 503);
    await response.body?.cancel();
  } finally {
    await server.shutdown();
  }
});

Deno.test("startMetricsServer() stops when its signal aborts", async () => {
  const controller = new AbortController();
  const server = startMetricsServer({
    hostname: "127.0.0.1",
    port: 0,
    metrics: new Metrics(),
    healthy: () => true,
    signal: controller.signal,
  });
  const response = await fetch(`http://127.0.0.1:${server.addr.port}/healthz`);
  assert.equal(response.status, 200);
  await response.body?.cancel();
  controller.abort();
  await server.shutdown();
  await assert.rejects(fetch(`http://127.0.0.1:${server.addr.port}/healthz`));
});

Deno.test("startMetricsServer() throws AddrInUse for a taken port", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    assert.throws(
      () =>
        startMetricsServer({
          hostname: "127.0.0.1",
          port: listener.addr.port,
          metrics: new Metrics(),
          healthy: () => true,
        }),
      Deno.errors.AddrInUse,
    );
  } finally {
    listener.close();
  }
  await Promise.resolve();
});
