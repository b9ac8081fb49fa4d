/**
 * The readiness half of the stream seam on both engines: `whenReadable`
 * tells its listener later, never from within the call; `tryRead` and
 * `tryWrite` never wait; a close tells a waiting listener. The listener's
 * `whenAcceptable` and `tryAccept` likewise, through a burst of connections.
 */

import { ok, strictEqual, throws } from "node:assert/strict";
import { closeQuietly, isDisconnect, TcpServer } from "../src/io/stream_server.ts";
import { Metrics } from "../src/ops/metrics.ts";
import { EpollLoop } from "../src/io/linux/epoll_loop.ts";
import { EpollListener } from "../src/io/linux/listener.ts";
import { DenoListener } from "../src/io/deno/stream.ts";
import type { StreamConn, StreamListener } from "../src/io/stream.ts";
import { acceptOne } from "./_accept.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface Engine {
  name: string;
  open(): { listener: StreamListener; close(): Promise<void> };
}

const ENGINES: Engine[] = [
  {
    name: "kernel",
    open() {
      const loop = EpollLoop.open();
      const listener = EpollListener.bind(loop, "127.0.0.1", 0);
      return {
        listener,
        close: async () => {
          listener.close();
          await loop.close();
        },
      };
    },
  },
  {
    name: "deno",
    open() {
      const listener = new DenoListener(Deno.listen({ hostname: "127.0.0.1", port: 0 }));
      return { listener, close: () => Promise.resolve(listener.close()) };
    },
  },
];

/** Registers a listener through `register`, and waits for its call, checking it came later. */
function toldLater(register: (notify: () => void) => void): Promise<void> {
  let returned = false;
  const told = new Promise<void>((resolve, reject) =>
    register(() => returned ? resolve() : reject(new Error("told within the call")))
  );
  returned = true;
  return told;
}

/** Waits for the connection's next `whenReadable` call. */
const readable = (conn: StreamConn) =>
  toldLater((notify) => conn.whenReadable({ onReadable: notify }));

/** Waits for the listener's next `whenAcceptable` call. */
const acceptable = (listener: StreamListener) =>
  toldLater((notify) => listener.whenAcceptable({ onAcceptable: notify }));

/** Runs `use` with a client and the connection the engine accepted from it, then closes all. */
async function withConn(
  engine: Engine,
  use: (client: Deno.TcpConn, conn: StreamConn) => void | Promise<void>,
): Promise<void> {
  const { listener, close } = engine.open();
  try {
    const [client, conn] = await Promise.all([
      Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port }),
      acceptOne(listener),
    ]);
    try {
      await use(client, conn);
    } finally {
      client.close();
      try {
        conn.close();
      } catch {
        // the test closed it
      }
    }
  } finally {
    await close();
  }
}

for (const engine of ENGINES) {
  Deno.test({
    name:
      `${engine.name} engine: whenReadable() tells later; tryRead() takes the bytes, 0 when drained, null at the end`,
    ignore: engine.name === "kernel" && Deno.build.os !== "linux",
    async fn() {
      await withConn(engine, async (client, conn) => {
        await client.write(encoder.encode("timestamp\n"));
        await readable(conn);
        const buffer = new Uint8Array(256);
        const count = conn.tryRead(buffer);
        strictEqual(decoder.decode(buffer.subarray(0, count ?? 0)), "timestamp\n");
        strictEqual(conn.tryRead(buffer), 0, "drained: nothing, and no waiting");
        await client.write(encoder.encode("unix\n"));
        await readable(conn);
        strictEqual(decoder.decode(buffer.subarray(0, conn.tryRead(buffer) ?? 0)), "unix\n");
        client.closeWrite();
        await readable(conn);
        strictEqual(conn.tryRead(buffer), null);
      });
    },
  });

  Deno.test({
    name:
      `${engine.name} engine: tryWrite() sends without waiting, or takes nothing and write() sends it`,
    ignore: engine.name === "kernel" && Deno.build.os !== "linux",
    async fn() {
      await withConn(engine, async (client, conn) => {
        const bytes = encoder.encode("1795000000\n");
        const sent = conn.tryWrite(bytes);
        if (engine.name === "kernel") strictEqual(sent, bytes.length);
        else strictEqual(sent, 0, "Deno cannot write without waiting");
        if (sent < bytes.length) await conn.write(bytes.subarray(sent));
        const buffer = new Uint8Array(64);
        strictEqual(
          decoder.decode(buffer.subarray(0, (await client.read(buffer))!)),
          "1795000000\n",
        );
      });
    },
  });

  Deno.test({
    name:
      `${engine.name} engine: closing a connection tells its waiting listener, and tryRead() then fails as a disconnect`,
    ignore: engine.name === "kernel" && Deno.build.os !== "linux",
    async fn() {
      await withConn(engine, async (_client, conn) => {
        const told = readable(conn);
        conn.close();
        await told;
        throws(() => conn.tryRead(new Uint8Array(8)), (error) => isDisconnect(error));
      });
    },
  });
}

for (const engine of ENGINES) {
  Deno.test({
    name:
      `${engine.name} engine: whenAcceptable() tells later; tryAccept() takes a burst of 300 in turns, null when none, and timers still run`,
    ignore: engine.name === "kernel" && Deno.build.os !== "linux",
    async fn() {
      const { listener, close } = engine.open();
      const accepted: StreamConn[] = [];
      const clients: Deno.TcpConn[] = [];
      try {
        strictEqual(listener.tryAccept(), null, "nothing yet, and no waiting");
        const connecting = Promise.all(
          Array.from(
            { length: 300 },
            () => Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port }),
          ),
        );
        // As the accept loop does: take what is there, then wait again, all
        // within the call, until all 300 are in.
        let ticks = 0;
        const ticking = setInterval(() => ticks++, 1);
        let returned = false;
        await new Promise<void>((resolve, reject) => {
          listener.whenAcceptable({
            onAcceptable() {
              if (!returned) return reject(new Error("told within the call"));
              for (let conn = listener.tryAccept(); conn !== null; conn = listener.tryAccept()) {
                accepted.push(conn);
              }
              if (accepted.length === 300) resolve();
              else listener.whenAcceptable(this);
            },
          });
          returned = true;
        });
        clients.push(...await connecting);
        // The runtime's own timers were not starved meanwhile, nor after.
        const before = ticks;
        await new Promise((resolve) => setTimeout(resolve, 50));
        clearInterval(ticking);
        ok(ticks > before, "a 1 ms interval ran during a 50 ms wait");
        strictEqual(listener.tryAccept(), null);
        const told = acceptable(listener);
        await close();
        await told; // a close tells a waiting listener
        throws(() => listener.tryAccept(), Deno.errors.BadResource);
      } finally {
        for (const conn of accepted) conn.close();
        for (const client of clients) client.close();
      }
    },
  });
}

for (const engine of ENGINES) {
  Deno.test({
    name:
      `${engine.name} engine: TcpServer takes a burst of 300 connections, each handled, and timers still run`,
    ignore: engine.name === "kernel" && Deno.build.os !== "linux",
    async fn() {
      const { listener, close } = engine.open();
      const counters = new Metrics().counter("burst", "tcp");
      let handled = 0;
      const server = new TcpServer(listener, "burst", (conn, _counters, ended) => {
        handled++;
        closeQuietly(conn);
        ended(conn);
      }, counters);
      const serving = server.serve();
      const started = performance.now();
      try {
        const clients = await Promise.all(
          Array.from(
            { length: 300 },
            () => Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port }),
          ),
        );
        for (const client of clients) client.close();
        const deadline = performance.now() + 10_000;
        while (handled < 300 && performance.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        strictEqual(handled, 300);
        // Liveness, not speed: a loop spinning on retries (each asking for
        // more) would hold the connects and timers back for many seconds.
        const took = performance.now() - started;
        ok(took < 10_000, `300 connections took ${Math.round(took)} ms`);
        const asleep = performance.now();
        await new Promise((resolve) => setTimeout(resolve, 50));
        const slept = performance.now() - asleep;
        ok(slept < 2000, `a 50 ms timer fired after ${Math.round(slept)} ms`);
      } finally {
        server.close();
        await serving;
        await close();
      }
    },
  });
}

Deno.test({
  name: "kernel engine: one listener at a time; a full socket makes tryWrite() take part, then 0",
  ignore: Deno.build.os !== "linux",
  async fn() {
    await withConn(ENGINES[0], (_client, conn) => {
      conn.whenReadable({ onReadable() {} });
      throws(() => conn.whenReadable({ onReadable() {} }), Deno.errors.Busy);
      const big = new Uint8Array(1 << 20);
      let taken = 0;
      const sends: number[] = [];
      for (let i = 0; i < 64; i++) {
        const sent = conn.tryWrite(big);
        sends.push(sent);
        taken += sent;
        if (sent === 0) break;
      }
      strictEqual(sends.at(-1), 0, "the peer reads nothing, so the socket fills");
      ok(taken > 0);
    });
  },
});
