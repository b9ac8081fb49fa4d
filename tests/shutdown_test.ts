/**
 * Shutdown and logging as an operator sees them: SIGTERM with a client that
 * will not read, a second signal, and journald's priority prefixes.
 */

import { match, ok, strictEqual } from "node:assert/strict";
import {
  ALL_SERVICES,
  engineTest,
  LineClient,
  startClockd,
  startFlagsReading,
  udpAsk,
} from "./_clockd.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A session that pipelines without reading until the server stops reading it. */
async function stuckSession(port: number): Promise<Deno.TcpConn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const request = new TextEncoder().encode("json\n".repeat(1000));
  let total = 0;
  let pending = conn.write(request);
  while (true) {
    const wrote = await Promise.race([pending, sleep(1000).then(() => null)]);
    // Stuck once both directions' buffers are full (megabytes on loopback)
    // and the server has stopped for a whole second, not at a pause while it
    // catches up on a busy machine; one write in flight at a time.
    if (wrote === null && total > 1_000_000) return conn;
    total += wrote ?? await pending;
    pending = conn.write(request);
  }
}

engineTest({
  name: "SIGTERM with a client that never reads: exit 0 within --shutdown-timeout",
  async fn() {
    const server = await startClockd([
      "--session",
      "127.0.0.1:0/tcp",
      "--workers",
      "1",
      "--shutdown-timeout",
      "1s",
    ]);
    const stuck = await stuckSession(server.port("session", "tcp"));
    const started = performance.now();
    const status = await server.stop("SIGTERM");
    const elapsed = performance.now() - started;
    strictEqual(status.code, 0, server.stderr());
    ok(elapsed < 1000 + 3000, `exited after ${elapsed} ms`);
    stuck.close();
  },
});

engineTest({
  name: "a second signal exits at once, even while goodbyes are stuck",
  async fn() {
    const server = await startClockd([
      "--session",
      "127.0.0.1:0/tcp",
      "--workers",
      "1",
      "--shutdown-timeout",
      "60s",
    ]);
    const stuck = await stuckSession(server.port("session", "tcp"));
    server.process.kill("SIGTERM");
    await sleep(300);
    const started = performance.now();
    const status = await server.stop("SIGINT");
    strictEqual(status.code, 130, server.stderr());
    ok(performance.now() - started < 5000, "not the 60 s shutdown timeout");
    match(server.stderr(), /second signal: exiting now/);
    stuck.close();
  },
});

Deno.test("under journald (JOURNAL_STREAM set) lines carry <N> priorities and no timestamp", async () => {
  const server = await startClockd(["--session", "127.0.0.1:0", "--workers", "1"], {
    env: { JOURNAL_STREAM: "8:12345" },
  });
  using client = await LineClient.connect(server.port("session", "tcp"));
  match(await client.ask("timestamp"), /^\d+$/);
  strictEqual((await server.stop("SIGTERM")).code, 0);
  const lines = server.stderr().trimEnd().split("\n");
  ok(lines.length >= 3, server.stderr());
  for (const line of lines) match(line, /^<[2-7]>clockd\.[a-z]+: /);
  ok(
    lines.some((line) => line.startsWith("<6>clockd.server: clockd ")),
    "the startup line at info",
  );
});

engineTest({
  name:
    "SIGHUP never stops clockd: one reload line each (and the leap table's), every session kept",
  async fn() {
    await using server = await startClockd(["--session", "127.0.0.1:0/tcp", "--workers", "2"]);
    using client = await LineClient.connect(server.port("session", "tcp"));
    match(await client.ask("timestamp"), /^\d+$/);
    for (let i = 0; i < 3; i++) {
      server.process.kill("SIGHUP");
      await sleep(200);
    }
    match(await client.ask("timestamp"), /^\d+$/, "the session survived three SIGHUPs");
    strictEqual(server.stderr().match(/SIGHUP: reloaded /g)?.length, 3, server.stderr());
    strictEqual(server.stderr().match(/SIGHUP: leap seconds: /g)?.length, 3, server.stderr());
    const status = await server.stop("SIGTERM");
    strictEqual(status.code, 0);
  },
});

Deno.test("an invalid TZ is named in one warning line at startup", async () => {
  for (const tz of ["Invalid/Zone", "CET-1CEST,M3.5.0,M10.5.0/3"]) {
    await using server = await startClockd(["--session", "127.0.0.1:0/tcp"], {
      env: { TZ: tz },
    });
    const warnings = server.stderr().match(/TZ="[^"]*" is not a time zone this runtime knows/g);
    strictEqual(warnings?.length, 1, server.stderr());
  }
  await using fine = await startClockd(["--session", "127.0.0.1:0/tcp"], {
    env: { TZ: "Europe/Paris" },
  });
  strictEqual(/is not a time zone/.test(fine.stderr()), false, fine.stderr());
});

engineTest({
  name:
    "SIGHUP reloads the config file in every worker, keeping sessions; a bad file is logged and ignored",
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "clockd-reload-" });
    const file = `${dir}/clockd.toml`;
    await Deno.writeTextFile(file, 'log-level = "info"\n');
    try {
      const server = await startClockd(
        [...ALL_SERVICES, "--config", file, "--workers", "2"],
        { permissions: startFlagsReading(dir) },
      );
      await using _ = server;
      const daytime = server.port("daytime", "udp");
      ok(await udpAsk(daytime, "") !== null, "daytime answers before the reload");
      using kept = await LineClient.connect(server.port("session", "tcp"));
      match(await kept.ask("timestamp"), /^\d+$/);
      await Deno.writeTextFile(
        file,
        'log-level = "info"\ndefault-format = "unix"\nntp-stratum = 3\n\n' +
          '[service.daytime]\ndeny = ["127.0.0.0/8"]\n',
      );
      server.process.kill("SIGHUP");
      const line = await waitFor(() => /SIGHUP: reloaded [^\n]*/.exec(server.stderr())?.[0]);
      match(line, /applied default-format, service\.daytime\.deny/);
      match(line, /needs a restart: ntp-stratum/);
      // Every worker applies it: ask from several sources until all agree.
      await waitFor(async () => (await udpAsk(daytime, "", 300)) === null || undefined);
      for (let i = 0; i < 8; i++) strictEqual(await udpAsk(daytime, "", 300), null, `ask ${i}`);
      match(await kept.ask("timestamp"), /^\d+$/, "the open session is kept");
      using fresh = await LineClient.connect(server.port("session", "tcp"));
      match(await fresh.ask(""), /^\d+$/, "a new session's default format is unix");
      await Deno.writeTextFile(file, "log-level = [\n");
      server.process.kill("SIGHUP");
      await waitFor(() => /the running configuration is kept/.test(server.stderr()) || undefined);
      strictEqual(await udpAsk(daytime, "", 300), null, "still the reloaded configuration");
      strictEqual((await server.stop("SIGTERM")).code, 0, server.stderr());
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** Polls `probe` every 50 ms until it gives a value (at most 5 s). */
async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    await sleep(50);
  }
  throw new Error("timed out waiting");
}
