/**
 * The kernel engine's TCP sockets against Deno's own TCP
 * clients on loopback: they must behave as the `Deno.TcpConn` subset the
 * services use, down to which error a reset or a closed socket raises.
 */

import { deepStrictEqual, ok, rejects, strictEqual, throws } from "node:assert/strict";
import { EpollLoop, MAX_AT_ONCE_PER_TURN } from "../src/io/linux/epoll_loop.ts";
import { EpollListener } from "../src/io/linux/listener.ts";
import { closeQuietly, isDisconnect, TcpServer, writeAll } from "../src/io/stream_server.ts";
import { Metrics } from "../src/ops/metrics.ts";
import type { StreamConn, StreamListener } from "../src/io/stream.ts";
import { acceptOne } from "./_accept.ts";
import { canBind } from "./_clockd.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A loop and one listener on 127.0.0.1, closed in order at the end. */
async function withListener(
  hostname: string,
  run: (listener: EpollListener, loop: EpollLoop) => void | Promise<void>,
): Promise<void> {
  const loop = EpollLoop.open();
  const listener = EpollListener.bind(loop, hostname, 0);
  try {
    await run(listener, loop);
  } finally {
    listener.close();
    await loop.close();
  }
}

async function readAll(conn: Deno.Conn, until: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const buffer = new Uint8Array(65536);
  while (total < until) {
    const count = await conn.read(buffer);
    if (count === null) break;
    chunks.push(buffer.slice(0, count));
    total += count;
  }
  const all = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.length;
  }
  return all;
}

Deno.test("EpollConn: accepted, read and written both ways, addresses as Deno names them, EOF as null", async () => {
  await withListener("127.0.0.1", async (listener) => {
    strictEqual(listener.addr.hostname, "127.0.0.1");
    ok(listener.addr.port > 0);
    const [client, conn] = await Promise.all([
      Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port }),
      acceptOne(listener),
    ]);
    const typed: StreamConn = conn; // the services take it as they take a Deno.TcpConn
    deepStrictEqual(typed.remoteAddr, { ...client.localAddr });
    deepStrictEqual(conn.localAddr, listener.addr);
    conn.setNoDelay(true);
    await client.write(encoder.encode("timestamp\n"));
    const buffer = new Uint8Array(256);
    const count = await conn.read(buffer);
    strictEqual(decoder.decode(buffer.subarray(0, count!)), "timestamp\n");
    strictEqual(await conn.write(encoder.encode("1795000000\n")), 11);
    strictEqual(decoder.decode(await readAll(client, 11)), "1795000000\n");
    client.close();
    strictEqual(await conn.read(buffer), null);
    conn.close();
  });
});

Deno.test("EpollConn: a read waits for bytes that come later", async () => {
  await withListener("127.0.0.1", async (listener) => {
    const [client, conn] = await Promise.all([
      Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port }),
      acceptOne(listener),
    ]);
    const buffer = new Uint8Array(16);
    const pending = conn.read(buffer);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await client.write(encoder.encode("late"));
    const count = await pending;
    strictEqual(decoder.decode(buffer.subarray(0, count!)), "late");
    await rejects(
      Promise.all([conn.read(buffer), conn.read(buffer)]),
      Deno.errors.Busy,
      "one read at a time, as Deno's",
    );
    client.close();
    closeQuietly(conn);
  });
});

Deno.test("EpollConn: 4 MiB to a slow reader arrive whole through partial writes", async () => {
  await withListener("127.0.0.1", async (listener) => {
    const [client, conn] = await Promise.all([
      Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port }),
      acceptOne(listener),
    ]);
    const payload = new Uint8Array(4 * 1024 * 1024);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 7 + (i >> 12)) & 255;
    const writing = writeAll(conn, payload);
    await new Promise((resolve) => setTimeout(resolve, 100)); // the socket buffers fill
    const received = await readAll(client, payload.length);
    await writing;
    strictEqual(received.length, payload.length);
    ok(received.every((byte, i) => byte === payload[i]), "every byte in order");
    client.close();
    conn.close();
  });
});

Deno.test("EpollConn: a socket kept full is read at most MAX_AT_ONCE_PER_TURN times a turn, nothing lost", async () => {
  await withListener("127.0.0.1", async (listener, loop) => {
    const [client, conn] = await Promise.all([
      Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port }),
      acceptOne(listener),
    ]);
    const payload = encoder.encode("timestamp\n".repeat(10_000)); // 100,000 bytes
    const writing = writeAll(client, payload);
    const buffer = new Uint8Array(256);
    const received: number[] = [];
    const firstTurn = loop.turn;
    let total = 0;
    while (total < payload.length) {
      const count = await conn.read(buffer);
      if (count === null) break;
      for (let i = 0; i < count; i++) received.push(buffer[i]);
      total += count;
    }
    await writing;
    strictEqual(total, payload.length);
    ok(received.every((byte, i) => byte === payload[i]), "every byte in order");
    const turns = loop.turn - firstTurn;
    const least = Math.ceil(payload.length / (buffer.length * MAX_AT_ONCE_PER_TURN)) - 1;
    ok(
      turns >= least,
      `${payload.length} bytes in 256-byte reads took ${turns} turns, at least ${least}`,
    );
    client.close();
    conn.close();
  });
});

Deno.test("EpollConn: closing fails a read in flight with BadResource; a second close throws", async () => {
  await withListener("127.0.0.1", async (listener) => {
    const [client, conn] = await Promise.all([
      Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port }),
      acceptOne(listener),
    ]);
    const pending = conn.read(new Uint8Array(16));
    conn.close();
    await rejects(pending, Deno.errors.BadResource);
    throws(() => conn.close(), Deno.errors.BadResource);
    await rejects(conn.write(encoder.encode("x")), Deno.errors.BadResource);
    strictEqual(await client.read(new Uint8Array(16)), null, "the client sees the close");
    client.close();
  });
});

Deno.test("EpollConn: after a peer's reset a read ends and a write fails as a disconnect", async () => {
  await withListener("127.0.0.1", async (listener) => {
    const [client, conn] = await Promise.all([
      Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port }),
      acceptOne(listener),
    ]);
    // Closing with unread bytes makes the client's kernel answer with a reset.
    await writeAll(conn, encoder.encode("unread\n"));
    await new Promise((resolve) => setTimeout(resolve, 50));
    client.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Linux reports the reset once, to whichever call comes first; a read then ends.
    const ended = await conn.read(new Uint8Array(16)).catch((error) => error);
    ok(ended === null || isDisconnect(ended), `the read ended, got ${ended}`);
    let error: unknown = null;
    try {
      for (let i = 0; i < 10; i++) await conn.write(encoder.encode("more\n"));
    } catch (caught) {
      error = caught;
    }
    ok(error !== null && isDisconnect(error), `a disconnect, got ${error}`);
    conn.close();
  });
});

Deno.test("EpollListener: close tells a waiting listener, whose tryAccept() then fails with BadResource", async () => {
  const loop = EpollLoop.open();
  const listener = EpollListener.bind(loop, "127.0.0.1", 0);
  const pending = acceptOne(listener);
  listener.close();
  await rejects(pending, Deno.errors.BadResource);
  listener.close(); // idempotent
  await loop.close();
});

Deno.test({
  name: "EpollListener: IPv6, and IPv4 clients of a dual-stack listener named ::ffff:a.b.c.d",
  // Ignored where this machine has no IPv6 loopback.
  ignore: !canBind("tcp", "::1", 0),
  fn: async () => {
    let loop: EpollLoop | null = EpollLoop.open();
    try {
      const v6 = EpollListener.bind(loop, "::1", 0);
      const [client6, conn6] = await Promise.all([
        Deno.connect({ hostname: "::1", port: v6.addr.port }),
        acceptOne(v6),
      ]);
      strictEqual(conn6.remoteAddr.hostname, "::1");
      strictEqual(conn6.remoteAddr.port, (client6.localAddr as Deno.NetAddr).port);
      client6.close();
      conn6.close();
      v6.close();
      const dual = EpollListener.bind(loop, "", 0);
      strictEqual(dual.addr.hostname, "::");
      const [client4, conn4] = await Promise.all([
        Deno.connect({ hostname: "127.0.0.1", port: dual.addr.port }),
        acceptOne(dual),
      ]);
      strictEqual(conn4.remoteAddr.hostname, "::ffff:127.0.0.1");
      client4.close();
      conn4.close();
      dual.close();
    } finally {
      await loop?.close();
      loop = null;
    }
  },
});

Deno.test("EpollListener: shares a port with SO_REUSEPORT; says why a bind fails", async () => {
  await withListener("127.0.0.1", (listener, loop) => {
    const second = EpollListener.bind(loop, "127.0.0.1", listener.addr.port);
    strictEqual(second.addr.port, listener.addr.port);
    second.close();
    throws(() => EpollListener.bind(loop, "clock.example", 0), /needs a numeric address/);
    using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 }); // no SO_REUSEPORT
    throws(
      () => EpollListener.bind(loop, "127.0.0.1", taken.addr.port),
      Deno.errors.AddrInUse,
    );
  });
});

Deno.test("TcpServer runs unchanged on an EpollListener", async () => {
  const loop = EpollLoop.open();
  const listener: StreamListener = EpollListener.bind(loop, "127.0.0.1", 0);
  const metrics = new Metrics();
  const counters = metrics.counter("session", "tcp");
  const server = new TcpServer(listener, "session", async (conn, c) => {
    const buffer = new Uint8Array(64);
    const count = await conn.read(buffer);
    c.requests++;
    if (count !== null) await writeAll(conn, buffer.subarray(0, count));
    closeQuietly(conn);
  }, counters);
  const serving = server.serve();
  try {
    for (const word of ["one\n", "two\n", "three\n"]) {
      const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
      await client.write(encoder.encode(word));
      strictEqual(decoder.decode(await readAll(client, word.length)), word);
      client.close();
    }
    strictEqual(counters.requests, 3);
  } finally {
    server.close();
    await server.closeConnections();
    await serving;
    metrics.close();
    await loop.close();
  }
});
