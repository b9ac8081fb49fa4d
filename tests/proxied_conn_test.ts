/**
 * The PROXY header at the accept loop: {@linkcode readProxyHeader},
 * {@linkcode ProxiedConn}, and {@linkcode TcpServer} with trusted peers, on
 * real loopback sockets.
 */

import { DenoListener } from "../src/io/deno/stream.ts";
import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { PROXY_V2_SIGNATURE } from "../src/admission/proxy_header.ts";
import { proxyV2Tcp6 } from "./_proxy_headers.ts";
import { ProxiedConn, readProxyHeader } from "../src/io/proxied_conn.ts";
import type { StreamConn } from "../src/io/stream.ts";
import { TcpServer, type TcpServerOptions } from "../src/io/stream_server.ts";
import { ServiceCounters } from "../src/ops/counters.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** What the handler saw of one connection: its peer and every byte until EOF. */
interface Seen {
  peer: string;
  port: number;
  bytes: string;
}

/** A TcpServer on 127.0.0.1 whose handler records what it saw, then answers "ok\n". */
function startServer(options: TcpServerOptions, admit: (remote: Deno.NetAddr) => boolean) {
  const listener = new DenoListener(Deno.listen({ hostname: "127.0.0.1", port: 0 }));
  const counters = new ServiceCounters("test", "tcp", true);
  const seen: Seen[] = [];
  const admitted: string[] = [];
  const server = new TcpServer(
    listener,
    "test",
    async (conn) => {
      const record = { peer: conn.remoteAddr.hostname, port: conn.remoteAddr.port, bytes: "" };
      seen.push(record);
      const buffer = new Uint8Array(64);
      while (!record.bytes.endsWith("\n")) {
        const count = await conn.read(buffer);
        if (count === null) break;
        record.bytes += decoder.decode(buffer.subarray(0, count));
      }
      await conn.write(encoder.encode("ok\n"));
      conn.close();
    },
    counters,
    (remote) => {
      admitted.push(remote.hostname);
      return admit(remote) ? null : "denied";
    },
    options,
  );
  const serving = server.serve();
  return {
    port: server.addr.port,
    counters,
    seen,
    admitted,
    async [Symbol.asyncDispose]() {
      server.close();
      await server.closeConnections();
      await serving;
    },
  };
}

/** Connects, writes each part (a pause between), and reads until the server closes. */
async function exchange(port: number, ...parts: Uint8Array[]): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    for (const [i, part] of parts.entries()) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, 20));
      await conn.write(part);
    }
    let answer = "";
    const buffer = new Uint8Array(64);
    while (true) {
      let count: number | null;
      try {
        count = await conn.read(buffer);
      } catch (error) {
        if (error instanceof Deno.errors.ConnectionReset) break;
        throw error;
      }
      if (count === null) break;
      answer += decoder.decode(buffer.subarray(0, count));
    }
    return answer;
  } finally {
    conn.close();
  }
}

const trusted = { proxied: () => true } as const;
const V1 = encoder.encode("PROXY TCP4 192.0.2.7 127.0.0.1 56324 1200\r\n");
const V2 = proxyV2Tcp6(1200);

Deno.test("TcpServer serves a trusted peer as the client its v1 header names", async () => {
  await using server = startServer(trusted, () => true);
  const bytes = new Uint8Array([...V1, ...encoder.encode("now\n")]);
  strictEqual(await exchange(server.port, bytes), "ok\n");
  deepStrictEqual(server.seen, [{ peer: "192.0.2.7", port: 56324, bytes: "now\n" }]);
  deepStrictEqual(server.admitted, ["192.0.2.7"], "admission sees the client, not the balancer");
});

Deno.test("TcpServer reads a v2 header sent in pieces, then the request after it", async () => {
  await using server = startServer(trusted, () => true);
  strictEqual(
    await exchange(
      server.port,
      V2.subarray(0, 5),
      V2.subarray(5, 20),
      V2.subarray(20),
      encoder.encode("now\n"),
    ),
    "ok\n",
  );
  deepStrictEqual(server.seen, [{ peer: "2001:db8::7", port: 40000, bytes: "now\n" }]);
});

Deno.test("TcpServer keeps a trusted peer's own address for a v2 LOCAL header", async () => {
  await using server = startServer(trusted, () => true);
  const local = Uint8Array.of(...PROXY_V2_SIGNATURE, 0x20, 0x00, 0, 0);
  strictEqual(await exchange(server.port, local, encoder.encode("now\n")), "ok\n");
  deepStrictEqual(server.seen.map((s) => [s.peer, s.bytes]), [["127.0.0.1", "now\n"]]);
});

Deno.test("TcpServer refuses the client a trusted header names when admission denies it", async () => {
  await using server = startServer(trusted, (remote) => remote.hostname !== "192.0.2.7");
  strictEqual(await exchange(server.port, V1, encoder.encode("now\n")), "");
  deepStrictEqual(server.seen, []);
  strictEqual(server.counters.refused.denied, 1);
});

Deno.test("TcpServer closes and counts a trusted peer that sends no PROXY header", async () => {
  await using server = startServer(trusted, () => true);
  strictEqual(await exchange(server.port, encoder.encode("status\n")), "");
  deepStrictEqual(server.seen, []);
  deepStrictEqual(server.admitted, [], "never admitted: no client known");
  strictEqual(server.counters.refused["proxy-header"], 1);
});

Deno.test("TcpServer closes a trusted peer that stays silent past proxyHeaderTimeoutMs", async () => {
  await using server = startServer({ ...trusted, proxyHeaderTimeoutMs: 100 }, () => true);
  const started = performance.now();
  strictEqual(await exchange(server.port, V1.subarray(0, 10)), "");
  const waited = performance.now() - started;
  strictEqual(waited >= 90 && waited < 3000, true, `closed after ${waited} ms`);
  strictEqual(server.counters.refused["proxy-header"], 1);
});

Deno.test("TcpServer hands an untrusted peer's PROXY line to the service as bytes", async () => {
  await using server = startServer({ proxied: () => false }, () => true);
  strictEqual(await exchange(server.port, V1), "ok\n");
  deepStrictEqual(server.seen, [{
    peer: "127.0.0.1",
    port: server.seen[0]?.port ?? -1,
    bytes: decoder.decode(V1),
  }]);
  deepStrictEqual(server.admitted, ["127.0.0.1"]);
});

/** A balancer's connection with nothing more to read: its end comes at once. */
function endedConn(): StreamConn {
  return {
    read: () => Promise.resolve(null),
    whenReadable: (listener) => queueMicrotask(() => listener.onReadable()),
    tryRead: () => null,
    write: (b) => Promise.resolve(b.length),
    tryWrite: () => 0,
    close() {},
    setNoDelay() {},
    remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 1 },
  };
}

Deno.test("readProxyHeader() refuses a connection that ends inside the header", async () => {
  const bytes = V1.subarray(0, 20);
  let reads = 0;
  const conn: StreamConn = {
    ...endedConn(),
    read(buffer) {
      if (reads++ > 0) return Promise.resolve(null);
      buffer.set(bytes);
      return Promise.resolve(bytes.length);
    },
  };
  strictEqual(await readProxyHeader(conn, 1000), "closed before a whole PROXY header");
});

Deno.test("ProxiedConn replays in pieces as small as the reader's buffer", async () => {
  const inner = endedConn();
  const client = { transport: "tcp", hostname: "192.0.2.7", port: 2 } as const;
  const conn = new ProxiedConn(inner, client, encoder.encode("abcde"));
  const buffer = new Uint8Array(2);
  const pieces: (string | null)[] = [];
  while (true) {
    const count = await conn.read(buffer);
    if (count === null) break;
    pieces.push(decoder.decode(buffer.subarray(0, count)));
  }
  deepStrictEqual(pieces, ["ab", "cd", "e"]);
  strictEqual(await conn.write(encoder.encode("xyz")), 3);
});

Deno.test("ProxiedConn.whenReadable() and tryRead() replay first, then reads the connection's own end", async () => {
  const inner = endedConn();
  const conn = new ProxiedConn(inner, inner.remoteAddr, encoder.encode("abc"));
  const buffer = new Uint8Array(2);
  await new Promise<void>((onReadable) => conn.whenReadable({ onReadable }));
  strictEqual(conn.tryRead(buffer), 2);
  strictEqual(decoder.decode(buffer), "ab");
  await new Promise<void>((onReadable) => conn.whenReadable({ onReadable }));
  strictEqual(conn.tryRead(buffer), 1);
  strictEqual(decoder.decode(buffer.subarray(0, 1)), "c");
  await new Promise<void>((onReadable) => conn.whenReadable({ onReadable }));
  strictEqual(conn.tryRead(buffer), null);
});
