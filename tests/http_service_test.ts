import assert from "node:assert/strict";
import { fixedClock, systemClock } from "../src/time/clock.ts";
import type { Router } from "../src/protocols/http/http_service.ts";
import { jsonResponse, textError } from "../src/protocols/http/response.ts";
import { eventually, RawClient, startTestServer } from "./_http_client.ts";
import { ROOT } from "./_clockd.ts";

const echo: Router = (request, peer, receivedAt) =>
  jsonResponse(200, { path: request.path, peer: peer.hostname, at: receivedAt.seconds });

const GET = (path: string, extra = "") => `GET ${path} HTTP/1.1\r\nHost: t\r\n${extra}\r\n`;

Deno.test("HttpService.handleConnection() keeps a connection alive and answers pipelined requests in order", async () => {
  await using server = startTestServer({ route: echo, clock: systemClock });
  using client = await RawClient.connect(server.port);
  await client.send(GET("/a") + GET("/b") + "\r\n" + GET("/c"));
  for (const path of ["/a", "/b", "/c"]) {
    const response = await client.readResponse();
    assert.equal(response?.status, 200);
    assert.equal(JSON.parse(response!.body).path, path);
    assert.equal(response!.headers.get("connection"), undefined);
  }
  await client.send(GET("/d"));
  assert.equal(JSON.parse((await client.readResponse())!.body).path, "/d");
  assert.equal(server.counters.requests, 4);
  assert.equal(server.counters.answers, 4);
  assert.equal(server.counters.sessionsOpen, 1);
});

Deno.test("HttpService.handleConnection() answers HEAD with GET's headers and no body", async () => {
  await using server = startTestServer({
    route: echo,
    clock: fixedClock({ seconds: 7, nanos: 5000 }),
  });
  using client = await RawClient.connect(server.port);
  await client.send(`HEAD /x HTTP/1.1\r\nHost: t\r\n\r\n` + GET("/x"));
  const head = await client.readResponse(true);
  const get = await client.readResponse();
  assert.equal(head?.body, "");
  assert.equal(head?.headers.get("content-length"), String(get!.body.length));
  assert.equal(head?.headers.get("content-type"), "application/json; charset=utf-8");
  for (const response of [head!, get!]) {
    assert.equal(response.headers.get("date"), "Thu, 01 Jan 1970 00:00:07 GMT");
    assert.equal(response.headers.get("server-timing"), 'reading;desc="7.000005"');
    assert.equal(response.headers.get("cache-control"), "no-store");
    assert.equal(response.headers.get("access-control-allow-origin"), "*");
  }
});

Deno.test("HttpService.handleConnection() closes after Connection: close, HTTP/1.0, and malformed heads", async () => {
  await using server = startTestServer({ route: echo, clock: systemClock });
  const cases: [string, number][] = [
    [GET("/", "Connection: close\r\n"), 200],
    ["GET / HTTP/1.0\r\n\r\n", 200],
    ["GET / HTTP/1.1\r\n\r\n", 400],
    ["GET / HTTP/3.0\r\nHost: t\r\n\r\n", 505],
    [GET("/", "Content-Length: 4\r\n") + "body", 400],
    ["POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\nbody", 405],
  ];
  for (const [request, status] of cases) {
    using client = await RawClient.connect(server.port);
    await client.send(request);
    const response = await client.readResponse();
    assert.equal(response?.status, status, request);
    assert.equal(response?.headers.get("connection"), "close", request);
    if (status >= 400) assert.ok(JSON.parse(response!.body).error, request);
    assert.notEqual(await client.closedWithin(2000), null, request);
  }
  // 405 without a body keeps the connection.
  using client = await RawClient.connect(server.port);
  await client.send("DELETE /x HTTP/1.1\r\nHost: t\r\n\r\n" + GET("/y"));
  const refused = await client.readResponse();
  assert.deepEqual([refused?.status, refused?.headers.get("allow")], [405, "GET, HEAD"]);
  assert.equal((await client.readResponse())?.status, 200);
  await eventually(() => server.counters.sessionsClosed.quit === 6);
});

Deno.test("HttpService.handleConnection() refuses heads over the limits with 414 and 431", async () => {
  await using server = startTestServer({ route: echo, clock: systemClock });
  const cases: [string, number][] = [
    [`GET /${"a".repeat(3000)} HTTP/1.1\r\nHost: t\r\n\r\n`, 414],
    [`GET /${"a".repeat(9000)}`, 414],
    [GET("/", `X: ${"v".repeat(9000)}\r\n`), 431],
    [GET("/", Array.from({ length: 101 }, (_, i) => `X${i}: v\r\n`).join("")), 431],
  ];
  for (const [request, status] of cases) {
    using client = await RawClient.connect(server.port);
    await client.send(request);
    const response = await client.readResponse();
    assert.equal(response?.status, status);
    assert.notEqual(await client.closedWithin(2000), null);
  }
  await eventually(() => server.counters.sessionsClosed.cap === 2);
  assert.equal(server.counters.errors, 4);
});

Deno.test("HttpService.handleConnection() answers 500 when the router throws, and carries on", async () => {
  let calls = 0;
  await using server = startTestServer({
    route: (request, peer, at) => {
      if (calls++ === 0) throw new Error("boom");
      return echo(request, peer, at);
    },
    clock: systemClock,
  });
  using client = await RawClient.connect(server.port);
  await client.send(GET("/1") + GET("/2"));
  assert.deepEqual(
    [(await client.readResponse())?.body, (await client.readResponse())?.status],
    ['{"error":"internal error"}\n', 200],
  );
  assert.equal(server.counters.errors, 1);
});

Deno.test("HttpService.sweep() answers 408 to a head trickled too slowly, or never sent, and closes", async () => {
  await using server = startTestServer({
    route: echo,
    clock: systemClock,
    headerTimeoutMs: 300,
    idleTimeoutMs: 5000,
  });
  using client = await RawClient.connect(server.port);
  const start = performance.now();
  const trickle = (async () => {
    for (const byte of "GET / HTTP/1.1\r\nHost: t\r\nX: 123456789") {
      await client.send(byte).catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  const response = await client.readResponse();
  const elapsed = performance.now() - start;
  assert.equal(response?.status, 408);
  assert.equal(JSON.parse(response!.body).error, "request head timed out");
  assert.ok(elapsed >= 290 && elapsed < 1500, String(elapsed));
  assert.notEqual(await client.closedWithin(2000), null);
  await trickle;
  // Silent from the start: the same.
  using silent = await RawClient.connect(server.port);
  assert.equal((await silent.readResponse())?.status, 408);
  await eventually(() => server.counters.sessionsClosed.idle === 2);
});

Deno.test("HttpService.sweep() closes a kept-alive connection idle past the timeout, silently", async () => {
  await using server = startTestServer({
    route: echo,
    clock: systemClock,
    headerTimeoutMs: 5000,
    idleTimeoutMs: 300,
  });
  using client = await RawClient.connect(server.port);
  await client.send(GET("/"));
  assert.equal((await client.readResponse())?.status, 200);
  const elapsed = await client.closedWithin(3000);
  assert.ok(elapsed !== null && elapsed >= 250, String(elapsed));
  assert.equal(client.held, "", "no bytes on an idle close");
  await eventually(() => server.counters.sessionsClosed.idle === 1);
});

Deno.test("HttpService.sweep() closes by deadline on a fake clock", async () => {
  let now = 0;
  await using server = startTestServer({
    route: echo,
    clock: systemClock,
    headerTimeoutMs: 10_000,
    idleTimeoutMs: 30_000,
    now: () => now,
  });
  using client = await RawClient.connect(server.port);
  await client.send(GET("/"));
  assert.equal((await client.readResponse())?.status, 200); // idle from now = 0
  now = 29_999;
  server.service.sweep();
  await client.send(GET("/again")); // answered: not yet idle; idle again from 29_999
  assert.equal((await client.readResponse())?.status, 200);
  now = 59_998;
  server.service.sweep();
  assert.equal(server.service.open, 1);
  await client.send("GET /slow HTTP/1.1\r\n"); // head begins at 59_998
  await new Promise((resolve) => setTimeout(resolve, 50));
  now = 69_997;
  server.service.sweep();
  assert.equal(server.service.open, 1, "the head has until 69_998");
  now = 69_998;
  server.service.sweep();
  assert.equal((await client.readResponse())?.status, 408);
  await eventually(() => server.service.open === 0);
});

Deno.test("HttpService.handleConnection() answers 503 and closes past maxConnections or maxConnectionsPerIp", async () => {
  await using server = startTestServer({ route: echo, clock: systemClock, maxConnections: 2 });
  using a = await RawClient.connect(server.port);
  using b = await RawClient.connect(server.port);
  await eventually(() => server.service.open === 2);
  using c = await RawClient.connect(server.port);
  const busy = await c.readResponse();
  assert.deepEqual([busy?.status, busy?.headers.get("retry-after")], [503, "1"]);
  assert.equal(JSON.parse(busy!.body).error, "server busy");
  assert.notEqual(await c.closedWithin(2000), null);
  assert.equal(server.counters.refused.busy, 1);
  a.close();
  await eventually(() => server.service.open === 1);
  using d = await RawClient.connect(server.port);
  await d.send(GET("/"));
  assert.equal((await d.readResponse())?.status, 200);
  b.close();

  await using perIp = startTestServer({ route: echo, clock: systemClock, maxConnectionsPerIp: 1 });
  using first = await RawClient.connect(perIp.port);
  await eventually(() => perIp.service.open === 1);
  using second = await RawClient.connect(perIp.port);
  assert.equal((await second.readResponse())?.status, 503);
  first.close();
});

Deno.test("HttpService.sweep() closes a connection whose client never reads the response", async () => {
  const big = new Uint8Array(48 * 1024 * 1024);
  await using server = startTestServer({
    route: () => ({ status: 200, headers: {}, body: big }),
    clock: systemClock,
    writeTimeoutMs: 300,
  });
  using client = await RawClient.connect(server.port);
  await client.send(GET("/"));
  await eventually(() => server.counters.sessionsClosed.idle === 1, 5000);
  assert.equal(server.service.open, 0);
});

Deno.test("HttpService.shutdown() closes idle connections and says close to requests in flight", async () => {
  await using server = startTestServer({ route: echo, clock: systemClock });
  using idle = await RawClient.connect(server.port);
  await idle.send(GET("/"));
  assert.equal((await idle.readResponse())?.status, 200);
  using busy = await RawClient.connect(server.port);
  await busy.send("GET / HTTP/1.1\r\nHost: t\r\n"); // head not finished
  await eventually(() => server.service.open === 2);
  await new Promise((resolve) => setTimeout(resolve, 100)); // let the server read it
  const done = server.service.shutdown(2000);
  assert.notEqual(await idle.closedWithin(1000), null);
  await busy.send("\r\n");
  const last = await busy.readResponse();
  assert.deepEqual([last?.status, last?.headers.get("connection")], [200, "close"]);
  await done;
  assert.equal(server.counters.sessionsClosed.shutdown, 2);
});

Deno.test({
  name: "HttpService.handleConnection() behind TcpServer survives running out of file descriptors",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const dir = await Deno.makeTempDir();
    const script = `${dir}/serve.ts`;
    await Deno.writeTextFile(
      script,
      `import { createHttpService } from "${ROOT}src/protocols/http/create_http_service.ts";
import { TcpServer } from "${ROOT}src/io/stream_server.ts";
import { DenoListener } from "${ROOT}src/io/deno/stream.ts";
import { Metrics } from "${ROOT}src/ops/metrics.ts";
import { systemClock } from "${ROOT}src/time/clock.ts";
const metrics = new Metrics();
// Caps far above the descriptor limit: the flood must meet EMFILE, not a 503.
const http = createHttpService({ clock: systemClock, metrics,
  clockStatus: { ntpState: { leap: 0, stratum: 10 }, errorBoundSeconds: null },
  maxConnections: 100_000, maxConnectionsPerIp: 100_000 });
const server = new TcpServer(new DenoListener(Deno.listen({ hostname: "127.0.0.1", port: 0 })), "http", http.handler,
  metrics.counter("http", "tcp"));
// As clockd serve does, listen for signals at startup: Deno starts its signal
// thread on the first listener, and panics if that happens when no descriptor is left.
Deno.addSignalListener("SIGTERM", () => Deno.exit(0));
console.log(server.addr.port);
await server.serve();
`,
    );
    const child = new Deno.Command("sh", {
      args: [
        "-c",
        `ulimit -n 128 && exec "${Deno.execPath()}" run -A --config "${ROOT}deno.json" "${script}"`,
      ],
      env: { DENO_NO_UPDATE_CHECK: "1" },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const stderrText = new Response(child.stderr).text();
    let exitedWith: Deno.CommandStatus | null = null;
    child.status.then((status) => exitedWith = status);
    const exited = async () =>
      exitedWith === null ? "still running" : `exited ${exitedWith.code}: ${await stderrText}`;
    const reader = child.stdout.getReader();
    let text = "";
    while (!text.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    const port = Number(text.trim());
    const clients: Deno.TcpConn[] = [];
    try {
      for (let i = 0; i < 300; i++) {
        clients.push(await Deno.connect({ hostname: "127.0.0.1", port }));
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
      for (const conn of clients.splice(0)) conn.close();
      let status: unknown = 0;
      for (let attempt = 0; attempt < 100 && status !== 200; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        try {
          const response = await fetch(`http://127.0.0.1:${port}/healthz`);
          status = response.status;
          await response.body?.cancel();
        } catch (error) {
          status = String(error); // still backing off
        }
      }
      assert.equal(status, 200, `answers again once descriptors free up: ${await exited()}`);
    } finally {
      for (const conn of clients) conn.close();
      if (exitedWith === null) child.kill();
      await reader.cancel();
      await child.status;
      await Deno.remove(dir, { recursive: true });
      assert.doesNotMatch(await stderrText, /Uncaught/);
    }
  },
});

Deno.test("textError() words errors as one line of text", () => {
  assert.deepEqual(textError(404, "not found").body, "not found\n");
});
