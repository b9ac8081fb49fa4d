/**
 * Abuse limits and access control against the real process: per-source UDP
 * and TCP rate limits, the NTP RATE kiss-o'-death, the reflection guard, the
 * amplification rule, allow/deny lists, and a spoofed-source flood over
 * 127.0.0.0/8 that must not grow the rate-limit table.
 */

import { deepStrictEqual, match, ok, strictEqual } from "node:assert/strict";
import {
  ALL_SERVICES,
  canBind,
  engineTest,
  IO_FLAGS,
  LineClient,
  socketAt,
  startClockd,
  startFlagsReading,
  udpAsk,
} from "./_clockd.ts";

const decoder = new TextDecoder();
/** The NTP tests run on both engines. */
const NTP_PATHS = IO_FLAGS;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends from `socket` and waits for one answer, or null. */
async function exchange(
  socket: Deno.DatagramConn,
  port: number,
  payload: Uint8Array | string,
  timeoutMs = 300,
): Promise<Uint8Array | null> {
  const bytes = typeof payload === "string" ? new TextEncoder().encode(payload) : payload;
  await socket.send(bytes, { transport: "udp", hostname: "127.0.0.1", port });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const result = await Promise.race([
    socket.receive().then(([answer]) => answer),
    new Promise<null>((resolve) => timer = setTimeout(resolve, timeoutMs, null)),
  ]);
  clearTimeout(timer);
  return result;
}

/** Fetches /metrics and returns the value of a sample line, by prefix. */
async function metric(port: number, line: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const found = text.split("\n").find((l) => l.startsWith(line + " "));
  ok(found !== undefined, `${line} in /metrics:\n${text}`);
  return Number(found.slice(line.length + 1));
}

function ntpRequest(): Uint8Array {
  const bytes = new Uint8Array(48);
  bytes[0] = 0x23; // LI 0, VN 4, mode 3
  bytes[2] = 6;
  new DataView(bytes.buffer).setUint32(40, 0xeeabf561);
  new DataView(bytes.buffer).setUint32(44, 0x9da4d800);
  return bytes;
}

Deno.test("UDP rate limit: a source past its rate and burst is dropped, then refills", async () => {
  await using server = await startClockd([
    "--session",
    "127.0.0.1:0/udp",
    "--udp-rate",
    "2/s",
    "--udp-burst",
    "5",
    "--metrics",
    "127.0.0.1:0",
  ]);
  const port = server.port("session", "udp");
  using socket = socketAt("127.0.0.1");
  let answered = 0;
  for (let i = 0; i < 20; i++) {
    if (await exchange(socket, port, "timestamp", 100) !== null) answered++;
  }
  // 5 of burst, plus what 2/s refills over the ~2 s the loop may take.
  ok(answered >= 5 && answered <= 10, `${answered} of 20 answered`);
  ok(
    await metric(
      server.metrics!.port,
      'clockd_dropped_total{service="session",transport="udp",reason="rate-limited"}',
    ) >= 10,
  );
  await sleep(1100);
  ok(await exchange(socket, port, "timestamp") !== null, "answered again after a quiet second");
});

for (const mode of NTP_PATHS) {
  Deno.test(`NTP over its rate gets one RATE kiss-o'-death per interval, checked field by field${mode.name}`, async () => {
    await using server = await startClockd([
      ...mode.flags,
      "--ntp",
      "127.0.0.1:0",
      "--ntp-sync",
      "always",
      "--udp-rate",
      "1/m",
      "--udp-burst",
      "1",
    ]);
    const port = server.port("ntp", "udp");
    using socket = socketAt("127.0.0.1");
    const request = ntpRequest();
    const first = await exchange(socket, port, request);
    strictEqual(first![1], 10, "the first request is answered normally");
    const kiss = (await exchange(socket, port, request))!;
    strictEqual(kiss.length, 48);
    strictEqual(kiss[0] >> 6, 3, "LI 3 (alarm)");
    strictEqual((kiss[0] >> 3) & 7, 4, "VN copied");
    strictEqual(kiss[0] & 7, 4, "mode 4 (server)");
    strictEqual(kiss[1], 0, "stratum 0: kiss-o'-death");
    strictEqual(kiss[2], 6, "poll copied");
    strictEqual(decoder.decode(kiss.subarray(12, 16)), "RATE", "kiss code");
    deepStrictEqual(
      [...kiss.subarray(24, 32)],
      [...request.subarray(40, 48)],
      "origin = our transmit",
    );
    strictEqual(await exchange(socket, port, request), null, "no second kiss within the interval");
  });
}

// A loopback address of its own, so a local NTP daemon or xinetd on 127.0.0.1 does not clash.
for (const sourcePort of [7, 13, 19, 37, 123]) {
  engineTest({
    name: `reflection guard: datagrams from source port ${sourcePort} (NTP keeps 123)`,
    ignore: !canBind("udp", "127.0.0.3", sourcePort),
    async fn() {
      await using server = await startClockd([
        "--session",
        "127.0.0.1:0/udp",
        "--ntp",
        "127.0.0.1:0",
        "--ntp-sync",
        "always",
        "--udp-rate",
        "off",
      ]);
      using socket = socketAt("127.0.0.3", sourcePort);
      strictEqual(await exchange(socket, server.port("session", "udp"), "timestamp"), null);
      const answer = await exchange(socket, server.port("ntp", "udp"), ntpRequest());
      if (sourcePort === 123) strictEqual(answer?.length, 48, "NTP peers use source port 123");
      else strictEqual(answer, null, `ntp from :${sourcePort}`);
    },
  });
}

engineTest({
  name: "reflection guard: no service answers a datagram from another of clockd's UDP ports",
  async fn() {
    await using server = await startClockd([...ALL_SERVICES]);
    const ports = ["session", "daytime", "time", "ntp"].map((service) =>
      server.port(service, "udp")
    );
    for (const from of ports) {
      // 127.0.0.2 with clockd's port: a datagram spoofed from one of its own services.
      using socket = socketAt("127.0.0.2", from);
      for (const to of ports) {
        const payload = to === ports[3] ? ntpRequest() : "timestamp";
        strictEqual(await exchange(socket, to, payload, 300), null, `:${from} to :${to}`);
      }
    }
    using control = socketAt("127.0.0.2");
    for (const to of ports.slice(0, 3)) {
      ok(await exchange(control, to, "timestamp") !== null, `an ordinary port to :${to}`);
    }
  },
});

engineTest({
  name: "amplification: over UDP no answer is more than 3x its request, at any rate setting",
  async fn() {
    for (const rate of [["--udp-rate", "off"], []]) {
      await using server = await startClockd(["--session", "127.0.0.1:0/udp", ...rate]);
      const port = server.port("session", "udp");
      const short = decoder.decode((await udpAsk(port, "json"))!);
      const padTo = /^ERR too large: pad request to (\d+) bytes or use TCP\n$/.exec(short);
      ok(padTo !== null, short);
      ok(short.length + 28 <= 3 * (4 + 28), "the ERR itself within the bound");
      const padded = "json" + " ".repeat(Number(padTo[1]) - 4);
      const answer = (await udpAsk(port, padded))!;
      match(decoder.decode(answer), /^\{"/, "a padded request gets the answer");
      ok(answer.length + 28 <= 3 * (padded.length + 28), `${answer.length} for ${padded.length}`);
      strictEqual(
        decoder.decode((await udpAsk(port, "stats" + " ".repeat(120)))!),
        "ERR stats over TCP only\n",
      );
      for (const request of ["help", "formats", "timestamp", ""]) {
        const bytes = (await udpAsk(port, request))!;
        ok(bytes.length + 28 <= 3 * (request.length + 28), `${request}: ${bytes.length} bytes`);
      }
    }
  },
});

engineTest({
  name: "TCP rate limit: connections past the per-source rate are closed at once",
  async fn() {
    await using server = await startClockd([
      "--session",
      "127.0.0.1:0/tcp",
      "--tcp-rate",
      "1/m",
      "--workers",
      "1",
    ]);
    const port = server.port("session", "tcp");
    let served = 0;
    for (let i = 0; i < 6; i++) {
      using client = await LineClient.connect(port);
      await client.send("timestamp\n");
      if (/^\d+\n$/.test((await client.readLine()) ?? "")) served++;
    }
    strictEqual(served, 1, "a burst of one (two seconds of 1/m, at least one), then nothing");
  },
});

engineTest({
  name: "--deny and --allow apply to every listener before any work",
  async fn() {
    {
      await using server = await startClockd([
        "--session",
        "127.0.0.1:0",
        "--session",
        "[::1]:0",
        "--deny",
        "127.0.0.0/8",
      ]);
      const [v4tcp, v4udp] = [server.port("session", "tcp"), server.port("session", "udp")];
      using denied = await LineClient.connect(v4tcp);
      await denied.send("timestamp\n").catch(() => {});
      strictEqual(await denied.readLine(), null, "closed at once, no answer");
      strictEqual(await udpAsk(v4udp, "timestamp", 300), null, "datagram dropped");
      const v6 = server.listeners.find((l) => l.hostname === "::1" && l.transport === "tcp")!;
      using allowed = await LineClient.connect(v6.port, "::1");
      match(await allowed.ask("timestamp"), /^\d+$/, "IPv6 is not in the deny list");
    }
    {
      await using server = await startClockd([
        "--session",
        "127.0.0.1:0/udp",
        "--allow",
        "127.0.0.0/8",
        "--deny",
        "127.0.0.2",
      ]);
      const port = server.port("session", "udp");
      using one = socketAt("127.0.0.1");
      using two = socketAt("127.0.0.2");
      using three = socketAt("127.0.0.3");
      ok(await exchange(one, port, "timestamp") !== null, "allowed");
      strictEqual(await exchange(two, port, "timestamp"), null, "deny wins over allow");
      ok(await exchange(three, port, "timestamp") !== null, "allowed");
    }
    {
      await using server = await startClockd(["--session", "127.0.0.1:0", "--allow", "10.0.0.0/8"]);
      strictEqual(await udpAsk(server.port("session", "udp"), "timestamp", 300), null);
      using client = await LineClient.connect(server.port("session", "tcp"));
      strictEqual(await client.readLine(), null, "with an allow list, everyone else is denied");
    }
  },
});

Deno.test("spoofed-source flood over 127.0.0.0/8: the rate table stays bounded, a legit source is served", async () => {
  await using server = await startClockd([
    "--session",
    "127.0.0.1:0/udp",
    "--udp-rate",
    "5/s",
    "--rate-sources",
    "100",
    "--workers",
    "2",
    "--metrics",
    "127.0.0.1:0",
  ]);
  const port = server.port("session", "udp");
  const metricsPort = server.metrics!.port;
  using legit = socketAt("127.0.0.1");
  let legitAnswered = 0;
  // 1,500 distinct sources, each sending a few datagrams, the legit one asking meanwhile.
  for (let batch = 0; batch < 15; batch++) {
    const sockets = Array.from(
      { length: 100 },
      (_, i) => socketAt(`127.1.${batch}.${i + 1}`),
    );
    const payload = new TextEncoder().encode("timestamp");
    await Promise.all(sockets.map(async (socket) => {
      for (let k = 0; k < 3; k++) {
        await socket.send(payload, { transport: "udp", hostname: "127.0.0.1", port });
      }
    }));
    for (const socket of sockets) socket.close();
    // The legit source stays under its own 5/s.
    await sleep(250);
    if (await exchange(legit, port, "timestamp", 500) !== null) legitAnswered++;
    const size = await metric(metricsPort, "clockd_udp_rate_limit_sources");
    // Each worker's table is bounded; the gauge sums the two.
    ok(size <= 2 * 100, `rate tables hold ${size} sources`);
  }
  ok(legitAnswered >= 14, `the legit source was answered ${legitAnswered} times of 15`);
});

engineTest({
  name: "per-service admission: [service.NAME] deny and rate apply to that service only",
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "clockd-service-" });
    const file = `${dir}/clockd.toml`;
    await Deno.writeTextFile(
      file,
      '[service.daytime]\ndeny = ["127.0.0.0/8"]\n\n[service.session]\nudp-rate = "1/m"\nudp-burst = 1\n',
    );
    try {
      await using server = await startClockd(
        [...ALL_SERVICES, "--config", file, "--workers", "1"],
        { permissions: startFlagsReading(dir) },
      );
      strictEqual(await udpAsk(server.port("daytime", "udp"), "", 300), null, "daytime denies us");
      using conn = await LineClient.connect(server.port("daytime", "tcp"));
      ok(await conn.closedByServer(), "a denied TCP client is closed at once");
      ok((await udpAsk(server.port("time", "udp"), ""))?.length === 4, "time admits us");
      using socket = socketAt("127.0.0.1");
      ok(await exchange(socket, server.port("session", "udp"), "timestamp") !== null, "first");
      strictEqual(
        await exchange(socket, server.port("session", "udp"), "timestamp", 300),
        null,
        "the session's own 1/m rate",
      );
      ok(
        (await udpAsk(server.port("time", "udp"), ""))?.length === 4,
        "time keeps the global rate",
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
