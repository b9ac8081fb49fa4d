/**
 * `clockd query` in process, against tiny fake servers on 127.0.0.1: the
 * NTP answers to ignore or refuse (wrong origin, kiss-o'-death, LI=3),
 * malformed answers, the human and JSON output, `--count` summaries, and
 * the usage errors.
 */

import assert from "node:assert/strict";
import { systemClock } from "../src/time/clock.ts";
import { writeKissOfDeath } from "../src/protocols/ntp/kiss_of_death.ts";
import { writeNtpResponse } from "../src/protocols/ntp/responder.ts";
import { ntpServerState } from "../src/protocols/ntp/server_state.ts";
import { queryCommand } from "../src/query/query_command.ts";
import { QUERY_HELP } from "../src/query/query_flags.ts";
import { queryOnce } from "../src/query/query_once.ts";
import { parseQueryUrl } from "../src/query/query_url.ts";
import { UsageError } from "../src/cli/usage_error.ts";

const encoder = new TextEncoder();

type NtpBehaviour = "good" | "wrong-origin-then-good" | "wrong-origin" | "kod" | "li3";

/** A fake NTP server on 127.0.0.1 answering as `behaviour` says. */
function fakeNtp(behaviour: NtpBehaviour) {
  const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const state = ntpServerState({
    sync: "always",
    precision: -20,
    kernel: null,
    now: systemClock.now(),
  });
  const serving = (async () => {
    try {
      for (;;) {
        const [request, from] = await socket.receive();
        const now = systemClock.now();
        const out = new Uint8Array(48);
        if (behaviour === "kod") writeKissOfDeath(request, "RATE", now, out);
        else writeNtpResponse(request, now, now, state, out);
        if (behaviour === "li3") out[0] = (out[0] & 0x3f) | 0xc0;
        if (behaviour.startsWith("wrong-origin")) {
          const forged = out.slice();
          forged[31] ^= 1; // one bit off in the origin timestamp
          await socket.send(forged, from);
          if (behaviour === "wrong-origin") continue;
        }
        await socket.send(out, from);
      }
    } catch { /* closed */ }
  })();
  return {
    url: `ntp://127.0.0.1:${(socket.addr as Deno.NetAddr).port}`,
    async [Symbol.asyncDispose]() {
      socket.close();
      await serving;
    },
  };
}

/** A fake TCP server on 127.0.0.1 that reads one chunk, then sends `answer` and closes. */
function fakeTcp(answer: Uint8Array | string, readFirst = true) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const serving = (async () => {
    for await (const conn of listener) {
      try {
        if (readFirst) await conn.read(new Uint8Array(256));
        await conn.write(typeof answer === "string" ? encoder.encode(answer) : answer);
      } catch { /* the client left */ }
      conn.close();
    }
  })();
  return {
    port: listener.addr.port,
    async [Symbol.asyncDispose]() {
      listener.close();
      await serving;
    },
  };
}

/** Runs the command in process, capturing its lines. */
async function run(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await queryCommand(args, {
    output: { out: (line) => out.push(line), err: (line) => err.push(line) },
    sleep: () => Promise.resolve(),
  });
  return { code, out, err };
}

const RESULT_LINE =
  /^(\S+) {2}(?:stratum \d+ \S+ {2})?offset [+-]\d+\.\d{6} s ± \d+\.\d{6} s {2}delay \d+\.\d{6} s/;

Deno.test("queryCommand() prints the NTP answer, then stratum, refid, offset and delay", async () => {
  await using server = fakeNtp("good");
  const { code, out, err } = await run([server.url]);
  assert.equal(code, 0, err.join("\n"));
  assert.equal(out.length, 2);
  assert.match(out[0], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  assert.match(out[1], RESULT_LINE);
  assert.ok(out[1].startsWith(`${server.url}  stratum 10 LOCL  offset `), out[1]);
  assert.deepEqual(err, []);
});

Deno.test("queryOnce() ignores an NTP answer whose origin is not our transmit time", async () => {
  await using server = fakeNtp("wrong-origin-then-good");
  const result = await queryOnce(parseQueryUrl(server.url), { timeoutMs: 2000 });
  assert.equal(result.failure, null);
  assert.equal(result.ntp?.stratum, 10);
  assert.ok(Math.abs(result.estimate!.offset) < 0.1, `offset ${result.estimate!.offset}`);
});

Deno.test("queryCommand() times out when every NTP answer has the wrong origin", async () => {
  await using server = fakeNtp("wrong-origin");
  const { code, out, err } = await run(["--timeout", "300ms", server.url]);
  assert.equal(code, 1);
  assert.deepEqual(out, []);
  assert.deepEqual(err, [`clockd: ${server.url}: no answer within 300ms`]);
});

Deno.test("queryCommand() reports a kiss-o'-death with its code and stops asking", async () => {
  await using server = fakeNtp("kod");
  const { code, out, err } = await run(["--count", "3", server.url]);
  assert.equal(code, 1);
  assert.deepEqual(out, [
    `${server.url}  failed: kiss-o'-death RATE`,
    `${server.url}  answered 0/3  offset unknown`,
  ]);
  assert.deepEqual(err, [
    `clockd: ${server.url}: 3 of 3 queries failed (stopped after 1); last: kiss-o'-death RATE`,
  ]);
});

Deno.test("queryCommand() gives an unsynchronised (LI=3) NTP server's numbers with a warning", async () => {
  await using server = fakeNtp("li3");
  const { code, out, err } = await run(["--json", server.url]);
  assert.equal(code, 1);
  assert.deepEqual(err, [`clockd: ${server.url}: unsynchronised server (leap indicator 3)`]);
  const json = JSON.parse(out[0]);
  assert.equal(json.answered, true);
  assert.equal(json.leap, 3);
  assert.equal(typeof json.offset_s, "number");
  assert.equal(typeof json.delay_s, "number");
  assert.match(json.server_time, /^\d{4}-/);
  assert.equal(json.failure, null);
  assert.equal(json.warning, "unsynchronised server (leap indicator 3)");

  const human = await run([server.url]);
  assert.equal(human.code, 1);
  assert.equal(human.out.length, 2, "the time, then offset and delay");
  assert.match(human.out[1], /offset [-+][\d.]+ s ± [\d.]+ s {2}delay [\d.]+ s$/);
  assert.deepEqual(human.err, [`clockd: ${server.url}: unsynchronised server (leap indicator 3)`]);

  const several = await run(["--count", "2", "--interval", "0", server.url]);
  assert.equal(several.code, 1);
  assert.match(
    several.out[0],
    / answer \S+ {2}warning: unsynchronised server \(leap indicator 3\)$/,
  );
  assert.match(several.out[2], / answered 2\/2 {2}offset min /);
  assert.deepEqual(several.err, [
    `clockd: ${server.url}: 2 of 2 answers are not to be trusted; last: unsynchronised server (leap indicator 3)`,
  ]);
});

Deno.test("queryCommand() --json --count prints one object per query and a summary", async () => {
  await using server = fakeNtp("good");
  const { code, out } = await run(["--json", "--count", "3", server.url]);
  assert.equal(code, 0);
  assert.equal(out.length, 4);
  for (const line of out.slice(0, 3)) {
    const json = JSON.parse(line);
    assert.equal(json.url, server.url);
    assert.equal(json.protocol, "ntp");
    assert.equal(json.answered, true);
    assert.equal(json.stratum, 10);
    assert.equal(json.leap, 0);
    assert.equal(json.refid, "LOCL");
    assert.equal(json.precision, -20);
    assert.equal(json.root_delay_s, 0);
    assert.equal(json.root_dispersion_s, 0);
    for (const key of ["offset_s", "delay_s", "error_s"]) assert.equal(typeof json[key], "number");
    assert.ok(json.error_s >= json.delay_s / 2);
  }
  const summary = JSON.parse(out[3]);
  assert.equal(summary.summary, true);
  assert.equal(summary.answered, 3);
  assert.equal(summary.count, 3);
  assert.ok(summary.offset_s.min <= summary.offset_s.median);
  assert.ok(summary.offset_s.median <= summary.offset_s.max);
  assert.ok(summary.delay_s.min <= summary.delay_s.max);
});

Deno.test("queryCommand() --count prints one line per query, then the summary", async () => {
  await using server = fakeTcp("2026-11-21T09:54:05.123456789Z\r\n");
  const url = `session://127.0.0.1:${server.port}/rfc3339nano`;
  const { code, out } = await run(["--count", "2", url]);
  assert.equal(code, 0);
  assert.equal(out.length, 3);
  for (const line of out.slice(0, 2)) {
    assert.match(line, RESULT_LINE);
    assert.ok(line.endsWith("  answer 2026-11-21T09:54:05.123456789Z"), line);
  }
  assert.match(
    out[2],
    /^session:\/\/127\.0\.0\.1:\d+\/rfc3339nano {2}answered 2\/2 {2}offset min [+-][\d.]+ median [+-][\d.]+ max [+-][\d.]+ s {2}delay min [\d.]+ median [\d.]+ max [\d.]+ s$/,
  );
});

Deno.test("queryCommand() prints an answer in an unknown zone with the offset unknown", async () => {
  await using server = fakeTcp("Saturday, November 21, 2026 10:54:05-CET\r\n", false);
  const url = `daytime://127.0.0.1:${server.port}`;
  const { code, out } = await run([url]);
  assert.equal(code, 0);
  assert.equal(out[0], "Saturday, November 21, 2026 10:54:05-CET");
  assert.match(
    out[1],
    /^daytime:\/\/127\.0\.0\.1:\d+ {2}offset unknown \(unknown time zone "CET" in the daytime answer\) {2}delay \d+\.\d{6} s$/,
  );
});

const failures: [string, Uint8Array | string, boolean, string, RegExp][] = [
  [
    "a 3-byte RFC 868 answer",
    new Uint8Array([1, 2, 3]),
    false,
    "time",
    /an RFC 868 answer is 4 bytes, got 3$/,
  ],
  ["an empty daytime answer", "", false, "daytime", /the daytime answer is empty$/],
  [
    "a session answer not in the format asked",
    "hello\n",
    true,
    "session",
    /the answer "hello" is not in the unixns format$/,
  ],
  ["a session ERR", "ERR busy\r\n", true, "session", /the server answered: ERR busy$/],
  [
    "a session server that closes at once",
    "",
    true,
    "session",
    /closed the connection without answering$/,
  ],
];

for (const [name, answer, readFirst, scheme, message] of failures) {
  Deno.test(`queryCommand() fails with one line on ${name}`, async () => {
    await using server = fakeTcp(answer, readFirst);
    const path = scheme === "session" ? "/unixns" : "";
    const { code, out, err } = await run([`${scheme}://127.0.0.1:${server.port}${path}`]);
    assert.equal(code, 1);
    assert.deepEqual(out, []);
    assert.equal(err.length, 1);
    assert.match(err[0], message);
    assert.ok(err[0].startsWith(`clockd: ${scheme}://127.0.0.1:${server.port}`), err[0]);
  });
}

Deno.test("queryCommand() escapes control characters in answers", async () => {
  await using server = fakeTcp("hello \x1b[31mred\x07\r\n");
  const { code, out } = await run([`session://127.0.0.1:${server.port}/?q=`]);
  assert.equal(code, 0);
  assert.equal(out[0], "hello \\u001b[31mred\\u0007");
  assert.match(out[1], /offset unknown \(the answer's format was not recognised\)/);
});

Deno.test("queryCommand() takes a bare --timeout in seconds, as ntpdig does", async () => {
  await using server = fakeNtp("good");
  const { code, out } = await run(["--timeout", "2", "--json", server.url]);
  assert.equal(code, 0);
  assert.equal(JSON.parse(out[0]).answered, true);
});

Deno.test("queryCommand() --help lists every flag and scheme", async () => {
  const { code, out } = await run(["--help"]);
  assert.equal(code, 0);
  assert.equal(out[0], QUERY_HELP);
  for (const word of ["--json", "--timeout", "--count", "--interval", "--help"]) {
    assert.ok(QUERY_HELP.includes(word), word);
  }
  for (const scheme of ["session", "session+udp", "daytime", "daytime+udp", "time", "time+udp"]) {
    assert.ok(QUERY_HELP.includes(`  ${scheme}://`), scheme);
  }
  assert.ok(QUERY_HELP.includes("  ntp://"));
});

const usage: [string[], RegExp][] = [
  [[], /missing URL/],
  [["ntp://a", "ntp://b"], /expected one URL, got 2/],
  [["localhost:123"], /invalid URL "localhost:123": expected SCHEME:\/\/.*session, session\+udp/],
  [["gopher://x"], /unknown scheme "gopher"/],
  [["--timeout", "0", "ntp://x"], /^--timeout: must be more than 0/],
  [["--timeout", "soon", "ntp://x"], /^--timeout: invalid duration "soon".*or a number of seconds/],
  [["--count", "0", "ntp://x"], /^--count: expected a whole number from 1/],
  [["--count", "many", "ntp://x"], /^--count: expected a whole number/],
  [["--interval", "often", "ntp://x"], /^--interval: invalid duration/],
  [["--frobnicate", "ntp://x"], /^query: unknown flag --frobnicate \(see clockd query --help\)$/],
  [["--jsn", "ntp://x"], /^query: unknown flag --jsn; did you mean --json\?$/],
  [["--timeout"], /^--timeout: needs a value$/],
  [["--json=yes", "ntp://x"], /^--json: takes no value, got "--json=yes"$/],
  [["--count", "-3", "ntp://x"], /^--count: expected a whole number from 1 to 100000, got "-3"$/],
];

for (const [args, message] of usage) {
  Deno.test(`queryCommand() throws a usage error for ${JSON.stringify(args)}`, async () => {
    await assert.rejects(run(args), (error: unknown) => {
      assert.ok(error instanceof UsageError, String(error));
      assert.match(error.message, message);
      return true;
    });
  });
}
