/**
 * `--workers N`: TCP sessions spread over isolates sharing one port, with
 * the session limits counted across all of them.
 */

import { match, ok, strictEqual } from "node:assert/strict";
import {
  currentEngine,
  engineTest,
  hasProgram,
  LineClient,
  START_FLAGS,
  startClockd,
  udpAsk,
} from "./_clockd.ts";

engineTest({
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

engineTest({
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

engineTest({
  name: "--workers 1 serves everything in one worker",
  async fn() {
    await using server = await startClockd(["--session", "127.0.0.1:0", "--workers", "1"]);
    using client = await LineClient.connect(server.port("session", "tcp"));
    match(await client.ask("timestamp"), /^\d+$/);
    match(
      new TextDecoder().decode((await udpAsk(server.port("session", "udp"), "timestamp"))!),
      /^\d+\n$/,
    );
    match(server.stderr(), /io=\w+, 1 workers\)/);
  },
});

/** The listening (TCP) or bound (UDP) sockets on a port, by `ss`. */
async function socketsOn(transport: "tcp" | "udp", port: number): Promise<string[]> {
  const flags = transport === "tcp" ? "-Hltn" : "-Hlun";
  const output = await new Deno.Command("ss", { args: [flags, `sport = :${port}`] }).output();
  return new TextDecoder().decode(output.stdout).trim().split("\n").filter(Boolean);
}

Deno.test({
  name: "io=kernel --workers 3: every worker holds every TCP and UDP port, the primary none",
  ignore: !hasProgram("ss"),
  async fn() {
    await using server = await startClockd([
      "--session",
      "127.0.0.1:0",
      "--daytime",
      "127.0.0.1:0/tcp",
      "--ntp",
      "127.0.0.1:0",
      "--ntp-sync",
      "always",
      "--workers",
      "3",
    ]);
    strictEqual(server.io, "kernel");
    using client = await LineClient.connect(server.port("session", "tcp"));
    match(await client.ask("timestamp"), /^\d+$/);
    const answer = await udpAsk(server.port("session", "udp"), "timestamp");
    match(new TextDecoder().decode(answer ?? new Uint8Array()), /^\d+\n?$/);
    for (
      const [service, transport] of [["session", "tcp"], ["daytime", "tcp"], ["session", "udp"], [
        "ntp",
        "udp",
      ]] as const
    ) {
      const sockets = await socketsOn(transport, server.port(service, transport));
      strictEqual(
        sockets.length,
        3,
        `${service}/${transport}: one socket per worker:\n${sockets.join("\n")}`,
      );
    }
  },
});

Deno.test({
  name: "io=deno --workers 3: every worker holds the TCP ports, one the UDP port",
  ignore: !hasProgram("ss"),
  async fn() {
    await using server = await startClockd([
      "--session",
      "127.0.0.1:0",
      "--workers",
      "3",
      "--io",
      "deno",
    ]);
    const port = server.port("session", "tcp");
    strictEqual((await socketsOn("tcp", port)).length, 3);
    strictEqual((await socketsOn("udp", port)).length, 1);
    match(new TextDecoder().decode((await udpAsk(port, "timestamp"))!), /^\d+\n$/);
  },
});

Deno.test("io=kernel without the FFI grant: serves on io=deno and says why in one warning", async () => {
  await using server = await startClockd(
    ["--session", "127.0.0.1:0", "--ntp-sync", "always", "--workers", "1"],
    { permissions: START_FLAGS.filter((flag) => !flag.startsWith("--allow-ffi")) },
  );
  strictEqual(server.io, "deno");
  const warnings = server.stderr().match(
    /io=kernel cannot run here, serving on io=deno: .*--allow-ffi=/g,
  );
  strictEqual(warnings?.length, 1, server.stderr());
  using client = await LineClient.connect(server.port("session", "tcp"));
  match(await client.ask("status"), / io=deno( |$)/);
});

engineTest({
  name: "the harness starts each engine variant on its engine, and status names it",
  async fn() {
    await using server = await startClockd(["--session", "127.0.0.1:0/tcp", "--workers", "1"]);
    using client = await LineClient.connect(server.port("session", "tcp"));
    const expected = currentEngine()!.io;
    strictEqual(server.io, expected);
    match(await client.ask("status"), new RegExp(` io=${expected}( |$)`));
    match(server.stderr(), new RegExp(`\\(pid \\d+, io=${expected}, 1 workers\\)`));
  },
});

engineTest({
  name: "go's m= counts from one start in every worker",
  async fn() {
    await using server = await startClockd(["--session", "127.0.0.1:0/tcp", "--workers", "3"]);
    const port = server.port("session", "tcp");
    // m= minus the test's own monotonic clock: the same for every connection
    // when every worker counts from the process's start.
    const offsets: number[] = [];
    for (let i = 0; i < 24; i++) {
      using client = await LineClient.connect(port);
      const before = performance.now();
      const line = await client.ask("go");
      const after = performance.now();
      const m = /m=\+(\d+\.\d+)$/.exec(line);
      ok(m !== null, line);
      offsets.push(Number(m[1]) * 1000 - (before + after) / 2);
    }
    const spread = Math.max(...offsets) - Math.min(...offsets);
    ok(spread < 15, `m= jumps by ${spread.toFixed(1)} ms between connections`);
  },
});
