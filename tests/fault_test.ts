/**
 * Fault tests: abusive clients against the real process, on loopback, each
 * bounded in time. They check behaviour (who is served, who is closed, that
 * memory stays bounded), never speed.
 */

import { match, ok, strictEqual } from "node:assert/strict";
import { engineTest, LineClient, startClockd, underUlimit } from "./_clockd.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resident memory of a process, in bytes (through ps: Deno guards other processes' /proc). */
function rss(pid: number): number {
  const output = new Deno.Command("ps", { args: ["-o", "rss=", "-p", String(pid)] }).outputSync();
  return Number(new TextDecoder().decode(output.stdout).trim()) * 1024;
}

/** Reads until EOF or error; resolves with when that happened (ms since `since`). */
async function readUntilClosed(conn: Deno.Conn, since: number): Promise<number> {
  const buffer = new Uint8Array(1024);
  try {
    while ((await conn.read(buffer)) !== null) { /* answers */ }
  } catch { /* reset counts as closed */ }
  return performance.now() - since;
}

engineTest({
  name:
    "slowloris: 500 clients trickling a byte a second neither block others nor outlive the idle deadline",
  async fn() {
    await using server = await startClockd([
      "--session",
      "127.0.0.1:0/tcp",
      "--idle-timeout",
      "3s",
      "--max-sessions-per-ip",
      "1000",
      "--tcp-rate",
      "off",
    ]);
    const port = server.port("session", "tcp");
    const started = performance.now();
    const conns = await Promise.all(
      Array.from({ length: 500 }, () => Deno.connect({ hostname: "127.0.0.1", port })),
    );
    const closedAt = conns.map((conn) => readUntilClosed(conn, started));
    let trickling = true;
    const trickle = (async () => {
      const byte = new Uint8Array([120]);
      while (trickling) {
        await Promise.allSettled(conns.map((conn) => conn.write(byte)));
        await sleep(1000);
      }
    })();
    // Meanwhile a normal client is served at once, again and again.
    for (let i = 0; i < 3; i++) {
      using client = await LineClient.connect(port);
      match(await client.ask("timestamp"), /^\d+$/);
      await sleep(500);
    }
    const times = await Promise.all(closedAt);
    trickling = false;
    await trickle;
    for (const conn of conns) {
      try {
        conn.close();
      } catch { /* closed */ }
    }
    const latest = Math.max(...times);
    ok(Math.min(...times) >= 2500, `a trickler was closed early, after ${Math.min(...times)} ms`);
    ok(latest < 3000 + 2500, `every trickler is closed at the 3 s deadline (last: ${latest} ms)`);
  },
});

engineTest({
  name: "flood: 1 MB with no newline is cut off after 128 bytes; memory stays bounded",
  async fn() {
    await using server = await startClockd([
      "--session",
      "127.0.0.1:0/tcp",
      "--max-sessions-per-ip",
      "1000",
      "--tcp-rate",
      "off",
    ]);
    const port = server.port("session", "tcp");
    const before = rss(server.process.pid);
    const megabyte = new Uint8Array(1024 * 1024).fill(65);
    const flood = async () => {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      const writing = (async () => {
        let sent = 0;
        try {
          while (sent < megabyte.length) sent += await conn.write(megabyte.subarray(sent));
        } catch { /* the server closed: expected */ }
      })();
      const answer = new Uint8Array(256);
      let received = "";
      try {
        let count: number | null;
        while ((count = await conn.read(answer)) !== null) {
          received += new TextDecoder().decode(answer.subarray(0, count));
        }
      } catch { /* reset after the answer */ }
      await writing;
      conn.close();
      return received;
    };
    const answers = await Promise.all(Array.from({ length: 50 }, flood));
    for (const answer of answers) {
      ok(answer === "" || answer === "ERR request too long (max 128 bytes)\n", answer);
    }
    ok(answers.filter((a) => a !== "").length >= 40, "most flooders got the error line first");
    const growth = rss(server.process.pid) - before;
    ok(growth < 32 * 1024 * 1024, `RSS grew by ${growth} bytes for 50 MB of flood`);
    using client = await LineClient.connect(port);
    match(await client.ask("timestamp"), /^\d+$/);
  },
});

engineTest({
  name: "non-reading clients: daytime, time and pipelining sessions never block the server",
  async fn() {
    await using server = await startClockd([
      "--session",
      "127.0.0.1:0/tcp",
      "--daytime",
      "127.0.0.1:0/tcp",
      "--time",
      "127.0.0.1:0/tcp",
      "--max-sessions-per-ip",
      "1000",
      "--tcp-rate",
      "off",
    ]);
    const before = rss(server.process.pid);
    // 200 one-shot clients that never read: the server writes and closes each.
    const oneShots = await Promise.all(
      Array.from(
        { length: 200 },
        (_, i) =>
          Deno.connect({
            hostname: "127.0.0.1",
            port: server.port(i % 2 ? "daytime" : "time", "tcp"),
          }),
      ),
    );
    // 20 sessions pipelining requests as fast as they can, never reading the answers.
    const sessionPort = server.port("session", "tcp");
    const request = new TextEncoder().encode("rfc3339\n".repeat(200));
    const pipeliners = await Promise.all(
      Array.from({ length: 20 }, () => Deno.connect({ hostname: "127.0.0.1", port: sessionPort })),
    );
    let pushing = true;
    const pushed = pipeliners.map(async (conn) => {
      let bytes = 0;
      while (pushing) {
        const write = conn.write(request);
        const result = await Promise.race([write, sleep(500).then(() => null)]);
        if (result === null) break; // the server stopped reading: backpressure
        bytes += result;
      }
      return bytes;
    });
    await sleep(1500);
    pushing = false;
    const pushedBytes = await Promise.all(pushed);
    // The server stops reading a session whose answers are not read, so each
    // pipeliner is held to what the socket buffers take, not unbounded.
    for (const bytes of pushedBytes) ok(bytes < 64 * 1024 * 1024, `pushed ${bytes}`);
    // Others are still served at once.
    using client = await LineClient.connect(sessionPort);
    match(await client.ask("timestamp"), /^\d+$/);
    using daytime = await LineClient.connect(server.port("daytime", "tcp"));
    match((await daytime.readLine())!, /-UTC\r\n$/);
    const growth = rss(server.process.pid) - before;
    ok(growth < 64 * 1024 * 1024, `RSS grew by ${growth} bytes`);
    for (const conn of [...oneShots, ...pipeliners]) conn.close();
  },
});

engineTest({
  name: "descriptor exhaustion: under a low ulimit -n the server backs off, then serves again",
  async fn() {
    await using server = await startClockd(
      ["--session", "127.0.0.1:0/tcp", "--max-sessions-per-ip", "1000", "--tcp-rate", "off"],
      { wrap: underUlimit(64) },
    );
    const port = server.port("session", "tcp");
    // More connections than descriptors: the kernel completes them into the
    // backlog, the server's accept fails with EMFILE and backs off.
    const conns: Deno.TcpConn[] = [];
    for (let i = 0; i < 120; i++) conns.push(await Deno.connect({ hostname: "127.0.0.1", port }));
    await sleep(1000);
    for (const conn of conns) conn.close();
    // Once descriptors free up, a new client is served.
    let answer = "";
    for (let attempt = 0; attempt < 50 && !/^\d+$/.test(answer); attempt++) {
      try {
        using client = await LineClient.connect(port);
        answer = await client.ask("timestamp");
      } catch {
        await sleep(200);
      }
    }
    match(answer, /^\d+$/);
    const status = await server.stop("SIGTERM");
    const stderr = server.stderr();
    strictEqual(status.code, 0, stderr);
    // One warning per burst, not one per failed accept.
    const warnings = stderr.match(/accept failed/g)?.length ?? 0;
    ok(warnings >= 1 && warnings <= 5, `${warnings} accept warnings:\n${stderr}`);
    match(stderr, /Too many open files|os error 24/);
    match(stderr, /accepting again after \d+ failed accepts/);
  },
});
