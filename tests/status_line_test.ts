import assert from "node:assert/strict";
import { LEAP_STATES, statusLine } from "../src/server/status_line.ts";

const CLOCK = "OK synchronised=no stratum=0 error=16.000000s sync=kernel precision=2^-20s";
const FACTS = {
  leap: 3,
  io: "kernel",
  uptimeSeconds: 3723.9,
  listeners: [
    { service: "session", transport: "tcp", hostname: "127.0.0.1", port: 1200 },
    { service: "ntp", transport: "udp", hostname: "::", port: 10123 },
  ],
} as const;

Deno.test("statusLine() keeps synchronised= first and adds leap, io, uptime and listeners", () => {
  assert.equal(
    statusLine(CLOCK, FACTS),
    `${CLOCK} leap=unsynchronised io=kernel uptime=3723 ` +
      "listeners=session/tcp=127.0.0.1:1200,ntp/udp=[::]:10123",
  );
  assert.match(statusLine(CLOCK, FACTS), /^OK synchronised=no /);
});

Deno.test("statusLine() names every leap state and writes listeners=none without listeners", () => {
  assert.deepEqual(LEAP_STATES, ["none", "insert", "delete", "unsynchronised"]);
  const line = statusLine(CLOCK, { ...FACTS, leap: 1, listeners: [], uptimeSeconds: -1 });
  assert.match(line, / leap=insert io=kernel uptime=0 listeners=none$/);
});

Deno.test("statusLine() appends extra key=value fields in their order", () => {
  const line = statusLine(CLOCK, {
    ...FACTS,
    extra: { "leap-file": "2026-12-28", tzdata: "2025b" },
  });
  assert.match(line, / listeners=\S+ leap-file=2026-12-28 tzdata=2025b$/);
  assert.match(statusLine(CLOCK, { ...FACTS, extra: { count: 3 } }), / count=3$/);
});

Deno.test("statusLine() refuses extra fields it cannot write on one line", () => {
  const extra = (fields: Record<string, string>) => () =>
    statusLine(CLOCK, { ...FACTS, extra: fields });
  assert.throws(extra({ io: "deno" }), /status field "io": already written/);
  assert.throws(extra({ stratum: "1" }), /status field "stratum": already written/);
  assert.throws(extra({ "Tz Data": "x" }), /not a lower-case word/);
  assert.throws(extra({ tzdata: "2025 b" }), /value "2025 b" is not printable ASCII/);
  assert.throws(extra({ tzdata: "" }), /is not printable ASCII/);
});

Deno.test("statusLine() refuses a clock line that does not start with OK synchronised=", () => {
  assert.throws(() => statusLine("OK stratum=1", FACTS), RangeError);
});
