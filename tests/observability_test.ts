/**
 * What clockd tells operators, against the real process: the `stats`
 * command, `--metrics` (parsed by a real Prometheus text parser, counters
 * summed across workers), and sd_notify to a fake systemd notify socket.
 */

import { deepStrictEqual, match, ok, strictEqual } from "node:assert/strict";
import { parsePrometheus } from "./_prometheus.ts";
import { engineTest, LineClient, startClockd, udpAsk } from "./_clockd.ts";

interface Family {
  name: string;
  type: string;
  metrics: { value?: string; labels?: Record<string, string> }[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The value of one labelled sample of a parsed family, or undefined. */
function find(families: Family[], name: string, labels: Record<string, string>) {
  return families.find((f) => f.name === name)?.metrics.find((m) =>
    Object.entries(labels).every(([key, value]) => m.labels?.[key] === value)
  );
}

/** The value of one labelled sample of a parsed family; fails if it is missing. */
function sample(families: Family[], name: string, labels: Record<string, string>): number {
  const found = find(families, name, labels);
  ok(found !== undefined, `${name} ${JSON.stringify(labels)}`);
  return Number(found.value);
}

engineTest({
  name: "stats answers one line of counters",
  async fn() {
    await using server = await startClockd(["--session", "127.0.0.1:0", "--workers", "1"]);
    using client = await LineClient.connect(server.port("session", "tcp"));
    for (let i = 0; i < 5; i++) match(await client.ask("timestamp"), /^\d+$/);
    await udpAsk(server.port("session", "udp"), "x".repeat(200), 200); // oversized: dropped
    let stats = await client.ask("stats");
    match(stats, /^OK up=\d+ rss=\d+MiB /);
    // The stats request itself is counted before its answer is.
    match(stats, / session\/tcp req=6 ans=5 err=0 drop=0 open=1 closed=0 refused=0/);
    // Another isolate's counters (the primary's UDP, when an epoll worker
    // serves the session) reach this one once a second.
    for (let i = 0; i < 30 && !stats.includes(" session/udp req=1"); i++) {
      await sleep(100);
      stats = await client.ask("stats");
    }
    match(stats, / session\/udp req=1 ans=0 err=0 drop=1/);
    ok(stats.length < 1000);
  },
});

engineTest({
  name: "--metrics serves Prometheus text with the whole process's counters, and /healthz",
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
      "--metrics",
      "127.0.0.1:0",
      "--max-sessions-per-ip",
      "2",
    ]);
    const ready = server.listeners;
    ok(ready.length === 3);
    const metricsPort = server.metrics?.port;
    ok(typeof metricsPort === "number", "ready JSON names the metrics address");
    const base = `http://127.0.0.1:${metricsPort}`;

    // 20 sessions one after another (spread over both workers by the kernel),
    // 3 requests each; one refused as busy; NTP answered and dropped.
    const port = server.port("session", "tcp");
    for (let i = 0; i < 20; i++) {
      using client = await LineClient.connect(port);
      for (let j = 0; j < 3; j++) match(await client.ask("unix"), /^\d+$/);
      await client.send("quit\n");
      strictEqual(await client.readLine(), "BYE\n");
      ok(await client.closedByServer());
    }
    using a = await LineClient.connect(port);
    using b = await LineClient.connect(port);
    match(await a.ask("unix"), /^\d+$/);
    match(await b.ask("unix"), /^\d+$/);
    using c = await LineClient.connect(port);
    strictEqual(await c.readLine(), "ERR busy\n");
    const request = new Uint8Array(48);
    request[0] = 0x23;
    strictEqual((await udpAsk(server.port("ntp", "udp"), request))!.length, 48);
    strictEqual(await udpAsk(server.port("ntp", "udp"), new Uint8Array(10), 200), null);

    // Workers report once a second.
    let families: Family[] = [];
    for (let attempt = 0; attempt < 30; attempt++) {
      await sleep(300);
      const response = await fetch(`${base}/metrics`);
      strictEqual(response.status, 200);
      match(response.headers.get("content-type")!, /^text\/plain; version=0\.0\.4/);
      families = await parsePrometheus(await response.text()) as Family[];
      const quits = find(families, "clockd_sessions_closed_total", {
        service: "session",
        transport: "tcp",
        reason: "quit",
      });
      if (Number(quits?.value) === 20) break;
    }
    const tcp = { service: "session", transport: "tcp" };
    strictEqual(sample(families, "clockd_requests_total", tcp), 20 * 4 + 2);
    strictEqual(sample(families, "clockd_answers_total", tcp), 20 * 4 + 2);
    strictEqual(sample(families, "clockd_sessions_closed_total", { ...tcp, reason: "quit" }), 20);
    strictEqual(sample(families, "clockd_sessions_closed_total", { ...tcp, reason: "busy" }), 1);
    strictEqual(sample(families, "clockd_sessions_open", tcp), 2);
    const ntp = { service: "ntp", transport: "udp" };
    strictEqual(sample(families, "clockd_requests_total", ntp), 2);
    strictEqual(sample(families, "clockd_answers_total", ntp), 1);
    strictEqual(sample(families, "clockd_dropped_total", { ...ntp, reason: "malformed" }), 1);
    ok(sample(families, "process_resident_memory_bytes", {}) > 1e6);
    deepStrictEqual(families.find((f) => f.name === "clockd_requests_total")?.type, "COUNTER");

    const health = await fetch(`${base}/healthz`);
    strictEqual(health.status, 200);
    strictEqual(await health.text(), "ok\n");
    strictEqual(
      (await fetch(`${base}/nope`).then(async (r) => (await r.body?.cancel(), r))).status,
      404,
    );
  },
});

/** A fake systemd notify socket collecting what clockd sends. */
async function fakeNotifySocket(): Promise<
  { path: string; messages: string[] } & AsyncDisposable
> {
  const dir = await Deno.makeTempDir({ prefix: "clockd-notify-" });
  const path = `${dir}/notify`;
  const socket = Deno.listenDatagram({ transport: "unixpacket", path });
  const messages: string[] = [];
  const receiving = (async () => {
    try {
      for await (const [data] of socket) messages.push(new TextDecoder().decode(data));
    } catch { /* closed */ }
  })();
  return {
    path,
    messages,
    async [Symbol.asyncDispose]() {
      socket.close();
      await receiving;
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** Waits for the first notify message (READY=1 comes once every listener and worker is up). */
async function firstMessage(messages: string[]): Promise<string> {
  for (let i = 0; i < 40 && messages.length === 0; i++) await sleep(50);
  return messages[0];
}

Deno.test("sd_notify: READY=1 once bound, STATUS, WATCHDOG=1 pings, STOPPING=1 at shutdown", async () => {
  await using notify = await fakeNotifySocket();
  const { messages } = notify;
  const server = await startClockd(["--session", "127.0.0.1:0", "--workers", "2"], {
    env: { NOTIFY_SOCKET: notify.path, WATCHDOG_USEC: "200000" },
  });
  match(
    await firstMessage(messages),
    /^READY=1\nSTATUS=serving 2 listeners on io=\w+; 0 sessions open; 0 requests; /,
  );
  await sleep(600);
  const pings = messages.filter((m) => m === "WATCHDOG=1").length;
  ok(pings >= 2, `${pings} watchdog pings in 600 ms at a 100 ms interval`);
  strictEqual((await server.stop("SIGTERM")).code, 0);
  await sleep(100);
  ok(messages.some((m) => m.startsWith("STOPPING=1")), messages.join(" | "));
});

Deno.test("sd_notify: STATUS counts every listener", async () => {
  await using notify = await fakeNotifySocket();
  await using _server = await startClockd(
    ["--session", "127.0.0.1:0/tcp", "--ntp", "127.0.0.1:0", "--workers", "2"],
    { env: { NOTIFY_SOCKET: notify.path } },
  );
  match(await firstMessage(notify.messages), /^READY=1\nSTATUS=serving 2 listeners on io=kernel; /);
});

Deno.test("--workers 2: every worker's NTP counters reach /metrics and stats", async () => {
  await using server = await startClockd([
    "--ntp",
    "127.0.0.1:0",
    "--session",
    "127.0.0.1:0/tcp",
    "--ntp-sync",
    "always",
    "--workers",
    "2",
    "--metrics",
    "127.0.0.1:0",
  ]);
  const request = new Uint8Array(48);
  request[0] = 0x23;
  for (let i = 0; i < 5; i++) {
    strictEqual((await udpAsk(server.port("ntp", "udp"), request))!.length, 48);
  }
  strictEqual(await udpAsk(server.port("ntp", "udp"), new Uint8Array(7), 200), null);
  let answers = 0;
  for (let attempt = 0; attempt < 30 && !(answers >= 5); attempt++) {
    await sleep(200);
    const text = await (await fetch(`http://127.0.0.1:${server.metrics!.port}/metrics`)).text();
    answers = Number(/clockd_answers_total\{service="ntp",transport="udp"\} (\d+)/.exec(text)?.[1]);
  }
  strictEqual(answers, 5);
  using client = await LineClient.connect(server.port("session", "tcp"));
  let stats = "";
  for (
    let attempt = 0;
    attempt < 20 && !/ntp\/udp req=6 ans=5 err=0 drop=1/.test(stats);
    attempt++
  ) {
    await sleep(200);
    stats = await client.ask("stats");
  }
  match(stats, / ntp\/udp req=6 ans=5 err=0 drop=1/);
});
