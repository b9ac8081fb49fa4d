import assert from "node:assert/strict";
import { parseSize, parseStatsAnswer, parseStatusAnswer } from "../src/query/status_answer.ts";

Deno.test("parseStatusAnswer() keeps every field in order, unknown ones included", () => {
  assert.deepEqual(
    parseStatusAnswer("OK synchronised=yes stratum=10 io=deno  tzdata=2025b flag"),
    [["synchronised", "yes"], ["stratum", "10"], ["io", "deno"], ["tzdata", "2025b"], ["flag", ""]],
  );
});

Deno.test("parseStatusAnswer() refuses what is not a clockd status answer", () => {
  assert.throws(() => parseStatusAnswer("ERR busy"), /not a clockd status answer: "ERR busy"/);
  assert.throws(() => parseStatusAnswer("SSH-2.0-OpenSSH\u0007"), /"SSH-2\.0-OpenSSH\\u0007"/);
  assert.throws(() => parseStatusAnswer(""), SyntaxError);
});

Deno.test("parseStatsAnswer() groups counters by service and transport", () => {
  const stats = parseStatsAnswer(
    "OK up=61 rss=48MiB fds=17 session/tcp req=12 ans=11 err=0 drop=1 open=3 closed=9 " +
      "refused=0 ntp/udp req=2 ans=2 err=0 drop=0",
  );
  assert.deepEqual(stats.fields, [["up", "61"], ["rss", "48MiB"], ["fds", "17"]]);
  assert.deepEqual(stats.services.map((s) => `${s.service}/${s.transport}`), [
    "session/tcp",
    "ntp/udp",
  ]);
  assert.deepEqual(stats.services[0].counts.map(([key]) => key), [
    "req",
    "ans",
    "err",
    "drop",
    "open",
    "closed",
    "refused",
  ]);
  assert.equal(stats.services[1].counts[0][1], 2);
  assert.equal(stats.truncated, false);
});

Deno.test("parseStatsAnswer() marks a line the server cut short", () => {
  const stats = parseStatsAnswer("OK up=1 rss=48MiB ntp/udp req=1 ans=1 err=0 drop=0 ...");
  assert.equal(stats.truncated, true);
  assert.equal(stats.services.length, 1);
});

Deno.test("parseStatsAnswer() refuses other lines and counters that are not whole numbers", () => {
  assert.throws(() => parseStatsAnswer("ERR stats over TCP only"), /not a clockd stats answer/);
  assert.throws(() => parseStatsAnswer("OK up=1 ntp/udp req=x"), /ntp\/udp req="x"/);
});

Deno.test("parseSize() reads rss= with its unit, and a bare number as MiB", () => {
  assert.equal(parseSize("48MiB"), 48 * 1048576);
  assert.equal(parseSize("48"), 48 * 1048576);
  assert.equal(parseSize("95232KiB"), 95232 * 1024);
  assert.equal(parseSize("1GiB"), 1073741824);
  assert.equal(parseSize("4096B"), 4096);
  assert.equal(parseSize("48 MiB"), null);
  assert.equal(parseSize("MiB"), null);
});
