import assert from "node:assert/strict";
import { parseStatsAnswer, parseStatusAnswer } from "../src/query/status_answer.ts";
import { formatStatusReport, statusReportJson } from "../src/query/status_report.ts";

const REPORT = {
  server: "127.0.0.1:1200",
  status: parseStatusAnswer(
    "OK synchronised=no stratum=0 error=16.000000s sync=kernel precision=2^-20s " +
      "leap=unsynchronised io=kernel uptime=3723 " +
      "listeners=session/tcp=[::]:1200,session/udp=[::]:1200,ntp/udp=[::]:10123 vintage=2025b",
  ),
  stats: parseStatsAnswer(
    "OK up=3723 rss=91MiB fds=17 session/tcp req=12 ans=11 err=0 drop=1 open=3 closed=9 " +
      "refused=0 ntp/udp req=100 ans=90 err=0 drop=10",
  ),
};

Deno.test("formatStatusReport() shows every field as Label : value, listeners one a line", () => {
  assert.deepEqual(formatStatusReport(REPORT).slice(0, 17), [
    "clockd at 127.0.0.1:1200",
    "Synchronised     : no",
    "Stratum          : 0",
    "Estimated error  : 16.000000 s",
    "Sync mode        : kernel",
    "Precision        : 2^-20 s",
    "Leap status      : unsynchronised",
    "Engine (io)      : kernel",
    "Uptime           : 3723 s (1h 2m 3s)",
    "Listeners        : session tcp [::]:1200",
    "                   session udp [::]:1200",
    "                   ntp udp [::]:10123",
    "vintage          : 2025b",
    "Memory (RSS)     : 91 MiB",
    "Open descriptors : 17",
    "",
    "service  transport  requests  answers  errors  drops  open  closed  refused",
  ]);
});

Deno.test("formatStatusReport() tabulates each service's counters, - where one has none", () => {
  const lines = formatStatusReport(REPORT);
  assert.equal(
    lines.at(-2),
    "session  tcp              12       11       0      1     3       9        0",
  );
  assert.equal(
    lines.at(-1),
    "ntp      udp             100       90       0     10     -       -        -",
  );
});

Deno.test("formatStatusReport() keeps unknown stats fields and says when the line was cut", () => {
  const lines = formatStatusReport({
    server: "[::1]:1200",
    status: parseStatusAnswer("OK synchronised=yes"),
    stats: parseStatsAnswer("OK up=59 rss=48 lag=2ms ..."),
  });
  assert.ok(lines.includes("Uptime           : 59 s"), lines.join("\n"));
  assert.ok(lines.includes("Memory (RSS)     : 48 MiB"), lines.join("\n"));
  assert.ok(lines.includes("lag              : 2ms"), lines.join("\n"));
  assert.ok(lines.includes("(no counters)"));
  assert.match(lines.at(-1)!, /see \/metrics/);
});

Deno.test("statusReportJson() types the known fields and keeps the others as strings", () => {
  assert.deepEqual(statusReportJson(REPORT), {
    server: "127.0.0.1:1200",
    status: {
      synchronised: false,
      stratum: 0,
      error_s: 16,
      sync: "kernel",
      precision_log2: -20,
      leap: "unsynchronised",
      io: "kernel",
      uptime_s: 3723,
      listeners: [
        { service: "session", transport: "tcp", address: "[::]:1200" },
        { service: "session", transport: "udp", address: "[::]:1200" },
        { service: "ntp", transport: "udp", address: "[::]:10123" },
      ],
      vintage: "2025b",
    },
    stats: {
      uptime_s: 3723,
      rss_bytes: 91 * 1048576,
      fds: 17,
      services: [
        {
          service: "session",
          transport: "tcp",
          requests: 12,
          answers: 11,
          errors: 0,
          drops: 1,
          open: 3,
          closed: 9,
          refused: 0,
        },
        { service: "ntp", transport: "udp", requests: 100, answers: 90, errors: 0, drops: 10 },
      ],
      truncated: false,
    },
  });
});

Deno.test("statusReportJson() gives error_s null when the server knows no bound", () => {
  const json = statusReportJson({
    server: "127.0.0.1:1200",
    status: parseStatusAnswer("OK synchronised=yes error=unknown listeners=none"),
    stats: parseStatsAnswer("OK up=1"),
  }) as { status: Record<string, unknown> };
  assert.equal(json.status.error_s, null);
  assert.deepEqual(json.status.listeners, []);
});
