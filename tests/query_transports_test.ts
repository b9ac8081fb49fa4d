/**
 * The I/O of `clockd query` against tiny in-test servers on 127.0.0.1:
 * TCP exchanges (line, end of stream, refused, timeout), UDP exchanges
 * (answers ignored, answers from elsewhere dropped, timeout), host lookup,
 * and address canonicalisation.
 */

import assert from "node:assert/strict";
import { systemClock } from "../src/time/clock.ts";
import { epochNanoseconds } from "../src/time/instant.ts";
import { resolveHost, tcpExchange, udpExchange } from "../src/query/transports.ts";
import { canonicalAddress, ipFamily } from "../src/query/ip_text.ts";
import { QueryError } from "../src/query/query_error.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A TCP listener on 127.0.0.1 whose connections are handled by `handle`. */
function tcpServer(handle: (conn: Deno.TcpConn) => Promise<void>) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const handlers: Promise<void>[] = [];
  const accepting = (async () => {
    for await (const conn of listener) {
      handlers.push(
        handle(conn).catch(() => {}).finally(() => {
          try {
            conn.close();
          } catch { /* closed */ }
        }),
      );
    }
  })();
  return {
    port: listener.addr.port,
    async [Symbol.asyncDispose]() {
      listener.close();
      await accepting;
      await Promise.all(handlers);
    },
  };
}

/** A port nothing listens on: bound, then closed. */
function closedTcpPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  return port;
}

async function rejectsWith(promise: Promise<unknown>, kind: string, message: RegExp) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof QueryError, String(error));
    assert.equal(error.kind, kind);
    assert.match(error.message, message);
    return true;
  });
}

Deno.test("tcpExchange() writes the request and stops at the first complete answer", async () => {
  await using server = tcpServer(async (conn) => {
    const buffer = new Uint8Array(64);
    const n = await conn.read(buffer);
    const request = decoder.decode(buffer.subarray(0, n ?? 0));
    await conn.write(encoder.encode(`you said ${request.trim()}\n`));
    await conn.read(buffer); // hold the connection until the client closes it
  });
  const exchange = await tcpExchange({
    hostname: "127.0.0.1",
    port: server.port,
    request: encoder.encode("rfc3339\n"),
    isComplete: (bytes) => bytes.includes(10),
    maxBytes: 1024,
    timeoutMs: 2000,
    clock: systemClock,
  });
  assert.equal(decoder.decode(exchange.bytes), "you said rfc3339\n");
  assert.ok(epochNanoseconds(exchange.sent) <= epochNanoseconds(exchange.received));
});

Deno.test("tcpExchange() with no request reads until the server closes", async () => {
  await using server = tcpServer(async (conn) => {
    await conn.write(new Uint8Array([1, 2]));
    await conn.write(new Uint8Array([3]));
  });
  const exchange = await tcpExchange({
    hostname: "localhost",
    port: server.port,
    request: null,
    isComplete: () => false,
    maxBytes: 16,
    timeoutMs: 2000,
    clock: systemClock,
  });
  assert.deepEqual([...exchange.bytes], [1, 2, 3]);
});

Deno.test("tcpExchange() returns no bytes when the server closes at once", async () => {
  await using server = tcpServer(() => Promise.resolve());
  const exchange = await tcpExchange({
    hostname: "127.0.0.1",
    port: server.port,
    request: null,
    isComplete: () => false,
    maxBytes: 16,
    timeoutMs: 2000,
    clock: systemClock,
  });
  assert.equal(exchange.bytes.length, 0);
});

Deno.test("tcpExchange() reports a closed port as refused", async () => {
  await rejectsWith(
    tcpExchange({
      hostname: "127.0.0.1",
      port: closedTcpPort(),
      request: null,
      isComplete: () => false,
      maxBytes: 16,
      timeoutMs: 2000,
      clock: systemClock,
    }),
    "refused",
    /^connection refused$/,
  );
});

Deno.test("tcpExchange() gives up at the deadline when the server says nothing", async () => {
  const { promise: released, resolve: release } = Promise.withResolvers<void>();
  await using server = tcpServer(() => released);
  const started = performance.now();
  await rejectsWith(
    tcpExchange({
      hostname: "127.0.0.1",
      port: server.port,
      request: encoder.encode("hello\n"),
      isComplete: (bytes) => bytes.includes(10),
      maxBytes: 16,
      timeoutMs: 300,
      clock: systemClock,
    }),
    "timeout",
    /^no answer within 300ms$/,
  );
  const elapsed = performance.now() - started;
  assert.ok(elapsed >= 250 && elapsed < 1500, `took ${elapsed} ms`);
  release();
});

/** A UDP socket on 127.0.0.1; `handle` answers each datagram through `reply`. */
function udpServer(
  handle: (
    request: Uint8Array,
    from: Deno.NetAddr,
    reply: (bytes: Uint8Array) => Promise<void>,
  ) => Promise<void>,
) {
  const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const serving = (async () => {
    try {
      for (;;) {
        const [request, from] = await socket.receive() as [Uint8Array, Deno.NetAddr];
        await handle(request, from, async (bytes) => {
          await socket.send(bytes, from);
        });
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

Deno.test("udpExchange() waits past ignored answers and answers from another port", async () => {
  const stranger = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  try {
    await using server = udpServer(async (request, from, reply) => {
      await stranger.send(encoder.encode("from elsewhere"), from);
      await reply(encoder.encode("ignore me"));
      await reply(encoder.encode(`echo ${decoder.decode(request)}`));
    });
    const seen: string[] = [];
    const exchange = await udpExchange({
      hostname: "127.0.0.1",
      port: server.port,
      request: () => encoder.encode("ping"),
      accept: (bytes) => {
        const text = decoder.decode(bytes);
        seen.push(text);
        return text === "ignore me" ? undefined : text;
      },
      timeoutMs: 2000,
      clock: systemClock,
    });
    assert.equal(exchange.value, "echo ping");
    assert.equal(decoder.decode(exchange.bytes), "echo ping");
    assert.deepEqual(
      seen,
      ["ignore me", "echo ping"],
      "the stranger's datagram never reaches accept",
    );
  } finally {
    stranger.close();
  }
});

Deno.test("udpExchange() hands the send instant to the request builder", async () => {
  await using server = udpServer(async (request, _from, reply) => {
    await reply(request);
  });
  let built: bigint | null = null;
  const exchange = await udpExchange({
    hostname: "127.0.0.1",
    port: server.port,
    request: (sent) => {
      built = epochNanoseconds(sent);
      return encoder.encode(String(built));
    },
    accept: (bytes) => decoder.decode(bytes),
    timeoutMs: 2000,
    clock: systemClock,
  });
  assert.equal(exchange.value, String(built));
  assert.equal(epochNanoseconds(exchange.sent), built);
});

Deno.test("udpExchange() gives up at the deadline when nothing answers", async () => {
  await using server = udpServer(() => Promise.resolve());
  const started = performance.now();
  await rejectsWith(
    udpExchange({
      hostname: "127.0.0.1",
      port: server.port,
      request: () => new Uint8Array(1),
      accept: () => true,
      timeoutMs: 300,
      clock: systemClock,
    }),
    "timeout",
    /^no answer within 300ms$/,
  );
  const elapsed = performance.now() - started;
  assert.ok(elapsed >= 250 && elapsed < 1500, `took ${elapsed} ms`);
});

/** A UDP port on 127.0.0.1 that nothing listens on. */
function closedUdpPort(): number {
  const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const port = (socket.addr as Deno.NetAddr).port;
  socket.close();
  return port;
}

Deno.test({
  name: "udpExchange() reports a closed UDP port as refused at once (connected socket, Linux)",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const started = performance.now();
    await rejectsWith(
      udpExchange({
        hostname: "127.0.0.1",
        port: closedUdpPort(),
        request: () => new Uint8Array(48),
        accept: () => true,
        timeoutMs: 5000,
        clock: systemClock,
      }),
      "refused",
      /^connection refused$/,
    );
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 1000, `took ${elapsed} ms, not at once`);
  },
});

Deno.test({
  name:
    "udpExchange() on the system clock: the answer's kernel receive stamp, not when it was read",
  ignore: Deno.build.os !== "linux",
  async fn() {
    // A server on its own thread answers 20 ms after the request, while this
    // thread is held from just after the request leaves until 100 ms later:
    // the answer waits in the socket's queue and is read about 80 ms after
    // it arrived.
    const code = `
      const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
      postMessage(socket.addr.port);
      const [request, from] = await socket.receive();
      await new Promise((resolve) => setTimeout(resolve, 20));
      await socket.send(request, from);
      socket.close();`;
    const url = URL.createObjectURL(new Blob([code], { type: "application/javascript" }));
    const worker = new Worker(url, { type: "module" });
    using _server = { [Symbol.dispose]: () => (worker.terminate(), URL.revokeObjectURL(url)) };
    const port = await new Promise<number>((resolve) => worker.onmessage = (e) => resolve(e.data));
    let read: bigint | null = null;
    const exchange = await udpExchange({
      hostname: "127.0.0.1",
      port,
      request: () => {
        // Runs just before the send; the timer fires once the exchange waits.
        setTimeout(() => {
          const until = performance.now() + 100;
          while (performance.now() < until) { /* hold this thread */ }
        }, 0);
        return encoder.encode("ask");
      },
      accept: (bytes, received) => {
        read = epochNanoseconds(systemClock.now());
        return decoder.decode(bytes) === "ask" ? received : undefined;
      },
      timeoutMs: 2000,
      clock: systemClock,
    });
    const sent = epochNanoseconds(exchange.sent);
    const received = epochNanoseconds(exchange.received);
    assert.ok(read !== null);
    assert.ok(received > sent, "received after sent");
    assert.ok(
      read - received >= 40_000_000n,
      `stamped ${(read - received) / 1000n} µs before it was read, not on arrival`,
    );
  },
});

Deno.test({
  name: "udpExchange() asks every address of a name and takes the one that answers",
  ignore: Deno.build.os !== "linux",
  async fn() {
    // localhost may resolve to ::1 and 127.0.0.1: the server is on 127.0.0.1 only.
    await using server = udpServer(async (request, _from, reply) => await reply(request));
    const exchange = await udpExchange({
      hostname: "localhost",
      port: server.port,
      request: () => encoder.encode("hello"),
      accept: (bytes) => decoder.decode(bytes),
      timeoutMs: 2000,
      clock: systemClock,
    });
    assert.equal(exchange.value, "hello");
  },
});

Deno.test("resolveHost() passes IP literals through and resolves localhost", async () => {
  assert.deepEqual(await resolveHost("127.0.0.1", 1000), [{ address: "127.0.0.1", family: 4 }]);
  assert.deepEqual(await resolveHost("::1", 1000), [{ address: "::1", family: 6 }]);
  const local = await resolveHost("localhost", 2000);
  assert.ok(
    local.some((a) => a.address === "127.0.0.1" || a.address === "::1"),
    JSON.stringify(local),
  );
});

Deno.test("resolveHost() reports an unknown host as a dns failure", async () => {
  await rejectsWith(
    resolveHost("nosuch.invalid", 5000),
    "dns",
    /^cannot resolve "nosuch\.invalid": /,
  );
});

Deno.test("canonicalAddress() and ipFamily() compare IPv6 spellings", () => {
  const same: [string, string][] = [
    ["::1", "0:0:0:0:0:0:0:1"],
    ["2001:DB8::1", "2001:db8:0:0:0:0:0:1"],
    ["::ffff:127.0.0.1", "127.0.0.1"],
    ["::ffff:7f00:1", "127.0.0.1"],
    ["fe80::1:2", "fe80:0::1:2"],
  ];
  for (const [a, b] of same) assert.equal(canonicalAddress(a), canonicalAddress(b), `${a} = ${b}`);
  assert.notEqual(canonicalAddress("::1"), canonicalAddress("::2"));
  const families: [string, 4 | 6 | null][] = [
    ["127.0.0.1", 4],
    ["256.0.0.1", null],
    ["::1", 6],
    ["::ffff:10.0.0.1", 6],
    ["1:2:3:4:5:6:7:8", 6],
    ["1:2:3:4:5:6:7:8:9", null],
    ["1::2::3", null],
    ["localhost", null],
    ["example.org", null],
    ["12345::", null],
  ];
  for (const [text, family] of families) assert.equal(ipFamily(text), family, text);
});
