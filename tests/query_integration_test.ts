/**
 * `clockd query` as a user runs it (a subprocess with `deno task start`'s
 * permissions): against the real clockd for every scheme, and against
 * loopback fakes for the failures: a closed port, an unknown host, a
 * server that never answers, NTP answers with the wrong origin, a
 * kiss-o'-death, an unsynchronised server, a short RFC 868 answer.
 */

import assert from "node:assert/strict";
import { systemClock } from "../src/time/clock.ts";
import { writeKissOfDeath } from "../src/protocols/ntp/kiss_of_death.ts";
import { writeNtpResponse } from "../src/protocols/ntp/responder.ts";
import { ntpServerState } from "../src/protocols/ntp/server_state.ts";
import { ALL_SERVICES, isFile, isRoot, runClockd, START_FLAGS, startClockd } from "./_clockd.ts";

const ALL = ALL_SERVICES;

const RESULT =
  /^(\S+) {2}(?:stratum (\d+) (\S+) {2})?offset ([+-]\d+\.\d{6}) s ± (\d+\.\d{6}) s {2}delay (\d+\.\d{6}) s$/;

/** The text, for a regular expression. */
function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Runs `clockd query ARGS`; asserts one clean line on stderr when it fails. */
async function query(args: string[]) {
  const result = await runClockd(["query", ...args]);
  if (result.code !== 0) {
    const lines = result.stderr.trimEnd().split("\n");
    assert.equal(lines.length, 1, `one line on stderr:\n${result.stderr}`);
    assert.match(lines[0], /^clockd: /);
    assert.doesNotMatch(result.stderr, /\n\s+at |Uncaught|error: /, "no stack trace");
  }
  return result;
}

/** Checks a successful single query: the answer, then the result line; returns the offset. */
function offsetOf(stdout: string, url: RegExp): { offset: number; error: number; line: string[] } {
  const lines = stdout.trimEnd().split("\n");
  assert.equal(lines.length, 2, stdout);
  const match = RESULT.exec(lines[1]);
  assert.ok(match !== null, `result line: ${lines[1]}`);
  assert.match(match[1], url);
  return { offset: Number(match[4]), error: Number(match[5]), line: lines };
}

Deno.test("clockd query reads clockd's answer for every scheme and estimates the offset", async (t) => {
  await using server = await startClockd(ALL);
  const session = server.port("session", "tcp");
  const cases: [string, RegExp, number][] = [
    // [url, answer, largest plausible |offset| on one host]
    [`session://127.0.0.1:${session}`, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/, 0.05],
    [`session+udp://127.0.0.1:${session}/unixns`, /^\d{19}$/, 0.05],
    [`session://localhost:${session}/rfc3339%20Asia/Tokyo`, /\+09:00$/, 1.05],
    [`session://127.0.0.1:${session}?q=`, / \+0000 UTC m=\+\d+\.\d{9}$/, 0.05],
    [
      `daytime://127.0.0.1:${server.port("daytime", "tcp")}`,
      /^\w+day, \w+ \d+, \d{4} [\d:]{8}-UTC$/,
      1.05,
    ],
    [`daytime+udp://127.0.0.1:${server.port("daytime", "udp")}`, /-UTC$/, 1.05],
    [`time://127.0.0.1:${server.port("time", "tcp")}`, /^\d+ \(\d{4}-\d\d-\d\dT[\d:]{8}Z\)$/, 1.05],
    [`time+udp://127.0.0.1:${server.port("time", "udp")}`, /^\d+ \(.*Z\)$/, 1.05],
    [`ntp://127.0.0.1:${server.port("ntp", "udp")}`, /^\d{4}-\d\d-\d\dT[\d:.]+Z$/, 0.05],
  ];
  for (const [url, answer, plausible] of cases) {
    await t.step(url.replace(/:\d+/, ":PORT"), async () => {
      const { code, stdout, stderr } = await query([url]);
      assert.equal(code, 0, stderr);
      assert.equal(stderr, "");
      const { offset, error, line } = offsetOf(stdout, /^[a-z+]+:\/\//);
      assert.match(line[0], answer);
      assert.ok(Math.abs(offset) <= plausible, `offset ${offset} s`);
      // The true offset (0: same host, same clock) lies within the error bound.
      assert.ok(Math.abs(offset) <= error + 0.01, `offset ${offset} ± ${error}`);
    });
  }

  await t.step("ntp:// shows stratum and refid, --json the server fields", async () => {
    const url = `ntp://127.0.0.1:${server.port("ntp", "udp")}`;
    const human = await query([url]);
    const match = RESULT.exec(human.stdout.trimEnd().split("\n")[1]);
    assert.deepEqual([match?.[2], match?.[3]], ["10", "LOCL"]);
    const { code, stdout } = await query(["--json", url]);
    assert.equal(code, 0);
    const json = JSON.parse(stdout);
    assert.equal(json.url, url);
    assert.equal(json.stratum, 10);
    assert.equal(json.leap, 0);
    assert.equal(json.refid, "LOCL");
    assert.equal(typeof json.precision, "number");
    assert.equal(json.root_delay_s, 0);
    assert.equal(typeof json.root_dispersion_s, "number");
    assert.ok(Math.abs(json.offset_s) < 0.05);
    assert.ok(json.delay_s >= 0 && json.delay_s < 0.5);
  });

  await t.step("--count 3 prints three lines and the summary", async () => {
    const url = `time://127.0.0.1:${server.port("time", "tcp")}`;
    const { code, stdout } = await query(["--count", "3", url]);
    assert.equal(code, 0);
    const lines = stdout.trimEnd().split("\n");
    assert.equal(lines.length, 4, stdout);
    for (const line of lines.slice(0, 3)) assert.match(line, / s {2}answer \d+ \(/);
    assert.match(lines[3], / {2}answered 3\/3 {2}offset min [+-][\d.]+ median [+-][\d.]+ max /);
  });
});

Deno.test("clockd query on a closed port says connection refused and exits 1", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  for (const scheme of ["session", "daytime", "time"]) {
    const { code, stdout, stderr } = await query([`${scheme}://127.0.0.1:${port}`]);
    assert.equal(code, 1);
    assert.equal(stdout, "");
    assert.match(
      stderr,
      new RegExp(`^clockd: ${scheme}://127\\.0\\.0\\.1:${port}.*: connection refused\\n$`),
    );
  }
});

Deno.test({
  name: "clockd query on a closed UDP port says connection refused at once and exits 1",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
    const port = (socket.addr as Deno.NetAddr).port;
    socket.close();
    for (const scheme of ["ntp", "session+udp", "daytime+udp", "time+udp"]) {
      const started = performance.now();
      const { code, stdout, stderr } = await query([
        "--timeout",
        "10",
        `${scheme}://127.0.0.1:${port}`,
      ]);
      const elapsed = performance.now() - started;
      assert.equal(code, 1);
      assert.equal(stdout, "");
      assert.match(
        stderr,
        new RegExp(
          `^clockd: ${escape(scheme)}://127\\.0\\.0\\.1:${port}\\S*: connection refused\n$`,
        ),
      );
      assert.ok(elapsed < 5000, `${scheme}: took ${elapsed} ms of a 10 s timeout`);
    }
  },
});

Deno.test("clockd query without FFI to libc still queries over Deno's UDP sockets", async () => {
  await using server = await startClockd(ALL);
  const noFfi = START_FLAGS.filter((flag) => !flag.startsWith("--allow-ffi"));
  const answered = await runClockd(["query", `ntp://127.0.0.1:${server.port("ntp", "udp")}`], {
    permissions: noFfi,
  });
  assert.equal(answered.code, 0, answered.stderr);
  assert.match(answered.stdout, /stratum 10 LOCL {2}offset /);
  const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const port = (socket.addr as Deno.NetAddr).port;
  socket.close();
  const silent = await runClockd(["query", "--timeout", "300ms", `ntp://127.0.0.1:${port}`], {
    permissions: noFfi,
  });
  assert.equal(silent.code, 1);
  assert.equal(silent.stderr, `clockd: ntp://127.0.0.1:${port}: no answer within 300ms\n`);
});

Deno.test("clockd query on an unknown host says so and exits 1", async () => {
  for (const url of ["ntp://nosuch.invalid", "daytime://nosuch.invalid:13"]) {
    const { code, stderr } = await query([url]);
    assert.equal(code, 1);
    assert.match(stderr, /^clockd: \S+nosuch\.invalid:\d+: cannot resolve "nosuch\.invalid": /);
  }
});

/** A UDP socket on 127.0.0.1 that answers each datagram through `answer` (nothing if it returns []). */
function fakeUdp(answer: (request: Uint8Array) => Uint8Array[]) {
  const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const serving = (async () => {
    try {
      for (;;) {
        const [request, from] = await socket.receive();
        for (const bytes of answer(request)) await socket.send(bytes, from);
      }
    } catch { /* closed */ }
  })();
  return {
    port: (socket.addr as Deno.NetAddr).port,
    async [Symbol.asyncDispose]() {
      socket.close();
      await serving;
    },
  };
}

const NTP_STATE = ntpServerState({
  sync: "always",
  precision: -20,
  kernel: null,
  now: systemClock.now(),
});

function ntpAnswer(request: Uint8Array): Uint8Array {
  const now = systemClock.now();
  const out = new Uint8Array(48);
  writeNtpResponse(request, now, now, NTP_STATE, out);
  return out;
}

function wrongOrigin(answer: Uint8Array): Uint8Array {
  const forged = answer.slice();
  forged[30] ^= 0x80; // the origin's fraction, a high bit: not our transmit timestamp
  return forged;
}

Deno.test("clockd query times out when a UDP server never answers", async () => {
  await using silent = fakeUdp(() => []);
  for (const scheme of ["ntp", "time+udp", "daytime+udp", "session+udp"]) {
    const started = performance.now();
    const { code, stdout, stderr } = await query([
      "--timeout",
      "500ms",
      `${scheme}://127.0.0.1:${silent.port}`,
    ]);
    assert.equal(code, 1);
    assert.equal(stdout, "");
    assert.match(stderr, /: no answer within 500ms\n$/);
    assert.ok(performance.now() - started < 10_000);
  }
});

Deno.test("clockd query ignores an NTP answer with the wrong origin and takes the right one", async () => {
  await using server = fakeUdp((request) => {
    const good = ntpAnswer(request);
    return [wrongOrigin(good), good];
  });
  const { code, stdout, stderr } = await query([`ntp://127.0.0.1:${server.port}`]);
  assert.equal(code, 0, stderr);
  const { offset } = offsetOf(stdout, /^ntp:\/\//);
  assert.ok(Math.abs(offset) < 0.05, `offset ${offset}`);
});

Deno.test("clockd query waits out NTP answers that all have the wrong origin", async () => {
  await using server = fakeUdp((request) => [wrongOrigin(ntpAnswer(request))]);
  const { code, stderr } = await query(["--timeout", "500ms", `ntp://127.0.0.1:${server.port}`]);
  assert.equal(code, 1);
  assert.match(stderr, /: no answer within 500ms\n$/);
});

Deno.test("clockd query reports a kiss-o'-death with its code and exits 1", async () => {
  await using server = fakeUdp((request) => {
    const out = new Uint8Array(48);
    writeKissOfDeath(request, "RATE", systemClock.now(), out);
    return [out];
  });
  const { code, stdout, stderr } = await query([`ntp://127.0.0.1:${server.port}`]);
  assert.equal(code, 1);
  assert.equal(stdout, "");
  assert.equal(stderr, `clockd: ntp://127.0.0.1:${server.port}: kiss-o'-death RATE\n`);
});

Deno.test("clockd query prints an unsynchronised (LI=3) NTP server's numbers, warns and exits 1", async () => {
  await using server = fakeUdp((request) => {
    const out = ntpAnswer(request);
    out[0] = (out[0] & 0x3f) | 0xc0;
    return [out];
  });
  const { code, stdout, stderr } = await query([`ntp://127.0.0.1:${server.port}`]);
  assert.equal(code, 1);
  const lines = stdout.trimEnd().split("\n");
  assert.match(lines[0], /^\d{4}-\d\d-\d\dT[\d:.]+Z$/, "the time");
  assert.match(
    lines[1],
    /stratum 10 LOCL {2}offset [-+]\d+\.\d{6} s ± [\d.]+ s {2}delay [\d.]+ s$/,
  );
  assert.equal(
    stderr,
    `clockd: ntp://127.0.0.1:${server.port}: unsynchronised server (leap indicator 3)\n`,
  );
});

Deno.test("clockd query rejects a 3-byte RFC 868 answer as malformed", async () => {
  await using server = fakeUdp(() => [new Uint8Array([0xee, 0xab, 0xe8])]);
  const { code, stderr } = await query([`time+udp://127.0.0.1:${server.port}`]);
  assert.equal(code, 1);
  assert.match(stderr, /: an RFC 868 answer is 4 bytes, got 3\n$/);
});

Deno.test("clockd query: a bare host:port or unknown scheme is a usage error listing the schemes", async () => {
  for (const url of ["localhost:1200", "udp://localhost:123"]) {
    const { code, stdout, stderr } = await runClockd(["query", url]);
    assert.equal(code, 2);
    assert.equal(stdout, "");
    assert.match(
      stderr,
      /^clockd: query: invalid URL .*session, session\+udp, daytime, daytime\+udp, time, time\+udp, ntp, roughtime, roughtime\+tcp\n$/,
    );
  }
  const help = await runClockd(["query", "--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: clockd query \[flags\] URL/);
  const top = await runClockd(["--help"]);
  assert.match(top.stdout, /^ {2}query URL /m);
});

const XINETD = "/usr/sbin/xinetd";
const hasXinetd = isFile(XINETD);

Deno.test({
  name: "clockd query reads xinetd's internal daytime and time services",
  // xinetd's internal services run as `user = root`: ignored unless the tests run as root.
  ignore: !hasXinetd || !isRoot(),
  async fn() {
    const [port, timePort] = [0, 0].map(() => {
      const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      probe.close();
      return probe.addr.port;
    });
    const dir = await Deno.makeTempDir({ prefix: "clockd-xinetd-" });
    const service = (name: string, type: "stream" | "dgram", servicePort: number) => `
service ${name}
{
  type        = INTERNAL UNLISTED
  id          = ${name}-${type}
  socket_type = ${type}
  protocol    = ${type === "stream" ? "tcp" : "udp"}
  port        = ${servicePort}
  wait        = ${type === "stream" ? "no" : "yes"}
  user        = root
  bind        = 127.0.0.1
  flags       = REUSE
}
`;
    await Deno.writeTextFile(
      `${dir}/xinetd.conf`,
      service("daytime", "stream", port) + service("daytime", "dgram", port) +
        service("time", "stream", timePort) + service("time", "dgram", timePort),
    );
    const xinetd = new Deno.Command(XINETD, {
      args: ["-dontfork", "-f", `${dir}/xinetd.conf`],
      env: { TZ: "UTC" },
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    try {
      // xinetd binds its services after reading the configuration: wait for the TCP one.
      let up = false;
      for (let i = 0; i < 50 && !up; i++) {
        try {
          (await Deno.connect({ hostname: "127.0.0.1", port })).close();
          up = true;
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
      assert.ok(up, "xinetd did not start");
      const cases: [string, number, RegExp][] = [
        ["daytime", port, /^\d\d [A-Z]{3} \d{4} \d\d:\d\d:\d\d UTC$/],
        ["daytime+udp", port, /^\d\d [A-Z]{3} \d{4} \d\d:\d\d:\d\d UTC$/],
        ["time", timePort, /^\d+ \(\d{4}-\d\d-\d\dT[\d:]{8}Z\)$/],
        ["time+udp", timePort, /^\d+ \(\d{4}-\d\d-\d\dT[\d:]{8}Z\)$/],
      ];
      for (const [scheme, servicePort, answer] of cases) {
        const { code, stdout, stderr } = await query([`${scheme}://127.0.0.1:${servicePort}`]);
        assert.equal(code, 0, stderr);
        const { offset, line } = offsetOf(stdout, new RegExp(`^${scheme.replace("+", "\\+")}://`));
        assert.match(line[0], answer);
        assert.ok(Math.abs(offset) <= 1.05, `offset ${offset}`);
      }
    } finally {
      try {
        xinetd.kill("SIGTERM");
      } catch { /* exited already */ }
      await xinetd.status;
      await Deno.remove(dir, { recursive: true });
    }
  },
});
