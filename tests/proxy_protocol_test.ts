/**
 * `--proxy-protocol CIDR` against the real clockd process on both engines:
 * a trusted balancer's PROXY header (v1 and v2) names the client that
 * `--deny`, the per-address session limit and HTTP's `client_ip` see; a
 * trusted peer without a header is closed and counted; anyone else's header
 * is only request bytes.
 */

import { deepStrictEqual, match, strictEqual } from "node:assert/strict";
import { PROXY_V2_SIGNATURE } from "../src/admission/proxy_header.ts";
import { proxyV2Tcp6 } from "./_proxy_headers.ts";
import { engineTest, LineClient, startClockd, startFlagsReading } from "./_clockd.ts";

const encoder = new TextEncoder();

/** Loopback is the balancer; 192.0.2.7 the client denied. */
const TRUSTED = [
  "--session",
  "127.0.0.1:0/tcp",
  "--http",
  "127.0.0.1:0",
  "--ntp-sync",
  "always",
  "--workers",
  "1",
  "--proxy-protocol",
  "127.0.0.0/8",
  "--deny",
  "192.0.2.7",
];

/** A version 1 line naming an IPv4 client. */
function v1(client: string, port = 5000): string {
  return `PROXY TCP4 ${client} 127.0.0.1 ${port} 1200\r\n`;
}

/** A version 2 PROXY header naming an IPv4 client (port 5000), with a NOOP TLV. */
function v2(client: string): Uint8Array {
  const octets = client.split(".").map(Number);
  const body = [...octets, 127, 0, 0, 1, 0x13, 0x88, 0x04, 0xb0, 0x04, 0, 2, 0, 0];
  return Uint8Array.of(...PROXY_V2_SIGNATURE, 0x21, 0x11, 0, body.length, ...body);
}

const V2_IPV6 = proxyV2Tcp6(8080);

const concat = (header: string | Uint8Array, rest: string) =>
  new Uint8Array([
    ...(typeof header === "string" ? encoder.encode(header) : header),
    ...encoder.encode(rest),
  ]);

/** Sends a PROXY header and an HTTP request for /api/ip over one connection; the JSON answer. */
async function clientIp(port: number, header: string | Uint8Array): Promise<unknown> {
  using client = await LineClient.connect(port);
  await client.send(
    concat(header, "GET /api/ip HTTP/1.1\r\nHost: clockd\r\nConnection: close\r\n\r\n"),
  );
  let text = "";
  for (let line = await client.readLine(); line !== null; line = await client.readLine()) {
    text += line;
  }
  match(text, /^HTTP\/1\.1 200 /);
  return JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4)).client_ip;
}

/** A `/metrics` sample's value, or undefined. */
async function sample(port: number, series: string): Promise<number | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(series + " "));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

engineTest({
  name: "--proxy-protocol: --deny acts on the client a v1 header names",
  async fn() {
    await using server = await startClockd(TRUSTED);
    const port = server.port("session", "tcp");
    {
      using client = await LineClient.connect(port);
      await client.send(v1("192.0.2.7"));
      strictEqual(await client.closedByServer(), true, "192.0.2.7 is denied");
    }
    using client = await LineClient.connect(port);
    await client.send(v1("192.0.2.8"));
    match(await client.ask("status"), /^OK synchronised=yes /, "192.0.2.8 is served");
    match(await client.ask("rfc3339 UTC"), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
  },
});

engineTest({
  name: "--proxy-protocol: --deny acts on the client a v2 header names, request in the same write",
  async fn() {
    await using server = await startClockd(TRUSTED);
    const port = server.port("session", "tcp");
    {
      using client = await LineClient.connect(port);
      await client.send(concat(v2("192.0.2.7"), "status\n"));
      strictEqual(await client.closedByServer(), true, "192.0.2.7 is denied");
    }
    using client = await LineClient.connect(port);
    await client.send(concat(v2("192.0.2.8"), "status\n"));
    match(await client.readLine() ?? "", /^OK synchronised=yes /, "192.0.2.8 is served");
  },
});

engineTest({
  name: "--proxy-protocol: daytime answers a trusted connection after its header, if admitted",
  async fn() {
    await using server = await startClockd([...TRUSTED, "--daytime", "127.0.0.1:0/tcp"]);
    const port = server.port("daytime", "tcp");
    {
      using client = await LineClient.connect(port);
      await client.send(v2("192.0.2.7"));
      strictEqual(await client.closedByServer(), true, "192.0.2.7 is denied");
    }
    using client = await LineClient.connect(port);
    await client.send(v1("192.0.2.8"));
    match(await client.readLine() ?? "", /\d\d:\d\d:\d\d/, "the daytime line");
  },
});

engineTest({
  name: "--proxy-protocol: HTTP /api/ip reports the client the header names",
  async fn() {
    await using server = await startClockd(TRUSTED);
    const port = server.port("http", "tcp");
    strictEqual(await clientIp(port, v1("192.0.2.8")), "192.0.2.8");
    strictEqual(await clientIp(port, v2("198.51.100.9")), "198.51.100.9");
    strictEqual(await clientIp(port, V2_IPV6), "2001:db8::7");
    strictEqual(await clientIp(port, "PROXY UNKNOWN\r\n"), "127.0.0.1", "UNKNOWN keeps the peer");
  },
});

engineTest({
  name: "--proxy-protocol: --max-sessions-per-ip counts the clients headers name",
  async fn() {
    await using server = await startClockd([...TRUSTED, "--max-sessions-per-ip", "1"]);
    const port = server.port("session", "tcp");
    using first = await LineClient.connect(port);
    await first.send(v1("192.0.2.8", 5001));
    match(await first.ask("status"), /^OK /);
    using other = await LineClient.connect(port);
    await other.send(v1("192.0.2.9"));
    match(await other.ask("status"), /^OK /, "another client, through the same balancer");
    using same = await LineClient.connect(port);
    await same.send(v1("192.0.2.8", 5002));
    strictEqual(await same.readLine(), "ERR busy\n", "a second session of 192.0.2.8");
  },
});

engineTest({
  name: "--proxy-protocol: a trusted peer without a PROXY header is closed and counted",
  async fn() {
    await using server = await startClockd([...TRUSTED, "--metrics", "127.0.0.1:0"]);
    using client = await LineClient.connect(server.port("session", "tcp"));
    await client.send("status\n");
    strictEqual(await client.closedByServer(), true);
    using http = await LineClient.connect(server.port("http", "tcp"));
    await http.send("GET /api/ip HTTP/1.1\r\nHost: clockd\r\n\r\n");
    strictEqual(await http.closedByServer(), true);
    const refused = (service: string) =>
      `clockd_connections_refused_total{service="${service}",transport="tcp",reason="proxy-header"}`;
    deepStrictEqual(
      [
        await sample(server.metrics!.port, refused("session")),
        await sample(server.metrics!.port, refused("http")),
      ],
      [1, 1],
    );
  },
});

engineTest({
  name: "--proxy-protocol: an untrusted peer's PROXY line is a request like any other",
  async fn() {
    await using server = await startClockd([
      "--session",
      "127.0.0.1:0/tcp",
      "--ntp-sync",
      "always",
      "--workers",
      "1",
      "--proxy-protocol",
      "10.0.0.0/8",
      "--deny",
      "192.0.2.7",
    ]);
    using client = await LineClient.connect(server.port("session", "tcp"));
    // The session protocol answers a line it does not know with the time in
    // the session's format, as it answers "hello": the header claims nothing.
    const answer = await client.ask(v1("192.0.2.7").replace(/\r\n$/, ""));
    const hello = await client.ask("hello");
    strictEqual(answer.replace(/[\d.]+/g, "N"), hello.replace(/[\d.]+/g, "N"));
    match(
      await client.ask("status"),
      /^OK synchronised=yes /,
      "the real peer, 127.0.0.1, is served",
    );
  },
});

Deno.test("--proxy-protocol: SIGHUP starts trusting the balancers a reloaded file names", async () => {
  const dir = await Deno.makeTempDir({ prefix: "clockd-proxy-" });
  const file = `${dir}/clockd.toml`;
  try {
    await Deno.writeTextFile(file, 'proxy-protocol = ["10.0.0.0/8"]\ndeny = ["192.0.2.7"]\n');
    await using server = await startClockd(
      ["--session", "127.0.0.1:0/tcp", "--ntp-sync", "always", "--workers", "1", "--config", file],
      { permissions: startFlagsReading(dir) },
    );
    const port = server.port("session", "tcp");
    {
      using client = await LineClient.connect(port);
      await client.ask(v1("192.0.2.7").trimEnd()); // a request like any other: the time
      match(await client.ask("status"), /^OK /, "127.0.0.1 is not trusted yet");
    }
    await Deno.writeTextFile(file, 'proxy-protocol = ["127.0.0.0/8"]\ndeny = ["192.0.2.7"]\n');
    server.process.kill("SIGHUP");
    for (let i = 0; i < 100 && !/SIGHUP: reloaded/.test(server.stderr()); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    match(server.stderr(), /SIGHUP: reloaded[^\n]*applied[^\n]*proxy-protocol/);
    // The worker applies the reload after the primary logs it: retry briefly.
    let refused = false;
    for (let i = 0; i < 20 && !refused; i++) {
      using client = await LineClient.connect(port);
      await client.send(v1("192.0.2.7"));
      await client.send("status\n");
      refused = (await client.readLine()) === null;
    }
    strictEqual(refused, true, "the header is read, and 192.0.2.7 denied");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
