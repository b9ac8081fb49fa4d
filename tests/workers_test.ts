/**
 * `--workers N`: TCP sessions spread over isolates sharing one port, with
 * the session limits counted across all of them.
 */

import { match, ok, strictEqual } from "node:assert/strict";
import {
  currentEngineFlags,
  hasProgram,
  LineClient,
  ROOT,
  startClockd,
  tcpEngineTest,
  udpAsk,
} from "./_clockd.ts";

tcpEngineTest({
  name: "--workers 3: sessions on every worker are answered and limits span the workers",
  async fn() {
    await using server = await startClockd([
      "--session",
      "127.0.0.1:0/tcp",
      "--workers",
      "3",
      "--max-sessions-per-ip",
      "12",
    ]);
    const port = server.port("session", "tcp");
    const clients = await Promise.all(Array.from({ length: 12 }, () => LineClient.connect(port)));
    for (const client of clients) match(await client.ask("timestamp"), /^\d+$/);
    // With 12 open across 3 workers, the 13th is refused whichever worker takes it.
    for (let i = 0; i < 6; i++) {
      using extra = await LineClient.connect(port);
      strictEqual(await extra.readLine(), "ERR busy\n");
    }
    clients[0][Symbol.dispose]();
    let admitted = false;
    for (let i = 0; i < 50 && !admitted; i++) {
      using retry = await LineClient.connect(port);
      admitted = (await retry.ask("timestamp")) !== "ERR busy";
      if (!admitted) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    ok(admitted, "a slot freed on one worker is usable from any");
    for (const client of clients.slice(1)) client[Symbol.dispose]();
  },
});

tcpEngineTest({
  name: "--workers 2: SIGTERM says goodbye to the sessions of every worker and exits 0",
  async fn() {
    const server = await startClockd(["--session", "127.0.0.1:0/tcp", "--workers", "2"]);
    const port = server.port("session", "tcp");
    const clients = await Promise.all(Array.from({ length: 16 }, () => LineClient.connect(port)));
    for (const client of clients) match(await client.ask("timestamp"), /^\d+$/);
    const status = server.stop("SIGTERM");
    for (const client of clients) {
      strictEqual(await client.readLine(), "BYE shutting down\n");
      client[Symbol.dispose]();
    }
    strictEqual((await status).code, 0);
  },
});

Deno.test("--workers 1 serves everything in one isolate", async () => {
  await using server = await startClockd(["--session", "127.0.0.1:0", "--workers", "1"]);
  using client = await LineClient.connect(server.port("session", "tcp"));
  match(await client.ask("timestamp"), /^\d+$/);
  match(server.stderr(), /1 TCP workers/);
});

Deno.test("--ntp-workers 2: SIGTERM stops the NTP workers and exits 0", async () => {
  const server = await startClockd([
    "--ntp",
    "127.0.0.1:0",
    "--ntp-sync",
    "always",
    "--ntp-workers",
    "2",
  ]);
  const request = new Uint8Array(48);
  request[0] = 0x23;
  strictEqual((await udpAsk(server.port("ntp", "udp"), request))!.length, 48);
  const started = performance.now();
  const status = await server.stop("SIGTERM");
  strictEqual(status.code, 0, server.stderr());
  ok(performance.now() - started < 4000, "the workers saw the stop flag");
  match(server.stderr(), /ntp fast path: 2 workers per address/);
});

Deno.test("--tcp-engine epoll: the N workers hold every TCP port, the primary none, UDP stays served", async (t) => {
  await using server = await startClockd([
    "--session",
    "127.0.0.1:0",
    "--daytime",
    "127.0.0.1:0/tcp",
    "--workers",
    "3",
    "--tcp-engine",
    "epoll",
  ]);
  match(server.stderr(), /tcp engine epoll: 3 workers/);
  using client = await LineClient.connect(server.port("session", "tcp"));
  match(await client.ask("timestamp"), /^\d+$/);
  const answer = await udpAsk(server.port("session", "udp"), "timestamp");
  match(new TextDecoder().decode(answer ?? new Uint8Array()), /^\d+\n?$/);
  if (!hasProgram("ss")) {
    await t.step({
      name: "skipped: counting listening sockets needs ss (iproute2)",
      ignore: true,
      fn() {},
    });
    return;
  }
  for (const service of ["session", "daytime"]) {
    const port = server.port(service, "tcp");
    const output = await new Deno.Command("ss", { args: ["-Hltn", `sport = :${port}`] }).output();
    const sockets = new TextDecoder().decode(output.stdout).trim().split("\n").filter(Boolean);
    strictEqual(
      sockets.length,
      3,
      `${service}: one listening socket per worker:\n${sockets.join("\n")}`,
    );
  }
});

Deno.test("--tcp-engine epoll without the FFI grant: exit 1, one line naming the flag and the fix", async () => {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--allow-net",
      "--allow-env",
      "--allow-read",
      `${ROOT}main.ts`,
      "serve",
      "--session",
      "127.0.0.1:0/tcp",
      "--ntp-sync",
      "always",
      "--tcp-engine",
      "epoll",
      "--log-level",
      "error",
    ],
    stdin: "null",
  }).output();
  strictEqual(output.code, 1);
  const stderr = new TextDecoder().decode(output.stderr).trim();
  match(
    stderr,
    /^clockd: --tcp-engine epoll: worker \d: FFI access to libc is not permitted: run with --allow-ffi=/,
  );
  strictEqual(stderr.split("\n").length, 1, stderr);
});

tcpEngineTest({
  name: "the harness starts each engine variant on its engine",
  async fn() {
    await using server = await startClockd(["--session", "127.0.0.1:0/tcp", "--workers", "1"]);
    using client = await LineClient.connect(server.port("session", "tcp"));
    match(await client.ask("timestamp"), /^\d+$/);
    const epoll = currentEngineFlags().includes("epoll");
    strictEqual(/tcp engine epoll: 1 workers/.test(server.stderr()), epoll, server.stderr());
  },
});
