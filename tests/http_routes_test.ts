import assert from "node:assert/strict";
import { DenoListener } from "../src/io/deno/stream.ts";
import { TcpServer } from "../src/io/stream_server.ts";
import { Metrics } from "../src/ops/metrics.ts";
import { createHttpService } from "../src/protocols/http/create_http_service.ts";
import { clockFields, type ClockView } from "../src/protocols/http/clock_fields.ts";
import { ClockStatus } from "../src/time/clock_status.ts";
import type { KernelClockStatus } from "../src/time/kernel_clock.ts";
import { PROMETHEUS_CONTENT_TYPE } from "../src/protocols/http/metrics_routes.ts";
import { PAGE_CSP } from "../src/protocols/http/page.ts";
import { createRouter } from "../src/protocols/http/routes.ts";
import { defaultZoneNames, TIME_FORMAT_NAMES } from "../src/protocols/http/time_api.ts";
import { parseRequestHead } from "../src/protocols/http/request_head.ts";
import { fixedClock } from "../src/time/clock.ts";
import { formatInstant } from "../src/time/formats.ts";
import { resolveZone } from "../src/time/zone.ts";
import { RawClient } from "./_http_client.ts";

/** 2024-07-01T00:00:00.123456789Z. */
const NOW = { seconds: 1_719_792_000, nanos: 123_456_789 };
const SYNCED: ClockView = { ntpState: { leap: 1, stratum: 2 }, errorBoundSeconds: 0.0125 };

interface Served extends AsyncDisposable {
  base: string;
  port: number;
  metrics: Metrics;
}

function serve(clock: ClockView = SYNCED, healthy = () => true): Served {
  const metrics = new Metrics();
  metrics.counter("session", "tcp").requests = 12;
  const http = createHttpService({
    clock: fixedClock(NOW),
    clockStatus: clock,
    metrics,
    healthy,
    uptimeSeconds: () => 42.5,
  });
  const listener = new DenoListener(Deno.listen({ hostname: "127.0.0.1", port: 0 }));
  const server = new TcpServer(listener, "http", http.handler, metrics.counter("http", "tcp"));
  const serving = server.serve();
  return {
    base: `http://127.0.0.1:${server.addr.port}`,
    port: server.addr.port,
    metrics,
    async [Symbol.asyncDispose]() {
      server.close();
      await http.shutdown(100);
      await serving;
    },
  };
}

async function get(url: string, init?: RequestInit): Promise<[Response, string]> {
  const response = await fetch(url, init);
  return [response, await response.text()];
}

Deno.test("createHttpService() serves worldtimeapi's answer for a zone, JSON and .txt", async () => {
  await using server = serve();
  const [response, text] = await get(`${server.base}/api/timezone/Europe/Paris`);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "application/json; charset=utf-8");
  assert.deepEqual(JSON.parse(text), {
    abbreviation: "CEST",
    client_ip: "127.0.0.1",
    datetime: "2024-07-01T02:00:00.123456+02:00",
    day_of_week: 1,
    day_of_year: 183,
    dst: true,
    dst_from: "2024-03-31T01:00:00+00:00",
    dst_offset: 3600,
    dst_until: "2024-10-27T01:00:00+00:00",
    raw_offset: 3600,
    timezone: "Europe/Paris",
    unixtime: 1_719_792_000,
    utc_datetime: "2024-07-01T00:00:00.123456+00:00",
    utc_offset: "+02:00",
    week_number: 27,
    synchronised: true,
    error_bound_s: 0.0125,
    leap: "insert",
  });
  const [txt, body] = await get(`${server.base}/api/timezone/America/Argentina/Buenos_Aires.txt`);
  assert.equal(txt.headers.get("content-type"), "text/plain; charset=utf-8");
  assert.match(body, /^abbreviation: -03\nclient_ip: 127\.0\.0\.1\n/);
  assert.match(body, /\ndst_from: \n/);
  assert.match(
    body,
    /\nday_of_week: 0\n[^]*\nutc_offset: -03:00\nweek_number: 26\nsynchronised: true\n/,
  );
  // Any case; aliases answer under their own name.
  const [, kolkata] = await get(`${server.base}/api/timezone/asia/kolkata`);
  assert.equal(JSON.parse(kolkata).timezone, "Asia/Kolkata");
  const [, japan] = await get(`${server.base}/api/timezone/Japan`);
  assert.equal(JSON.parse(japan).timezone, "Japan");
});

Deno.test("createHttpService() lists zones, and the zones of an area", async () => {
  await using server = serve();
  const [, list] = await get(`${server.base}/api/timezone`);
  const zones = JSON.parse(list) as string[];
  assert.deepEqual(zones, defaultZoneNames());
  for (
    const zone of ["Asia/Kathmandu", "Asia/Kolkata", "Europe/Kyiv", "UTC", "Australia/Adelaide"]
  ) {
    assert.ok(zones.includes(zone), zone);
  }
  assert.ok(!zones.includes("Asia/Calcutta"), "current names, not ICU's old ones");
  for (const zone of zones) resolveZone(zone); // every listed name answers
  const [, text] = await get(`${server.base}/api/timezone.txt`);
  assert.deepEqual(text.trimEnd().split("\n"), zones);
  const [, area] = await get(`${server.base}/api/timezone/Australia`);
  assert.ok((JSON.parse(area) as string[]).every((zone) => zone.startsWith("Australia/")));
  assert.ok(JSON.parse(area).includes("Australia/Lord_Howe"));
  const [, utc] = await get(`${server.base}/api/timezone/UTC`);
  assert.equal(JSON.parse(utc).abbreviation, "UTC");
});

Deno.test("createHttpService() answers /api/ip for UTC with the client's address", async () => {
  await using server = serve({ ntpState: { leap: 3, stratum: 0 }, errorBoundSeconds: 16 });
  const [, json] = await get(`${server.base}/api/ip`);
  const answer = JSON.parse(json);
  assert.deepEqual(
    [answer.client_ip, answer.timezone, answer.utc_offset, answer.abbreviation, answer.dst],
    ["127.0.0.1", "UTC", "+00:00", "UTC", false],
  );
  assert.deepEqual([answer.synchronised, answer.error_bound_s, answer.leap], [false, null, null]);
  const [, text] = await get(`${server.base}/api/ip.txt`);
  assert.match(text, /^client_ip: 127\.0\.0\.1$/m);
  assert.match(text, /^error_bound_s: $/m);
});

Deno.test("createHttpService() answers /api/time in every format, as text or JSON", async () => {
  await using server = serve();
  const zone = resolveZone("Asia/Kathmandu");
  for (const format of TIME_FORMAT_NAMES) {
    const url = `${server.base}/api/time?format=${format}&tz=Asia/Kathmandu`;
    const [text, line] = await get(url);
    assert.equal(text.status, 200, format);
    assert.equal(line, formatInstant(format, NOW, zone) + "\n", format);
    const [json, body] = await get(url, { headers: { accept: "application/json" } });
    assert.equal(json.headers.get("content-type"), "application/json; charset=utf-8");
    assert.deepEqual(JSON.parse(body), {
      format,
      value: formatInstant(format, NOW, zone),
      synchronised: true,
      error_bound_s: 0.0125,
      leap: "insert",
    });
  }
  const [, fallback] = await get(`${server.base}/api/time`);
  assert.equal(fallback, "2024-07-01T00:00:00.123456789Z\n", "rfc3339nano in UTC by default");
  const [, offset] = await get(`${server.base}/api/time?format=rfc3339&tz=%2B05:30`);
  assert.equal(offset, "2024-07-01T05:30:00+05:30\n");
});

Deno.test("createHttpService() puts Date, Cache-Control, CORS and Server-Timing on every answer", async () => {
  await using server = serve();
  const paths = [
    "/",
    "/metrics",
    "/healthz",
    "/api/stats",
    "/api/ip",
    "/api/timezone",
    "/api/time",
    "/nope",
    "/api/timezone/Nowhere/Land",
  ];
  for (const path of paths) {
    const [response] = await get(`${server.base}${path}`);
    assert.equal(response.headers.get("date"), "Mon, 01 Jul 2024 00:00:00 GMT", path);
    assert.equal(response.headers.get("cache-control"), "no-store", path);
    assert.equal(response.headers.get("access-control-allow-origin"), "*", path);
    assert.equal(response.headers.get("server-timing"), 'reading;desc="1719792000.123456"', path);
  }
  const [page, html] = await get(`${server.base}/`);
  assert.equal(page.headers.get("content-type"), "text/html; charset=utf-8");
  assert.equal(page.headers.get("content-security-policy"), PAGE_CSP);
  assert.match(html, /^<!doctype html>/);
  assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//, "no external resources");
});

Deno.test("createHttpService() serves /metrics and /healthz as the metrics server does", async () => {
  let healthy = true;
  await using server = serve(SYNCED, () => healthy);
  const [metrics, text] = await get(`${server.base}/metrics`);
  assert.equal(metrics.headers.get("content-type"), PROMETHEUS_CONTENT_TYPE);
  assert.match(text, /^clockd_requests_total\{service="session",transport="tcp"\} 12$/m);
  assert.match(text, /^clockd_requests_total\{service="http",transport="tcp"\} 1$/m);
  assert.deepEqual(
    (await get(`${server.base}/healthz`)).map((x) => x instanceof Response ? x.status : x),
    [
      200,
      "ok\n",
    ],
  );
  healthy = false;
  const [sick, body] = await get(`${server.base}/healthz`);
  assert.deepEqual([sick.status, body], [503, "unhealthy\n"]);
});

Deno.test("createHttpService() answers /api/stats with the counters and the clock state", async () => {
  await using server = serve();
  const [, body] = await get(`${server.base}/api/stats`);
  const stats = JSON.parse(body);
  assert.equal(stats.uptime_s, 42.5);
  assert.equal(stats.stratum, 2);
  assert.deepEqual(stats.services[0], {
    service: "session",
    transport: "tcp",
    requests: 12,
    answers: 0,
    errors: 0,
    dropped: 0,
    open: 0,
  });
  assert.deepEqual(stats.services[1].service, "http");
  assert.deepEqual([stats.synchronised, stats.error_bound_s, stats.leap], [true, 0.0125, "insert"]);
});

Deno.test("createHttpService() refuses bad input with a clear JSON error", async () => {
  await using server = serve();
  const cases: [string, number, string][] = [
    ["/api/timezone/Mars/Olympus_Mons", 404, "unknown location"],
    ["/api/timezone/Nowhere", 404, "unknown location"],
    ["/api/timezone/local", 404, "unknown location"],
    ["/api/timezone/Europe/Paris/x/y", 400, "malformed path"],
    ["/api/timezone/../../etc/passwd", 400, "malformed path"],
    ["/api/timezone/Europe/./Paris", 400, "malformed path"],
    ["/api/timezone/%2e%2e/%2e%2e/etc/passwd", 400, "malformed path"],
    ["/api/timezone/Europe%2FParis", 400, "malformed path"],
    ["/api/timezone//Europe/Paris", 400, "malformed path"],
    ["/api/timezone/Europe\\Paris", 400, "malformed path"],
    ["/api/timezone/%ZZ", 400, "malformed path"],
    ["/api/timezone/" + "A".repeat(40), 400, "malformed path"],
    ["/api/time?format=nope", 400, 'unknown format "nope"'],
    ["/api/time?tz=Mars/Base", 400, 'unknown time zone "Mars/Base"'],
    [
      "/api/time?" + Array.from({ length: 9 }, (_, i) => `p${i}=1`).join("&"),
      400,
      "too many parameters",
    ],
    ["/nope", 404, "not found"],
    ["/" + "a".repeat(3000), 414, "URI too long"],
    ["/api/time?format=" + "x".repeat(3000), 414, "URI too long"],
  ];
  for (const [target, status, error] of cases) {
    using client = await RawClient.connect(server.port);
    await client.send(`GET ${target} HTTP/1.1\r\nHost: t\r\n\r\n`);
    const response = await client.readResponse();
    assert.equal(response?.status, status, target);
    assert.equal(response?.headers.get("content-type"), "application/json; charset=utf-8", target);
    assert.deepEqual(JSON.parse(response!.body), { error }, target);
  }
  const [post, body] = await get(`${server.base}/api/ip`, { method: "POST", body: "x" });
  assert.deepEqual([post.status, post.headers.get("allow"), JSON.parse(body)], [
    405,
    "GET, HEAD",
    { error: "method not allowed" },
  ]);
});

Deno.test("createRouter() is a pure function of the request, the peer and the reading", async () => {
  const route = createRouter({
    metrics: new Metrics(),
    clock: SYNCED,
    zones: ["UTC"],
    healthy: () => true,
  });
  const parsed = parseRequestHead("GET /api/timezone/Asia/Kathmandu HTTP/1.1\r\nHost: x\r\n\r\n");
  assert.ok(parsed.ok);
  const peer = { transport: "tcp", hostname: "::ffff:192.0.2.9", port: 1 } as const;
  const a = await route(parsed.request, peer, NOW);
  const b = await route(parsed.request, peer, NOW);
  assert.deepEqual(a, b);
  const answer = JSON.parse(String(a.body));
  assert.deepEqual([answer.client_ip, answer.utc_offset, answer.abbreviation], [
    "192.0.2.9",
    "+05:45",
    "+0545",
  ]);
});

Deno.test("ClockStatus.errorBoundSeconds is the kernel's maxerror while synchronised, else null", () => {
  let status: KernelClockStatus = {
    synchronised: true,
    state: 1,
    status: 0x11,
    maxErrorMicros: 12_500,
    estErrorMicros: 300,
    leap: 1,
    time: NOW,
    tai: 37,
  };
  const clockStatus = new ClockStatus({
    sync: "kernel",
    stratum: 2,
    referenceId: "GPS",
    clock: fixedClock(NOW),
    kernel: { read: () => status, close: () => {} },
  });
  assert.equal(clockStatus.errorBoundSeconds, 0.0125);
  assert.deepEqual(clockFields(clockStatus), {
    synchronised: true,
    error_bound_s: 0.0125,
    leap: "insert",
  });
  status = {
    ...status,
    synchronised: false,
    state: 5,
    status: 0x40,
    maxErrorMicros: 16e6,
    leap: 3,
  };
  clockStatus.refresh();
  assert.equal(clockStatus.errorBoundSeconds, null);
  assert.deepEqual(clockFields(clockStatus), {
    synchronised: false,
    error_bound_s: null,
    leap: null,
  });
  const always = new ClockStatus({
    sync: "always",
    stratum: 10,
    referenceId: "LOCL",
    clock: fixedClock(NOW),
  });
  assert.deepEqual(clockFields(always), { synchronised: true, error_bound_s: null, leap: "none" });
});
