/**
 * `clockd status` as a user runs it (a subprocess with `deno task clockd`'s
 * permissions) against the real clockd, and `statusCommand()` against
 * loopback fakes for what can go wrong: nothing listening, a server that
 * never answers, a server that is not clockd, a busy clockd, a newer clockd
 * with fields this client does not know.
 */

import assert from "node:assert/strict";
import { statusCommand } from "../src/query/status_command.ts";
import { engineTest, LineClient, runClockd, startClockd } from "./_clockd.ts";

/** Runs `statusCommand()` in this process, collecting its lines. */
async function status(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await statusCommand(args, {
    output: { out: (line) => out.push(line), err: (line) => err.push(line) },
  });
  return { code, out, err };
}

/**
 * A TCP server on a free loopback port that reads what the client sends and
 * answers `reply` (or nothing, when null), then closes.
 */
function fakeServer(reply: string | null): { port: number } & AsyncDisposable {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.TcpConn[] = [];
  const serving = (async () => {
    for await (const conn of listener) {
      conns.push(conn);
      await conn.read(new Uint8Array(256)).catch(() => null);
      if (reply === null) continue;
      await conn.write(new TextEncoder().encode(reply)).catch(() => 0);
      conn.close();
    }
  })();
  return {
    port: listener.addr.port,
    async [Symbol.asyncDispose]() {
      listener.close();
      for (const conn of conns) {
        try {
          conn.close();
        } catch { /* closed */ }
      }
      await serving.catch(() => {});
    },
  };
}

engineTest({
  name: "clockd status shows a running clockd's engine, listeners, clock state and counters",
  async fn() {
    await using server = await startClockd([
      "--session",
      "127.0.0.1:0",
      "--ntp",
      "127.0.0.1:0",
      "--ntp-sync",
      "always",
      "--workers",
      "2",
    ]);
    const port = server.port("session", "tcp");
    // The raw answer: synchronised= first, for health checks that expect that string.
    using client = await LineClient.connect(port);
    assert.match(
      await client.ask("status"),
      new RegExp(
        `^OK synchronised=yes .* leap=none io=${server.io} uptime=\\d+ listeners=` +
          `session/tcp=127\\.0\\.0\\.1:${port},session/udp=127\\.0\\.0\\.1:${port},` +
          `ntp/udp=127\\.0\\.0\\.1:${server.port("ntp", "udp")} ` +
          `tz=\\S+ tzdata=\\S+ leapfile=\\S+ leapexpires=\\d{4}-\\d\\d-\\d\\d$`,
      ),
    );
    const human = await runClockd(["status", `127.0.0.1:${port}`]);
    assert.equal(human.code, 0, human.stderr);
    assert.equal(human.stderr, "");
    const lines = human.stdout.trimEnd().split("\n");
    assert.equal(lines[0], `clockd at 127.0.0.1:${port}`);
    for (
      const expected of [
        "Synchronised     : yes",
        "Stratum          : 10",
        "Estimated error  : unknown",
        "Sync mode        : always",
        "Leap status      : none",
        `Engine (io)      : ${server.io}`,
        `Listeners        : session tcp 127.0.0.1:${port}`,
        `                   session udp 127.0.0.1:${port}`,
        `                   ntp udp 127.0.0.1:${server.port("ntp", "udp")}`,
      ]
    ) assert.ok(lines.includes(expected), `${expected}\n${human.stdout}`);
    assert.ok(lines.some((line) => /^Uptime {11}: \d+ s/.test(line)), human.stdout);
    assert.ok(lines.some((line) => /^Memory \(RSS\) {5}: \d+ MiB$/.test(line)), human.stdout);
    assert.ok(lines.some((line) => /^Zone rules {7}: \d{4}[a-z]+\+?$/.test(line)), human.stdout);
    assert.ok(
      lines.some((line) => /^Leap file expiry : \d{4}-\d\d-\d\d$/.test(line)),
      human.stdout,
    );
    assert.match(human.stdout, /\nsession {2}tcp +\d+ +\d+ +0 +0 +\d+ +\d+ +0\n/);

    const json = await runClockd(["status", "--json", "--timeout", "5", `localhost:${port}`]);
    assert.equal(json.code, 0, json.stderr);
    const object = JSON.parse(json.stdout);
    assert.equal(object.server, `localhost:${port}`);
    assert.equal(object.status.synchronised, true);
    assert.equal(object.status.io, server.io);
    assert.deepEqual(
      object.status.listeners,
      server.listeners.map((l) => ({
        service: l.service,
        transport: l.transport,
        address: `${l.hostname}:${l.port}`,
      })),
    );
    assert.ok(object.stats.rss_bytes > 1048576, json.stdout);
    // (The other workers' counters arrive once a second: only this one's are sure to be there.)
    assert.ok(object.stats.services.some((s: { service: string }) => s.service === "session"));
  },
});

Deno.test("clockd status with nothing listening says so in one line and exits 1", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  const { code, stdout, stderr } = await runClockd(["status", `127.0.0.1:${port}`]);
  assert.equal(code, 1);
  assert.equal(stdout, "");
  assert.equal(
    stderr,
    `clockd status: no clockd answering on 127.0.0.1:${port} (is it running? start it with ` +
      "`deno task start`; elsewhere: deno task clockd status HOST:PORT of its session listener)\n",
  );
});

Deno.test("clockd status: a bad flag or address is one line and exit 2", async () => {
  for (
    const [args, message] of [
      [["--jsn"], "clockd: status: unknown flag --jsn; did you mean --json?"],
      [["--timeout", "soon"], /^clockd: --timeout: /],
      [["a", "b"], "clockd: status: expected one HOST[:PORT], got 2"],
      [["host:99999"], /^clockd: status: "host:99999" is not HOST\[:PORT\] \(port must be/],
    ] as const
  ) {
    const { code, stdout, stderr } = await runClockd(["status", ...args]);
    assert.equal(code, 2, stderr);
    assert.equal(stdout, "");
    const lines = stderr.trimEnd().split("\n");
    assert.equal(lines.length, 1, stderr);
    if (typeof message === "string") assert.equal(lines[0], message);
    else assert.match(lines[0], message);
  }
});

Deno.test("clockd lists status in its help and suggests it for a typo", async () => {
  const help = await runClockd(["--help"]);
  assert.match(help.stdout, /\n {2}status \[HOST\[:PORT\]\] +a running clockd's/);
  const typo = await runClockd(["stauts"]);
  assert.equal(typo.code, 2);
  assert.equal(typo.stderr, 'clockd: unknown command "stauts"; did you mean status?\n');
  const usage = await runClockd(["status", "--help"]);
  assert.equal(usage.code, 0);
  assert.match(usage.stdout, /^Usage: clockd status \[flags\] \[HOST\[:PORT\]\]\n/);
});

Deno.test("statusCommand() refuses query's flags and timeouts out of range", async () => {
  for (
    const [args, message] of [
      [["--count", "2"], "status: unknown flag --count (see clockd status --help)"],
      [["--timeout", "0"], "--timeout: must be more than 0"],
      [["--timeout", "2h"], "--timeout: must be at most 1h"],
    ] as const
  ) {
    await assert.rejects(() => status([...args]), (error: Error) => {
      assert.equal(error.name, "UsageError");
      assert.equal(error.message, message);
      return true;
    });
  }
});

Deno.test("statusCommand() gives up on a server that never answers", async () => {
  await using server = fakeServer(null);
  const { code, out, err } = await status(["--timeout", "300ms", `127.0.0.1:${server.port}`]);
  assert.equal(code, 1);
  assert.deepEqual(out, []);
  assert.deepEqual(err, [`clockd status: 127.0.0.1:${server.port}: no answer within 300ms`]);
});

Deno.test("statusCommand() tells a server that is not clockd, and a busy clockd", async () => {
  {
    await using server = fakeServer("220 smtp.example ESMTP\r\n");
    const { code, err } = await status([`127.0.0.1:${server.port}`]);
    assert.equal(code, 1);
    assert.deepEqual(err, [
      `clockd status: 127.0.0.1:${server.port} does not answer like clockd: ` +
      'not a clockd status answer: "220 smtp.example ESMTP"',
    ]);
  }
  {
    await using server = fakeServer("ERR busy\n");
    const { code, err } = await status([`127.0.0.1:${server.port}`]);
    assert.equal(code, 1);
    assert.deepEqual(err, [`clockd status: 127.0.0.1:${server.port}: answered "ERR busy"`]);
  }
});

Deno.test("statusCommand() prints fields it does not know rather than dropping them", async () => {
  await using server = fakeServer(
    "OK synchronised=yes stratum=10 leap-file=2026-12-28 vintage=2025b\r\n" +
      "OK up=5 rss=40MiB queue=3 ntp/udp req=1 ans=1 err=0 drop=0 kiss=0\r\nBYE\r\n",
  );
  const { code, out } = await status([`127.0.0.1:${server.port}`]);
  assert.equal(code, 0);
  assert.ok(out.includes("leap-file        : 2026-12-28"), out.join("\n"));
  assert.ok(out.includes("vintage          : 2025b"), out.join("\n"));
  assert.ok(out.includes("queue            : 3"), out.join("\n"));
  assert.match(out.at(-1)!, /^ntp +udp +1 +1 +0 +0 +0$/);
  assert.match(out.at(-2)!, / kiss$/);
});
